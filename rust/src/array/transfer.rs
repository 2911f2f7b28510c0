//! Transfer events (carry every cell's LSB into its MSB) and the training `step` that
//! schedules the periodic ones.

use super::counters::Tally;
use super::leak::{LEAK_CELL, LEAK_UNIFORM};
use super::simd::flag_mask;
use super::update::hybrid_chunks;
use super::{check_finite, check_len, SynapseArray};
use crate::device::Kind;
use crate::error::Result;
use crate::parallel::install;
use crate::rng::{Key, Stream};
use rayon::prelude::*;

impl SynapseArray {
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
}
