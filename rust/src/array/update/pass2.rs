//! Pass 2 of the hybrid update: the rare events (LSB clipping at the rails, the overflow
//! carry), visited through a bit mask so common cells cost no branch.

use super::super::counters::Tally;
use super::super::pulses::round_half_away;
use super::super::simd::flag_mask;
use super::{HybridChunk, UpdateIn};

/// Pass 2: clip at +-L_max (counting the lost pulses) and apply the overflow carry, for the
/// cells with |lsb| >= `limit` (found 64 at a time through a bit mask, so the common cells
/// cost no branch).
#[cold]
#[inline(never)]
pub(super) fn pass2(
    c: &mut HybridChunk<'_>,
    lo: usize,
    hi: usize,
    p: &UpdateIn<'_>,
    cell_steps: bool,
    t: &mut Tally,
) {
    let mut g0 = lo;
    while g0 < hi {
        let g1 = (g0 + 64).min(hi);
        let mut mask = flag_mask(&c.lsb[g0..g1], p.limit);
        while mask != 0 {
            let j = g0 + mask.trailing_zeros() as usize;
            mask &= mask - 1;
            pass2_cell(c, j, p, cell_steps, t);
        }
        g0 = g1;
    }
}

/// Pass 2 of one cell with |lsb| >= `limit`.
#[inline(always)]
fn pass2_cell(
    c: &mut HybridChunk<'_>,
    j: usize,
    p: &UpdateIn<'_>,
    cell_steps: bool,
    t: &mut Tally,
) {
    let l_max = p.l_max;
    let base = c.base;
    let mut x = c.lsb[j];
    let ax = x.abs();
    if ax > l_max {
        // |lsb| <= L_max before the update, so the pulses went toward this rail
        let gi = base + j;
        let s = match (cell_steps, x > 0.0) {
            (true, true) => p.up[gi],
            (true, false) => p.down[gi],
            (false, true) => p.up0,
            (false, false) => p.down0,
        };
        if s > 0.0 {
            let cap = p.nmax as u64;
            t.clipped += (round_half_away(((ax - l_max) / s) as f64) as u64).min(cap);
        }
        x = l_max.copysign(x);
    }
    // strict: an LSB exactly at the band edge h (where a keep carry at h = N_L / 2 leaves it)
    // does not carry again, so the carry cannot oscillate
    if p.ovf_on && x.abs() > p.ovf_thr {
        let off = p.off[base + j];
        p.carry.overflow(&mut x, c, j, off, t);
    }
    c.lsb[j] = x;
}
