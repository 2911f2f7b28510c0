//! Sizes checked before allocating: an array too large for this machine is a `ValueError`
//! naming `rows`/`cols` and the bytes it would need, never an abort of the interpreter (Rust's
//! infallible allocation aborts the process when the allocator says no).

use crate::device::{DeviceParams, Kind, LsbResponse};
use crate::error::{Error, Result};

/// Bytes one cell of an array on `dev` holds: its state vectors plus the per-cell leak-factor
/// cache and one float32 readout the kernels allocate alongside.
pub fn bytes_per_cell(dev: &DeviceParams) -> usize {
    match dev.kind {
        Kind::Float => 4 + 4,
        Kind::Ideal => 2 + 4,
        Kind::Hybrid => {
            // msb u16, lsb/msb_error/step_up/step_down/leak_rate/msb_offset f32, msb_writes u32,
            // carry_blocked u8, the leak-factor cache f32, a readout f32
            let base = 2 + 6 * 4 + 4 + 1 + 4 + 4;
            let shapes = if dev.lsb_response == LsbResponse::Exp && dev.lsb_exp_a_d2d_rel > 0.0 {
                8
            } else {
                0
            };
            base + shapes
        }
    }
}

/// Memory the system can give now (`MemAvailable` of /proc/meminfo); None where unknown.
pub fn available_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// ValueError unless a rows x cols array on `dev` fits in the memory available now.
pub fn check_fits(rows: usize, cols: usize, dev: &DeviceParams) -> Result<()> {
    check_fits_in(rows, cols, dev, available_bytes())
}

/// [`check_fits`] against a given amount of available memory (None: only overflow is checked).
pub fn check_fits_in(
    rows: usize,
    cols: usize,
    dev: &DeviceParams,
    avail: Option<u64>,
) -> Result<()> {
    let per = bytes_per_cell(dev) as u64;
    let need = (rows as u64)
        .checked_mul(cols as u64)
        .and_then(|n| n.checked_mul(per));
    match (need, avail) {
        (None, _) => Err(Error::value(
            "rows, cols",
            format!(
                "rows={rows}, cols={cols}: rows * cols * {per} bytes per cell overflows 64 bits"
            ),
        )),
        (Some(need), Some(avail)) if need > avail => Err(Error::value(
            "rows, cols",
            format!(
                "rows={rows}, cols={cols}: a '{}' array needs {need} bytes ({per} per cell), but \
                 only {avail} bytes of memory are available",
                dev.kind.as_str()
            ),
        )),
        _ => Ok(()),
    }
}

/// `n` copies of `v` in a Vec, or a ValueError naming `arg` when the allocator refuses.
pub fn filled<T: Clone>(arg: &str, n: usize, v: T) -> Result<Vec<T>> {
    let mut out = Vec::new();
    out.try_reserve_exact(n).map_err(|_| {
        Error::value(
            arg,
            format!(
                "cannot allocate {} bytes for {n} values",
                n.saturating_mul(std::mem::size_of::<T>())
            ),
        )
    })?;
    out.resize(n, v);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_large_names_rows_cols_and_bytes() {
        let dev = DeviceParams::default();
        let e = check_fits_in(100_000, 100_000, &dev, Some(1 << 30)).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("rows, cols: rows=100000, cols=100000"),
            "{msg}"
        );
        assert!(msg.contains(&format!(
            "{} bytes",
            100_000u64 * 100_000 * bytes_per_cell(&dev) as u64
        )));
        assert!(msg.contains("1073741824 bytes of memory are available"));
        assert!(check_fits_in(10, 10, &dev, Some(1 << 30)).is_ok());
        assert!(check_fits_in(usize::MAX, 3, &dev, None).is_err());
    }

    #[test]
    fn filled_refuses_an_impossible_size() {
        assert!(filled("x", usize::MAX / 2, 0u32).is_err());
        assert_eq!(filled("x", 3, 7u8).unwrap(), vec![7, 7, 7]);
    }
}
