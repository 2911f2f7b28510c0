//! `soft-bounds`: the step shrinks linearly toward the bound it moves to (aihwkit's
//! `SoftBoundsDevice`: `dw = dw_min (1 - w / w_max)` up, `dw_min (1 - w / w_min)` down).
//!
//! As in aihwkit the nominal step is the step at the middle of the range (mid-rail, where a
//! reset leaves the LSB): one pulse moves `x` by `2 step (1 - x)` up and `2 step x` down,
//! `step = s / (2 L_max)`, so at `x = 1/2` it is the linear model's step. `n` pulses in closed
//! form: `1 - x' = (1 - x)(1 - 2 step)^n` up, `x' = x (1 - 2 step)^n` down. The bounds are
//! approached, never passed (no clipped pulses without noise). The slope is the cell's step
//! scale `s` (asymmetry and device-to-device spread act through it).

use super::Curve;
use crate::device::DeviceParams;
use crate::error::Result;

#[derive(Clone, Debug, PartialEq)]
pub struct SoftBounds;

impl SoftBounds {
    pub fn build(_d: &DeviceParams) -> Result<SoftBounds> {
        Ok(SoftBounds)
    }
}

impl Curve for SoftBounds {
    type Shape = ();
    fn shape(&self, _up: bool, _a: f64) {}

    /// (1 - 2 step)^n; a step of more than half the range per pulse would overshoot the
    /// bound, so the factor is clamped at 0
    #[inline]
    fn train(&self, n: u32, _up: bool, step: f64, _s: &()) -> f64 {
        (1.0 - 2.0 * step)
            .max(0.0)
            .powi(n.min(i32::MAX as u32) as i32)
    }

    #[inline]
    fn apply(&self, x: f64, _n: u32, up: bool, _step: f64, _s: &(), f: f64) -> (f64, f64) {
        let xn = if up { 1.0 - (1.0 - x) * f } else { x * f };
        (xn.clamp(0.0, 1.0), 0.0)
    }
}
