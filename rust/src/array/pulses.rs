//! Pulse-count arithmetic shared by the hot loops: branch-free floor, stochastic / nearest
//! rounding of a request to whole pulses, and rounding helpers of the non-hot paths.

use crate::device::Rounding;
use crate::rng::Key;

/// Largest |dw / D_L| considered (pulse counts beyond are truncated anyway; the truncated
/// pulse counter saturates at this value per cell and update).
pub const R_MAX: f32 = 2_097_152.0; // 2^21 >= n_max: floor via i32, exact r - floor(r) in f32

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

/// Round half toward zero (|v| < 2^52): the periodic carry's tie rule.
#[inline]
pub fn round_half_toward_zero(v: f64) -> i64 {
    let q = (v.abs() - 0.5).ceil().max(0.0) as i64;
    if v < 0.0 {
        -q
    } else {
        q
    }
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

    #[test]
    fn round_half_toward_zero_ties() {
        for (v, want) in [
            (0.0, 0),
            (0.5, 0),
            (-0.5, 0),
            (0.500_001, 1),
            (-0.500_001, -1),
            (1.5, 1),
            (-1.5, -1),
            (1.51, 2),
            (2.49, 2),
            (0.49, 0),
        ] {
            assert_eq!(round_half_toward_zero(v), want, "{v}");
        }
    }
}
