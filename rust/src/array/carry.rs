//! The carry rule: one cell's LSB carried into its MSB, shared by the overflow trigger inside
//! `update` and by the read-all transfer.
//!
//! With `h = carry_threshold * N_L` (validated: `N_L / 2 <= h < L_max`):
//! - **overflow** (a comparator on the analog LSB): only when `|lsb| > h` (strict), the MSB
//!   moves `c = round(lsb / N_L)` steps (half away from zero; `|c| >= 1` because `h >= N_L/2`);
//! - **read-all** (every LSB through the ADC, with read noise): `c = round(read / N_L)` with
//!   ties toward zero, so a charge of exactly `+-N_L / 2` (where `program` may leave it)
//!   carries nothing;
//! - the MSB moves `moved = clip(m + c) - m` (the rails may stop part of it); the residual is
//!   `keep`: `lsb -= moved * N_L` (the training weight is conserved exactly) or `reset`:
//!   `lsb = 0`, the remaining charge `|lsb - moved * N_L|` counted as discarded.
//!
//! Why no limit cycle: after a complete keep carry `|r| = |lsb - c N_L| <= N_L / 2 <= h`, so
//! the cell is back inside the band and nothing triggers again without new charge. Leak only
//! shrinks `|lsb|` and each pulse adds at most its own charge, so the next overflow write needs
//! more than `h - |r| >= h - N_L / 2` pulse units of charge delivered (`keep`), or more than
//! `h` after a reset (`r = 0`). A partial carry at a rail leaves the residual pointing into
//! that rail, so the next write (the other way) needs more than `h + |r|`. Per cell, MSB writes
//! are therefore at most one per `h - N_L / 2` (keep) or `h` (reset) pulse units of charge,
//! plus one per read-all transfer. At `carry_threshold = 0.5` with `keep` the first bound is
//! vacuous (no oscillation, but a dither of one pulse across the edge after a carry can write
//! again); presets use a larger threshold or `reset`.

use super::counters::Tally;
use super::pulses::{round_half_away, round_half_toward_zero};
use super::update::HybridChunk;
use super::SynapseArray;
use crate::device::msb::{MsbModel, MsbStore, WriteReq};
use crate::device::Residual;
use crate::rng::Key;

/// Constants of the carry operation.
#[derive(Clone, Copy)]
pub struct CarryCfg {
    pub n_l: f32,
    pub l_max: f32,
    pub max_index: i64,
    pub read_noise: f64,
    pub adc_q: f64,
    pub end_lim: u32,
    pub residual: Residual,
    pub key_read: Key,
    /// weight of level index 0 and the level spacing (what the store is asked to write)
    pub lo: f64,
    pub d_m: f64,
    /// the MSB store: every write goes through it
    pub msb: MsbStore,
}

impl CarryCfg {
    /// The overflow carry of cell `j` of chunk `c`, whose LSB `x` (leaked, clipped) has left
    /// the band (`|x| > h`).
    #[inline]
    pub fn overflow(
        &self,
        x: &mut f32,
        c: &mut HybridChunk<'_>,
        j: usize,
        off: f32,
        t: &mut Tally,
    ) {
        if c.writes[j] > self.end_lim {
            // worn out ("stuck"): keeps its level; the residual policy still applies
            self.residual_after(x, 0, t);
            return;
        }
        let want = round_half_away(*x as f64 / self.n_l as f64);
        let moved = self.carry(want, c, j, off, t);
        if moved != 0 {
            t.overflow_writes += 1;
        }
        self.residual_after(x, moved, t);
    }

    /// The read-all carry of cell `j`: read through the ADC (read noise, quantization), carry
    /// the rounded MSB steps, keep the residual (a reset, if any, is the caller's sweep).
    #[inline]
    pub fn read_all(
        &self,
        x: &mut f32,
        c: &mut HybridChunk<'_>,
        j: usize,
        off: f32,
        t: &mut Tally,
    ) {
        let g = (c.base + j) as u64;
        let mut read = *x as f64;
        if self.read_noise > 0.0 {
            read += self.read_noise * self.key_read.normal32(g) as f64;
        }
        if self.adc_q > 0.0 {
            let l = self.l_max as f64;
            read = ((read / self.adc_q).round() * self.adc_q).clamp(-l, l);
        }
        let want = round_half_toward_zero(read / self.n_l as f64);
        if want == 0 {
            // the read says the charge is inside the band
            c.blocked[j] = 0;
            return;
        }
        if c.writes[j] > self.end_lim {
            return;
        }
        let moved = self.carry(want, c, j, off, t);
        *x -= moved as f32 * self.n_l;
    }

    /// Move the MSB by up to `want` steps (clipped at the rails); note a blocked attempt.
    /// Returns the steps moved.
    #[inline]
    fn carry(&self, want: i64, c: &mut HybridChunk<'_>, j: usize, off: f32, t: &mut Tally) -> i64 {
        let m = c.msb[j] as i64;
        let m_new = (m + want).clamp(0, self.max_index);
        let moved = m_new - m;
        if moved != 0 {
            self.write_msb(m_new as u16, c, j, off, t);
            t.carries += moved.unsigned_abs();
            c.blocked[j] = 0;
        }
        if moved != want {
            self.note_blocked(&mut c.blocked[j], t);
        }
        moved
    }

    /// A carry the rails stopped: counted once per attempt. With `keep` the charge stays, so
    /// the cell's flag suppresses recounting it until the charge has returned inside the band
    /// or the MSB has moved; with `reset` the charge is discarded, so every attempt is new.
    #[inline]
    fn note_blocked(&self, flag: &mut u8, t: &mut Tally) {
        match self.residual {
            Residual::Reset => t.blocked += 1,
            Residual::Keep => {
                if *flag == 0 {
                    t.blocked += 1;
                    *flag = 1;
                }
            }
        }
    }

    /// The one place an MSB is written: the store model gives the level's programming error
    /// and the write's cost; the write count (program operations, what endurance counts) and
    /// wear-out are the array's.
    #[inline]
    fn write_msb(&self, level: u16, c: &mut HybridChunk<'_>, j: usize, off: f32, t: &mut Tally) {
        let believed_w = self.lo + c.msb[j] as f64 * self.d_m;
        let w = self.msb.write(&WriteReq {
            cell: (c.base + j) as u64,
            believed_w,
            actual_w: believed_w + (c.err[j] - off) as f64,
            to_w: self.lo + level as f64 * self.d_m,
            offset: off,
        });
        c.msb[j] = level;
        c.err[j] = w.error;
        t.msb_pulses += w.pulses as u64;
        t.verify += w.verify_iterations as u64;
        let n = c.writes[j].saturating_add(w.operations());
        c.writes[j] = n;
        t.writes += 1;
        t.max_writes = t.max_writes.max(n as u64);
        if n > self.end_lim {
            t.worn += 1;
        }
    }

    /// Apply the residual policy after `moved` MSB steps.
    #[inline]
    fn residual_after(&self, x: &mut f32, moved: i64, t: &mut Tally) {
        let r = *x - moved as f32 * self.n_l;
        match self.residual {
            Residual::Keep => *x = r,
            Residual::Reset => {
                t.discarded += r.abs() as f64;
                *x = 0.0;
            }
        }
    }
}

impl SynapseArray {
    pub(super) fn carry_cfg(&self, key_read: Key, key_prog: Key) -> CarryCfg {
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
            end_lim: self.end_lim(),
            residual: d.residual,
            key_read,
            lo: self.geo.lo,
            d_m: self.geo.d_m,
            msb: MsbStore::build(d, self.geo.d_m, self.w_max, key_prog),
        }
    }
}
