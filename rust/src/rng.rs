//! Counter-based random streams.
//!
//! Every random number in femsyn is a pure function of `(seed, stream, step, cell)`:
//! no generator state is carried from cell to cell, so a kernel gives bit-identical results
//! for any thread count and any chunking, and a checkpoint only needs the step counters.
//!
//! Construction: a [`Key`] hashes `(seed, stream, step)` once per kernel call with three
//! rounds of the SplitMix64 finalizer (`fmix64`, Steele et al. 2014). The value for one cell is
//! `fmix64(key + (cell + 1) * GAMMA)`, i.e. the `cell`-th output of a SplitMix64 sequence whose
//! starting point is the (well mixed) key. `fmix64` is a bijection of `u64`, so distinct
//! `(key, cell)` pairs give distinct words unless `key + cell * GAMMA` collides.
//! Uniforms take the top 24 bits (f32) or 53 bits (f64); normals use Box-Muller on the two
//! 32-bit halves of one word (tails reach about 6.6 sigma). The hot stochastic-rounding loop
//! uses [`Key::word32`], two keyed rounds of the 32-bit MurmurHash3 finalizer, because 32-bit
//! multiplies vectorize.
//! Per-pulse (c2c) and carry noise use [`Key::normal32`]: Box-Muller on two such 32-bit words
//! with polynomial ln/cos ([`box_muller32`]), so the kernel loops vectorize (AVX2) and give the
//! same bits scalar or vectorized.

/// Odd constant of SplitMix64 (golden ratio).
pub const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64 / MurmurHash3 64-bit finalizer.
#[inline(always)]
pub fn fmix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// MurmurHash3 32-bit finalizer.
#[inline(always)]
pub fn fmix32(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85EB_CA6B);
    h ^= h >> 13;
    h = h.wrapping_mul(0xC2B2_AE35);
    h ^ (h >> 16)
}

/// Identifiers of the independent random streams (one per use).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Stream {
    /// static per-cell LSB up-step scale (device-to-device)
    D2dStepUp = 1,
    /// static per-cell LSB down-step scale
    D2dStepDown = 2,
    /// static per-cell leak time constant (lognormal)
    D2dTau = 3,
    /// static per-cell MSB level offset
    D2dMsb = 4,
    /// stochastic rounding of the pulse count, per update
    Round = 5,
    /// cycle-to-cycle pulse noise, per update
    C2c = 6,
    /// MSB programming error of a periodic transfer, per transfer event
    TransferProg = 7,
    /// LSB read noise of a periodic transfer
    TransferRead = 8,
    /// MSB programming error of an overflow carry, per update
    OverflowProg = 9,
    /// LSB read noise of an overflow carry, per update
    OverflowRead = 10,
    /// MSB read noise, per inference readout
    MsbRead = 11,
    /// rounding of the LSB residual at `program()`
    ProgramRound = 12,
    /// MSB programming error at `program()`
    ProgramErr = 13,
    /// static per-cell nonlinearity `a` of the potentiation curve (exp model)
    D2dShapeUp = 14,
    /// static per-cell nonlinearity `a` of the depression curve (exp model)
    D2dShapeDown = 15,
    /// static activation fields of the FE domains (msb_model 'domains'), per cell and domain
    D2dDomain = 16,
    /// static per-cell retention spread and per-domain back-switching draws (inference)
    D2dRetention = 17,
    /// draws of the device-characterization helpers (switching curves), never of a training run
    Characterize = 18,
}

/// A hashed `(seed, stream, step)` triple; per-cell values derive from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key(u64);

impl Key {
    #[inline]
    pub fn new(seed: u64, stream: Stream, step: u64) -> Key {
        let a = fmix64(seed ^ 0x6A09_E667_F3BC_C908);
        let b = fmix64(a ^ (stream as u64).wrapping_mul(0xD1B5_4A32_D192_ED03));
        Key(fmix64(b ^ step.wrapping_mul(0x8CB9_2BA7_2F3D_8DD7)))
    }

    /// The random 64-bit word of `cell`.
    #[inline(always)]
    pub fn word(self, cell: u64) -> u64 {
        fmix64(
            self.0
                .wrapping_add(cell.wrapping_add(1).wrapping_mul(GAMMA)),
        )
    }

    /// Uniform in [0, 1) with 24 random bits (exactly representable in f32).
    #[inline(always)]
    pub fn uniform_f32(self, cell: u64) -> f32 {
        (self.word(cell) >> 40) as f32 * (1.0 / 16_777_216.0)
    }

    /// Uniform in [0, 1) with 53 random bits.
    #[inline(always)]
    pub fn uniform_f64(self, cell: u64) -> f64 {
        (self.word(cell) >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Fast 32-bit word of `cell` for the hot loops (stochastic rounding): two rounds of the
    /// MurmurHash3 32-bit finalizer keyed by both halves of the key. 32-bit multiplies
    /// vectorize (SSE2/AVX2), unlike 64-bit ones.
    #[inline(always)]
    pub fn word32(self, cell: u64) -> u32 {
        self.word32_split(cell as u32, self.hi_mix((cell >> 32) as u32))
    }

    /// Second-round key of [`Key::word32`] for cells whose index has high half `hi`.
    #[inline(always)]
    pub fn hi_mix(self, hi: u32) -> u32 {
        ((self.0 >> 32) as u32) ^ hi.wrapping_mul(0x7FEB_352D)
    }

    /// [`Key::word32`] of the cell with low half `lo`, given `hi_mix` of its high half: keeps
    /// the vectorized lanes 32-bit.
    #[inline(always)]
    pub fn word32_split(self, lo: u32, hi_mix: u32) -> u32 {
        let a = fmix32(lo.wrapping_mul(0x9E37_79B9) ^ self.0 as u32);
        fmix32(a ^ hi_mix)
    }

    /// Uniform in [0, 1) with 24 random bits from [`Key::word32`].
    #[inline(always)]
    pub fn uniform24(self, cell: u64) -> f32 {
        (self.word32(cell) >> 8) as f32 * (1.0 / 16_777_216.0)
    }

    /// Standard normal in f32 (Box-Muller on two 24-bit uniforms; tails reach about 5.8
    /// sigma). About twice as fast as [`Key::normal`]; used for per-pulse (c2c) noise.
    #[inline(always)]
    pub fn normal_f32(self, cell: u64) -> f32 {
        let w = self.word(cell);
        let u1 = ((w >> 40) as f32 + 1.0) * (1.0 / 16_777_216.0);
        let u2 = (w & 0xFF_FFFF) as f32 * (1.0 / 16_777_216.0);
        (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
    }

    /// A second, independent key derived from this one (for a second word per cell).
    #[inline(always)]
    pub fn derive(self, salt: u64) -> Key {
        Key(fmix64(self.0 ^ salt.wrapping_mul(0xA076_1D64_78BD_642F)))
    }

    /// Standard normal in f32 for the vectorized hot loops (per-pulse c2c noise), from two
    /// [`Key::word32`] words: one of this key and one of `alt = self.derive(1)`; `hi`/`hi_alt`
    /// are [`Key::hi_mix`] of the cell's high index half under each key. See [`box_muller32`].
    #[inline(always)]
    pub fn normal32_split(self, alt: Key, lo: u32, hi: u32, hi_alt: u32) -> f32 {
        box_muller32(self.word32_split(lo, hi), alt.word32_split(lo, hi_alt))
    }

    /// `sqrt(scale) * normal32_split(..)` with one square root.
    #[inline(always)]
    pub fn normal32_scaled_split(self, alt: Key, lo: u32, hi: u32, hi_alt: u32, scale: f32) -> f32 {
        box_muller32_scaled(
            self.word32_split(lo, hi),
            alt.word32_split(lo, hi_alt),
            scale,
        )
    }

    /// [`Key::normal32_split`] of cell `cell`.
    #[inline]
    pub fn normal32(self, cell: u64) -> f32 {
        let alt = self.derive(1);
        let h = (cell >> 32) as u32;
        self.normal32_split(alt, cell as u32, self.hi_mix(h), alt.hi_mix(h))
    }

    /// Standard normal (Box-Muller, cosine branch).
    #[inline(always)]
    pub fn normal(self, cell: u64) -> f64 {
        normal_from_word(self.word(cell))
    }
}

/// Standard normal from one 64-bit word (Box-Muller on its two 32-bit halves).
#[inline(always)]
pub fn normal_from_word(w: u64) -> f64 {
    // u1 in (0, 1]: never 0, so ln is finite.
    let u1 = ((w >> 32) as f64 + 1.0) * (1.0 / 4_294_967_296.0);
    let u2 = (w & 0xFFFF_FFFF) as f64 * (1.0 / 4_294_967_296.0);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// ln(x) for x in (0, 1] (normal f32 numbers), branch-free and libm-free so it vectorizes:
/// exponent/mantissa split and the Cephes `logf` polynomial (max error about 1e-7 relative).
#[inline(always)]
pub fn ln_f32(x: f32) -> f32 {
    let bits = x.to_bits();
    let mut e = ((bits >> 23) as i32 - 127) as f32;
    // mantissa in [1, 2), then folded into [sqrt(1/2), sqrt(2))
    let m = f32::from_bits((bits & 0x007F_FFFF) | 0x3F80_0000);
    let big = m > std::f32::consts::SQRT_2;
    let m = if big { m * 0.5 } else { m };
    e += if big { 1.0 } else { 0.0 };
    let f = m - 1.0;
    let z = f * f;
    let mut y = 7.037_683_6e-2f32;
    y = y * f - 1.151_461e-1;
    y = y * f + 1.167_699_9e-1;
    y = y * f - 1.242_014_1e-1;
    y = y * f + 1.424_932_3e-1;
    y = y * f - 1.666_805_8e-1;
    y = y * f + 2.000_071_4e-1;
    y = y * f - 2.499_999_4e-1;
    y = y * f + 3.333_333e-1;
    y = y * f * z;
    y += e * -2.121_944_4e-4;
    y -= 0.5 * z;
    f + y + e * 0.693_359_4
}

/// cos(theta) for theta in [0, pi/2]: Taylor series to theta^12 (truncation < 1e-8).
#[inline(always)]
pub fn cos_quadrant(theta: f32) -> f32 {
    let z = theta * theta;
    let mut y = 1.0f32 / 479_001_600.0;
    y = y * z - 1.0 / 3_628_800.0;
    y = y * z + 1.0 / 40_320.0;
    y = y * z - 1.0 / 720.0;
    y = y * z + 1.0 / 24.0;
    y = y * z - 0.5;
    y * z + 1.0
}

/// Standard normal from two random 32-bit words, Box-Muller with vectorizable arithmetic:
/// radius sqrt(-2 ln u1), u1 = (24 bits of `a` + 1) / 2^24 in (0, 1] (tails reach 5.8 sigma,
/// as [`Key::normal_f32`]); angle: cos(2 pi u2) for u2 uniform has the distribution of
/// +-cos(pi/2 * v) with v uniform in [0, 1) and an independent sign, so `b` gives the sign
/// (top bit) and v (next 24 bits). ln and cos are polynomials ([`ln_f32`], [`cos_quadrant`],
/// about 1e-7 relative error), so the result is Box-Muller on 24-bit uniforms up to f32
/// rounding: mean 0, std 1, normal tails to 5.8 sigma.
#[inline(always)]
pub fn box_muller32(a: u32, b: u32) -> f32 {
    box_muller32_scaled(a, b, 1.0)
}

/// `sqrt(scale) * box_muller32(a, b)` for `scale >= 0` with one square root (the c2c kernel
/// needs sqrt(n) * xi).
#[inline(always)]
pub fn box_muller32_scaled(a: u32, b: u32, scale: f32) -> f32 {
    let u1 = ((a >> 8) + 1) as f32 * (1.0 / 16_777_216.0);
    let v = ((b >> 7) & 0x00FF_FFFF) as f32 * (1.0 / 16_777_216.0);
    let r = (-2.0 * scale * ln_f32(u1)).sqrt();
    let c = r * cos_quadrant(std::f32::consts::FRAC_PI_2 * v);
    f32::from_bits(c.to_bits() ^ (b & 0x8000_0000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_moments() {
        let k = Key::new(7, Stream::Round, 3);
        let n = 200_000u64;
        let (mut s, mut s2) = (0.0f64, 0.0f64);
        for i in 0..n {
            let u = k.uniform_f32(i) as f64;
            assert!((0.0..1.0).contains(&u));
            s += u;
            s2 += u * u;
        }
        let m = s / n as f64;
        let v = s2 / n as f64 - m * m;
        assert!((m - 0.5).abs() < 0.005, "mean {m}");
        assert!((v - 1.0 / 12.0).abs() < 0.003, "var {v}");
    }

    #[test]
    fn normal_moments() {
        let k = Key::new(1, Stream::C2c, 0);
        let n = 200_000u64;
        let (mut s, mut s2) = (0.0f64, 0.0f64);
        for i in 0..n {
            let x = k.normal(i);
            assert!(x.is_finite());
            s += x;
            s2 += x * x;
        }
        let m = s / n as f64;
        let v = s2 / n as f64 - m * m;
        assert!(m.abs() < 0.01, "mean {m}");
        assert!((v - 1.0).abs() < 0.02, "var {v}");
    }

    #[test]
    fn uniform24_moments_and_neighbours() {
        let k = Key::new(3, Stream::Round, 17);
        let n = 200_000u64;
        let (mut s, mut s2, mut sxy) = (0.0f64, 0.0f64, 0.0f64);
        let mut prev = k.uniform24(0) as f64 - 0.5;
        for i in 1..n {
            let u = k.uniform24(i) as f64;
            assert!((0.0..1.0).contains(&u));
            s += u;
            s2 += u * u;
            sxy += (u - 0.5) * prev;
            prev = u - 0.5;
        }
        let m = s / n as f64;
        assert!((m - 0.5).abs() < 0.005, "mean {m}");
        assert!((s2 / n as f64 - m * m - 1.0 / 12.0).abs() < 0.003);
        assert!((sxy / n as f64).abs() < 0.002, "lag-1 covariance");
        // different steps give different sequences
        let k2 = Key::new(3, Stream::Round, 18);
        let same = (0..1000u64)
            .filter(|&i| k.word32(i) == k2.word32(i))
            .count();
        assert!(same < 3);
    }

    #[test]
    fn normal_f32_moments() {
        let k = Key::new(5, Stream::C2c, 2);
        let n = 200_000u64;
        let (mut s, mut s2) = (0.0f64, 0.0f64);
        for i in 0..n {
            let x = k.normal_f32(i) as f64;
            assert!(x.is_finite());
            s += x;
            s2 += x * x;
        }
        let m = s / n as f64;
        assert!(m.abs() < 0.01, "mean {m}");
        assert!((s2 / n as f64 - m * m - 1.0).abs() < 0.02);
    }

    #[test]
    fn keys_differ() {
        let a = Key::new(0, Stream::Round, 0);
        let b = Key::new(0, Stream::Round, 1);
        let c = Key::new(0, Stream::C2c, 0);
        let d = Key::new(1, Stream::Round, 0);
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        assert_eq!(a.word(5), Key::new(0, Stream::Round, 0).word(5));
    }

    #[test]
    fn ln_and_cos_polynomials() {
        let mut worst = 0.0f64;
        for i in 1..=100_000u32 {
            let x = i as f32 / 100_000.0;
            let want = (x as f64).ln();
            let got = ln_f32(x) as f64;
            worst = worst.max((got - want).abs() / want.abs().max(1e-3));
        }
        let h = std::f32::consts::FRAC_1_SQRT_2;
        for x in [
            1.0f32,
            0.5,
            2f32.powi(-24),
            h,
            f32::from_bits(h.to_bits() + 1),
        ] {
            assert!((ln_f32(x) as f64 - (x as f64).ln()).abs() < 1e-6, "{x}");
        }
        assert!(worst < 1e-6, "ln worst {worst}");
        for i in 0..=10_000 {
            let t = std::f32::consts::FRAC_PI_2 * i as f32 / 10_000.0;
            assert!(
                (cos_quadrant(t) as f64 - (t as f64).cos()).abs() < 2e-7,
                "{t}"
            );
        }
    }

    #[test]
    fn normal32_distribution() {
        let k = Key::new(5, Stream::C2c, 3);
        let n = 400_000u64;
        let (mut s, mut s2, mut s4) = (0.0f64, 0.0f64, 0.0f64);
        let (mut gt1, mut gt2, mut gt3, mut neg) = (0u64, 0u64, 0u64, 0u64);
        let mut prev = 0.0f64;
        let mut sxy = 0.0f64;
        for i in 0..n {
            let x = k.normal32(i) as f64;
            assert!(x.is_finite() && x.abs() < 6.0);
            s += x;
            s2 += x * x;
            s4 += x * x * x * x;
            gt1 += (x.abs() > 1.0) as u64;
            gt2 += (x.abs() > 2.0) as u64;
            gt3 += (x.abs() > 3.0) as u64;
            neg += (x < 0.0) as u64;
            sxy += x * prev;
            prev = x;
        }
        let nf = n as f64;
        let m = s / nf;
        let v = s2 / nf - m * m;
        assert!(m.abs() < 0.006, "mean {m}");
        assert!((v - 1.0).abs() < 0.01, "var {v}");
        assert!((s4 / nf - 3.0).abs() < 0.06, "4th moment {}", s4 / nf);
        // two-sided tail probabilities of N(0, 1)
        for (cnt, p) in [(gt1, 0.317_310_5), (gt2, 0.045_500_3), (gt3, 0.002_699_8)] {
            let sd = (p * (1.0 - p) / nf).sqrt();
            assert!(
                (cnt as f64 / nf - p).abs() < 5.0 * sd,
                "tail {p}: {}",
                cnt as f64 / nf
            );
        }
        assert!((neg as f64 / nf - 0.5).abs() < 0.004);
        assert!((sxy / nf).abs() < 0.008, "lag-1 correlation");
        // the split form used by the kernels is the same function
        let alt = k.derive(1);
        let g = (3u64 << 32) + 11;
        let h = (g >> 32) as u32;
        assert_eq!(
            k.normal32(g).to_bits(),
            k.normal32_split(alt, g as u32, k.hi_mix(h), alt.hi_mix(h))
                .to_bits()
        );
    }
}
