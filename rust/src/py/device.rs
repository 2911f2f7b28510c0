//! Device-characterization helpers: what a device researcher measures on the bare device, from
//! the same physics the arrays use.

use super::convert::device_from_py;
use crate::device::msb::switched_fraction;
use crate::device::{Kind, MsbKind};
use crate::error::Error;
use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::prelude::*;

/// Switched fraction of a `domains` device's FE layer after one pulse from the erased state,
/// for every amplitude x width: `(sampled, nominal)`, each `(len(voltages), len(widths))`.
#[pyfunction]
#[pyo3(signature = (device, voltages, widths, cells = 256, seed = 0))]
pub(super) fn fe_switched_fraction<'py>(
    py: Python<'py>,
    device: &Bound<'py, PyAny>,
    voltages: Vec<f64>,
    widths: Vec<f64>,
    cells: u64,
    seed: u64,
) -> PyResult<(Bound<'py, PyArray2<f64>>, Bound<'py, PyArray2<f64>>)> {
    let d = device_from_py(device)?;
    if d.kind != Kind::Hybrid || d.msb_model != MsbKind::Domains {
        let what = if d.kind == Kind::Hybrid {
            format!("msb_model '{}'", d.msb_model.as_str())
        } else {
            format!("kind '{}'", d.kind.as_str())
        };
        return Err(Error::value(
            "device",
            format!("{what}: switching curves need a hybrid device with msb_model 'domains'"),
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
