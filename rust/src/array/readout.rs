//! Readouts: training weights (MSB + leaked LSB), inference weights (MSB only, retention,
//! read noise) and the per-cell views.

use super::leak::{LEAK_CELL, LEAK_NONE, LEAK_UNIFORM};
use super::simd::has_avx2;
use super::{check_len, SynapseArray};
use crate::device::msb::DomainState;
use crate::device::{Kind, Mapping, Retention};
use crate::error::{Error, Result};
use crate::parallel::{install, CHUNK};
use crate::rng::{Key, Stream};
use rayon::prelude::*;
use std::sync::atomic::Ordering;

/// Training readout of one chunk: level + msb_error + D_L * leaked lsb (f64, one rounding).
/// The level is computed as `lo + m * D_M`, the same expression as the level table.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn readout_body(
    o: &mut [f32],
    m: &[u16],
    e: &[f32],
    l: &[f32],
    dc: &[f32],
    f: f32,
    lo: f64,
    d_m: f64,
    d_l: f64,
) {
    let n = o.len();
    let (m, e, l) = (&m[..n], &e[..n], &l[..n]);
    if dc.is_empty() {
        for j in 0..n {
            let x = l[j] * f;
            o[j] = (lo + m[j] as f64 * d_m + e[j] as f64 + d_l * x as f64) as f32;
        }
    } else {
        let dc = &dc[..n];
        for j in 0..n {
            let x = l[j] * dc[j];
            o[j] = (lo + m[j] as f64 * d_m + e[j] as f64 + d_l * x as f64) as f32;
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx2")]
fn readout_body_avx2(
    o: &mut [f32],
    m: &[u16],
    e: &[f32],
    l: &[f32],
    dc: &[f32],
    f: f32,
    lo: f64,
    d_m: f64,
    d_l: f64,
) {
    readout_body(o, m, e, l, dc, f, lo, d_m, d_l)
}

/// [`readout_body`] with non-temporal (streaming) stores of the output: computed 64 values
/// at a time into an L1-resident buffer, then streamed to `o` (no read-for-ownership of the
/// output lines). For outputs much larger than the caches.
#[cfg(target_arch = "x86_64")]
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx2")]
fn readout_body_stream_avx2(
    o: &mut [f32],
    m: &[u16],
    e: &[f32],
    l: &[f32],
    dc: &[f32],
    f: f32,
    lo: f64,
    d_m: f64,
    d_l: f64,
) {
    use std::arch::x86_64::{_mm256_loadu_ps, _mm256_stream_ps, _mm_sfence};
    const B: usize = 64;
    let n = o.len();
    // scalar-stored head up to a 32-byte boundary
    let head = (o.as_ptr().align_offset(32)).min(n);
    let dch = |a: usize, b: usize| if dc.is_empty() { dc } else { &dc[a..b] };
    readout_body(
        &mut o[..head],
        &m[..head],
        &e[..head],
        &l[..head],
        dch(0, head),
        f,
        lo,
        d_m,
        d_l,
    );
    let mut buf = [0.0f32; B];
    let mut i = head;
    while i + B <= n {
        readout_body(
            &mut buf,
            &m[i..i + B],
            &e[i..i + B],
            &l[i..i + B],
            dch(i, i + B),
            f,
            lo,
            d_m,
            d_l,
        );
        for k in 0..B / 8 {
            // SAFETY: o[i..i + B] is in bounds and o[i] is 32-byte aligned (i - head is a
            // multiple of B); buf has B elements.
            unsafe {
                let v = _mm256_loadu_ps(buf.as_ptr().add(k * 8));
                _mm256_stream_ps(o.as_mut_ptr().add(i + k * 8), v);
            }
        }
        i += B;
    }
    // make the streamed stores visible before the output is handed on
    _mm_sfence();
    readout_body(
        &mut o[i..],
        &m[i..n],
        &e[i..n],
        &l[i..n],
        dch(i, n),
        f,
        lo,
        d_m,
        d_l,
    );
}

#[allow(clippy::too_many_arguments)]
pub(super) fn readout_train(
    o: &mut [f32],
    m: &[u16],
    e: &[f32],
    l: &[f32],
    dc: &[f32],
    f: f32,
    lo: f64,
    d_m: f64,
    d_l: f64,
    stream: bool,
) {
    #[cfg(target_arch = "x86_64")]
    {
        if stream && has_avx2() {
            // SAFETY: AVX2 availability was checked at run time.
            return unsafe { readout_body_stream_avx2(o, m, e, l, dc, f, lo, d_m, d_l) };
        }
        if has_avx2() {
            // SAFETY: AVX2 availability was checked at run time.
            return unsafe { readout_body_avx2(o, m, e, l, dc, f, lo, d_m, d_l) };
        }
    }
    readout_body(o, m, e, l, dc, f, lo, d_m, d_l)
}

/// Ideal readout of one chunk: the level of each index, `lo + m * D_M` (the expression of the
/// level table, vectorizable).
#[inline]
pub(super) fn readout_levels(o: &mut [f32], m: &[u16], lo: f64, d_m: f64) {
    for (o, m) in o.iter_mut().zip(m) {
        *o = (lo + *m as f64 * d_m) as f32;
    }
}

/// The MSB weight of a cell at an inference readout `t` after its last write: the retention
/// model of the device applied to the written weight (level + error), or, for the domain
/// store, to its domain mask (each domain switched back moves it by `span / N`).
struct RetainedMsb<'a> {
    ret: Retention,
    /// the domain store's physics and masks (`domains` retention only)
    domains: Option<(&'a DomainState, f64)>,
}

impl<'a> RetainedMsb<'a> {
    fn new(a: &'a SynapseArray, t: f64) -> RetainedMsb<'a> {
        let geo = &a.geo;
        let top = geo.lo + (geo.n_levels.max(1) - 1) as f64 * geo.d_m;
        let ret = Retention::new(&a.dev, a.seed, t, geo.lo.abs().max(top.abs()));
        let domains = match &a.domains {
            Some(d) if ret.acts_on_domains() && !ret.is_identity() => {
                let span = (geo.n_levels.max(2) - 1) as f64 * geo.d_m;
                Some((d, span / d.nls.n as f64))
            }
            _ => None,
        };
        RetainedMsb { ret, domains }
    }

    /// Weight of cell `g` after the retention time, from its written weight `w0`.
    #[inline]
    fn weight(&self, g: usize, w0: f64) -> f64 {
        match self.domains {
            Some((d, per_domain)) => {
                let mask = d.masks.0[g].load(Ordering::Relaxed);
                let up_t = self.ret.domain_fraction(&d.nls, g as u64, mask);
                w0 + (up_t as f64 - mask.count_ones() as f64) * per_domain
            }
            None if self.ret.is_identity() => w0,
            None => self.ret.weight(g as u64, w0),
        }
    }
}

/// Readouts of at least this many cells (16 MiB of output) use streaming stores.
const STREAM_MIN_CELLS: usize = 1 << 22;

impl SynapseArray {
    /// Readout into `out` (row-major). Training: level + msb_error (static offset + programming
    /// error) + D_L * lsb (leak applied, state unchanged). Inference: MSB only after
    /// `retention_s` seconds of the device's retention model (`device::retention`), plus
    /// per-readout read noise.
    pub fn weights_into(
        &mut self,
        inference: bool,
        retention_s: f64,
        out: &mut [f32],
    ) -> Result<()> {
        check_len("out", out.len(), self.rows, self.cols)?;
        if !(retention_s.is_finite() && retention_s >= 0.0) {
            return Err(Error::value(
                "retention_s",
                format!("invalid value {retention_s}; expected a finite value >= 0"),
            ));
        }
        match self.dev.kind {
            Kind::Float => out.copy_from_slice(&self.w),
            Kind::Ideal => {
                // same expression as the level table (bit-identical), but vectorizable
                let (lo, d_m) = (self.geo.lo, self.geo.d_m);
                let msb = &self.msb;
                install(|| {
                    out.par_chunks_mut(CHUNK)
                        .zip(msb.par_chunks(CHUNK))
                        .for_each(|(o, m)| readout_levels(o, m, lo, d_m))
                });
            }
            Kind::Hybrid => {
                let leak = if inference {
                    LEAK_NONE
                } else {
                    self.ensure_decay()
                };
                let geo = &self.geo;
                let msb = &self.msb;
                let lsb = &self.lsb;
                let err = &self.msb_error;
                let decay = &self.decay;
                let decay0 = self.decay0;
                let ret = RetainedMsb::new(self, retention_s);
                let rn = if inference {
                    self.dev.msb_read_noise_rel * self.geo.d_m
                } else {
                    0.0
                };
                let key = Key::new(self.seed, Stream::MsbRead, self.steps.readout);
                // streaming stores when the output is far larger than the caches
                let stream = out.len() >= STREAM_MIN_CELLS;
                install(|| {
                    out.par_chunks_mut(CHUNK).enumerate().for_each(|(ci, o)| {
                        let base = ci * CHUNK;
                        let len = o.len();
                        let m = &msb[base..base + len];
                        let e = &err[base..base + len];
                        if inference && rn > 0.0 {
                            for j in 0..len {
                                let lv = geo.lo + m[j] as f64 * geo.d_m;
                                let v = ret.weight(base + j, lv + e[j] as f64);
                                o[j] = (v + rn * key.normal((base + j) as u64)) as f32;
                            }
                        } else if inference {
                            for j in 0..len {
                                let lv = geo.lo + m[j] as f64 * geo.d_m;
                                o[j] = ret.weight(base + j, lv + e[j] as f64) as f32;
                            }
                        } else {
                            let l = &lsb[base..base + len];
                            let dc = if leak == LEAK_CELL {
                                &decay[base..base + len]
                            } else {
                                &[][..]
                            };
                            let f = if leak == LEAK_UNIFORM { decay0 } else { 1.0 };
                            readout_train(o, m, e, l, dc, f, geo.lo, geo.d_m, geo.d_l, stream);
                        }
                    })
                });
                if rn > 0.0 {
                    self.steps.readout += 1;
                }
            }
        }
        Ok(())
    }

    /// Readout as a new vector (see [`SynapseArray::weights_into`]).
    pub fn weights(&mut self, inference: bool, retention_s: f64) -> Result<Vec<f32>> {
        let mut out = vec![0.0f32; self.len()];
        self.weights_into(inference, retention_s, &mut out)?;
        Ok(out)
    }

    /// LSB in pulse units with the pending leak applied (zeros for float/ideal).
    pub fn lsb(&mut self) -> Vec<f32> {
        if self.dev.kind != Kind::Hybrid {
            return vec![0.0; self.len()];
        }
        let mode = self.ensure_decay();
        let (d0, d) = (self.decay0, &self.decay);
        self.lsb
            .iter()
            .enumerate()
            .map(|(g, x)| x * Self::decay_of(mode, d0, d, g))
            .collect()
    }

    /// Signed MSB level: offset mapping m in 0..N_M-1; differential d in -(N_M-1)..N_M-1;
    /// ideal: level index (offset) or signed level (differential); float: zeros.
    pub fn msb_levels(&self) -> Vec<i16> {
        if self.dev.kind == Kind::Float {
            return vec![0; self.len()];
        }
        let shift = match self.dev.signed_mapping {
            Mapping::Offset => 0i32,
            Mapping::Differential => self.dev.n_msb_levels() as i32 - 1,
        };
        self.msb
            .iter()
            .map(|&m| (m as i32 - shift) as i16)
            .collect()
    }

    /// Per-cell MSB write counts (zeros for float/ideal).
    pub fn msb_write_counts(&self) -> Vec<u32> {
        if self.dev.kind != Kind::Hybrid {
            return vec![0; self.len()];
        }
        self.msb_writes.clone()
    }

    /// Per-cell leak time constants in seconds (hybrid; inf when leak is off).
    pub fn tau_leak(&self) -> Vec<f32> {
        self.leak_rate.iter().map(|r| 1.0 / r).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn readout_simd_bit_identical() {
        if !has_avx2() {
            return;
        }
        let n = 1000;
        let k = Key::new(2, Stream::C2c, 1);
        let m: Vec<u16> = (0..n).map(|i| (i % 4) as u16).collect();
        let e: Vec<f32> = (0..n as u64).map(|g| k.normal(g) as f32 * 0.01).collect();
        let l: Vec<f32> = (0..n as u64)
            .map(|g| k.normal(g + 5000) as f32 * 7.0)
            .collect();
        let dc: Vec<f32> = (0..n).map(|i| 1.0 - (i % 5) as f32 * 0.03).collect();
        for d in [&dc[..], &[][..]] {
            let (mut a, mut b) = (vec![0.0f32; n], vec![0.0f32; n]);
            readout_body(&mut a, &m, &e, &l, d, 0.97, -0.3, 0.2, 0.0125);
            // SAFETY: AVX2 checked above.
            unsafe { readout_body_avx2(&mut b, &m, &e, &l, d, 0.97, -0.3, 0.2, 0.0125) };
            assert_eq!(a, b);
            // streaming variant, at every alignment of the output
            for off in 0..8 {
                let mut c = vec![0.0f32; n + 8];
                let cs = &mut c[off..off + n];
                // SAFETY: AVX2 checked above.
                unsafe { readout_body_stream_avx2(cs, &m, &e, &l, d, 0.97, -0.3, 0.2, 0.0125) };
                assert_eq!(&a[..], &cs[..]);
            }
        }
    }
}
