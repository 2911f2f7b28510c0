//! `update`: one requested weight change applied to every cell, and the per-chunk plumbing of
//! the hybrid kernels.
//!
//! The hot loops are branch-free on data (pulse rounding, truncation, step selection): with
//! stochastic rounding the pulse count of a cell is unpredictable, so a branchy loop runs at
//! the speed of branch mispredictions. Rare events (LSB clipping, overflow carries) keep a
//! branch. Variants are monomorphized over const flags (rounding, leak mode, per-cell steps,
//! c2c/soft-saturation) so the common preset runs the shortest loop. Every variant computes
//! the same floating-point operations in the same order for a cell regardless of chunking or
//! thread count.

mod chunk;
mod curve;
mod ideal;
mod linear;
mod pass2;

pub use chunk::{clear_blocked, count_blocked, hybrid_chunks, HybridChunk, HybridState};
pub use ideal::update_ideal_chunk;

use super::carry::CarryCfg;
use super::counters::Tally;
use super::readout::readout_levels;
use super::{check_finite, check_len, SynapseArray};
use crate::device::{Kind, LsbResponse, Rounding};
use crate::error::Result;
use crate::parallel::{install, CHUNK};
use crate::rng::{Key, Stream};
use crate::with_curve;
use curve::{curve_dispatch, Prepared};
use linear::update_hybrid_dispatch;
use rayon::prelude::*;

/// Read-only inputs and constants of a hybrid update.
pub struct UpdateIn<'a> {
    pub dw: &'a [f32],
    pub up: &'a [f32],
    pub down: &'a [f32],
    pub decay: &'a [f32],
    pub off: &'a [f32],
    pub up0: f32,
    pub down0: f32,
    pub decay0: f32,
    pub inv_dl: f32,
    pub nmax: i32,
    pub l_max: f32,
    pub c2c: f32,
    pub soft: f32,
    /// the overflow trigger is on (protocol 'overflow' or 'overflow+periodic')
    pub ovf_on: bool,
    /// h = carry_threshold * N_L: the trigger is |lsb| > h
    pub ovf_thr: f32,
    /// a blocked flag is cleared when |lsb| <= this (N_L / 2 with a periodic read-all, else h)
    pub clear_band: f32,
    /// |lsb| at or above which pass 2 must look at a cell: min(L_max, overflow threshold);
    /// cells exactly at L_max are visited harmlessly
    pub limit: f32,
    pub key_r: Key,
    pub key_c: Key,
    pub carry: CarryCfg,
    /// generic curve kernel: per-cell shape parameter (exp's `a`) per direction, empty for
    /// the nominal `a_up0` / `a_down0`
    pub shape_up: &'a [f32],
    pub shape_down: &'a [f32],
    pub a_up0: f64,
    pub a_down0: f64,
    /// NeuroSim c2c: sigma per sqrt(pulse) as a fraction of the LSB range (`lsb_c2c_rel`)
    pub c2c_range: f64,
    /// training readout of the fused step (`step_into` with `out`): weight = `ro_lo + m *
    /// ro_dm + msb_error + ro_dl * lsb`, the expression of `weights_into`
    pub ro_lo: f64,
    pub ro_dm: f64,
    pub ro_dl: f64,
}

/// Cells per sub-block: pass 1 (branch-free, vectorizable) runs over a sub-block, then the
/// rare-event pass 2 (clipping, overflow carry) over the same, L1-resident, sub-block.
const SUB: usize = 1024;

/// Kernel mode: no c2c noise, no soft saturation (vectorized).
pub const MODE_FAST: u8 = 0;
/// c2c noise, no soft saturation (vectorized).
pub const MODE_C2C: u8 = 1;
/// soft saturation (per-pulse loop, scalar), with or without c2c noise.
pub const MODE_SLOW: u8 = 2;

impl SynapseArray {
    /// Apply one requested weight change `dw` (row-major). Hybrid: leak, pulses with rounding,
    /// n_max truncation, c2c noise, asymmetry, soft saturation, +-L_max clipping, then the
    /// overflow carry trigger, all in one pass.
    pub fn update(&mut self, dw: &[f32]) -> Result<()> {
        check_len("dw", dw.len(), self.rows, self.cols)?;
        check_finite("dw", dw)?;
        self.update_checked(dw, None);
        Ok(())
    }

    /// `update` after the input checks. With `out` (`rows * cols` values), the training
    /// weights after the update (what `weights_into(false, 0, out)` would give next) are
    /// written in the same pass, while each block of cells is in cache.
    pub(super) fn update_checked(&mut self, dw: &[f32], out: Option<&mut [f32]>) {
        let step = self.steps.update;
        let seed = self.seed;
        let rounding = self.dev.rounding;
        let nmax = self.dev.max_pulses_per_update as u64;
        let key_r = Key::new(seed, Stream::Round, step);
        let tally = match self.dev.kind {
            Kind::Float => {
                let w = &mut self.w;
                let outs = out_chunks(out, w.len().div_ceil(CHUNK));
                install(|| {
                    w.par_chunks_mut(CHUNK)
                        .zip(dw.par_chunks(CHUNK))
                        .zip(outs)
                        .for_each(|((w, d), o)| {
                            for (w, d) in w.iter_mut().zip(d) {
                                *w += *d;
                            }
                            if let Some(o) = o {
                                o.copy_from_slice(w);
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
                let (lo, d_m) = (self.geo.lo, self.geo.d_m);
                let msb = &mut self.msb;
                let outs = out_chunks(out, msb.len().div_ceil(CHUNK));
                install(|| {
                    msb.par_chunks_mut(CHUNK)
                        .zip(dw.par_chunks(CHUNK))
                        .zip(outs)
                        .enumerate()
                        .map(|(ci, ((m, d), o))| {
                            let base = ci * CHUNK;
                            let t = if stoch {
                                update_ideal_chunk::<true>(base, m, d, inv_d, nmax, max_i, key_r)
                            } else {
                                update_ideal_chunk::<false>(base, m, d, inv_d, nmax, max_i, key_r)
                            };
                            if let Some(o) = o {
                                readout_levels(o, m, lo, d_m);
                            }
                            t
                        })
                        .reduce(Tally::default, Tally::merge)
                })
            }
            Kind::Hybrid => self.update_hybrid(dw, key_r, out),
        };
        self.counters.pulses += tally.pulses;
        self.counters.clipped_pulses += tally.clipped;
        self.counters.truncated_pulses += tally.truncated;
        self.counters.add_carries(&tally);
        self.counters.latency_pulses += tally.max_n;
        self.counters.updates += 1;
        self.steps.update += 1;
    }

    fn update_hybrid(&mut self, dw: &[f32], key_r: Key, out: Option<&mut [f32]>) -> Tally {
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
        // the first release's linear kernels unless a curve or NeuroSim-style noise is asked
        let generic = d.lsb_response != LsbResponse::Linear || d.lsb_c2c_rel > 0.0;
        let cell_steps = !self.uniform_steps;
        let ovf_on = d.transfer_protocol.overflow();
        let ovf_thr = (d.carry_threshold * self.geo.n_l as f64) as f32;
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
            ovf_on,
            ovf_thr,
            clear_band: self.clear_band(),
            limit: if ovf_on {
                self.geo.l_max.min(ovf_thr)
            } else {
                self.geo.l_max
            },
            key_r,
            key_c: Key::new(seed, Stream::C2c, step),
            carry: self.carry_cfg(
                Key::new(seed, Stream::OverflowRead, step),
                Key::new(seed, Stream::OverflowProg, step),
            ),
            shape_up: &self.lsb_shape_up,
            shape_down: &self.lsb_shape_down,
            a_up0: self.model.shape(true),
            a_down0: self.model.shape(false),
            c2c_range: d.lsb_c2c_rel,
            ro_lo: self.geo.lo,
            ro_dm: self.geo.d_m,
            ro_dl: self.geo.d_l,
        };
        let chunks = hybrid_chunks(hybrid_state!(self));
        let outs = out_chunks(out, chunks.len());
        let model = &self.model;
        let tally = Tally::sum(install(|| {
            if generic {
                with_curve!(model, m => {
                    let k = Prepared::new(m, &p, !cell_steps && p.shape_up.is_empty());
                    chunks
                        .into_par_iter()
                        .zip(outs)
                        .map(|(c, o)| curve_dispatch(c, o, &p, &k, stoch, leak, cell_steps))
                        .collect()
                })
            } else {
                chunks
                    .into_par_iter()
                    .zip(outs)
                    .map(|(c, o)| update_hybrid_dispatch(c, o, &p, stoch, leak, cell_steps, mode))
                    .collect()
            }
        }));
        self.pending_dt = 0.0;
        tally
    }
}

/// `out` cut into the [`CHUNK`]s of the state (`n` of them), or `n` times `None`.
fn out_chunks(out: Option<&mut [f32]>, n: usize) -> Vec<Option<&mut [f32]>> {
    match out {
        Some(o) => o.chunks_mut(CHUNK).map(Some).collect(),
        None => (0..n).map(|_| None).collect(),
    }
}

#[cfg(test)]
mod tests;
