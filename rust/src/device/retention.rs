//! MSB retention: what an inference readout `t` seconds after the last write sees.
//!
//! Retention acts on the non-volatile MSB weight only (the LSBs are gone at inference). Every
//! model keeps the sign of a cell's weight and never increases its magnitude; each is computed
//! in a form that cannot underflow before its own physics reaches zero (device-model contract,
//! "v2: retention"). The models (`retention_model`):
//! - `exp` (first release): `w(t) = w0 exp(-t / tau)`. With no per-cell spread it is one factor
//!   shared by every cell (it only rescales a bias-free network); kept for the `*-linear`
//!   presets so old runs reproduce.
//! - `log`: the ferroelectric memory window closing linearly in log time, the form of measured
//!   FeFET retention (e.g. Mulaosmanovic et al., ACS AMI 9, 3792, 2017; Ni et al., IEDM 2018):
//!   `|w(t)| = max(0, |w0| - w_sat ln(1 + t/t0) / ln(1 + tau/t0))`. Every level loses the same
//!   weight per decade, so the saturated level (`|w0| = w_sat`) closes at `tau` and a partially
//!   switched one earlier: the level dependence is part of the form.
//! - `domains` (the `domains` MSB store): per-domain back-switching under the depolarization
//!   field, which points against the cell's net polarization. Each domain aligned with the net
//!   polarization switches back with the NLS law of the writes, `1 - exp(-(t/tau_k)^beta)`, at
//!   `tau_k = fe_tau0_s exp((E_a,k / E_ret)^alpha)`, the retention field `E_ret` set so a domain
//!   at the median activation field has `tau_k = tau_retention_s`, i.e.
//!   `ln(tau_k / tau0) = (E_a,k / E_a,median)^alpha ln(tau_retention_s / tau0)`. The field
//!   vanishes at zero net polarization, so back-switching stops there. Domains with a low
//!   activation field switch first in a write and relax first: partially programmed levels lose
//!   a larger share of their weight, and the broad spread of `tau_k` gives log-time decay.
//!   Each domain's back-switching time `T_k = tau_k (-ln u_k)^(1/beta)` comes from one uniform
//!   `u_k` fixed per array, so the decay of one array is one sample path, monotone in `t`.
//! - `drift` (PCM): structural relaxation, `G(t) = G0 (t / t0)^-nu` for `t > t0` (Ielmini et
//!   al., IEEE TED 54, 308, 2007; the per-device spread of nu as in Joshi et al., Nat. Commun.
//!   11, 2473, 2020), applied to the pair's normalized conductance difference; `nu` per cell.
//!
//! Device-to-device spread (`retention_sigma_ln`): every cell's `tau` (or `nu` for `drift`) is
//! multiplied by `exp(retention_sigma_ln * z)`, `z` standard normal from the stream
//! `D2dRetention` of the array's seed: drawn once per array (a pure function of the seed, so it
//! is recomputed at readout, not stored).

use super::msb::{Nls, MAX_DOMAINS};
use super::names::named_choice;
use super::{DeviceParams, MsbKind};
use crate::error::{Error, Result};
use crate::rng::{Key, Stream};

named_choice!(
    /// How the MSB weight relaxes after its last write (inference only).
    RetentionKind, "retention_model", {
    /// exp(-t / tau) (first release)
    Exp = "exp",
    /// memory window closing linearly in log time (ferroelectric, levels store)
    Log = "log",
    /// per-domain back-switching of the `domains` store
    Domains = "domains",
    /// PCM conductance drift (t / t0)^-nu
    Drift = "drift",
});

/// The retention of one array at one time `t`: per-cell weights after `t` seconds.
#[derive(Clone, Copy, Debug)]
pub struct Retention {
    kind: RetentionKind,
    t: f64,
    tau: f64,
    t0: f64,
    nu: f64,
    sigma_ln: f64,
    /// magnitude of the saturated level (`log`)
    w_sat: f64,
    /// `exp` without spread: the factor every cell shares
    common: f64,
    key_cell: Key,
    key_domain: Key,
}

impl Retention {
    /// The retention of a validated device after `t` seconds, for an array of seed `seed`
    /// whose largest level magnitude is `w_sat`.
    pub fn new(d: &DeviceParams, seed: u64, t: f64, w_sat: f64) -> Retention {
        let common = if d.tau_retention_s.is_finite() {
            (-t / d.tau_retention_s).exp()
        } else {
            1.0
        };
        Retention {
            kind: d.retention_model,
            t,
            tau: d.tau_retention_s,
            t0: d.retention_t0_s,
            nu: d.pcm_drift_nu,
            sigma_ln: d.retention_sigma_ln,
            w_sat,
            common,
            key_cell: Key::new(seed, Stream::D2dRetention, 0),
            key_domain: Key::new(seed, Stream::D2dRetention, 1),
        }
    }

    /// True when every cell keeps its weight (t = 0, or no decay in this model).
    pub fn is_identity(&self) -> bool {
        self.t == 0.0 || (self.kind != RetentionKind::Drift && self.tau == f64::INFINITY)
    }

    /// True when the model acts through the domain masks ([`Retention::domain_fraction`]).
    pub fn acts_on_domains(&self) -> bool {
        self.kind == RetentionKind::Domains
    }

    /// `exp(sigma_ln z)` of cell `cell`: its d2d factor on tau (or nu).
    #[inline]
    fn cell_factor_ln(&self, cell: u64) -> f64 {
        if self.sigma_ln > 0.0 {
            self.sigma_ln * self.key_cell.normal(cell)
        } else {
            0.0
        }
    }

    /// Weight of cell `cell` after `t`, from its weight `w0` at the last write (`exp`, `log`,
    /// `drift`; `domains` goes through [`Retention::domain_fraction`]).
    #[inline]
    pub fn weight(&self, cell: u64, w0: f64) -> f64 {
        match self.kind {
            RetentionKind::Exp if self.sigma_ln == 0.0 => w0 * self.common,
            RetentionKind::Exp => {
                // ln of the factor, -t/tau_cell, is finite; exp of it underflows only where the
                // exponential itself is below f64's range (its physics: 0 weight)
                w0 * (-(self.t / self.tau) * (-self.cell_factor_ln(cell)).exp()).exp()
            }
            RetentionKind::Log => {
                let tau = self.tau * self.cell_factor_ln(cell).exp();
                let lost = self.w_sat * (self.t / self.t0).ln_1p() / (tau / self.t0).ln_1p();
                w0.signum() * (w0.abs() - lost).max(0.0)
            }
            RetentionKind::Drift => {
                if self.t <= self.t0 {
                    return w0;
                }
                let nu = self.nu * self.cell_factor_ln(cell).exp();
                w0 * (-nu * (self.t / self.t0).ln()).exp()
            }
            RetentionKind::Domains => w0,
        }
    }

    /// The up-domain count of a `domains` cell after `t`: its mask `mask` of `n` domains,
    /// back-switching the domains aligned with the net polarization (see the module doc)
    /// until it would change sign.
    pub fn domain_fraction(&self, nls: &Nls, cell: u64, mask: u64) -> u32 {
        let n = nls.n;
        let up = mask.count_ones();
        let down = n - up;
        let (majority_up, k_max) = if up > down {
            (true, (up - down) / 2)
        } else {
            (false, (down - up) / 2)
        };
        if k_max == 0 || self.is_identity() {
            return up;
        }
        let ln_t = self.t.ln();
        let ln_span = (self.tau / nls.tau0()).ln();
        let ln_cell = self.cell_factor_ln(cell) + nls.tau0().ln();
        let ea0 = nls.median_field();
        let mut flipped = 0;
        for k in 0..n {
            if ((mask >> k) & 1 == 1) != majority_up {
                continue;
            }
            let ea = nls.activation_field(cell, k);
            let u = self
                .key_domain
                .uniform_f64(cell * MAX_DOMAINS as u64 + k as u64);
            // ln T_k = ln tau_k + ln((-ln u)^(1/beta)), u in (0, 1]
            let ln_tk = ln_cell
                + nls.merz_exponent(ea / ea0) * ln_span
                + (-(1.0 - u).ln()).ln() / nls.beta();
            if ln_tk <= ln_t {
                flipped += 1;
            }
        }
        let k = flipped.min(k_max);
        if majority_up {
            up - k
        } else {
            up + k
        }
    }
}

impl DeviceParams {
    /// The retention fields (hybrid devices): each model's own fields, and only there.
    pub(super) fn validate_retention(&self) -> Result<()> {
        let s = self.retention_sigma_ln;
        if !(s.is_finite() && s >= 0.0) {
            return Err(Error::param("retention_sigma_ln", s, "finite value >= 0"));
        }
        let t0 = self.retention_t0_s;
        if !(t0.is_finite() && t0 > 0.0) {
            return Err(Error::param("retention_t0_s", t0, "finite value > 0"));
        }
        let kind = self.retention_model;
        let nu = self.pcm_drift_nu;
        if kind == RetentionKind::Drift {
            if !(nu.is_finite() && nu > 0.0 && nu <= 1.0) {
                return Err(Error::param(
                    "pcm_drift_nu",
                    nu,
                    "a value in (0, 1] with retention_model 'drift'",
                ));
            }
        } else if nu != 0.0 {
            return Err(Error::param(
                "pcm_drift_nu",
                nu,
                "0 unless retention_model is 'drift' (it only acts there)",
            ));
        }
        if kind == RetentionKind::Domains {
            if self.msb_model != MsbKind::Domains {
                return Err(Error::param(
                    "retention_model",
                    "'domains'",
                    &format!(
                        "'domains' only with msb_model 'domains' (it back-switches the FE \
                         domains); msb_model is '{}'",
                        self.msb_model.as_str()
                    ),
                ));
            }
            if self.tau_retention_s <= self.fe_tau0_s {
                return Err(Error::param(
                    "tau_retention_s",
                    self.tau_retention_s,
                    "a value > fe_tau0_s with retention_model 'domains' (the back-switching \
                     time of a domain at the median activation field)",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "retention_tests.rs"]
mod tests;
