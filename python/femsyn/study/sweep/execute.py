"""Where a sweep's runs execute: on a Dask cluster (a ``LocalCluster`` of worker processes, or an
existing one at ``--scheduler``), or inline in this process (``workers=0``).

Each run is one task, :func:`~femsyn.study.sweep.task.run_task`. A task that fails, or whose
worker dies, is submitted once more (it resumes from its checkpoint), except a diverged run: the
same seed diverges at the same step again. The second failure is recorded and the sweep goes on.
The longest runs are submitted with the highest priority, so the last ones to finish are short.

LocalCluster workers get one thread each and ``FEMSYN_NUM_THREADS=1`` and one BLAS thread
(:data:`WORKER_ENV`), so ``workers`` runs share the cores without oversubscribing them; every
task also asks ``train`` for one thread, so runs on an existing cluster do not depend on how
its workers were started. Results never depend on threads (bit-identical kernels).
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from femsyn.study.sweep.plan import Run
from femsyn.study.sweep.task import run_task

__all__ = ["WORKER_ENV", "SweepSetupError", "cores", "execute", "open_client"]

WORKER_ENV = {"FEMSYN_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
_INSTALL = "pip install 'femsyn[sweep]'"

Done = Callable[[Run, dict[str, Any]], None]


def cores() -> int:
    """The cores this process may run on (a container's or taskset's limit, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


class SweepSetupError(RuntimeError):
    """Dask is missing, or the scheduler at ``--scheduler`` cannot be reached."""


@contextlib.contextmanager
def open_client(
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
    n_runs: int = 1,
    log: Callable[[str], None] = print,
) -> Iterator[Any]:
    """The Dask client to run on (None: inline). ``client`` is used as given; ``scheduler``
    connects to a running cluster; else a LocalCluster of ``min(workers or cores, n_runs)``
    single-threaded worker processes is started and closed again afterwards."""
    if client is not None or workers == 0:
        yield client
        return
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise SweepSetupError(f"sweeps run on dask.distributed, which is not installed: {_INSTALL}") from None
    if scheduler is not None:
        try:
            c = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as e:
            raise SweepSetupError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
        n = len(c.scheduler_info().get("workers", {}))
        log(f"dask: scheduler {scheduler}, {n} worker(s){'' if n else ' (tasks wait for `dask worker` to connect)'}")
        _say_dashboard(c, log)
        try:
            yield c
        finally:
            c.close()
        return
    n = max(1, min(workers or cores(), n_runs))
    # a task whose worker died is retried by the sweep (once), not by the scheduler
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, env=WORKER_ENV, silence_logs=logging.ERROR
        )
        c = Client(cluster)
    log(f"dask: LocalCluster of {n} worker process(es), one thread each")
    _say_dashboard(c, log)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


def _say_dashboard(client: Any, log: Callable[[str], None]) -> None:
    try:
        import bokeh  # noqa: F401  (Dask serves its dashboard only with bokeh installed)

        log(f"dask dashboard: {client.dashboard_link}")
    except ImportError:
        log(f"dask dashboard: {client.dashboard_link} (served once bokeh is installed: pip install bokeh)")


def execute(runs: Sequence[Run], client: Any, done: Done, progress: bool = True) -> None:
    """Run every run's task (on ``client``, or inline when it is None) and call ``done(run,
    result)`` as each finishes for good (after its retry, if it needed one)."""
    bar = _bar(len(runs), progress)
    failed = 0

    def finish(run: Run, result: dict[str, Any]) -> None:
        nonlocal failed
        failed += result.get("status") == "failed"
        done(run, result)
        if bar is not None:
            bar.update(1)
            bar.set_postfix(failed=failed, refresh=False)

    try:
        if client is None:
            _inline(runs, finish)
        else:
            _on_dask(runs, client, finish)
    finally:
        if bar is not None:
            bar.close()


def _bar(total: int, progress: bool) -> Any:
    if not progress or total == 0:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="run", desc="sweep", dynamic_ncols=True, disable=None)


def _retry(result: dict[str, Any], attempt: int) -> bool:
    return result.get("status") == "failed" and bool(result.get("retry", True)) and attempt == 1


def _inline(runs: Sequence[Run], finish: Done) -> None:
    for run in runs:
        result = run_task(run.task(threads=None))  # this process's threads, as `femsyn train` would
        if _retry(result, 1):
            result = run_task(run.task(attempt=2, threads=None))
        finish(run, result)


def _on_dask(runs: Sequence[Run], client: Any, finish: Done) -> None:
    from distributed import as_completed

    futures: dict[Any, tuple[Run, int]] = {}

    def submit(run: Run, attempt: int) -> Any:
        key = f"femsyn-{run.name}-a{attempt}-{uuid.uuid4().hex[:8]}"
        fut = client.submit(run_task, run.task(attempt), key=key, pure=False, priority=int(run.cost()))
        futures[fut] = (run, attempt)
        return fut

    pending = as_completed([submit(r, 1) for r in sorted(runs, key=lambda r: -r.cost())])
    for fut in pending:
        run, attempt = futures.pop(fut)
        try:
            result = fut.result()
        except Exception as e:  # the worker died (KilledWorker), the task was lost or cancelled
            result = {"name": run.name, "attempt": attempt, "status": "failed", "retry": True}
            result["error"] = f"the worker running it was lost ({type(e).__name__}: {e})"
            result["error_type"] = type(e).__name__
        fut.release()
        if _retry(result, attempt):
            pending.add(submit(run, 2))
            continue
        finish(run, result)
