//! Initial write of the weights (`program`): not counted as MSB writes.

use super::pulses::round_pulses_f64;
use super::update::hybrid_chunks;
use super::{check_finite, check_len, SynapseArray};
use crate::device::msb::{MsbModel, MsbStore, WriteReq};
use crate::device::{Kind, MsbKind, WriteScheme};
use crate::error::Result;
use crate::parallel::{install, CHUNK};
use crate::rng::{Key, Stream};
use rayon::prelude::*;

impl SynapseArray {
    /// Initial write of the weights `w` (row-major, rows*cols values).
    /// float: copied. ideal: level by the configured rounding. hybrid: MSB = nearest level,
    /// LSB = residual in pulses (rounded per `rounding`, clipped at +-min(N_L / 2, L_max), i.e.
    /// inside the no-carry band), MSB programming
    /// error drawn (open-loop `levels`) or the level written by the store's own write (its
    /// physics, its verify loop) from the erased state (weight 0: a PCM pair with both devices
    /// at G_min). Not counted as MSB writes.
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
                // inside the no-carry band: |lsb| <= N_L / 2 <= h, which neither the overflow
                // trigger (|lsb| > h) nor a read-all carry (ties toward zero) acts on
                let l_max = (geo.l_max as f64).min(0.5 * geo.n_l as f64);
                let off = &self.msb_offset;
                // the first release's draw for open-loop levels (bit-identical); the store's own
                // write otherwise
                let own = self.dev.msb_model != MsbKind::Levels
                    || self.dev.msb_write_scheme != WriteScheme::OpenLoop;
                let store = own.then(|| MsbStore::build(&self.dev, geo.d_m, self.w_max, key_e));
                // fresh charge: no blocked carry is pending
                self.carry_blocked.iter_mut().for_each(|b| *b = 0);
                self.blocked_per_chunk.iter_mut().for_each(|b| *b = 0);
                let chunks = hybrid_chunks(hybrid_state!(self));
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
                            c.err[j] = if let Some(s) = &store {
                                s.write(&WriteReq {
                                    cell: g,
                                    believed_w: 0.0,
                                    actual_w: 0.0,
                                    to_w: geo.levels[m as usize],
                                    offset: off[gi],
                                })
                                .error
                            } else if sigma > 0.0 {
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
}
