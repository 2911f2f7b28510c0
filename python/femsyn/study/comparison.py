"""Train every design x seed of a comparison (reusing finished runs) and build the report.

>>> from femsyn.study import compare
>>> designs = ["ideal-6b", "femfet-6b"]
>>> compare("lenet", "mnist", designs, seeds=3, out="cmp", epochs=5)  # doctest: +SKIP

Runs live in ``out/runs/<design>/seed<k>/``. A run is reused when its ``summary.json`` says
``"complete": true`` and its configuration matches the one requested; an unfinished run is handed
to ``train`` again (which resumes from its checkpoint); a finished run with a different
configuration is an error (delete it or choose another ``out``), never silently overwritten.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from femsyn.study.report import build_report

__all__ = ["compare", "run_dir_for", "find_reusable", "DEFAULT_DESIGNS"]

#: Designs of the paper's comparison per precision.
DEFAULT_DESIGNS: dict[str, list[str]] = {
    "6b": ["ideal-6b", "femfet-6b", "2t1fefet-6b", "3t1c2pcm-6b"],
    "8b": ["ideal-8b", "femfet-8b"],
}

# Config keys that do not change what a run computes.
_IGNORED_KEYS = {
    "out",
    "data_dir",
    "progress",
    "resume",
    "stop_after_epochs",
    "threads",
    "eval_batch_size",
}
# Config keys that only change the evaluation of a finished run: re-evaluated, not retrained.
_EVAL_ONLY_KEYS = {"retention_s"}
# Files `train` writes into a run directory before its first checkpoint exists.
_RUN_FILES = (
    "config.json",
    "metrics.jsonl",
    "metrics.csv",
    "summary.json",
    "trace.npz",
    "writes.npz",
)


def run_dir_for(out: str | Path, design: str, seed: int) -> Path:
    """Where the run of ``design`` with ``seed`` lives under a comparison directory."""
    return Path(out) / "runs" / design / f"seed{seed}"


def _train_module():
    # looked up at call time (not imported at the top), so a test can stand a fake training
    # module in for femsyn.run and check which runs compare() starts
    return importlib.import_module("femsyn.run")


def _normalize(v: Any) -> Any:
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {k: _normalize(x) for k, x in dataclasses.asdict(v).items()}
    if isinstance(v, dict):
        return {k: _normalize(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_normalize(x) for x in v]
    return v


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if math.isinf(a) or math.isinf(b) or math.isnan(a) or math.isnan(b):
            return a == b or (math.isnan(a) and math.isnan(b))
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return all(_same(a[k], b[k]) for k in a.keys() & b.keys())
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _mismatches(wanted: dict[str, Any], saved: dict[str, Any]) -> list[str]:
    out = []
    for k, v in wanted.items():
        if k in _IGNORED_KEYS or k not in saved or v is None:  # None: resolved by train
            continue
        if not _same(_normalize(v), saved[k]):
            out.append(f"{k}: saved {saved[k]!r} != requested {v!r}")
    return out


def _saved_config(p: Path) -> dict[str, Any] | None:
    """The configuration of the finished run in ``p`` (None: no finished run there)."""
    summary_path = p / "summary.json"
    if not summary_path.is_file():
        return None
    try:
        summary = json.loads(summary_path.read_text())
    except json.JSONDecodeError:
        return None
    if not summary.get("complete", False):
        return None
    saved: dict[str, Any] = {}
    for k in ("net", "dataset", "synapse", "seed", "epochs", "batch_size", "width"):
        if k in summary:
            saved[k] = summary[k]
    config_path = p / "config.json"
    if config_path.is_file():
        try:
            saved.update(json.loads(config_path.read_text()))
        except json.JSONDecodeError:
            pass
    if "retention_s" in (summary.get("accuracy") or {}):
        saved["retention_s"] = summary["accuracy"]["retention_s"]
    return saved


def find_reusable(run_dir: str | Path, wanted: dict[str, Any]) -> bool:
    """True when ``run_dir`` holds a finished run of the configuration ``wanted`` (keys that only
    change the evaluation, like ``retention_s``, may differ: :func:`compare` re-evaluates those).

    Raises ValueError when it holds a finished run of a *different* configuration.
    """
    p = Path(run_dir)
    saved = _saved_config(p)
    if saved is None:
        return False
    bad = _mismatches({k: v for k, v in wanted.items() if k not in _EVAL_ONLY_KEYS}, saved)
    if bad:
        raise ValueError(
            f"{str(p)!r} holds a finished run with a different configuration ({'; '.join(bad)}); "
            "delete that directory or choose another --out"
        )
    return True


def _reevaluate(tm: Any, rd: Path, cfg: Any) -> None:
    """Re-evaluate a finished run's checkpoint at the requested retention time and record it in
    its summary.json / config.json (the training itself is unchanged)."""
    retention_s = float(cfg.retention_s)
    acc = tm.evaluate_checkpoint(rd, retention_s=retention_s, data_dir=getattr(cfg, "data_dir", None))
    summary = json.loads((rd / "summary.json").read_text())
    summary.setdefault("accuracy", {}).update(msb_retention=acc["msb_retention"], retention_s=retention_s)
    curve = [p for p in summary.get("retention_curve") or [] if float(p[0]) != retention_s]
    summary["retention_curve"] = sorted(curve + [[retention_s, acc["msb_retention"]]])
    if isinstance(summary.get("config"), dict):
        summary["config"]["retention_s"] = retention_s
    _write_json(rd / "summary.json", summary)
    if (rd / "config.json").is_file():
        config = json.loads((rd / "config.json").read_text())
        config["retention_s"] = retention_s
        _write_json(rd / "config.json", config)


def _write_json(path: Path, obj: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(obj, indent=2))
    tmp.replace(path)


def _seed_list(seeds: int | Iterable[int]) -> list[int]:
    if isinstance(seeds, int):
        if seeds < 1:
            raise ValueError(f"seeds must be >= 1, got {seeds!r}")
        return list(range(seeds))
    lst = [int(s) for s in seeds]
    if not lst:
        raise ValueError("seeds must not be empty")
    return lst


def _finish_run(tm: Any, rd: Path, cfg: Any, say: Callable[[str], None], label: str) -> None:
    """Make ``rd`` hold the finished run of ``cfg``: reuse it (re-evaluated when only the
    evaluation changed), resume it from its checkpoint, or train it from the start."""
    has_ckpt = (rd / "checkpoint.npz").is_file()
    wanted = _normalize(cfg) if dataclasses.is_dataclass(cfg) else dict(vars(cfg))
    if find_reusable(rd, wanted):
        say(f"{label}: reusing finished run in {rd}")
        stale = _mismatches({k: wanted[k] for k in _EVAL_ONLY_KEYS if k in wanted}, _saved_config(rd) or {})
        if stale:
            say(f"    re-evaluating ({'; '.join(stale)})")
            _reevaluate(tm, rd, cfg)
    elif has_ckpt:
        say(f"{label}: resuming unfinished run in {rd}")
        tm.train(dataclasses.replace(cfg, resume=True))
    else:
        say(f"{label}: training into {rd}")
        # a run that stopped before its first checkpoint: clear what train wrote, so it
        # can start again (any other file makes train refuse the non-empty directory)
        for name in _RUN_FILES:
            (rd / name).unlink(missing_ok=True)
        rd.mkdir(parents=True, exist_ok=True)
        tm.train(cfg)


def compare(
    net: str,
    dataset: str,
    designs: Sequence[str],
    seeds: int | Iterable[int],
    out: str | Path,
    *,
    log: Callable[[str], None] | None = print,
    command: str | None = None,
    **train_overrides: Any,
) -> Path:
    """Train each design x seed into ``out/runs/<design>/seed<k>/`` (reusing finished runs with the
    same configuration), then write ``out/report.md`` and ``out/report.html``.

    ``seeds`` is a count (seeds 0..n-1) or an explicit list. ``train_overrides`` are extra
    :class:`femsyn.run.TrainConfig` fields (``epochs``, ``batch_size``, ``lr``, ``width``,
    ``train_limit``, ``val_size``, ``data_dir``, ``retention_s``, ...); ``None`` values keep the
    TrainConfig default. ``command`` (the reproducing command line) is printed in the report.
    Returns the path of ``report.html``.
    """
    if not designs:
        raise ValueError("designs must not be empty")
    seed_list = _seed_list(seeds)
    out = Path(out)
    overrides = {k: v for k, v in train_overrides.items() if v is not None}
    tm = _train_module()
    say = log or (lambda _msg: None)
    run_dirs: dict[str, list[Path]] = {}
    n_total = len(designs) * len(seed_list)
    i = 0
    for design in designs:
        run_dirs[design] = []
        for seed in seed_list:
            i += 1
            rd = run_dir_for(out, design, seed)
            cfg = tm.TrainConfig(net=net, dataset=dataset, synapse=design, seed=seed, out=str(rd), **overrides)
            _finish_run(tm, rd, cfg, say, f"[{i}/{n_total}] {design} seed {seed}")
            run_dirs[design].append(rd)
    report = build_report(run_dirs, out, net=net, dataset=dataset, command=command)
    say(f"report: {out / 'report.md'} and {report}")
    return report
