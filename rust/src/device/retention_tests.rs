//! Retention: each model against its formula computed here, monotone in t, never growing |w|,
//! no underflow before the physics reaches zero.

use super::*;
use crate::device::msb::Nls;

fn dev(kind: &str) -> DeviceParams {
    let mut d = DeviceParams {
        retention_model: RetentionKind::parse(kind).unwrap(),
        ..Default::default()
    };
    if kind == "drift" {
        d.pcm_drift_nu = 0.05;
    }
    if kind == "domains" {
        d.msb_model = MsbKind::Domains;
        d.msb_prog_sigma_rel = 0.0;
        d.fe_domains = 64;
        d.fe_thickness_m = 10e-9;
        d.fe_voltage_fraction = 0.8;
        d.fe_ea_v_per_m = 2.8e8;
        d.fe_ea_sigma_ln = 0.15;
        d.fe_tau0_s = 1e-12;
        d.fe_alpha = 2.0;
        d.fe_beta = 2.0;
        d.tau_retention_s = 1e10;
    }
    d.validate().unwrap();
    d
}

const TIMES: [f64; 8] = [0.0, 1.0, 10.0, 1e2, 1e4, 1e6, 1e8, 1e12];

#[test]
fn log_matches_formula_and_closes_partial_levels_first() {
    let d = DeviceParams {
        tau_retention_s: 1e8,
        ..dev("log")
    };
    let r = |t| Retention::new(&d, 3, t, 0.75);
    for t in TIMES {
        let lost = 0.75 * (1.0 + t).ln() / (1.0 + 1e8f64).ln();
        for w0 in [0.75f64, -0.75, 0.25, -0.25] {
            let want = w0.signum() * (w0.abs() - lost).max(0.0);
            assert!((r(t).weight(0, w0) - want).abs() < 1e-12, "t {t} w0 {w0}");
        }
    }
    // the partial level is gone when the saturated one still holds 2/3 of its weight
    let t = 1e8f64.powf(1.0 / 3.0);
    assert!(r(t * 1.01).weight(0, 0.25) == 0.0);
    assert!(r(t).weight(0, 0.75) > 0.49);
}

#[test]
fn drift_matches_power_law_without_underflow() {
    let d = dev("drift");
    for t in TIMES {
        let want = if t <= 1.0 { 0.5 } else { 0.5 * t.powf(-0.05) };
        let got = Retention::new(&d, 0, t, 1.0).weight(7, 0.5);
        assert!((got - want).abs() < 1e-12 * want.max(1.0), "t {t}");
        assert!(got > 0.0);
    }
}

#[test]
fn exp_without_spread_is_the_first_release_factor() {
    let d = dev("exp");
    for t in TIMES {
        let got = Retention::new(&d, 0, t, 1.0).weight(5, 0.3);
        assert_eq!(got, 0.3 * (-t / 1e4).exp());
    }
}

#[test]
fn spread_draws_per_cell_and_is_fixed_by_the_seed() {
    for kind in ["exp", "log", "drift"] {
        let d = DeviceParams {
            retention_sigma_ln: 1.0,
            tau_retention_s: 1e6,
            ..dev(kind)
        };
        let r = Retention::new(&d, 11, 1e4, 1.0);
        let w: Vec<f64> = (0..64).map(|g| r.weight(g, 0.9)).collect();
        assert!(
            w.iter().any(|&x| (x - w[0]).abs() > 1e-3),
            "{kind}: cells differ"
        );
        let again = Retention::new(&d, 11, 1e4, 1.0);
        assert!((0..64).all(|g| again.weight(g, 0.9) == w[g as usize]));
    }
}

#[test]
fn every_model_is_monotone_and_never_grows_the_weight() {
    for kind in ["exp", "log", "drift"] {
        let d = DeviceParams {
            retention_sigma_ln: 0.7,
            ..dev(kind)
        };
        for g in 0..200u64 {
            for w0 in [-0.9f64, -0.2, 0.2, 0.9] {
                let mut prev = w0;
                for t in TIMES {
                    let w = Retention::new(&d, 1, t, 0.9).weight(g, w0);
                    assert!(w.abs() <= prev.abs() && w * w0 >= 0.0, "{kind} t {t}");
                    prev = w;
                }
            }
        }
    }
}

#[test]
fn domains_back_switch_the_majority_and_stop_at_zero() {
    let d = dev("domains");
    let nls = Nls::new(&d, 2);
    // cells from all down to all up in steps of 8 domains
    for up0 in (0..=64u32).step_by(8) {
        for g in 0..50u64 {
            let mask = if up0 == 64 {
                u64::MAX
            } else {
                (1u64 << up0) - 1
            };
            let mut prev = up0 as i64 - 32;
            for t in TIMES {
                let up = Retention::new(&d, 2, t, 1.0).domain_fraction(&nls, g, mask);
                let p = up as i64 - 32;
                assert!(
                    p.abs() <= prev.abs() && p * (up0 as i64 - 32) >= 0,
                    "up0 {up0} t {t}"
                );
                prev = p;
            }
        }
    }
}

#[test]
fn domains_count_matches_the_flip_times_computed_here() {
    let d = dev("domains");
    let nls = Nls::new(&d, 4);
    let key = Key::new(4, Stream::D2dRetention, 1);
    let t = 1e4f64;
    for g in 0..20u64 {
        let mut n = 0;
        for k in 0..64u32 {
            let ea = nls.activation_field(g, k);
            let tau = 1e-12 * ((ea / 2.8e8).powi(2) * (1e10f64 / 1e-12).ln()).exp();
            let u = key.uniform_f64(g * 64 + k as u64);
            if tau * (-(1.0 - u).ln()).sqrt() <= t {
                n += 1;
            }
        }
        let got = Retention::new(&d, 4, t, 1.0).domain_fraction(&nls, g, u64::MAX);
        assert_eq!(got, 64 - n.min(32), "cell {g}");
    }
}

#[test]
fn fields_only_act_in_their_model() {
    let mut d = dev("exp");
    d.pcm_drift_nu = 0.1;
    assert!(d
        .validate()
        .unwrap_err()
        .to_string()
        .contains("pcm_drift_nu"));
    let mut d = dev("exp");
    d.retention_model = RetentionKind::Domains;
    assert!(d
        .validate()
        .unwrap_err()
        .to_string()
        .contains("retention_model"));
    let mut d = dev("drift");
    d.pcm_drift_nu = 0.0;
    assert!(d
        .validate()
        .unwrap_err()
        .to_string()
        .contains("pcm_drift_nu"));
    let mut d = dev("log");
    d.retention_sigma_ln = -1.0;
    assert!(d
        .validate()
        .unwrap_err()
        .to_string()
        .contains("retention_sigma_ln"));
    let mut d = dev("log");
    d.retention_t0_s = 0.0;
    assert!(d
        .validate()
        .unwrap_err()
        .to_string()
        .contains("retention_t0_s"));
}
