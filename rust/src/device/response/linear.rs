//! `linear`: every pulse moves the state by the same step (the first release's model).
//!
//! In pulse units one pulse moves the LSB by the cell's step `s`; normalized, `x' = x +- n *
//! step`. The first release's fast kernels (`array::update::linear`) implement this model with
//! `step_c2c_rel` (noise relative to the step) and `lsb_soft_saturation`; this curve serves the
//! generic kernel (NeuroSim-style `lsb_c2c_rel` noise) and the model tests.

use super::{clip_unit, Curve};
use crate::device::DeviceParams;
use crate::error::{Error, Result};

#[derive(Clone, Debug, PartialEq)]
pub struct Linear;

impl Linear {
    pub fn build(d: &DeviceParams) -> Result<Linear> {
        if d.lsb_soft_saturation > 0.0 && d.lsb_c2c_rel > 0.0 {
            return Err(Error::param(
                "lsb_soft_saturation",
                d.lsb_soft_saturation,
                "0 with lsb_c2c_rel > 0 (the first release's soft saturation runs with its own \
                 step noise step_c2c_rel; for a saturating curve with NeuroSim-style noise use \
                 lsb_response 'soft-bounds' or 'exp')",
            ));
        }
        Ok(Linear)
    }
}

impl Curve for Linear {
    type Shape = ();
    fn shape(&self, _up: bool, _a: f64) {}

    /// the pulse-axis advance n * step
    #[inline]
    fn train(&self, n: u32, _up: bool, step: f64, _s: &()) -> f64 {
        n as f64 * step
    }

    #[inline]
    fn apply(&self, x: f64, _n: u32, up: bool, _step: f64, _s: &(), dp: f64) -> (f64, f64) {
        let xn = if up { x + dp } else { x - dp };
        clip_unit(xn, || if up { xn - 1.0 } else { -xn })
    }
}
