//! The kernel workloads of `femsyn bench` (femfet-6b defaults + c2c 0.05, programmed
//! uniformly, dw ~ N(0, (D_L/2)^2) with alternating sign), for profiling without Python:
//! `cargo run --release --example pybench -- [cells] [iters] [kernel]`.
use _core::array::SynapseArray;
use _core::device::DeviceParams;
use _core::rng::{Key, Stream};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let iters: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20);
    let which = args.get(3).cloned().unwrap_or_else(|| "all".into());
    let d = DeviceParams {
        step_c2c_rel: 0.05,
        ..Default::default()
    };
    // optional overrides for experiments: PYBENCH_THR (carry threshold), PYBENCH_C2C
    let mut d = d;
    if let Some(v) = std::env::var("PYBENCH_THR")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        d.carry_threshold = v;
    }
    if let Some(v) = std::env::var("PYBENCH_C2C")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        d.step_c2c_rel = v;
    }
    let mut a = SynapseArray::new(n / 1000, 1000, d, 0, 1.0).expect("array");
    let k = Key::new(0, Stream::C2c, 99);
    let w0: Vec<f32> = (0..n as u64)
        .map(|g| (k.uniform_f64(g) * 1.6 - 0.8) as f32)
        .collect();
    a.program(&w0).expect("ok");
    let dl = a.geometry().d_l as f32;
    let pos: Vec<f32> = (0..n as u64)
        .map(|g| k.normal(g + n as u64) as f32 * 0.5 * dl)
        .collect();
    let neg: Vec<f32> = pos.iter().map(|x| -x).collect();
    let zeros = vec![0.0f32; n];
    let big: Vec<f32> = pos.iter().map(|x| x * 8.0).collect();
    let mut out = vec![0.0f32; n];
    let time = |name: &str, f: &mut dyn FnMut(usize)| {
        if which != "all" && which != name {
            return;
        }
        f(0);
        let t = Instant::now();
        for i in 0..iters {
            f(i + 1);
        }
        let dt = t.elapsed().as_secs_f64() / iters as f64;
        println!(
            "{name:9} {n:>9} cells {:8.3} ms  {:6.3} G cells/s",
            dt * 1e3,
            n as f64 / dt / 1e9
        );
    };
    let c0 = a.counters().clone();
    time("update", &mut |i| {
        a.update(if i % 2 == 0 { &pos } else { &neg }).expect("ok")
    });
    let c1 = a.counters().clone();
    println!(
        "  per update: msb_writes {:.4}/cell, blocked carries {:.4}/cell",
        (c1.msb_writes - c0.msb_writes) as f64 / ((iters + 1) * n) as f64,
        (c1.blocked_carries - c0.blocked_carries) as f64 / ((iters + 1) * n) as f64
    );
    time("step", &mut |i| {
        a.step(if i % 2 == 0 { &pos } else { &neg }, 64)
            .expect("ok");
    });
    time("leak", &mut |_| {
        a.advance(64e-6).expect("ok");
        a.update(&zeros).expect("ok");
    });
    time("readout", &mut |_| {
        a.weights_into(false, 0.0, &mut out).expect("ok")
    });
    time("transfer", &mut |i| {
        a.update(if i % 2 == 0 { &big } else { &pos }).expect("ok");
        a.transfer();
    });
}
