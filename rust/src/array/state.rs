//! State I/O: everything `state_dict` exports, and the exact rebuild from it.

use super::geometry::Geometry;
use super::{check_finite, Counters, RngSteps, SynapseArray};
use crate::device::response::{Model, A_MIN};
use crate::device::{DeviceParams, Kind, LsbResponse};
use crate::error::{Error, Result};
use crate::parallel::CHUNK;

/// Version of the `state_dict` layout.
/// 2: transfer protocols, per-cell blocked-carry flags, LSB response models and their per-cell
/// nonlinearities (format 1 states are read: the protocol follows from the first-release
/// fields, flags start clear, the response is linear).
pub const STATE_FORMAT: i64 = 2;

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
    /// per cell, 0/1: a blocked carry of the charge it holds was counted; empty = all 0
    pub carry_blocked: Vec<u8>,
    /// per cell: the exp model's nonlinearity `a` of each direction, when it has a
    /// device-to-device spread (`lsb_exp_a_d2d_rel > 0`); else empty
    pub lsb_a_up: Vec<f32>,
    pub lsb_a_down: Vec<f32>,
    pub pending_dt: f64,
    pub counters: Counters,
    pub steps: RngSteps,
}

impl SynapseArray {
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
            carry_blocked: self.carry_blocked.clone(),
            lsb_a_up: self.lsb_shape_up.clone(),
            lsb_a_down: self.lsb_shape_down.clone(),
            pending_dt: self.pending_dt,
            counters: self.counters.clone(),
            steps: self.steps,
        }
    }

    /// Rebuild from a [`State`]; continuation is bit-identical to the original.
    pub fn from_state(s: State) -> Result<SynapseArray> {
        s.device.validate()?;
        // lengths first: a state whose rows/cols claim more cells than its arrays hold is
        // refused before anything of that size is allocated
        check_lengths(&s)?;
        let mut a = SynapseArray::new(s.rows, s.cols, DeviceParams::default(), s.seed, s.w_max)?;
        a.geo = Geometry::new(&s.device, s.w_max);
        a.leak_on = s.device.kind == Kind::Hybrid && s.device.tau_leak_s.is_finite();
        a.model = Model::build(&s.device)?;
        a.dev = s.device;
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
        a.carry_blocked = Vec::new();
        a.blocked_per_chunk = Vec::new();
        a.lsb_shape_up = Vec::new();
        a.lsb_shape_down = Vec::new();
        match a.dev.kind {
            Kind::Float => {
                // (float weights are not clipped at w_max: finite is all the physics asks)
                check_finite("state['w']", &w)?;
                a.w = w;
            }
            Kind::Ideal | Kind::Hybrid => {
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
                        check_finite(&format!("state['{name}']"), v)?;
                    }
                    a.lsb = lsb;
                    a.msb_error = err;
                    a.msb_writes = wr;
                    a.step_up = up;
                    a.step_down = down;
                    a.leak_rate = lr;
                    a.msb_offset = off;
                    a.check_bounds()?;
                    a.set_blocked(s.carry_blocked)?;
                    a.set_shapes(s.lsb_a_up, s.lsb_a_down)?;
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

    /// ValueError naming the first per-cell value of a hybrid state the physics cannot reach:
    /// an LSB beyond its rails, a negative or (without spread) off-nominal step size or leak
    /// rate, an offset where the device draws none, a programming error beyond the range.
    fn check_bounds(&self) -> Result<()> {
        let d = &self.dev;
        // the rails in f32 as the kernels clip them, with one ulp of room for the leak factor
        let l_max = self.geo.l_max * (1.0 + f32::EPSILON);
        let w_max = self.w_max as f32;
        let a = d.step_asymmetry_rel;
        let (up0, down0) = ((1.0 + a) as f32, (1.0 - a) as f32);
        let tau = d.tau_leak_s;
        let rate0 = if tau.is_finite() {
            (1.0 / tau) as f32
        } else {
            0.0
        };
        let uniform_rate = !tau.is_finite() || d.tau_leak_d2d_rel == 0.0;
        let checks: [BoundCheck<'_>; 6] = [
            (
                "lsb",
                &self.lsb,
                &|x| x.abs() <= l_max,
                format!("|lsb| <= the rail {}", self.geo.l_max),
            ),
            (
                "step_up",
                &self.step_up,
                &|x| {
                    if d.step_d2d_rel == 0.0 {
                        x == up0
                    } else {
                        x >= 0.0
                    }
                },
                format!("{up0} (no step_d2d_rel) or >= 0"),
            ),
            (
                "step_down",
                &self.step_down,
                &|x| {
                    if d.step_d2d_rel == 0.0 {
                        x == down0
                    } else {
                        x >= 0.0
                    }
                },
                format!("{down0} (no step_d2d_rel) or >= 0"),
            ),
            (
                "leak_rate",
                &self.leak_rate,
                &|x| if uniform_rate { x == rate0 } else { x > 0.0 },
                format!("1/tau_leak_s = {rate0} (no tau_leak_d2d_rel) or > 0"),
            ),
            (
                "msb_offset",
                &self.msb_offset,
                &|x| {
                    if d.msb_d2d_rel == 0.0 {
                        x == 0.0
                    } else {
                        x.abs() <= w_max
                    }
                },
                format!("0 (no msb_d2d_rel) or |x| <= w_max = {w_max}"),
            ),
            (
                "msb_error",
                &self.msb_error,
                &|x| x.abs() <= w_max,
                format!("|x| <= w_max = {w_max}"),
            ),
        ];
        for (name, v, ok, allowed) in checks.iter() {
            if let Some(i) = v.iter().position(|&x| !ok(x)) {
                return Err(Error::value(
                    &format!("state['{name}']"),
                    format!(
                        "value {} at flat index {i} is outside what the device allows ({allowed})",
                        v[i]
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Blocked-carry flags from a state (empty: all clear) and their per-chunk counts.
    fn set_blocked(&mut self, b: Vec<u8>) -> Result<()> {
        let n = self.len();
        self.carry_blocked = if b.is_empty() { vec![0; n] } else { b };
        if self.carry_blocked.len() != n || self.carry_blocked.iter().any(|&f| f > 1) {
            return Err(Error::value(
                "state['carry_blocked']",
                format!(
                    "expected {n} values of 0 or 1 (shape ({}, {}))",
                    self.rows, self.cols
                ),
            ));
        }
        self.blocked_per_chunk = self
            .carry_blocked
            .chunks(CHUNK)
            .map(|c| c.iter().map(|&f| f as u32).sum())
            .collect();
        Ok(())
    }

    /// Per-cell exp nonlinearities from a state: required (n finite values each, |a| >= A_MIN,
    /// the sign of the device's a) exactly when the device draws them.
    fn set_shapes(&mut self, up: Vec<f32>, down: Vec<f32>) -> Result<()> {
        let d = &self.dev;
        let drawn = d.lsb_response == LsbResponse::Exp && d.lsb_exp_a_d2d_rel > 0.0;
        let n = if drawn { self.len() } else { 0 };
        for (name, v, a) in [
            ("lsb_a_up", &up, d.lsb_exp_a_up),
            ("lsb_a_down", &down, d.lsb_exp_a_down),
        ] {
            let ok = v.len() == n
                && v.iter().all(|x| {
                    x.is_finite() && (*x as f64).abs() >= A_MIN && x.signum() as f64 == a.signum()
                });
            if !ok {
                return Err(Error::value(
                    &format!("state['{name}']"),
                    format!(
                        "expected {n} finite values of the sign of the device's a with |a| >= \
                         {A_MIN} (present exactly for lsb_response 'exp' with \
                         lsb_exp_a_d2d_rel > 0)"
                    ),
                ));
            }
        }
        self.lsb_shape_up = up;
        self.lsb_shape_down = down;
        Ok(())
    }
}

/// A per-cell array of a state, the test its values must pass, and what it allows (for messages).
type BoundCheck<'a> = (&'a str, &'a [f32], &'a dyn Fn(f32) -> bool, String);

/// ValueError unless every per-cell array of `s` its device kind needs holds rows * cols values.
fn check_lengths(s: &State) -> Result<()> {
    let n = s.rows.checked_mul(s.cols).ok_or_else(|| {
        Error::value(
            "state['rows'], state['cols']",
            format!("rows={}, cols={}: rows * cols overflows", s.rows, s.cols),
        )
    })?;
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
    match s.device.kind {
        Kind::Float => need("w", s.w.len()),
        Kind::Ideal => need("msb", s.msb.len()),
        Kind::Hybrid => {
            need("msb", s.msb.len())?;
            for (name, len) in [
                ("lsb", s.lsb.len()),
                ("msb_error", s.msb_error.len()),
                ("step_up", s.step_up.len()),
                ("step_down", s.step_down.len()),
                ("leak_rate", s.leak_rate.len()),
                ("msb_offset", s.msb_offset.len()),
                ("msb_writes", s.msb_writes.len()),
            ] {
                need(name, len)?;
            }
            Ok(())
        }
    }
}
