//! MSB store models: what one write of a cell's non-volatile level does.
//!
//! Every MSB write of an array (an overflow carry, a read-all transfer) goes through
//! [`MsbModel::write`], called by `array::carry` only. A model returns the programming error
//! the new level is left with and what the write cost (program pulses, verify iterations), so
//! a store with its own physics (a PCM pair's nonlinear, noisy programming; program-verify; a
//! multi-domain ferroelectric) is one file implementing the trait plus its registration here.

mod levels;

pub use levels::Levels;

/// The outcome of one MSB write.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MsbWrite {
    /// deviation of the written level's weight from its nominal value (weight units),
    /// including the cell's static offset
    pub error: f32,
    /// program pulses applied
    pub pulses: u32,
    /// verify reads of a closed-loop write (0: open loop)
    pub verify_iterations: u32,
}

/// An MSB store. `cell`: flat cell index (for counter-based noise); `from_level`, `to_level`:
/// level indices before and after the carry; `offset`: the cell's static level offset.
pub trait MsbModel: Sync {
    fn write(&self, cell: u64, from_level: u16, to_level: u16, offset: f32) -> MsbWrite;
}
