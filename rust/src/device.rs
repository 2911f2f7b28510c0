//! Device parameters: a plain struct, validated once when an array is built.
//!
//! Field names and meanings mirror `femsyn.devices.DeviceParams` (SI units in the names).
//! Values cross the boundary as [`Value`]s so the Python glue needs no per-field code.

use crate::error::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Float,
    Ideal,
    Hybrid,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mapping {
    /// N levels (m + 0.5) * D - w_max, D = 2 w_max / N (no zero level)
    Offset,
    /// 2N - 1 levels d * D, d in -(N-1)..N-1, D = w_max / (N - 1) (zero level exists)
    Differential,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    Stochastic,
    Nearest,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Residual {
    Keep,
    Reset,
}

impl Kind {
    pub const NAMES: &'static str = "'float', 'ideal', 'hybrid'";
    pub fn parse(s: &str) -> Result<Kind> {
        match s {
            "float" => Ok(Kind::Float),
            "ideal" => Ok(Kind::Ideal),
            "hybrid" => Ok(Kind::Hybrid),
            _ => Err(Error::param("kind", format!("'{s}'"), Self::NAMES)),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Float => "float",
            Kind::Ideal => "ideal",
            Kind::Hybrid => "hybrid",
        }
    }
}

impl Mapping {
    pub const NAMES: &'static str = "'offset', 'differential'";
    pub fn parse(s: &str) -> Result<Mapping> {
        match s {
            "offset" => Ok(Mapping::Offset),
            "differential" => Ok(Mapping::Differential),
            _ => Err(Error::param(
                "signed_mapping",
                format!("'{s}'"),
                Self::NAMES,
            )),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Mapping::Offset => "offset",
            Mapping::Differential => "differential",
        }
    }
}

impl Rounding {
    pub const NAMES: &'static str = "'stochastic', 'nearest'";
    pub fn parse(s: &str) -> Result<Rounding> {
        match s {
            "stochastic" => Ok(Rounding::Stochastic),
            "nearest" => Ok(Rounding::Nearest),
            _ => Err(Error::param("rounding", format!("'{s}'"), Self::NAMES)),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Rounding::Stochastic => "stochastic",
            Rounding::Nearest => "nearest",
        }
    }
}

impl Residual {
    pub const NAMES: &'static str = "'keep', 'reset'";
    pub fn parse(s: &str) -> Result<Residual> {
        match s {
            "keep" => Ok(Residual::Keep),
            "reset" => Ok(Residual::Reset),
            _ => Err(Error::param("residual", format!("'{s}'"), Self::NAMES)),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Residual::Keep => "keep",
            Residual::Reset => "reset",
        }
    }
}

/// A dynamically typed field value (what crosses the Python boundary).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Str(String),
    Int(i64),
    Float(f64),
}

/// The Python-side type of each field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    Str,
    Int,
    Float,
}

/// All device parameters (see `femsyn.devices.DeviceParams` for documentation).
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
    pub tau_leak_s: f64,
    pub tau_leak_d2d_rel: f64,
    pub t_image_s: f64,
    pub transfer_every_images: u64,
    pub carry_threshold: f64,
    pub residual: Residual,
    pub adc_bits: u32,
    pub lsb_read_noise_steps: f64,
    pub msb_prog_sigma_rel: f64,
    pub msb_d2d_rel: f64,
    pub msb_read_noise_rel: f64,
    pub endurance_cycles: f64,
    pub tau_retention_s: f64,
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
            tau_leak_s: 1.0,
            tau_leak_d2d_rel: 0.3,
            t_image_s: 1e-6,
            transfer_every_images: 8000,
            carry_threshold: 0.5,
            residual: Residual::Keep,
            adc_bits: 0,
            lsb_read_noise_steps: 0.0,
            msb_prog_sigma_rel: 0.005,
            msb_d2d_rel: 0.0,
            msb_read_noise_rel: 0.0,
            endurance_cycles: 1e10,
            tau_retention_s: 1e4,
            pulse_width_s: 250e-12,
            pulse_current_a: 6.67e-6,
            c_node_f: 50e-15,
            v_dd_v: 1.8,
            msb_write_time_s: 100e-9,
            msb_write_voltage_v: 1.8,
        }
    }
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
    ("tau_leak_s", FieldType::Float),
    ("tau_leak_d2d_rel", FieldType::Float),
    ("t_image_s", FieldType::Float),
    ("transfer_every_images", FieldType::Int),
    ("carry_threshold", FieldType::Float),
    ("residual", FieldType::Str),
    ("adc_bits", FieldType::Int),
    ("lsb_read_noise_steps", FieldType::Float),
    ("msb_prog_sigma_rel", FieldType::Float),
    ("msb_d2d_rel", FieldType::Float),
    ("msb_read_noise_rel", FieldType::Float),
    ("endurance_cycles", FieldType::Float),
    ("tau_retention_s", FieldType::Float),
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
                    "tau_leak_s" => self.tau_leak_s = x,
                    "tau_leak_d2d_rel" => self.tau_leak_d2d_rel = x,
                    "t_image_s" => self.t_image_s = x,
                    "carry_threshold" => self.carry_threshold = x,
                    "lsb_read_noise_steps" => self.lsb_read_noise_steps = x,
                    "msb_prog_sigma_rel" => self.msb_prog_sigma_rel = x,
                    "msb_d2d_rel" => self.msb_d2d_rel = x,
                    "msb_read_noise_rel" => self.msb_read_noise_rel = x,
                    "endurance_cycles" => self.endurance_cycles = x,
                    "tau_retention_s" => self.tau_retention_s = x,
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
        use Value::{Float as F, Int as I, Str as S};
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
            ("tau_leak_s", F(self.tau_leak_s)),
            ("tau_leak_d2d_rel", F(self.tau_leak_d2d_rel)),
            ("t_image_s", F(self.t_image_s)),
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
            ("endurance_cycles", F(self.endurance_cycles)),
            ("tau_retention_s", F(self.tau_retention_s)),
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
        Ok(())
    }

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
