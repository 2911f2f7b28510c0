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

mod ideal;
mod linear;
mod pass2;

pub use ideal::update_ideal_chunk;

use super::carry::CarryCfg;
use super::counters::Tally;
use super::leak::{LEAK_CELL, LEAK_NONE, LEAK_UNIFORM};
use super::simd::has_avx2;
use super::{check_finite, check_len, SynapseArray};
use crate::device::{Kind, Rounding};
use crate::error::Result;
use crate::parallel::{install, CHUNK};
use crate::rng::{Key, Stream};
#[cfg(target_arch = "x86_64")]
use linear::pass1_avx2;
use linear::{pass1, pass1_slow};
use pass2::pass2;
use rayon::prelude::*;

/// Mutable per-chunk view of the hybrid state.
pub struct HybridChunk<'a> {
    pub base: usize,
    pub msb: &'a mut [u16],
    pub lsb: &'a mut [f32],
    pub err: &'a mut [f32],
    pub writes: &'a mut [u32],
    /// per cell: a blocked carry of the charge it holds has been counted (`keep` only)
    pub blocked: &'a mut [u8],
    /// number of set `blocked` flags in this chunk (0: the clearing pass is skipped)
    pub nblocked: &'a mut u32,
}

/// The per-cell state vectors a hybrid kernel mutates.
pub struct HybridState<'a> {
    pub msb: &'a mut [u16],
    pub lsb: &'a mut [f32],
    pub err: &'a mut [f32],
    pub writes: &'a mut [u32],
    pub blocked: &'a mut [u8],
    pub nblocked: &'a mut [u32],
}

/// Split the hybrid state into fixed chunks of [`CHUNK`] cells (the unit of parallel work).
pub fn hybrid_chunks(s: HybridState<'_>) -> Vec<HybridChunk<'_>> {
    s.msb
        .chunks_mut(CHUNK)
        .zip(s.lsb.chunks_mut(CHUNK))
        .zip(s.err.chunks_mut(CHUNK))
        .zip(s.writes.chunks_mut(CHUNK))
        .zip(s.blocked.chunks_mut(CHUNK))
        .zip(s.nblocked.iter_mut())
        .enumerate()
        .map(
            |(i, (((((msb, lsb), err), writes), blocked), nblocked))| HybridChunk {
                base: i * CHUNK,
                msb,
                lsb,
                err,
                writes,
                blocked,
                nblocked,
            },
        )
        .collect()
}

/// Clear the blocked flags of cells whose charge is back inside `band` (branch-free).
#[inline]
pub fn clear_blocked(lsb: &[f32], blocked: &mut [u8], band: f32) {
    for (b, x) in blocked.iter_mut().zip(lsb) {
        *b &= (x.abs() > band) as u8;
    }
}

/// Number of set flags.
#[inline]
pub fn count_blocked(blocked: &[u8]) -> u32 {
    blocked.iter().map(|&b| b as u32).sum()
}

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

/// Hybrid update of one chunk. `CELL_STEPS`: per-cell up/down step sizes (else `up0/down0`);
/// `MODE`: [`MODE_FAST`], [`MODE_C2C`] or [`MODE_SLOW`].
#[inline(always)]
pub fn update_hybrid_chunk<
    const STOCH: bool,
    const LEAK: u8,
    const CELL_STEPS: bool,
    const MODE: u8,
>(
    mut c: HybridChunk<'_>,
    p: &UpdateIn<'_>,
) -> Tally {
    let mut t = Tally::default();
    let base = c.base;
    let len = c.lsb.len();
    let avx2 = has_avx2();
    // pulse counts of a sub-block between the two loops of the c2c variant
    let mut ns_buf = [0i32; SUB];
    let mut cleared = false;
    let mut lo = 0;
    while lo < len {
        let hi = (lo + SUB).min(len);
        let b = base + lo;
        let (pulses, trunc, max_n, xmax) = if MODE == MODE_SLOW {
            let (a, b2, c2, d, clipped) =
                pass1_slow::<STOCH, LEAK, CELL_STEPS>(b, &mut c.lsb[lo..hi], p);
            t.clipped += clipped;
            (a, b2, c2, d)
        } else {
            let lsb = &mut c.lsb[lo..hi];
            let dw = &p.dw[b..base + hi];
            let (up, down) = if CELL_STEPS {
                (&p.up[b..base + hi], &p.down[b..base + hi])
            } else {
                (&[][..], &[][..])
            };
            let decay = if LEAK == LEAK_CELL {
                &p.decay[b..base + hi]
            } else {
                &[][..]
            };
            #[cfg(target_arch = "x86_64")]
            {
                if avx2 {
                    // SAFETY: AVX2 availability was checked at run time.
                    unsafe {
                        pass1_avx2::<STOCH, LEAK, CELL_STEPS, MODE>(
                            b,
                            lsb,
                            dw,
                            up,
                            down,
                            decay,
                            p,
                            &mut ns_buf,
                        )
                    }
                } else {
                    pass1::<STOCH, LEAK, CELL_STEPS, MODE>(
                        b,
                        lsb,
                        dw,
                        up,
                        down,
                        decay,
                        p,
                        &mut ns_buf,
                    )
                }
            }
            #[cfg(not(target_arch = "x86_64"))]
            {
                let _ = avx2;
                pass1::<STOCH, LEAK, CELL_STEPS, MODE>(b, lsb, dw, up, down, decay, p, &mut ns_buf)
            }
        };
        t.pulses += pulses;
        t.truncated += trunc;
        t.max_n = t.max_n.max(max_n as u64);
        if xmax {
            pass2(&mut c, lo, hi, p, CELL_STEPS, &mut t);
        }
        if *c.nblocked > 0 || t.blocked > 0 {
            clear_blocked(&c.lsb[lo..hi], &mut c.blocked[lo..hi], p.clear_band);
            cleared = true;
        }
        lo = hi;
    }
    if cleared {
        *c.nblocked = count_blocked(c.blocked);
    }
    t
}

/// Dispatch to the monomorphized variant.
pub fn update_hybrid_dispatch(
    c: HybridChunk<'_>,
    p: &UpdateIn<'_>,
    stoch: bool,
    leak: u8,
    cell_steps: bool,
    mode: u8,
) -> Tally {
    macro_rules! go {
        ($s:literal, $l:expr, $c:literal, $w:expr) => {
            update_hybrid_chunk::<$s, { $l }, $c, { $w }>(c, p)
        };
    }
    macro_rules! by_leak {
        ($s:literal, $c:literal, $w:expr) => {
            match leak {
                LEAK_UNIFORM => go!($s, LEAK_UNIFORM, $c, $w),
                LEAK_CELL => go!($s, LEAK_CELL, $c, $w),
                _ => go!($s, LEAK_NONE, $c, $w),
            }
        };
    }
    macro_rules! by_mode {
        ($s:literal, $c:literal) => {
            match mode {
                MODE_C2C => by_leak!($s, $c, MODE_C2C),
                MODE_SLOW => by_leak!($s, $c, MODE_SLOW),
                _ => by_leak!($s, $c, MODE_FAST),
            }
        };
    }
    match (stoch, cell_steps) {
        (true, false) => by_mode!(true, false),
        (true, true) => by_mode!(true, true),
        (false, false) => by_mode!(false, false),
        (false, true) => by_mode!(false, true),
    }
}

impl SynapseArray {
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
    pub(super) fn update_checked(&mut self, dw: &[f32]) {
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
        self.counters.add_carries(&tally);
        self.counters.latency_pulses += tally.max_n;
        self.counters.updates += 1;
        self.steps.update += 1;
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
        };
        let chunks = hybrid_chunks(HybridState {
            msb: &mut self.msb,
            lsb: &mut self.lsb,
            err: &mut self.msb_error,
            writes: &mut self.msb_writes,
            blocked: &mut self.carry_blocked,
            nblocked: &mut self.blocked_per_chunk,
        });
        let tally = Tally::sum(install(|| {
            chunks
                .into_par_iter()
                .map(|c| update_hybrid_dispatch(c, &p, stoch, leak, cell_steps, mode))
                .collect()
        }));
        self.pending_dt = 0.0;
        tally
    }
}

#[cfg(test)]
mod tests;
