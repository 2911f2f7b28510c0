//! Lazy, exact leak of the volatile LSB toward mid-rail: `advance` accumulates time, the next
//! kernel applies `exp(-pending_dt / tau_i)`.

use super::SynapseArray;
use crate::error::{Error, Result};
use crate::parallel::{install, CHUNK};
use rayon::prelude::*;

/// Leak mode of a kernel call.
pub const LEAK_NONE: u8 = 0;
/// One decay factor for all cells.
pub const LEAK_UNIFORM: u8 = 1;
/// A decay factor per cell.
pub const LEAK_CELL: u8 = 2;

impl SynapseArray {
    /// Make the decay factors exp(-pending_dt * rate_i) current; returns the leak mode
    /// (`LEAK_NONE`, `LEAK_UNIFORM` with `decay0`, `LEAK_CELL` with `decay`).
    pub(super) fn ensure_decay(&mut self) -> u8 {
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
    pub(super) fn decay_of(mode: u8, decay0: f32, decay: &[f32], g: usize) -> f32 {
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
}
