//! femsyn core: hybrid FeMFET-CMOS synapse arrays (arXiv 2004.00703).
//!
//! Pure-Rust physics in [`array`], [`device`], [`rng`], layer kernels in [`nn`]; all PyO3 glue
//! in `py` (feature `python`, enabled by maturin). This file only registers the Python module.

pub mod array;
pub mod device;
pub mod error;
pub mod nn;
pub mod parallel;
pub mod rng;

#[cfg(feature = "python")]
mod py;

#[cfg(feature = "python")]
#[pyo3::pymodule]
fn _core(m: &pyo3::Bound<'_, pyo3::types::PyModule>) -> pyo3::PyResult<()> {
    py::register(m)
}
