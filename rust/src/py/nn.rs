//! PyO3 glue of the layer kernels in [`crate::nn`] (channels-last convolution, fully connected,
//! 2x2 max pooling, the SGD step, the choice of GEMM backend). Used by `femsyn/nn/kernels.py`; not a
//! public API. Arrays are float32 or float64 (all of one call alike); non-contiguous inputs are
//! copied once; wrong dtype is a `TypeError`, wrong shape a `ValueError`, each naming the argument.

use crate::error::Error;
use crate::nn::conv::{self, Grads};
use crate::nn::im2col::ConvGeom;
use crate::nn::{gemm, linear, pool, sgd, Real};
use numpy::{
    dtype, Element, PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn,
    PyReadwriteArrayDyn, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::prelude::*;

type Out<'py> = Bound<'py, PyAny>;

/// An input array: borrowed when C-contiguous, else copied.
struct In<'py, T: Element> {
    ro: PyReadonlyArrayDyn<'py, T>,
    copy: Option<Vec<T>>,
    shape: Vec<usize>,
}

impl<T: Element + Copy> In<'_, T> {
    fn slice(&self) -> &[T] {
        match &self.copy {
            Some(v) => v,
            None => self.ro.as_slice().unwrap_or(&[]),
        }
    }
}

fn is_f64(arg: &str, obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = obj.py();
    let a = obj.cast::<PyUntypedArray>().map_err(|_| {
        Error::type_(
            arg,
            "numpy.ndarray of dtype float32 or float64",
            obj.get_type().to_string(),
        )
    })?;
    let dt = a.dtype();
    if dt.is_equiv_to(&dtype::<f32>(py)) {
        Ok(false)
    } else if dt.is_equiv_to(&dtype::<f64>(py)) {
        Ok(true)
    } else {
        Err(Error::type_(
            arg,
            "numpy.ndarray of dtype float32 or float64",
            format!("array of dtype {dt}"),
        )
        .into())
    }
}

/// `$f::<f64>(args)` when the array `$x` (argument `$arg`) is float64, else `$f::<f32>(args)`.
macro_rules! by_dtype {
    ($arg:literal, $x:expr, $f:ident($($a:expr),*)) => {
        if is_f64($arg, $x)? {
            $f::<f64>($($a),*)
        } else {
            $f::<f32>($($a),*)
        }
    };
}

fn input<'py, T: Element + Copy>(
    arg: &str,
    obj: &Bound<'py, PyAny>,
    ndim: usize,
) -> PyResult<In<'py, T>> {
    let a = obj.cast::<PyArrayDyn<T>>().map_err(|_| {
        let got = obj
            .cast::<PyUntypedArray>()
            .map(|u| format!("array of dtype {}", u.dtype()))
            .unwrap_or_default();
        Error::type_(
            arg,
            &format!("numpy.ndarray of dtype {}", dtype::<T>(obj.py())),
            got,
        )
    })?;
    let ro = a
        .try_readonly()
        .map_err(|e| Error::value(arg, format!("cannot borrow array: {e}")))?;
    let shape = ro.shape().to_vec();
    if shape.len() != ndim {
        return Err(Error::value(
            arg,
            format!("expected a {ndim}-d array, got shape {shape:?}"),
        )
        .into());
    }
    let copy = match ro.as_slice() {
        Ok(_) => None,
        Err(_) => Some(ro.as_array().iter().copied().collect()),
    };
    Ok(In { ro, copy, shape })
}

fn opt_input<'py, T: Element + Copy>(
    arg: &str,
    obj: Option<&Bound<'py, PyAny>>,
    ndim: usize,
) -> PyResult<Option<In<'py, T>>> {
    match obj {
        Some(o) if !o.is_none() => Ok(Some(input(arg, o, ndim)?)),
        _ => Ok(None),
    }
}

/// Forward inputs: activations (`ndim`-d), weights (2-d), optional bias (1-d).
type FwdIn<'py, T> = (In<'py, T>, In<'py, T>, Option<In<'py, T>>);

fn fwd_inputs<'py, T: Element + Copy>(
    x: &Out<'py>,
    w: &Out<'py>,
    bias: Option<&Out<'py>>,
    ndim: usize,
) -> PyResult<FwdIn<'py, T>> {
    Ok((
        input::<T>("x", x, ndim)?,
        input::<T>("w", w, 2)?,
        opt_input::<T>("bias", bias, 1)?,
    ))
}

/// Backward inputs: activations and weights as in forward, the forward output (fused ReLU) and
/// the output gradient, both `ndim`-d.
type BwdIn<'py, T> = (In<'py, T>, In<'py, T>, Option<In<'py, T>>, In<'py, T>);

fn bwd_inputs<'py, T: Element + Copy>(
    x: &Out<'py>,
    w: &Out<'py>,
    y: Option<&Out<'py>>,
    grad: &Out<'py>,
    ndim: usize,
) -> PyResult<BwdIn<'py, T>> {
    let (x, w) = (input::<T>("x", x, ndim)?, input::<T>("w", w, 2)?);
    Ok((
        x,
        w,
        opt_input::<T>("y", y, ndim)?,
        input::<T>("grad", grad, ndim)?,
    ))
}

fn new_array<'py, T: Element>(py: Python<'py>, shape: &[usize]) -> Bound<'py, PyArrayDyn<T>> {
    PyArrayDyn::<T>::zeros(py, shape.to_vec(), false)
}

/// A fresh array's data (not yet visible to Python, so not shared with anything).
#[allow(clippy::mut_from_ref)]
fn data<'a, T: Element>(a: &'a Bound<'_, PyArrayDyn<T>>) -> PyResult<&'a mut [T]> {
    // SAFETY: `a` was just created by `new_array` and no other reference to it exists yet.
    unsafe { a.as_slice_mut() }
        .map_err(|e| Error::value("output", format!("internal layout error: {e}")).into())
}

fn same_shape(arg: &str, got: &[usize], want: &[usize]) -> PyResult<()> {
    if got != want {
        return Err(Error::value(arg, format!("expected shape {want:?}, got {got:?}")).into());
    }
    Ok(())
}

fn nonneg(arg: &str, v: i64) -> PyResult<usize> {
    usize::try_from(v).map_err(|_| {
        Error::value(arg, format!("invalid value {v}; expected an integer >= 0")).into()
    })
}

type GradTuple<'py> = (Out<'py>, Option<Out<'py>>, Option<Out<'py>>);

/// The fresh gradient arrays of a backward call: weights, optionally bias and input.
struct GradOut<'py, T: Element> {
    w: Bound<'py, PyArrayDyn<T>>,
    b: Option<Bound<'py, PyArrayDyn<T>>>,
    x: Option<Bound<'py, PyArrayDyn<T>>>,
}

impl<'py, T: Real + Element> GradOut<'py, T> {
    fn new(py: Python<'py>, w: &[usize], bias: Option<usize>, x: Option<&[usize]>) -> Self {
        GradOut {
            w: new_array::<T>(py, w),
            b: bias.map(|n| new_array::<T>(py, &[n])),
            x: x.map(|s| new_array::<T>(py, s)),
        }
    }

    fn grads(&self) -> PyResult<Grads<'_, T>> {
        Ok(Grads {
            w: data(&self.w)?,
            b: self.b.as_ref().map(data).transpose()?,
            x: self.x.as_ref().map(data).transpose()?,
        })
    }

    fn into_tuple(self) -> GradTuple<'py> {
        let any = |a: Bound<'py, PyArrayDyn<T>>| a.into_any();
        (any(self.w), self.b.map(any), self.x.map(any))
    }
}

struct ConvArgs {
    k: usize,
    stride: usize,
    pad: usize,
}

fn conv_geom(x: &[usize], w: &[usize], a: &ConvArgs) -> PyResult<ConvGeom> {
    let (n, h, wd, c) = (x[0], x[1], x[2], x[3]);
    let g = ConvGeom {
        n,
        h,
        w: wd,
        c,
        k: a.k,
        stride: a.stride,
        pad: a.pad,
        o: w[0],
    }
    .checked()?;
    same_shape("w", w, &[g.o, g.kdim()])?;
    Ok(g)
}

fn conv_fwd<'py, T: Real + Element>(
    py: Python<'py>,
    x: &Out<'py>,
    w: &Out<'py>,
    bias: Option<&Out<'py>>,
    relu: bool,
    a: ConvArgs,
) -> PyResult<Out<'py>> {
    let (x, w, b) = fwd_inputs::<T>(x, w, bias, 4)?;
    let g = conv_geom(&x.shape, &w.shape, &a)?;
    let y = new_array::<T>(py, &[g.n, g.ho(), g.wo(), g.o]);
    let (xs, ws, bs, ys) = (
        x.slice(),
        w.slice(),
        b.as_ref().map(|b| b.slice()),
        data(&y)?,
    );
    py.detach(|| conv::forward(&g, xs, ws, bs, relu, ys))?;
    Ok(y.into_any())
}

#[allow(clippy::too_many_arguments)]
fn conv_bwd<'py, T: Real + Element>(
    py: Python<'py>,
    x: &Out<'py>,
    w: &Out<'py>,
    y: Option<&Out<'py>>,
    grad: &Out<'py>,
    a: ConvArgs,
    need_bias: bool,
    need_dx: bool,
) -> PyResult<GradTuple<'py>> {
    let (x, w, y, grad) = bwd_inputs::<T>(x, w, y, grad, 4)?;
    let g = conv_geom(&x.shape, &w.shape, &a)?;
    let out_shape = [g.n, g.ho(), g.wo(), g.o];
    same_shape("grad", &grad.shape, &out_shape)?;
    if let Some(y) = &y {
        same_shape("y", &y.shape, &out_shape)?;
    }
    let out = GradOut::<T>::new(
        py,
        &w.shape,
        need_bias.then_some(g.o),
        need_dx.then_some(&x.shape[..]),
    );
    let grads = out.grads()?;
    let (xs, ws, ys, gs) = (
        x.slice(),
        w.slice(),
        y.as_ref().map(|y| y.slice()),
        grad.slice(),
    );
    py.detach(|| conv::backward(&g, xs, ws, ys, gs, grads))?;
    Ok(out.into_tuple())
}

fn lin_fwd<'py, T: Real + Element>(
    py: Python<'py>,
    x: &Out<'py>,
    w: &Out<'py>,
    bias: Option<&Out<'py>>,
    relu: bool,
) -> PyResult<Out<'py>> {
    let (x, w, b) = fwd_inputs::<T>(x, w, bias, 2)?;
    let (n, fin, fout) = (x.shape[0], x.shape[1], w.shape[0]);
    same_shape("w", &w.shape, &[fout, fin])?;
    let y = new_array::<T>(py, &[n, fout]);
    let (xs, ws, bs, ys) = (
        x.slice(),
        w.slice(),
        b.as_ref().map(|b| b.slice()),
        data(&y)?,
    );
    py.detach(|| linear::forward(linear::Dims { n, fin, fout }, xs, ws, bs, relu, ys))?;
    Ok(y.into_any())
}

fn lin_bwd<'py, T: Real + Element>(
    py: Python<'py>,
    x: &Out<'py>,
    w: &Out<'py>,
    y: Option<&Out<'py>>,
    grad: &Out<'py>,
    need_bias: bool,
    need_dx: bool,
) -> PyResult<GradTuple<'py>> {
    let (x, w, y, grad) = bwd_inputs::<T>(x, w, y, grad, 2)?;
    let (n, fin, fout) = (x.shape[0], x.shape[1], w.shape[0]);
    same_shape("w", &w.shape, &[fout, fin])?;
    same_shape("grad", &grad.shape, &[n, fout])?;
    if let Some(y) = &y {
        same_shape("y", &y.shape, &[n, fout])?;
    }
    let out = GradOut::<T>::new(
        py,
        &w.shape,
        need_bias.then_some(fout),
        need_dx.then_some(&x.shape[..]),
    );
    let grads = out.grads()?;
    let (xs, ws, ys, gs) = (
        x.slice(),
        w.slice(),
        y.as_ref().map(|y| y.slice()),
        grad.slice(),
    );
    py.detach(|| linear::backward(linear::Dims { n, fin, fout }, xs, ws, ys, gs, grads))?;
    Ok(out.into_tuple())
}

fn pool_fwd<'py, T: Real + Element>(
    py: Python<'py>,
    x: &Out<'py>,
) -> PyResult<(Out<'py>, Out<'py>)> {
    let x = input::<T>("x", x, 4)?;
    let [n, h, w, c] = [x.shape[0], x.shape[1], x.shape[2], x.shape[3]];
    let y = new_array::<T>(py, &[n, h / 2, w / 2, c]);
    let arg = new_array::<u8>(py, &[n, h / 2, w / 2, c]);
    let (xs, ys, args) = (x.slice(), data(&y)?, data(&arg)?);
    py.detach(|| pool::max2_forward(n, h, w, c, xs, ys, args))?;
    Ok((y.into_any(), arg.into_any()))
}

fn pool_bwd<'py, T: Real + Element>(
    py: Python<'py>,
    grad: &Out<'py>,
    arg: &Out<'py>,
    h: usize,
    w: usize,
) -> PyResult<Out<'py>> {
    let (grad, arg) = (input::<T>("grad", grad, 4)?, input::<u8>("arg", arg, 4)?);
    let [n, c] = [grad.shape[0], grad.shape[3]];
    same_shape("grad", &grad.shape, &[n, h / 2, w / 2, c])?;
    same_shape("arg", &arg.shape, &grad.shape)?;
    let dx = new_array::<T>(py, &[n, h, w, c]);
    let (gs, a, d) = (grad.slice(), arg.slice(), data(&dx)?);
    py.detach(|| pool::max2_backward(n, h, w, c, gs, a, d))?;
    Ok(dx.into_any())
}

/// Convolution forward: x (N, H, W, C), w (O, k*k*C) in (i, j, c) order -> y (N, Ho, Wo, O).
#[pyfunction]
#[pyo3(signature = (x, w, k, stride, padding, bias = None, relu = false))]
#[allow(clippy::too_many_arguments)]
fn nn_conv2d_forward<'py>(
    py: Python<'py>,
    x: &Out<'py>,
    w: &Out<'py>,
    k: i64,
    stride: i64,
    padding: i64,
    bias: Option<&Out<'py>>,
    relu: bool,
) -> PyResult<Out<'py>> {
    let a = ConvArgs {
        k: nonneg("k", k)?,
        stride: nonneg("stride", stride)?,
        pad: nonneg("padding", padding)?,
    };
    by_dtype!("x", x, conv_fwd(py, x, w, bias, relu, a))
}

/// Convolution backward -> (grad_w, grad_b or None, grad_x or None); `y` = forward output if
/// the ReLU was fused into the forward.
#[pyfunction]
#[pyo3(signature = (x, w, y, grad, k, stride, padding, need_bias = false, need_dx = true))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn nn_conv2d_backward<'py>(
    py: Python<'py>,
    x: &Out<'py>,
    w: &Out<'py>,
    y: Option<&Out<'py>>,
    grad: &Out<'py>,
    k: i64,
    stride: i64,
    padding: i64,
    need_bias: bool,
    need_dx: bool,
) -> PyResult<GradTuple<'py>> {
    let a = ConvArgs {
        k: nonneg("k", k)?,
        stride: nonneg("stride", stride)?,
        pad: nonneg("padding", padding)?,
    };
    by_dtype!("x", x, conv_bwd(py, x, w, y, grad, a, need_bias, need_dx))
}

/// Fully connected forward: x (N, in), w (out, in) -> y (N, out).
#[pyfunction]
#[pyo3(signature = (x, w, bias = None, relu = false))]
fn nn_linear_forward<'py>(
    py: Python<'py>,
    x: &Out<'py>,
    w: &Out<'py>,
    bias: Option<&Out<'py>>,
    relu: bool,
) -> PyResult<Out<'py>> {
    by_dtype!("x", x, lin_fwd(py, x, w, bias, relu))
}

/// Fully connected backward -> (grad_w, grad_b or None, grad_x or None).
#[pyfunction]
#[pyo3(signature = (x, w, y, grad, need_bias = false, need_dx = true))]
#[allow(clippy::type_complexity)]
fn nn_linear_backward<'py>(
    py: Python<'py>,
    x: &Out<'py>,
    w: &Out<'py>,
    y: Option<&Out<'py>>,
    grad: &Out<'py>,
    need_bias: bool,
    need_dx: bool,
) -> PyResult<GradTuple<'py>> {
    by_dtype!("x", x, lin_bwd(py, x, w, y, grad, need_bias, need_dx))
}

/// 2x2 max pooling forward: x (N, H, W, C) -> (y (N, H/2, W/2, C), winner index uint8).
#[pyfunction]
fn nn_maxpool2_forward<'py>(py: Python<'py>, x: &Out<'py>) -> PyResult<(Out<'py>, Out<'py>)> {
    by_dtype!("x", x, pool_fwd(py, x))
}

/// 2x2 max pooling backward -> dx (N, h, w, C).
#[pyfunction]
fn nn_maxpool2_backward<'py>(
    py: Python<'py>,
    grad: &Out<'py>,
    arg: &Out<'py>,
    h: i64,
    w: i64,
) -> PyResult<Out<'py>> {
    let (h, w) = (nonneg("h", h)?, nonneg("w", w)?);
    by_dtype!("grad", grad, pool_bwd(py, grad, arg, h, w))
}

fn inout<'py>(arg: &str, obj: &Out<'py>, len: usize) -> PyResult<PyReadwriteArrayDyn<'py, f32>> {
    let a = obj.cast::<PyArrayDyn<f32>>().map_err(|_| {
        Error::type_(
            arg,
            "numpy.ndarray of dtype float32",
            obj.get_type().to_string(),
        )
    })?;
    let rw = a
        .try_readwrite()
        .map_err(|e| Error::value(arg, format!("cannot borrow array for writing: {e}")))?;
    if rw.as_slice().is_err() || rw.len() != len {
        return Err(Error::value(
            arg,
            format!("expected a C-contiguous array of {len} values"),
        )
        .into());
    }
    Ok(rw)
}

/// SGD step in place: ``v = momentum * v + grad + weight_decay * w``; ``dw = -lr * v``
/// (float32, all of one size; bit-identical to the same steps in numpy).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn nn_sgd_step<'py>(
    py: Python<'py>,
    v: &Out<'py>,
    grad: &Out<'py>,
    w: &Out<'py>,
    dw: &Out<'py>,
    momentum: f32,
    weight_decay: f32,
    lr: f32,
) -> PyResult<()> {
    let (g, w) = (input::<f32>("grad", grad, 2)?, input::<f32>("w", w, 2)?);
    let n = g.slice().len();
    let (mut v, mut dw) = (inout("v", v, n)?, inout("dw", dw, n)?);
    let h = sgd::Sgd {
        momentum,
        weight_decay,
        neg_lr: -lr,
    };
    let (gs, ws) = (g.slice(), w.slice());
    let (vs, ds) = (
        v.as_slice_mut()
            .map_err(|e| Error::value("v", e.to_string()))?,
        dw.as_slice_mut()
            .map_err(|e| Error::value("dw", e.to_string()))?,
    );
    py.detach(|| sgd::step(h, vs, gs, ws, ds))?;
    Ok(())
}

/// Use the cblas GEMMs of the shared library at `path` (numpy's BLAS); returns the symbol used.
#[pyfunction]
fn nn_use_blas(path: &str) -> PyResult<String> {
    Ok(gemm::use_blas(path)?)
}

/// Use the built-in pure-Rust GEMM (matrixmultiply).
#[pyfunction]
fn nn_use_builtin_gemm() {
    gemm::use_builtin()
}

/// The GEMM the layer kernels call.
#[pyfunction]
fn nn_gemm_backend() -> String {
    gemm::backend_name()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    for f in [
        wrap_pyfunction!(nn_conv2d_forward, m)?,
        wrap_pyfunction!(nn_conv2d_backward, m)?,
        wrap_pyfunction!(nn_linear_forward, m)?,
        wrap_pyfunction!(nn_linear_backward, m)?,
        wrap_pyfunction!(nn_maxpool2_forward, m)?,
        wrap_pyfunction!(nn_maxpool2_backward, m)?,
        wrap_pyfunction!(nn_sgd_step, m)?,
        wrap_pyfunction!(nn_use_blas, m)?,
        wrap_pyfunction!(nn_use_builtin_gemm, m)?,
        wrap_pyfunction!(nn_gemm_backend, m)?,
    ] {
        m.add_function(f)?;
    }
    Ok(())
}
