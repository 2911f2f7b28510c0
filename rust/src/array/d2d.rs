//! Static device-to-device variation, drawn once when an array is built from its seed (one
//! counter-based stream per quantity, so the draws do not depend on the thread count).

use super::SynapseArray;
use crate::device::response::A_MIN;
use crate::device::LsbResponse;
use crate::parallel::{install, CHUNK};
use crate::rng::{Key, Stream};
use rayon::prelude::*;

/// One value per cell, `f(g)` for cell index `g`, in parallel.
fn per_cell(n: usize, f: impl Fn(u64) -> f32 + Sync + Send) -> Vec<f32> {
    install(|| {
        (0..n)
            .into_par_iter()
            .with_min_len(CHUNK)
            .map(|g| f(g as u64))
            .collect()
    })
}

/// sigma of ln(x) for a lognormal with relative standard deviation `rel` (mean kept by the
/// `-sigma^2 / 2` shift).
fn ln_sigma(rel: f64) -> f64 {
    (1.0 + rel * rel).ln().sqrt()
}

impl SynapseArray {
    /// Scalar fast paths when there is no per-cell spread of step sizes or leak rates.
    pub(super) fn detect_uniform(&mut self) {
        let all_eq = |v: &[f32]| v.iter().all(|&x| x.to_bits() == v[0].to_bits());
        self.uniform_steps = all_eq(&self.step_up) && all_eq(&self.step_down);
        self.uniform_leak = all_eq(&self.leak_rate);
        self.decay_dt = f64::NAN;
        self.decay = Vec::new();
    }

    /// Static device-to-device variation (hybrid).
    pub(super) fn draw_d2d(&mut self) {
        let n = self.len();
        let d = &self.dev;
        let seed = self.seed;
        // step sizes (for curves: the pulse-axis speed, i.e. P_max): (1 +- a) *
        // max(0, 1 + sigma * xi), independent up/down draws
        let a = d.step_asymmetry_rel;
        let sd = d.step_d2d_rel;
        let scale = |key: Key, nominal: f64| {
            per_cell(n, move |g| {
                let s = if sd > 0.0 {
                    (1.0 + sd * key.normal(g)).max(0.0)
                } else {
                    1.0
                };
                (nominal * s) as f32
            })
        };
        self.step_up = scale(Key::new(seed, Stream::D2dStepUp, 0), 1.0 + a);
        self.step_down = scale(Key::new(seed, Stream::D2dStepDown, 0), 1.0 - a);
        // leak rate 1/tau_i, tau_i lognormal with mean tau and relative std tau_leak_d2d_rel
        let tau = d.tau_leak_s;
        let s_ln = ln_sigma(d.tau_leak_d2d_rel);
        let key = Key::new(seed, Stream::D2dTau, 0);
        self.leak_rate = per_cell(n, |g| {
            if !tau.is_finite() {
                0.0
            } else if s_ln > 0.0 {
                let t = tau * (s_ln * key.normal(g) - 0.5 * s_ln * s_ln).exp();
                (1.0 / t) as f32
            } else {
                (1.0 / tau) as f32
            }
        });
        // static MSB level offset, fraction of D_M
        let so = d.msb_d2d_rel * self.geo.d_m;
        let key = Key::new(seed, Stream::D2dMsb, 0);
        self.msb_offset = per_cell(n, |g| {
            if so > 0.0 {
                (so * key.normal(g)) as f32
            } else {
                0.0
            }
        });
        self.draw_shapes();
    }

    /// The exp model's per-cell nonlinearity: `a_i = a * lognormal` (mean a, relative std
    /// `lsb_exp_a_d2d_rel`, sign kept), up and down drawn independently; none otherwise.
    fn draw_shapes(&mut self) {
        let d = &self.dev;
        let rel = d.lsb_exp_a_d2d_rel;
        if d.lsb_response != LsbResponse::Exp || rel <= 0.0 {
            self.lsb_shape_up = Vec::new();
            self.lsb_shape_down = Vec::new();
            return;
        }
        let n = self.len();
        let s_ln = ln_sigma(rel);
        let draw = |stream: Stream, a: f64| {
            let key = Key::new(self.seed, stream, 0);
            per_cell(n, move |g| {
                let ai = a * (s_ln * key.normal(g) - 0.5 * s_ln * s_ln).exp();
                // the curve needs |a| >= A_MIN (exp(1/a) finite); the draw's tail could pass it
                (ai.signum() * ai.abs().max(A_MIN)) as f32
            })
        };
        self.lsb_shape_up = draw(Stream::D2dShapeUp, d.lsb_exp_a_up);
        self.lsb_shape_down = draw(Stream::D2dShapeDown, d.lsb_exp_a_down);
    }
}
