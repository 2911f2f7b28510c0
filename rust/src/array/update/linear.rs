//! The linear response model's kernels (first release): pass 1 of the fast (vectorized) and
//! c2c paths, and the scalar soft-saturation path.

use super::super::leak::{LEAK_CELL, LEAK_UNIFORM};
use super::super::pulses::{pulse_count, pulse_count_split};
use super::{UpdateIn, MODE_C2C, SUB};

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
