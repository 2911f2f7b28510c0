//! CPU feature detection and the vectorized rare-event mask shared by the kernels.

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
