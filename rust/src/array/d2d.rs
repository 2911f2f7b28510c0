//! Static device-to-device variation, drawn once when an array is built.

use super::SynapseArray;
use crate::parallel::{install, CHUNK};
use crate::rng::{Key, Stream};
use rayon::prelude::*;

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
}
