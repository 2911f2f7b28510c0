//! Criterion benches of the O(cells) kernels (run: `cargo bench -p femsyn`).

use _core::array::SynapseArray;
use _core::device::{DeviceParams, Kind};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

const SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];

fn device(kind: Kind, c2c: f64) -> DeviceParams {
    DeviceParams {
        kind,
        msb_bits: if kind == Kind::Ideal { 6 } else { 2 },
        step_c2c_rel: c2c,
        transfer_every_images: 0,
        ..Default::default()
    }
}

fn array(n: usize, kind: Kind) -> SynapseArray {
    SynapseArray::new(n / 1000, 1000, device(kind, 0.0), 1, 1.0).expect("valid array")
}

fn dw(a: &SynapseArray, scale: f32) -> Vec<f32> {
    let dl = a.geometry().d_l as f32;
    (0..a.len())
        .map(|i| ((i % 17) as f32 - 8.0) * 0.37 * dl * scale)
        .collect()
}

fn bench_update(c: &mut Criterion) {
    let mut g = c.benchmark_group("update");
    let cases = [
        ("hybrid", Kind::Hybrid, 0.0),
        ("hybrid_c2c", Kind::Hybrid, 0.1),
        ("ideal", Kind::Ideal, 0.0),
        ("float", Kind::Float, 0.0),
    ];
    for &n in &SIZES {
        g.throughput(Throughput::Elements(n as u64));
        for (name, kind, c2c) in cases {
            let mut a =
                SynapseArray::new(n / 1000, 1000, device(kind, c2c), 1, 1.0).expect("valid");
            let d = dw(&a, 0.2);
            let neg: Vec<f32> = d.iter().map(|x| -x).collect();
            let mut flip = false;
            // the same dt every step: the cached per-cell decay factors are reused; the sign
            // alternates so the LSBs wander instead of all piling up at the rails
            g.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
                b.iter(|| {
                    flip = !flip;
                    a.advance(1e-6).expect("finite");
                    a.update(black_box(if flip { &d } else { &neg }))
                        .expect("valid");
                })
            });
        }
    }
    g.finish();
}

fn bench_transfer(c: &mut Criterion) {
    let mut g = c.benchmark_group("transfer");
    for &n in &SIZES {
        g.throughput(Throughput::Elements(n as u64));
        let mut a = array(n, Kind::Hybrid);
        let d = dw(&a, 2.0);
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                a.update(&d).expect("valid");
                black_box(a.transfer())
            })
        });
    }
    g.finish();
}

fn bench_readout(c: &mut Criterion) {
    let mut g = c.benchmark_group("readout");
    for &n in &SIZES {
        g.throughput(Throughput::Elements(n as u64));
        let mut a = array(n, Kind::Hybrid);
        let d = dw(&a, 1.0);
        a.update(&d).expect("valid");
        a.advance(1e-3).expect("finite");
        let mut out = vec![0.0f32; n];
        for inference in [false, true] {
            g.bench_with_input(
                BenchmarkId::new(if inference { "inference" } else { "training" }, n),
                &n,
                |b, _| {
                    b.iter(|| {
                        a.weights_into(inference, 0.0, black_box(&mut out))
                            .expect("ok")
                    })
                },
            );
        }
    }
    g.finish();
}

fn bench_leak(c: &mut Criterion) {
    let mut g = c.benchmark_group("advance_leak");
    for &n in &SIZES {
        g.throughput(Throughput::Elements(n as u64));
        let mut a = array(n, Kind::Hybrid);
        let d = dw(&a, 1.0);
        a.update(&d).expect("valid");
        let mut t = 1e-6;
        // a new dt every iteration: recomputes the per-cell decay factors (exp per cell)
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                t *= 1.000_001;
                a.advance(t).expect("finite");
                black_box(a.lsb().len())
            })
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    bench_update,
    bench_transfer,
    bench_readout,
    bench_leak
);
criterion_main!(benches);
