//! `table`: a measured response. `lsb_table_ltp[k]` is the conductance after `pulse[k]`
//! potentiation pulses from G_min, `lsb_table_ltd[k]` after `pulse[k]` depression pulses from
//! G_max (siemens or normalized: each curve is normalized to [0, 1] by its own end points, as
//! the femsyn LSB spans [-L_max, L_max]; the pulse column is scaled so its last entry is the end
//! of the range, `P_max = 2 L_max / s`, so the table gives the shape and the device's pulse
//! count per range is the LSB's). Between samples the state is interpolated linearly along
//! the pulse axis (as MLP+NeuroSim V3.0's `MeasuredLTP`/`MeasuredLTD`); a train of `n` pulses
//! finds the pulse position of the current state on the curve of its direction and advances
//! it by `n` pulses, so any `n` is exact for the interpolated curve. Depression follows its own
//! curve, measured from the top.

use super::Curve;
use crate::device::DeviceParams;
use crate::error::{Error, Result};

/// A monotone piecewise-linear curve x(p), both axes normalized to [0, 1].
#[derive(Clone, Debug, PartialEq)]
struct Segments {
    p: Vec<f64>,
    x: Vec<f64>,
}

impl Segments {
    /// x at pulse position p in [0, 1].
    fn at(&self, p: f64) -> f64 {
        let k = seg(&self.p, p);
        let t = (p - self.p[k]) / (self.p[k + 1] - self.p[k]);
        self.x[k] + t * (self.x[k + 1] - self.x[k])
    }

    /// Pulse position of state x in [0, 1].
    fn pulse_of(&self, x: f64) -> f64 {
        let k = seg(&self.x, x);
        let t = (x - self.x[k]) / (self.x[k + 1] - self.x[k]);
        self.p[k] + t * (self.p[k + 1] - self.p[k])
    }

    /// A train of `dp` along the curve from state x: (new state, pulse-axis excess).
    fn advance(&self, x: f64, dp: f64) -> (f64, f64) {
        let p = self.pulse_of(x) + dp;
        if p >= 1.0 {
            (1.0, p - 1.0)
        } else {
            (self.at(p), 0.0)
        }
    }
}

/// Index k of the segment [v[k], v[k+1]] holding `t` (v strictly increasing, >= 2 entries).
#[inline]
fn seg(v: &[f64], t: f64) -> usize {
    v.partition_point(|&e| e <= t).clamp(1, v.len() - 1) - 1
}

#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    up: Segments,
    /// depression: distance from the top, 1 - x, against pulses from G_max
    down: Segments,
}

impl Table {
    pub fn build(d: &DeviceParams) -> Result<Table> {
        let k = d.lsb_table_ltp.len();
        if k < 2 {
            return Err(Error::param(
                "lsb_table_ltp",
                format!("{k} rows"),
                "at least 2 rows (conductance after each potentiation pulse) for lsb_response \
                 'table'",
            ));
        }
        if d.lsb_table_ltd.len() != k {
            return Err(Error::param(
                "lsb_table_ltd",
                format!("{} rows", d.lsb_table_ltd.len()),
                &format!("{k} rows, as lsb_table_ltp"),
            ));
        }
        let pulse: Vec<f64> = if d.lsb_table_pulse.is_empty() {
            (0..k).map(|i| i as f64).collect()
        } else if d.lsb_table_pulse.len() == k {
            d.lsb_table_pulse.clone()
        } else {
            return Err(Error::param(
                "lsb_table_pulse",
                format!("{} rows", d.lsb_table_pulse.len()),
                &format!("{k} rows, as lsb_table_ltp (or empty: pulses 0, 1, ...)"),
            ));
        };
        strictly_monotone("lsb_table_pulse", &pulse, 1.0)?;
        strictly_monotone("lsb_table_ltp", &d.lsb_table_ltp, 1.0)?;
        strictly_monotone("lsb_table_ltd", &d.lsb_table_ltd, -1.0)?;
        let p = normalize(&pulse);
        let up = Segments {
            p: p.clone(),
            x: normalize(&d.lsb_table_ltp),
        };
        let down = Segments {
            p,
            x: normalize(&d.lsb_table_ltd),
        };
        Ok(Table { up, down })
    }
}

/// Finite and strictly increasing (`sign` 1) or decreasing (`sign` -1); the error names the
/// row (0-based, as the list index).
fn strictly_monotone(field: &str, v: &[f64], sign: f64) -> Result<()> {
    for (i, &e) in v.iter().enumerate() {
        if !e.is_finite() {
            return Err(Error::param(&format!("{field}[{i}]"), e, "a finite value"));
        }
        if i > 0 && sign * (e - v[i - 1]) <= 0.0 {
            let how = if sign > 0.0 { "above" } else { "below" };
            return Err(Error::param(
                &format!("{field}[{i}]"),
                e,
                &format!(
                    "a value strictly {how} the row before ({}): the column must be strictly \
                     {}",
                    v[i - 1],
                    if sign > 0.0 {
                        "increasing"
                    } else {
                        "decreasing"
                    }
                ),
            ));
        }
    }
    Ok(())
}

/// (v - v[0]) / (v[last] - v[0]) with exact end points 0 and 1.
fn normalize(v: &[f64]) -> Vec<f64> {
    let (a, b) = (v[0], v[v.len() - 1]);
    let mut out: Vec<f64> = v.iter().map(|&e| (e - a) / (b - a)).collect();
    out[0] = 0.0;
    let last = out.len() - 1;
    out[last] = 1.0;
    out
}

impl Curve for Table {
    type Shape = ();
    fn shape(&self, _up: bool, _a: f64) {}

    /// the pulse-axis advance n * step
    #[inline]
    fn train(&self, n: u32, _up: bool, step: f64, _s: &()) -> f64 {
        n as f64 * step
    }

    #[inline]
    fn apply(&self, x: f64, _n: u32, up: bool, _step: f64, _s: &(), dp: f64) -> (f64, f64) {
        if up {
            self.up.advance(x, dp)
        } else {
            let (y, excess) = self.down.advance(1.0 - x, dp);
            (1.0 - y, excess)
        }
    }
}
