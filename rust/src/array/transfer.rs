//! Transfer protocols: the read-all transfer (every cell's LSB read and carried into its MSB,
//! then `reset` or `keep`) and the training `step` that schedules the periodic ones. The
//! overflow trigger runs inside `update` (see `update::pass2`).

use super::carry::CarryCfg;
use super::counters::Tally;
use super::leak::{LEAK_CELL, LEAK_UNIFORM};
use super::simd::flag_mask;
use super::update::{clear_blocked, count_blocked, hybrid_chunks, HybridChunk};
use super::{check_finite, check_len, SynapseArray};
use crate::device::{Kind, Residual};
use crate::error::Result;
use crate::parallel::install;
use crate::rng::{Key, Stream};
use rayon::prelude::*;

impl SynapseArray {
    /// A read-all transfer now (hybrid): every LSB is read (ADC, read noise), the MSB moves
    /// the rounded number of steps, then every LSB is `reset` to mid-rail (the charge left,
    /// including the part below half a step, is counted in `lsb_discarded_pulses`) or `keep`s
    /// its residual. Runs under any `transfer_protocol` (e.g. a final consolidation).
    /// Returns the MSB writes done. float/ideal: no-op returning 0 (not counted as an event).
    pub fn transfer(&mut self) -> u64 {
        if self.dev.kind != Kind::Hybrid {
            return 0;
        }
        let leak = self.ensure_decay();
        let step = self.steps.transfer;
        let cfg = self.carry_cfg(
            Key::new(self.seed, Stream::TransferRead, step),
            Key::new(self.seed, Stream::TransferProg, step),
        );
        let decay = &self.decay;
        let decay0 = self.decay0;
        let off = &self.msb_offset;
        let chunks = hybrid_chunks(hybrid_state!(self));
        let t = Tally::sum(install(|| {
            chunks
                .into_par_iter()
                .map(|mut c| {
                    // the leak as one vectorizable pass (same product per cell as before)
                    match leak {
                        LEAK_UNIFORM => c.lsb.iter_mut().for_each(|x| *x *= decay0),
                        LEAK_CELL => {
                            let d = &decay[c.base..c.base + c.lsb.len()];
                            c.lsb.iter_mut().zip(d).for_each(|(x, d)| *x *= *d);
                        }
                        _ => {}
                    }
                    read_all_chunk(&cfg, &mut c, off)
                })
                .collect()
        }));
        self.pending_dt = 0.0;
        self.counters.add_carries(&t);
        self.counters.transfers += 1;
        self.steps.transfer += 1;
        t.writes
    }

    /// One training step: advance(images * t_image_s), update(dw), then a periodic transfer
    /// when the image counter crosses a multiple of `transfer_every_images`.
    /// Returns the MSB writes of this step (overflow carries + periodic transfer).
    pub fn step(&mut self, dw: &[f32], images: u64) -> Result<u64> {
        self.step_into(dw, images, None)
    }

    /// [`SynapseArray::step`] that also writes the training weights after the step into
    /// `out` (bit-identical to a following `weights_into(false, 0, out)`), in the update's
    /// pass when no periodic transfer is due (else read out after the transfer).
    pub fn step_into(&mut self, dw: &[f32], images: u64, out: Option<&mut [f32]>) -> Result<u64> {
        check_len("dw", dw.len(), self.rows, self.cols)?;
        check_finite("dw", dw)?;
        if let Some(o) = &out {
            check_len("out", o.len(), self.rows, self.cols)?;
        }
        let before = self.counters.msb_writes;
        let dt = images as f64 * self.dev.t_image_s;
        self.advance(dt)?;
        let old = self.counters.images;
        let new = old.saturating_add(images);
        self.counters.images = new;
        let every = self.dev.transfer_every_images;
        let periodic = self.dev.transfer_protocol.periodic();
        if self.dev.kind == Kind::Hybrid && periodic && every > 0 && new / every != old / every {
            self.update_checked(dw, None);
            self.transfer();
            if let Some(o) = out {
                self.weights_into(false, 0.0, o)?;
            }
        } else {
            self.update_checked(dw, out);
        }
        Ok(self.counters.msb_writes - before)
    }
}

/// The read-all carry of one chunk, then the residual policy for every cell of it.
fn read_all_chunk(cfg: &CarryCfg, c: &mut HybridChunk<'_>, off: &[f32]) -> Tally {
    let mut t = Tally::default();
    // without read noise or ADC, cells with |x| <= N_L / 2 carry nothing (ties toward zero):
    // visit only the others
    let sparse = cfg.read_noise == 0.0 && cfg.adc_q == 0.0;
    let half = 0.5 * cfg.n_l;
    let len = c.lsb.len();
    let mut g0 = 0;
    while g0 < len {
        let g1 = (g0 + 64).min(len);
        let mut mask = if sparse {
            flag_mask(&c.lsb[g0..g1], half)
        } else {
            u64::MAX >> (64 - (g1 - g0))
        };
        while mask != 0 {
            let j = g0 + mask.trailing_zeros() as usize;
            mask &= mask - 1;
            let mut x = c.lsb[j];
            cfg.read_all(&mut x, c, j, off[c.base + j], &mut t);
            c.lsb[j] = x;
        }
        g0 = g1;
    }
    match cfg.residual {
        Residual::Reset => {
            // full reset: every LSB back to mid-rail, the charge thrown away counted; the
            // blocked charge went with it (a later attempt is new charge)
            let mut disc = 0.0f64;
            for x in c.lsb.iter_mut() {
                disc += x.abs() as f64;
                *x = 0.0;
            }
            t.discarded += disc;
            c.blocked.iter_mut().for_each(|b| *b = 0);
            *c.nblocked = 0;
        }
        Residual::Keep => {
            if sparse {
                // unvisited cells hold charge inside the band: their flags clear
                clear_blocked(c.lsb, c.blocked, half);
            }
            *c.nblocked = count_blocked(c.blocked);
        }
    }
    t
}
