use super::*;
use crate::rng::Stream;

/// NeuroSim's curve and its inverse, written out here independently of `response::exp`.
fn g(p: f64, a: f64) -> f64 {
    (1.0 - (-p / a).exp()) / (1.0 - (-1.0 / a).exp())
}
fn g_inv(x: f64, a: f64) -> f64 {
    -a * (1.0 - x * (1.0 - (-1.0 / a).exp())).ln()
}

fn pcm_dev(c2c: f64, scheme: WriteScheme) -> DeviceParams {
    DeviceParams {
        signed_mapping: crate::device::Mapping::Differential,
        msb_model: MsbKind::Pcm,
        msb_prog_sigma_rel: 0.0,
        msb_pcm_max_pulses: 97,
        msb_pcm_a_up: 0.499181,
        msb_pcm_a_down: -0.200303,
        msb_c2c_rel: c2c,
        msb_write_scheme: scheme,
        ..Default::default()
    }
}

fn req(cell: u64, believed: f64, actual: f64, to: f64) -> WriteReq {
    WriteReq {
        cell,
        believed_w: believed,
        actual_w: actual,
        to_w: to,
        offset: 0.0,
    }
}

const W_MAX: f64 = 0.3;
const D_M: f64 = W_MAX / 3.0;

#[test]
fn pcm_open_loop_step_follows_the_formula() {
    let d = pcm_dev(0.0, WriteScheme::OpenLoop);
    d.validate().unwrap();
    let s = MsbStore::build(&d, D_M, W_MAX, Key::new(1, Stream::TransferProg, 0));
    let (a_up, a_dn) = (0.499181, -0.200303);
    // from the erased pair to level +1: n = round(1/3 * 97) = 32 pulses up from p = 0
    let w = s.write(&req(0, 0.0, 0.0, D_M));
    let x = g(32.0 / 97.0, a_up);
    assert!(((D_M + w.error as f64) / W_MAX - x).abs() < 1e-6, "{w:?}");
    assert_eq!((w.pulses, w.verify_iterations), (32, 0));
    // believed at +1 but really at 0.45: to +2 is 32 more pulses from where it is
    let w = s.write(&req(0, D_M, 0.45 * W_MAX, 2.0 * D_M));
    let x = g(g_inv(0.45, a_up) + 32.0 / 97.0, a_up);
    assert!(((2.0 * D_M + w.error as f64) / W_MAX - x).abs() < 1e-6);
    // down from a real 0.8 believed +2 to +1: depression retraces its own curve backward
    let w = s.write(&req(0, 2.0 * D_M, 0.8 * W_MAX, D_M));
    let x = g(g_inv(0.8, a_dn) - 32.0 / 97.0, a_dn);
    assert!(((D_M + w.error as f64) / W_MAX - x).abs() < 1e-6);
    // across zero: RESET (one pulse) then 32 up on the other device
    let w = s.write(&req(0, D_M, 0.4 * W_MAX, -D_M));
    let x = g(32.0 / 97.0, a_up);
    assert!(((-D_M + w.error as f64) / W_MAX + x).abs() < 1e-6);
    assert_eq!(w.pulses, 33);
    // to the zero level: a RESET, exact
    let w = s.write(&req(0, D_M, 0.4 * W_MAX, 0.0));
    assert_eq!((w.error, w.pulses), (0.0, 1));
}

#[test]
fn pcm_noise_is_nonlinear_and_state_dependent() {
    // equal nominal steps at different states move the conductance by different amounts
    let d = pcm_dev(0.0, WriteScheme::OpenLoop);
    let s = MsbStore::build(&d, D_M, W_MAX, Key::new(1, Stream::TransferProg, 0));
    let e1 = s.write(&req(0, 0.0, 0.0, D_M)).error as f64 + D_M;
    let e2 = s.write(&req(0, D_M, D_M, 2.0 * D_M)).error as f64 + 2.0 * D_M - D_M;
    assert!(e1 > 1.2 * e2, "first step {e1} vs second {e2}");
    // c2c noise: sigma 3.5 % of the range times sqrt(32) per train
    let d = pcm_dev(0.035, WriteScheme::OpenLoop);
    let s = MsbStore::build(&d, D_M, W_MAX, Key::new(2, Stream::TransferProg, 0));
    let x0 = g(32.0 / 97.0, 0.499181);
    let dev: Vec<f64> = (0..4000)
        .map(|c| (D_M + s.write(&req(c, 0.0, 0.0, D_M)).error as f64) / W_MAX - x0)
        .collect();
    let sd = (dev.iter().map(|v| v * v).sum::<f64>() / dev.len() as f64).sqrt();
    let want = 0.035 * 32f64.sqrt();
    assert!((sd - want).abs() < 0.1 * want, "sd {sd} want {want}");
}

#[test]
fn verify_converges_within_tolerance_and_counts_iterations() {
    for c2c in [0.0, 0.035] {
        let d = DeviceParams {
            msb_verify_tol_rel: 0.1,
            msb_verify_max_iterations: 50,
            ..pcm_dev(c2c, WriteScheme::ProgramVerify)
        };
        d.validate().unwrap();
        let s = MsbStore::build(&d, D_M, W_MAX, Key::new(3, Stream::TransferProg, 0));
        let open = MsbStore::build(
            &pcm_dev(c2c, WriteScheme::OpenLoop),
            D_M,
            W_MAX,
            Key::new(3, Stream::TransferProg, 0),
        );
        let mut iters = 0;
        for c in 0..500 {
            let w = s.write(&req(c, 0.0, 0.0, D_M));
            assert!((w.error as f64).abs() <= 0.1 * D_M, "{w:?}");
            assert!(w.verify_iterations >= 1 && w.verify_iterations <= 50);
            assert_eq!(w.operations(), w.verify_iterations);
            // the first operation is the open-loop write (same key)
            let o = open.write(&req(c, 0.0, 0.0, D_M));
            if o.error.abs() as f64 <= 0.1 * D_M {
                assert_eq!((w.error, w.verify_iterations), (o.error, 1));
            } else {
                assert!(w.verify_iterations >= 2 && w.pulses > o.pulses);
            }
            iters += w.verify_iterations;
        }
        // open-loop overshoot (0.56 vs 0.33 of the range) always needs corrections
        assert!(iters >= 2 * 500, "{iters}");
    }
    // a cap on the iterations is honoured
    let d = DeviceParams {
        msb_verify_tol_rel: 1e-6,
        msb_verify_max_iterations: 3,
        ..pcm_dev(0.035, WriteScheme::ProgramVerify)
    };
    let s = MsbStore::build(&d, D_M, W_MAX, Key::new(3, Stream::TransferProg, 0));
    assert_eq!(s.write(&req(0, 0.0, 0.0, D_M)).verify_iterations, 3);
}

#[test]
fn levels_open_loop_is_the_first_release_draw_and_verify_redraws() {
    let key = Key::new(5, Stream::OverflowProg, 2);
    let d = DeviceParams::default();
    let s = MsbStore::build(&d, D_M, W_MAX, key);
    let sigma = 0.005 * 2.0 * W_MAX;
    for c in 0..100 {
        let w = s.write(&WriteReq {
            offset: 0.01,
            ..req(c, 0.0, 0.0, D_M)
        });
        let want = (0.01f32 as f64 + sigma * key.normal32(c) as f64) as f32;
        assert_eq!((w.error, w.pulses, w.verify_iterations), (want, 1, 0));
    }
    let d = DeviceParams {
        msb_write_scheme: WriteScheme::ProgramVerify,
        msb_verify_tol_rel: 0.02,
        msb_verify_max_iterations: 100,
        ..Default::default()
    };
    let s = MsbStore::build(&d, D_M, W_MAX, key);
    let total: u32 = (0..300)
        .map(|c| {
            let w = s.write(&req(c, 0.0, 0.0, D_M));
            assert!((w.error as f64).abs() <= 0.02 * D_M);
            w.verify_iterations
        })
        .sum();
    // P(|N(0, sigma)| <= 0.02 D_M) = P(|z| <= 0.67) = 0.5: about 2 iterations per write
    assert!(total > 450 && total < 800, "{total}");
}

#[test]
fn msb_fields_are_validated() {
    let e = DeviceParams {
        msb_c2c_rel: 0.01,
        ..Default::default()
    }
    .validate()
    .unwrap_err();
    assert!(e.to_string().contains("msb_c2c_rel"), "{e}");
    let e = DeviceParams {
        msb_prog_sigma_rel: 0.01,
        ..pcm_dev(0.0, WriteScheme::OpenLoop)
    }
    .validate()
    .unwrap_err();
    assert!(e.to_string().contains("msb_prog_sigma_rel"), "{e}");
    let e = DeviceParams {
        msb_pcm_a_up: 0.001,
        ..pcm_dev(0.0, WriteScheme::OpenLoop)
    }
    .validate()
    .unwrap_err();
    assert!(e.to_string().contains("msb_pcm_a_up"), "{e}");
    let e = DeviceParams {
        msb_verify_max_iterations: 0,
        ..pcm_dev(0.0, WriteScheme::ProgramVerify)
    }
    .validate()
    .unwrap_err();
    assert!(e.to_string().contains("msb_verify_max_iterations"), "{e}");
    let e = MsbKind::parse("bogus").unwrap_err();
    assert!(e.to_string().contains("'pcm'"), "{e}");
}
