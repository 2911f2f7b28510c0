//! Quick wall-clock timing of the kernels (`cargo run --release --example timing`).
use _core::array::SynapseArray;
use _core::device::{DeviceParams, Kind, Rounding};
use std::time::Instant;

fn main() {
    let n = 1_000_000usize;
    for (kind, bits, rounding) in [
        (Kind::Ideal, 6, Rounding::Nearest),
        (Kind::Ideal, 6, Rounding::Stochastic),
        (Kind::Hybrid, 2, Rounding::Nearest),
        (Kind::Hybrid, 2, Rounding::Stochastic),
    ] {
        let d = DeviceParams {
            kind,
            msb_bits: bits,
            rounding,
            ..Default::default()
        };
        let mut a = SynapseArray::new(1000, n / 1000, d, 1, 1.0).expect("array");
        let dl = a.geometry().d_l as f32;
        let dw: Vec<f32> = (0..n).map(|i| ((i % 17) as f32 - 8.0) * 0.1 * dl).collect();
        a.update(&dw).expect("ok");
        let k = 30;
        let t = Instant::now();
        for _ in 0..k {
            a.update(&dw).expect("ok");
        }
        let dt = t.elapsed().as_secs_f64() / k as f64;
        let t = Instant::now();
        for _ in 0..k {
            _core::array::check_finite("dw", &dw).expect("ok");
        }
        let dc = t.elapsed().as_secs_f64() / k as f64;
        println!(
            "{kind:?} {rounding:?}: update {:.2} ms ({:.3} Gcells/s), check_finite {:.2} ms",
            dt * 1e3,
            n as f64 / dt / 1e9,
            dc * 1e3
        );
    }
}
