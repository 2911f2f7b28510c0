//! 2x2 / stride-2 max pooling on channels-last (N, H, W, C) images; odd trailing rows and
//! columns are dropped (as in PyTorch). Forward keeps, per output value, which of the four
//! inputs won (the first of equal maxima), so backward is one pass that writes every input
//! gradient once. Images are independent: any split over threads gives the same result.

use super::im2col::runs;
use super::{check_len, map_blocks, Real, VALUE_WORK};
use crate::error::Result;

/// (N, H, W, C) -> y (N, H/2, W/2, C) and the winner index 0..4 (2 * row + col) per output.
pub fn max2_forward<T: Real>(
    n: usize,
    h: usize,
    w: usize,
    c: usize,
    x: &[T],
    y: &mut [T],
    arg: &mut [u8],
) -> Result<()> {
    let (ho, wo) = (h / 2, w / 2);
    check_len("x", x.len(), n * h * w * c)?;
    check_len("y", y.len(), n * ho * wo * c)?;
    check_len("arg", arg.len(), y.len())?;
    if y.is_empty() {
        return Ok(());
    }
    let (wc, out_row) = (w * c, wo * c);
    // one item per output row: (image, oy)
    let rows: Vec<_> = y
        .chunks_mut(out_row)
        .zip(arg.chunks_mut(out_row))
        .enumerate()
        .collect();
    map_blocks(rows, x.len() * VALUE_WORK, |(t, (yr, ar))| {
        let (img, oy) = (t / ho, t % ho);
        let top = &x[(img * h + 2 * oy) * wc..][..wc];
        let bot = &x[(img * h + 2 * oy + 1) * wc..][..wc];
        for ox in 0..wo {
            let (a, b) = (&top[2 * ox * c..][..2 * c], &bot[2 * ox * c..][..2 * c]);
            let (yo, ao) = (&mut yr[ox * c..][..c], &mut ar[ox * c..][..c]);
            for ch in 0..c {
                let (mut m, mut k) = (a[ch], 0u8);
                for (kk, v) in [(1u8, a[c + ch]), (2, b[ch]), (3, b[c + ch])] {
                    if v > m {
                        (m, k) = (v, kk);
                    }
                }
                yo[ch] = m;
                ao[ch] = k;
            }
        }
    });
    Ok(())
}

/// dx (N, H, W, C): grad where an input won its window, 0 elsewhere (incl. dropped rows/cols).
pub fn max2_backward<T: Real>(
    n: usize,
    h: usize,
    w: usize,
    c: usize,
    grad: &[T],
    arg: &[u8],
    dx: &mut [T],
) -> Result<()> {
    let (ho, wo) = (h / 2, w / 2);
    check_len("grad", grad.len(), n * ho * wo * c)?;
    check_len("arg", arg.len(), grad.len())?;
    check_len("dx", dx.len(), n * h * w * c)?;
    if dx.is_empty() {
        return Ok(());
    }
    let (wc, out_row) = (w * c, wo * c);
    // one item per input row: (image, iy)
    let work = dx.len() * VALUE_WORK;
    let rows: Vec<_> = dx.chunks_mut(wc).enumerate().collect();
    map_blocks(rows, work, |(t, row)| {
        let (img, iy) = (t / h, t % h);
        if iy / 2 >= ho {
            row.fill(T::ZERO);
            return;
        }
        let at = (img * ho + iy / 2) * out_row;
        let (g, a) = (&grad[at..at + out_row], &arg[at..at + out_row]);
        let dy = 2 * (iy % 2) as u8;
        // gradient of the left / right column of every window, over the whole output row
        // (long contiguous loops the compiler vectorizes), then interleaved into the row
        let (mut left, mut right) = (vec![T::ZERO; out_row], vec![T::ZERO; out_row]);
        for (((l, r), gv), av) in left.iter_mut().zip(right.iter_mut()).zip(g).zip(a) {
            *l = gv.keep(*av == dy);
            *r = gv.keep(*av == dy + 1);
        }
        runs(c, wo, &left, c, row, 2 * c, 0);
        runs(c, wo, &right, c, row, 2 * c, c);
        row[2 * wo * c..].fill(T::ZERO);
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_pool_picks_first_maximum_and_routes_gradient() {
        // one image 3x4, 1 channel: windows (0..2, 0..2) and (0..2, 2..4); row 2 dropped
        let x = [1.0, 5.0, 2.0, 2.0, 5.0, 0.0, 1.0, 0.0, 9.0, 9.0, 9.0, 9.0];
        let (mut y, mut a) = ([0.0; 2], [0u8; 2]);
        max2_forward(1, 3, 4, 1, &x, &mut y, &mut a).unwrap();
        assert_eq!((y, a), ([5.0, 2.0], [1, 0]));
        let mut dx = [7.0; 12];
        max2_backward(1, 3, 4, 1, &[10.0, 20.0], &a, &mut dx).unwrap();
        assert_eq!(
            dx,
            [0.0, 10.0, 20.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        );
    }
}
