//! Range checks of every field: called whenever a device is built, so an invalid device never
//! exists.

use super::response::Model;
use super::{DeviceParams, Kind};
use crate::error::{Error, Result};

impl DeviceParams {
    /// Check every range. Called whenever a device is built; an invalid device never exists.
    pub fn validate(&self) -> Result<()> {
        let finite_ge0 = |field: &str, x: f64| -> Result<()> {
            if x.is_finite() && x >= 0.0 {
                Ok(())
            } else {
                Err(Error::param(field, x, "finite value >= 0"))
            }
        };
        let finite_gt0 = |field: &str, x: f64| -> Result<()> {
            if x.is_finite() && x > 0.0 {
                Ok(())
            } else {
                Err(Error::param(field, x, "finite value > 0"))
            }
        };
        let gt0_or_inf = |field: &str, x: f64| -> Result<()> {
            if x > 0.0 {
                Ok(())
            } else {
                Err(Error::param(field, x, "value > 0 (math.inf allowed)"))
            }
        };
        match self.kind {
            Kind::Hybrid => {
                if !(1..=8).contains(&self.msb_bits) {
                    return Err(Error::param(
                        "msb_bits",
                        self.msb_bits,
                        "integer in [1, 8] for kind 'hybrid'",
                    ));
                }
                if self.lsb_bits > 16 {
                    return Err(Error::param(
                        "lsb_bits",
                        self.lsb_bits,
                        "integer in [0, 16] for kind 'hybrid'",
                    ));
                }
            }
            Kind::Ideal => {
                if !(1..=15).contains(&self.msb_bits) {
                    return Err(Error::param(
                        "msb_bits",
                        self.msb_bits,
                        "integer in [1, 15] (total bits) for kind 'ideal'",
                    ));
                }
            }
            Kind::Float => {}
        }
        if self.max_pulses_per_update == 0 {
            return Err(Error::param(
                "max_pulses_per_update",
                0,
                "integer in [1, 1048576]",
            ));
        }
        finite_gt0("lsb_headroom_msb_steps", self.lsb_headroom_msb_steps)?;
        if self.lsb_headroom_msb_steps > 1e3 {
            return Err(Error::param(
                "lsb_headroom_msb_steps",
                self.lsb_headroom_msb_steps,
                "value in (0, 1000]",
            ));
        }
        let a = self.step_asymmetry_rel;
        if !(a.is_finite() && a > -1.0 && a < 1.0) {
            return Err(Error::param("step_asymmetry_rel", a, "value in (-1, 1)"));
        }
        finite_ge0("step_d2d_rel", self.step_d2d_rel)?;
        finite_ge0("step_c2c_rel", self.step_c2c_rel)?;
        let s = self.lsb_soft_saturation;
        if !(0.0..=1.0).contains(&s) {
            return Err(Error::param("lsb_soft_saturation", s, "value in [0, 1]"));
        }
        gt0_or_inf("tau_leak_s", self.tau_leak_s)?;
        finite_ge0("tau_leak_d2d_rel", self.tau_leak_d2d_rel)?;
        finite_ge0("t_image_s", self.t_image_s)?;
        finite_ge0("carry_threshold", self.carry_threshold)?;
        finite_ge0("lsb_read_noise_steps", self.lsb_read_noise_steps)?;
        finite_ge0("msb_prog_sigma_rel", self.msb_prog_sigma_rel)?;
        finite_ge0("msb_d2d_rel", self.msb_d2d_rel)?;
        finite_ge0("msb_read_noise_rel", self.msb_read_noise_rel)?;
        finite_ge0("msb_verify_tol_rel", self.msb_verify_tol_rel)?;
        if self.endurance_cycles.is_nan() || self.endurance_cycles < 0.0 {
            return Err(Error::param(
                "endurance_cycles",
                self.endurance_cycles,
                "value >= 0 (math.inf allowed)",
            ));
        }
        gt0_or_inf("tau_retention_s", self.tau_retention_s)?;
        finite_gt0("pulse_width_s", self.pulse_width_s)?;
        finite_ge0("pulse_current_a", self.pulse_current_a)?;
        finite_gt0("c_node_f", self.c_node_f)?;
        finite_gt0("v_dd_v", self.v_dd_v)?;
        finite_ge0("msb_write_time_s", self.msb_write_time_s)?;
        finite_ge0("msb_write_voltage_v", self.msb_write_voltage_v)?;
        if self.kind == Kind::Hybrid {
            self.validate_carry()?;
            self.validate_response()?;
            self.validate_msb()?;
            self.validate_retention()?;
        }
        Ok(())
    }

    /// The transfer protocol, the carry band and the ADC grid: combinations for which a carry
    /// could oscillate or never fire are rejected (see `array::carry` for the rule they
    /// protect). Fields a protocol does not use are not checked beyond their type and sign.
    fn validate_carry(&self) -> Result<()> {
        let thr = self.carry_threshold;
        let head = self.lsb_headroom_msb_steps;
        let proto = self.transfer_protocol;
        if proto.overflow() && thr < 0.5 {
            return Err(Error::param(
                "carry_threshold",
                thr,
                &format!(
                    "a value in [0.5, lsb_headroom_msb_steps) with transfer_protocol '{}': below \
                     half an MSB step a triggered carry rounds to zero MSB steps, and with \
                     'keep' its residual lands outside the band (a limit cycle)",
                    proto.as_str()
                ),
            ));
        }
        if proto.overflow() && thr >= head {
            return Err(Error::param(
                "carry_threshold",
                thr,
                &format!(
                    "a value below lsb_headroom_msb_steps = {head}: the LSB is clipped at \
                     L_max = headroom * N_L, so the overflow trigger |lsb| > threshold * N_L \
                     could never fire"
                ),
            ));
        }
        if proto.periodic() && self.transfer_every_images == 0 {
            return Err(Error::param(
                "transfer_every_images",
                0,
                &format!(
                    "an integer >= 1 with transfer_protocol '{}' (for no periodic transfer use \
                     'overflow' or 'none')",
                    proto.as_str()
                ),
            ));
        }
        if self.adc_bits > 0 {
            // ADC step q over +-L_max; q must divide N_L / 2 so that a noiseless read of a
            // charge inside the band (|lsb| <= N_L / 2) never reads outside it, and a keep
            // residual reads as the read minus whole MSB steps (no back-and-forth carries)
            let n_l = self.n_lsb_steps() as f64;
            let q = 2.0 * head * n_l / (1u64 << self.adc_bits) as f64;
            let k = 0.5 * n_l / q;
            if k.fract() != 0.0 || k < 1.0 {
                return Err(Error::param(
                    "adc_bits",
                    self.adc_bits,
                    &format!(
                        "0 (ideal read) or a resolution whose step 2 * L_max / 2**adc_bits \
                         divides N_L / 2 = {} pulses (here the step is {q} pulses with \
                         lsb_headroom_msb_steps = {head}); use a power-of-two headroom",
                        0.5 * n_l
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The LSB response model and its noise: one parameter per physical term.
    fn validate_response(&self) -> Result<()> {
        let c = self.lsb_c2c_rel;
        if !(c.is_finite() && c >= 0.0) {
            return Err(Error::param("lsb_c2c_rel", c, "finite value >= 0"));
        }
        if c > 0.0 && self.step_c2c_rel > 0.0 {
            return Err(Error::param(
                "step_c2c_rel",
                self.step_c2c_rel,
                "0 when lsb_c2c_rel > 0: both are the cycle-to-cycle noise of the LSB update \
                 (step_c2c_rel relative to one step, the first release's; lsb_c2c_rel \
                 relative to the LSB range per sqrt(pulse), NeuroSim's); set one",
            ));
        }
        Model::build(self).map(|_| ())
    }
}
