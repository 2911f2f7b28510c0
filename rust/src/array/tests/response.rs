//! The response models inside an array: the exp model against NeuroSim's formula written out
//! here, tables against the models they were sampled from, c2c noise statistics, thread-count
//! independence and exact state round trips for every model.

use super::*;
use crate::device::LsbResponse;

const A_UP: f64 = 0.499181; // NeuroSim PCM NL +2.4
const A_DOWN: f64 = -0.200303; // NeuroSim PCM NL -4.88

fn model_dev(resp: LsbResponse) -> DeviceParams {
    let mut d = noiseless();
    d.rounding = Rounding::Nearest;
    d.step_asymmetry_rel = 0.1;
    d.lsb_response = resp;
    match resp {
        LsbResponse::Exp => {
            d.lsb_exp_a_up = A_UP;
            d.lsb_exp_a_down = A_DOWN;
        }
        LsbResponse::Table => {
            // the linear model sampled at its two end points
            d.lsb_table_ltp = vec![0.0, 1.0];
            d.lsb_table_ltd = vec![1.0, 0.0];
        }
        _ => {}
    }
    d
}

/// NeuroSim's G(P) = B (1 - exp(-P/A)) + G_min, B = (G_max - G_min) / (1 - exp(-P_max/A)),
/// in pulses (not normalized), and its inverse.
fn g_of(pulses: f64, a_norm: f64, p_max: f64) -> f64 {
    let a = a_norm * p_max;
    let b = 1.0 / (1.0 - (-p_max / a).exp());
    b * (1.0 - (-pulses / a).exp())
}

fn pulses_of(g: f64, a_norm: f64, p_max: f64) -> f64 {
    let a = a_norm * p_max;
    let b = 1.0 / (1.0 - (-p_max / a).exp());
    -a * (1.0 - g / b).ln()
}

#[test]
fn exp_first_pulses_are_not_linear() {
    let (mut arr, dl) = new_array(1, 2, model_dev(LsbResponse::Exp), 0, 1.0);
    arr.update(&[4.0 * dl, -4.0 * dl]).unwrap();
    let x = arr.lsb();
    // linear would give +4.4 and -3.6 pulse units (steps 1.1 / 0.9)
    assert!(
        (x[0] - 4.4).abs() > 0.3 && (x[1] + 3.6).abs() > 0.3,
        "{x:?}"
    );
}

#[test]
fn exp_model_matches_neurosim_formula() {
    let (mut arr, dl) = new_array(1, 4, model_dev(LsbResponse::Exp), 0, 1.0);
    let l = arr.geometry().l_max as f64;
    // P_max = 2 L_max / s pulses across the range, s = 1 +- asymmetry
    let (pm_up, pm_down) = (2.0 * l / 1.1, 2.0 * l / 0.9);
    let mut x: Vec<f64> = vec![0.5; 4]; // normalized state, mid-rail
    let trains: [[i32; 4]; 6] = [
        [3, -2, 7, 1],
        [5, -9, -4, 2],
        [-1, 6, 12, -3],
        [20, 2, -6, -8],
        [-30, 4, 1, 5],
        [2, -3, -2, 9],
    ];
    for n in trains {
        let dw: Vec<f32> = n.iter().map(|&k| k as f32 * dl).collect();
        arr.update(&dw).unwrap();
        for i in 0..4 {
            let k = n[i] as f64;
            x[i] = if k > 0.0 {
                let p = pulses_of(x[i], A_UP, pm_up) + k;
                g_of(p.min(pm_up), A_UP, pm_up)
            } else {
                let p = pulses_of(x[i], A_DOWN, pm_down) + k;
                g_of(p.max(0.0), A_DOWN, pm_down)
            };
        }
        let got = arr.lsb();
        for i in 0..4 {
            let want = (2.0 * x[i] - 1.0) * l;
            let err = (got[i] as f64 - want).abs() / (2.0 * l);
            assert!(
                err < 1e-6,
                "cell {i}: {} vs {want} (rel. to range {err})",
                got[i]
            );
        }
    }
}

fn run_model(d: DeviceParams, steps: u64, scale: f32) -> Vec<Vec<f32>> {
    let (mut a, dl) = new_array(6, 30, d, 9, 1.0);
    (0..steps)
        .map(|s| {
            a.update(&pattern(a.len(), scale * dl, 7 + s)).unwrap();
            a.lsb()
        })
        .collect()
}

#[test]
fn table_sampled_from_linear_and_exp_reproduces_them() {
    // linear: the two-row table is the linear model exactly
    let lin = run_model(model_dev(LsbResponse::Linear), 25, 3.0);
    let tab = run_model(model_dev(LsbResponse::Table), 25, 3.0);
    for (s, (a, b)) in lin.iter().zip(&tab).enumerate() {
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-4, "step {s}: linear {x} table {y}");
        }
    }
    // exp: sampled densely (ltp: potentiation from G_min; ltd: depression from G_max, which
    // retraces the down curve: after q of the range the state is g_down(1 - q))
    let k = 4001;
    let q: Vec<f64> = (0..k).map(|i| i as f64 / (k - 1) as f64).collect();
    let mut d = model_dev(LsbResponse::Table);
    d.lsb_table_ltp = q.iter().map(|&p| g_of(p, A_UP, 1.0)).collect();
    d.lsb_table_ltd = q.iter().map(|&p| g_of(1.0 - p, A_DOWN, 1.0)).collect();
    let tab = run_model(d, 25, 3.0);
    let exp = run_model(model_dev(LsbResponse::Exp), 25, 3.0);
    for (s, (a, b)) in exp.iter().zip(&tab).enumerate() {
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 2e-3, "step {s}: exp {x} table {y}");
        }
    }
}

#[test]
fn c2c_noise_statistics_per_model() {
    for resp in [
        LsbResponse::Linear,
        LsbResponse::Exp,
        LsbResponse::SoftBounds,
        LsbResponse::Table,
    ] {
        let n_pulses = 9.0f32;
        let c2c = 0.004;
        let mut noisy = model_dev(resp);
        noisy.lsb_c2c_rel = c2c;
        let (mut a, dl) = new_array(200, 250, noisy, 3, 1.0);
        let (mut b, _) = new_array(1, 1, model_dev(resp), 3, 1.0);
        a.update(&vec![n_pulses * dl; a.len()]).unwrap();
        b.update(&[n_pulses * dl]).unwrap();
        let want = b.lsb()[0] as f64;
        let x = a.lsb();
        let m = x.iter().map(|&v| v as f64).sum::<f64>() / x.len() as f64;
        let var = x.iter().map(|&v| (v as f64 - m).powi(2)).sum::<f64>() / x.len() as f64;
        // sigma = c2c * range * sqrt(n), range = 2 L_max pulse units
        let sigma = c2c * 2.0 * a.geometry().l_max as f64 * (n_pulses as f64).sqrt();
        assert!(
            (m - want).abs() < 5.0 * sigma / (x.len() as f64).sqrt(),
            "{resp:?} mean {m} vs {want}"
        );
        assert!(
            (var.sqrt() / sigma - 1.0).abs() < 0.02,
            "{resp:?} std {} vs {sigma}",
            var.sqrt()
        );
    }
}

fn every_model() -> Vec<DeviceParams> {
    [
        LsbResponse::Linear,
        LsbResponse::Exp,
        LsbResponse::SoftBounds,
        LsbResponse::Table,
    ]
    .into_iter()
    .map(|r| {
        let mut d = model_dev(r);
        d.rounding = Rounding::Stochastic;
        d.lsb_c2c_rel = 0.005;
        d.step_d2d_rel = 0.1;
        d.tau_leak_s = 1e-3;
        d.tau_leak_d2d_rel = 0.3;
        d.transfer_protocol = TransferProtocol::OverflowPeriodic;
        d.transfer_every_images = 32;
        if r == LsbResponse::Exp {
            d.lsb_exp_a_d2d_rel = 0.2;
        }
        d
    })
    .collect()
}

#[test]
fn every_model_is_thread_count_independent() {
    for d in every_model() {
        let run = |threads: usize| {
            crate::parallel::set_num_threads(threads).unwrap();
            let (mut a, dl) = new_array(100, 400, d.clone(), 3, 1.0);
            for s in 0..8 {
                a.step(&pattern(a.len(), 4.0 * dl, s), 16).unwrap();
            }
            a.to_state()
        };
        assert_eq!(run(1), run(2), "{:?}", d.lsb_response);
    }
}

/// The fused step (`step_into` with `out`) writes exactly what `step` then `weights_into`
/// give, for every response model (periodic transfers included: every 32 images) and the
/// float and ideal kinds, at 1 and 2 threads; the state evolves identically.
#[test]
fn fused_step_readout_matches_separate_readout() {
    let mut devs = every_model();
    devs.extend([Kind::Float, Kind::Ideal].map(|k| hybrid(|d| d.kind = k)));
    for d in devs {
        for threads in [1, 2] {
            crate::parallel::set_num_threads(threads).unwrap();
            // more than one CHUNK of cells, the last one partial
            let (mut a, dl) = new_array(41, 900, d.clone(), 5, 0.8);
            let mut b = a.clone();
            let mut out = vec![f32::NAN; a.len()];
            for s in 0..12 {
                let dw = pattern(a.len(), 3.0 * dl, s);
                let wa = a.step_into(&dw, 16, Some(&mut out)).unwrap();
                assert_eq!(wa, b.step(&dw, 16).unwrap());
                let want = b.weights(false, 0.0).unwrap();
                let same = out
                    .iter()
                    .zip(&want)
                    .all(|(x, y)| x.to_bits() == y.to_bits());
                assert!(same, "{:?} {:?} step {s}", d.kind, d.lsb_response);
            }
            assert!(a.counters().transfers > 0 || d.kind != Kind::Hybrid);
            assert_eq!(a.to_state(), b.to_state());
            let short = a.step_into(&pattern(a.len(), dl, 0), 1, Some(&mut out[1..]));
            assert!(short.is_err(), "an out of the wrong length is an error");
        }
    }
}

#[test]
fn every_model_round_trips_exactly() {
    for d in every_model() {
        let (mut a, dl) = new_array(20, 30, d.clone(), 11, 0.7);
        for s in 0..5 {
            a.step(&pattern(a.len(), 4.0 * dl, s), 16).unwrap();
        }
        let mut b = SynapseArray::from_state(a.to_state()).unwrap();
        for s in 5..10 {
            let dw = pattern(a.len(), 4.0 * dl, s);
            assert_eq!(a.step(&dw, 16).unwrap(), b.step(&dw, 16).unwrap());
        }
        assert_eq!(a.to_state(), b.to_state(), "{:?}", d.lsb_response);
    }
}

#[test]
fn exp_nonlinearity_spread_is_drawn_at_build() {
    let mut d = model_dev(LsbResponse::Exp);
    d.lsb_exp_a_d2d_rel = 0.25;
    let (a, _) = new_array(200, 200, d.clone(), 4, 1.0);
    let (b, _) = new_array(200, 200, d, 4, 1.0);
    assert_eq!(a.lsb_shape_up, b.lsb_shape_up);
    for (v, nominal) in [(&a.lsb_shape_up, A_UP), (&a.lsb_shape_down, A_DOWN)] {
        let n = v.len() as f64;
        let m = v.iter().map(|&x| x as f64).sum::<f64>() / n;
        let sd = (v.iter().map(|&x| (x as f64 - m).powi(2)).sum::<f64>() / n).sqrt();
        assert!((m / nominal - 1.0).abs() < 0.01, "mean {m}");
        assert!(
            (sd / m.abs() - 0.25).abs() < 0.01,
            "rel std {}",
            sd / m.abs()
        );
    }
    let mut st = a.to_state();
    st.lsb_a_up[0] = -st.lsb_a_up[0];
    let e = SynapseArray::from_state(st).unwrap_err().to_string();
    assert!(e.contains("lsb_a_up"), "{e}");
}
