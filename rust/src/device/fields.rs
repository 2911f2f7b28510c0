//! Field table and `Value` plumbing: every device field by name, so the Python glue needs no
//! per-field code.

use super::{
    DeviceParams, Kind, LsbResponse, Mapping, MsbKind, Residual, RetentionKind, Rounding,
    TransferProtocol, WriteScheme,
};
use crate::error::{Error, Result};

/// A dynamically typed field value (what crosses the Python boundary).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Str(String),
    Int(i64),
    Float(f64),
    /// a measured curve (table columns)
    FloatList(Vec<f64>),
}

/// The Python-side type of each field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    Str,
    Int,
    Float,
    /// a sequence of floats (Python: tuple of float)
    FloatList,
}

/// Field names in declaration order with their Python types.
pub const FIELDS: &[(&str, FieldType)] = &[
    ("name", FieldType::Str),
    ("kind", FieldType::Str),
    ("msb_bits", FieldType::Int),
    ("lsb_bits", FieldType::Int),
    ("signed_mapping", FieldType::Str),
    ("rounding", FieldType::Str),
    ("max_pulses_per_update", FieldType::Int),
    ("lsb_headroom_msb_steps", FieldType::Float),
    ("step_asymmetry_rel", FieldType::Float),
    ("step_d2d_rel", FieldType::Float),
    ("step_c2c_rel", FieldType::Float),
    ("lsb_soft_saturation", FieldType::Float),
    ("lsb_response", FieldType::Str),
    ("lsb_exp_a_up", FieldType::Float),
    ("lsb_exp_a_down", FieldType::Float),
    ("lsb_exp_a_d2d_rel", FieldType::Float),
    ("lsb_c2c_rel", FieldType::Float),
    ("lsb_table_pulse", FieldType::FloatList),
    ("lsb_table_ltp", FieldType::FloatList),
    ("lsb_table_ltd", FieldType::FloatList),
    ("tau_leak_s", FieldType::Float),
    ("tau_leak_d2d_rel", FieldType::Float),
    ("t_image_s", FieldType::Float),
    ("transfer_protocol", FieldType::Str),
    ("transfer_every_images", FieldType::Int),
    ("carry_threshold", FieldType::Float),
    ("residual", FieldType::Str),
    ("adc_bits", FieldType::Int),
    ("lsb_read_noise_steps", FieldType::Float),
    ("msb_prog_sigma_rel", FieldType::Float),
    ("msb_d2d_rel", FieldType::Float),
    ("msb_read_noise_rel", FieldType::Float),
    ("msb_model", FieldType::Str),
    ("msb_write_scheme", FieldType::Str),
    ("msb_pcm_max_pulses", FieldType::Int),
    ("msb_pcm_a_up", FieldType::Float),
    ("msb_pcm_a_down", FieldType::Float),
    ("msb_c2c_rel", FieldType::Float),
    ("msb_verify_tol_rel", FieldType::Float),
    ("msb_verify_max_iterations", FieldType::Int),
    ("fe_domains", FieldType::Int),
    ("fe_thickness_m", FieldType::Float),
    ("fe_voltage_fraction", FieldType::Float),
    ("fe_ea_v_per_m", FieldType::Float),
    ("fe_ea_sigma_ln", FieldType::Float),
    ("fe_tau0_s", FieldType::Float),
    ("fe_alpha", FieldType::Float),
    ("fe_beta", FieldType::Float),
    ("fe_verify_step_v", FieldType::Float),
    ("endurance_cycles", FieldType::Float),
    ("tau_retention_s", FieldType::Float),
    ("retention_model", FieldType::Str),
    ("retention_sigma_ln", FieldType::Float),
    ("retention_t0_s", FieldType::Float),
    ("pcm_drift_nu", FieldType::Float),
    ("pulse_width_s", FieldType::Float),
    ("pulse_current_a", FieldType::Float),
    ("c_node_f", FieldType::Float),
    ("v_dd_v", FieldType::Float),
    ("msb_write_time_s", FieldType::Float),
    ("msb_write_voltage_v", FieldType::Float),
];

/// Comma separated list of valid field names (for error messages).
pub fn field_names() -> String {
    FIELDS
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Type of a field, or an `UnknownParam` error listing the valid names.
pub fn field_type(name: &str) -> Result<FieldType> {
    FIELDS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .ok_or_else(|| Error::UnknownParam {
            name: name.to_string(),
            valid: field_names(),
        })
}

fn int_in(field: &str, v: i64, lo: i64, hi: i64) -> Result<i64> {
    if v < lo || v > hi {
        Err(Error::param(field, v, &format!("integer in [{lo}, {hi}]")))
    } else {
        Ok(v)
    }
}

fn as_str<'a>(field: &str, v: &'a Value) -> Result<&'a str> {
    match v {
        Value::Str(s) => Ok(s),
        _ => Err(Error::type_(field, "str", format!("{v:?}"))),
    }
}

fn as_int(field: &str, v: &Value) -> Result<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(*f as i64),
        _ => Err(Error::type_(field, "int", format!("{v:?}"))),
    }
}

fn as_list(field: &str, v: &Value) -> Result<Vec<f64>> {
    match v {
        Value::FloatList(x) => Ok(x.clone()),
        _ => Err(Error::type_(
            field,
            "a sequence of floats",
            format!("{v:?}"),
        )),
    }
}

fn as_float(field: &str, v: &Value) -> Result<f64> {
    match v {
        Value::Float(f) => Ok(*f),
        Value::Int(i) => Ok(*i as f64),
        _ => Err(Error::type_(field, "float", format!("{v:?}"))),
    }
}

impl DeviceParams {
    /// Set one field by name (type-checked; ranges are checked by [`DeviceParams::validate`]).
    pub fn set(&mut self, field: &str, v: &Value) -> Result<()> {
        field_type(field)?;
        match field {
            "name" => self.name = as_str(field, v)?.to_string(),
            "kind" => self.kind = Kind::parse(as_str(field, v)?)?,
            "signed_mapping" => self.signed_mapping = Mapping::parse(as_str(field, v)?)?,
            "rounding" => self.rounding = Rounding::parse(as_str(field, v)?)?,
            "residual" => self.residual = Residual::parse(as_str(field, v)?)?,
            "transfer_protocol" => {
                self.transfer_protocol = TransferProtocol::parse(as_str(field, v)?)?
            }
            "lsb_response" => self.lsb_response = LsbResponse::parse(as_str(field, v)?)?,
            "msb_model" => self.msb_model = MsbKind::parse(as_str(field, v)?)?,
            "msb_write_scheme" => self.msb_write_scheme = WriteScheme::parse(as_str(field, v)?)?,
            "retention_model" => self.retention_model = RetentionKind::parse(as_str(field, v)?)?,
            "msb_pcm_max_pulses" => {
                self.msb_pcm_max_pulses = int_in(field, as_int(field, v)?, 0, 1 << 20)? as u32
            }
            "fe_domains" => self.fe_domains = int_in(field, as_int(field, v)?, 0, 1 << 20)? as u32,
            "msb_verify_max_iterations" => {
                self.msb_verify_max_iterations =
                    int_in(field, as_int(field, v)?, 0, 1 << 20)? as u32
            }
            "lsb_table_pulse" => self.lsb_table_pulse = as_list(field, v)?,
            "lsb_table_ltp" => self.lsb_table_ltp = as_list(field, v)?,
            "lsb_table_ltd" => self.lsb_table_ltd = as_list(field, v)?,
            "msb_bits" => self.msb_bits = int_in(field, as_int(field, v)?, 0, 16)? as u32,
            "lsb_bits" => self.lsb_bits = int_in(field, as_int(field, v)?, 0, 16)? as u32,
            "max_pulses_per_update" => {
                self.max_pulses_per_update = int_in(field, as_int(field, v)?, 1, 1 << 20)? as u32
            }
            "transfer_every_images" => {
                self.transfer_every_images = int_in(field, as_int(field, v)?, 0, i64::MAX)? as u64
            }
            "adc_bits" => self.adc_bits = int_in(field, as_int(field, v)?, 0, 24)? as u32,
            _ => {
                let x = as_float(field, v)?;
                match field {
                    "lsb_headroom_msb_steps" => self.lsb_headroom_msb_steps = x,
                    "step_asymmetry_rel" => self.step_asymmetry_rel = x,
                    "step_d2d_rel" => self.step_d2d_rel = x,
                    "step_c2c_rel" => self.step_c2c_rel = x,
                    "lsb_soft_saturation" => self.lsb_soft_saturation = x,
                    "lsb_exp_a_up" => self.lsb_exp_a_up = x,
                    "lsb_exp_a_down" => self.lsb_exp_a_down = x,
                    "lsb_exp_a_d2d_rel" => self.lsb_exp_a_d2d_rel = x,
                    "lsb_c2c_rel" => self.lsb_c2c_rel = x,
                    "tau_leak_s" => self.tau_leak_s = x,
                    "tau_leak_d2d_rel" => self.tau_leak_d2d_rel = x,
                    "t_image_s" => self.t_image_s = x,
                    "carry_threshold" => self.carry_threshold = x,
                    "lsb_read_noise_steps" => self.lsb_read_noise_steps = x,
                    "msb_prog_sigma_rel" => self.msb_prog_sigma_rel = x,
                    "msb_d2d_rel" => self.msb_d2d_rel = x,
                    "msb_read_noise_rel" => self.msb_read_noise_rel = x,
                    "msb_pcm_a_up" => self.msb_pcm_a_up = x,
                    "msb_pcm_a_down" => self.msb_pcm_a_down = x,
                    "msb_c2c_rel" => self.msb_c2c_rel = x,
                    "msb_verify_tol_rel" => self.msb_verify_tol_rel = x,
                    "fe_thickness_m" => self.fe_thickness_m = x,
                    "fe_voltage_fraction" => self.fe_voltage_fraction = x,
                    "fe_ea_v_per_m" => self.fe_ea_v_per_m = x,
                    "fe_ea_sigma_ln" => self.fe_ea_sigma_ln = x,
                    "fe_tau0_s" => self.fe_tau0_s = x,
                    "fe_alpha" => self.fe_alpha = x,
                    "fe_beta" => self.fe_beta = x,
                    "fe_verify_step_v" => self.fe_verify_step_v = x,
                    "endurance_cycles" => self.endurance_cycles = x,
                    "tau_retention_s" => self.tau_retention_s = x,
                    "retention_sigma_ln" => self.retention_sigma_ln = x,
                    "retention_t0_s" => self.retention_t0_s = x,
                    "pcm_drift_nu" => self.pcm_drift_nu = x,
                    "pulse_width_s" => self.pulse_width_s = x,
                    "pulse_current_a" => self.pulse_current_a = x,
                    "c_node_f" => self.c_node_f = x,
                    "v_dd_v" => self.v_dd_v = x,
                    "msb_write_time_s" => self.msb_write_time_s = x,
                    "msb_write_voltage_v" => self.msb_write_voltage_v = x,
                    _ => {
                        return Err(Error::UnknownParam {
                            name: field.to_string(),
                            valid: field_names(),
                        })
                    }
                }
            }
        }
        Ok(())
    }

    /// All fields as `(name, value)` in declaration order.
    pub fn to_values(&self) -> Vec<(&'static str, Value)> {
        use Value::{Float as F, FloatList as L, Int as I, Str as S};
        vec![
            ("name", S(self.name.clone())),
            ("kind", S(self.kind.as_str().into())),
            ("msb_bits", I(self.msb_bits as i64)),
            ("lsb_bits", I(self.lsb_bits as i64)),
            ("signed_mapping", S(self.signed_mapping.as_str().into())),
            ("rounding", S(self.rounding.as_str().into())),
            (
                "max_pulses_per_update",
                I(self.max_pulses_per_update as i64),
            ),
            ("lsb_headroom_msb_steps", F(self.lsb_headroom_msb_steps)),
            ("step_asymmetry_rel", F(self.step_asymmetry_rel)),
            ("step_d2d_rel", F(self.step_d2d_rel)),
            ("step_c2c_rel", F(self.step_c2c_rel)),
            ("lsb_soft_saturation", F(self.lsb_soft_saturation)),
            ("lsb_response", S(self.lsb_response.as_str().into())),
            ("lsb_exp_a_up", F(self.lsb_exp_a_up)),
            ("lsb_exp_a_down", F(self.lsb_exp_a_down)),
            ("lsb_exp_a_d2d_rel", F(self.lsb_exp_a_d2d_rel)),
            ("lsb_c2c_rel", F(self.lsb_c2c_rel)),
            ("lsb_table_pulse", L(self.lsb_table_pulse.clone())),
            ("lsb_table_ltp", L(self.lsb_table_ltp.clone())),
            ("lsb_table_ltd", L(self.lsb_table_ltd.clone())),
            ("tau_leak_s", F(self.tau_leak_s)),
            ("tau_leak_d2d_rel", F(self.tau_leak_d2d_rel)),
            ("t_image_s", F(self.t_image_s)),
            (
                "transfer_protocol",
                S(self.transfer_protocol.as_str().into()),
            ),
            (
                "transfer_every_images",
                I(self.transfer_every_images.min(i64::MAX as u64) as i64),
            ),
            ("carry_threshold", F(self.carry_threshold)),
            ("residual", S(self.residual.as_str().into())),
            ("adc_bits", I(self.adc_bits as i64)),
            ("lsb_read_noise_steps", F(self.lsb_read_noise_steps)),
            ("msb_prog_sigma_rel", F(self.msb_prog_sigma_rel)),
            ("msb_d2d_rel", F(self.msb_d2d_rel)),
            ("msb_read_noise_rel", F(self.msb_read_noise_rel)),
            ("msb_model", S(self.msb_model.as_str().into())),
            ("msb_write_scheme", S(self.msb_write_scheme.as_str().into())),
            ("msb_pcm_max_pulses", I(self.msb_pcm_max_pulses as i64)),
            ("msb_pcm_a_up", F(self.msb_pcm_a_up)),
            ("msb_pcm_a_down", F(self.msb_pcm_a_down)),
            ("msb_c2c_rel", F(self.msb_c2c_rel)),
            ("msb_verify_tol_rel", F(self.msb_verify_tol_rel)),
            (
                "msb_verify_max_iterations",
                I(self.msb_verify_max_iterations as i64),
            ),
            ("fe_domains", I(self.fe_domains as i64)),
            ("fe_thickness_m", F(self.fe_thickness_m)),
            ("fe_voltage_fraction", F(self.fe_voltage_fraction)),
            ("fe_ea_v_per_m", F(self.fe_ea_v_per_m)),
            ("fe_ea_sigma_ln", F(self.fe_ea_sigma_ln)),
            ("fe_tau0_s", F(self.fe_tau0_s)),
            ("fe_alpha", F(self.fe_alpha)),
            ("fe_beta", F(self.fe_beta)),
            ("fe_verify_step_v", F(self.fe_verify_step_v)),
            ("endurance_cycles", F(self.endurance_cycles)),
            ("tau_retention_s", F(self.tau_retention_s)),
            ("retention_model", S(self.retention_model.as_str().into())),
            ("retention_sigma_ln", F(self.retention_sigma_ln)),
            ("retention_t0_s", F(self.retention_t0_s)),
            ("pcm_drift_nu", F(self.pcm_drift_nu)),
            ("pulse_width_s", F(self.pulse_width_s)),
            ("pulse_current_a", F(self.pulse_current_a)),
            ("c_node_f", F(self.c_node_f)),
            ("v_dd_v", F(self.v_dd_v)),
            ("msb_write_time_s", F(self.msb_write_time_s)),
            ("msb_write_voltage_v", F(self.msb_write_voltage_v)),
        ]
    }

    /// Build from `(name, value)` pairs on top of the defaults, then validate.
    pub fn from_values<'a, I>(pairs: I) -> Result<DeviceParams>
    where
        I: IntoIterator<Item = (&'a str, Value)>,
    {
        let mut d = DeviceParams::default();
        for (k, v) in pairs {
            d.set(k, &v)?;
        }
        d.validate()?;
        Ok(d)
    }
}
