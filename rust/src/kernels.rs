//! Per-chunk kernels of the synapse array (pure functions on slices).
//!
//! The hot loops are branch-free on data (pulse rounding, truncation, step selection): with
//! stochastic rounding the pulse count of a cell is unpredictable, so a branchy loop runs at
//! the speed of branch mispredictions. Rare events (LSB clipping, overflow carries) keep a
//! branch. Variants are monomorphized over const flags (rounding, leak mode, per-cell steps,
//! c2c/soft-saturation) so the common preset runs the shortest loop. Every variant computes
//! the same floating-point operations in the same order for a cell regardless of chunking or
//! thread count.

use crate::device::{Residual, Rounding};
use crate::parallel::CHUNK;
use crate::rng::Key;

/// Largest |dw / D_L| considered (pulse counts beyond are truncated anyway; the truncated
/// pulse counter saturates at this value per cell and update).
pub const R_MAX: f32 = 2_097_152.0; // 2^21 >= n_max: floor via i32, exact r - floor(r) in f32

/// Integer tallies reduced over chunks (order independent).
#[derive(Clone, Copy, Debug, Default)]
pub struct Tally {
    pub pulses: u64,
    pub clipped: u64,
    pub truncated: u64,
    pub writes: u64,
    pub lost: u64,
    pub worn: u64,
    pub overflow: u64,
    pub max_n: u64,
    pub max_writes: u64,
}

impl Tally {
    pub fn merge(a: Tally, b: Tally) -> Tally {
        Tally {
            pulses: a.pulses + b.pulses,
            clipped: a.clipped + b.clipped,
            truncated: a.truncated + b.truncated,
            writes: a.writes + b.writes,
            lost: a.lost + b.lost,
            worn: a.worn + b.worn,
            overflow: a.overflow + b.overflow,
            max_n: a.max_n.max(b.max_n),
            max_writes: a.max_writes.max(b.max_writes),
        }
    }
}

/// floor for |r| < 2^31 without a libm call (baseline x86-64 has no roundss).
#[inline(always)]
pub fn ffloor(r: f32) -> i32 {
    let t = r as i32;
    t - ((r < t as f32) as i32)
}

/// [`ffloor`] for |r| <= R_MAX + 1 (finite): a plain truncating conversion, which vectorizes
/// (`as i32` saturates and maps NaN to 0, which compiles to one scalar conversion per lane).
#[inline(always)]
fn ffloor_small(r: f32) -> i32 {
    // not an assert: must stay branch-free; callers clamp r to [-R_MAX, R_MAX] (+ 0.5)
    let r = if r.abs() <= 4_194_304.0 { r } else { 0.0 };
    // SAFETY: |r| <= 2^22 and finite (NaN fails the comparison), so it fits in i32.
    let t = unsafe { r.to_int_unchecked::<i32>() };
    t - ((r < t as f32) as i32)
}

/// Pulse count of a request of `r` steps: stochastic (floor + Bernoulli(frac), unbiased up
/// to the 2^-24 resolution of the uniform) or nearest (round half up).
#[inline(always)]
pub fn pulse_count<const STOCH: bool>(r: f32, key: Key, g: u64) -> i32 {
    pulse_count_split::<STOCH>(r, key, g as u32, key.hi_mix((g >> 32) as u32))
}

/// [`pulse_count`] with the cell index split as in [`Key::word32_split`].
#[inline(always)]
pub fn pulse_count_split<const STOCH: bool>(r: f32, key: Key, lo: u32, hi_mix: u32) -> i32 {
    // select-based clamp (vectorizes); a NaN would become R_MAX, so r is finite afterwards
    let r = if r < R_MAX { r } else { R_MAX };
    let r = if r > -R_MAX { r } else { -R_MAX };
    if STOCH {
        let f = ffloor_small(r);
        let frac = r - f as f32;
        let u = (key.word32_split(lo, hi_mix) >> 8) as f32 * (1.0 / 16_777_216.0);
        f + ((u < frac) as i32)
    } else {
        ffloor_small(r + 0.5)
    }
}

/// Round half away from zero, f64 (non-hot paths: program, carry).
#[inline]
pub fn round_pulses_f64(r: f64, rounding: Rounding, key: Key, g: u64) -> i64 {
    match rounding {
        Rounding::Nearest => r.round() as i64,
        Rounding::Stochastic => {
            let f = r.floor();
            let frac = r - f;
            f as i64 + ((key.uniform_f32(g) as f64) < frac) as i64
        }
    }
}

/// Round half away from zero without a libm call (|v| < 2^52).
#[inline(always)]
pub fn round_half_away(v: f64) -> i64 {
    let q = (v.abs() + 0.5) as i64;
    if v < 0.0 {
        -q
    } else {
        q
    }
}

/// Constants of the carry (transfer) operation.
#[derive(Clone, Copy)]
pub struct CarryCfg {
    pub n_l: f32,
    pub l_max: f32,
    pub max_index: i64,
    pub read_noise: f64,
    pub adc_q: f64,
    pub prog_sigma_w: f64,
    pub end_lim: u32,
    pub residual: Residual,
    pub key_read: Key,
    pub key_prog: Key,
    /// overflow carries: a carry blocked at an MSB rail with `keep` residual changes nothing
    /// (the charge stays in the LSB) and is neither an event nor a lost carry; a periodic
    /// transfer counts it as lost
    pub overflow: bool,
}

impl CarryCfg {
    /// Carry LSB into MSB for one cell. `x` is the (leaked) LSB in pulse units; `err` the MSB
    /// deviation (static offset `off` + programming error of the last write).
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub fn apply(
        &self,
        g: u64,
        x: &mut f32,
        msb: &mut u16,
        err: &mut f32,
        off: f32,
        writes: &mut u32,
        t: &mut Tally,
    ) {
        if self.read_noise == 0.0 {
            if self.adc_q == 0.0 && x.abs() < 0.5 * self.n_l {
                // exact shortcut: round(x / N_L) == 0 (N_L is a power of two)
                return;
            }
            if self.overflow
                && self.residual == Residual::Keep
                && ((*x > 0.0 && *msb as i64 == self.max_index) || (*x < 0.0 && *msb == 0))
            {
                // exact shortcut: the carry points into the rail the MSB already sits at
                return;
            }
        }
        let mut read = *x as f64;
        if self.read_noise > 0.0 {
            read += self.read_noise * self.key_read.normal32(g) as f64;
        }
        if self.adc_q > 0.0 {
            let l = self.l_max as f64;
            read = ((read / self.adc_q).round() * self.adc_q).clamp(-l, l);
        }
        let c = round_half_away(read / self.n_l as f64);
        if c == 0 || *writes > self.end_lim {
            // nothing to carry, or worn out ("stuck": keeps its level and LSB)
            return;
        }
        let m = *msb as i64;
        let m_new = (m + c).clamp(0, self.max_index);
        let moved = m_new - m;
        let keep = self.residual == Residual::Keep;
        if self.overflow && moved == 0 && keep {
            return;
        }
        if !(self.overflow && keep) {
            t.lost += (c - moved).unsigned_abs();
        }
        if self.overflow {
            t.overflow += 1;
        }
        if moved != 0 {
            *msb = m_new as u16;
            *writes = writes.saturating_add(1);
            t.writes += 1;
            t.max_writes = t.max_writes.max(*writes as u64);
            if *writes > self.end_lim {
                t.worn += 1;
            }
            *err = if self.prog_sigma_w > 0.0 {
                (off as f64 + self.prog_sigma_w * self.key_prog.normal32(g) as f64) as f32
            } else {
                off
            };
        }
        match self.residual {
            Residual::Keep => *x -= moved as f32 * self.n_l,
            Residual::Reset => *x = 0.0,
        }
    }
}

/// Mutable per-chunk view of the hybrid state.
pub struct HybridChunk<'a> {
    pub base: usize,
    pub msb: &'a mut [u16],
    pub lsb: &'a mut [f32],
    pub err: &'a mut [f32],
    pub writes: &'a mut [u32],
}

pub fn hybrid_chunks<'a>(
    msb: &'a mut [u16],
    lsb: &'a mut [f32],
    err: &'a mut [f32],
    writes: &'a mut [u32],
) -> Vec<HybridChunk<'a>> {
    msb.chunks_mut(CHUNK)
        .zip(lsb.chunks_mut(CHUNK))
        .zip(err.chunks_mut(CHUNK))
        .zip(writes.chunks_mut(CHUNK))
        .enumerate()
        .map(|(i, (((msb, lsb), err), writes))| HybridChunk {
            base: i * CHUNK,
            msb,
            lsb,
            err,
            writes,
        })
        .collect()
}

/// Leak mode of a kernel call.
pub const LEAK_NONE: u8 = 0;
/// One decay factor for all cells.
pub const LEAK_UNIFORM: u8 = 1;
/// A decay factor per cell.
pub const LEAK_CELL: u8 = 2;

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
    pub ovf_on: bool,
    pub ovf_thr: f32,
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

/// Pass 1 of the fast path (no c2c, no soft saturation): leak, pulse count, truncation, step.
/// Writes the unclipped LSB; returns (pulses, truncated, max |n|, max |lsb|).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn pass1<const STOCH: bool, const LEAK: u8, const CELL_STEPS: bool, const MODE: u8>(
    base: usize,
    lsb: &mut [f32],
    dw: &[f32],
    up: &[f32],
    down: &[f32],
    decay: &[f32],
    p: &UpdateIn<'_>,
    ns: &mut [i32],
) -> (u64, u64, u32, bool) {
    let n = lsb.len();
    let dw = &dw[..n];
    let (up, down) = if CELL_STEPS {
        (&up[..n], &down[..n])
    } else {
        (&[][..], &[][..])
    };
    let decay = if LEAK == LEAK_CELL {
        &decay[..n]
    } else {
        &[][..]
    };
    debug_assert!(n <= SUB);
    // u32 sums are exact: at most SUB = 2^10 cells of at most R_MAX = 2^21 pulses each
    let (mut pulses, mut trunc, mut max_n, mut flag) = (0u32, 0u32, 0u32, 0u32);
    let nmax = p.nmax;
    let limit = p.limit;
    // sub-blocks never straddle a multiple of 2^32 cells (CHUNK divides 2^32)
    let lo0 = base as u32;
    let him = p.key_r.hi_mix((base as u64 >> 32) as u32);
    let key_c = p.key_c;
    let key_c2 = key_c.derive(1);
    let him_c = key_c.hi_mix((base as u64 >> 32) as u32);
    let him_c2 = key_c2.hi_mix((base as u64 >> 32) as u32);
    let c2c = p.c2c;
    if MODE == MODE_C2C {
        // Loop A: leak and pulse counts (counts kept in `ns`); loop B, only if some cell got
        // pulses: the noisy steps. Per cell the same operations as one fused loop.
        let ns = &mut ns[..n];
        for j in 0..n {
            let mut x = lsb[j];
            if LEAK == LEAK_UNIFORM {
                x *= p.decay0;
            } else if LEAK == LEAK_CELL {
                x *= decay[j];
            }
            let nr = pulse_count_split::<STOCH>(
                dw[j] * p.inv_dl,
                p.key_r,
                lo0.wrapping_add(j as u32),
                him,
            );
            let nc = if nr > nmax { nmax } else { nr };
            let nc = if nc < -nmax { -nmax } else { nc };
            let na = nc.unsigned_abs();
            trunc += nr.unsigned_abs() - na;
            pulses += na;
            max_n = if na > max_n { na } else { max_n };
            lsb[j] = x;
            ns[j] = nc;
        }
        if pulses == 0 {
            for x in lsb.iter() {
                flag |= (x.abs() >= limit) as u32;
            }
        } else {
            for j in 0..n {
                let nc = ns[j];
                let s = if CELL_STEPS {
                    if nc > 0 {
                        up[j]
                    } else {
                        down[j]
                    }
                } else if nc > 0 {
                    p.up0
                } else {
                    p.down0
                };
                // the sum of `na` pulses with iid relative noise c2c is, in distribution,
                // na + c2c * sqrt(na) * xi pulses (never negative); sqrt(na) * xi with one
                // square root
                let ncf = nc.unsigned_abs() as f32;
                let sxi = key_c.normal32_scaled_split(
                    key_c2,
                    lo0.wrapping_add(j as u32),
                    him_c,
                    him_c2,
                    ncf,
                );
                let amt = ncf + c2c * sxi;
                let amt = if amt > 0.0 { amt } else { 0.0 };
                let amt = if nc > 0 { amt } else { -amt };
                let xn = lsb[j] + amt * s;
                lsb[j] = xn;
                flag |= (xn.abs() >= limit) as u32;
            }
        }
        return (pulses as u64, trunc as u64, max_n, flag != 0);
    }
    for j in 0..n {
        let mut x = lsb[j];
        if LEAK == LEAK_UNIFORM {
            x *= p.decay0;
        } else if LEAK == LEAK_CELL {
            x *= decay[j];
        }
        let nr =
            pulse_count_split::<STOCH>(dw[j] * p.inv_dl, p.key_r, lo0.wrapping_add(j as u32), him);
        let nc = if nr > nmax { nmax } else { nr };
        let nc = if nc < -nmax { -nmax } else { nc };
        let na = nc.unsigned_abs();
        trunc += nr.unsigned_abs() - na;
        pulses += na;
        max_n = if na > max_n { na } else { max_n };
        let s = if CELL_STEPS {
            if nc > 0 {
                up[j]
            } else {
                down[j]
            }
        } else if nc > 0 {
            p.up0
        } else {
            p.down0
        };
        let xn = x + nc as f32 * s;
        lsb[j] = xn;
        // integer OR reduction (vectorizes, unlike an f32 max)
        flag |= (xn.abs() >= limit) as u32;
    }
    (pulses as u64, trunc as u64, max_n, flag != 0)
}

/// The same pass with AVX2 enabled (same IEEE operations in the same order: bit-identical).
#[cfg(target_arch = "x86_64")]
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx2")]
fn pass1_avx2<const STOCH: bool, const LEAK: u8, const CELL_STEPS: bool, const MODE: u8>(
    base: usize,
    lsb: &mut [f32],
    dw: &[f32],
    up: &[f32],
    down: &[f32],
    decay: &[f32],
    p: &UpdateIn<'_>,
    ns: &mut [i32],
) -> (u64, u64, u32, bool) {
    pass1::<STOCH, LEAK, CELL_STEPS, MODE>(base, lsb, dw, up, down, decay, p, ns)
}

/// Whether the CPU has AVX2 (checked once).
#[inline]
pub fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use std::sync::OnceLock;
        static AVX2: OnceLock<bool> = OnceLock::new();
        *AVX2.get_or_init(|| std::is_x86_feature_detected!("avx2"))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Pass 1 of the slow path (soft saturation, with or without c2c noise), scalar; clips at
/// +-L_max.
/// Returns (pulses, truncated, max |n|, max |lsb|, clipped).
#[inline(always)]
fn pass1_slow<const STOCH: bool, const LEAK: u8, const CELL_STEPS: bool>(
    base: usize,
    lsb: &mut [f32],
    p: &UpdateIn<'_>,
) -> (u64, u64, u32, bool, u64) {
    let (mut pulses, mut trunc, mut max_n, mut xmax, mut clipped) =
        (0u64, 0u64, 0u32, 0.0f32, 0u64);
    let l_max = p.l_max;
    for (j, xr) in lsb.iter_mut().enumerate() {
        let gi = base + j;
        let g = gi as u64;
        let mut x = *xr;
        if LEAK == LEAK_UNIFORM {
            x *= p.decay0;
        } else if LEAK == LEAK_CELL {
            x *= p.decay[gi];
        }
        let nr = pulse_count::<STOCH>(p.dw[gi] * p.inv_dl, p.key_r, g);
        let nc = nr.clamp(-p.nmax, p.nmax);
        let na = nc.unsigned_abs();
        trunc += (nr.unsigned_abs() - na) as u64;
        pulses += na as u64;
        max_n = max_n.max(na);
        if na != 0 {
            let pos = nc > 0;
            let s = match (CELL_STEPS, pos) {
                (true, true) => p.up[gi],
                (true, false) => p.down[gi],
                (false, true) => p.up0,
                (false, false) => p.down0,
            };
            let ncf = na as f32;
            // the sum of `na` pulses with iid relative noise c2c is, in distribution,
            // na + c2c * sqrt(na) * xi pulses
            let gain = if p.c2c > 0.0 {
                let xi = p.key_c.normal32(g);
                ((ncf + p.c2c * ncf.sqrt() * xi) / ncf).max(0.0)
            } else {
                1.0
            };
            let sgn = if pos { 1.0f32 } else { -1.0f32 };
            if p.soft > 0.0 {
                // per pulse: the step shrinks by (1 - s |x| / L_max) toward the rail
                let st = s * gain;
                for _ in 0..na {
                    let toward = sgn * x >= 0.0;
                    let f = if toward {
                        (1.0 - p.soft * x.abs() / l_max).max(0.0)
                    } else {
                        1.0
                    };
                    x += sgn * st * f;
                }
            } else {
                x += sgn * s * ncf * gain;
            }
            if x.abs() > l_max {
                if s > 0.0 {
                    clipped += (((x.abs() - l_max) / s).round() as u64).min(na as u64);
                }
                x = l_max.copysign(x);
            }
        }
        *xr = x;
        xmax = xmax.max(x.abs());
    }
    (pulses, trunc, max_n, xmax >= p.limit, clipped)
}

/// Bit `k` of the result: `|x[k]| >= limit`, for up to 64 values (vectorizable compare and
/// shift-or; no branch per cell).
#[inline(always)]
pub fn flag_mask(x: &[f32], limit: f32) -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        if x.len() == 64 && has_avx2() {
            // SAFETY: AVX2 availability was checked at run time; x has 64 elements.
            return unsafe { flag_mask64_avx2(x, limit) };
        }
    }
    let mut m = 0u64;
    for (k, v) in x.iter().enumerate().take(64) {
        m |= ((v.abs() >= limit) as u64) << k;
    }
    m
}

/// [`flag_mask`] of exactly 64 values with AVX2 compares and sign-bit masks.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn flag_mask64_avx2(x: &[f32], limit: f32) -> u64 {
    use std::arch::x86_64::*;
    debug_assert_eq!(x.len(), 64);
    let lim = _mm256_set1_ps(limit);
    let abs = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFF_FFFF));
    let mut m = 0u64;
    for k in 0..8 {
        // SAFETY: k * 8 + 8 <= 64 = x.len()
        let v = unsafe { _mm256_loadu_ps(x.as_ptr().add(k * 8)) };
        let ge = _mm256_cmp_ps::<_CMP_GE_OQ>(_mm256_and_ps(v, abs), lim);
        m |= (_mm256_movemask_ps(ge) as u32 as u64) << (k * 8);
    }
    m
}

/// Pass 2: clip at +-L_max (counting the lost pulses) and apply the overflow carry, for the
/// cells with |lsb| >= `limit` (found 64 at a time through a bit mask, so the common cells
/// cost no branch).
#[cold]
#[inline(never)]
fn pass2(
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
    if p.ovf_on && x.abs() >= p.ovf_thr {
        p.carry.apply(
            (base + j) as u64,
            &mut x,
            &mut c.msb[j],
            &mut c.err[j],
            p.off[base + j],
            &mut c.writes[j],
            t,
        );
    }
    c.lsb[j] = x;
}

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
        lo = hi;
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

/// Ideal (quantized) update of one chunk: level index moves by the rounded step count,
/// truncated at n_max and clipped at the rails.
#[inline(always)]
fn ideal_body<const STOCH: bool>(
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
fn ideal_body_avx2<const STOCH: bool>(
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn ffloor_matches_floor(r in -4.0e6f32..4.0e6f32) {
            prop_assert_eq!(ffloor(r), r.floor() as i32);
        }
    }

    fn test_input<'a>(
        dw: &'a [f32],
        up: &'a [f32],
        down: &'a [f32],
        decay: &'a [f32],
    ) -> UpdateIn<'a> {
        let key = Key::new(1, crate::rng::Stream::Round, 2);
        UpdateIn {
            dw,
            up,
            down,
            decay,
            off: decay,
            up0: 1.1,
            down0: 0.9,
            decay0: 0.99,
            inv_dl: 16.0,
            nmax: 5,
            l_max: 16.0,
            c2c: 0.1,
            soft: 0.0,
            ovf_on: true,
            ovf_thr: 8.0,
            limit: 8.0,
            key_r: key,
            key_c: key,
            carry: CarryCfg {
                n_l: 16.0,
                l_max: 16.0,
                max_index: 3,
                read_noise: 0.0,
                adc_q: 0.0,
                prog_sigma_w: 0.0,
                end_lim: u32::MAX,
                residual: Residual::Keep,
                key_read: key,
                key_prog: key,
                overflow: true,
            },
        }
    }

    /// The AVX2 variants compute exactly what the baseline variants compute.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn simd_variants_bit_identical() {
        if !has_avx2() {
            return;
        }
        let n = SUB;
        let k = Key::new(9, crate::rng::Stream::C2c, 0);
        let dw: Vec<f32> = (0..n as u64).map(|g| k.normal(g) as f32 * 0.3).collect();
        let up: Vec<f32> = (0..n as u64)
            .map(|g| 1.0 + 0.1 * k.normal(g + n as u64) as f32)
            .collect();
        let down: Vec<f32> = up.iter().map(|u| 2.0 - u).collect();
        let decay: Vec<f32> = (0..n).map(|i| 1.0 - (i % 7) as f32 * 0.01).collect();
        let p = test_input(&dw, &up, &down, &decay);
        let lsb0: Vec<f32> = (0..n as u64)
            .map(|g| k.normal(g + 7) as f32 * 5.0)
            .collect();
        let base = 1 << 14;
        // Runs pass1 and pass1_avx2 with the given parameters on copies of
        // lsb0 and asserts equal counters and bit-identical, equal results.
        macro_rules! check_pass1 {
            ($($c:tt),+) => {{
                let (mut a, mut b) = (lsb0.clone(), lsb0.clone());
                let ra = pass1::<$($c),+>(base, &mut a, &dw, &up, &down, &decay, &p, &mut [0; SUB]);
                // SAFETY: AVX2 checked above.
                let rb = unsafe {
                    pass1_avx2::<$($c),+>(base, &mut b, &dw, &up, &down, &decay, &p, &mut [0; SUB])
                };
                assert_eq!(ra, rb);
                assert_eq!(
                    a.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                    b.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
                );
                assert_eq!(a, b);
            }};
        }
        check_pass1!(true, LEAK_CELL, true, MODE_C2C);
        check_pass1!(false, LEAK_UNIFORM, false, MODE_FAST);
        let m0: Vec<u16> = (0..n).map(|i| (i % 64) as u16).collect();
        let (mut ma, mut mb) = (m0.clone(), m0);
        let ta = ideal_body::<true>(base, &mut ma, &dw, 40.0, 64, 63, p.key_r);
        // SAFETY: AVX2 checked above.
        let tb = unsafe { ideal_body_avx2::<true>(base, &mut mb, &dw, 40.0, 64, 63, p.key_r) };
        assert_eq!(ma, mb);
        assert_eq!(
            (ta.pulses, ta.clipped, ta.truncated, ta.max_n),
            (tb.pulses, tb.clipped, tb.truncated, tb.max_n)
        );
    }

    #[test]
    fn split_hash_matches_word32() {
        let k = Key::new(4, crate::rng::Stream::Round, 8);
        for g in [0u64, 1, 77, (1 << 32) + 5, u64::MAX] {
            assert_eq!(
                k.word32(g),
                k.word32_split(g as u32, k.hi_mix((g >> 32) as u32))
            );
        }
    }

    #[test]
    fn round_half_away_matches_round() {
        for v in [
            0.0,
            0.49,
            0.5,
            0.51,
            1.5,
            2.5,
            -0.5,
            -0.49,
            -1.5,
            -2.5,
            7.99,
            -1e9 - 0.5,
        ] {
            assert_eq!(round_half_away(v), v.round() as i64, "{v}");
        }
    }

    #[test]
    fn ffloor_edges() {
        for r in [
            0.0f32,
            -0.0,
            0.5,
            -0.5,
            1.0,
            -1.0,
            -1e-30,
            3.999_999_8,
            -R_MAX,
            R_MAX,
        ] {
            assert_eq!(ffloor(r), r.floor() as i32, "{r}");
        }
    }
}
