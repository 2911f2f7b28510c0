//! All PyO3 glue: argument conversion, numpy views in / arrays out, GIL release.
//!
//! Input arrays must be `numpy.ndarray` of the exact dtype (float32 for weights) and shape
//! `(rows, cols)`; wrong dtype or a non-array is a `TypeError`, wrong shape or a non-finite
//! value a `ValueError`. Non-contiguous arrays are accepted and copied once.
//!
//! One module per concern: `convert` (values, devices, numpy views), `array` (the
//! `SynapseArray` class), `state` (state-dict import), `nn` (the layer kernels); this file
//! registers the module.

mod array;
mod convert;
mod nn;
mod state;

use convert::device_from_py;

use crate::array::STATE_FORMAT;
use crate::device::msb::switched_fraction;
use crate::device::{Kind, MsbKind, FIELDS};
use crate::error::Error;
use crate::parallel;
use array::PySynapseArray;
use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::prelude::*;

/// Switched fraction of a `domains` device's FE layer after one pulse from the erased state,
/// for every amplitude x width: `(sampled, nominal)`, each `(len(voltages), len(widths))`.
#[pyfunction]
#[pyo3(signature = (device, voltages, widths, cells = 256, seed = 0))]
fn fe_switched_fraction<'py>(
    py: Python<'py>,
    device: &Bound<'py, PyAny>,
    voltages: Vec<f64>,
    widths: Vec<f64>,
    cells: u64,
    seed: u64,
) -> PyResult<(Bound<'py, PyArray2<f64>>, Bound<'py, PyArray2<f64>>)> {
    let d = device_from_py(device)?;
    if d.kind != Kind::Hybrid || d.msb_model != MsbKind::Domains {
        return Err(Error::value(
            "device",
            format!(
                "msb_model '{}': switching curves need msb_model 'domains'",
                d.msb_model.as_str()
            ),
        )
        .into());
    }
    let grid = |name: &str, x: &[f64]| -> PyResult<()> {
        match x.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
            Some(v) => {
                Err(Error::value(name, format!("contains {v}; expected finite values >= 0")).into())
            }
            None => Ok(()),
        }
    };
    grid("voltages", &voltages)?;
    grid("widths", &widths)?;
    if !(1..=1_000_000).contains(&cells) {
        return Err(Error::value(
            "cells",
            format!("{cells}; expected an integer in [1, 1000000]"),
        )
        .into());
    }
    let (sampled, nominal): (Vec<f64>, Vec<f64>) = py.detach(|| {
        voltages
            .iter()
            .flat_map(|&v| widths.iter().map(move |&t| (v, t)))
            .map(|(v, t)| switched_fraction(&d, v, t, cells, seed))
            .unzip()
    });
    let shape = [voltages.len(), widths.len()];
    let to_py = |x: Vec<f64>| PyArray1::from_vec(py, x).reshape(shape);
    Ok((to_py(sampled)?, to_py(nominal)?))
}

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
    m.add_function(wrap_pyfunction!(fe_switched_fraction, m)?)?;
    m.add("STATE_FORMAT", STATE_FORMAT)?;
    nn::register(m)?;
    Ok(())
}
