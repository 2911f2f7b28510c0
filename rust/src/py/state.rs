//! `state_dict` import: a mapping (numpy 0-d scalars accepted) to a `State`; formats 1 and 2.

use super::convert::*;
use crate::array::counters::FIRST_RELEASE_COUNTERS;
use crate::array::{Counters, RngSteps, State, STATE_FORMAT};
use crate::device::Value;
use crate::error::Error;
use numpy::{Element, PyArrayDyn, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyMapping};

pub(super) fn get_item<'py>(
    state: &Bound<'py, PyMapping>,
    key: &str,
) -> PyResult<Bound<'py, PyAny>> {
    if !state.contains(key)? {
        return Err(Error::value("state", format!("missing key '{key}'")).into());
    }
    unwrap_scalar(&state.get_item(key)?)
}

pub(super) fn get_u64(state: &Bound<'_, PyMapping>, key: &str) -> PyResult<u64> {
    Ok(int_arg(
        &format!("state['{key}']"),
        &get_item(state, key)?,
        0,
        i64::MAX,
    )? as u64)
}

pub(super) fn get_array<T: Element + Copy>(
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

pub(super) fn state_from_py(obj: &Bound<'_, PyAny>) -> PyResult<State> {
    let state = obj.cast::<PyMapping>().map_err(|_| {
        Error::type_(
            "state",
            "a mapping as returned by state_dict()",
            type_name(obj),
        )
    })?;
    let fmt = int_arg(
        "state['format']",
        &get_item(state, "format")?,
        i64::MIN,
        i64::MAX,
    )?;
    if fmt != STATE_FORMAT && fmt != 1 {
        return Err(Error::value(
            "state['format']",
            format!(
                "unsupported state format {fmt}; this version reads formats 1 and {STATE_FORMAT}"
            ),
        )
        .into());
    }
    let first_release = fmt == 1;
    let device = device_fields_from_py(&get_item(state, "device")?, first_release)?;
    device.validate()?;
    let rows = get_u64(state, "rows")? as usize;
    let cols = get_u64(state, "cols")? as usize;
    let seed = seed_arg("state['seed']", &get_item(state, "seed")?)?;
    let w_max = float_arg("state['w_max']", &get_item(state, "w_max")?)?;
    if !(w_max.is_finite() && w_max > 0.0) {
        return Err(Error::value(
            "state['w_max']",
            format!("invalid value {w_max}; expected a finite value > 0"),
        )
        .into());
    }
    let pending_dt = float_arg("state['pending_dt_s']", &get_item(state, "pending_dt_s")?)?;
    let mut counters = Counters::default();
    let cobj = get_item(state, "counters")?;
    let cmap = cobj
        .cast::<PyMapping>()
        .map_err(|_| Error::type_("state['counters']", "dict", type_name(&cobj)))?;
    for item in cmap.items()?.iter() {
        let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
        let k: String = k
            .extract()
            .map_err(|_| Error::type_("state['counters']", "str counter names", describe(&k)))?;
        if first_release && FIRST_RELEASE_COUNTERS.contains(&k.as_str()) {
            continue;
        }
        let arg = format!("state['counters']['{k}']");
        let v = unwrap_scalar(&v)?;
        let val = if v.is_instance_of::<PyFloat>() {
            Value::Float(float_arg(&arg, &v)?)
        } else {
            Value::Int(int_arg(&arg, &v, 0, i64::MAX)?)
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
        carry_blocked: Vec::new(),
        lsb_a_up: Vec::new(),
        lsb_a_down: Vec::new(),
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
            if !first_release {
                st.carry_blocked = get_array(state, "carry_blocked", "uint8")?;
            }
            // present exactly when the device draws per-cell nonlinearities (checked there)
            if state.contains("lsb_a_up")? || state.contains("lsb_a_down")? {
                st.lsb_a_up = get_array(state, "lsb_a_up", "float32")?;
                st.lsb_a_down = get_array(state, "lsb_a_down", "float32")?;
            }
        }
    }
    Ok(st)
}
