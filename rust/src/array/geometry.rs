//! Level geometry of the signed mapping (MSB levels, LSB step, LSB rail).

use crate::device::{DeviceParams, Kind, Mapping};

/// Level geometry of the signed mapping.
#[derive(Clone, Debug, PartialEq)]
pub struct Geometry {
    /// number of MSB (or ideal) level indices
    pub n_levels: u32,
    /// spacing of MSB (ideal) levels, weight units
    pub d_m: f64,
    /// weight of level index 0
    pub lo: f64,
    /// LSB step in weight units (hybrid), D_M / N_L
    pub d_l: f64,
    /// N_L as f32 (LSB steps per MSB step)
    pub n_l: f32,
    /// LSB rail, pulse units
    pub l_max: f32,
    /// weight of each level index (f64 table)
    pub levels: Vec<f64>,
}

impl Geometry {
    pub(crate) fn new(dev: &DeviceParams, w_max: f64) -> Geometry {
        let n_m = dev.n_msb_levels() as f64;
        let (n_levels, d_m, lo) = match dev.signed_mapping {
            Mapping::Offset => {
                let d = 2.0 * w_max / n_m;
                (dev.n_msb_levels(), d, -w_max + 0.5 * d)
            }
            Mapping::Differential => {
                let d = w_max / (n_m - 1.0);
                (2 * dev.n_msb_levels() - 1, d, -w_max)
            }
        };
        let n_l = if dev.kind == Kind::Hybrid {
            dev.n_lsb_steps() as f64
        } else {
            1.0
        };
        let levels = (0..n_levels).map(|i| lo + i as f64 * d_m).collect();
        Geometry {
            n_levels,
            d_m,
            lo,
            d_l: d_m / n_l,
            n_l: n_l as f32,
            l_max: (dev.lsb_headroom_msb_steps * n_l) as f32,
            levels,
        }
    }

    /// Nearest level index of weight `w`.
    #[inline]
    pub(crate) fn nearest_index(&self, w: f64) -> u16 {
        let i = ((w - self.lo) / self.d_m).round();
        i.clamp(0.0, (self.n_levels - 1) as f64) as u16
    }
}
