//! `exp`: NeuroSim's exponential weight-update curve (MLP+NeuroSim V3.0, Chen et al.,
//! IEEE TCAD 2018; `Cell.cpp` / `formula.cpp`).
//!
//! Along the normalized pulse axis `p` in [0, 1] the state follows
//! `g(p) = (1 - exp(-p/a)) / (1 - exp(-1/a))`, `a = A / P_max` the normalized nonlinearity
//! (signed: `a > 0` a concave, saturating curve; `a < 0` a convex one; large `|a|` tends to
//! linear). A train of pulses starts from the `p` that gives the current state and advances it
//! by `n / P_max`: with `E = 1 - exp(-1/a)` and `u = 1 - x E`,
//! `x' = (1 - u exp(-dp / a)) / E` for potentiation (`dp = n * step`), one exponential and
//! exact for any `n`. Depression retraces the curve of its own `a` backward (`dp -> -dp`), as
//! NeuroSim does: its negative NL labels (`a < 0`) give the mirror image of a saturating curve,
//! i.e. depression that saturates toward the bottom. `a` is the parameter (NeuroSim's NL label
//! maps to it, see `femsyn.device.neurosim_a`).

use super::{clip_unit, Curve};
use crate::device::DeviceParams;
use crate::error::{Error, Result};

/// Smallest |a| accepted: exp(1/a) stays finite and the curve stays resolvable in f64.
pub const A_MIN: f64 = 0.01;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Exp {
    a_up: f64,
    a_down: f64,
}

impl Exp {
    pub fn build(d: &DeviceParams) -> Result<Exp> {
        for (field, a) in [
            ("lsb_exp_a_up", d.lsb_exp_a_up),
            ("lsb_exp_a_down", d.lsb_exp_a_down),
        ] {
            if !(a.is_finite() && a.abs() >= A_MIN) {
                return Err(Error::param(
                    field,
                    a,
                    &format!(
                        "a finite value with |a| >= {A_MIN} for lsb_response 'exp' (normalized \
                         nonlinearity a = A / P_max; sign as NeuroSim's NL label)"
                    ),
                ));
            }
        }
        let rel = d.lsb_exp_a_d2d_rel;
        if !(rel.is_finite() && rel >= 0.0) {
            return Err(Error::param("lsb_exp_a_d2d_rel", rel, "finite value >= 0"));
        }
        Ok(Exp {
            a_up: d.lsb_exp_a_up,
            a_down: d.lsb_exp_a_down,
        })
    }

    /// The curve of two given nonlinearities (for other stores on the same curve, e.g. the
    /// PCM MSB; the caller validates `|a| >= A_MIN`).
    pub fn new(a_up: f64, a_down: f64) -> Exp {
        Exp { a_up, a_down }
    }

    /// The nominal `a` of a direction.
    pub fn a(&self, up: bool) -> f64 {
        if up {
            self.a_up
        } else {
            self.a_down
        }
    }
}

/// A prepared exp curve: `a`, `E = 1 - exp(-1/a)` and `1 / E`.
#[derive(Clone, Copy, Debug)]
pub struct ExpShape {
    a: f64,
    e: f64,
    inv_e: f64,
}

impl ExpShape {
    /// The pulse-axis position `p` of state `x` on this curve (`g^-1(x)`).
    #[inline]
    pub fn position(&self, x: f64) -> f64 {
        -self.a * (1.0 - x * self.e).ln()
    }
}

impl Curve for Exp {
    type Shape = ExpShape;

    #[inline]
    fn shape(&self, _up: bool, a: f64) -> ExpShape {
        let e = -(-1.0 / a).exp_m1();
        ExpShape {
            a,
            e,
            inv_e: 1.0 / e,
        }
    }

    /// exp(-dp / a) with dp = +-n * step (the factor on u = 1 - x E)
    #[inline]
    fn train(&self, n: u32, up: bool, step: f64, s: &ExpShape) -> f64 {
        let dp = n as f64 * step;
        (if up { -dp } else { dp } / s.a).exp()
    }

    #[inline]
    fn apply(&self, x: f64, n: u32, up: bool, step: f64, s: &ExpShape, f: f64) -> (f64, f64) {
        let u = 1.0 - x * s.e;
        let xn = (1.0 - u * f) * s.inv_e;
        // beyond an end: the pulse-axis position p = -a ln(u) tells how far (rare)
        clip_unit(xn, || {
            let p = -s.a * u.ln();
            let dp = n as f64 * step;
            if up {
                p + dp - 1.0
            } else {
                dp - p
            }
        })
    }
}
