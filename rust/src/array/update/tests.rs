//! The AVX2 kernel variants against the baseline ones.

use super::ideal::ideal_body;
#[cfg(target_arch = "x86_64")]
use super::ideal::ideal_body_avx2;
use super::linear::pass1;
#[cfg(target_arch = "x86_64")]
use super::linear::pass1_avx2;
use super::*;
use crate::array::leak::{LEAK_CELL, LEAK_UNIFORM};
use crate::array::simd::has_avx2;
use crate::device::Residual;

fn test_input<'a>(dw: &'a [f32], up: &'a [f32], down: &'a [f32], decay: &'a [f32]) -> UpdateIn<'a> {
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
        clear_band: 8.0,
        shape_up: &[],
        shape_down: &[],
        a_up0: 0.0,
        a_down0: 0.0,
        c2c_range: 0.0,
        ro_lo: -0.5,
        ro_dm: 0.25,
        ro_dl: 0.25 / 16.0,
        limit: 8.0,
        key_r: key,
        key_c: key,
        carry: CarryCfg {
            n_l: 16.0,
            l_max: 16.0,
            max_index: 3,
            read_noise: 0.0,
            adc_q: 0.0,
            end_lim: u32::MAX,
            residual: Residual::Keep,
            key_read: key,
            lo: -0.15,
            d_m: 0.1,
            msb: crate::device::msb::MsbStore::Levels(crate::device::msb::Levels {
                sigma_w: 0.0,
                key,
                verify: None,
            }),
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

/// The pulsed-cell mask of the curve kernel: AVX2 and scalar agree, bit k set iff ns[k] != 0.
#[test]
fn pulsed_mask_marks_the_cells_with_pulses() {
    use super::curve::pulsed_mask;
    let k = Key::new(9, crate::rng::Stream::Round, 1);
    for salt in 0..50u64 {
        // sparse counts of both signs, extremes included
        let ns: Vec<i32> = (0..64u64)
            .map(|i| match k.word32(salt * 64 + i) % 16 {
                0 => 1,
                1 => -1,
                2 => i32::MIN,
                3 => i32::MAX,
                _ => 0,
            })
            .collect();
        let want = ns
            .iter()
            .enumerate()
            .fold(0u64, |m, (i, &v)| m | ((v != 0) as u64) << i);
        assert_eq!(pulsed_mask(&ns, false), want);
        assert_eq!(pulsed_mask(&ns, has_avx2()), want);
        assert_eq!(
            pulsed_mask(&ns[..37], has_avx2()),
            want & ((1u64 << 37) - 1)
        );
    }
}
