//! Per-chunk plumbing shared by the hybrid kernels: the mutable chunk view, the sub-block
//! loop (pass 1 of a model, then pass 2 and the blocked-flag clearing) and its helpers.

use super::super::readout::readout_train;
use super::pass2::pass2;
use super::{UpdateIn, SUB};
use crate::array::counters::Tally;
use crate::parallel::CHUNK;

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

/// The sub-block loop of every hybrid kernel: `pass1(c, lo, hi, t)` moves the LSBs of the
/// sub-block `lo..hi` (leak, pulses) and returns whether a cell may need pass 2 (|lsb| >=
/// `p.limit`); then pass 2 (clip, overflow carry), while blocked flags exist in the chunk
/// their clearing and, with `out` (the chunk's part of the fused step's output), the training
/// readout, all on the L1-resident sub-block. The leak is applied by then, so the readout is
/// `weights_into`'s with no pending leak (factor 1), bit for bit.
#[inline(always)]
pub fn run_chunk(
    mut c: HybridChunk<'_>,
    mut out: Option<&mut [f32]>,
    p: &UpdateIn<'_>,
    cell_steps: bool,
    mut pass1: impl FnMut(&mut HybridChunk<'_>, usize, usize, &mut Tally) -> bool,
) -> Tally {
    let mut t = Tally::default();
    let mut cleared = false;
    let len = c.lsb.len();
    let mut lo = 0;
    while lo < len {
        let hi = (lo + SUB).min(len);
        if pass1(&mut c, lo, hi, &mut t) {
            pass2(&mut c, lo, hi, p, cell_steps, &mut t);
        }
        if *c.nblocked > 0 || t.blocked > 0 {
            clear_blocked(&c.lsb[lo..hi], &mut c.blocked[lo..hi], p.clear_band);
            cleared = true;
        }
        if let Some(o) = out.as_deref_mut() {
            let (m, e, l) = (&c.msb[lo..hi], &c.err[lo..hi], &c.lsb[lo..hi]);
            readout_train(
                &mut o[lo..hi],
                m,
                e,
                l,
                &[],
                1.0,
                p.ro_lo,
                p.ro_dm,
                p.ro_dl,
                false,
            );
        }
        lo = hi;
    }
    if cleared {
        *c.nblocked = count_blocked(c.blocked);
    }
    t
}
