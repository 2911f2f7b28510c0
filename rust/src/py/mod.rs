//! All PyO3 glue: argument conversion, numpy views in / arrays out, GIL release.
//!
//! Input arrays must be `numpy.ndarray` of the exact dtype (float32 for weights) and shape
//! `(rows, cols)`; wrong dtype or a non-array is a `TypeError`, wrong shape or a non-finite
//! value a `ValueError`. Non-contiguous arrays are accepted and copied once.
//!
//! One module per concern: `convert` (values, devices, numpy views), `array` (the
//! `SynapseArray` class), `state` (state-dict import), `nn` (the layer kernels), `device` (the
//! device-characterization helpers); this file registers the module.

mod array;
mod convert;
mod device;
mod nn;
mod state;

use convert::device_from_py;

use crate::array::STATE_FORMAT;
use crate::device::FIELDS;
use crate::parallel;
use array::PySynapseArray;
use pyo3::prelude::*;

/// Validate device parameters (a DeviceParams-like object or a mapping); raises on error.
#[pyfunction]
fn validate_device(device: &Bound<'_, PyAny>) -> PyResult<()> {
    device_from_py(device)?;
    Ok(())
}

/// Set the number of worker threads of femsyn's kernels (results do not depend on it).
#[pyfunction]
fn set_num_threads(n: &Bound<'_, PyAny>) -> PyResult<()> {
    let n = convert::int_arg("n", n, 1, 1024)?;
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
    m.add_function(wrap_pyfunction!(device::fe_switched_fraction, m)?)?;
    m.add("STATE_FORMAT", STATE_FORMAT)?;
    nn::register(m)?;
    Ok(())
}
