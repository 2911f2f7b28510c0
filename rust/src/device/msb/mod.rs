//! MSB store models: what one write of a cell's non-volatile level does.
//!
//! Every MSB write of an array (an overflow carry, a read-all transfer, the initial `program`
//! of a store with its own physics) goes through [`MsbModel::write`], called by `array::carry`
//! and `array::program` only. A model returns the error the written level is left with and
//! what the write cost (program pulses, program-and-verify iterations), so a store with its own
//! physics is one file implementing the trait plus its arm in [`MsbKind`] and [`MsbStore`].
//!
//! - [`Levels`]: ideal levels plus a Gaussian programming error (first release);
//! - [`Pcm`]: a PCM pair programmed with pulse trains along NeuroSim's nonlinear curve, with
//!   cycle-to-cycle noise per train;
//! - [`Domains`]: a multi-domain ferroelectric layer (the FeMFET) switched by real pulses with
//!   nucleation-limited switching; its per-cell state is the domain mask ([`DomainState`]).
//!
//! Both take the write scheme [`WriteScheme`]: `open-loop` (one program operation) or
//! `program-verify` (program, read, correct until within `msb_verify_tol_rel` of the level
//! spacing or `msb_verify_max_iterations` operations).

mod domains;
mod levels;
mod pcm;

pub use domains::{switched_fraction, DomainState, Domains, Masks, Nls, MAX_DOMAINS};
pub use levels::Levels;
pub use pcm::Pcm;

use super::names::named_choice;
use super::response::A_MIN;
use super::DeviceParams;
use crate::error::{Error, Result};
use crate::rng::Key;

named_choice!(
    /// What stores the MSB level.
    MsbKind, "msb_model", {
    /// ideal levels, Gaussian programming error per write (first release)
    Levels = "levels",
    /// a PCM pair G+/G-: nonlinear, noisy pulse-train programming (NeuroSim's PCM)
    Pcm = "pcm",
    /// a multi-domain ferroelectric layer switched by pulses (NLS kinetics)
    Domains = "domains",
});

named_choice!(
    /// How an MSB write reaches its level.
    WriteScheme, "msb_write_scheme", {
    /// one program operation, no read back (NeuroSim's programming)
    OpenLoop = "open-loop",
    /// program, read, correct until within tolerance (closed loop, Ambrogio et al. 2018)
    ProgramVerify = "program-verify",
});

/// The outcome of one MSB write.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MsbWrite {
    /// deviation of the written level's weight from its nominal value (weight units),
    /// including the cell's static offset
    pub error: f32,
    /// program pulses applied (a PCM RESET counts one)
    pub pulses: u32,
    /// program-and-verify iterations of a closed-loop write (0: open loop); each is one
    /// program operation and one verify read
    pub verify_iterations: u32,
}

impl MsbWrite {
    /// Program operations of the write: what the cell's endurance counter counts.
    #[inline]
    pub fn operations(&self) -> u32 {
        self.verify_iterations.max(1)
    }
}

/// One write request. Weights are in weight units: `believed_w` is the nominal weight of the
/// level the controller thinks the cell holds, `actual_w` the weight it really stores (the
/// nominal plus the programming error of its last write, the static offset excluded),
/// `to_w` the nominal weight of the target level.
#[derive(Clone, Copy, Debug)]
pub struct WriteReq {
    pub cell: u64,
    /// the target level index
    pub to_level: u16,
    pub believed_w: f64,
    pub actual_w: f64,
    pub to_w: f64,
    pub offset: f32,
}

/// An MSB store.
pub trait MsbModel: Sync {
    fn write(&self, r: &WriteReq) -> MsbWrite;
}

/// The closed loop of `program-verify`: tolerance in weight units and the most operations.
#[derive(Clone, Copy, Debug)]
pub struct Verify {
    pub tol_w: f64,
    pub max_iterations: u32,
}

/// Key of program operation `k` of a write (k = 0 is the key itself, so an open-loop write
/// draws what the first release drew).
#[inline]
pub fn op_key(key: Key, k: u32) -> Key {
    if k == 0 {
        key
    } else {
        key.derive(0x100 + k as u64)
    }
}

/// The built store of a device, per kernel call (the key advances with the caller's step).
#[derive(Clone, Debug)]
pub enum MsbStore {
    Levels(Levels),
    Pcm(Pcm),
    Domains(Domains),
}

impl MsbStore {
    /// The store of a validated device whose levels are `d_m` apart, weight range `+-w_max`,
    /// drawing from `key`; `dom`: the array's domain state (`domains` only).
    pub fn build(
        d: &DeviceParams,
        d_m: f64,
        w_max: f64,
        key: Key,
        dom: Option<&DomainState>,
    ) -> MsbStore {
        let verify = match d.msb_write_scheme {
            WriteScheme::OpenLoop => None,
            WriteScheme::ProgramVerify => Some(Verify {
                tol_w: d.msb_verify_tol_rel * d_m,
                max_iterations: d.msb_verify_max_iterations,
            }),
        };
        match d.msb_model {
            MsbKind::Levels => MsbStore::Levels(Levels {
                sigma_w: d.msb_prog_sigma_rel * 2.0 * w_max,
                key,
                verify,
            }),
            MsbKind::Pcm => MsbStore::Pcm(Pcm::new(d, w_max, key, verify)),
            MsbKind::Domains => {
                let s = dom.expect("a 'domains' array holds its domain state");
                MsbStore::Domains(s.store(d, d_m, key, verify))
            }
        }
    }
}

impl MsbModel for MsbStore {
    #[inline]
    fn write(&self, r: &WriteReq) -> MsbWrite {
        match self {
            MsbStore::Levels(m) => m.write(r),
            MsbStore::Pcm(m) => m.write(r),
            MsbStore::Domains(m) => m.write(r),
        }
    }
}

/// Fields of one store model: any other model requires their default (0), so a parameter
/// never has a silent no-effect.
const OWNED: &[(&str, MsbKind)] = &[
    ("msb_pcm_max_pulses", MsbKind::Pcm),
    ("msb_pcm_a_up", MsbKind::Pcm),
    ("msb_pcm_a_down", MsbKind::Pcm),
    ("msb_c2c_rel", MsbKind::Pcm),
    ("fe_domains", MsbKind::Domains),
    ("fe_thickness_m", MsbKind::Domains),
    ("fe_voltage_fraction", MsbKind::Domains),
    ("fe_ea_v_per_m", MsbKind::Domains),
    ("fe_ea_sigma_ln", MsbKind::Domains),
    ("fe_tau0_s", MsbKind::Domains),
    ("fe_alpha", MsbKind::Domains),
    ("fe_beta", MsbKind::Domains),
    ("fe_verify_step_v", MsbKind::Domains),
];

impl DeviceParams {
    /// The MSB store's fields (hybrid devices).
    pub(super) fn validate_msb(&self) -> Result<()> {
        let value = |field: &str| -> f64 {
            match field {
                "msb_pcm_max_pulses" => self.msb_pcm_max_pulses as f64,
                "msb_pcm_a_up" => self.msb_pcm_a_up,
                "msb_pcm_a_down" => self.msb_pcm_a_down,
                "msb_c2c_rel" => self.msb_c2c_rel,
                "fe_domains" => self.fe_domains as f64,
                "fe_thickness_m" => self.fe_thickness_m,
                "fe_voltage_fraction" => self.fe_voltage_fraction,
                "fe_ea_v_per_m" => self.fe_ea_v_per_m,
                "fe_ea_sigma_ln" => self.fe_ea_sigma_ln,
                "fe_tau0_s" => self.fe_tau0_s,
                "fe_alpha" => self.fe_alpha,
                "fe_beta" => self.fe_beta,
                _ => self.fe_verify_step_v,
            }
        };
        for (field, owner) in OWNED {
            if *owner != self.msb_model && value(field) != 0.0 {
                return Err(Error::param(
                    field,
                    value(field),
                    &format!(
                        "0 with msb_model '{}': it only acts in the '{}' model",
                        self.msb_model.as_str(),
                        owner.as_str()
                    ),
                ));
            }
        }
        if self.msb_write_scheme == WriteScheme::ProgramVerify {
            let t = self.msb_verify_tol_rel;
            if !(t.is_finite() && t > 0.0) {
                return Err(Error::param(
                    "msb_verify_tol_rel",
                    t,
                    "a finite value > 0 (fraction of the MSB level spacing D_M) with \
                     msb_write_scheme 'program-verify'",
                ));
            }
            if self.msb_verify_max_iterations == 0 {
                return Err(Error::param(
                    "msb_verify_max_iterations",
                    0,
                    "an integer >= 1 with msb_write_scheme 'program-verify'",
                ));
            }
        }
        match self.msb_model {
            MsbKind::Pcm => self.validate_pcm()?,
            MsbKind::Domains => self.validate_domains()?,
            MsbKind::Levels => {}
        }
        Ok(())
    }

    fn validate_domains(&self) -> Result<()> {
        if self.msb_prog_sigma_rel != 0.0 {
            return Err(Error::param(
                "msb_prog_sigma_rel",
                self.msb_prog_sigma_rel,
                "0 with msb_model 'domains': its programming error comes from the switching \
                 physics (fe_* fields)",
            ));
        }
        if !(1..=MAX_DOMAINS).contains(&self.fe_domains) {
            return Err(Error::param(
                "fe_domains",
                self.fe_domains,
                &format!("an integer in [1, {MAX_DOMAINS}] with msb_model 'domains'"),
            ));
        }
        let gt0 = [
            ("fe_thickness_m", self.fe_thickness_m),
            ("fe_ea_v_per_m", self.fe_ea_v_per_m),
            ("fe_tau0_s", self.fe_tau0_s),
            ("fe_alpha", self.fe_alpha),
            ("fe_beta", self.fe_beta),
            ("msb_write_voltage_v", self.msb_write_voltage_v),
            ("msb_write_time_s", self.msb_write_time_s),
        ];
        for (field, x) in gt0 {
            if !(x.is_finite() && x > 0.0) {
                return Err(Error::param(
                    field,
                    x,
                    "a finite value > 0 with msb_model 'domains'",
                ));
            }
        }
        let f = self.fe_voltage_fraction;
        if !(f > 0.0 && f <= 1.0) {
            return Err(Error::param(
                "fe_voltage_fraction",
                f,
                "a value in (0, 1] with msb_model 'domains' (the share of the write voltage \
                 across the FE layer)",
            ));
        }
        for (field, x) in [
            ("fe_ea_sigma_ln", self.fe_ea_sigma_ln),
            ("fe_verify_step_v", self.fe_verify_step_v),
        ] {
            if !(x.is_finite() && x >= 0.0) {
                return Err(Error::param(field, x, "finite value >= 0"));
            }
        }
        Ok(())
    }

    fn validate_pcm(&self) -> Result<()> {
        if self.msb_prog_sigma_rel != 0.0 {
            return Err(Error::param(
                "msb_prog_sigma_rel",
                self.msb_prog_sigma_rel,
                "0 with msb_model 'pcm': its programming error comes from the write physics \
                 (msb_pcm_a_up/down nonlinearity, msb_c2c_rel noise)",
            ));
        }
        if self.msb_pcm_max_pulses == 0 {
            return Err(Error::param(
                "msb_pcm_max_pulses",
                0,
                "an integer >= 1 with msb_model 'pcm' (pulses from G_min to G_max)",
            ));
        }
        for (field, a) in [
            ("msb_pcm_a_up", self.msb_pcm_a_up),
            ("msb_pcm_a_down", self.msb_pcm_a_down),
        ] {
            if !(a.is_finite() && a.abs() >= A_MIN) {
                return Err(Error::param(
                    field,
                    a,
                    &format!(
                        "a finite value with |a| >= {A_MIN} with msb_model 'pcm' (NeuroSim's \
                         normalized nonlinearity, sign as its NL label)"
                    ),
                ));
            }
        }
        let c = self.msb_c2c_rel;
        if !(c.is_finite() && c >= 0.0) {
            return Err(Error::param("msb_c2c_rel", c, "finite value >= 0"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
