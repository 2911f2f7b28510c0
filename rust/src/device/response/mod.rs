//! LSB response models: how a train of `n` pulses moves a cell's LSB.
//!
//! The LSB lives in pulse units in `[-L_max, L_max]` (weight `D_L * lsb`). A model sees the
//! normalized state `x = (lsb + L_max) / (2 L_max)` in `[0, 1]` and the pulse axis `p` in
//! `[0, 1]`: one pulse of a cell whose step scale in that direction is `s` (`(1 +- a)` times
//! its device-to-device spread) advances `p` by `s / (2 L_max)`, i.e. `P_max = 2 L_max / s`
//! pulses take the state from one end to the other (on average one pulse unit per pulse, as
//! the linear model). Up (potentiation) and down (depression) have separate curves. Every model
//! has a closed form for `n` pulses, so one update of any size is exact, and the result is
//! clipped at the ends (the pulses beyond are returned as `excess` on the pulse axis).
//!
//! Registry: adding a model is one file (a type implementing [`Curve`] with a `build` that
//! validates its own fields) plus one arm in each match of this file ([`LsbResponse`],
//! [`Model`], [`Model::build`], [`with_curve!`] and, for new fields, [`OWNED`]).

mod exp;
mod linear;
mod soft_bounds;
mod table;

pub use exp::{Exp, ExpShape, A_MIN};
pub use linear::Linear;
pub use soft_bounds::SoftBounds;
pub use table::Table;

use super::names::named_choice;
use super::DeviceParams;
use crate::error::{Error, Result};

named_choice!(
    /// How a pulse moves the LSB.
    LsbResponse, "lsb_response", {
    /// one step per pulse (first release)
    Linear = "linear",
    /// NeuroSim's exponential curve
    Exp = "exp",
    /// aihwkit's SoftBounds: the step shrinks linearly toward the bound it moves to
    SoftBounds = "soft-bounds",
    /// a measured curve (potentiation and depression tables)
    Table = "table",
});

/// A response curve. `x` in [0, 1]; `n >= 1` pulses in direction `up`, each advancing the
/// pulse axis by `step > 0`. [`Curve::advance`] returns the new state (in [0, 1]) and the part
/// of the pulse-axis advance beyond the end of the curve (>= 0).
///
/// The work is split so the kernels can precompute: [`Curve::shape`] prepares a cell's shape
/// parameter `a` (the exp model's nonlinearity; unused by the others) once, and
/// [`Curve::train`] is the part of an `n`-pulse train that depends only on `(n, step, shape)`;
/// with uniform steps and shapes the kernel tabulates it per update for every `n`, leaving
/// [`Curve::apply`] a few flops per cell.
pub trait Curve: Sync {
    type Shape: Copy + Send + Sync;
    fn shape(&self, up: bool, a: f64) -> Self::Shape;
    fn train(&self, n: u32, up: bool, step: f64, s: &Self::Shape) -> f64;
    fn apply(&self, x: f64, n: u32, up: bool, step: f64, s: &Self::Shape, train: f64)
        -> (f64, f64);

    #[inline]
    fn advance(&self, x: f64, n: u32, up: bool, step: f64, s: &Self::Shape) -> (f64, f64) {
        self.apply(x, n, up, step, s, self.train(n, up, step, s))
    }
}

/// The built model of a device (validated parameters, precomputed curves).
#[derive(Clone, Debug, PartialEq)]
pub enum Model {
    Linear(Linear),
    Exp(Exp),
    SoftBounds(SoftBounds),
    Table(Table),
}

/// Run `$body` with `$m` bound to the concrete curve of `$model` (monomorphized kernels).
#[macro_export]
macro_rules! with_curve {
    ($model:expr, $m:ident => $body:expr) => {
        match $model {
            $crate::device::response::Model::Linear($m) => $body,
            $crate::device::response::Model::Exp($m) => $body,
            $crate::device::response::Model::SoftBounds($m) => $body,
            $crate::device::response::Model::Table($m) => $body,
        }
    };
}

/// Fields that belong to one model: any other model requires their default (0 or empty),
/// so a parameter never has a silent no-effect.
pub const OWNED: &[(&str, LsbResponse)] = &[
    ("step_c2c_rel", LsbResponse::Linear),
    ("lsb_soft_saturation", LsbResponse::Linear),
    ("lsb_exp_a_up", LsbResponse::Exp),
    ("lsb_exp_a_down", LsbResponse::Exp),
    ("lsb_exp_a_d2d_rel", LsbResponse::Exp),
    ("lsb_table_pulse", LsbResponse::Table),
    ("lsb_table_ltp", LsbResponse::Table),
    ("lsb_table_ltd", LsbResponse::Table),
];

impl Model {
    /// Validate the model's fields and build it.
    pub fn build(d: &DeviceParams) -> Result<Model> {
        check_owned(d)?;
        Ok(match d.lsb_response {
            LsbResponse::Linear => Model::Linear(Linear::build(d)?),
            LsbResponse::Exp => Model::Exp(Exp::build(d)?),
            LsbResponse::SoftBounds => Model::SoftBounds(SoftBounds::build(d)?),
            LsbResponse::Table => Model::Table(Table::build(d)?),
        })
    }

    /// The nominal shape parameter of a direction (the exp model's `a`; 0 for the others).
    pub fn shape(&self, up: bool) -> f64 {
        match self {
            Model::Exp(e) => e.a(up),
            _ => 0.0,
        }
    }
}

fn check_owned(d: &DeviceParams) -> Result<()> {
    let set = |field: &str| -> bool {
        match field {
            "step_c2c_rel" => d.step_c2c_rel != 0.0,
            "lsb_soft_saturation" => d.lsb_soft_saturation != 0.0,
            "lsb_exp_a_up" => d.lsb_exp_a_up != 0.0,
            "lsb_exp_a_down" => d.lsb_exp_a_down != 0.0,
            "lsb_exp_a_d2d_rel" => d.lsb_exp_a_d2d_rel != 0.0,
            "lsb_table_pulse" => !d.lsb_table_pulse.is_empty(),
            "lsb_table_ltp" => !d.lsb_table_ltp.is_empty(),
            "lsb_table_ltd" => !d.lsb_table_ltd.is_empty(),
            _ => false,
        }
    };
    for (field, owner) in OWNED {
        if *owner != d.lsb_response && set(field) {
            return Err(Error::param(
                field,
                "a non-default value",
                &format!(
                    "its default (0 or empty) with lsb_response '{}': it only acts in the \
                     '{}' model",
                    d.lsb_response.as_str(),
                    owner.as_str()
                ),
            ));
        }
    }
    Ok(())
}

/// Clip a state that left [0, 1]: returns the clipped state and the pulse-axis excess.
#[inline]
pub(crate) fn clip_unit(x: f64, p_excess: impl FnOnce() -> f64) -> (f64, f64) {
    if (0.0..=1.0).contains(&x) {
        (x, 0.0)
    } else {
        (x.clamp(0.0, 1.0), p_excess().max(0.0))
    }
}

#[cfg(test)]
mod tests;
