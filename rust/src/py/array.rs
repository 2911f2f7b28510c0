//! The `SynapseArray` Python class: thin methods over `crate::array::SynapseArray`, the GIL
//! released around every O(cells) kernel.

use super::convert::*;
use super::state::state_from_py;
use crate::array::{SynapseArray, STATE_FORMAT};
use crate::error::Error;
use numpy::{
    IntoPyArray, PyArray2, PyArrayDescrMethods, PyArrayMethods, PyReadwriteArray2, PyUntypedArray,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

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

/// A caller's output array: float32 numpy array of shape (rows, cols), C-contiguous and
/// writable (borrowed for writing, so it cannot alias an input borrowed for reading).
fn out_f32<'py>(
    arg: &str,
    obj: &Bound<'py, PyAny>,
    rows: usize,
    cols: usize,
) -> PyResult<PyReadwriteArray2<'py, f32>> {
    let want = format!("C-contiguous numpy.ndarray of dtype float32 with shape ({rows}, {cols})");
    let a = obj.cast::<PyArray2<f32>>().map_err(|_| {
        let got = match obj.cast::<PyUntypedArray>() {
            Ok(u) => format!("array of dtype {} with {} dimensions", u.dtype(), u.ndim()),
            Err(_) => type_name(obj),
        };
        PyErr::from(Error::type_(arg, &want, got))
    })?;
    if a.shape() != [rows, cols] {
        let got = format!("expected shape ({rows}, {cols}), got shape {:?}", a.shape());
        return Err(Error::value(arg, got).into());
    }
    if !a.is_c_contiguous() {
        return Err(Error::value(arg, format!("must be a {want}")).into());
    }
    a.try_readwrite().map_err(|e| {
        let why = format!("cannot be written (read-only, or the same array as an input): {e}");
        Error::value(arg, why).into()
    })
}

#[pymethods]
impl PySynapseArray {
    #[new]
    #[pyo3(
        signature = (rows, cols, device, *, seed = None, w_max = None),
        text_signature = "(rows, cols, device, *, seed=0, w_max=1.0)"
    )]
    fn new(
        py: Python<'_>,
        rows: &Bound<'_, PyAny>,
        cols: &Bound<'_, PyAny>,
        device: &Bound<'_, PyAny>,
        seed: Option<&Bound<'_, PyAny>>,
        w_max: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let r = non_negative("rows", rows)? as usize;
        let c = non_negative("cols", cols)? as usize;
        let w_max = match w_max {
            Some(w) => float_arg("w_max", w)?,
            None => 1.0,
        };
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
    fn advance(&mut self, seconds: &Bound<'_, PyAny>) -> PyResult<()> {
        let seconds = float_arg("seconds", seconds)?;
        self.inner.advance(seconds)?;
        Ok(())
    }

    /// A read-all transfer now (every LSB read, carried, then reset or kept); returns the MSB
    /// writes done.
    fn transfer(&mut self, py: Python<'_>) -> u64 {
        let inner = &mut self.inner;
        py.detach(|| inner.transfer())
    }

    /// One training step: advance(images * t_image_s), update(dw), periodic transfer; with
    /// `out`, the training weights after the step written into it in the same pass.
    /// Returns the MSB writes of this step.
    #[pyo3(signature = (dw, images = None, *, out = None), text_signature = "($self, dw, images=1, *, out=None)")]
    fn step(
        &mut self,
        py: Python<'_>,
        dw: &Bound<'_, PyAny>,
        images: Option<&Bound<'_, PyAny>>,
        out: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let images = images.map_or(Ok(1), |i| non_negative("images", i))?;
        let (r, c) = (self.inner.rows(), self.inner.cols());
        let inp = input_f32("dw", dw, r, c)?;
        let s = inp.as_slice();
        let mut o = out.map(|o| out_f32("out", o, r, c)).transpose()?;
        let o = o.as_mut().map(|o| o.as_slice_mut()).transpose()?;
        let inner = &mut self.inner;
        Ok(py.detach(|| inner.step_into(s, images, o))?)
    }

    /// Weights as float32 (rows, cols): training (MSB + LSB) or, with inference=True, MSB only
    /// after `retention_s` seconds of retention, with per-readout read noise.
    #[pyo3(
        signature = (inference = None, retention_s = None),
        text_signature = "($self, inference=False, retention_s=0.0)"
    )]
    fn weights<'py>(
        &mut self,
        py: Python<'py>,
        inference: Option<&Bound<'py, PyAny>>,
        retention_s: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let inference = inference.map_or(Ok(false), |b| bool_arg("inference", b))?;
        let retention_s = retention_s.map_or(Ok(0.0), |t| float_arg("retention_s", t))?;
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

    /// Event counters (pulses, clipped_pulses, truncated_pulses, msb_writes, overflow_writes,
    /// carries, blocked_carries, worn_cells, transfers, updates, images, max_cell_writes,
    /// latency_pulses, lsb_discarded_pulses, time_s).
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
                d.set_item("carry_blocked", out_2d(py, r, c, s.carry_blocked)?)?;
                if !s.lsb_a_up.is_empty() {
                    d.set_item("lsb_a_up", out_2d(py, r, c, s.lsb_a_up)?)?;
                    d.set_item("lsb_a_down", out_2d(py, r, c, s.lsb_a_down)?)?;
                }
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
