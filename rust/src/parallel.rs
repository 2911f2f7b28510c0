//! The rayon pool every O(cells) kernel runs on.
//!
//! A dedicated pool (not rayon's global one) so its size can be changed at run time with
//! `set_num_threads` (or the `FEMSYN_NUM_THREADS` environment variable, read on first use).
//! Kernels never depend on the pool size: work is split in fixed chunks of [`CHUNK`] cells,
//! random numbers are counter based and reductions are integer sums / maxima.

use crate::error::{Error, Result};
use rayon::{ThreadPool, ThreadPoolBuilder};
use std::sync::{Arc, RwLock};

/// Cells per parallel work item (fixed, independent of the thread count).
pub const CHUNK: usize = 1 << 14;

static POOL: RwLock<Option<Arc<ThreadPool>>> = RwLock::new(None);

/// Thread count requested by `FEMSYN_NUM_THREADS`; `Ok(None)` when unset.
pub fn env_threads() -> Result<Option<usize>> {
    match std::env::var("FEMSYN_NUM_THREADS") {
        Err(_) => Ok(None),
        Ok(s) if s.trim().is_empty() => Ok(None),
        Ok(s) => match s.trim().parse::<usize>() {
            Ok(n) if (1..=1024).contains(&n) => Ok(Some(n)),
            _ => Err(Error::value(
                "FEMSYN_NUM_THREADS",
                format!("invalid value '{s}'; expected an integer in [1, 1024]"),
            )),
        },
    }
}

fn default_threads() -> usize {
    match env_threads() {
        Ok(Some(n)) => n,
        // An invalid variable is reported when the Python module is imported; here fall back.
        _ => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
    }
}

fn build(n: usize) -> Option<Arc<ThreadPool>> {
    ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("femsyn-{i}"))
        .build()
        .ok()
        .map(Arc::new)
}

fn pool() -> Option<Arc<ThreadPool>> {
    if let Some(p) = POOL.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
        return Some(p.clone());
    }
    let mut w = POOL.write().unwrap_or_else(|e| e.into_inner());
    if w.is_none() {
        *w = build(default_threads());
    }
    w.clone()
}

/// Resize the pool (n >= 1). Results do not depend on n.
pub fn set_num_threads(n: usize) -> Result<()> {
    if !(1..=1024).contains(&n) {
        return Err(Error::value(
            "n",
            format!("invalid thread count {n}; expected an integer in [1, 1024]"),
        ));
    }
    let p = build(n).ok_or_else(|| Error::value("n", format!("cannot start {n} threads")))?;
    *POOL.write().unwrap_or_else(|e| e.into_inner()) = Some(p);
    Ok(())
}

/// Current pool size.
pub fn num_threads() -> usize {
    pool().map(|p| p.current_num_threads()).unwrap_or(1)
}

/// Run `f` inside the pool (falls back to the calling thread if no pool could be built).
pub fn install<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    match pool() {
        Some(p) => p.install(f),
        None => f(),
    }
}
