"""Shared set-up of the pytest-benchmark suites in benches/ (see pytest.ini for how to run them).

Nothing here imports femsyn at module level: a plain `pytest` at the repository root may load
this file while walking the tree, and must not be affected by it.
"""

from __future__ import annotations


def pytest_report_header(config) -> list[str]:
    try:
        import femsyn
        from femsyn.bench import machine as bench_machine
    except ImportError as e:  # the bench modules themselves will report the failure
        return [f"femsyn not importable: {e}"]
    blas = bench_machine.blas_info()
    th = bench_machine.thread_info()
    return [
        f"femsyn {femsyn.__version__}: {th['femsyn_threads']} threads "
        f"(FEMSYN_NUM_THREADS={th['FEMSYN_NUM_THREADS'] or 'unset'}); "
        f"BLAS {blas.get('name')} {blas.get('version') or ''} with {blas.get('threads')} threads"
    ]
