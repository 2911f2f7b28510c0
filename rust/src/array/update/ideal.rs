//! The ideal (quantized) update: level index moved by the rounded step count.

use super::super::counters::Tally;
use super::super::pulses::pulse_count_split;
use super::super::simd::has_avx2;
use super::SUB;
use crate::rng::Key;

/// Ideal (quantized) update of one chunk: level index moves by the rounded step count,
/// truncated at n_max and clipped at the rails.
#[inline(always)]
pub(super) fn ideal_body<const STOCH: bool>(
    base: usize,
    msb: &mut [u16],
    dw: &[f32],
    inv_d: f32,
    nmax: i32,
    max_index: i32,
    key: Key,
) -> Tally {
    debug_assert!(msb.len() <= SUB);
    // u32 sums are exact: at most SUB = 2^10 cells of at most R_MAX = 2^21 steps each
    let (mut pulses, mut trunc, mut clipped, mut max_n) = (0u32, 0u32, 0u32, 0u32);
    let dw = &dw[..msb.len()];
    let lo0 = base as u32;
    let him = key.hi_mix((base as u64 >> 32) as u32);
    for (j, m) in msb.iter_mut().enumerate() {
        let n = pulse_count_split::<STOCH>(dw[j] * inv_d, key, lo0.wrapping_add(j as u32), him);
        let nc = if n > nmax { nmax } else { n };
        let nc = if nc < -nmax { -nmax } else { nc };
        let na = nc.unsigned_abs();
        trunc += n.unsigned_abs() - na;
        pulses += na;
        max_n = if na > max_n { na } else { max_n };
        let old = *m as i32;
        let new = old + nc;
        let new = if new < 0 { 0 } else { new };
        let new = if new > max_index { max_index } else { new };
        clipped += (nc - (new - old)).unsigned_abs();
        *m = new as u16;
    }
    Tally {
        pulses: pulses as u64,
        truncated: trunc as u64,
        clipped: clipped as u64,
        max_n: max_n as u64,
        ..Default::default()
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub(super) fn ideal_body_avx2<const STOCH: bool>(
    base: usize,
    msb: &mut [u16],
    dw: &[f32],
    inv_d: f32,
    nmax: i32,
    max_index: i32,
    key: Key,
) -> Tally {
    ideal_body::<STOCH>(base, msb, dw, inv_d, nmax, max_index, key)
}

/// Ideal update of one chunk (AVX2 when available; bit-identical either way).
pub fn update_ideal_chunk<const STOCH: bool>(
    base: usize,
    msb: &mut [u16],
    dw: &[f32],
    inv_d: f32,
    nmax: i32,
    max_index: i32,
    key: Key,
) -> Tally {
    let avx2 = has_avx2();
    let mut t = Tally::default();
    for (i, (m, d)) in msb.chunks_mut(SUB).zip(dw.chunks(SUB)).enumerate() {
        let b = base + i * SUB;
        #[cfg(target_arch = "x86_64")]
        let ts = if avx2 {
            // SAFETY: AVX2 availability was checked at run time.
            unsafe { ideal_body_avx2::<STOCH>(b, m, d, inv_d, nmax, max_index, key) }
        } else {
            ideal_body::<STOCH>(b, m, d, inv_d, nmax, max_index, key)
        };
        #[cfg(not(target_arch = "x86_64"))]
        let ts = {
            let _ = avx2;
            ideal_body::<STOCH>(b, m, d, inv_d, nmax, max_index, key)
        };
        t = Tally::merge(t, ts);
    }
    t
}
