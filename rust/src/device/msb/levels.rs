//! `levels`: ideal discrete levels written in one open-loop step with a Gaussian programming
//! error (the first release's model; `msb_prog_sigma_rel` of the weight range, redrawn at
//! every write; the cell's static offset `msb_d2d_rel` added).

use super::{MsbModel, MsbWrite};
use crate::rng::Key;

/// Per-kernel-call constants of the model (the key advances with the caller's stream step).
#[derive(Clone, Copy, Debug)]
pub struct Levels {
    /// programming error std in weight units
    pub sigma_w: f64,
    /// the stream of this call's programming errors
    pub key: Key,
}

impl MsbModel for Levels {
    #[inline]
    fn write(&self, cell: u64, _from_level: u16, _to_level: u16, offset: f32) -> MsbWrite {
        let error = if self.sigma_w > 0.0 {
            (offset as f64 + self.sigma_w * self.key.normal32(cell) as f64) as f32
        } else {
            offset
        };
        MsbWrite {
            error,
            pulses: 1,
            verify_iterations: 0,
        }
    }
}
