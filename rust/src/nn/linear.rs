//! Fully connected layer `y = relu?(x W^T + b)` on (N, in) activations, W (out, in).
//!
//! Parallel over fixed feature blocks of [`BLOCK`] columns (never over the batch, which would
//! need a reduction for the weight gradient): forward and the weight gradient over blocks of
//! output features, the input gradient over blocks of input features. Each block is one GEMM on
//! one thread, so the result does not depend on the thread count.

use super::conv::{epilogue, relu_mask};
use super::gemm::Gemm;
use super::{check_len, map_blocks, split_even, Real};
use crate::error::Result;

/// Batch size, input and output features.
#[derive(Clone, Copy, Debug)]
pub struct Dims {
    pub n: usize,
    pub fin: usize,
    pub fout: usize,
}

/// Features per work item.
pub const BLOCK: usize = 128;

fn blocks(n: usize) -> Vec<(usize, usize)> {
    split_even(n, n.div_ceil(BLOCK))
}

/// Column blocks `[j0, j1)` of an (rows x cols) row-major matrix computed by `f` into a
/// (rows x (j1 - j0)) buffer each, in parallel, then copied into `out`.
fn by_column_blocks<T: Real>(
    rows: usize,
    cols: usize,
    out: &mut [T],
    work: usize,
    f: impl Fn(usize, usize, &mut [T]) + Sync + Send,
) {
    let bl = blocks(cols);
    let parts: Vec<Vec<T>> = map_blocks(bl.clone(), work, |(j0, j1)| {
        let mut buf = vec![T::ZERO; rows * (j1 - j0)];
        f(j0, j1, &mut buf);
        buf
    });
    for (&(j0, j1), buf) in bl.iter().zip(&parts) {
        for (r, src) in buf.chunks_exact((j1 - j0).max(1)).enumerate().take(rows) {
            out[r * cols + j0..r * cols + j1].copy_from_slice(src);
        }
    }
}

/// Forward: x (n x fin), w (fout x fin), y (n x fout).
pub fn forward<T: Real>(
    d: Dims,
    x: &[T],
    w: &[T],
    bias: Option<&[T]>,
    relu: bool,
    y: &mut [T],
) -> Result<()> {
    let Dims { n, fin, fout } = d;
    check_len("x", x.len(), n * fin)?;
    check_len("w", w.len(), fout * fin)?;
    check_len("y", y.len(), n * fout)?;
    if let Some(b) = bias {
        check_len("bias", b.len(), fout)?;
    }
    by_column_blocks(n, fout, y, n * fin * fout, |j0, j1, buf| {
        let wb = &w[j0 * fin..j1 * fin];
        T::gemm(
            &Gemm::new(n, j1 - j0, fin, false, fin, true, fin, j1 - j0),
            T::ONE,
            T::ZERO,
            x,
            wb,
            buf,
        );
        epilogue(buf, j1 - j0, bias.map(|b| &b[j0..j1]), relu);
    });
    Ok(())
}

/// Backward of [`forward`]; `y` is the forward output when the ReLU was fused.
pub fn backward<T: Real>(
    d: Dims,
    x: &[T],
    w: &[T],
    y: Option<&[T]>,
    grad: &[T],
    out: super::conv::Grads<'_, T>,
) -> Result<()> {
    let Dims { n, fin, fout } = d;
    check_len("x", x.len(), n * fin)?;
    check_len("w", w.len(), fout * fin)?;
    check_len("grad", grad.len(), n * fout)?;
    check_len("grad_w", out.w.len(), fout * fin)?;
    let mut gm = vec![T::ZERO; n * fout];
    if let Some(y) = y {
        check_len("y", y.len(), n * fout)?;
    }
    relu_mask(grad, y, &mut gm);
    let gm = &gm;
    if let Some(b) = out.b {
        check_len("grad_b", b.len(), fout)?;
        b.fill(T::ZERO);
        for row in gm.chunks_exact(fout.max(1)) {
            for (a, v) in b.iter_mut().zip(row) {
                *a += *v;
            }
        }
    }
    // grad_w rows j0..j1 = gm[:, j0..j1]^T x: contiguous rows of grad_w, split without copies.
    let bl = blocks(fout);
    let mut rest: &mut [T] = out.w;
    let mut parts = Vec::with_capacity(bl.len());
    for &(j0, j1) in &bl {
        let (head, tail) = std::mem::take(&mut rest).split_at_mut((j1 - j0) * fin);
        parts.push((j0, j1, head));
        rest = tail;
    }
    map_blocks(parts, n * fin * fout, |(j0, j1, gw)| {
        let a = &gm[j0..];
        T::gemm(
            &Gemm::new(j1 - j0, fin, n, true, fout, false, fin, fin),
            T::ONE,
            T::ZERO,
            a,
            x,
            gw,
        );
    });
    if let Some(dx) = out.x {
        check_len("grad_x", dx.len(), n * fin)?;
        by_column_blocks(n, fin, dx, n * fin * fout, |c0, c1, buf| {
            T::gemm(
                &Gemm::new(n, c1 - c0, fout, false, fout, false, fin, c1 - c0),
                T::ONE,
                T::ZERO,
                gm,
                &w[c0..],
                buf,
            );
        });
    }
    Ok(())
}
