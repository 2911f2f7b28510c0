//! 2-D convolution as im2col + GEMM on channels-last activations, fused bias and ReLU.
//!
//! The batch is cut into [`GROUPS`] groups of whole images (fixed by the batch size, not the
//! thread count), each group into sub-blocks of patch rows small enough for the caches; a group
//! runs on one thread. Forward writes each sub-block's GEMM result straight into the output;
//! backward recomputes the patches (cheaper than keeping a patch matrix of the whole batch),
//! accumulates the group's weight gradient and scatters the input gradient of the group's images.
//! The group gradients are then summed in group order.

use super::gemm::Gemm;
use super::im2col::{Col2im, ConvGeom, Im2col};
use super::{check_len, map_blocks, reduce_ordered, split_even, Real};
use crate::error::Result;

/// Work items per layer: at most this many threads share one convolution.
pub const GROUPS: usize = 8;
/// Target elements of a sub-block's patch matrix (1 Mi values, 4 MiB of f32): smaller blocks
/// make the GEMMs with K = O (input gradient) markedly slower.
const SUB_ELEMS: usize = 1 << 20;

fn sub_rows(g: &ConvGeom) -> usize {
    (SUB_ELEMS / g.kdim()).max(1)
}

/// Image ranges of the groups, with the matching split of a per-row buffer of `width` columns.
fn split_groups<'a, T>(
    g: &ConvGeom,
    buf: &'a mut [T],
    width: usize,
) -> Vec<((usize, usize), &'a mut [T])> {
    let mut rest = buf;
    let mut out = Vec::new();
    for (n0, n1) in split_even(g.n, GROUPS) {
        let (head, tail) = std::mem::take(&mut rest).split_at_mut((n1 - n0) * width);
        out.push(((n0, n1), head));
        rest = tail;
    }
    out
}

/// `y[p, o] = relu?(sum_k cols[p, k] * wp[o, k] + bias[o])` for all output pixels p.
/// x: (N, H, W, C); wp: (O, k*k*C) in (i, j, c) column order; y: (N, Ho, Wo, O).
pub fn forward<T: Real>(
    g: &ConvGeom,
    x: &[T],
    wp: &[T],
    bias: Option<&[T]>,
    relu: bool,
    y: &mut [T],
) -> Result<()> {
    check_len("x", x.len(), g.n * g.image_len())?;
    check_len("w", wp.len(), g.o * g.kdim())?;
    check_len("y", y.len(), g.n * g.pixels_out() * g.o)?;
    if let Some(b) = bias {
        check_len("bias", b.len(), g.o)?;
    }
    let (kd, per, sub) = (g.kdim(), g.pixels_out(), sub_rows(g));
    let groups = split_groups(g, y, per * g.o);
    let work = g.n * per * kd * g.o;
    map_blocks(groups, work, |((n0, n1), yg)| {
        let mut cols = vec![T::ZERO; sub.min((n1 - n0) * per) * kd];
        let mut patches = Im2col::new(g);
        let (p_start, p_end) = (n0 * per, n1 * per);
        let mut p0 = p_start;
        while p0 < p_end {
            let p1 = (p0 + sub).min(p_end);
            let rows = p1 - p0;
            patches.gather(g, x, p0, p1, &mut cols[..rows * kd]);
            let out = &mut yg[(p0 - p_start) * g.o..(p1 - p_start) * g.o];
            T::gemm(
                &Gemm::new(rows, g.o, kd, false, kd, true, kd, g.o),
                T::ONE,
                T::ZERO,
                &cols[..rows * kd],
                wp,
                out,
            );
            epilogue(out, g.o, bias, relu);
            p0 = p1;
        }
    });
    Ok(())
}

/// Bias add and ReLU on rows of `width` values, while they are still in cache.
pub(crate) fn epilogue<T: Real>(out: &mut [T], width: usize, bias: Option<&[T]>, relu: bool) {
    if let Some(b) = bias {
        for row in out.chunks_exact_mut(width) {
            for (v, bb) in row.iter_mut().zip(b) {
                *v += *bb;
            }
        }
    }
    if relu {
        // a select, not a branch: random signs would mispredict half the time
        for v in out.iter_mut() {
            *v = if *v > T::ZERO { *v } else { T::ZERO };
        }
    }
}

/// Gradient through a fused ReLU: `grad` where the layer's output `y` is > 0, else 0.
pub(crate) fn relu_mask<T: Real>(grad: &[T], y: Option<&[T]>, out: &mut [T]) {
    match y {
        Some(y) => {
            for ((o, gv), yv) in out.iter_mut().zip(grad).zip(y) {
                *o = gv.keep(*yv > T::ZERO);
            }
        }
        None => out.copy_from_slice(grad),
    }
}

/// What a backward pass fills: the weight gradient (O x kdim, (i, j, c) order), optionally the
/// bias gradient (O) and the input gradient (N, H, W, C).
pub struct Grads<'a, T> {
    pub w: &'a mut [T],
    pub b: Option<&'a mut [T]>,
    pub x: Option<&'a mut [T]>,
}

/// Backward of [`forward`]. `y` is the forward output when the ReLU was fused (its mask is
/// applied to `grad` first), `grad` is dL/dy (N, Ho, Wo, O).
pub fn backward<T: Real>(
    g: &ConvGeom,
    x: &[T],
    wp: &[T],
    y: Option<&[T]>,
    grad: &[T],
    out: Grads<'_, T>,
) -> Result<()> {
    let (kd, per, sub) = (g.kdim(), g.pixels_out(), sub_rows(g));
    check_len("x", x.len(), g.n * g.image_len())?;
    check_len("w", wp.len(), g.o * kd)?;
    check_len("grad", grad.len(), g.n * per * g.o)?;
    if let Some(y) = y {
        check_len("y", y.len(), grad.len())?;
    }
    check_len("grad_w", out.w.len(), g.o * kd)?;
    let want_dx = out.x.is_some();
    let mut dx_store = Vec::new();
    let dx: &mut [T] = match out.x {
        Some(d) => {
            check_len("grad_x", d.len(), x.len())?;
            d
        }
        None => &mut dx_store,
    };
    let want_b = out.b.is_some();
    let groups: Vec<((usize, usize), &mut [T])> = if want_dx {
        split_groups(g, dx, g.image_len())
    } else {
        split_even(g.n, GROUPS)
            .into_iter()
            .map(|r| (r, &mut [][..]))
            .collect()
    };
    let work = 2 * g.n * per * kd * g.o;
    let partial: Vec<(Vec<T>, Vec<T>)> = map_blocks(groups, work, |((n0, n1), dxg)| {
        let mut gw = vec![T::ZERO; g.o * kd];
        let mut gb = vec![T::ZERO; if want_b { g.o } else { 0 }];
        let cap = sub.min(((n1 - n0) * per).max(1));
        let mut cols = vec![T::ZERO; cap * kd];
        let mut gm = vec![T::ZERO; cap * g.o];
        let mut patches = Im2col::new(g);
        let mut scatter = want_dx.then(|| Col2im::new(g));
        let (p_start, p_end) = (n0 * per, n1 * per);
        let mut p0 = p_start;
        while p0 < p_end {
            let p1 = (p0 + sub).min(p_end);
            let rows = p1 - p0;
            let gm = &mut gm[..rows * g.o];
            relu_mask(
                &grad[p0 * g.o..p1 * g.o],
                y.map(|y| &y[p0 * g.o..p1 * g.o]),
                gm,
            );
            if want_b {
                for row in gm.chunks_exact(g.o) {
                    for (a, v) in gb.iter_mut().zip(row) {
                        *a += *v;
                    }
                }
            }
            let cols = &mut cols[..rows * kd];
            patches.gather(g, x, p0, p1, cols);
            let beta = if p0 == p_start { T::ZERO } else { T::ONE };
            T::gemm(
                &Gemm::new(g.o, kd, rows, true, g.o, false, kd, kd),
                T::ONE,
                beta,
                gm,
                cols,
                &mut gw,
            );
            if let Some(sc) = scatter.as_mut() {
                let dcols = Gemm::new(rows, kd, g.o, false, g.o, false, kd, kd);
                T::gemm(&dcols, T::ONE, T::ZERO, gm, wp, cols);
                sc.scatter(g, cols, p0, p1, n0, dxg);
            }
            p0 = p1;
        }
        if let Some(sc) = scatter.as_mut() {
            sc.finish(g, n0, dxg);
        }
        (gw, gb)
    });
    let (gws, gbs): (Vec<Vec<T>>, Vec<Vec<T>>) = partial.into_iter().unzip();
    reduce_ordered(&gws, out.w);
    if let Some(b) = out.b {
        check_len("grad_b", b.len(), g.o)?;
        reduce_ordered(&gbs, b);
    }
    Ok(())
}
