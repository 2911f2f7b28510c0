//! The generic LSB kernel: any response model ([`Curve`]) with NeuroSim-style cycle-to-cycle
//! noise. Loop A (leak, pulse count; branch-free, AVX2 when available) is the linear kernels'
//! own; the curve math (f64, libm) and the c2c draw are spent only on cells that got pulses,
//! visited 64 at a time through a bit mask (training updates give most cells 0 pulses).
//!
//! Per cell with `n != 0` pulses: `x' = curve(x, |n|)` (exact for any n), pulses beyond an end
//! counted as clipped, then `x' += lsb_c2c_rel * sqrt(|n|) * xi` in units of the LSB range (the
//! Gaussian sum of |n| per-pulse draws of sigma `lsb_c2c_rel * range`, MLP+NeuroSim V3.0's
//! convention; xi drawn per update and cell), clipped to the range.

use super::super::counters::Tally;
use super::super::leak::{LEAK_CELL, LEAK_NONE, LEAK_UNIFORM};
use super::chunk::{run_chunk, HybridChunk};
use super::linear::leak_and_count;
use super::{UpdateIn, SUB};
use crate::array::simd::has_avx2;
use crate::device::response::Curve;
use crate::rng::Key;

/// Loop A with AVX2 enabled (same IEEE operations: bit-identical to the baseline).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn leak_and_count_avx2<const STOCH: bool, const LEAK: u8>(
    base: usize,
    lsb: &mut [f32],
    dw: &[f32],
    decay: &[f32],
    p: &UpdateIn<'_>,
    ns: &mut [i32],
) -> (u32, u32, u32, bool) {
    leak_and_count::<STOCH, LEAK>(base, lsb, dw, decay, p, ns)
}

/// Bit `k`: `ns[k] != 0`, for up to 64 counts (AVX2 compares and masks for a full 64; a
/// scalar shift-or loop over the counts cost more than the rest of a training update).
#[inline(always)]
pub(super) fn pulsed_mask(ns: &[i32], avx2: bool) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if avx2 && ns.len() == 64 {
        // SAFETY: AVX2 availability was checked at run time; ns has 64 elements.
        return unsafe { pulsed_mask64_avx2(ns) };
    }
    let _ = avx2;
    let mut m = 0u64;
    for (k, &v) in ns.iter().enumerate().take(64) {
        m |= ((v != 0) as u64) << k;
    }
    m
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn pulsed_mask64_avx2(ns: &[i32]) -> u64 {
    use std::arch::x86_64::*;
    debug_assert_eq!(ns.len(), 64);
    let zero = _mm256_setzero_si256();
    let mut m = 0u64;
    for k in 0..8 {
        // SAFETY: k * 8 + 8 <= 64 = ns.len()
        let v = unsafe { _mm256_loadu_si256(ns.as_ptr().add(k * 8) as *const __m256i) };
        let zero_lanes = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(v, zero)));
        m |= ((!zero_lanes as u32 & 0xFF) as u64) << (k * 8);
    }
    m
}

/// The cells of a sub-block that got pulses, compacted: local index and `|n|` (as f32).
struct Pulsed {
    idx: [u32; SUB],
    n: [f32; SUB],
    xi: [f32; SUB],
    len: usize,
}

impl Pulsed {
    fn new() -> Self {
        Pulsed {
            idx: [0; SUB],
            n: [0.0; SUB],
            xi: [0.0; SUB],
            len: 0,
        }
    }

    /// Collect the cells with `ns[j] != 0`, in index order, 64 at a time through a bit mask.
    #[inline(always)]
    fn collect(&mut self, ns: &[i32], avx2: bool) {
        let mut k = 0;
        let mut g0 = 0;
        while g0 < ns.len() {
            let g1 = (g0 + 64).min(ns.len());
            let mut mask = pulsed_mask(&ns[g0..g1], avx2);
            while mask != 0 {
                let j = g0 + mask.trailing_zeros() as usize;
                mask &= mask - 1;
                self.idx[k] = j as u32;
                self.n[k] = ns[j].unsigned_abs() as f32;
                k += 1;
            }
            g0 = g1;
        }
        self.len = k;
    }
}

/// `sqrt(|n|) * xi` for the collected cells (xi the cell's standard normal of this update,
/// stream C2c, a pure function of its index: the value drawing every cell would give), in a
/// branch-free loop over the compact list (vectorizes: polynomial Box-Muller).
#[inline(always)]
fn fill_noise(q: &mut Pulsed, p: &UpdateIn<'_>, key_c2: Key, base: usize) {
    let lo0 = base as u32;
    let hi = (base as u64 >> 32) as u32;
    let (him, him2) = (p.key_c.hi_mix(hi), key_c2.hi_mix(hi));
    let n = q.len;
    let (idx, ns, xi) = (&q.idx[..n], &q.n[..n], &mut q.xi[..n]);
    for k in 0..n {
        let lo = lo0.wrapping_add(idx[k]);
        xi[k] = p.key_c.normal32_scaled_split(key_c2, lo, him, him2, ns[k]);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn fill_noise_avx2(q: &mut Pulsed, p: &UpdateIn<'_>, key_c2: Key, base: usize) {
    fill_noise(q, p, key_c2, base)
}

/// Largest `max_pulses_per_update` for which the n-pulse factors are tabulated per update.
const TRAIN_TABLE_MAX: usize = 4096;

/// Per-update constants of a curve, built once and shared by every chunk (a table per chunk
/// cost 2 (n_max + 1) `exp` per 16,384 cells, ~5 % of a training update): the nominal shapes
/// and, with uniform steps and shapes, the n-pulse factor of every `n <= n_max` per direction.
pub struct Prepared<'a, M: Curve> {
    m: &'a M,
    up: M::Shape,
    down: M::Shape,
    /// `[up(0..=n_max), down(0..=n_max)]`, empty when steps or shapes vary per cell
    train: Vec<f64>,
    nmax: usize,
    inv_range: f64,
    key_c2: Key,
}

impl<'a, M: Curve> Prepared<'a, M> {
    /// `uniform`: every cell has the nominal steps and shapes (the table applies).
    pub fn new(m: &'a M, p: &UpdateIn<'_>, uniform: bool) -> Self {
        let up = m.shape(true, p.a_up0);
        let down = m.shape(false, p.a_down0);
        let nmax = p.nmax as usize;
        let inv_range = 0.5 / p.l_max as f64;
        let mut train = Vec::new();
        if uniform && nmax <= TRAIN_TABLE_MAX {
            let (su, sd) = (p.up0 as f64 * inv_range, p.down0 as f64 * inv_range);
            train.extend((0..=nmax as u32).map(|n| m.train(n, true, su, &up)));
            train.extend((0..=nmax as u32).map(|n| m.train(n, false, sd, &down)));
        }
        Prepared {
            m,
            up,
            down,
            train,
            nmax,
            inv_range,
            key_c2: p.key_c.derive(1),
        }
    }
}

/// New LSB (pulse units) of cell `g` after `nc != 0` pulses from `x`.
#[inline(always)]
fn move_cell<M: Curve, const CELL_STEPS: bool>(
    k: &Prepared<'_, M>,
    p: &UpdateIn<'_>,
    g: usize,
    x: f32,
    nc: i32,
    sqrt_n_xi: f32,
    t: &mut Tally,
) -> f32 {
    let up = nc > 0;
    let na = nc.unsigned_abs();
    let s = match (CELL_STEPS, up) {
        (true, true) => p.up[g],
        (true, false) => p.down[g],
        (false, true) => p.up0,
        (false, false) => p.down0,
    } as f64;
    let m = k.m;
    let step = s * k.inv_range;
    let shape = match (up, p.shape_up.is_empty()) {
        (true, true) => k.up,
        (false, true) => k.down,
        (true, false) => m.shape(true, p.shape_up[g] as f64),
        (false, false) => m.shape(false, p.shape_down[g] as f64),
    };
    let train = if k.train.is_empty() {
        m.train(na, up, step, &shape)
    } else {
        k.train[na as usize + if up { 0 } else { k.nmax + 1 }]
    };
    let l = p.l_max as f64;
    let (mut xn, excess) = m.apply((x as f64 + l) * k.inv_range, na, up, step, &shape, train);
    if excess > 0.0 && step > 0.0 {
        t.clipped += ((excess / step).round() as u64).min(na as u64);
    }
    if p.c2c_range > 0.0 {
        xn = (xn + p.c2c_range * sqrt_n_xi as f64).clamp(0.0, 1.0);
    }
    (((2.0 * xn - 1.0) * l) as f32).clamp(-p.l_max, p.l_max)
}

/// Hybrid update of one chunk with the response curve `m`.
#[inline(always)]
pub fn curve_chunk<M: Curve, const STOCH: bool, const LEAK: u8, const CELL_STEPS: bool>(
    c: HybridChunk<'_>,
    out: Option<&mut [f32]>,
    p: &UpdateIn<'_>,
    k: &Prepared<'_, M>,
) -> Tally {
    let avx2 = has_avx2();
    let mut ns = [0i32; SUB];
    let mut q = Pulsed::new();
    run_chunk(c, out, p, CELL_STEPS, |c, lo, hi, t| {
        let b = c.base + lo;
        let lsb = &mut c.lsb[lo..hi];
        let dw = &p.dw[b..c.base + hi];
        let decay = if LEAK == LEAK_CELL {
            &p.decay[b..c.base + hi]
        } else {
            &[][..]
        };
        #[cfg(target_arch = "x86_64")]
        let (pulses, trunc, max_n, mut flag) = if avx2 {
            // SAFETY: AVX2 availability was checked at run time.
            unsafe { leak_and_count_avx2::<STOCH, LEAK>(b, lsb, dw, decay, p, &mut ns) }
        } else {
            leak_and_count::<STOCH, LEAK>(b, lsb, dw, decay, p, &mut ns)
        };
        #[cfg(not(target_arch = "x86_64"))]
        let (pulses, trunc, max_n, mut flag) =
            leak_and_count::<STOCH, LEAK>(b, lsb, dw, decay, p, &mut ns);
        t.pulses += pulses as u64;
        t.truncated += trunc as u64;
        t.max_n = t.max_n.max(max_n as u64);
        if pulses > 0 {
            q.collect(&ns[..hi - lo], avx2);
            if p.c2c_range > 0.0 {
                #[cfg(target_arch = "x86_64")]
                if avx2 {
                    // SAFETY: AVX2 availability was checked at run time.
                    unsafe { fill_noise_avx2(&mut q, p, k.key_c2, b) };
                } else {
                    fill_noise(&mut q, p, k.key_c2, b);
                }
                #[cfg(not(target_arch = "x86_64"))]
                fill_noise(&mut q, p, k.key_c2, b);
            }
            for i in 0..q.len {
                let j = q.idx[i] as usize;
                let x = move_cell::<M, CELL_STEPS>(k, p, b + j, lsb[j], ns[j], q.xi[i], t);
                lsb[j] = x;
                // leaked values were flagged in loop A; a moved cell by its new value
                flag |= x.abs() >= p.limit;
            }
        }
        flag
    })
}

/// Dispatch to the monomorphized variant of curve `m`.
pub fn curve_dispatch<M: Curve>(
    c: HybridChunk<'_>,
    out: Option<&mut [f32]>,
    p: &UpdateIn<'_>,
    k: &Prepared<'_, M>,
    stoch: bool,
    leak: u8,
    cell_steps: bool,
) -> Tally {
    macro_rules! go {
        ($s:literal, $c:literal) => {
            match leak {
                LEAK_UNIFORM => curve_chunk::<M, $s, LEAK_UNIFORM, $c>(c, out, p, k),
                LEAK_CELL => curve_chunk::<M, $s, LEAK_CELL, $c>(c, out, p, k),
                _ => curve_chunk::<M, $s, LEAK_NONE, $c>(c, out, p, k),
            }
        };
    }
    match (stoch, cell_steps) {
        (true, false) => go!(true, false),
        (true, true) => go!(true, true),
        (false, false) => go!(false, false),
        (false, true) => go!(false, true),
    }
}
