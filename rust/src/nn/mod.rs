//! Layer kernels of the training loop (pure Rust, no Python): convolution and fully connected
//! layers as GEMMs on channels-last (N, H, W, C) activations, 2x2 max pooling, and the SGD step.
//!
//! Why channels-last: a convolution's patch matrix then has one row per output pixel, and each
//! row is `k` contiguous runs of `k * C` input values (im2col and col2im are plain copies/adds
//! of runs), the GEMM writes the (N, Ho, Wo, O) output directly, and no layer transposes.
//!
//! Determinism: work is cut into blocks that depend on the shapes only ([`conv::GROUPS`] groups
//! of whole images, [`linear::BLOCK`]-wide feature blocks), each block is computed on one thread
//! by one single-threaded GEMM sequence, and partial weight gradients are summed in block order.
//! So results are bit-identical for any thread count.

pub mod conv;
pub mod gemm;
pub mod im2col;
pub mod linear;
pub mod pool;
pub mod sgd;

pub use gemm::Real;

use crate::error::{Error, Result};
use crate::parallel;
use rayon::prelude::*;

/// Work (multiply-adds) below which a kernel runs on the calling thread: handing a few hundred
/// microseconds of work to a pool thread and back costs a good part of it.
pub(crate) const PAR_MIN_WORK: usize = 1 << 21;
/// Multiply-adds a value of a memory-bound loop (pooling, SGD, reductions) counts for: a GEMM
/// does ~50 multiply-adds in the time such a loop moves one value.
pub(crate) const VALUE_WORK: usize = 32;

/// `f` over `items`, in parallel on femsyn's pool when that pays, else in order on the calling
/// thread. The items are fixed by the caller from the shapes alone, so the results are the same
/// either way, for any thread count.
pub(crate) fn map_blocks<I: Send, R: Send>(
    items: Vec<I>,
    work: usize,
    f: impl Fn(I) -> R + Sync + Send,
) -> Vec<R> {
    if items.len() <= 1 || work < PAR_MIN_WORK || parallel::num_threads() <= 1 {
        items.into_iter().map(f).collect()
    } else {
        parallel::install(|| items.into_par_iter().map(f).collect())
    }
}

/// Length check of a caller's buffer (the glue validates shapes; this guards the kernels).
pub(crate) fn check_len(arg: &str, got: usize, want: usize) -> Result<()> {
    if got != want {
        return Err(Error::value(
            arg,
            format!("expected {want} elements, got {got}"),
        ));
    }
    Ok(())
}

/// `n` items in `parts` contiguous ranges whose sizes differ by at most one (the first are larger).
pub(crate) fn split_even(n: usize, parts: usize) -> Vec<(usize, usize)> {
    let parts = parts.clamp(1, n.max(1));
    let (q, r) = (n / parts, n % parts);
    let mut out = Vec::with_capacity(parts);
    let mut s = 0;
    for i in 0..parts {
        let len = q + usize::from(i < r);
        out.push((s, s + len));
        s += len;
    }
    out
}

/// Sum `parts` (each of length `out.len()`) into `out` in part order, in parallel over elements:
/// every element is added in the same order whatever the thread count.
pub(crate) fn reduce_ordered<T: Real>(parts: &[Vec<T>], out: &mut [T]) {
    const CHUNK: usize = 1 << 14;
    let work = out.len() * parts.len() * VALUE_WORK;
    let chunks: Vec<(usize, &mut [T])> = out.chunks_mut(CHUNK).enumerate().collect();
    map_blocks(chunks, work, |(ci, o)| {
        let (base, len) = (ci * CHUNK, o.len());
        o.copy_from_slice(&parts[0][base..base + len]);
        for p in &parts[1..] {
            for (d, s) in o.iter_mut().zip(&p[base..base + len]) {
                *d += *s;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_even_covers_everything_in_order() {
        assert_eq!(split_even(10, 4), vec![(0, 3), (3, 6), (6, 8), (8, 10)]);
        assert_eq!(split_even(3, 8), vec![(0, 1), (1, 2), (2, 3)]);
        assert_eq!(split_even(0, 8), vec![(0, 0)]);
    }
}
