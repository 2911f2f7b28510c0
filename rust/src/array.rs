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

use crate::device::{DeviceParams, Kind, Mapping, Rounding, Value};
use crate::error::{Error, Result};
use crate::kernels::{
    flag_mask, hybrid_chunks, round_pulses_f64, update_hybrid_dispatch, update_ideal_chunk,
    CarryCfg, Tally, UpdateIn, LEAK_CELL, LEAK_NONE, LEAK_UNIFORM, MODE_C2C, MODE_FAST, MODE_SLOW,
};
use crate::parallel::{install, CHUNK};
use crate::rng::{Key, Stream};
use rayon::prelude::*;

/// Version of the `state_dict` layout.
pub const STATE_FORMAT: i64 = 1;

/// Event counters of one array.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Counters {
    /// LSB pulses applied (after the n_max truncation)
    pub pulses: u64,
    /// pulses lost at the LSB rails +-L_max (ideal: at the level rails)
    pub clipped_pulses: u64,
    /// pulses dropped by the per-update limit n_max
    pub truncated_pulses: u64,
    /// MSB program events (level changes)
    pub msb_writes: u64,
    /// carry units that could not be applied at the MSB rails: per periodic transfer, and per
    /// overflow carry with `reset` residual (with `keep` the charge stays in the LSB)
    pub lost_carries: u64,
    /// cells whose write count exceeded the endurance
    pub worn_cells: u64,
    /// transfer events (explicit or periodic), each over all cells
    pub transfers: u64,
    /// carries done by the overflow trigger inside `update` (MSB moved or LSB reset)
    pub overflow_carries: u64,
    /// update calls
    pub updates: u64,
    /// training images seen through `step`
    pub images: u64,
    /// simulated time in seconds
    pub time_s: f64,
    /// largest per-cell MSB write count
    pub max_cell_writes: u64,
    /// sum over updates of the largest |n| (update latency in pulse widths)
    pub latency_pulses: u64,
}

impl Counters {
    pub const NAMES: &'static [&'static str] = &[
        "pulses",
        "clipped_pulses",
        "truncated_pulses",
        "msb_writes",
        "lost_carries",
        "worn_cells",
        "transfers",
        "overflow_carries",
        "updates",
        "images",
        "time_s",
        "max_cell_writes",
        "latency_pulses",
    ];

    pub fn to_values(&self) -> Vec<(&'static str, Value)> {
        let i = |x: u64| Value::Int(x.min(i64::MAX as u64) as i64);
        vec![
            ("pulses", i(self.pulses)),
            ("clipped_pulses", i(self.clipped_pulses)),
            ("truncated_pulses", i(self.truncated_pulses)),
            ("msb_writes", i(self.msb_writes)),
            ("lost_carries", i(self.lost_carries)),
            ("worn_cells", i(self.worn_cells)),
            ("transfers", i(self.transfers)),
            ("overflow_carries", i(self.overflow_carries)),
            ("updates", i(self.updates)),
            ("images", i(self.images)),
            ("time_s", Value::Float(self.time_s)),
            ("max_cell_writes", i(self.max_cell_writes)),
            ("latency_pulses", i(self.latency_pulses)),
        ]
    }

    pub fn set(&mut self, name: &str, v: &Value) -> Result<()> {
        let arg = format!("state['counters']['{name}']");
        let as_u64 = |v: &Value| -> Result<u64> {
            match v {
                Value::Int(x) if *x >= 0 => Ok(*x as u64),
                _ => Err(Error::value(
                    &arg,
                    format!("expected an integer >= 0, got {v:?}"),
                )),
            }
        };
        match name {
            "pulses" => self.pulses = as_u64(v)?,
            "clipped_pulses" => self.clipped_pulses = as_u64(v)?,
            "truncated_pulses" => self.truncated_pulses = as_u64(v)?,
            "msb_writes" => self.msb_writes = as_u64(v)?,
            "lost_carries" => self.lost_carries = as_u64(v)?,
            "worn_cells" => self.worn_cells = as_u64(v)?,
            "transfers" => self.transfers = as_u64(v)?,
            "overflow_carries" => self.overflow_carries = as_u64(v)?,
            "updates" => self.updates = as_u64(v)?,
            "images" => self.images = as_u64(v)?,
            "max_cell_writes" => self.max_cell_writes = as_u64(v)?,
            "latency_pulses" => self.latency_pulses = as_u64(v)?,
            "time_s" => {
                self.time_s = match v {
                    Value::Float(x) if x.is_finite() && *x >= 0.0 => *x,
                    Value::Int(x) if *x >= 0 => *x as f64,
                    _ => {
                        return Err(Error::value(
                            &arg,
                            format!("expected a float >= 0, got {v:?}"),
                        ))
                    }
                }
            }
            _ => {
                return Err(Error::value(
                    "state['counters']",
                    format!(
                        "unknown counter '{name}'; valid names: {}",
                        Self::NAMES.join(", ")
                    ),
                ))
            }
        }
        Ok(())
    }
}

/// Positions of the counter-based random streams (one step counter per use).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RngSteps {
    pub update: u64,
    pub transfer: u64,
    pub readout: u64,
    pub program: u64,
}

/// Level geometry of the signed mapping.
#[derive(Clone, Debug, PartialEq)]
pub struct Geometry {
    /// number of MSB (or ideal) level indices
    pub n_levels: u32,
    /// spacing of MSB (ideal) levels, weight units
    pub d_m: f64,
    /// weight of level index 0
    pub lo: f64,
    /// LSB step in weight units (hybrid), D_M / N_L
    pub d_l: f64,
    /// N_L as f32 (LSB steps per MSB step)
    pub n_l: f32,
    /// LSB rail, pulse units
    pub l_max: f32,
    /// weight of each level index (f64 table)
    pub levels: Vec<f64>,
}

impl Geometry {
    fn new(dev: &DeviceParams, w_max: f64) -> Geometry {
        let n_m = dev.n_msb_levels() as f64;
        let (n_levels, d_m, lo) = match dev.signed_mapping {
            Mapping::Offset => {
                let d = 2.0 * w_max / n_m;
                (dev.n_msb_levels(), d, -w_max + 0.5 * d)
            }
            Mapping::Differential => {
                let d = w_max / (n_m - 1.0);
                (2 * dev.n_msb_levels() - 1, d, -w_max)
            }
        };
        let n_l = if dev.kind == Kind::Hybrid {
            dev.n_lsb_steps() as f64
        } else {
            1.0
        };
        let levels = (0..n_levels).map(|i| lo + i as f64 * d_m).collect();
        Geometry {
            n_levels,
            d_m,
            lo,
            d_l: d_m / n_l,
            n_l: n_l as f32,
            l_max: (dev.lsb_headroom_msb_steps * n_l) as f32,
            levels,
        }
    }

    /// Nearest level index of weight `w`.
    #[inline]
    fn nearest_index(&self, w: f64) -> u16 {
        let i = ((w - self.lo) / self.d_m).round();
        i.clamp(0.0, (self.n_levels - 1) as f64) as u16
    }
}

/// Every piece of state of an array (what `state_dict` exports).
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    pub rows: usize,
    pub cols: usize,
    pub seed: u64,
    pub w_max: f64,
    pub device: DeviceParams,
    pub w: Vec<f32>,
    pub msb: Vec<u16>,
    pub lsb: Vec<f32>,
    pub msb_error: Vec<f32>,
    pub msb_writes: Vec<u32>,
    pub step_up: Vec<f32>,
    pub step_down: Vec<f32>,
    pub leak_rate: Vec<f32>,
    pub msb_offset: Vec<f32>,
    pub pending_dt: f64,
    pub counters: Counters,
    pub steps: RngSteps,
}

/// Training readout of one chunk: level + msb_error + D_L * leaked lsb (f64, one rounding).
/// The level is computed as `lo + m * D_M`, the same expression as the level table.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn readout_body(
    o: &mut [f32],
    m: &[u16],
    e: &[f32],
    l: &[f32],
    dc: &[f32],
    f: f32,
    lo: f64,
    d_m: f64,
    d_l: f64,
) {
    let n = o.len();
    let (m, e, l) = (&m[..n], &e[..n], &l[..n]);
    if dc.is_empty() {
        for j in 0..n {
            let x = l[j] * f;
            o[j] = (lo + m[j] as f64 * d_m + e[j] as f64 + d_l * x as f64) as f32;
        }
    } else {
        let dc = &dc[..n];
        for j in 0..n {
            let x = l[j] * dc[j];
            o[j] = (lo + m[j] as f64 * d_m + e[j] as f64 + d_l * x as f64) as f32;
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx2")]
fn readout_body_avx2(
    o: &mut [f32],
    m: &[u16],
    e: &[f32],
    l: &[f32],
    dc: &[f32],
    f: f32,
    lo: f64,
    d_m: f64,
    d_l: f64,
) {
    readout_body(o, m, e, l, dc, f, lo, d_m, d_l)
}

/// [`readout_body`] with non-temporal (streaming) stores of the output: computed 64 values
/// at a time into an L1-resident buffer, then streamed to `o` (no read-for-ownership of the
/// output lines). For outputs much larger than the caches.
#[cfg(target_arch = "x86_64")]
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx2")]
fn readout_body_stream_avx2(
    o: &mut [f32],
    m: &[u16],
    e: &[f32],
    l: &[f32],
    dc: &[f32],
    f: f32,
    lo: f64,
    d_m: f64,
    d_l: f64,
) {
    use std::arch::x86_64::{_mm256_loadu_ps, _mm256_stream_ps, _mm_sfence};
    const B: usize = 64;
    let n = o.len();
    // scalar-stored head up to a 32-byte boundary
    let head = (o.as_ptr().align_offset(32)).min(n);
    let dch = |a: usize, b: usize| if dc.is_empty() { dc } else { &dc[a..b] };
    readout_body(
        &mut o[..head],
        &m[..head],
        &e[..head],
        &l[..head],
        dch(0, head),
        f,
        lo,
        d_m,
        d_l,
    );
    let mut buf = [0.0f32; B];
    let mut i = head;
    while i + B <= n {
        readout_body(
            &mut buf,
            &m[i..i + B],
            &e[i..i + B],
            &l[i..i + B],
            dch(i, i + B),
            f,
            lo,
            d_m,
            d_l,
        );
        for k in 0..B / 8 {
            // SAFETY: o[i..i + B] is in bounds and o[i] is 32-byte aligned (i - head is a
            // multiple of B); buf has B elements.
            unsafe {
                let v = _mm256_loadu_ps(buf.as_ptr().add(k * 8));
                _mm256_stream_ps(o.as_mut_ptr().add(i + k * 8), v);
            }
        }
        i += B;
    }
    // make the streamed stores visible before the output is handed on
    _mm_sfence();
    readout_body(
        &mut o[i..],
        &m[i..n],
        &e[i..n],
        &l[i..n],
        dch(i, n),
        f,
        lo,
        d_m,
        d_l,
    );
}

#[allow(clippy::too_many_arguments)]
fn readout_train(
    o: &mut [f32],
    m: &[u16],
    e: &[f32],
    l: &[f32],
    dc: &[f32],
    f: f32,
    lo: f64,
    d_m: f64,
    d_l: f64,
    stream: bool,
) {
    #[cfg(target_arch = "x86_64")]
    {
        if stream && crate::kernels::has_avx2() {
            // SAFETY: AVX2 availability was checked at run time.
            return unsafe { readout_body_stream_avx2(o, m, e, l, dc, f, lo, d_m, d_l) };
        }
        if crate::kernels::has_avx2() {
            // SAFETY: AVX2 availability was checked at run time.
            return unsafe { readout_body_avx2(o, m, e, l, dc, f, lo, d_m, d_l) };
        }
    }
    readout_body(o, m, e, l, dc, f, lo, d_m, d_l)
}

/// Readouts of at least this many cells (16 MiB of output) use streaming stores.
const STREAM_MIN_CELLS: usize = 1 << 22;

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
                "shape",
                format!("invalid shape ({rows}, {cols}); rows and cols must be >= 1"),
            ));
        }
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
            pending_dt: 0.0,
            decay: Vec::new(),
            decay0: 1.0,
            decay_dt: f64::NAN,
            counters: Counters::default(),
            steps: RngSteps::default(),
            dev,
        };
        match a.dev.kind {
            Kind::Float => a.w = vec![0.0; n],
            Kind::Ideal => {
                let z = a.geo.nearest_index(0.0);
                a.msb = vec![z; n];
            }
            Kind::Hybrid => {
                let z = a.geo.nearest_index(0.0);
                a.msb = vec![z; n];
                a.lsb = vec![0.0; n];
                a.msb_error = vec![0.0; n];
                a.msb_writes = vec![0; n];
                a.draw_d2d();
                a.msb_error.copy_from_slice(&a.msb_offset);
                a.detect_uniform();
            }
        }
        Ok(a)
    }

    /// Scalar fast paths when there is no per-cell spread of step sizes or leak rates.
    fn detect_uniform(&mut self) {
        let all_eq = |v: &[f32]| v.iter().all(|&x| x.to_bits() == v[0].to_bits());
        self.uniform_steps = all_eq(&self.step_up) && all_eq(&self.step_down);
        self.uniform_leak = all_eq(&self.leak_rate);
        self.decay_dt = f64::NAN;
        self.decay = Vec::new();
    }

    /// Static device-to-device variation (hybrid).
    fn draw_d2d(&mut self) {
        let n = self.len();
        let d = &self.dev;
        let seed = self.seed;
        // step sizes: (1 +- a) * max(0, 1 + sigma * xi), independent up/down draws
        let a = d.step_asymmetry_rel;
        let sd = d.step_d2d_rel;
        let scale = |key: Key, nominal: f64| -> Vec<f32> {
            install(|| {
                (0..n)
                    .into_par_iter()
                    .with_min_len(CHUNK)
                    .map(|g| {
                        let g = g as u64;
                        let s = if sd > 0.0 {
                            (1.0 + sd * key.normal(g)).max(0.0)
                        } else {
                            1.0
                        };
                        (nominal * s) as f32
                    })
                    .collect()
            })
        };
        self.step_up = scale(Key::new(seed, Stream::D2dStepUp, 0), 1.0 + a);
        self.step_down = scale(Key::new(seed, Stream::D2dStepDown, 0), 1.0 - a);
        // leak rate 1/tau_i, tau_i lognormal with mean tau and relative std tau_leak_d2d_rel
        let tau = d.tau_leak_s;
        let rel = d.tau_leak_d2d_rel;
        let s_ln = (1.0 + rel * rel).ln().sqrt();
        let key = Key::new(seed, Stream::D2dTau, 0);
        self.leak_rate = install(|| {
            (0..n)
                .into_par_iter()
                .with_min_len(CHUNK)
                .map(|g| {
                    let g = g as u64;
                    if !tau.is_finite() {
                        0.0
                    } else if s_ln > 0.0 {
                        let t = tau * (s_ln * key.normal(g) - 0.5 * s_ln * s_ln).exp();
                        (1.0 / t) as f32
                    } else {
                        (1.0 / tau) as f32
                    }
                })
                .collect()
        });
        // static MSB level offset, fraction of D_M
        let so = d.msb_d2d_rel * self.geo.d_m;
        let key = Key::new(seed, Stream::D2dMsb, 0);
        self.msb_offset = install(|| {
            (0..n)
                .into_par_iter()
                .with_min_len(CHUNK)
                .map(|g| {
                    if so > 0.0 {
                        (so * key.normal(g as u64)) as f32
                    } else {
                        0.0
                    }
                })
                .collect()
        });
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

    fn end_lim(&self) -> u32 {
        let e = self.dev.endurance_cycles;
        if e >= u32::MAX as f64 {
            u32::MAX
        } else {
            e.floor() as u32
        }
    }

    /// Make the decay factors exp(-pending_dt * rate_i) current; returns the leak mode
    /// (`LEAK_NONE`, `LEAK_UNIFORM` with `decay0`, `LEAK_CELL` with `decay`).
    fn ensure_decay(&mut self) -> u8 {
        if !self.leak_on || self.pending_dt <= 0.0 {
            return LEAK_NONE;
        }
        let dt = self.pending_dt;
        // f64 exp, then a factor <= 1 in f32: leak never grows |lsb|
        let factor = |r: f32| ((-dt * r as f64).exp() as f32).min(1.0);
        if self.uniform_leak {
            self.decay0 = factor(self.leak_rate[0]);
            return LEAK_UNIFORM;
        }
        if self.decay_dt != dt || self.decay.len() != self.len() {
            let rate = &self.leak_rate;
            let decay = &mut self.decay;
            decay.resize(rate.len(), 1.0);
            install(|| {
                decay
                    .par_chunks_mut(CHUNK)
                    .zip(rate.par_chunks(CHUNK))
                    .for_each(|(d, r)| {
                        for (d, r) in d.iter_mut().zip(r) {
                            *d = factor(*r);
                        }
                    })
            });
            self.decay_dt = dt;
        }
        LEAK_CELL
    }

    /// Decay factor of cell `g` for a mode returned by `ensure_decay`.
    #[inline(always)]
    fn decay_of(mode: u8, decay0: f32, decay: &[f32], g: usize) -> f32 {
        match mode {
            LEAK_UNIFORM => decay0,
            LEAK_CELL => decay[g],
            _ => 1.0,
        }
    }

    /// Let `seconds` of simulated time pass (leak is applied lazily and exactly).
    pub fn advance(&mut self, seconds: f64) -> Result<()> {
        if !(seconds.is_finite() && seconds >= 0.0) {
            return Err(Error::value(
                "seconds",
                format!("invalid value {seconds}; expected a finite value >= 0"),
            ));
        }
        self.counters.time_s += seconds;
        if self.leak_on {
            self.pending_dt += seconds;
        }
        Ok(())
    }

    /// Initial write of the weights `w` (row-major, rows*cols values).
    /// float: copied. ideal: level by the configured rounding. hybrid: MSB = nearest level,
    /// LSB = residual in pulses (rounded per `rounding`, clipped at +-L_max), MSB programming
    /// error drawn. Not counted as MSB writes.
    pub fn program(&mut self, w: &[f32]) -> Result<()> {
        check_len("w", w.len(), self.rows, self.cols)?;
        check_finite("w", w)?;
        let step = self.steps.program;
        let seed = self.seed;
        let rounding = self.dev.rounding;
        let key_r = Key::new(seed, Stream::ProgramRound, step);
        let key_e = Key::new(seed, Stream::ProgramErr, step);
        let geo = &self.geo;
        match self.dev.kind {
            Kind::Float => self.w.copy_from_slice(w),
            Kind::Ideal => {
                let msb = &mut self.msb;
                let max_i = (geo.n_levels - 1) as i64;
                install(|| {
                    msb.par_chunks_mut(CHUNK)
                        .zip(w.par_chunks(CHUNK))
                        .enumerate()
                        .for_each(|(ci, (m, w))| {
                            for (j, (m, &w)) in m.iter_mut().zip(w).enumerate() {
                                let g = (ci * CHUNK + j) as u64;
                                let r = (w as f64 - geo.lo) / geo.d_m;
                                *m = round_pulses_f64(r, rounding, key_r, g).clamp(0, max_i) as u16;
                            }
                        })
                });
            }
            Kind::Hybrid => {
                let sigma = self.dev.msb_prog_sigma_rel * 2.0 * self.w_max;
                let l_max = geo.l_max as f64;
                let off = &self.msb_offset;
                let chunks = hybrid_chunks(
                    &mut self.msb,
                    &mut self.lsb,
                    &mut self.msb_error,
                    &mut self.msb_writes,
                );
                install(|| {
                    chunks.into_par_iter().for_each(|c| {
                        for j in 0..c.msb.len() {
                            let gi = c.base + j;
                            let g = gi as u64;
                            let wv = w[gi] as f64;
                            let m = geo.nearest_index(wv);
                            c.msb[j] = m;
                            let r = (wv - geo.levels[m as usize]) / geo.d_l;
                            let n = round_pulses_f64(r, rounding, key_r, g) as f64;
                            c.lsb[j] = n.clamp(-l_max, l_max) as f32;
                            c.err[j] = if sigma > 0.0 {
                                (off[gi] as f64 + sigma * key_e.normal(g)) as f32
                            } else {
                                off[gi]
                            };
                        }
                    })
                });
                self.pending_dt = 0.0;
            }
        }
        self.steps.program += 1;
        Ok(())
    }

    /// Apply one requested weight change `dw` (row-major). Hybrid: leak, pulses with rounding,
    /// n_max truncation, c2c noise, asymmetry, soft saturation, +-L_max clipping, then the
    /// overflow carry trigger, all in one pass.
    pub fn update(&mut self, dw: &[f32]) -> Result<()> {
        check_len("dw", dw.len(), self.rows, self.cols)?;
        check_finite("dw", dw)?;
        self.update_checked(dw);
        Ok(())
    }

    /// `update` after the input checks.
    fn update_checked(&mut self, dw: &[f32]) {
        let step = self.steps.update;
        let seed = self.seed;
        let rounding = self.dev.rounding;
        let nmax = self.dev.max_pulses_per_update as u64;
        let key_r = Key::new(seed, Stream::Round, step);
        let tally = match self.dev.kind {
            Kind::Float => {
                let w = &mut self.w;
                install(|| {
                    w.par_chunks_mut(CHUNK)
                        .zip(dw.par_chunks(CHUNK))
                        .for_each(|(w, d)| {
                            for (w, d) in w.iter_mut().zip(d) {
                                *w += *d;
                            }
                        })
                });
                Tally::default()
            }
            Kind::Ideal => {
                let inv_d = (1.0 / self.geo.d_m) as f32;
                let max_i = (self.geo.n_levels - 1) as i32;
                let nmax = nmax as i32;
                let stoch = rounding == Rounding::Stochastic;
                let msb = &mut self.msb;
                install(|| {
                    msb.par_chunks_mut(CHUNK)
                        .zip(dw.par_chunks(CHUNK))
                        .enumerate()
                        .map(|(ci, (m, d))| {
                            let base = ci * CHUNK;
                            if stoch {
                                update_ideal_chunk::<true>(base, m, d, inv_d, nmax, max_i, key_r)
                            } else {
                                update_ideal_chunk::<false>(base, m, d, inv_d, nmax, max_i, key_r)
                            }
                        })
                        .reduce(Tally::default, Tally::merge)
                })
            }
            Kind::Hybrid => self.update_hybrid(dw, key_r),
        };
        self.counters.pulses += tally.pulses;
        self.counters.clipped_pulses += tally.clipped;
        self.counters.truncated_pulses += tally.truncated;
        self.counters.msb_writes += tally.writes;
        self.counters.lost_carries += tally.lost;
        self.counters.worn_cells += tally.worn;
        self.counters.overflow_carries += tally.overflow;
        self.counters.max_cell_writes = self.counters.max_cell_writes.max(tally.max_writes);
        self.counters.latency_pulses += tally.max_n;
        self.counters.updates += 1;
        self.steps.update += 1;
    }

    fn carry_cfg(&self, key_read: Key, key_prog: Key, overflow: bool) -> CarryCfg {
        let d = &self.dev;
        let adc_q = if d.adc_bits > 0 {
            2.0 * self.geo.l_max as f64 / (1u64 << d.adc_bits) as f64
        } else {
            0.0
        };
        CarryCfg {
            n_l: self.geo.n_l,
            l_max: self.geo.l_max,
            max_index: (self.geo.n_levels - 1) as i64,
            read_noise: d.lsb_read_noise_steps,
            adc_q,
            prog_sigma_w: d.msb_prog_sigma_rel * 2.0 * self.w_max,
            end_lim: self.end_lim(),
            residual: d.residual,
            key_read,
            key_prog,
            overflow,
        }
    }

    fn update_hybrid(&mut self, dw: &[f32], key_r: Key) -> Tally {
        let leak = self.ensure_decay();
        let step = self.steps.update;
        let seed = self.seed;
        let d = &self.dev;
        let stoch = d.rounding == Rounding::Stochastic;
        let mode = if d.lsb_soft_saturation > 0.0 {
            MODE_SLOW
        } else if d.step_c2c_rel > 0.0 {
            MODE_C2C
        } else {
            MODE_FAST
        };
        let cell_steps = !self.uniform_steps;
        let p = UpdateIn {
            dw,
            up: &self.step_up,
            down: &self.step_down,
            decay: &self.decay,
            off: &self.msb_offset,
            up0: self.step_up.first().copied().unwrap_or(1.0),
            down0: self.step_down.first().copied().unwrap_or(1.0),
            decay0: self.decay0,
            inv_dl: (1.0 / self.geo.d_l) as f32,
            nmax: d.max_pulses_per_update.min(i32::MAX as u32) as i32,
            l_max: self.geo.l_max,
            c2c: d.step_c2c_rel as f32,
            soft: d.lsb_soft_saturation as f32,
            ovf_on: d.carry_threshold > 0.0,
            ovf_thr: (d.carry_threshold * self.geo.n_l as f64) as f32,
            limit: if d.carry_threshold > 0.0 {
                self.geo
                    .l_max
                    .min((d.carry_threshold * self.geo.n_l as f64) as f32)
            } else {
                self.geo.l_max
            },
            key_r,
            key_c: Key::new(seed, Stream::C2c, step),
            carry: self.carry_cfg(
                Key::new(seed, Stream::OverflowRead, step),
                Key::new(seed, Stream::OverflowProg, step),
                true,
            ),
        };
        let chunks = hybrid_chunks(
            &mut self.msb,
            &mut self.lsb,
            &mut self.msb_error,
            &mut self.msb_writes,
        );
        let tally = install(|| {
            chunks
                .into_par_iter()
                .map(|c| update_hybrid_dispatch(c, &p, stoch, leak, cell_steps, mode))
                .reduce(Tally::default, Tally::merge)
        });
        self.pending_dt = 0.0;
        tally
    }

    /// Carry LSB into MSB for all cells now (hybrid). Returns the MSB writes done.
    /// float/ideal: no-op returning 0 (not counted as a transfer event).
    pub fn transfer(&mut self) -> u64 {
        if self.dev.kind != Kind::Hybrid {
            return 0;
        }
        let leak = self.ensure_decay();
        let step = self.steps.transfer;
        let cfg = self.carry_cfg(
            Key::new(self.seed, Stream::TransferRead, step),
            Key::new(self.seed, Stream::TransferProg, step),
            false,
        );
        let decay = &self.decay;
        let decay0 = self.decay0;
        let off = &self.msb_offset;
        let chunks = hybrid_chunks(
            &mut self.msb,
            &mut self.lsb,
            &mut self.msb_error,
            &mut self.msb_writes,
        );
        let t = install(|| {
            chunks
                .into_par_iter()
                .map(|c| {
                    let mut t = Tally::default();
                    // the leak as one vectorizable pass (same product per cell as before)
                    match leak {
                        LEAK_UNIFORM => c.lsb.iter_mut().for_each(|x| *x *= decay0),
                        LEAK_CELL => {
                            let d = &decay[c.base..c.base + c.lsb.len()];
                            c.lsb.iter_mut().zip(d).for_each(|(x, d)| *x *= *d);
                        }
                        _ => {}
                    }
                    // without read noise or ADC, cells with |x| < N_L / 2 carry nothing
                    // (CarryCfg::apply returns at once): visit only the others
                    let sparse = cfg.read_noise == 0.0 && cfg.adc_q == 0.0;
                    let len = c.lsb.len();
                    let mut g0 = 0;
                    while g0 < len {
                        let g1 = (g0 + 64).min(len);
                        let mut mask = if sparse {
                            flag_mask(&c.lsb[g0..g1], 0.5 * cfg.n_l)
                        } else {
                            u64::MAX >> (64 - (g1 - g0))
                        };
                        while mask != 0 {
                            let j = g0 + mask.trailing_zeros() as usize;
                            mask &= mask - 1;
                            let g = c.base + j;
                            let mut x = c.lsb[j];
                            cfg.apply(
                                g as u64,
                                &mut x,
                                &mut c.msb[j],
                                &mut c.err[j],
                                off[g],
                                &mut c.writes[j],
                                &mut t,
                            );
                            c.lsb[j] = x;
                        }
                        g0 = g1;
                    }
                    t
                })
                .reduce(Tally::default, Tally::merge)
        });
        self.pending_dt = 0.0;
        self.counters.msb_writes += t.writes;
        self.counters.lost_carries += t.lost;
        self.counters.worn_cells += t.worn;
        self.counters.max_cell_writes = self.counters.max_cell_writes.max(t.max_writes);
        self.counters.transfers += 1;
        self.steps.transfer += 1;
        t.writes
    }

    /// One training step: advance(images * t_image_s), update(dw), then a periodic transfer
    /// when the image counter crosses a multiple of `transfer_every_images`.
    /// Returns the MSB writes of this step (overflow carries + periodic transfer).
    pub fn step(&mut self, dw: &[f32], images: u64) -> Result<u64> {
        check_len("dw", dw.len(), self.rows, self.cols)?;
        check_finite("dw", dw)?;
        let before = self.counters.msb_writes;
        let dt = images as f64 * self.dev.t_image_s;
        self.advance(dt)?;
        let old = self.counters.images;
        let new = old.saturating_add(images);
        self.counters.images = new;
        self.update_checked(dw);
        let every = self.dev.transfer_every_images;
        if self.dev.kind == Kind::Hybrid && every > 0 && new / every != old / every {
            self.transfer();
        }
        Ok(self.counters.msb_writes - before)
    }

    /// Readout into `out` (row-major). Training: level + msb_error (static offset + programming
    /// error) + D_L * lsb (leak applied, state unchanged). Inference: MSB only, times
    /// exp(-retention_s / tau_ret), plus per-readout read noise.
    pub fn weights_into(
        &mut self,
        inference: bool,
        retention_s: f64,
        out: &mut [f32],
    ) -> Result<()> {
        check_len("out", out.len(), self.rows, self.cols)?;
        if !(retention_s.is_finite() && retention_s >= 0.0) {
            return Err(Error::value(
                "retention_s",
                format!("invalid value {retention_s}; expected a finite value >= 0"),
            ));
        }
        match self.dev.kind {
            Kind::Float => out.copy_from_slice(&self.w),
            Kind::Ideal => {
                // same expression as the level table (bit-identical), but vectorizable
                let (lo, d_m) = (self.geo.lo, self.geo.d_m);
                let msb = &self.msb;
                install(|| {
                    out.par_chunks_mut(CHUNK)
                        .zip(msb.par_chunks(CHUNK))
                        .for_each(|(o, m)| {
                            for (o, m) in o.iter_mut().zip(m) {
                                *o = (lo + *m as f64 * d_m) as f32;
                            }
                        })
                });
            }
            Kind::Hybrid => {
                let leak = if inference {
                    LEAK_NONE
                } else {
                    self.ensure_decay()
                };
                let geo = &self.geo;
                let msb = &self.msb;
                let lsb = &self.lsb;
                let err = &self.msb_error;
                let decay = &self.decay;
                let decay0 = self.decay0;
                let ret = if self.dev.tau_retention_s.is_finite() {
                    (-retention_s / self.dev.tau_retention_s).exp()
                } else {
                    1.0
                };
                let rn = if inference {
                    self.dev.msb_read_noise_rel * self.geo.d_m
                } else {
                    0.0
                };
                let key = Key::new(self.seed, Stream::MsbRead, self.steps.readout);
                // streaming stores when the output is far larger than the caches
                let stream = out.len() >= STREAM_MIN_CELLS;
                install(|| {
                    out.par_chunks_mut(CHUNK).enumerate().for_each(|(ci, o)| {
                        let base = ci * CHUNK;
                        let len = o.len();
                        let m = &msb[base..base + len];
                        let e = &err[base..base + len];
                        if inference && rn > 0.0 {
                            for j in 0..len {
                                let lv = geo.lo + m[j] as f64 * geo.d_m;
                                let v = (lv + e[j] as f64) * ret;
                                o[j] = (v + rn * key.normal((base + j) as u64)) as f32;
                            }
                        } else if inference {
                            for j in 0..len {
                                let lv = geo.lo + m[j] as f64 * geo.d_m;
                                o[j] = ((lv + e[j] as f64) * ret) as f32;
                            }
                        } else {
                            let l = &lsb[base..base + len];
                            let dc = if leak == LEAK_CELL {
                                &decay[base..base + len]
                            } else {
                                &[][..]
                            };
                            let f = if leak == LEAK_UNIFORM { decay0 } else { 1.0 };
                            readout_train(o, m, e, l, dc, f, geo.lo, geo.d_m, geo.d_l, stream);
                        }
                    })
                });
                if rn > 0.0 {
                    self.steps.readout += 1;
                }
            }
        }
        Ok(())
    }

    /// Readout as a new vector (see [`SynapseArray::weights_into`]).
    pub fn weights(&mut self, inference: bool, retention_s: f64) -> Result<Vec<f32>> {
        let mut out = vec![0.0f32; self.len()];
        self.weights_into(inference, retention_s, &mut out)?;
        Ok(out)
    }

    /// LSB in pulse units with the pending leak applied (zeros for float/ideal).
    pub fn lsb(&mut self) -> Vec<f32> {
        if self.dev.kind != Kind::Hybrid {
            return vec![0.0; self.len()];
        }
        let mode = self.ensure_decay();
        let (d0, d) = (self.decay0, &self.decay);
        self.lsb
            .iter()
            .enumerate()
            .map(|(g, x)| x * Self::decay_of(mode, d0, d, g))
            .collect()
    }

    /// Signed MSB level: offset mapping m in 0..N_M-1; differential d in -(N_M-1)..N_M-1;
    /// ideal: level index (offset) or signed level (differential); float: zeros.
    pub fn msb_levels(&self) -> Vec<i16> {
        if self.dev.kind == Kind::Float {
            return vec![0; self.len()];
        }
        let shift = match self.dev.signed_mapping {
            Mapping::Offset => 0i32,
            Mapping::Differential => self.dev.n_msb_levels() as i32 - 1,
        };
        self.msb
            .iter()
            .map(|&m| (m as i32 - shift) as i16)
            .collect()
    }

    /// Per-cell MSB write counts (zeros for float/ideal).
    pub fn msb_write_counts(&self) -> Vec<u32> {
        if self.dev.kind != Kind::Hybrid {
            return vec![0; self.len()];
        }
        self.msb_writes.clone()
    }

    /// Per-cell leak time constants in seconds (hybrid; inf when leak is off).
    pub fn tau_leak(&self) -> Vec<f32> {
        self.leak_rate.iter().map(|r| 1.0 / r).collect()
    }

    /// Full state (clone).
    pub fn to_state(&self) -> State {
        State {
            rows: self.rows,
            cols: self.cols,
            seed: self.seed,
            w_max: self.w_max,
            device: self.dev.clone(),
            w: self.w.clone(),
            msb: self.msb.clone(),
            lsb: self.lsb.clone(),
            msb_error: self.msb_error.clone(),
            msb_writes: self.msb_writes.clone(),
            step_up: self.step_up.clone(),
            step_down: self.step_down.clone(),
            leak_rate: self.leak_rate.clone(),
            msb_offset: self.msb_offset.clone(),
            pending_dt: self.pending_dt,
            counters: self.counters.clone(),
            steps: self.steps,
        }
    }

    /// Rebuild from a [`State`]; continuation is bit-identical to the original.
    pub fn from_state(s: State) -> Result<SynapseArray> {
        let mut a = SynapseArray::new(s.rows, s.cols, DeviceParams::default(), s.seed, s.w_max)?;
        s.device.validate()?;
        a.geo = Geometry::new(&s.device, s.w_max);
        a.leak_on = s.device.kind == Kind::Hybrid && s.device.tau_leak_s.is_finite();
        a.dev = s.device;
        let n = a.len();
        let need = |name: &str, got: usize| -> Result<()> {
            if got != n {
                Err(Error::value(
                    &format!("state['{name}']"),
                    format!(
                        "expected {n} values (shape ({}, {})), got {got}",
                        s.rows, s.cols
                    ),
                ))
            } else {
                Ok(())
            }
        };
        let (w, msb, lsb, err, wr, up, down, lr, off) = (
            s.w,
            s.msb,
            s.lsb,
            s.msb_error,
            s.msb_writes,
            s.step_up,
            s.step_down,
            s.leak_rate,
            s.msb_offset,
        );
        a.w = Vec::new();
        a.msb = Vec::new();
        a.lsb = Vec::new();
        a.msb_error = Vec::new();
        a.msb_writes = Vec::new();
        a.step_up = Vec::new();
        a.step_down = Vec::new();
        a.leak_rate = Vec::new();
        a.msb_offset = Vec::new();
        match a.dev.kind {
            Kind::Float => {
                need("w", w.len())?;
                check_finite("state['w']", &w)?;
                a.w = w;
            }
            Kind::Ideal | Kind::Hybrid => {
                need("msb", msb.len())?;
                let nl = a.geo.n_levels;
                if let Some(bad) = msb.iter().find(|&&m| m as u32 >= nl) {
                    return Err(Error::value(
                        "state['msb']",
                        format!("level index {bad} out of range [0, {}]", nl - 1),
                    ));
                }
                a.msb = msb;
                if a.dev.kind == Kind::Hybrid {
                    for (name, v) in [
                        ("lsb", &lsb),
                        ("msb_error", &err),
                        ("step_up", &up),
                        ("step_down", &down),
                        ("leak_rate", &lr),
                        ("msb_offset", &off),
                    ] {
                        need(name, v.len())?;
                        check_finite(&format!("state['{name}']"), v)?;
                    }
                    need("msb_writes", wr.len())?;
                    a.lsb = lsb;
                    a.msb_error = err;
                    a.msb_writes = wr;
                    a.step_up = up;
                    a.step_down = down;
                    a.leak_rate = lr;
                    a.msb_offset = off;
                    a.detect_uniform();
                }
            }
        }
        if !(s.pending_dt.is_finite() && s.pending_dt >= 0.0) {
            return Err(Error::value(
                "state['pending_dt_s']",
                format!(
                    "invalid value {}; expected a finite value >= 0",
                    s.pending_dt
                ),
            ));
        }
        a.pending_dt = if a.leak_on { s.pending_dt } else { 0.0 };
        a.counters = s.counters;
        a.steps = s.steps;
        Ok(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hybrid(f: impl FnOnce(&mut DeviceParams)) -> DeviceParams {
        let mut d = DeviceParams::default();
        f(&mut d);
        d
    }

    fn noiseless() -> DeviceParams {
        hybrid(|d| {
            d.msb_prog_sigma_rel = 0.0;
            d.tau_leak_s = f64::INFINITY;
            d.tau_leak_d2d_rel = 0.0;
            d.carry_threshold = 0.0;
            d.transfer_every_images = 0;
        })
    }

    /// A new array (unwrapped) and its LSB step d_l as f32.
    fn new_array(
        rows: usize,
        cols: usize,
        d: DeviceParams,
        seed: u64,
        w_max: f64,
    ) -> (SynapseArray, f32) {
        let a = SynapseArray::new(rows, cols, d, seed, w_max).unwrap();
        let dl = a.geometry().d_l as f32;
        (a, dl)
    }

    fn pattern(n: usize, scale: f32, salt: u64) -> Vec<f32> {
        let k = Key::new(salt, Stream::Round, 99);
        (0..n as u64)
            .map(|g| (k.normal(g) as f32) * scale)
            .collect()
    }

    #[test]
    fn float_update_adds() {
        let d = hybrid(|d| d.kind = Kind::Float);
        let mut a = SynapseArray::new(2, 3, d, 0, 1.0).unwrap();
        a.program(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
        a.update(&[0.5; 6]).unwrap();
        assert_eq!(
            a.weights(false, 0.0).unwrap(),
            vec![1.5, 2.5, 3.5, 4.5, 5.5, 6.5]
        );
    }

    #[test]
    fn ideal_levels_and_rails() {
        let d = hybrid(|d| {
            d.kind = Kind::Ideal;
            d.msb_bits = 3;
            d.rounding = Rounding::Nearest;
        });
        let mut a = SynapseArray::new(1, 3, d, 0, 1.0).unwrap();
        a.program(&[0.0, 0.9, -2.0]).unwrap();
        let w = a.weights(false, 0.0).unwrap();
        assert_eq!(w, vec![0.125, 0.875, -0.875]);
        a.update(&[0.25, 1.0, -0.1]).unwrap();
        let w = a.weights(false, 0.0).unwrap();
        assert_eq!(w, vec![0.375, 0.875, -0.875]);
        assert_eq!(a.counters().clipped_pulses, 4);
    }

    #[test]
    fn nearest_sub_lsb_gives_no_pulses() {
        let d = hybrid(|d| d.rounding = Rounding::Nearest);
        let (mut a, dl) = new_array(4, 4, d, 0, 1.0);
        a.update(&[0.49 * dl; 16]).unwrap();
        assert_eq!(a.counters().pulses, 0);
    }

    #[test]
    fn thread_count_independent() {
        let d = hybrid(|d| {
            d.step_c2c_rel = 0.2;
            d.step_d2d_rel = 0.1;
            d.lsb_read_noise_steps = 0.3;
            d.transfer_every_images = 64;
        });
        let run = |threads: usize| {
            crate::parallel::set_num_threads(threads).unwrap();
            let (mut a, dl) = new_array(100, 700, d.clone(), 3, 1.0);
            for s in 0..20 {
                let dw = pattern(a.len(), 3.0 * dl, s);
                a.step(&dw, 16).unwrap();
            }
            (a.weights(false, 0.0).unwrap(), a.counters().clone())
        };
        let one = run(1);
        let two = run(2);
        assert_eq!(one, two);
    }

    #[test]
    fn state_round_trip_continues_identically() {
        let d = hybrid(|d| {
            d.step_c2c_rel = 0.2;
            d.msb_read_noise_rel = 0.05;
            d.transfer_every_images = 32;
        });
        let (mut a, dl) = new_array(30, 40, d, 11, 0.7);
        for s in 0..5 {
            a.step(&pattern(a.len(), 4.0 * dl, s), 16).unwrap();
        }
        a.advance(0.01).unwrap();
        let mut b = SynapseArray::from_state(a.to_state()).unwrap();
        for s in 5..12 {
            let dw = pattern(a.len(), 4.0 * dl, s);
            assert_eq!(a.step(&dw, 16).unwrap(), b.step(&dw, 16).unwrap());
        }
        assert_eq!(a.weights(true, 5.0).unwrap(), b.weights(true, 5.0).unwrap());
        assert_eq!(a.to_state(), b.to_state());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn levels_stay_in_range(seed in 0u64..1000, scale in 0.1f32..50.0, bits in 1u32..5,
                                diff in any::<bool>()) {
            let d = hybrid(|d| {
                d.msb_bits = bits;
                d.step_c2c_rel = 0.3;
                d.signed_mapping = if diff { Mapping::Differential } else { Mapping::Offset };
                d.transfer_every_images = 8;
            });
            let (mut a, dl) = new_array(8, 16, d.clone(), seed, 1.0);
            for s in 0..10 {
                a.step(&pattern(a.len(), scale * dl, seed + s), 4).unwrap();
            }
            let nl = a.geometry().n_levels;
            prop_assert!(a.msb.iter().all(|&m| (m as u32) < nl));
            let lm = a.geometry().l_max;
            prop_assert!(a.lsb().iter().all(|x| x.abs() <= lm));
            let lv = a.msb_levels();
            let nm = d.n_msb_levels() as i16;
            if diff {
                prop_assert!(lv.iter().all(|&l| l > -nm && l < nm));
            } else {
                prop_assert!(lv.iter().all(|&l| (0..nm).contains(&l)));
            }
        }

        #[test]
        fn leak_never_grows_and_matches_exp(seed in 0u64..1000, t in 0.0f64..5.0, rel in 0.0f64..0.5) {
            let d = hybrid(|d| {
                d.tau_leak_s = 0.7;
                d.tau_leak_d2d_rel = rel;
                d.carry_threshold = 0.0;
                d.transfer_every_images = 0;
            });
            let (mut a, dl) = new_array(4, 32, d, seed, 1.0);
            a.update(&pattern(a.len(), 6.0 * dl, seed)).unwrap();
            let before = a.lsb();
            a.advance(t).unwrap();
            let after = a.lsb();
            let tau = a.tau_leak();
            for i in 0..before.len() {
                prop_assert!(after[i].abs() <= before[i].abs());
                let want = before[i] as f64 * (-t / tau[i] as f64).exp();
                prop_assert!((after[i] as f64 - want).abs() <= 1e-5 * (1.0 + want.abs()));
            }
            // a second, split advance gives the same decay within rounding
            a.advance(t).unwrap();
            let after2 = a.lsb();
            for i in 0..before.len() {
                prop_assert!(after2[i].abs() <= after[i].abs());
            }
        }

        #[test]
        fn keep_transfer_conserves_weight(seed in 0u64..1000, scale in 0.5f32..40.0, bits in 1u32..4) {
            let d = {
                let mut d = noiseless();
                d.msb_bits = bits;
                d
            };
            let (mut a, dl) = new_array(8, 16, d, seed, 1.0);
            for s in 0..4 {
                a.update(&pattern(a.len(), scale * dl, seed + s)).unwrap();
            }
            let before = a.weights(false, 0.0).unwrap();
            let lsb_before = a.lsb();
            let msb_before = a.msb.clone();
            a.transfer();
            let after = a.weights(false, 0.0).unwrap();
            for i in 0..before.len() {
                // away from the MSB rails the training weight is conserved exactly
                let m = a.msb[i] as i64;
                let moved = m - msb_before[i] as i64;
                let c = (lsb_before[i] / a.geometry().n_l).round() as i64;
                if moved == c {
                    prop_assert_eq!(before[i], after[i]);
                }
            }
        }

        #[test]
        fn endurance_counts_level_changes(seed in 0u64..1000, scale in 1.0f32..30.0) {
            let d = hybrid(|d| {
                d.transfer_every_images = 4;
                d.step_c2c_rel = 0.1;
            });
            let (mut a, dl) = new_array(6, 10, d, seed, 1.0);
            let mut changes = vec![0u32; a.len()];
            for s in 0..25 {
                let prev = a.msb.clone();
                a.step(&pattern(a.len(), scale * dl, seed * 31 + s), 2).unwrap();
                for i in 0..a.len() {
                    if a.msb[i] != prev[i] {
                        changes[i] += 1;
                    }
                }
            }
            prop_assert_eq!(a.msb_write_counts(), changes.clone());
            let total: u64 = changes.iter().map(|&c| c as u64).sum();
            prop_assert_eq!(a.counters().msb_writes, total);
            let mx = changes.iter().copied().max().unwrap_or(0) as u64;
            prop_assert_eq!(a.counters().max_cell_writes, mx);
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn readout_simd_bit_identical() {
        if !crate::kernels::has_avx2() {
            return;
        }
        let n = 1000;
        let k = Key::new(2, Stream::C2c, 1);
        let m: Vec<u16> = (0..n).map(|i| (i % 4) as u16).collect();
        let e: Vec<f32> = (0..n as u64).map(|g| k.normal(g) as f32 * 0.01).collect();
        let l: Vec<f32> = (0..n as u64)
            .map(|g| k.normal(g + 5000) as f32 * 7.0)
            .collect();
        let dc: Vec<f32> = (0..n).map(|i| 1.0 - (i % 5) as f32 * 0.03).collect();
        for d in [&dc[..], &[][..]] {
            let (mut a, mut b) = (vec![0.0f32; n], vec![0.0f32; n]);
            readout_body(&mut a, &m, &e, &l, d, 0.97, -0.3, 0.2, 0.0125);
            // SAFETY: AVX2 checked above.
            unsafe { readout_body_avx2(&mut b, &m, &e, &l, d, 0.97, -0.3, 0.2, 0.0125) };
            assert_eq!(a, b);
            // streaming variant, at every alignment of the output
            for off in 0..8 {
                let mut c = vec![0.0f32; n + 8];
                let cs = &mut c[off..off + n];
                // SAFETY: AVX2 checked above.
                unsafe { readout_body_stream_avx2(cs, &m, &e, &l, d, 0.97, -0.3, 0.2, 0.0125) };
                assert_eq!(&a[..], &cs[..]);
            }
        }
    }

    #[test]
    fn stochastic_rounding_unbiased() {
        let d = noiseless();
        let (mut a, dl) = new_array(200, 500, d, 5, 1.0);
        a.update(&vec![0.3 * dl; 100_000]).unwrap();
        let p = a.counters().pulses as f64 / 100_000.0;
        assert!((p - 0.3).abs() < 0.006, "{p}");
    }

    #[test]
    fn wear_out_sticks() {
        let d = hybrid(|d| {
            d.endurance_cycles = 2.0;
            d.carry_threshold = 0.5;
            d.msb_bits = 4;
            d.transfer_every_images = 0;
        });
        let (mut a, dl) = new_array(1, 1, d, 0, 1.0);
        for _ in 0..6 {
            a.update(&[10.0 * dl]).unwrap();
        }
        assert_eq!(a.msb_write_counts(), vec![3]);
        assert_eq!(a.counters().worn_cells, 1);
    }

    #[test]
    fn bad_inputs() {
        let mut a = SynapseArray::new(2, 2, DeviceParams::default(), 0, 1.0).unwrap();
        assert!(a.update(&[0.0; 3]).is_err());
        let e = a.update(&[0.0, f32::NAN, 0.0, 0.0]).unwrap_err();
        assert!(e.to_string().contains("dw"));
        assert!(a.advance(-1.0).is_err());
        assert!(SynapseArray::new(0, 2, DeviceParams::default(), 0, 1.0).is_err());
        assert!(SynapseArray::new(2, 2, DeviceParams::default(), 0, 0.0).is_err());
    }
}
