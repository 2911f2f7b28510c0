//! Event counters of an array, the per-chunk tallies they are reduced from, and the positions
//! of the random streams.

use crate::device::Value;
use crate::error::{Error, Result};

/// The counters of an array: integer event counts (declared once here, so the name table,
/// export and import cannot disagree) plus the two float ones.
macro_rules! counters {
    ($($(#[$doc:meta])* $name:ident),+ $(,)?) => {
        /// Event counters of one array. Each has one meaning; see `femsyn/_core.pyi`.
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct Counters {
            $($(#[$doc])* pub $name: u64,)+
            /// charge thrown away by `reset` residuals, pulse units (sum of the magnitudes of
            /// the analog LSB charge at each reset, not rounded)
            pub lsb_discarded_pulses: f64,
            /// simulated time in seconds
            pub time_s: f64,
        }

        impl Counters {
            pub const NAMES: &'static [&'static str] =
                &[$(stringify!($name),)+ "lsb_discarded_pulses", "time_s"];

            pub fn to_values(&self) -> Vec<(&'static str, Value)> {
                let i = |x: u64| Value::Int(x.min(i64::MAX as u64) as i64);
                vec![
                    $((stringify!($name), i(self.$name)),)+
                    ("lsb_discarded_pulses", Value::Float(self.lsb_discarded_pulses)),
                    ("time_s", Value::Float(self.time_s)),
                ]
            }

            pub fn set(&mut self, name: &str, v: &Value) -> Result<()> {
                let arg = format!("state['counters']['{name}']");
                match name {
                    $(stringify!($name) => self.$name = counter_u64(&arg, v)?,)+
                    "lsb_discarded_pulses" => self.lsb_discarded_pulses = counter_f64(&arg, v)?,
                    "time_s" => self.time_s = counter_f64(&arg, v)?,
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
    };
}

counters!(
    /// LSB pulses applied (after the n_max truncation)
    pulses,
    /// pulses lost at the LSB rails +-L_max (ideal: at the level rails)
    clipped_pulses,
    /// pulses dropped by the per-update limit n_max
    truncated_pulses,
    /// MSB program events (one per carry that moves the level): what endurance counts
    msb_writes,
    /// the part of `msb_writes` done by the overflow trigger inside `update`
    overflow_writes,
    /// MSB steps moved by carries (a carry of c levels counts |c|)
    carries,
    /// carry attempts the MSB rails stopped (fully or partly), each counted once: with `keep`
    /// the charge that stays blocked is not counted again until it has returned inside the
    /// band or the MSB has moved; with `reset` the charge is new at every attempt
    blocked_carries,
    /// cells whose write count exceeded the endurance
    worn_cells,
    /// transfer events (explicit or periodic), each over all cells
    transfers,
    /// update calls
    updates,
    /// training images seen through `step`
    images,
    /// largest per-cell MSB write count
    max_cell_writes,
    /// sum over updates of the largest |n| (update latency in pulse widths)
    latency_pulses,
    /// program pulses of the MSB writes (the store model's count: `levels` one per program
    /// operation, `pcm` the pulses of its trains plus RESETs)
    msb_program_pulses,
    /// program-and-verify iterations of closed-loop MSB writes (0 open loop); each is one
    /// program operation (counted by the cell's endurance) and one verify read
    msb_verify_iterations,
);

/// Counters of the first release (state format 1) with no meaning left: dropped on import.
pub const FIRST_RELEASE_COUNTERS: &[&str] = &["lost_carries", "overflow_carries"];

fn counter_u64(arg: &str, v: &Value) -> Result<u64> {
    match v {
        Value::Int(x) if *x >= 0 => Ok(*x as u64),
        _ => Err(Error::value(
            arg,
            format!("expected an integer >= 0, got {v:?}"),
        )),
    }
}

fn counter_f64(arg: &str, v: &Value) -> Result<f64> {
    match v {
        Value::Float(x) if x.is_finite() && *x >= 0.0 => Ok(*x),
        Value::Int(x) if *x >= 0 => Ok(*x as f64),
        _ => Err(Error::value(
            arg,
            format!("expected a float >= 0, got {v:?}"),
        )),
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

/// Tallies of one chunk. Reduced in chunk order (see [`Tally::sum`]), so the float sum is
/// the same for any thread count.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tally {
    pub pulses: u64,
    pub clipped: u64,
    pub truncated: u64,
    pub writes: u64,
    pub overflow_writes: u64,
    pub carries: u64,
    pub blocked: u64,
    pub discarded: f64,
    pub worn: u64,
    pub max_n: u64,
    pub max_writes: u64,
    pub msb_pulses: u64,
    pub verify: u64,
}

impl Tally {
    pub fn merge(a: Tally, b: Tally) -> Tally {
        Tally {
            pulses: a.pulses + b.pulses,
            clipped: a.clipped + b.clipped,
            truncated: a.truncated + b.truncated,
            writes: a.writes + b.writes,
            overflow_writes: a.overflow_writes + b.overflow_writes,
            carries: a.carries + b.carries,
            blocked: a.blocked + b.blocked,
            discarded: a.discarded + b.discarded,
            worn: a.worn + b.worn,
            max_n: a.max_n.max(b.max_n),
            max_writes: a.max_writes.max(b.max_writes),
            msb_pulses: a.msb_pulses + b.msb_pulses,
            verify: a.verify + b.verify,
        }
    }

    /// Sum of per-chunk tallies in chunk order (rayon's `reduce` tree depends on the thread
    /// count, which would change the last bits of the float sum).
    pub fn sum(v: Vec<Tally>) -> Tally {
        v.into_iter().fold(Tally::default(), Tally::merge)
    }
}

impl Counters {
    /// Add the carry-related tallies of one kernel call.
    pub fn add_carries(&mut self, t: &Tally) {
        self.msb_writes += t.writes;
        self.overflow_writes += t.overflow_writes;
        self.carries += t.carries;
        self.blocked_carries += t.blocked;
        self.lsb_discarded_pulses += t.discarded;
        self.worn_cells += t.worn;
        self.max_cell_writes = self.max_cell_writes.max(t.max_writes);
        self.msb_program_pulses += t.msb_pulses;
        self.msb_verify_iterations += t.verify;
    }
}
