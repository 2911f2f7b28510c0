//! `levels`: ideal discrete levels written with a Gaussian programming error (the first
//! release's model; `msb_prog_sigma_rel` of the weight range, redrawn at every write; the
//! cell's static offset `msb_d2d_rel` added). With `program-verify` the error is redrawn (one
//! program operation each) until it is within the tolerance: the verify read compares the
//! cell with its reference, so it sees the programming error, not the static offset.

use super::{op_key, MsbModel, MsbWrite, Verify, WriteReq};
use crate::rng::Key;

/// Per-kernel-call constants of the model (the key advances with the caller's stream step).
#[derive(Clone, Copy, Debug)]
pub struct Levels {
    /// programming error std in weight units
    pub sigma_w: f64,
    /// the stream of this call's programming errors
    pub key: Key,
    /// the closed loop (`None`: open loop)
    pub verify: Option<Verify>,
}

impl Levels {
    #[inline]
    fn draw(&self, cell: u64, k: u32) -> f64 {
        if self.sigma_w > 0.0 {
            self.sigma_w * op_key(self.key, k).normal32(cell) as f64
        } else {
            0.0
        }
    }
}

impl MsbModel for Levels {
    #[inline]
    fn write(&self, r: &WriteReq) -> MsbWrite {
        let mut e = self.draw(r.cell, 0);
        let mut iterations = 0;
        if let Some(v) = self.verify {
            iterations = 1;
            while e.abs() > v.tol_w && iterations < v.max_iterations {
                e = self.draw(r.cell, iterations);
                iterations += 1;
            }
        }
        let error = if self.sigma_w > 0.0 {
            (r.offset as f64 + e) as f32
        } else {
            r.offset
        };
        MsbWrite {
            error,
            pulses: iterations.max(1),
            verify_iterations: iterations,
        }
    }
}
