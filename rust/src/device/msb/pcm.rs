//! `pcm`: the MSB as a PCM pair G+/G- (Ambrogio et al., Nature 2018) programmed the way
//! MLP+NeuroSim V3.0 programs a PCM device (Chen, Peng, Yu, IEEE TCAD 2018; `Cell.cpp`
//! `RealDevice::Write`).
//!
//! The pair holds `y = x+ - x-` in [-1, 1] (`x` each device's normalized conductance
//! `(G - G_min) / (G_max - G_min)`); the weight is `y * w_max`. One device is active: it holds
//! `|y|` on the side of the weight's sign, the other sits at G_min. A write to a target level:
//! - if the target has the other sign (or is zero) the active device is RESET to G_min (one
//!   pulse, exact: the melt-quench erases the state);
//! - the controller computes the pulse count as if the device were linear, from the
//!   conductance it believes the device holds: `n = round(|x_t - x_b| * P_max)` (NeuroSim's
//!   `numPulse = deltaWeightNormalized * maxNumLevel`);
//! - the device moves along NeuroSim's exponential curve of that direction from where it really
//!   is (`x' = g(g^-1(x) +- n / P_max)`, `g(p) = (1 - exp(-p/a)) / (1 - exp(-1/a))`, the same
//!   curve as the `exp` LSB response: a state-dependent step), then gets cycle-to-cycle noise
//!   `msb_c2c_rel * sqrt(n) * xi` (NeuroSim: sigma of the range times sqrt(numPulse)) and is
//!   clipped to [0, 1].
//!
//! Open loop (NeuroSim's programming), the controller believes the nominal level it wrote last,
//! so nonlinearity and noise accumulate across writes. `program-verify` reads the pair after
//! each operation (an ideal read) and corrects from the value read with the pulses the nominal
//! curve needs from there (at least one; a controller that has read the state would not
//! assume a linear device, and with the linear count the steep depression curve makes the
//! corrections oscillate), until `|y - y_t| * w_max` is within the tolerance or the operations
//! are used up; what is left is the c2c noise of the last train and the pulse quantization.

use super::{op_key, MsbModel, MsbWrite, Verify, WriteReq};
use crate::device::response::{Curve, Exp, ExpShape};
use crate::device::DeviceParams;
use crate::rng::Key;

/// Per-kernel-call constants of the PCM pair.
#[derive(Clone, Copy, Debug)]
pub struct Pcm {
    curve: Exp,
    up: ExpShape,
    down: ExpShape,
    /// P_max: pulses from G_min to G_max
    p_max: f64,
    c2c: f64,
    w_max: f64,
    key: Key,
    verify: Option<Verify>,
}

impl Pcm {
    pub fn new(d: &DeviceParams, w_max: f64, key: Key, verify: Option<Verify>) -> Pcm {
        let curve = Exp::new(d.msb_pcm_a_up, d.msb_pcm_a_down);
        Pcm {
            curve,
            up: curve.shape(true, d.msb_pcm_a_up),
            down: curve.shape(false, d.msb_pcm_a_down),
            p_max: d.msb_pcm_max_pulses as f64,
            c2c: d.msb_c2c_rel,
            w_max,
            key,
            verify,
        }
    }

    /// One device's response to a train of `n` pulses from `x` (curve, then noise, clipped).
    #[inline]
    pub fn train(&self, x: f64, n: u32, up: bool, key: Key, cell: u64) -> f64 {
        if n == 0 {
            return x;
        }
        let s = if up { &self.up } else { &self.down };
        let (xn, _) = self.curve.advance(x, n, up, 1.0 / self.p_max, s);
        let noise = if self.c2c > 0.0 {
            self.c2c * (n as f64).sqrt() * key.normal(cell)
        } else {
            0.0
        };
        (xn + noise).clamp(0.0, 1.0)
    }

    /// One program operation of the pair from `y` toward `y_t`, the controller believing `b`.
    /// `correction`: a verify correction, which knows the nominal curve (the pulses that move
    /// the curve from `b` to the target, at least one); else NeuroSim's count as if linear.
    /// Returns the new `y` and the pulses applied.
    #[inline]
    fn operate(
        &self,
        y: f64,
        b: f64,
        y_t: f64,
        correction: bool,
        key: Key,
        cell: u64,
    ) -> (f64, u32) {
        let (mut y, mut b, mut pulses) = (y, b, 0);
        if b != 0.0 && (y_t == 0.0 || b.signum() != y_t.signum()) {
            // the active device is on the wrong side: RESET it to G_min
            y = 0.0;
            b = 0.0;
            pulses += 1;
        }
        if y_t == 0.0 {
            return (y, pulses);
        }
        let s = y_t.signum();
        let x = (y * s).max(0.0);
        let dx = y_t.abs() - (b * s).max(0.0);
        let up = dx > 0.0;
        let n = if correction {
            let c = if up { &self.up } else { &self.down };
            let xb = (b * s).max(0.0);
            (((c.position(y_t.abs()) - c.position(xb)).abs() * self.p_max).round() as u32).max(1)
        } else {
            (dx.abs() * self.p_max).round() as u32
        };
        (s * self.train(x, n, up, key, cell), pulses + n)
    }
}

impl MsbModel for Pcm {
    fn write(&self, r: &WriteReq) -> MsbWrite {
        let inv = 1.0 / self.w_max;
        let y_t = r.to_w * inv;
        let (mut y, mut pulses) = self.operate(
            r.actual_w * inv,
            r.believed_w * inv,
            y_t,
            false,
            self.key,
            r.cell,
        );
        let mut iterations = 0;
        if let Some(v) = self.verify {
            iterations = 1;
            while ((y - y_t) * self.w_max).abs() > v.tol_w && iterations < v.max_iterations {
                let key = op_key(self.key, iterations);
                let (y2, n) = self.operate(y, y, y_t, true, key, r.cell);
                y = y2;
                pulses += n;
                iterations += 1;
            }
        }
        MsbWrite {
            error: (r.offset as f64 + (y - y_t) * self.w_max) as f32,
            pulses,
            verify_iterations: iterations,
        }
    }
}
