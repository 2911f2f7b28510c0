//! The linear response model's kernels (first release): pass 1 of the fast (vectorized) and
//! c2c paths, the scalar soft-saturation path, and their chunk driver and dispatch. The
//! branch-free pulse counting (leak, rounding, truncation) is shared with the generic curve
//! kernel (`leak_and_count`).

use super::super::counters::Tally;
use super::super::leak::{LEAK_CELL, LEAK_NONE, LEAK_UNIFORM};
use super::super::pulses::{pulse_count, pulse_count_split};
use super::super::simd::has_avx2;
use super::chunk::{run_chunk, HybridChunk};
use super::{UpdateIn, MODE_C2C, MODE_FAST, MODE_SLOW, SUB};

/// One cell of loop A: the leaked LSB, the truncated pulse count and |untruncated count|
/// (branch-free; inlined into the vectorized loops).
#[inline(always)]
fn leak_count_cell<const STOCH: bool, const LEAK: u8>(
    x: f32,
    dw: f32,
    decay: f32,
    p: &UpdateIn<'_>,
    lo: u32,
    him: u32,
) -> (f32, i32, u32) {
    let x = if LEAK == LEAK_UNIFORM {
        x * p.decay0
    } else if LEAK == LEAK_CELL {
        x * decay
    } else {
        x
    };
    let nr = pulse_count_split::<STOCH>(dw * p.inv_dl, p.key_r, lo, him);
    let nmax = p.nmax;
    let nc = if nr > nmax { nmax } else { nr };
    let nc = if nc < -nmax { -nmax } else { nc };
    (x, nc, nr.unsigned_abs())
}

/// Loop A of the c2c and curve kernels: leak, pulse count and truncation of a sub-block
/// (branch-free, vectorizes); the counts go to `ns`. Returns (pulses, truncated, max |n|,
/// whether a leaked LSB has |lsb| >= `p.limit`: with no pulses, whether pass 2 is needed).
#[inline(always)]
pub(super) fn leak_and_count<const STOCH: bool, const LEAK: u8>(
    base: usize,
    lsb: &mut [f32],
    dw: &[f32],
    decay: &[f32],
    p: &UpdateIn<'_>,
    ns: &mut [i32],
) -> (u32, u32, u32, bool) {
    let n = lsb.len();
    let (dw, ns) = (&dw[..n], &mut ns[..n]);
    let decay = if LEAK == LEAK_CELL {
        &decay[..n]
    } else {
        &[][..]
    };
    debug_assert!(n <= SUB);
    // u32 sums are exact: at most SUB = 2^10 cells of at most R_MAX = 2^21 pulses each
    let (mut pulses, mut trunc, mut max_n, mut flag) = (0u32, 0u32, 0u32, 0u32);
    let limit = p.limit;
    // sub-blocks never straddle a multiple of 2^32 cells (CHUNK divides 2^32)
    let lo0 = base as u32;
    let him = p.key_r.hi_mix((base as u64 >> 32) as u32);
    for j in 0..n {
        let dc = if LEAK == LEAK_CELL { decay[j] } else { 1.0 };
        let (x, nc, nr_abs) =
            leak_count_cell::<STOCH, LEAK>(lsb[j], dw[j], dc, p, lo0.wrapping_add(j as u32), him);
        let na = nc.unsigned_abs();
        trunc += nr_abs - na;
        pulses += na;
        max_n = if na > max_n { na } else { max_n };
        if LEAK != LEAK_NONE {
            // without a pending leak the value is unchanged: no store (a dirty cache line is
            // written back to memory: 4 of the 12 bytes per cell of a leak-free update)
            lsb[j] = x;
        }
        ns[j] = nc;
        // integer OR reduction (vectorizes, unlike an f32 max)
        flag |= (x.abs() >= limit) as u32;
    }
    (pulses, trunc, max_n, flag != 0)
}

/// Pass 1 of the fast path (no c2c, no soft saturation): leak, pulse count, truncation, step.
/// Writes the unclipped LSB; returns (pulses, truncated, max |n|, max |lsb|).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(super) fn pass1<const STOCH: bool, const LEAK: u8, const CELL_STEPS: bool, const MODE: u8>(
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
        let leaked_flag;
        (pulses, trunc, max_n, leaked_flag) =
            leak_and_count::<STOCH, LEAK>(base, lsb, dw, decay, p, ns);
        if pulses == 0 {
            flag = leaked_flag as u32;
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
        let dc = if LEAK == LEAK_CELL { decay[j] } else { 1.0 };
        let (x, nc, nr_abs) =
            leak_count_cell::<STOCH, LEAK>(lsb[j], dw[j], dc, p, lo0.wrapping_add(j as u32), him);
        let na = nc.unsigned_abs();
        trunc += nr_abs - na;
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
pub(super) fn pass1_avx2<
    const STOCH: bool,
    const LEAK: u8,
    const CELL_STEPS: bool,
    const MODE: u8,
>(
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

/// Pass 1 of the slow path (soft saturation, with or without c2c noise), scalar; clips at
/// +-L_max.
/// Returns (pulses, truncated, max |n|, max |lsb|, clipped).
#[inline(always)]
pub(super) fn pass1_slow<const STOCH: bool, const LEAK: u8, const CELL_STEPS: bool>(
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

/// Hybrid update of one chunk. `CELL_STEPS`: per-cell up/down step sizes (else `up0/down0`);
/// `MODE`: [`MODE_FAST`], [`MODE_C2C`] or [`MODE_SLOW`].
#[inline(always)]
pub fn update_hybrid_chunk<
    const STOCH: bool,
    const LEAK: u8,
    const CELL_STEPS: bool,
    const MODE: u8,
>(
    c: HybridChunk<'_>,
    out: Option<&mut [f32]>,
    p: &UpdateIn<'_>,
) -> Tally {
    let avx2 = has_avx2();
    // pulse counts of a sub-block between the two loops of the c2c variant
    let mut ns_buf = [0i32; SUB];
    run_chunk(c, out, p, CELL_STEPS, |c, lo, hi, t| {
        let base = c.base;
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
        xmax
    })
}

/// Dispatch to the monomorphized variant.
pub fn update_hybrid_dispatch(
    c: HybridChunk<'_>,
    out: Option<&mut [f32]>,
    p: &UpdateIn<'_>,
    stoch: bool,
    leak: u8,
    cell_steps: bool,
    mode: u8,
) -> Tally {
    macro_rules! go {
        ($s:literal, $l:expr, $c:literal, $w:expr) => {
            update_hybrid_chunk::<$s, { $l }, $c, { $w }>(c, out, p)
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
