use super::*;
use crate::device::msb::{MsbKind, WriteScheme};

/// The femfet presets' FE layer (see `femsyn.device.presets`).
fn fe_dev(scheme: WriteScheme) -> DeviceParams {
    DeviceParams {
        msb_model: MsbKind::Domains,
        msb_prog_sigma_rel: 0.0,
        fe_domains: 64,
        fe_thickness_m: 10e-9,
        fe_voltage_fraction: 0.8,
        fe_ea_v_per_m: 2.8e8,
        fe_ea_sigma_ln: 0.15,
        fe_tau0_s: 1e-12,
        fe_alpha: 2.0,
        fe_beta: 2.0,
        fe_verify_step_v: 0.01,
        msb_write_scheme: scheme,
        ..Default::default()
    }
}

const D_M: f64 = 0.1;

/// A write of `cell` to `level` (the domain store reads only the cell and the level).
fn to_level(cell: u64, level: u16) -> WriteReq {
    WriteReq {
        cell,
        to_level: level,
        believed_w: 0.0,
        actual_w: 0.0,
        to_w: 0.0,
        offset: 0.0,
    }
}

fn store(d: &DeviceParams, cells: usize, key: Key) -> (DomainState, Domains) {
    let st = DomainState::new(d, 11, cells, 4);
    let verify = (d.msb_write_scheme == WriteScheme::ProgramVerify).then_some(Verify {
        tol_w: d.msb_verify_tol_rel * D_M,
        max_iterations: d.msb_verify_max_iterations,
    });
    let s = st.store(d, D_M, key, verify);
    (st, s)
}

/// NLS switching probability written out here: p = 1 - exp(-(t/tau)^beta),
/// tau = tau0 exp((E_a/E)^alpha), E = 0.8 V / 10 nm.
fn p_nls(ea: f64, v: f64, t: f64) -> f64 {
    let e = 0.8 * v / 10e-9;
    let tau = 1e-12 * ((ea / e).powi(2)).exp();
    1.0 - (-(t / tau).powi(2)).exp()
}

#[test]
fn switched_fraction_vs_width_matches_the_nls_formula() {
    let d = fe_dev(WriteScheme::OpenLoop);
    d.validate().unwrap();
    let (st, s) = store(&d, 1, Key::new(1, Stream::TransferProg, 0));
    let ea: Vec<f64> = (0..64).map(|k| st.nls.activation_field(0, k)).collect();
    for (v, t) in [
        (1.0, 1e-9),
        (1.0, 1e-8),
        (1.0, 1e-7),
        (1.0, 1e-6),
        (0.9, 1e-7),
        (1.2, 1e-8),
    ] {
        for (k, &a) in ea.iter().enumerate() {
            let got = st.nls.probability(a, v, t);
            assert!((got - p_nls(a, v, t)).abs() < 1e-12, "domain {k}");
        }
        // the switched count of one pulse from the erased layer, over independent draws,
        // against its expectation sum_k p_k (binomial variance sum_k p_k (1 - p_k))
        let mean: f64 = ea.iter().map(|&a| p_nls(a, v, t)).sum();
        let var: f64 = ea
            .iter()
            .map(|&a| p_nls(a, v, t) * (1.0 - p_nls(a, v, t)))
            .sum();
        let trials = 4000;
        let mut sum = 0.0;
        for i in 0..trials {
            let key = Key::new(2, Stream::TransferProg, i);
            let nls = with_width(&s, t);
            let mut acc = [0.0; 64];
            let m = nls.program(0, v, 0, &mut acc, key);
            sum += m.count_ones() as f64;
        }
        let got = sum / trials as f64;
        let se = (var / trials as f64).sqrt();
        assert!(
            (got - mean).abs() <= 4.0 * se + 1e-9,
            "v {v} t {t}: {got} vs {mean}"
        );
    }
}

/// The store with another write pulse width.
fn with_width(s: &Domains, t: f64) -> Domains {
    let mut d = s.clone();
    d.nls.t_w = t;
    d
}

#[test]
fn longer_or_higher_pulse_never_switches_fewer_domains() {
    let d = fe_dev(WriteScheme::OpenLoop);
    let (_st, s) = store(&d, 50, Key::new(1, Stream::TransferProg, 0));
    for cell in 0..50u64 {
        let key = Key::new(3, Stream::OverflowProg, cell);
        let theta = key;
        let mut prev = 0u64;
        for t in [1e-10, 1e-9, 1e-8, 3e-8, 1e-7, 1e-6] {
            let d = with_width(&s, t);
            let m = d.program(0, 1.0, cell, &mut [0.0; 64], theta);
            assert_eq!(m & prev, prev, "width {t}: a switched domain unswitched");
            prev = m;
        }
        let mut prev = 0u64;
        for v in [0.5, 0.8, 0.9, 1.0, 1.1, 1.3, 1.8] {
            let m = s.program(0, v, cell, &mut [0.0; 64], theta);
            assert_eq!(m & prev, prev, "amplitude {v}");
            prev = m;
        }
        // accumulation: two 50 ns pulses switch what one 100 ns pulse does (s adds up)
        let mut acc = [0.0; 64];
        let half = with_width(&s, 50e-9);
        let m1 = half.program(0, 1.0, cell, &mut acc, theta);
        let m2 = half.program(m1, 1.0, cell, &mut acc, theta);
        assert_eq!(m2, s.program(0, 1.0, cell, &mut [0.0; 64], theta));
    }
}

#[test]
fn amplitudes_target_the_level_fractions_and_full_pulse_saturates() {
    let d = fe_dev(WriteScheme::OpenLoop);
    let nls = Nls::new(&d, 0);
    let a = nls.amplitudes(4);
    assert_eq!((a[0], a[3]), (0.0, 1.8));
    assert!(a[1] > 0.5 && a[1] < a[2] && a[2] < 1.8, "{a:?}");
    for (m, &v) in a.iter().enumerate().skip(1).take(2) {
        assert!((nls.mean_fraction(v, 100e-9) - m as f64 / 3.0).abs() < 1e-9);
    }
    // Ni et al. IEDM 2018: +-1.8 V, 100 ns fully programs / erases the FeMFET
    assert!(nls.mean_fraction(1.8, 100e-9) > 0.999);
    assert!(nls.mean_fraction(1.8, 100e-9) > nls.mean_fraction(1.8, 10e-9));
}

#[test]
fn programming_error_is_level_dependent() {
    let d = fe_dev(WriteScheme::OpenLoop);
    let n = 2000;
    let (_st, s) = store(&d, n, Key::new(4, Stream::TransferProg, 0));
    let mut rms = [0.0f64; 4];
    for level in 0..4u16 {
        for cell in 0..n as u64 {
            let w = s.write(&to_level(cell, level));
            assert_eq!(w.pulses, if level == 0 { 1 } else { 2 });
            rms[level as usize] += (w.error as f64).powi(2);
        }
        rms[level as usize] = (rms[level as usize] / n as f64).sqrt() / D_M;
    }
    // the saturated levels are nearly exact, the partially switched ones spread
    assert!(rms[0] < 0.01 && rms[3] < 0.02, "{rms:?}");
    assert!(rms[1] > 0.1 && rms[2] > 0.1, "{rms:?}");
}

#[test]
fn verify_converges_within_tolerance_and_counts_iterations() {
    let d = DeviceParams {
        msb_verify_tol_rel: 0.05,
        msb_verify_max_iterations: 100,
        ..fe_dev(WriteScheme::ProgramVerify)
    };
    d.validate().unwrap();
    let n = 500;
    let (_st, s) = store(&d, n, Key::new(5, Stream::TransferProg, 0));
    let mut iters = 0;
    for cell in 0..n as u64 {
        for level in [2u16, 1, 3, 0] {
            let w = s.write(&to_level(cell, level));
            assert!(
                (w.error as f64).abs() <= 0.05 * D_M + 1e-7,
                "{w:?} level {level}"
            );
            assert!(w.verify_iterations >= 1 && w.pulses >= w.verify_iterations);
            iters += w.verify_iterations;
        }
    }
    assert!(iters > 4 * n as u32, "{iters}");
}
