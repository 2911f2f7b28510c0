//! The carry rule: one cell's LSB carried into its MSB (shared by the overflow trigger inside
//! `update` and by the transfer protocols).

use super::counters::Tally;
use super::pulses::{round_half_away, round_half_toward_zero};
use super::SynapseArray;
use crate::device::Residual;
use crate::rng::Key;

/// Constants of the carry (transfer) operation.
#[derive(Clone, Copy)]
pub struct CarryCfg {
    pub n_l: f32,
    pub l_max: f32,
    pub max_index: i64,
    pub read_noise: f64,
    pub adc_q: f64,
    pub prog_sigma_w: f64,
    pub end_lim: u32,
    pub residual: Residual,
    pub key_read: Key,
    pub key_prog: Key,
    /// overflow carries: a carry blocked at an MSB rail with `keep` residual changes nothing
    /// (the charge stays in the LSB) and is neither an event nor a lost carry; a periodic
    /// transfer counts it as lost
    pub overflow: bool,
}

impl CarryCfg {
    /// Carry LSB into MSB for one cell. `x` is the (leaked) LSB in pulse units; `err` the MSB
    /// deviation (static offset `off` + programming error of the last write).
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub fn apply(
        &self,
        g: u64,
        x: &mut f32,
        msb: &mut u16,
        err: &mut f32,
        off: f32,
        writes: &mut u32,
        t: &mut Tally,
    ) {
        let c = if self.overflow {
            // The overflow trigger is a comparator on the analog LSB (|lsb| > h, h >= N_L / 2,
            // so c != 0); the carry moves round(lsb / N_L) steps of the exact charge. The ADC
            // and its read noise belong to the read-all transfer.
            if self.residual == Residual::Keep
                && ((*x > 0.0 && *msb as i64 == self.max_index) || (*x < 0.0 && *msb == 0))
            {
                // exact shortcut: the carry points into the rail the MSB already sits at
                return;
            }
            round_half_away(*x as f64 / self.n_l as f64)
        } else {
            if self.read_noise == 0.0 && self.adc_q == 0.0 && x.abs() <= 0.5 * self.n_l {
                // exact shortcut: round_half_toward_zero(x / N_L) == 0 (N_L a power of two)
                return;
            }
            let mut read = *x as f64;
            if self.read_noise > 0.0 {
                read += self.read_noise * self.key_read.normal32(g) as f64;
            }
            if self.adc_q > 0.0 {
                let l = self.l_max as f64;
                read = ((read / self.adc_q).round() * self.adc_q).clamp(-l, l);
            }
            // ties toward zero: an LSB of exactly +-N_L / 2 (where `program` may leave it)
            // carries nothing, so a read-all transfer never writes a cell that holds no charge
            round_half_toward_zero(read / self.n_l as f64)
        };
        if c == 0 || *writes > self.end_lim {
            // nothing to carry, or worn out ("stuck": keeps its level and LSB)
            return;
        }
        let m = *msb as i64;
        let m_new = (m + c).clamp(0, self.max_index);
        let moved = m_new - m;
        let keep = self.residual == Residual::Keep;
        if self.overflow && moved == 0 && keep {
            return;
        }
        if !(self.overflow && keep) {
            t.lost += (c - moved).unsigned_abs();
        }
        if self.overflow {
            t.overflow += 1;
        }
        if moved != 0 {
            *msb = m_new as u16;
            *writes = writes.saturating_add(1);
            t.writes += 1;
            t.max_writes = t.max_writes.max(*writes as u64);
            if *writes > self.end_lim {
                t.worn += 1;
            }
            *err = if self.prog_sigma_w > 0.0 {
                (off as f64 + self.prog_sigma_w * self.key_prog.normal32(g) as f64) as f32
            } else {
                off
            };
        }
        match self.residual {
            Residual::Keep => *x -= moved as f32 * self.n_l,
            Residual::Reset => *x = 0.0,
        }
    }
}

impl SynapseArray {
    pub(super) fn carry_cfg(&self, key_read: Key, key_prog: Key, overflow: bool) -> CarryCfg {
        let d = &self.dev;
        let adc_q = if d.adc_bits > 0 {
            2.0 * self.geo.l_max as f64 / (1u64 << d.adc_bits) as f64
        } else {
            0.0
        };
        CarryCfg {
            n_l: self.geo.n_l,
            l_max: self.geo.l_max,
            max_index: (self.geo.n_levels - 1) as i64,
            read_noise: d.lsb_read_noise_steps,
            adc_q,
            prog_sigma_w: d.msb_prog_sigma_rel * 2.0 * self.w_max,
            end_lim: self.end_lim(),
            residual: d.residual,
            key_read,
            key_prog,
            overflow,
        }
    }
}
