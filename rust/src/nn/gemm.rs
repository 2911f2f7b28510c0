//! Row-major GEMM `C = alpha * op(A) * op(B) + beta * C` for the nn kernels.
//!
//! The backend is numpy's own BLAS when [`use_blas`] could load it (the same kernel, and so the
//! same rounding, as `numpy.matmul`), else `matrixmultiply` (pure Rust). Every call computes one
//! fixed block of a layer's work on the calling thread; callers split the work in blocks that do
//! not depend on the thread count, so results do not either. The BLAS itself must run on one
//! thread (the Python layer makes sure of it): a threaded BLAS may sum in another order.

use crate::error::{Error, Result};
use std::ffi::{c_char, c_int, c_void, CString};
use std::ops::{Add, AddAssign, Mul};
use std::sync::RwLock;

/// The element types the nn kernels run on (f32 for training, f64 for gradient checks).
pub trait Real:
    Copy + Send + Sync + PartialOrd + Add<Output = Self> + AddAssign + Mul<Output = Self> + 'static
{
    const ZERO: Self;
    const ONE: Self;
    /// `self` if `c`, else +0, without a branch (a branch on random data, such as ReLU signs or
    /// max-pool winners, mispredicts half the time and costs more than the arithmetic).
    fn keep(self, c: bool) -> Self;
    /// `C = alpha * op(A) * op(B) + beta * C`, row-major, leading dimensions in elements.
    #[allow(clippy::too_many_arguments)]
    fn gemm(g: &Gemm<Self>, alpha: Self, beta: Self, a: &[Self], b: &[Self], c: &mut [Self]);
}

/// Shape of one GEMM call: op(A) is m x k, op(B) is k x n, C is m x n (row-major).
#[derive(Clone, Copy, Debug)]
pub struct Gemm<T> {
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub trans_a: bool,
    pub trans_b: bool,
    pub lda: usize,
    pub ldb: usize,
    pub ldc: usize,
    _t: std::marker::PhantomData<T>,
}

impl<T> Gemm<T> {
    /// C (m x n, ldc) = A (m x k, lda; or its transpose stored k x m) * B (k x n, ldb; or stored n x k).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        m: usize,
        n: usize,
        k: usize,
        trans_a: bool,
        lda: usize,
        trans_b: bool,
        ldb: usize,
        ldc: usize,
    ) -> Self {
        Gemm {
            m,
            n,
            k,
            trans_a,
            trans_b,
            lda,
            ldb,
            ldc,
            _t: std::marker::PhantomData,
        }
    }

    /// Elements of A, B, C the call touches: slices shorter than this are a bug in the caller.
    fn check(&self, a: usize, b: usize, c: usize) {
        let need = |rows: usize, cols: usize, ld: usize| {
            if rows == 0 || cols == 0 {
                0
            } else {
                (rows - 1) * ld + cols
            }
        };
        let (ar, ac) = if self.trans_a {
            (self.k, self.m)
        } else {
            (self.m, self.k)
        };
        let (br, bc) = if self.trans_b {
            (self.n, self.k)
        } else {
            (self.k, self.n)
        };
        assert!(
            a >= need(ar, ac, self.lda) && ac <= self.lda.max(1),
            "gemm: A too short"
        );
        assert!(
            b >= need(br, bc, self.ldb) && bc <= self.ldb.max(1),
            "gemm: B too short"
        );
        assert!(
            c >= need(self.m, self.n, self.ldc) && self.n <= self.ldc.max(1),
            "gemm: C too short"
        );
    }
}

type Sgemm64 = unsafe extern "C" fn(
    c_int,
    c_int,
    c_int,
    i64,
    i64,
    i64,
    f32,
    *const f32,
    i64,
    *const f32,
    i64,
    f32,
    *mut f32,
    i64,
);
type Dgemm64 = unsafe extern "C" fn(
    c_int,
    c_int,
    c_int,
    i64,
    i64,
    i64,
    f64,
    *const f64,
    i64,
    *const f64,
    i64,
    f64,
    *mut f64,
    i64,
);
type Sgemm32 = unsafe extern "C" fn(
    c_int,
    c_int,
    c_int,
    c_int,
    c_int,
    c_int,
    f32,
    *const f32,
    c_int,
    *const f32,
    c_int,
    f32,
    *mut f32,
    c_int,
);
type Dgemm32 = unsafe extern "C" fn(
    c_int,
    c_int,
    c_int,
    c_int,
    c_int,
    c_int,
    f64,
    *const f64,
    c_int,
    *const f64,
    c_int,
    f64,
    *mut f64,
    c_int,
);

#[derive(Clone, Copy)]
enum Cblas {
    Ilp64(Sgemm64, Dgemm64),
    Lp64(Sgemm32, Dgemm32),
}

struct Backend {
    cblas: Cblas,
    name: String,
}

static BACKEND: RwLock<Option<Backend>> = RwLock::new(None);

const ROW_MAJOR: c_int = 101;
const fn trans(t: bool) -> c_int {
    if t {
        112
    } else {
        111
    }
}

/// The cblas symbols tried, with the integer width their names promise (scipy-openblas64 as in
/// numpy's wheels, scipy-openblas32, OpenBLAS 64-bit-int builds, any plain LP64 cblas).
const SYMBOLS: [(&str, &str, bool); 4] = [
    ("scipy_cblas_sgemm64_", "scipy_cblas_dgemm64_", true),
    ("cblas_sgemm64_", "cblas_dgemm64_", true),
    ("scipy_cblas_sgemm", "scipy_cblas_dgemm", false),
    ("cblas_sgemm", "cblas_dgemm", false),
];

#[cfg(unix)]
mod dl {
    use super::*;
    #[cfg_attr(target_os = "linux", link(name = "dl"))]
    extern "C" {
        pub fn dlopen(filename: *const c_char, flag: c_int) -> *mut c_void;
        pub fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    }
    pub const RTLD_NOW: c_int = 2;
}

/// Load the cblas GEMMs of the shared library at `path` (numpy's BLAS, found by the caller).
/// A plain `cblas_sgemm` is refused in a library whose name says 64-bit integers without the
/// `64_` symbol suffix: its integer width cannot be known, and a wrong one would crash.
#[cfg(unix)]
pub fn use_blas(path: &str) -> Result<String> {
    let cpath = CString::new(path).map_err(|_| Error::value("path", "contains a NUL byte"))?;
    // SAFETY: dlopen of an existing library the process already loaded (numpy's BLAS); the
    // handle is kept for the life of the process (never closed), so the symbols stay valid.
    let h = unsafe { dl::dlopen(cpath.as_ptr(), dl::RTLD_NOW) };
    if h.is_null() {
        return Err(Error::value("path", format!("cannot load {path}")));
    }
    let file = path.rsplit('/').next().unwrap_or(path);
    for (s, d, ilp64) in SYMBOLS {
        if !ilp64 && !s.starts_with("scipy") && file.contains("64") {
            continue;
        }
        let (cs, cd) = (
            CString::new(s).unwrap_or_default(),
            CString::new(d).unwrap_or_default(),
        );
        // SAFETY: plain symbol look-ups in a valid handle.
        let (ps, pd) = unsafe { (dl::dlsym(h, cs.as_ptr()), dl::dlsym(h, cd.as_ptr())) };
        if ps.is_null() || pd.is_null() {
            continue;
        }
        // SAFETY: the symbols are the cblas_?gemm of the library, whose C signature is fixed by
        // the cblas standard; the integer width is the one the symbol name says.
        let cblas = unsafe {
            if ilp64 {
                Cblas::Ilp64(
                    std::mem::transmute::<*mut c_void, Sgemm64>(ps),
                    std::mem::transmute::<*mut c_void, Dgemm64>(pd),
                )
            } else {
                Cblas::Lp64(
                    std::mem::transmute::<*mut c_void, Sgemm32>(ps),
                    std::mem::transmute::<*mut c_void, Dgemm32>(pd),
                )
            }
        };
        let name = format!("{s} ({file})");
        *BACKEND.write().unwrap_or_else(|e| e.into_inner()) = Some(Backend {
            cblas,
            name: name.clone(),
        });
        return Ok(name);
    }
    Err(Error::value(
        "path",
        format!("no cblas_sgemm/cblas_dgemm of known integer width in {path}"),
    ))
}

#[cfg(not(unix))]
pub fn use_blas(path: &str) -> Result<String> {
    Err(Error::value(
        "path",
        format!("loading a BLAS is only supported on unix ({path})"),
    ))
}

/// Go back to the pure-Rust GEMM.
pub fn use_builtin() {
    *BACKEND.write().unwrap_or_else(|e| e.into_inner()) = None;
}

/// Which GEMM the kernels call.
pub fn backend_name() -> String {
    match BACKEND.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
        Some(b) => b.name.clone(),
        None => "matrixmultiply (pure Rust)".to_string(),
    }
}

fn cblas() -> Option<Cblas> {
    BACKEND
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .map(|b| b.cblas)
}

/// Row and column strides of op(X) for matrixmultiply.
fn strides(trans: bool, ld: usize) -> (isize, isize) {
    if trans {
        (1, ld as isize)
    } else {
        (ld as isize, 1)
    }
}

macro_rules! real_impl {
    ($t:ty, $mm:path, $f:ident, $p64:pat, $p32:pat) => {
        impl Real for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            #[inline(always)]
            fn keep(self, c: bool) -> Self {
                let bits = self.to_bits();
                <$t>::from_bits(bits & (bits ^ bits).wrapping_sub(c.into()))
            }
            fn gemm(
                g: &Gemm<Self>,
                alpha: Self,
                beta: Self,
                a: &[Self],
                b: &[Self],
                c: &mut [Self],
            ) {
                g.check(a.len(), b.len(), c.len());
                if g.m == 0 || g.n == 0 {
                    return;
                }
                let (lda, ldb, ldc) = (g.lda.max(1), g.ldb.max(1), g.ldc.max(1));
                let (ta, tb) = (trans(g.trans_a), trans(g.trans_b));
                // SAFETY: `check` proved every element the call reads or writes is inside the
                // slices; C does not alias A or B (it is a `&mut`).
                unsafe {
                    match cblas() {
                        Some($p64) => $f(
                            ROW_MAJOR,
                            ta,
                            tb,
                            g.m as i64,
                            g.n as i64,
                            g.k as i64,
                            alpha,
                            a.as_ptr(),
                            lda as i64,
                            b.as_ptr(),
                            ldb as i64,
                            beta,
                            c.as_mut_ptr(),
                            ldc as i64,
                        ),
                        Some($p32)
                            if g.m.max(g.n).max(g.k).max(lda).max(ldb).max(ldc)
                                <= i32::MAX as usize =>
                        {
                            $f(
                                ROW_MAJOR,
                                ta,
                                tb,
                                g.m as c_int,
                                g.n as c_int,
                                g.k as c_int,
                                alpha,
                                a.as_ptr(),
                                lda as c_int,
                                b.as_ptr(),
                                ldb as c_int,
                                beta,
                                c.as_mut_ptr(),
                                ldc as c_int,
                            )
                        }
                        _ => {
                            let (rsa, csa) = strides(g.trans_a, lda);
                            let (rsb, csb) = strides(g.trans_b, ldb);
                            $mm(
                                g.m,
                                g.k,
                                g.n,
                                alpha,
                                a.as_ptr(),
                                rsa,
                                csa,
                                b.as_ptr(),
                                rsb,
                                csb,
                                beta,
                                c.as_mut_ptr(),
                                ldc as isize,
                                1,
                            )
                        }
                    }
                }
            }
        }
    };
}

real_impl!(
    f32,
    matrixmultiply::sgemm,
    f,
    Cblas::Ilp64(f, _),
    Cblas::Lp64(f, _)
);
real_impl!(
    f64,
    matrixmultiply::dgemm,
    f,
    Cblas::Ilp64(_, f),
    Cblas::Lp64(_, f)
);

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(m: usize, n: usize, k: usize, a: &[f64], b: &[f64]) -> Vec<f64> {
        let mut c = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                c[i * n + j] = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
            }
        }
        c
    }

    #[test]
    fn builtin_gemm_all_transposes() {
        let (m, n, k) = (5, 7, 3);
        let a: Vec<f64> = (0..m * k).map(|i| i as f64 * 0.5 - 3.0).collect();
        let b: Vec<f64> = (0..k * n).map(|i| (i % 5) as f64 - 1.5).collect();
        let want = naive(m, n, k, &a, &b);
        let at: Vec<f64> = (0..k * m).map(|i| a[(i % m) * k + i / m]).collect();
        let bt: Vec<f64> = (0..n * k).map(|i| b[(i % k) * n + i / k]).collect();
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let (aa, lda) = if ta { (&at, m) } else { (&a, k) };
            let (bb, ldb) = if tb { (&bt, k) } else { (&b, n) };
            let mut c = vec![1.0; m * n];
            f64::gemm(
                &Gemm::new(m, n, k, ta, lda, tb, ldb, n),
                1.0,
                0.0,
                aa,
                bb,
                &mut c,
            );
            assert_eq!(c, want, "trans {ta} {tb}");
        }
    }

    #[test]
    #[should_panic(expected = "too short")]
    fn short_slices_panic_instead_of_reading_out_of_bounds() {
        let mut c = vec![0.0f32; 4];
        f32::gemm(
            &Gemm::new(2, 2, 3, false, 3, false, 2, 2),
            1.0,
            0.0,
            &[0.0; 5],
            &[0.0; 6],
            &mut c,
        );
    }
}
