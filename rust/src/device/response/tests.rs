//! Each curve against its formula computed independently here, exactness for any n, and the
//! validation errors.

use super::*;
use crate::device::DeviceParams;

fn exp_dev(a_up: f64, a_down: f64) -> DeviceParams {
    DeviceParams {
        lsb_response: LsbResponse::Exp,
        lsb_exp_a_up: a_up,
        lsb_exp_a_down: a_down,
        ..Default::default()
    }
}

/// NeuroSim's curve G(p) = B (1 - exp(-p/A)) + G_min with B = (G_max - G_min) / (1 -
/// exp(-P/A)), written out (normalized G_min = 0, G_max = 1, P = 1).
fn neurosim_g(p: f64, a: f64) -> f64 {
    let b = 1.0 / (1.0 - (-1.0 / a).exp());
    b * (1.0 - (-p / a).exp())
}

fn neurosim_p(g: f64, a: f64) -> f64 {
    let b = 1.0 / (1.0 - (-1.0 / a).exp());
    -a * (1.0 - g / b).ln()
}

#[test]
fn exp_follows_neurosim_curve_for_any_n() {
    for a in [
        6.311253, 2.519877, 1.251653, 0.499181, 0.200303, -0.200303, -2.519877,
    ] {
        let m = Exp::build(&exp_dev(a, a)).unwrap();
        for p0 in [0.0, 0.1, 0.37, 0.8] {
            for n in [1u32, 3, 17] {
                let step = 1.0 / 64.0;
                let x0 = neurosim_g(p0, a);
                let (x, ex) = m.advance(x0, n, true, step, &m.shape(true, a));
                let p1 = p0 + n as f64 * step;
                let want = neurosim_g(p1.min(1.0), a);
                assert!(
                    (x - want).abs() <= 1e-12 * want.abs().max(1e-3),
                    "a {a} p0 {p0} n {n}"
                );
                assert!((ex - (p1 - 1.0).max(0.0)).abs() < 1e-9);
                // depression retraces the curve backward
                let (xd, exd) = m.advance(x0, n, false, step, &m.shape(false, a));
                let pd = p0 - n as f64 * step;
                let want = neurosim_g(pd.max(0.0), a);
                assert!((xd - want).abs() <= 1e-12, "down a {a} p0 {p0} n {n}");
                assert!((exd - (-pd).max(0.0)).abs() < 1e-9);
                // n pulses at once == n single pulses
                let mut xs = x0;
                for _ in 0..n {
                    xs = m.advance(xs, 1, true, step, &m.shape(true, a)).0;
                }
                assert!((xs - x).abs() < 1e-12);
                assert!((neurosim_p(x.min(1.0 - 1e-12), a) - p1.min(1.0)).abs() < 1e-6);
            }
        }
    }
}

#[test]
fn soft_bounds_closed_form() {
    let m = SoftBounds;
    let step = 1.0 / 32.0;
    for x0 in [0.0, 0.2, 0.5, 0.9] {
        let mut x = x0;
        for k in 1..=40u32 {
            // one pulse: dx = 2 step (1 - x)
            x += 2.0 * step * (1.0 - x);
            let (xn, ex) = m.advance(x0, k, true, step, &());
            assert!((xn - x).abs() < 1e-12 && ex == 0.0);
        }
        let (xd, _) = m.advance(x0, 5, false, step, &());
        assert!((xd - x0 * (1.0 - 2.0 * step).powi(5)).abs() < 1e-15);
    }
    // at mid-rail the step equals the linear model's
    let (x, _) = m.advance(0.5, 1, true, step, &());
    assert!((x - 0.5 - step).abs() < 1e-15);
}

#[test]
fn linear_curve_clips_and_reports_excess() {
    let (x, ex) = Linear.advance(0.9, 5, true, 0.05, &());
    assert!((x - 1.0).abs() < 1e-15 && (ex - 0.15).abs() < 1e-12);
    let (x, ex) = Linear.advance(0.5, 4, false, 0.05, &());
    assert!((x - 0.3).abs() < 1e-12 && ex == 0.0);
}

fn table_dev(pulse: Vec<f64>, ltp: Vec<f64>, ltd: Vec<f64>) -> DeviceParams {
    DeviceParams {
        lsb_response: LsbResponse::Table,
        lsb_table_pulse: pulse,
        lsb_table_ltp: ltp,
        lsb_table_ltd: ltd,
        ..Default::default()
    }
}

#[test]
fn table_sampled_from_exp_reproduces_it() {
    let (a_up, a_down) = (0.499181, -0.200303);
    let k = 2001;
    let ps: Vec<f64> = (0..k).map(|i| i as f64 / (k - 1) as f64).collect();
    // siemens: G_min 3.08 nS, G_max 38.5 nS (NeuroSim's PCM range)
    let (g0, g1) = (3.08e-9, 38.5e-9);
    let ltp: Vec<f64> = ps
        .iter()
        .map(|&p| g0 + (g1 - g0) * neurosim_g(p, a_up))
        .collect();
    // depression from G_max retraces the down curve: after q pulses the state is g(1 - q)
    let ltd: Vec<f64> = ps
        .iter()
        .map(|&q| g0 + (g1 - g0) * neurosim_g(1.0 - q, a_down))
        .collect();
    let pulse: Vec<f64> = ps.iter().map(|p| p * 300.0).collect();
    let t = Table::build(&table_dev(pulse, ltp, ltd)).unwrap();
    let e = Exp::build(&exp_dev(a_up, a_down)).unwrap();
    let mut xt = 0.5;
    let mut xe = 0.5;
    for (i, n) in [3u32, 7, 1, 12, 5, 9, 2]
        .iter()
        .cycle()
        .take(40)
        .enumerate()
    {
        let up = i % 3 != 1;
        let step = 1.0 / 64.0;
        let a = if up { a_up } else { a_down };
        xt = t.advance(xt, *n, up, step, &()).0;
        xe = e.advance(xe, *n, up, step, &e.shape(up, a)).0;
        assert!((xt - xe).abs() < 2e-5, "step {i}: table {xt} exp {xe}");
    }
}

#[test]
fn table_errors_name_field_and_row() {
    let err = |d: DeviceParams| Table::build(&d).unwrap_err().to_string();
    let e = err(table_dev(vec![], vec![1.0], vec![1.0]));
    assert!(
        e.contains("lsb_table_ltp") && e.contains("at least 2 rows"),
        "{e}"
    );
    let e = err(table_dev(vec![], vec![0.0, 1.0, 0.5], vec![1.0, 0.5, 0.0]));
    assert!(
        e.contains("lsb_table_ltp[2]") && e.contains("increasing"),
        "{e}"
    );
    let e = err(table_dev(vec![], vec![0.0, 1.0], vec![0.0, 1.0]));
    assert!(
        e.contains("lsb_table_ltd[1]") && e.contains("decreasing"),
        "{e}"
    );
    let e = err(table_dev(vec![], vec![0.0, f64::NAN], vec![1.0, 0.0]));
    assert!(
        e.contains("lsb_table_ltp[1]") && e.contains("finite"),
        "{e}"
    );
    let e = err(table_dev(vec![0.0, 0.0], vec![0.0, 1.0], vec![1.0, 0.0]));
    assert!(e.contains("lsb_table_pulse[1]"), "{e}");
    let e = err(table_dev(vec![], vec![0.0, 1.0], vec![1.0, 0.5, 0.0]));
    assert!(e.contains("lsb_table_ltd") && e.contains("2 rows"), "{e}");
}

#[test]
fn model_errors() {
    let e = exp_dev(0.0, 1.0).validate().unwrap_err().to_string();
    assert!(e.contains("lsb_exp_a_up"), "{e}");
    let d = DeviceParams {
        lsb_exp_a_up: 0.5,
        ..Default::default()
    };
    let e = d.validate().unwrap_err().to_string();
    assert!(e.contains("lsb_exp_a_up") && e.contains("'exp'"), "{e}");
    let d = DeviceParams {
        lsb_c2c_rel: 0.01,
        step_c2c_rel: 0.1,
        ..Default::default()
    };
    assert!(d
        .validate()
        .unwrap_err()
        .to_string()
        .contains("step_c2c_rel"));
    let d = DeviceParams {
        lsb_response: LsbResponse::Exp,
        lsb_exp_a_up: 1.0,
        lsb_exp_a_down: 1.0,
        step_c2c_rel: 0.1,
        ..Default::default()
    };
    let e = d.validate().unwrap_err().to_string();
    assert!(e.contains("step_c2c_rel") && e.contains("'linear'"), "{e}");
    let e = LsbResponse::parse("quadratic").unwrap_err().to_string();
    assert!(e.contains("'linear', 'exp', 'soft-bounds', 'table'"), "{e}");
}
