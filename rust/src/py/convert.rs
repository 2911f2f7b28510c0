//! Conversions at the boundary: Python values to device fields and back, numpy inputs and
//! outputs, seeds. Wrong types are `TypeError`s, wrong values `ValueError`s, naming the argument.

use crate::device::{
    field_names, field_type, DeviceParams, FieldType, TransferProtocol, Value, FIELDS,
};
use crate::error::Error;
use numpy::ndarray::Array2;
use numpy::{
    dtype, Element, IntoPyArray, PyArray2, PyArrayDescrMethods, PyArrayMethods, PyReadonlyArray2,
    PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyMapping, PyString, PyTuple};

pub(super) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_string())
}

/// The repr of a value for messages, cut to 60 characters.
pub(super) fn short(obj: &Bound<'_, PyAny>) -> String {
    let r = obj.repr().map(|r| r.to_string()).unwrap_or_default();
    if r.chars().count() > 60 {
        format!("{}...", r.chars().take(60).collect::<String>())
    } else {
        r
    }
}

/// "type (repr)" of a value for messages.
pub(super) fn describe(obj: &Bound<'_, PyAny>) -> String {
    format!("{} ({})", type_name(obj), short(obj))
}

/// An integer argument in [lo, hi]: a Python int or numpy integer, never a bool, float or str
/// (`True` is no row count); too large is a ValueError naming it, never an OverflowError.
pub(super) fn int_arg(arg: &str, obj: &Bound<'_, PyAny>, lo: i64, hi: i64) -> PyResult<i64> {
    let obj = unwrap_scalar(obj)?;
    let allowed = match (lo, hi) {
        (i64::MIN, i64::MAX) => "an integer in [-2**63, 2**63 - 1]".to_string(),
        (_, i64::MAX) => format!("an integer in [{lo}, 2**63 - 1]"),
        _ => format!("an integer in [{lo}, {hi}]"),
    };
    if obj.is_instance_of::<PyBool>()
        || obj.is_instance_of::<PyFloat>()
        || obj.is_instance_of::<PyString>()
    {
        return Err(Error::type_(arg, &allowed, describe(&obj)).into());
    }
    match obj.extract::<i64>() {
        Ok(v) if (lo..=hi).contains(&v) => Ok(v),
        Ok(_) => Err(Error::value(arg, format!("invalid value {obj}; expected {allowed}")).into()),
        Err(_) if obj.is_instance_of::<PyInt>() => Err(Error::value(
            arg,
            format!("invalid value {}; expected {allowed}", short(&obj)),
        )
        .into()),
        Err(_) => Err(Error::type_(arg, &allowed, describe(&obj)).into()),
    }
}

/// A float argument: a Python or numpy number, never a bool or str; ints too large for a float
/// are a ValueError naming it.
pub(super) fn float_arg(arg: &str, obj: &Bound<'_, PyAny>) -> PyResult<f64> {
    let obj = unwrap_scalar(obj)?;
    if obj.is_instance_of::<PyBool>() || obj.is_instance_of::<PyString>() {
        return Err(Error::type_(arg, "a real number", describe(&obj)).into());
    }
    obj.extract::<f64>().map_err(|_| {
        if obj.is_instance_of::<PyInt>() {
            Error::value(
                arg,
                format!("invalid value {}; too large for a float", short(&obj)),
            )
            .into()
        } else {
            Error::type_(arg, "a real number", describe(&obj)).into()
        }
    })
}

/// A bool argument: True or False (numpy bools too), not 0/1 or None.
pub(super) fn bool_arg(arg: &str, obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    let obj = unwrap_scalar(obj)?;
    if obj.is_instance_of::<PyBool>() {
        return obj.extract::<bool>();
    }
    Err(Error::type_(arg, "True or False", describe(&obj)).into())
}

/// numpy 0-d arrays and numpy scalars -> Python scalars (state dicts loaded from .npz).
pub(super) fn unwrap_scalar<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if let Ok(a) = obj.cast::<PyUntypedArray>() {
        if a.ndim() == 0 {
            return obj.call_method0("item");
        }
    }
    Ok(obj.clone())
}

pub(super) fn to_value(field: &str, obj: &Bound<'_, PyAny>, ty: FieldType) -> PyResult<Value> {
    let obj = unwrap_scalar(obj)?;
    let bad = |want: &str| -> PyErr {
        Error::type_(
            field,
            want,
            format!(
                "{} ({})",
                type_name(&obj),
                obj.repr().map(|r| r.to_string()).unwrap_or_default()
            ),
        )
        .into()
    };
    match ty {
        FieldType::Str => obj
            .extract::<String>()
            .map(Value::Str)
            .map_err(|_| bad("str")),
        FieldType::FloatList => float_list(field, &obj).map(Value::FloatList),
        // an int field takes integers only (msb_bits=3.0 is refused, not kept as a float)
        FieldType::Int => {
            if !obj.is_instance_of::<PyInt>() && obj.extract::<i64>().is_err() {
                return Err(bad("int"));
            }
            int_arg(field, &obj, i64::MIN, i64::MAX).map_err(|e| {
                if e.is_instance_of::<PyTypeError>(obj.py()) {
                    bad("int")
                } else {
                    e
                }
            })
        }
        .map(Value::Int),
        FieldType::Float => {
            if obj.is_instance_of::<PyBool>() || obj.is_instance_of::<PyString>() {
                return Err(bad("float"));
            }
            match obj.extract::<i64>() {
                Ok(i) if obj.is_instance_of::<PyInt>() => Ok(Value::Int(i)),
                _ => float_arg(field, &obj).map(Value::Float),
            }
        }
    }
}

/// A sequence of floats (list, tuple, 1-d numpy array); not a str, bytes or a mapping.
pub(super) fn float_list(field: &str, obj: &Bound<'_, PyAny>) -> PyResult<Vec<f64>> {
    let want = "a sequence of floats (list, tuple or 1-d array)";
    if obj.is_instance_of::<PyString>() || obj.cast::<PyMapping>().is_ok() {
        return Err(Error::type_(field, want, type_name(obj)).into());
    }
    let mut out = Vec::new();
    for (i, item) in obj
        .try_iter()
        .map_err(|_| Error::type_(field, want, type_name(obj)))?
        .enumerate()
    {
        let item = unwrap_scalar(&item?)?;
        if item.is_instance_of::<PyBool>() || item.is_instance_of::<PyString>() {
            return Err(Error::type_(&format!("{field}[{i}]"), "float", type_name(&item)).into());
        }
        out.push(
            item.extract::<f64>()
                .map_err(|_| Error::type_(&format!("{field}[{i}]"), "float", type_name(&item)))?,
        );
    }
    Ok(out)
}

/// Device parameters from a mapping (unknown keys rejected) or any object with attributes.
pub fn device_from_py(obj: &Bound<'_, PyAny>) -> PyResult<DeviceParams> {
    let d = device_fields_from_py(obj, false)?;
    d.validate()?;
    Ok(d)
}

/// The fields of a device, not yet validated. `first_release`: a device dict of a format-1
/// state, which has no `transfer_protocol`; it ran the protocol its carry_threshold and
/// transfer_every_images implied.
pub(super) fn device_fields_from_py(
    obj: &Bound<'_, PyAny>,
    first_release: bool,
) -> PyResult<DeviceParams> {
    let mut d = DeviceParams::default();
    let mut has_protocol = false;
    if let Ok(map) = obj.cast::<PyMapping>() {
        for item in map.items()?.iter() {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
            let key: String = k.extract().map_err(|_| {
                PyTypeError::new_err(format!(
                    "device: parameter names must be str, got {} ({}); valid names: {}",
                    type_name(&k),
                    k.repr().map(|r| r.to_string()).unwrap_or_default(),
                    field_names()
                ))
            })?;
            let ty = field_type(&key)?;
            d.set(&key, &to_value(&key, &v, ty)?)?;
            has_protocol |= key == "transfer_protocol";
        }
    } else if obj.is_none() {
        return Err(PyTypeError::new_err(
            "device: expected a DeviceParams, a mapping of parameter names or an object with \
             those attributes, got None",
        ));
    } else {
        let mut found = 0;
        for (name, ty) in FIELDS {
            if obj.hasattr(*name)? {
                found += 1;
                let v = obj.getattr(*name)?;
                d.set(name, &to_value(name, &v, *ty)?)?;
                has_protocol |= *name == "transfer_protocol";
            }
        }
        if found == 0 {
            return Err(PyTypeError::new_err(format!(
                "device: expected a DeviceParams, a mapping or an object with device attributes, \
                 got {}",
                type_name(obj)
            )));
        }
    }
    if first_release && !has_protocol {
        d.transfer_protocol =
            TransferProtocol::from_first_release(d.carry_threshold, d.transfer_every_images);
    }
    Ok(d)
}

pub(super) fn value_to_py<'py>(py: Python<'py>, v: &Value) -> Bound<'py, PyAny> {
    match v {
        Value::Str(s) => PyString::new(py, s).into_any(),
        Value::Int(i) => i
            .into_pyobject(py)
            .map(|b| b.into_any())
            .unwrap_or_else(|e| match e {}),
        Value::Float(f) => PyFloat::new(py, *f).into_any(),
        // a tuple: DeviceParams is frozen, its table fields are tuples
        Value::FloatList(v) => PyTuple::new(py, v.iter().map(|f| PyFloat::new(py, *f)))
            .map(|t| t.into_any())
            .unwrap_or_else(|_| PyTuple::empty(py).into_any()),
    }
}

pub(super) fn values_to_dict<'py>(
    py: Python<'py>,
    vals: &[(&'static str, Value)],
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (k, v) in vals {
        d.set_item(*k, value_to_py(py, v))?;
    }
    Ok(d)
}

/// A float32 input: borrowed when C-contiguous, else copied in row-major order.
pub(super) enum InputF32<'py> {
    Borrowed(PyReadonlyArray2<'py, f32>),
    Owned(Vec<f32>),
}

impl InputF32<'_> {
    pub(super) fn as_slice(&self) -> &[f32] {
        match self {
            InputF32::Borrowed(a) => a.as_slice().unwrap_or(&[]),
            InputF32::Owned(v) => v,
        }
    }
}

pub(super) fn input_f32<'py>(
    arg: &str,
    obj: &Bound<'py, PyAny>,
    rows: usize,
    cols: usize,
) -> PyResult<InputF32<'py>> {
    let py = obj.py();
    let want = format!("numpy.ndarray of dtype float32 with shape ({rows}, {cols})");
    let arr = obj
        .cast::<PyUntypedArray>()
        .map_err(|_| Error::type_(arg, &want, type_name(obj)))?;
    let dt = arr.dtype();
    if !dt.is_equiv_to(&dtype::<f32>(py)) {
        return Err(Error::type_(arg, &want, format!("array of dtype {dt}")).into());
    }
    if arr.shape() != [rows, cols] {
        return Err(Error::value(
            arg,
            format!(
                "expected shape ({rows}, {cols}), got shape {:?}",
                arr.shape()
            ),
        )
        .into());
    }
    let a = obj
        .cast::<PyArray2<f32>>()
        .map_err(|_| Error::type_(arg, &want, type_name(obj)))?;
    let ro = a
        .try_readonly()
        .map_err(|e| PyValueError::new_err(format!("{arg}: cannot borrow array: {e}")))?;
    if ro.as_slice().is_ok() {
        Ok(InputF32::Borrowed(ro))
    } else {
        Ok(InputF32::Owned(ro.as_array().iter().copied().collect()))
    }
}

pub(super) fn out_2d<'py, T: Element>(
    py: Python<'py>,
    rows: usize,
    cols: usize,
    v: Vec<T>,
) -> PyResult<Bound<'py, PyArray2<T>>> {
    let a = Array2::from_shape_vec((rows, cols), v)
        .map_err(|e| PyValueError::new_err(format!("internal shape error: {e}")))?;
    Ok(a.into_pyarray(py))
}

pub(super) fn non_negative(arg: &str, obj: &Bound<'_, PyAny>) -> PyResult<u64> {
    Ok(int_arg(arg, obj, 0, i64::MAX)? as u64)
}

pub(super) fn seed_from_py(obj: &Bound<'_, PyAny>) -> PyResult<u64> {
    seed_arg("seed", obj)
}

/// A seed named `arg`: an integer in [0, 2**64 - 1], not a bool or float.
pub(super) fn seed_arg(arg: &str, obj: &Bound<'_, PyAny>) -> PyResult<u64> {
    let obj = unwrap_scalar(obj)?;
    if obj.is_instance_of::<PyBool>() || obj.is_instance_of::<PyFloat>() {
        return Err(Error::type_(arg, "int", describe(&obj)).into());
    }
    match obj.extract::<u64>() {
        Ok(s) => Ok(s),
        Err(_) if obj.is_instance_of::<PyInt>() => Err(Error::value(
            arg,
            format!("invalid value {obj}; expected an integer in [0, 2**64 - 1]"),
        )
        .into()),
        Err(_) => Err(Error::type_(arg, "int", describe(&obj)).into()),
    }
}
