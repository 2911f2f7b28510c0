"""The module paths of femsyn 0.1 still import: each warns (DeprecationWarning naming the new path)
and still offers every public name it had; ``femsyn.train`` is also the training function."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import femsyn
import pytest

PKG = Path(femsyn.__file__).resolve().parent

#: old path -> (where its code lives now, the public names the old module had)
OLD_PATHS: dict[str, tuple[str, tuple[str, ...]]] = {
    "femsyn.train": (
        "femsyn.run",
        ("TrainConfig", "TrainingDivergedError", "TrainingWarning", "RETENTION_CURVE_S", "augment_batch")
        + ("default_hparams", "train", "evaluate_checkpoint", "load_run_config", "CHECKPOINT", "RESUME_FREE_FIELDS"),
    ),
    "femsyn.devices": ("femsyn.device", ("DeviceParams", "preset", "presets")),
    "femsyn.layers": (
        "femsyn.nn.layers",
        ("Layer", "SynapticLayer", "Linear", "Conv2d", "MaxPool2d", "AvgPool2d", "ReLU", "Flatten", "Sequential")
        + ("softmax_cross_entropy", "to_internal"),
    ),
    "femsyn.nets": ("femsyn.nn.nets", ("lenet", "mlp", "vgg", "NETS", "net_names", "build_net")),
    "femsyn.optim": ("femsyn.nn.optim", ("SGD", "LR_SCHEDULES", "lr_at")),
    "femsyn.compare": ("femsyn.study.comparison", ("compare", "run_dir_for", "find_reusable", "DEFAULT_DESIGNS")),
    "femsyn.report": (
        "femsyn.study.report",
        ("PAPER_ACCURACY", "RunData", "build_report", "load_run", "REFERENCE_DESIGNS", "fmt_si"),
    ),
    "femsyn.costs": (
        "femsyn.device.costs",
        ("PAPER_CLAIMS", "CELLS", "TECH", "CellCosts", "CellSpec", "Element", "Param", "RunCosts", "assumptions")
        + ("cap_area_f2", "cell_costs", "cell_kind", "charge_per_pulse", "claim_comparison", "endurance_projection")
        + ("overflow_writes", "fe_write_energy", "leakage_power", "pcm_write_energy", "pulse_delta_v", "pulse_energy")
        + ("run_costs", "transistor_area_f2", "EPS0"),
    ),
    "femsyn.checkpoint": (
        "femsyn.run.checkpoint",
        ("save_checkpoint", "load_checkpoint", "atomic_write_bytes", "atomic_savez"),
    ),
    "femsyn.bench_machine": (
        "femsyn.bench.machine",
        ("blas_info", "measure_bandwidth", "measure_gemm", "set_threads", "thread_info"),
    ),
    "femsyn.bench_train": (
        "femsyn.bench.training",
        ("DEFAULT_NETS", "DEFAULT_PRESETS", "Stepper", "bench_training", "format_training", "peak_memory")
        + ("NET_DATASET", "QUICK_NETS", "ROUND_CAP", "STEP_SCALE", "default_input_shape"),
    ),
    "femsyn.commands": ("femsyn.cli", ()),
    "femsyn.commands.train": (
        "femsyn.cli.train",
        ("USER_ERRORS", "accuracy_lines", "build_config", "command", "format_summary", "load_toml")
        + ("resolve_device", "saved_run_values"),
    ),
    "femsyn.commands.eval": ("femsyn.cli.eval", ("command",)),
    "femsyn.commands.compare": ("femsyn.cli.compare", ("DATASETS", "NETS", "command")),
    "femsyn.commands.bench": ("femsyn.cli.bench", ("command",)),
}


_IMPORT_ALL = """
import json, sys, warnings
out = {}
for old, names in json.loads(sys.argv[1]).items():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exec(f"import {old}")
    module = sys.modules[old]
    out[old] = {
        "warnings": [[w.category.__name__, str(w.message), w.filename] for w in caught],
        "missing": [n for n in names if not hasattr(module, n)],
        "name": module.__name__,
    }
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def imported() -> dict:
    """Every old path imported once, in a fresh interpreter (so each import runs the hook)."""
    names = json.dumps({old: names for old, (_new, names) in OLD_PATHS.items()})
    r = subprocess.run([sys.executable, "-c", _IMPORT_ALL, names], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.mark.parametrize("old", sorted(OLD_PATHS))
def test_old_path_warns_and_keeps_its_names(old: str, imported: dict) -> None:
    new = OLD_PATHS[old][0]
    got = imported[old]
    ours = [w for w in got["warnings"] if w[0] == "DeprecationWarning" and w[1].startswith(f"{old} is deprecated")]
    assert ours, f"importing {old} gave no DeprecationWarning: {got['warnings']}"
    assert new in ours[-1][1]
    assert ours[-1][2] == "<string>"  # the warning points at the import statement, not into femsyn
    assert not got["missing"], f"{old} lost {got['missing']}"


@pytest.mark.parametrize("old", sorted(OLD_PATHS))
def test_no_file_at_an_old_path(old: str) -> None:
    """So git follows the renames: a branch that still edits femsyn/layers.py merges into
    femsyn/nn/layers.py."""
    rel = Path(*old.split(".")[1:])
    assert not (PKG / rel).with_suffix(".py").exists() and not (PKG / rel).is_dir()


@pytest.mark.parametrize("old", ["femsyn.layers", "femsyn.nets", "femsyn.optim", "femsyn.costs", "femsyn.compare"])
def test_a_moved_module_is_the_new_module(old: str, imported: dict) -> None:
    """Not a copy: a name read or patched through the old path is the one the library uses."""
    assert imported[old]["name"] == OLD_PATHS[old][0]


def test_new_paths_do_not_warn() -> None:
    code = (
        "import femsyn, femsyn.device, femsyn.device.costs, femsyn.nn, femsyn.data, femsyn.run, "
        "femsyn.study, femsyn.bench, femsyn.cli, femsyn.cli.train, femsyn.cli.eval, femsyn.cli.compare, "
        "femsyn.cli.bench; from femsyn import train, TrainConfig"
    )
    r = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


# --- femsyn.train is the function, whichever was imported first -------------------------------
_TRAIN = """
import json, sys, warnings
warnings.simplefilter("ignore")
{imports}
cfg = TrainConfig(net="mlp", synapse="ideal-6b", epochs=1, train_limit=256, val_size=200, progress=False, threads=1)
summary = femsyn.train(cfg)
print(json.dumps({{"module": type(femsyn.train).__name__, "accuracy": summary["accuracy"]}}))
"""


def _train_in_fresh_process(imports: str) -> dict:
    code = _TRAIN.format(imports=imports)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy())
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_femsyn_train_is_the_function_before_and_after_the_old_module() -> None:
    new_first = _train_in_fresh_process("import femsyn\nfrom femsyn import TrainConfig")
    old_first = _train_in_fresh_process("from femsyn.train import TrainConfig, train\nimport femsyn")
    assert new_first["module"] == "function"
    assert old_first["module"] == "_CallableSplitModule"  # the old module, callable
    assert new_first["accuracy"] == old_first["accuracy"]  # the same training either way


def test_python_m_femsyn_data_runs_without_warnings() -> None:
    r = subprocess.run([sys.executable, "-W", "error", "-m", "femsyn.data", "where"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("mnist") and "cache" in r.stdout
