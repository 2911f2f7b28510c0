//! `SynapseArray`: struct-of-arrays state of one layer's synapses and its kernels.
//!
//! Three kinds share one interface:
//! - `float`: plain f32 weights, `update` adds `dw`.
//! - `ideal`: quantized weights on the levels of the signed mapping, stochastic/nearest rounding
//!   of `dw / D`, clipped at the rails; no noise, leak or transfer.
//! - `hybrid`: non-volatile MSB level + volatile LSB charge (pulse units) with leak, pulse noise,
//!   clipping, and carries into the MSB (see `shared/design/device-model.md`).
//!
//! All O(cells) kernels run on the femsyn rayon pool in fixed chunks; every random number is a
//! pure function of (seed, stream, step counter, cell), so results are bit-identical for any
//! thread count. Leak is lazy: `advance` only accumulates `pending_dt`; the factor
//! `exp(-pending_dt / tau_i)` is applied (fused) by the next update or transfer, and by reads
//! without changing the state, so reading never changes a trajectory.
//!
//! Modules, one concept each: [`geometry`] (level mapping), [`counters`], `d2d` (static
//! variation drawn at build), `leak`, `program`, [`update`] (the pulse kernels), `carry` (the
//! carry rule), `transfer` (transfer protocols and `step`), `readout`, [`state`] (state I/O),
//! [`pulses`] and [`simd`] (shared arithmetic of the hot loops).

/// The mutable per-cell hybrid state of `$a` (a `SynapseArray`) as an `update::HybridState`:
/// a macro, so the other fields stay borrowable alongside.
macro_rules! hybrid_state {
    ($a:expr) => {
        $crate::array::update::HybridState {
            msb: &mut $a.msb,
            lsb: &mut $a.lsb,
            err: &mut $a.msb_error,
            writes: &mut $a.msb_writes,
            blocked: &mut $a.carry_blocked,
            nblocked: &mut $a.blocked_per_chunk,
        }
    };
}

mod carry;
pub mod counters;
mod d2d;
pub mod geometry;
mod leak;
pub mod memory;
mod program;
pub mod pulses;
mod readout;
pub mod simd;
pub mod state;
mod transfer;
pub mod update;

pub use counters::{Counters, RngSteps, Tally};
pub use geometry::Geometry;
pub use state::{State, STATE_FORMAT};

use crate::device::response::Model;
use crate::device::{DeviceParams, Kind};
use crate::error::{Error, Result};
use crate::parallel::{install, CHUNK};
use rayon::prelude::*;

/// A layer's synapses.
#[derive(Clone, Debug)]
pub struct SynapseArray {
    rows: usize,
    cols: usize,
    seed: u64,
    w_max: f64,
    dev: DeviceParams,
    geo: Geometry,
    leak_on: bool,
    // all cells share one leak rate / one pair of step sizes (no d2d spread): scalar fast path
    uniform_leak: bool,
    uniform_steps: bool,
    // float
    w: Vec<f32>,
    // ideal + hybrid: level index
    msb: Vec<u16>,
    // hybrid
    lsb: Vec<f32>,
    msb_error: Vec<f32>,
    msb_writes: Vec<u32>,
    step_up: Vec<f32>,
    step_down: Vec<f32>,
    leak_rate: Vec<f32>,
    msb_offset: Vec<f32>,
    // per cell: a blocked carry of its current charge was counted (keep residual); and the
    // number of set flags per CHUNK (derived, so chunks without blocked cells skip the
    // clearing pass)
    carry_blocked: Vec<u8>,
    blocked_per_chunk: Vec<u32>,
    // the LSB response model (built from `dev`), and its per-cell shape parameters when
    // they have a device-to-device spread (exp's `a`; empty: the model's nominal values)
    model: Model,
    lsb_shape_up: Vec<f32>,
    lsb_shape_down: Vec<f32>,
    // lazily applied leak and its cached per-cell factors (for a repeated dt: a multiply)
    pending_dt: f64,
    decay: Vec<f32>,
    decay0: f32,
    decay_dt: f64,
    counters: Counters,
    steps: RngSteps,
}

fn check_len(arg: &str, got: usize, rows: usize, cols: usize) -> Result<()> {
    if got != rows * cols {
        return Err(Error::value(
            arg,
            format!(
                "expected {} values (shape ({rows}, {cols})), got {got}",
                rows * cols
            ),
        ));
    }
    Ok(())
}

/// ValueError naming the first non-finite entry of `x`, if any.
pub fn check_finite(arg: &str, x: &[f32]) -> Result<()> {
    let ok = install(|| {
        x.par_chunks(CHUNK).all(|c| {
            // integer OR of "exponent all ones" (inf or NaN): vectorizes
            c.iter().fold(0u32, |a, v| {
                a | ((v.to_bits() & 0x7F80_0000) == 0x7F80_0000) as u32
            }) == 0
        })
    });
    if ok {
        return Ok(());
    }
    let i = x.iter().position(|v| !v.is_finite()).unwrap_or(0);
    Err(Error::value(
        arg,
        format!(
            "contains a non-finite value {} at flat index {i}; all values must be finite",
            x.get(i).copied().unwrap_or(f32::NAN)
        ),
    ))
}

impl SynapseArray {
    /// Build an array: device-to-device variation is drawn here, once, from `seed`.
    /// Initial state: weights 0 (float), the level nearest 0 (ideal/hybrid), LSB 0.
    pub fn new(rows: usize, cols: usize, dev: DeviceParams, seed: u64, w_max: f64) -> Result<Self> {
        dev.validate()?;
        if rows == 0 || cols == 0 || rows.checked_mul(cols).is_none_or(|n| n > (1usize << 34)) {
            return Err(Error::value(
                "rows, cols",
                format!(
                    "invalid shape ({rows}, {cols}); rows and cols must be >= 1 and \
                     rows * cols at most 2**34 cells"
                ),
            ));
        }
        memory::check_fits(rows, cols, &dev)?;
        if !(w_max.is_finite() && w_max > 0.0) {
            return Err(Error::value(
                "w_max",
                format!("invalid value {w_max}; expected a finite value > 0"),
            ));
        }
        let n = rows * cols;
        let geo = Geometry::new(&dev, w_max);
        let leak_on = dev.kind == Kind::Hybrid && dev.tau_leak_s.is_finite();
        let mut a = SynapseArray {
            rows,
            cols,
            seed,
            w_max,
            geo,
            leak_on,
            uniform_leak: true,
            uniform_steps: true,
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
            blocked_per_chunk: Vec::new(),
            model: Model::build(&dev)?,
            lsb_shape_up: Vec::new(),
            lsb_shape_down: Vec::new(),
            pending_dt: 0.0,
            decay: Vec::new(),
            decay0: 1.0,
            decay_dt: f64::NAN,
            counters: Counters::default(),
            steps: RngSteps::default(),
            dev,
        };
        // fallible: the size check above can be outrun by other processes allocating meanwhile
        use memory::filled;
        match a.dev.kind {
            Kind::Float => a.w = filled("rows, cols", n, 0.0)?,
            Kind::Ideal => {
                let z = a.geo.nearest_index(0.0);
                a.msb = filled("rows, cols", n, z)?;
            }
            Kind::Hybrid => {
                let z = a.geo.nearest_index(0.0);
                a.msb = filled("rows, cols", n, z)?;
                a.lsb = filled("rows, cols", n, 0.0)?;
                a.msb_error = filled("rows, cols", n, 0.0)?;
                a.msb_writes = filled("rows, cols", n, 0)?;
                a.carry_blocked = filled("rows, cols", n, 0)?;
                a.blocked_per_chunk = vec![0; n.div_ceil(CHUNK)];
                a.draw_d2d();
                a.msb_error.copy_from_slice(&a.msb_offset);
                a.detect_uniform();
            }
        }
        Ok(a)
    }

    pub fn rows(&self) -> usize {
        self.rows
    }
    pub fn cols(&self) -> usize {
        self.cols
    }
    pub fn len(&self) -> usize {
        self.rows * self.cols
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn seed(&self) -> u64 {
        self.seed
    }
    pub fn w_max(&self) -> f64 {
        self.w_max
    }
    pub fn device(&self) -> &DeviceParams {
        &self.dev
    }
    pub fn geometry(&self) -> &Geometry {
        &self.geo
    }
    pub fn counters(&self) -> &Counters {
        &self.counters
    }
    pub fn rng_steps(&self) -> RngSteps {
        self.steps
    }
    pub fn pending_dt(&self) -> f64 {
        self.pending_dt
    }

    /// |lsb| at or below which a cell's blocked flag clears: N_L / 2 (the read-all carries
    /// nothing there) unless only the overflow trigger acts (then h).
    fn clear_band(&self) -> f32 {
        let p = self.dev.transfer_protocol;
        if p.overflow() && !p.periodic() {
            (self.dev.carry_threshold * self.geo.n_l as f64) as f32
        } else {
            0.5 * self.geo.n_l
        }
    }

    fn end_lim(&self) -> u32 {
        let e = self.dev.endurance_cycles;
        if e >= u32::MAX as f64 {
            u32::MAX
        } else {
            e.floor() as u32
        }
    }
}

#[cfg(test)]
mod tests;
