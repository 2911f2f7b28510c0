//! `domains`: the FeMFET's MSB as a multi-domain ferroelectric layer switched by real pulses.
//!
//! Physics (device-model contract, "v2: ferroelectric MSB"):
//! - a cell's FE layer is `fe_domains` domains (at most 64, one bit each of the cell's mask:
//!   set = polarization up). Domain `k` of cell `g` has the activation field
//!   `E_a = fe_ea_v_per_m * exp(fe_ea_sigma_ln * z)`, `z` standard normal from the counter-based
//!   stream `D2dDomain` at counter `64 g + k`: a device-to-device draw fixed by the seed (a pure
//!   function of it, so it is recomputed, not stored);
//! - a pulse of amplitude V and width t puts `E = fe_voltage_fraction * V / fe_thickness_m`
//!   across the layer (the FE-cap/MOSFET divider of the FeMFET). A domain that has not switched
//!   switches with the nucleation-limited-switching probability `p = 1 - exp(-(t/tau)^beta)`,
//!   `tau = fe_tau0_s * exp((E_a / E)^alpha)` (Tagantsev et al., PRB 66, 214109, 2002; the
//!   Merz-law tau(E) as in multi-domain FeFET models, e.g. Deng et al., VLSI 2020);
//! - successive pulses accumulate: each domain's normalized switching time `s = sum t_i / tau_i`
//!   grows, and it switches when `s` passes its threshold `theta = (-ln u)^(1/beta)` (u uniform,
//!   drawn per domain and program operation), so one pulse from `s = 0` switches it with exactly
//!   `p`, and a longer or higher pulse never switches fewer domains;
//! - the polarization is the signed fraction of switched domains; the MSB weight is linear in
//!   it: up fraction `f` maps to `level(0) + f * (level(N - 1) - level(0))` (the FeMFET's read
//!   signal, the threshold shift, is proportional to the switched charge of the divider's FE
//!   capacitor). Level `m` targets `f_m = m / (N - 1)`.
//!
//! Write scheme (a carry to level m): erase (one pulse of `-msb_write_voltage_v`, width
//! `msb_write_time_s`), then, for `m > 0`, one program pulse of the same width whose amplitude
//! `V_m` makes the nominal device (the mean over the E_a distribution) switch
//! `f_m` of its domains (`V_{N-1} = msb_write_voltage_v`). The cell's own domains and the
//! stochastic switching make the error level dependent: the saturated levels are nearly exact,
//! the partial ones carry a binomial and d2d spread. `program-verify`: read the fraction, then
//! an undershoot gets one more pulse `fe_verify_step_v` higher and 1/32 of the width (switching
//! time accumulates; incremental step pulse programming), an overshoot an erase and a
//! reprogram `fe_verify_step_v` lower, until within the tolerance or the iterations are used
//! up. Every pulse counts in `msb_program_pulses`, every read-and-act in the iterations.

use super::{op_key, MsbModel, MsbWrite, Verify, WriteReq};
use crate::device::DeviceParams;
use crate::rng::{Key, Stream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Most domains per cell (one bit each of a u64 mask).
pub const MAX_DOMAINS: u32 = 64;

/// A verify increment pulse is the write pulse width over this (*reconstructed*).
const INCREMENT_DIV: f64 = 32.0;

/// Quadrature nodes of the nominal switched fraction over the E_a distribution.
const QUAD: usize = 256;

/// `x^a`, exact and cheap for the common exponents (the write loop runs it per domain).
#[inline]
fn pow(x: f64, a: f64) -> f64 {
    if a == 2.0 {
        x * x
    } else if a == 1.0 {
        x
    } else {
        x.powf(a)
    }
}

/// The NLS physics of one device's FE layer.
#[derive(Clone, Copy, Debug)]
pub struct Nls {
    pub n: u32,
    ln_ea0: f64,
    sigma_ln: f64,
    tau0: f64,
    alpha: f64,
    beta: f64,
    /// field per volt applied (V/m per V): the divider fraction over the FE thickness
    field_per_volt: f64,
    /// write pulse width and full amplitude
    pub t_w: f64,
    pub v_max: f64,
    key_ea: Key,
}

impl Nls {
    pub fn new(d: &DeviceParams, seed: u64) -> Nls {
        Nls {
            n: d.fe_domains,
            ln_ea0: d.fe_ea_v_per_m.ln(),
            sigma_ln: d.fe_ea_sigma_ln,
            tau0: d.fe_tau0_s,
            alpha: d.fe_alpha,
            beta: d.fe_beta,
            field_per_volt: d.fe_voltage_fraction / d.fe_thickness_m,
            t_w: d.msb_write_time_s,
            v_max: d.msb_write_voltage_v,
            key_ea: Key::new(seed, Stream::D2dDomain, 0),
        }
    }

    /// Activation field of domain `k` of cell `cell` (V/m).
    #[inline]
    pub fn activation_field(&self, cell: u64, k: u32) -> f64 {
        let z = self.key_ea.normal(cell * MAX_DOMAINS as u64 + k as u64);
        (self.ln_ea0 + self.sigma_ln * z).exp()
    }

    /// Median activation field (V/m).
    pub fn median_field(&self) -> f64 {
        self.ln_ea0.exp()
    }

    /// NLS attempt time tau0 (s).
    pub fn tau0(&self) -> f64 {
        self.tau0
    }

    /// NLS exponent beta.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// `x^alpha`: the Merz-law exponent of a field ratio `x = E_a / E`.
    #[inline]
    pub fn merz_exponent(&self, x: f64) -> f64 {
        pow(x, self.alpha)
    }

    /// Normalized switching time `t / tau(E_a, V)` of one pulse (0 for V = 0).
    #[inline]
    pub fn progress(&self, ea: f64, v: f64, t: f64) -> f64 {
        let e = v.abs() * self.field_per_volt;
        if e <= 0.0 {
            return 0.0;
        }
        // exp of a large exponent is +inf: tau infinite, no progress (never NaN)
        t / (self.tau0 * pow(ea / e, self.alpha).exp())
    }

    /// Switching probability of one pulse from `s = 0`: `1 - exp(-(t/tau)^beta)`.
    #[inline]
    pub fn probability(&self, ea: f64, v: f64, t: f64) -> f64 {
        -(-pow(self.progress(ea, v, t), self.beta)).exp_m1()
    }

    /// Switching threshold of a domain on the normalized-time axis from a uniform `u`.
    #[inline]
    fn threshold(&self, u: f64) -> f64 {
        // u in [0, 1): 1 - u in (0, 1], so the log is finite
        let e = -(1.0 - u).ln();
        if self.beta == 2.0 {
            e.sqrt()
        } else {
            e.powf(1.0 / self.beta)
        }
    }

    /// Expected switched fraction of the nominal device after one pulse from the erased state
    /// (midpoint quadrature of `p` over the lognormal E_a distribution, +-6 sigma).
    pub fn mean_fraction(&self, v: f64, t: f64) -> f64 {
        let (mut num, mut den) = (0.0, 0.0);
        for i in 0..QUAD {
            let z = -6.0 + 12.0 * (i as f64 + 0.5) / QUAD as f64;
            let w = (-0.5 * z * z).exp();
            num += w * self.probability((self.ln_ea0 + self.sigma_ln * z).exp(), v, t);
            den += w;
        }
        num / den
    }

    /// Program amplitude of each of `n_levels` levels: 0 (erase only) for level 0, the full
    /// amplitude for the last, the bisected `V` with `mean_fraction(V, t_w) = f_m` between.
    pub fn amplitudes(&self, n_levels: u32) -> Vec<f64> {
        let last = n_levels.saturating_sub(1).max(1);
        (0..n_levels)
            .map(|m| {
                if m == 0 {
                    return 0.0;
                }
                if m >= last {
                    return self.v_max;
                }
                let f = m as f64 / last as f64;
                let (mut lo, mut hi) = (0.0, self.v_max);
                for _ in 0..60 {
                    let mid = 0.5 * (lo + hi);
                    if self.mean_fraction(mid, self.t_w) < f {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                0.5 * (lo + hi)
            })
            .collect()
    }
}

/// Switched fraction after one pulse of amplitude `v` and width `t` from the erased state:
/// `(sampled, nominal)`. Sampled: the mean over `cells` cells of the device (their own
/// activation fields, one NLS threshold per domain drawn from `seed`), what a measurement of
/// that many devices would give; nominal: [`Nls::mean_fraction`], the expectation over the E_a
/// distribution. The device must be a validated `domains` store.
pub fn switched_fraction(d: &DeviceParams, v: f64, t: f64, cells: u64, seed: u64) -> (f64, f64) {
    let nls = Nls::new(d, seed);
    let key = Key::new(seed, Stream::Characterize, 0);
    let mut switched = 0u64;
    for cell in 0..cells {
        for k in 0..nls.n {
            let ea = nls.activation_field(cell, k);
            let u = key.uniform_f64(cell * MAX_DOMAINS as u64 + k as u64);
            if nls.progress(ea, v, t) >= nls.threshold(u) {
                switched += 1;
            }
        }
    }
    let sampled = switched as f64 / (cells.max(1) * nls.n as u64) as f64;
    (sampled, nls.mean_fraction(v, t))
}

/// Per-cell domain masks (bit k set: domain k polarized up), shared by the chunks of a kernel
/// call (each cell is touched by one thread; relaxed atomics). `Clone` copies the values.
#[derive(Debug, Default)]
pub struct Masks(pub Arc<[AtomicU64]>);

impl Masks {
    pub fn from_vec(v: Vec<u64>) -> Masks {
        Masks(v.into_iter().map(AtomicU64::new).collect())
    }
    pub fn to_vec(&self) -> Vec<u64> {
        self.0.iter().map(|m| m.load(Ordering::Relaxed)).collect()
    }
    /// A handle on the same masks (for a kernel call).
    pub fn share(&self) -> Arc<[AtomicU64]> {
        Arc::clone(&self.0)
    }
}

impl Clone for Masks {
    fn clone(&self) -> Masks {
        Masks::from_vec(self.to_vec())
    }
}

impl PartialEq for Masks {
    fn eq(&self, other: &Masks) -> bool {
        self.to_vec() == other.to_vec()
    }
}

/// Per-kernel-call constants of the domain store.
#[derive(Clone, Debug)]
pub struct Domains {
    pub nls: Nls,
    pub masks: Arc<[AtomicU64]>,
    /// program amplitude per level index (see [`Nls::amplitudes`])
    pub amps: Arc<[f64]>,
    /// weight span from level 0 to the last level
    pub span_w: f64,
    pub key: Key,
    pub verify: Option<Verify>,
    pub step_v: f64,
}

impl Domains {
    fn all(&self) -> u64 {
        if self.nls.n >= 64 {
            u64::MAX
        } else {
            (1u64 << self.nls.n) - 1
        }
    }

    /// An erase pulse (`-v_max`, `t_w`): each up domain switches down past its own threshold
    /// (drawn from `key`).
    fn erase(&self, mask: u64, cell: u64, key: Key) -> u64 {
        let mut m = mask;
        let mut rest = mask;
        while rest != 0 {
            let k = rest.trailing_zeros();
            rest &= rest - 1;
            let ea = self.nls.activation_field(cell, k);
            let s = self.nls.progress(ea, self.nls.v_max, self.nls.t_w);
            if s >= self.theta(cell, k, key) {
                m &= !(1u64 << k);
            }
        }
        m
    }

    /// The switching threshold of domain `k` in the operation drawing from `key` (a pure
    /// function of the key, so the pulses of one operation share it without storing it).
    #[inline]
    fn theta(&self, cell: u64, k: u32, key: Key) -> f64 {
        self.nls
            .threshold(key.uniform_f64(cell * MAX_DOMAINS as u64 + k as u64))
    }

    /// A program pulse of amplitude `v` and width `t_w`: every down domain adds its progress
    /// to `s` and switches up once past its threshold (drawn from `key`).
    fn program(&self, mask: u64, v: f64, cell: u64, s: &mut [f64; 64], key: Key) -> u64 {
        self.program_for(mask, v, self.nls.t_w, cell, s, key)
    }

    /// [`Domains::program`] with a pulse of width `t`.
    fn program_for(
        &self,
        mask: u64,
        v: f64,
        t: f64,
        cell: u64,
        s: &mut [f64; 64],
        key: Key,
    ) -> u64 {
        let mut m = mask;
        let mut rest = !mask & self.all();
        while rest != 0 {
            let k = rest.trailing_zeros();
            rest &= rest - 1;
            let ea = self.nls.activation_field(cell, k);
            s[k as usize] += self.nls.progress(ea, v, t);
            if s[k as usize] >= self.theta(cell, k, key) {
                m |= 1u64 << k;
            }
        }
        m
    }

    /// Erase, then a program pulse of `v` (if > 0) with fresh thresholds (operation `k`):
    /// the pulses used and the thresholds' key, which later accumulating pulses keep.
    fn erase_program(
        &self,
        mask: &mut u64,
        v: f64,
        cell: u64,
        k: u32,
        s: &mut [f64; 64],
    ) -> (u32, Key) {
        let key = op_key(self.key, k);
        *mask = self.erase(*mask, cell, key.derive(7));
        *s = [0.0; 64];
        if v > 0.0 {
            *mask = self.program(*mask, v, cell, s, key);
            (2, key)
        } else {
            (1, key)
        }
    }
}

impl MsbModel for Domains {
    fn write(&self, r: &WriteReq) -> MsbWrite {
        let cell = r.cell;
        let n = self.nls.n as f64;
        let last = (self.amps.len() - 1).max(1) as f64;
        let f_t = r.to_level as f64 / last;
        let level = r.to_level as usize;
        let mut mask = self.masks[cell as usize].load(Ordering::Relaxed);
        let mut s = [0.0f64; 64];
        let mut v = self.amps[level];
        let (mut pulses, mut tkey) = self.erase_program(&mut mask, v, cell, 0, &mut s);
        let mut iterations = 0;
        if let Some(ver) = self.verify {
            let tol_k = ver.tol_w / self.span_w * n;
            iterations = 1;
            loop {
                let k_now = mask.count_ones() as f64;
                if (k_now - f_t * n).abs() <= tol_k || iterations >= ver.max_iterations {
                    break;
                }
                if k_now < f_t * n {
                    // undershoot: a short pulse a step higher (ISPP); the switching time
                    // accumulates (a full second pulse would double it: with beta = 2 a jump
                    // of many domains; the same amplitude may never reach a cell's next
                    // domain, tau rising steeply with E_a)
                    v = (v + self.step_v).min(self.nls.v_max);
                    let t = self.nls.t_w / INCREMENT_DIV;
                    mask = self.program_for(mask, v, t, cell, &mut s, tkey);
                    pulses += 1;
                } else {
                    // overshoot: erase and program a step lower, fresh thresholds
                    v = (v - self.step_v).max(0.0);
                    let (p, t) = self.erase_program(&mut mask, v, cell, iterations, &mut s);
                    pulses += p;
                    tkey = t;
                }
                iterations += 1;
            }
        }
        self.masks[cell as usize].store(mask, Ordering::Relaxed);
        let f = mask.count_ones() as f64 / n;
        MsbWrite {
            error: (r.offset as f64 + (f - f_t) * self.span_w) as f32,
            pulses,
            verify_iterations: iterations,
        }
    }
}

/// The domain state of an array: the device's NLS physics, the per-cell masks and the level
/// amplitudes (computed once per array).
#[derive(Clone, Debug)]
pub struct DomainState {
    pub nls: Nls,
    pub masks: Masks,
    pub amps: Arc<[f64]>,
}

impl DomainState {
    /// All cells erased (masks 0); `n_levels` level amplitudes.
    pub fn new(d: &DeviceParams, seed: u64, cells: usize, n_levels: u32) -> DomainState {
        let nls = Nls::new(d, seed);
        DomainState {
            nls,
            masks: Masks::from_vec(vec![0; cells]),
            amps: nls.amplitudes(n_levels).into(),
        }
    }

    /// The store of one kernel call (levels `d_m` apart), drawing from `key`.
    pub fn store(&self, d: &DeviceParams, d_m: f64, key: Key, verify: Option<Verify>) -> Domains {
        Domains {
            nls: self.nls,
            masks: self.masks.share(),
            amps: Arc::clone(&self.amps),
            span_w: (self.amps.len().max(2) - 1) as f64 * d_m,
            key,
            verify,
            step_v: d.fe_verify_step_v,
        }
    }
}

#[cfg(test)]
#[path = "domains_tests.rs"]
mod tests;
