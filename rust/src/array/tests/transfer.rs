//! The carry rule and the transfer protocols: no limit cycles, the write bounds, the read-all
//! reset, the blocked-carry counter.

use super::*;
use crate::device::Residual;

/// The issue-9 limit cycle: a keep carry at +N_L / 2 used to leave exactly -N_L / 2 and carry
/// back at every step. Zero requested change must give zero MSB writes for any leak.
#[test]
fn zero_change_gives_no_writes_for_any_leak() {
    for tau in [f64::INFINITY, 1e3, 1.0] {
        let d = hybrid(|d| d.tau_leak_s = tau);
        let (mut a, _) = new_array(100, 100, d, 0, 0.2);
        let k = Key::new(0, Stream::Round, 7);
        let w: Vec<f32> = (0..a.len() as u64)
            .map(|g| (k.uniform_f64(g) * 0.2 - 0.1) as f32)
            .collect();
        a.program(&w).unwrap();
        let z = vec![0.0f32; a.len()];
        for _ in 0..20 {
            a.step(&z, 64).unwrap();
        }
        a.transfer();
        assert_eq!(a.counters().msb_writes, 0, "tau {tau}");
        assert_eq!(a.counters().pulses, 0);
    }
}

#[test]
fn program_leaves_lsb_inside_the_band() {
    for rounding in [Rounding::Stochastic, Rounding::Nearest] {
        let d = hybrid(|d| {
            d.rounding = rounding;
            d.lsb_headroom_msb_steps = 2.0;
        });
        let (mut a, _) = new_array(50, 40, d, 3, 0.5);
        let k = Key::new(1, Stream::Round, 1);
        // includes weights beyond +-w_max
        let w: Vec<f32> = (0..a.len() as u64)
            .map(|g| (k.uniform_f64(g) * 1.4 - 0.7) as f32)
            .collect();
        a.program(&w).unwrap();
        let half = 0.5 * a.geometry().n_l;
        assert!(a.lsb().iter().all(|x| x.abs() <= half));
    }
}

#[test]
fn overflow_trigger_is_strict_at_the_band_edge() {
    let d = hybrid(|d| {
        d.rounding = Rounding::Nearest;
        d.tau_leak_s = f64::INFINITY;
        d.transfer_protocol = TransferProtocol::Overflow;
        d.msb_prog_sigma_rel = 0.0;
    });
    let (mut a, dl) = new_array(1, 2, d, 0, 1.0);
    a.update(&[8.0 * dl, 9.0 * dl]).unwrap();
    assert_eq!(a.lsb(), vec![8.0, -7.0]);
    assert_eq!(a.counters().msb_writes, 1);
    // a periodic read-all carry rounds exact ties toward zero
    a.transfer();
    assert_eq!(a.counters().msb_writes, 1);
}

#[test]
fn carry_band_and_adc_grid_are_validated() {
    let bad = |f: &dyn Fn(&mut DeviceParams)| {
        let mut d = DeviceParams::default();
        f(&mut d);
        d.validate().unwrap_err().to_string()
    };
    let e = bad(&|d| d.carry_threshold = 0.3);
    assert!(e.contains("carry_threshold") && e.contains("[0.5"), "{e}");
    let e = bad(&|d| d.carry_threshold = 1.0);
    assert!(
        e.contains("carry_threshold") && e.contains("lsb_headroom_msb_steps"),
        "{e}"
    );
    let e = bad(&|d| {
        d.adc_bits = 4;
        d.lsb_headroom_msb_steps = 1.5;
    });
    assert!(
        e.contains("adc_bits") && e.contains("divides N_L / 2"),
        "{e}"
    );
    let e = bad(&|d| d.adc_bits = 1);
    assert!(e.contains("adc_bits"), "{e}");
    let mut ok = DeviceParams {
        adc_bits: 6,
        ..Default::default()
    };
    ok.validate().unwrap();
    ok.carry_threshold = 0.0;
    ok.transfer_protocol = TransferProtocol::PeriodicReadAll;
    ok.validate().unwrap();
    ok.transfer_every_images = 0;
    let e = ok.validate().unwrap_err().to_string();
    assert!(e.contains("transfer_every_images"), "{e}");
    ok.transfer_protocol = TransferProtocol::None;
    ok.validate().unwrap();
}

/// Devices like the presets (noise off), with the protocols and residual policies the write
/// bound is stated for.
fn bound_devices() -> Vec<(&'static str, DeviceParams)> {
    let quiet = |f: &dyn Fn(&mut DeviceParams)| {
        hybrid(|d| {
            d.msb_prog_sigma_rel = 0.0;
            d.step_d2d_rel = 0.1;
            d.tau_leak_d2d_rel = 0.3;
            f(d);
        })
    };
    vec![
        ("keep-0.5", quiet(&|_| {})),
        (
            "keep-0.75",
            quiet(&|d| {
                d.carry_threshold = 0.75;
                d.lsb_headroom_msb_steps = 1.5;
                d.step_asymmetry_rel = 0.1;
            }),
        ),
        (
            "keep-1.0-8b",
            quiet(&|d| {
                d.lsb_bits = 6;
                d.carry_threshold = 1.0;
                d.lsb_headroom_msb_steps = 2.0;
                d.transfer_protocol = TransferProtocol::Overflow;
            }),
        ),
        (
            "reset-overflow",
            quiet(&|d| {
                d.residual = Residual::Reset;
                d.signed_mapping = Mapping::Differential;
            }),
        ),
        (
            "reset-periodic",
            quiet(&|d| {
                d.residual = Residual::Reset;
                d.transfer_protocol = TransferProtocol::PeriodicReadAll;
            }),
        ),
    ]
}

/// Net LSB charge each cell receives from the pulses of `update(dw)`: the same update on a
/// copy whose carries are off (the pulse pass does not depend on the protocol).
fn pulse_charge(a: &SynapseArray, dw: &[f32]) -> Vec<f32> {
    let mut b = a.clone();
    b.dev.transfer_protocol = TransferProtocol::None;
    let x0 = b.lsb();
    b.update(dw).unwrap();
    b.lsb()
        .iter()
        .zip(&x0)
        .map(|(x, y)| (x - y).abs())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// (a) zero requested change gives zero MSB writes for any leak, noise off, every device.
    #[test]
    fn zero_change_zero_writes(seed in 0u64..1000, wide in any::<bool>()) {
        for (name, d) in bound_devices() {
            for tau in [f64::INFINITY, 1e3, 1.0, 1e-3] {
                let mut d = d.clone();
                d.tau_leak_s = tau;
                d.transfer_every_images = 100;
                let (mut a, _) = new_array(16, 20, d, seed, 0.3);
                let k = Key::new(seed, Stream::Round, 3);
                let span = if wide { 0.8 } else { 0.3 };
                let w: Vec<f32> = (0..a.len() as u64)
                    .map(|g| ((k.uniform_f64(g) * 2.0 - 1.0) * span) as f32)
                    .collect();
                a.program(&w).unwrap();
                let z = vec![0.0f32; a.len()];
                for images in [1u64, 64, 3000, 64, 1] {
                    a.step(&z, images).unwrap();
                    a.transfer();
                }
                prop_assert_eq!(a.counters().msb_writes, 0, "{} tau {}", name, tau);
            }
        }
    }

    /// (b) an overflow write of a cell needs more than h - |r| pulse units of charge since its
    /// last write or transfer (r: its LSB then): at most one write per h - N_L/2 (keep) or h
    /// (reset) of charge, plus one per read-all transfer; a complete keep carry leaves
    /// |lsb| <= N_L / 2, a reset leaves 0.
    #[test]
    fn overflow_writes_need_charge(seed in 0u64..1000, scale in 0.2f32..6.0) {
        let mut seen = 0u64;
        for (name, d) in bound_devices() {
            if !d.transfer_protocol.overflow() {
                continue;
            }
            let (mut a, dl) = new_array(8, 24, d.clone(), seed, 0.5);
            let n = a.len();
            let h = (d.carry_threshold * a.geometry().n_l as f64) as f32;
            let half = 0.5 * a.geometry().n_l;
            let top = (a.geometry().n_levels - 1) as u16;
            let mut q_since = vec![0.0f32; n];
            let mut r0: Vec<f32> = a.lsb().iter().map(|x| x.abs()).collect();
            for s in 0..40u64 {
                // a slow drift plus dither, as SGD steps are
                let dw: Vec<f32> = pattern(n, scale * dl, seed * 101 + s)
                    .iter()
                    .map(|v| v + 0.3 * scale * dl)
                    .collect();
                let q = pulse_charge(&a, &dw);
                let before = a.msb_write_counts();
                a.advance(1e-4).unwrap();
                a.update(&dw).unwrap();
                let after = a.msb_write_counts();
                let x = a.lsb();
                for i in 0..n {
                    q_since[i] += q[i];
                    if after[i] == before[i] {
                        continue;
                    }
                    prop_assert!(q_since[i] > h - r0[i] - 1e-3,
                        "{} cell {}: charge {} since the last write, h {} r0 {}",
                        name, i, q_since[i], h, r0[i]);
                    let at_rail = a.msb[i] == 0 || a.msb[i] == top;
                    match d.residual {
                        Residual::Reset => prop_assert_eq!(x[i], 0.0),
                        Residual::Keep => prop_assert!(at_rail || x[i].abs() <= half),
                    }
                    q_since[i] = 0.0;
                    r0[i] = x[i].abs();
                    seen += 1;
                }
                if s % 9 == 8 {
                    a.transfer();
                    q_since.iter_mut().for_each(|v| *v = 0.0);
                    r0 = a.lsb().iter().map(|x| x.abs()).collect();
                }
            }
        }
        prop_assert!(seen > 0, "no overflow write to check");
    }
}

/// A periodic read-all with `reset` leaves every LSB at exactly zero and counts the charge
/// it threw away (including the part below half a step).
#[test]
fn read_all_reset_zeroes_every_lsb_and_counts_the_charge() {
    let d = hybrid(|d| {
        d.residual = Residual::Reset;
        d.transfer_protocol = TransferProtocol::PeriodicReadAll;
        d.tau_leak_s = f64::INFINITY;
        d.msb_prog_sigma_rel = 0.0;
    });
    let (mut a, dl) = new_array(30, 40, d, 2, 1.0);
    a.update(&pattern(a.len(), 9.0 * dl, 4)).unwrap();
    let x = a.lsb();
    let m0 = a.msb.clone();
    a.transfer();
    assert!(a.lsb().iter().all(|&v| v == 0.0));
    let n_l = a.geometry().n_l;
    let mut want = 0.0f64;
    for i in 0..x.len() {
        let moved = a.msb[i] as i64 - m0[i] as i64;
        want += (x[i] - moved as f32 * n_l).abs() as f64;
    }
    let got = a.counters().lsb_discarded_pulses;
    assert!((got - want).abs() <= 1e-9 * want, "{got} vs {want}");
    assert!(want > 0.0);
    let c = a.counters();
    assert_eq!(
        c.msb_writes,
        (0..x.len()).filter(|&i| a.msb[i] != m0[i]).count() as u64
    );
    assert_eq!(
        c.carries,
        (0..x.len())
            .map(|i| (a.msb[i] as i64 - m0[i] as i64).unsigned_abs())
            .sum::<u64>()
    );
}

/// The interval of a periodic protocol changes the result (the first release's overflow
/// carries at half a step made it inert).
#[test]
fn transfer_interval_matters_for_periodic_protocols() {
    let run = |every: u64| {
        let d = hybrid(|d| {
            d.residual = Residual::Reset;
            d.transfer_protocol = TransferProtocol::PeriodicReadAll;
            d.transfer_every_images = every;
        });
        let (mut a, dl) = new_array(20, 30, d, 5, 0.5);
        for s in 0..150 {
            a.step(&pattern(a.len(), 0.7 * dl, s), 64).unwrap();
        }
        (a.weights(false, 0.0).unwrap(), a.counters().clone())
    };
    let runs: Vec<_> = [1000u64, 8000, 100_000].iter().map(|&e| run(e)).collect();
    for i in 0..runs.len() {
        for j in 0..i {
            assert_ne!(
                runs[i].0, runs[j].0,
                "intervals {i} and {j} gave the same weights"
            );
        }
    }
    assert_eq!(runs[0].1.transfers, 9);
    assert_eq!(runs[2].1.transfers, 0);
}

/// A carry blocked at a rail is counted once per attempt: the same blocked charge gives the
/// same count at a 64-image and an 8,000-image interval.
#[test]
fn blocked_carry_counted_once_per_attempt() {
    for residual in [Residual::Keep, Residual::Reset] {
        for proto in [
            TransferProtocol::PeriodicReadAll,
            TransferProtocol::OverflowPeriodic,
        ] {
            let run = |every: u64| {
                let d = hybrid(|d| {
                    d.residual = residual;
                    d.transfer_protocol = proto;
                    d.transfer_every_images = every;
                    d.rounding = Rounding::Nearest;
                    d.tau_leak_s = f64::INFINITY;
                    d.msb_prog_sigma_rel = 0.0;
                });
                let (mut a, dl) = new_array(10, 10, d, 1, 1.0);
                // every cell at the top level, then 12 pulses up: blocked at the rail
                a.program(&vec![0.75; 100]).unwrap();
                a.update(&vec![12.0 * dl; 100]).unwrap();
                let z = vec![0.0f32; 100];
                for _ in 0..400 {
                    a.step(&z, 64).unwrap();
                }
                a.counters().clone()
            };
            let (fast, slow) = (run(64), run(8000));
            assert_eq!(fast.transfers, 400);
            assert_eq!(slow.transfers, 3);
            assert_eq!(fast.msb_writes, 0);
            assert_eq!(
                fast.blocked_carries, slow.blocked_carries,
                "{residual:?} {proto:?}"
            );
            // one attempt per cell: the first trigger (overflow: 12 > h = 8; read-all:
            // 12 > N_L / 2) counts it; later transfers see the same charge (keep, flagged)
            // or none (reset)
            assert_eq!(fast.blocked_carries, 100, "{residual:?} {proto:?}");
        }
    }
}

/// A keep charge that leaves the band again after returning inside it is a new attempt.
#[test]
fn blocked_carry_recounted_after_the_charge_returns() {
    let d = hybrid(|d| {
        d.transfer_protocol = TransferProtocol::Overflow;
        d.rounding = Rounding::Nearest;
        d.tau_leak_s = f64::INFINITY;
    });
    let (mut a, dl) = new_array(1, 1, d, 0, 1.0);
    a.program(&[0.75]).unwrap();
    for _ in 0..3 {
        a.update(&[10.0 * dl]).unwrap(); // 10 > h = 8: blocked
        a.update(&[0.0]).unwrap(); // still blocked: not recounted
        a.update(&[-8.0 * dl]).unwrap(); // back inside the band
    }
    assert_eq!(a.counters().blocked_carries, 3);
    assert_eq!(a.counters().msb_writes, 0);
}
