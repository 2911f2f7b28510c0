//! SGD with heavy-ball momentum and L2 weight decay in one pass over the cells:
//! `v = mu * v + (grad + wd * w)`, `dw = -lr * v`, with the float32 operations in numpy's order
//! (`v *= mu; v += grad; v += w * wd; dw = v * (-lr)`), so it is bit-identical to that numpy
//! code. Elementwise: any split over threads gives the same result.

use super::{check_len, map_blocks, Real, VALUE_WORK};
use crate::error::Result;

/// Hyper-parameters of one step; `neg_lr` is -lr (already rounded to the element type).
#[derive(Clone, Copy, Debug)]
pub struct Sgd<T> {
    pub momentum: T,
    pub weight_decay: T,
    pub neg_lr: T,
}

/// Update the momentum `v` in place and write the requested change into `dw`.
pub fn step<T: Real>(h: Sgd<T>, v: &mut [T], grad: &[T], w: &[T], dw: &mut [T]) -> Result<()> {
    check_len("grad", grad.len(), v.len())?;
    check_len("w", w.len(), v.len())?;
    check_len("dw", dw.len(), v.len())?;
    const CHUNK: usize = 1 << 15;
    let decay = !(h.weight_decay == T::ZERO);
    let items: Vec<_> = v
        .chunks_mut(CHUNK)
        .zip(dw.chunks_mut(CHUNK))
        .enumerate()
        .collect();
    map_blocks(items, grad.len() * VALUE_WORK, |(i, (vc, dc))| {
        let at = i * CHUNK;
        let (g, wc) = (&grad[at..at + vc.len()], &w[at..at + vc.len()]);
        for (((vv, d), gv), wv) in vc.iter_mut().zip(dc.iter_mut()).zip(g).zip(wc) {
            let mut x = *vv * h.momentum + *gv;
            if decay {
                x += *wv * h.weight_decay;
            }
            *vv = x;
            *d = x * h.neg_lr;
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_numpy_sequence() {
        let n = 100_003;
        let v0: Vec<f32> = (0..n)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) * 1e-3)
            .collect();
        let g: Vec<f32> = (0..n)
            .map(|i| ((i * 53 % 97) as f32 - 48.0) * 1e-4)
            .collect();
        let w: Vec<f32> = (0..n)
            .map(|i| ((i * 71 % 89) as f32 - 44.0) * 1e-2)
            .collect();
        let h = Sgd {
            momentum: 0.9f32,
            weight_decay: 5e-4,
            neg_lr: -0.05,
        };
        let (mut v, mut dw) = (v0.clone(), vec![0.0; n]);
        step(h, &mut v, &g, &w, &mut dw).unwrap();
        for i in 0..n {
            let mut x = v0[i] * 0.9;
            x += g[i];
            let t = w[i] * 5e-4;
            x += t;
            assert_eq!(v[i].to_bits(), x.to_bits());
            assert_eq!(dw[i].to_bits(), (x * -0.05f32).to_bits());
        }
    }
}
