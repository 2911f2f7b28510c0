//! Event counters of an array, the per-chunk tallies they are reduced from, and the positions
//! of the random streams.

use crate::device::Value;
use crate::error::{Error, Result};

/// Event counters of one array.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Counters {
    /// LSB pulses applied (after the n_max truncation)
    pub pulses: u64,
    /// pulses lost at the LSB rails +-L_max (ideal: at the level rails)
    pub clipped_pulses: u64,
    /// pulses dropped by the per-update limit n_max
    pub truncated_pulses: u64,
    /// MSB program events (level changes)
    pub msb_writes: u64,
    /// carry units that could not be applied at the MSB rails: per periodic transfer, and per
    /// overflow carry with `reset` residual (with `keep` the charge stays in the LSB)
    pub lost_carries: u64,
    /// cells whose write count exceeded the endurance
    pub worn_cells: u64,
    /// transfer events (explicit or periodic), each over all cells
    pub transfers: u64,
    /// carries done by the overflow trigger inside `update` (MSB moved or LSB reset)
    pub overflow_carries: u64,
    /// update calls
    pub updates: u64,
    /// training images seen through `step`
    pub images: u64,
    /// simulated time in seconds
    pub time_s: f64,
    /// largest per-cell MSB write count
    pub max_cell_writes: u64,
    /// sum over updates of the largest |n| (update latency in pulse widths)
    pub latency_pulses: u64,
}

impl Counters {
    pub const NAMES: &'static [&'static str] = &[
        "pulses",
        "clipped_pulses",
        "truncated_pulses",
        "msb_writes",
        "lost_carries",
        "worn_cells",
        "transfers",
        "overflow_carries",
        "updates",
        "images",
        "time_s",
        "max_cell_writes",
        "latency_pulses",
    ];

    pub fn to_values(&self) -> Vec<(&'static str, Value)> {
        let i = |x: u64| Value::Int(x.min(i64::MAX as u64) as i64);
        vec![
            ("pulses", i(self.pulses)),
            ("clipped_pulses", i(self.clipped_pulses)),
            ("truncated_pulses", i(self.truncated_pulses)),
            ("msb_writes", i(self.msb_writes)),
            ("lost_carries", i(self.lost_carries)),
            ("worn_cells", i(self.worn_cells)),
            ("transfers", i(self.transfers)),
            ("overflow_carries", i(self.overflow_carries)),
            ("updates", i(self.updates)),
            ("images", i(self.images)),
            ("time_s", Value::Float(self.time_s)),
            ("max_cell_writes", i(self.max_cell_writes)),
            ("latency_pulses", i(self.latency_pulses)),
        ]
    }

    pub fn set(&mut self, name: &str, v: &Value) -> Result<()> {
        let arg = format!("state['counters']['{name}']");
        let as_u64 = |v: &Value| -> Result<u64> {
            match v {
                Value::Int(x) if *x >= 0 => Ok(*x as u64),
                _ => Err(Error::value(
                    &arg,
                    format!("expected an integer >= 0, got {v:?}"),
                )),
            }
        };
        match name {
            "pulses" => self.pulses = as_u64(v)?,
            "clipped_pulses" => self.clipped_pulses = as_u64(v)?,
            "truncated_pulses" => self.truncated_pulses = as_u64(v)?,
            "msb_writes" => self.msb_writes = as_u64(v)?,
            "lost_carries" => self.lost_carries = as_u64(v)?,
            "worn_cells" => self.worn_cells = as_u64(v)?,
            "transfers" => self.transfers = as_u64(v)?,
            "overflow_carries" => self.overflow_carries = as_u64(v)?,
            "updates" => self.updates = as_u64(v)?,
            "images" => self.images = as_u64(v)?,
            "max_cell_writes" => self.max_cell_writes = as_u64(v)?,
            "latency_pulses" => self.latency_pulses = as_u64(v)?,
            "time_s" => {
                self.time_s = match v {
                    Value::Float(x) if x.is_finite() && *x >= 0.0 => *x,
                    Value::Int(x) if *x >= 0 => *x as f64,
                    _ => {
                        return Err(Error::value(
                            &arg,
                            format!("expected a float >= 0, got {v:?}"),
                        ))
                    }
                }
            }
            _ => {
                return Err(Error::value(
                    "state['counters']",
                    format!(
                        "unknown counter '{name}'; valid names: {}",
                        Self::NAMES.join(", ")
                    ),
                ))
            }
        }
        Ok(())
    }
}

/// Positions of the counter-based random streams (one step counter per use).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RngSteps {
    pub update: u64,
    pub transfer: u64,
    pub readout: u64,
    pub program: u64,
}

/// Integer tallies reduced over chunks (order independent).
#[derive(Clone, Copy, Debug, Default)]
pub struct Tally {
    pub pulses: u64,
    pub clipped: u64,
    pub truncated: u64,
    pub writes: u64,
    pub lost: u64,
    pub worn: u64,
    pub overflow: u64,
    pub max_n: u64,
    pub max_writes: u64,
}

impl Tally {
    pub fn merge(a: Tally, b: Tally) -> Tally {
        Tally {
            pulses: a.pulses + b.pulses,
            clipped: a.clipped + b.clipped,
            truncated: a.truncated + b.truncated,
            writes: a.writes + b.writes,
            lost: a.lost + b.lost,
            worn: a.worn + b.worn,
            overflow: a.overflow + b.overflow,
            max_n: a.max_n.max(b.max_n),
            max_writes: a.max_writes.max(b.max_writes),
        }
    }
}
