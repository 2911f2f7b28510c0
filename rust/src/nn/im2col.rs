//! im2col / col2im on channels-last images, one output pixel per patch-matrix row.
//!
//! Row `p = (n, oy, ox)` of the patch matrix holds, for each kernel row `i`, the `k * C` values
//! `x[n, oy*s + i - pad, ox*s - pad .. ox*s - pad + k, :]` (zeros outside the image): columns are
//! ordered (i, j, c). Both functions work on any range of rows, so callers can cut a layer into
//! cache-sized pieces. Both go through a zero-bordered copy of the current image, so every run
//! is a plain copy or add, with no clipping at the borders.

use super::Real;
use crate::error::{Error, Result};

/// Geometry of a 2-D convolution on (N, H, W, C) input with O output channels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvGeom {
    pub n: usize,
    pub h: usize,
    pub w: usize,
    pub c: usize,
    pub k: usize,
    pub stride: usize,
    pub pad: usize,
    pub o: usize,
}

impl ConvGeom {
    /// The geometry if sizes are positive and the kernel fits the padded input.
    pub fn checked(self) -> Result<Self> {
        let g = self;
        for (name, v) in [
            ("c", g.c),
            ("k", g.k),
            ("stride", g.stride),
            ("o", g.o),
            ("h", g.h),
            ("w", g.w),
        ] {
            if v == 0 {
                return Err(Error::value(name, "must be >= 1"));
            }
        }
        if g.h + 2 * g.pad < g.k || g.w + 2 * g.pad < g.k {
            let msg = format!(
                "kernel {} larger than the padded input {}x{} (pad {})",
                g.k, g.h, g.w, g.pad
            );
            return Err(Error::value("k", msg));
        }
        Ok(g)
    }
    pub fn ho(&self) -> usize {
        (self.h + 2 * self.pad - self.k) / self.stride + 1
    }
    pub fn wo(&self) -> usize {
        (self.w + 2 * self.pad - self.k) / self.stride + 1
    }
    /// Patch-matrix columns (the GEMM's K): k * k * C.
    pub fn kdim(&self) -> usize {
        self.k * self.k * self.c
    }
    /// Output pixels of one image.
    pub fn pixels_out(&self) -> usize {
        self.ho() * self.wo()
    }
    /// Input values of one image.
    pub fn image_len(&self) -> usize {
        self.h * self.w * self.c
    }
}

/// Iterate the patch rows `p0..p1` in runs along one output row: `f(r, n, oy, ox0, ox1)` for
/// rows `r..r + (ox1 - ox0)` (counted from p0) of image `n`, output row `oy`.
#[inline]
fn for_segments(
    g: &ConvGeom,
    p0: usize,
    p1: usize,
    mut f: impl FnMut(usize, usize, usize, usize, usize),
) {
    let (wo, per) = (g.wo(), g.pixels_out());
    let mut p = p0;
    while p < p1 {
        let (n, rem) = (p / per, p % per);
        let (oy, ox0) = (rem / wo, rem % wo);
        let ox1 = (ox0 + (p1 - p)).min(wo);
        f(p - p0, n, oy, ox0, ox1);
        p += ox1 - ox0;
    }
}

/// `count` runs of `len` values: run t from `src[t * step..]` to `dst[t * ld + off..]`. Runs of
/// up to 16 values (a 5x5 kernel on one channel: 5) are fixed-size moves in a tight loop; a
/// libc memcpy call per run would cost more than the copy.
#[inline(always)]
pub(crate) fn runs<T: Real>(
    len: usize,
    count: usize,
    src: &[T],
    step: usize,
    dst: &mut [T],
    ld: usize,
    off: usize,
) {
    #[inline(always)]
    fn fixed<T: Real, const N: usize>(
        count: usize,
        src: &[T],
        step: usize,
        dst: &mut [T],
        ld: usize,
        off: usize,
    ) {
        for t in 0..count {
            let d: &mut [T; N] = (&mut dst[t * ld + off..t * ld + off + N])
                .try_into()
                .expect("N values");
            *d = src[t * step..t * step + N].try_into().expect("N values");
        }
    }
    macro_rules! dispatch {
        ($($n:literal)*) => {
            match len {
                $($n => fixed::<T, $n>(count, src, step, dst, ld, off),)*
                _ => {
                    for t in 0..count {
                        dst[t * ld + off..t * ld + off + len].copy_from_slice(&src[t * step..t * step + len]);
                    }
                }
            }
        };
    }
    dispatch!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
}

/// One image in padded coordinates ((H + 2 pad) x (W + 2 pad) x C): the image itself when
/// pad = 0, else a zero-bordered copy in a scratch buffer, so every patch run is a plain copy.
struct Padded<T> {
    buf: Vec<T>,
    image: Option<usize>,
}

impl<T: Real> Padded<T> {
    fn new(g: &ConvGeom) -> Self {
        let len = if g.pad == 0 {
            0
        } else {
            (g.h + 2 * g.pad) * (g.w + 2 * g.pad) * g.c
        };
        Padded {
            buf: vec![T::ZERO; len],
            image: None,
        }
    }

    fn row_len(g: &ConvGeom) -> usize {
        (g.w + 2 * g.pad) * g.c
    }

    /// Image `n` of `x`, padded.
    fn load<'a>(&'a mut self, g: &ConvGeom, x: &'a [T], n: usize) -> &'a [T] {
        let img = &x[n * g.image_len()..(n + 1) * g.image_len()];
        if g.pad == 0 {
            return img;
        }
        if self.image != Some(n) {
            let (rl, wc) = (Self::row_len(g), g.w * g.c);
            for (y, src) in img.chunks_exact(wc).enumerate() {
                let at = (y + g.pad) * rl + g.pad * g.c;
                self.buf[at..at + wc].copy_from_slice(src);
            }
            self.image = Some(n);
        }
        &self.buf
    }
}

/// im2col with a reusable padding scratch (one per thread).
pub struct Im2col<T>(Padded<T>);

impl<T: Real> Im2col<T> {
    pub fn new(g: &ConvGeom) -> Self {
        Im2col(Padded::new(g))
    }

    /// Patch rows `p0..p1` of image batch `x` (N, H, W, C) into `cols` ((p1 - p0) x kdim).
    pub fn gather(&mut self, g: &ConvGeom, x: &[T], p0: usize, p1: usize, cols: &mut [T]) {
        let (kd, kc, c, s, rl) = (g.kdim(), g.k * g.c, g.c, g.stride, Padded::<T>::row_len(g));
        let pad = &mut self.0;
        for_segments(g, p0, p1, |r, n, oy, ox0, ox1| {
            let img = pad.load(g, x, n); // copies image n only when it changes
            let dst = &mut cols[r * kd..(r + ox1 - ox0) * kd];
            for i in 0..g.k {
                let src = &img[(oy * s + i) * rl + ox0 * s * c..];
                runs(kc, ox1 - ox0, src, s * c, dst, kd, i * kc);
            }
        });
    }
}

/// col2im: patch-matrix gradients added back into the input gradient, image by image in a
/// padded scratch (one per thread) whose interior is written to `dx` when the image is done.
/// Every input value receives its contributions in increasing row order, then kernel offset
/// (i, j): a fixed order, whatever the split of rows into calls.
pub struct Col2im<T> {
    buf: Vec<T>,
    image: Option<usize>,
}

impl<T: Real> Col2im<T> {
    pub fn new(g: &ConvGeom) -> Self {
        Col2im {
            buf: vec![T::ZERO; (g.h + 2 * g.pad) * (g.w + 2 * g.pad) * g.c],
            image: None,
        }
    }

    /// Add patch rows `p0..p1` (`dcols`, (p1 - p0) x kdim) into images of `dx`, which holds
    /// the images from `n0` on; call [`Col2im::finish`] after the last rows.
    pub fn scatter(
        &mut self,
        g: &ConvGeom,
        dcols: &[T],
        p0: usize,
        p1: usize,
        n0: usize,
        dx: &mut [T],
    ) {
        let (kd, kc, c, s, rl) = (g.kdim(), g.k * g.c, g.c, g.stride, Padded::<T>::row_len(g));
        for_segments(g, p0, p1, |r, n, oy, ox0, ox1| {
            if self.image != Some(n) {
                self.finish(g, n0, dx);
                self.image = Some(n);
            }
            let src = &dcols[r * kd..(r + ox1 - ox0) * kd];
            for i in 0..g.k {
                // within one output row an input value gets its contributions from one kernel
                // row i only, so i outside ox keeps the add order of a plain loop over rows
                let at = (oy * s + i) * rl + ox0 * s * c;
                for (t, row) in src.chunks_exact(kd).enumerate() {
                    let d = &mut self.buf[at + t * s * c..at + t * s * c + kc];
                    for (a, b) in d.iter_mut().zip(&row[i * kc..(i + 1) * kc]) {
                        *a += *b;
                    }
                }
            }
        });
    }

    /// Write the image in the scratch (if any) into `dx` and clear the scratch.
    pub fn finish(&mut self, g: &ConvGeom, n0: usize, dx: &mut [T]) {
        let Some(n) = self.image.take() else { return };
        let (rl, wc) = (Padded::<T>::row_len(g), g.w * g.c);
        let img = &mut dx[(n - n0) * g.image_len()..(n - n0 + 1) * g.image_len()];
        for (y, dst) in img.chunks_exact_mut(wc).enumerate() {
            let at = (y + g.pad) * rl + g.pad * g.c;
            dst.copy_from_slice(&self.buf[at..at + wc]);
        }
        self.buf.fill(T::ZERO);
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, one element at a time.
    fn naive(g: &ConvGeom, x: &[f64]) -> Vec<f64> {
        let (ho, wo, kd) = (g.ho(), g.wo(), g.kdim());
        let mut out = vec![0.0; g.n * ho * wo * kd];
        for n in 0..g.n {
            for oy in 0..ho {
                for ox in 0..wo {
                    let p = (n * ho + oy) * wo + ox;
                    for i in 0..g.k {
                        for j in 0..g.k {
                            for ch in 0..g.c {
                                let iy = (oy * g.stride + i) as isize - g.pad as isize;
                                let ix = (ox * g.stride + j) as isize - g.pad as isize;
                                let inside = iy >= 0
                                    && ix >= 0
                                    && (iy as usize) < g.h
                                    && (ix as usize) < g.w;
                                let v = if inside {
                                    x[((n * g.h + iy as usize) * g.w + ix as usize) * g.c + ch]
                                } else {
                                    0.0
                                };
                                out[p * kd + (i * g.k + j) * g.c + ch] = v;
                            }
                        }
                    }
                }
            }
        }
        out
    }

    #[test]
    fn im2col_matches_definition_and_col2im_is_its_adjoint() {
        for (h, w, c, k, s, p) in [
            (5, 6, 2, 3, 1, 1),
            (7, 5, 1, 5, 1, 2),
            (9, 9, 3, 3, 2, 1),
            (4, 4, 2, 4, 1, 0),
            (3, 3, 1, 3, 2, 3),
        ] {
            let g = ConvGeom {
                n: 2,
                h,
                w,
                c,
                k,
                stride: s,
                pad: p,
                o: 1,
            }
            .checked()
            .unwrap();
            let x: Vec<f64> = (0..2 * g.image_len()).map(|v| v as f64 + 1.0).collect();
            let want = naive(&g, &x);
            let rows = 2 * g.pixels_out();
            for cut in [1, 3, rows] {
                let mut cols = vec![f64::NAN; rows * g.kdim()];
                let mut p0 = 0;
                while p0 < rows {
                    let p1 = (p0 + cut).min(rows);
                    Im2col::new(&g).gather(&g, &x, p0, p1, &mut cols[p0 * g.kdim()..p1 * g.kdim()]);
                    p0 = p1;
                }
                assert_eq!(cols, want, "{h}x{w}x{c} k{k} s{s} p{p} cut {cut}");
            }
            // <im2col(x), d> == <x, col2im(d)> for integer-valued data (exact in f64)
            let d: Vec<f64> = (0..rows * g.kdim()).map(|v| (v % 7) as f64 - 3.0).collect();
            let mut dx = vec![f64::NAN; x.len()];
            let mut c2 = Col2im::new(&g);
            c2.scatter(&g, &d, 0, rows / 2 + 1, 0, &mut dx);
            c2.scatter(
                &g,
                &d[(rows / 2 + 1) * g.kdim()..],
                rows / 2 + 1,
                rows,
                0,
                &mut dx,
            );
            c2.finish(&g, 0, &mut dx);
            let lhs: f64 = want.iter().zip(&d).map(|(a, b)| a * b).sum();
            let rhs: f64 = x.iter().zip(&dx).map(|(a, b)| a * b).sum();
            assert_eq!(lhs, rhs);
        }
    }
}
