//! All PyO3 glue: argument conversion, numpy views in / arrays out, GIL release.
//!
//! Input arrays must be `numpy.ndarray` of the exact dtype (float32 for weights) and shape
//! `(rows, cols)`; wrong dtype or a non-array is a `TypeError`, wrong shape or a non-finite
//! value a `ValueError`. Non-contiguous arrays are accepted and copied once.

use crate::array::{Counters, RngSteps, State, SynapseArray, STATE_FORMAT};
use crate::device::{field_names, field_type, DeviceParams, FieldType, Value, FIELDS};
use crate::error::Error;
use crate::parallel;
use numpy::ndarray::Array2;
use numpy::{
    dtype, Element, IntoPyArray, PyArray2, PyArrayDescrMethods, PyArrayDyn, PyArrayMethods,
    PyReadonlyArray2, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyMapping, PyString};

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_string())
}

/// numpy 0-d arrays and numpy scalars -> Python scalars (state dicts loaded from .npz).
fn unwrap_scalar<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if let Ok(a) = obj.cast::<PyUntypedArray>() {
        if a.ndim() == 0 {
            return obj.call_method0("item");
        }
    }
    Ok(obj.clone())
}

fn to_value(field: &str, obj: &Bound<'_, PyAny>, ty: FieldType) -> PyResult<Value> {
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
        FieldType::Int | FieldType::Float => {
            if obj.is_instance_of::<PyBool>() || obj.is_instance_of::<PyString>() {
                return Err(bad(if ty == FieldType::Int { "int" } else { "float" }));
            }
            if obj.is_instance_of::<PyInt>() {
                match obj.extract::<i64>() {
                    Ok(i) => Ok(Value::Int(i)),
                    Err(_) => Ok(Value::Float(obj.extract::<f64>().map_err(|_| bad("int"))?)),
                }
            } else if ty == FieldType::Int && !obj.is_instance_of::<PyFloat>() {
                // numpy integers etc. via __index__
                obj.extract::<i64>().map(Value::Int).map_err(|_| bad("int"))
            } else {
                obj.extract::<f64>()
                    .map(Value::Float)
                    .map_err(|_| bad("float"))
            }
        }
    }
}

/// Device parameters from a mapping (unknown keys rejected) or any object with attributes.
pub fn device_from_py(obj: &Bound<'_, PyAny>) -> PyResult<DeviceParams> {
    let mut d = DeviceParams::default();
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
    d.validate()?;
    Ok(d)
}

fn value_to_py<'py>(py: Python<'py>, v: &Value) -> Bound<'py, PyAny> {
    match v {
        Value::Str(s) => PyString::new(py, s).into_any(),
        Value::Int(i) => i
            .into_pyobject(py)
            .map(|b| b.into_any())
            .unwrap_or_else(|e| match e {}),
        Value::Float(f) => PyFloat::new(py, *f).into_any(),
    }
}

fn values_to_dict<'py>(
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
enum InputF32<'py> {
    Borrowed(PyReadonlyArray2<'py, f32>),
    Owned(Vec<f32>),
}

impl InputF32<'_> {
    fn as_slice(&self) -> &[f32] {
        match self {
            InputF32::Borrowed(a) => a.as_slice().unwrap_or(&[]),
            InputF32::Owned(v) => v,
        }
    }
}

fn input_f32<'py>(
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

fn out_2d<'py, T: Element>(
    py: Python<'py>,
    rows: usize,
    cols: usize,
    v: Vec<T>,
) -> PyResult<Bound<'py, PyArray2<T>>> {
    let a = Array2::from_shape_vec((rows, cols), v)
        .map_err(|e| PyValueError::new_err(format!("internal shape error: {e}")))?;
    Ok(a.into_pyarray(py))
}

fn non_negative(arg: &str, v: i64) -> PyResult<u64> {
    if v < 0 {
        Err(Error::value(arg, format!("invalid value {v}; expected an integer >= 0")).into())
    } else {
        Ok(v as u64)
    }
}

fn seed_from_py(obj: &Bound<'_, PyAny>) -> PyResult<u64> {
    let obj = unwrap_scalar(obj)?;
    match obj.extract::<u64>() {
        Ok(s) => Ok(s),
        Err(_) if obj.is_instance_of::<PyInt>() => Err(Error::value(
            "seed",
            format!("invalid value {obj}; expected an integer in [0, 2**64 - 1]"),
        )
        .into()),
        Err(_) => Err(Error::type_("seed", "int", type_name(&obj)).into()),
    }
}

/// SynapseArray(rows, cols, device, *, seed=0, w_max=1.0)
///
/// The synapses of one layer: a rows x cols weight matrix on a synapse design
/// (``device.kind``: "float", "ideal" or "hybrid" MSB+LSB). Device-to-device variation is drawn
/// once here from ``seed``; ``w_max`` is the weight range of this layer. Arrays go in as
/// float32 numpy arrays of shape (rows, cols). Full documentation: ``femsyn/_core.pyi``.
#[pyclass(name = "SynapseArray", module = "femsyn._core")]
pub struct PySynapseArray {
    inner: SynapseArray,
}

#[pymethods]
impl PySynapseArray {
    #[new]
    #[pyo3(
        signature = (rows, cols, device, *, seed = None, w_max = 1.0),
        text_signature = "(rows, cols, device, *, seed=0, w_max=1.0)"
    )]
    fn new(
        py: Python<'_>,
        rows: i64,
        cols: i64,
        device: &Bound<'_, PyAny>,
        seed: Option<&Bound<'_, PyAny>>,
        w_max: f64,
    ) -> PyResult<Self> {
        let r = non_negative("rows", rows)? as usize;
        let c = non_negative("cols", cols)? as usize;
        let dev = device_from_py(device)?;
        let seed = match seed {
            Some(s) => seed_from_py(s)?,
            None => 0,
        };
        let inner = py.detach(|| SynapseArray::new(r, c, dev, seed, w_max))?;
        Ok(PySynapseArray { inner })
    }

    /// (rows, cols).
    #[getter]
    fn shape(&self) -> (usize, usize) {
        (self.inner.rows(), self.inner.cols())
    }

    /// rows * cols.
    #[getter]
    fn size(&self) -> usize {
        self.inner.len()
    }

    /// The device kind: "float", "ideal" or "hybrid".
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.device().kind.as_str()
    }

    /// The validated device parameters as a dict (``DeviceParams(**arr.device)`` rebuilds them).
    #[getter]
    fn device<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        values_to_dict(py, &self.inner.device().to_values())
    }

    /// Weight range [-w_max, w_max] of this array.
    #[getter]
    fn w_max(&self) -> f64 {
        self.inner.w_max()
    }

    /// Seed of every random stream of this array.
    #[getter]
    fn seed(&self) -> u64 {
        self.inner.seed()
    }

    /// Weight of every MSB (ideal: quantization) level index, ascending.
    #[getter]
    fn levels<'py>(&self, py: Python<'py>) -> Bound<'py, numpy::PyArray1<f64>> {
        self.inner.geometry().levels.clone().into_pyarray(py)
    }

    /// D_M: spacing of the MSB (ideal) levels in weight units.
    #[getter]
    fn msb_step(&self) -> f64 {
        self.inner.geometry().d_m
    }

    /// D_L = D_M / N_L: weight change of one LSB pulse.
    #[getter]
    fn lsb_step(&self) -> f64 {
        self.inner.geometry().d_l
    }

    /// Initial write of the weights w (float32, (rows, cols)); not counted as MSB writes.
    fn program(&mut self, py: Python<'_>, w: &Bound<'_, PyAny>) -> PyResult<()> {
        let inp = input_f32("w", w, self.inner.rows(), self.inner.cols())?;
        let s = inp.as_slice();
        let inner = &mut self.inner;
        py.detach(|| inner.program(s))?;
        Ok(())
    }

    /// Apply a requested weight change dw (float32, (rows, cols)): LSB pulses with stochastic
    /// (or nearest) rounding, noise, clipping, then the overflow carry.
    fn update(&mut self, py: Python<'_>, dw: &Bound<'_, PyAny>) -> PyResult<()> {
        let inp = input_f32("dw", dw, self.inner.rows(), self.inner.cols())?;
        let s = inp.as_slice();
        let inner = &mut self.inner;
        py.detach(|| inner.update(s))?;
        Ok(())
    }

    /// Let `seconds` of simulated time pass (the LSB leaks as exp(-t / tau)).
    fn advance(&mut self, seconds: f64) -> PyResult<()> {
        self.inner.advance(seconds)?;
        Ok(())
    }

    /// Carry the LSB into the MSB for all cells now; returns the MSB writes done.
    fn transfer(&mut self, py: Python<'_>) -> u64 {
        let inner = &mut self.inner;
        py.detach(|| inner.transfer())
    }

    /// One training step: advance(images * t_image_s), update(dw), periodic transfer.
    /// Returns the MSB writes of this step.
    #[pyo3(signature = (dw, images = 1))]
    fn step(&mut self, py: Python<'_>, dw: &Bound<'_, PyAny>, images: i64) -> PyResult<u64> {
        let images = non_negative("images", images)?;
        let inp = input_f32("dw", dw, self.inner.rows(), self.inner.cols())?;
        let s = inp.as_slice();
        let inner = &mut self.inner;
        Ok(py.detach(|| inner.step(s, images))?)
    }

    /// Weights as float32 (rows, cols): training (MSB + LSB) or, with inference=True, MSB only
    /// after `retention_s` seconds of retention, with per-readout read noise.
    #[pyo3(signature = (inference = false, retention_s = 0.0))]
    fn weights<'py>(
        &mut self,
        py: Python<'py>,
        inference: bool,
        retention_s: f64,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let (r, c) = (self.inner.rows(), self.inner.cols());
        // Filled in place in a numpy-allocated array: numpy's allocator asks for transparent
        // huge pages for large arrays, so a fresh 10^7-cell readout does not spend most of its
        // time in page faults (a Rust Vec handed over would be fresh 4 KiB pages every call).
        // SAFETY: the array is new (no other reference) and `weights_into` writes every
        // element before Python can see it; on error it is dropped unseen.
        let out = unsafe { PyArray2::<f32>::new(py, [r, c], false) };
        // SAFETY: new C-contiguous array, not shared with anything while the GIL is released.
        let slice = unsafe { out.as_slice_mut() }
            .map_err(|e| PyValueError::new_err(format!("internal layout error: {e}")))?;
        let inner = &mut self.inner;
        py.detach(|| inner.weights_into(inference, retention_s, slice))?;
        Ok(out)
    }

    /// Event counters (pulses, clipped_pulses, truncated_pulses, msb_writes, lost_carries,
    /// worn_cells, transfers, overflow_carries, updates, images, time_s, max_cell_writes,
    /// latency_pulses).
    fn counters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        values_to_dict(py, &self.inner.counters().to_values())
    }

    /// Per-cell MSB write counts, uint32 (rows, cols).
    fn msb_write_counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<u32>>> {
        let (r, c) = (self.inner.rows(), self.inner.cols());
        let inner = &self.inner;
        let v = py.detach(|| inner.msb_write_counts());
        out_2d(py, r, c, v)
    }

    /// Per-cell LSB in pulse units with the pending leak applied, float32 (rows, cols).
    fn lsb<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let (r, c) = (self.inner.rows(), self.inner.cols());
        let inner = &mut self.inner;
        let v = py.detach(|| inner.lsb());
        out_2d(py, r, c, v)
    }

    /// Per-cell MSB level, int16 (rows, cols): m (offset mapping) or signed d (differential).
    fn msb_levels<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<i16>>> {
        let (r, c) = (self.inner.rows(), self.inner.cols());
        let inner = &self.inner;
        let v = py.detach(|| inner.msb_levels());
        out_2d(py, r, c, v)
    }

    /// Per-cell leak time constants in seconds, float32 (rows, cols).
    fn tau_leak<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let (r, c) = (self.inner.rows(), self.inner.cols());
        let v = if self.inner.device().kind == crate::device::Kind::Hybrid {
            self.inner.tau_leak()
        } else {
            vec![f32::INFINITY; r * c]
        };
        out_2d(py, r, c, v)
    }

    /// Everything needed to continue bit-identically (arrays, counters, RNG positions, device).
    fn state_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let inner = &self.inner;
        let s = py.detach(|| inner.to_state());
        let d = PyDict::new(py);
        let (r, c) = (s.rows, s.cols);
        d.set_item("format", STATE_FORMAT)?;
        d.set_item("kind", s.device.kind.as_str())?;
        d.set_item("rows", r)?;
        d.set_item("cols", c)?;
        d.set_item("seed", s.seed)?;
        d.set_item("w_max", s.w_max)?;
        d.set_item("device", values_to_dict(py, &s.device.to_values())?)?;
        d.set_item("pending_dt_s", s.pending_dt)?;
        d.set_item("counters", values_to_dict(py, &s.counters.to_values())?)?;
        let rng = PyDict::new(py);
        rng.set_item("update", s.steps.update)?;
        rng.set_item("transfer", s.steps.transfer)?;
        rng.set_item("readout", s.steps.readout)?;
        rng.set_item("program", s.steps.program)?;
        d.set_item("rng_steps", rng)?;
        match s.device.kind {
            crate::device::Kind::Float => d.set_item("w", out_2d(py, r, c, s.w)?)?,
            crate::device::Kind::Ideal => d.set_item("msb", out_2d(py, r, c, s.msb)?)?,
            crate::device::Kind::Hybrid => {
                d.set_item("msb", out_2d(py, r, c, s.msb)?)?;
                d.set_item("lsb", out_2d(py, r, c, s.lsb)?)?;
                d.set_item("msb_error", out_2d(py, r, c, s.msb_error)?)?;
                d.set_item("msb_writes", out_2d(py, r, c, s.msb_writes)?)?;
                d.set_item("step_up", out_2d(py, r, c, s.step_up)?)?;
                d.set_item("step_down", out_2d(py, r, c, s.step_down)?)?;
                d.set_item("leak_rate", out_2d(py, r, c, s.leak_rate)?)?;
                d.set_item("msb_offset", out_2d(py, r, c, s.msb_offset)?)?;
            }
        }
        Ok(d)
    }

    /// Rebuild an array from state_dict() (exact round trip).
    #[staticmethod]
    fn from_state(py: Python<'_>, state: &Bound<'_, PyAny>) -> PyResult<PySynapseArray> {
        let st = state_from_py(state)?;
        let inner = py.detach(|| SynapseArray::from_state(st))?;
        Ok(PySynapseArray { inner })
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyDict>,))> {
        let ctor = slf.get_type().getattr("from_state")?;
        let st = slf.borrow().state_dict(slf.py())?;
        Ok((ctor, (st,)))
    }

    fn __repr__(&self) -> String {
        let d = self.inner.device();
        format!(
            "SynapseArray(rows={}, cols={}, device='{}' ({}), seed={}, w_max={})",
            self.inner.rows(),
            self.inner.cols(),
            d.name,
            d.kind.as_str(),
            self.inner.seed(),
            self.inner.w_max()
        )
    }
}

fn get_item<'py>(state: &Bound<'py, PyMapping>, key: &str) -> PyResult<Bound<'py, PyAny>> {
    if !state.contains(key)? {
        return Err(Error::value("state", format!("missing key '{key}'")).into());
    }
    unwrap_scalar(&state.get_item(key)?)
}

fn get_u64(state: &Bound<'_, PyMapping>, key: &str) -> PyResult<u64> {
    let v = get_item(state, key)?;
    v.extract::<u64>().map_err(|_| {
        Error::value(
            &format!("state['{key}']"),
            format!("expected an integer >= 0, got {}", type_name(&v)),
        )
        .into()
    })
}

fn get_array<T: Element + Copy>(
    state: &Bound<'_, PyMapping>,
    key: &str,
    tname: &str,
) -> PyResult<Vec<T>> {
    let arg = format!("state['{key}']");
    if !state.contains(key)? {
        return Err(Error::value("state", format!("missing key '{key}'")).into());
    }
    let obj = state.get_item(key)?;
    let a = obj.cast::<PyArrayDyn<T>>().map_err(|_| {
        let got = match obj.cast::<PyUntypedArray>() {
            Ok(u) => format!("array of dtype {}", u.dtype()),
            Err(_) => type_name(&obj),
        };
        Error::type_(&arg, &format!("numpy.ndarray of dtype {tname}"), got)
    })?;
    let ro = a
        .try_readonly()
        .map_err(|e| PyValueError::new_err(format!("{arg}: cannot borrow array: {e}")))?;
    Ok(match ro.as_slice() {
        Ok(s) => s.to_vec(),
        Err(_) => ro.as_array().iter().copied().collect(),
    })
}

fn state_from_py(obj: &Bound<'_, PyAny>) -> PyResult<State> {
    let state = obj.cast::<PyMapping>().map_err(|_| {
        Error::type_(
            "state",
            "a mapping as returned by state_dict()",
            type_name(obj),
        )
    })?;
    let fmt = get_item(state, "format")?.extract::<i64>().unwrap_or(-1);
    if fmt != STATE_FORMAT {
        return Err(Error::value(
            "state['format']",
            format!("unsupported state format {fmt}; this version reads format {STATE_FORMAT}"),
        )
        .into());
    }
    let device = device_from_py(&get_item(state, "device")?)?;
    let rows = get_u64(state, "rows")? as usize;
    let cols = get_u64(state, "cols")? as usize;
    let seed = seed_from_py(&get_item(state, "seed")?)?;
    let w_max: f64 = get_item(state, "w_max")?
        .extract()
        .map_err(|_| PyTypeError::new_err("state['w_max']: expected a float".to_string()))?;
    let pending_dt: f64 = get_item(state, "pending_dt_s")?
        .extract()
        .map_err(|_| PyTypeError::new_err("state['pending_dt_s']: expected a float".to_string()))?;
    let mut counters = Counters::default();
    let cobj = get_item(state, "counters")?;
    let cmap = cobj
        .cast::<PyMapping>()
        .map_err(|_| Error::type_("state['counters']", "dict", type_name(&cobj)))?;
    for item in cmap.items()?.iter() {
        let (k, v): (String, Bound<'_, PyAny>) = item.extract()?;
        let v = unwrap_scalar(&v)?;
        let val = if v.is_instance_of::<PyFloat>() {
            Value::Float(v.extract()?)
        } else {
            match v.extract::<i64>() {
                Ok(i) => Value::Int(i),
                Err(_) => Value::Float(v.extract().map_err(|_| {
                    Error::type_(
                        &format!("state['counters']['{k}']"),
                        "number",
                        type_name(&v),
                    )
                })?),
            }
        };
        counters.set(&k, &val)?;
    }
    let robj = get_item(state, "rng_steps")?;
    let rmap = robj
        .cast::<PyMapping>()
        .map_err(|_| Error::type_("state['rng_steps']", "dict", type_name(&robj)))?;
    let steps = RngSteps {
        update: get_u64(rmap, "update")?,
        transfer: get_u64(rmap, "transfer")?,
        readout: get_u64(rmap, "readout")?,
        program: get_u64(rmap, "program")?,
    };
    let kind = device.kind;
    let mut st = State {
        rows,
        cols,
        seed,
        w_max,
        device,
        w: Vec::new(),
        msb: Vec::new(),
        lsb: Vec::new(),
        msb_error: Vec::new(),
        msb_writes: Vec::new(),
        step_up: Vec::new(),
        step_down: Vec::new(),
        leak_rate: Vec::new(),
        msb_offset: Vec::new(),
        pending_dt,
        counters,
        steps,
    };
    use crate::device::Kind;
    match kind {
        Kind::Float => st.w = get_array(state, "w", "float32")?,
        Kind::Ideal => st.msb = get_array(state, "msb", "uint16")?,
        Kind::Hybrid => {
            st.msb = get_array(state, "msb", "uint16")?;
            st.lsb = get_array(state, "lsb", "float32")?;
            st.msb_error = get_array(state, "msb_error", "float32")?;
            st.msb_writes = get_array(state, "msb_writes", "uint32")?;
            st.step_up = get_array(state, "step_up", "float32")?;
            st.step_down = get_array(state, "step_down", "float32")?;
            st.leak_rate = get_array(state, "leak_rate", "float32")?;
            st.msb_offset = get_array(state, "msb_offset", "float32")?;
        }
    }
    Ok(st)
}

/// Validate device parameters (a DeviceParams-like object or a mapping); raises on error.
#[pyfunction]
fn validate_device(device: &Bound<'_, PyAny>) -> PyResult<()> {
    device_from_py(device)?;
    Ok(())
}

/// Set the number of worker threads of femsyn's kernels (results do not depend on it).
#[pyfunction]
fn set_num_threads(n: i64) -> PyResult<()> {
    if n < 1 {
        return Err(Error::value(
            "n",
            format!("invalid thread count {n}; expected an integer in [1, 1024]"),
        )
        .into());
    }
    parallel::set_num_threads(n as usize)?;
    Ok(())
}

/// Number of worker threads of femsyn's kernels.
#[pyfunction]
fn get_num_threads() -> usize {
    parallel::num_threads()
}

/// Names of all device parameters, in declaration order.
#[pyfunction]
fn device_fields() -> Vec<&'static str> {
    FIELDS.iter().map(|(n, _)| *n).collect()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    parallel::env_threads()?;
    m.add_class::<PySynapseArray>()?;
    m.add_function(wrap_pyfunction!(validate_device, m)?)?;
    m.add_function(wrap_pyfunction!(set_num_threads, m)?)?;
    m.add_function(wrap_pyfunction!(get_num_threads, m)?)?;
    m.add_function(wrap_pyfunction!(device_fields, m)?)?;
    m.add("STATE_FORMAT", STATE_FORMAT)?;
    crate::py_nn::register(m)?;
    Ok(())
}
