//! Device parameters: a plain struct, validated once when an array is built.
//!
//! Field names and meanings mirror `femsyn.device.DeviceParams` (SI units in the names).
//! Values cross the boundary as [`Value`]s so the Python glue needs no per-field code.
//!
//! - `names`: the named choices (kind, mapping, rounding, residual policy, transfer protocol);
//! - `fields`: the field table, `set` / `to_values` by name;
//! - `validate`: the range checks;
//! - [`response`]: the LSB response models (one module each) and their registry;
//! - [`retention`]: how the MSB weight relaxes after its last write (inference);
//! - [`msb`]: the MSB store models (what one write does), behind one trait, and their fields'
//!   checks.

mod fields;
pub mod msb;
mod names;
pub mod response;
pub mod retention;
mod validate;

pub use fields::{field_names, field_type, FieldType, Value, FIELDS};
pub use msb::{MsbKind, WriteScheme};
pub use names::{Kind, Mapping, Residual, Rounding, TransferProtocol};
pub use response::LsbResponse;
pub use retention::{Retention, RetentionKind};

/// All device parameters (see `femsyn.device.DeviceParams` for documentation).
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceParams {
    pub name: String,
    pub kind: Kind,
    pub msb_bits: u32,
    pub lsb_bits: u32,
    pub signed_mapping: Mapping,
    pub rounding: Rounding,
    pub max_pulses_per_update: u32,
    pub lsb_headroom_msb_steps: f64,
    pub step_asymmetry_rel: f64,
    pub step_d2d_rel: f64,
    pub step_c2c_rel: f64,
    pub lsb_soft_saturation: f64,
    pub lsb_response: LsbResponse,
    pub lsb_exp_a_up: f64,
    pub lsb_exp_a_down: f64,
    pub lsb_exp_a_d2d_rel: f64,
    pub lsb_c2c_rel: f64,
    pub lsb_table_pulse: Vec<f64>,
    pub lsb_table_ltp: Vec<f64>,
    pub lsb_table_ltd: Vec<f64>,
    pub tau_leak_s: f64,
    pub tau_leak_d2d_rel: f64,
    pub t_image_s: f64,
    pub transfer_protocol: TransferProtocol,
    pub transfer_every_images: u64,
    pub carry_threshold: f64,
    pub residual: Residual,
    pub adc_bits: u32,
    pub lsb_read_noise_steps: f64,
    pub msb_prog_sigma_rel: f64,
    pub msb_d2d_rel: f64,
    pub msb_read_noise_rel: f64,
    pub msb_model: MsbKind,
    pub msb_write_scheme: WriteScheme,
    pub msb_pcm_max_pulses: u32,
    pub msb_pcm_a_up: f64,
    pub msb_pcm_a_down: f64,
    pub msb_c2c_rel: f64,
    pub msb_verify_tol_rel: f64,
    pub msb_verify_max_iterations: u32,
    pub fe_domains: u32,
    pub fe_thickness_m: f64,
    pub fe_voltage_fraction: f64,
    pub fe_ea_v_per_m: f64,
    pub fe_ea_sigma_ln: f64,
    pub fe_tau0_s: f64,
    pub fe_alpha: f64,
    pub fe_beta: f64,
    pub fe_verify_step_v: f64,
    pub endurance_cycles: f64,
    pub tau_retention_s: f64,
    pub retention_model: RetentionKind,
    pub retention_sigma_ln: f64,
    pub retention_t0_s: f64,
    pub pcm_drift_nu: f64,
    pub pulse_width_s: f64,
    pub pulse_current_a: f64,
    pub c_node_f: f64,
    pub v_dd_v: f64,
    pub msb_write_time_s: f64,
    pub msb_write_voltage_v: f64,
}

impl Default for DeviceParams {
    fn default() -> Self {
        DeviceParams {
            name: "custom".to_string(),
            kind: Kind::Hybrid,
            msb_bits: 2,
            lsb_bits: 4,
            signed_mapping: Mapping::Offset,
            rounding: Rounding::Stochastic,
            max_pulses_per_update: 64,
            lsb_headroom_msb_steps: 1.0,
            step_asymmetry_rel: 0.0,
            step_d2d_rel: 0.0,
            step_c2c_rel: 0.0,
            lsb_soft_saturation: 0.0,
            lsb_response: LsbResponse::Linear,
            lsb_exp_a_up: 0.0,
            lsb_exp_a_down: 0.0,
            lsb_exp_a_d2d_rel: 0.0,
            lsb_c2c_rel: 0.0,
            lsb_table_pulse: Vec::new(),
            lsb_table_ltp: Vec::new(),
            lsb_table_ltd: Vec::new(),
            tau_leak_s: 1.0,
            tau_leak_d2d_rel: 0.3,
            t_image_s: 1e-6,
            transfer_protocol: TransferProtocol::OverflowPeriodic,
            transfer_every_images: 8000,
            carry_threshold: 0.5,
            residual: Residual::Keep,
            adc_bits: 0,
            lsb_read_noise_steps: 0.0,
            msb_prog_sigma_rel: 0.005,
            msb_d2d_rel: 0.0,
            msb_read_noise_rel: 0.0,
            msb_model: MsbKind::Levels,
            msb_write_scheme: WriteScheme::OpenLoop,
            msb_pcm_max_pulses: 0,
            msb_pcm_a_up: 0.0,
            msb_pcm_a_down: 0.0,
            msb_c2c_rel: 0.0,
            msb_verify_tol_rel: 0.1,
            msb_verify_max_iterations: 10,
            fe_domains: 0,
            fe_thickness_m: 0.0,
            fe_voltage_fraction: 0.0,
            fe_ea_v_per_m: 0.0,
            fe_ea_sigma_ln: 0.0,
            fe_tau0_s: 0.0,
            fe_alpha: 0.0,
            fe_beta: 0.0,
            fe_verify_step_v: 0.0,
            endurance_cycles: 1e10,
            tau_retention_s: 1e4,
            retention_model: RetentionKind::Exp,
            retention_sigma_ln: 0.0,
            retention_t0_s: 1.0,
            pcm_drift_nu: 0.0,
            pulse_width_s: 250e-12,
            pulse_current_a: 6.67e-6,
            c_node_f: 50e-15,
            v_dd_v: 1.8,
            msb_write_time_s: 100e-9,
            msb_write_voltage_v: 1.8,
        }
    }
}

impl DeviceParams {
    /// N_M = 2^msb_bits (ideal: number of quantization levels of the offset mapping).
    pub fn n_msb_levels(&self) -> u32 {
        1u32 << self.msb_bits
    }

    /// N_L = 2^lsb_bits LSB steps per MSB step (hybrid only).
    pub fn n_lsb_steps(&self) -> u32 {
        1u32 << self.lsb_bits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate() {
        DeviceParams::default().validate().unwrap();
    }

    #[test]
    fn roundtrip_values() {
        let d = DeviceParams {
            kind: Kind::Ideal,
            msb_bits: 6,
            ..Default::default()
        };
        let back = DeviceParams::from_values(d.to_values().iter().map(|(k, v)| (*k, v.clone())));
        assert_eq!(back.unwrap(), d);
    }

    #[test]
    fn errors_name_field() {
        let e = DeviceParams::from_values([("msb_bits", Value::Int(0))]).unwrap_err();
        assert!(e.to_string().contains("msb_bits"), "{e}");
        let e = DeviceParams::from_values([("tau_leak_s", Value::Float(-1.0))]).unwrap_err();
        assert!(e.to_string().contains("tau_leak_s"));
        let e = DeviceParams::from_values([("bogus", Value::Int(0))]).unwrap_err();
        assert!(e.to_string().contains("valid names"));
        let e = DeviceParams::from_values([("kind", Value::Str("x".into()))]).unwrap_err();
        assert!(e.to_string().contains("'hybrid'"));
        let d = DeviceParams::from_values([("tau_leak_s", Value::Float(f64::INFINITY))]);
        assert!(d.is_ok());
    }
}
