"""`femsyn compare`: the paper's comparison (accuracy + cell cost + endurance) in one report."""

from __future__ import annotations

import shlex
import sys

import click

from femsyn.cli.train import parse_hidden

NETS = ("lenet", "mlp", "vgg")
DATASETS = ("mnist", "fashion-mnist", "cifar10")
_FALLBACK_DESIGNS = (
    "float",
    "ideal-6b",
    "ideal-8b",
    "femfet-6b",
    "femfet-8b",
    "2t1fefet-6b",
    "3t1c2pcm-6b",
)


def _known_designs() -> list[str]:
    try:
        from femsyn.device import presets
    except ImportError:  # pragma: no cover - only before the native core is built
        return list(_FALLBACK_DESIGNS)
    return list(presets())


def _names(module: str, func: str, fallback: tuple[str, ...]) -> tuple[str, ...]:
    """Registered names from the library (nets, datasets); the fallback only before a build."""
    import importlib

    try:
        return tuple(getattr(importlib.import_module(module), func)())
    except ImportError:  # pragma: no cover
        return fallback


def _choice(value: str, allowed: tuple[str, ...], what: str, flag: str) -> str:
    v = value.strip().lower()
    if v not in allowed:
        raise click.BadParameter(f"unknown {what} {value!r}; allowed: {', '.join(allowed)}", param_hint=flag)
    return v


def _designs(value: str | None, dataset: str) -> list[str]:
    from femsyn.study import DEFAULT_DESIGNS

    if value is None:
        return list(DEFAULT_DESIGNS["8b" if dataset == "cifar10" else "6b"])
    items = [v.strip() for v in value.split(",") if v.strip()]
    if not items:
        raise click.BadParameter(f"expected comma-separated design names, got {value!r}", param_hint="--designs")
    known = _known_designs()
    for d in items:
        if d not in known:
            raise click.BadParameter(f"unknown design {d!r}; allowed: {', '.join(known)}", param_hint="--designs")
    dup = sorted({d for d in items if items.count(d) > 1})
    if dup:
        raise click.BadParameter(f"design(s) listed twice: {', '.join(dup)}", param_hint="--designs")
    return items


@click.command("compare")
@click.option("--net", default="lenet", show_default=True, help=f"Network: {', '.join(NETS)}.")
@click.option("--dataset", default="mnist", show_default=True, help=f"Dataset: {', '.join(DATASETS)}.")
@click.option(
    "--designs",
    help="Comma-separated synapse presets (default: ideal-6b,femfet-6b,2t1fefet-6b,"
    "3t1c2pcm-6b; for cifar10: ideal-8b,femfet-8b).",
)
@click.option(
    "--seeds",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Seeds per design (0..N-1); the tables show mean ± std.",
)
@click.option("--epochs", type=click.IntRange(min=1), help="Epochs per run (default: the training default).")
@click.option("--batch-size", type=click.IntRange(min=1), help="Mini-batch size.")
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), help="Learning rate.")
@click.option("--width", type=click.FloatRange(min=0, min_open=True), help="VGG width multiplier.")
@click.option(
    "--hidden",
    metavar="N[,N...]",
    callback=lambda ctx, param, value: parse_hidden(value),
    help="mlp only: hidden layer sizes, comma-separated (100 = NeuroSim's 784-100-10).  [default: 256,128]",
)
@click.option("--train-limit", type=click.IntRange(min=1), help="Use only the first N training images.")
@click.option("--val-size", type=click.IntRange(min=0), help="Held-out validation images (0 = test split).")
@click.option("--data-dir", type=click.Path(file_okay=False), help="Dataset folder (default: $FEMSYN_DATA).")
@click.option("--retention-s", type=click.FloatRange(min=0), help="Retention time for MSB-only accuracy (s).")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, writable=True),
    help="Comparison folder: runs/<name>/ (reused when finished), results.csv and report.{md,html}.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    help="Dask LocalCluster worker processes (as femsyn sweep).  [default: the cores; 0: one run after another]",
)
@click.option("--scheduler", metavar="ADDRESS", help="Run on an existing Dask cluster, e.g. tcp://host:8786.")
def command(
    net,
    dataset,
    designs,
    seeds,
    epochs,
    batch_size,
    lr,
    width,
    hidden,
    train_limit,
    val_size,
    data_dir,
    retention_s,
    out,
    workers,
    scheduler,
) -> None:
    """Train every design x seed and write report.md + a self-contained report.html.

    \b
    femsyn compare --net lenet --dataset mnist --seeds 3 --out cmp-mnist
    femsyn compare --net vgg --dataset cifar10 --designs ideal-8b,femfet-8b --out cmp-cifar

    Finished runs found in --out with the same configuration are reused, so an interrupted
    comparison continues where it stopped and the report can be rebuilt for free. The runs
    execute on Dask like `femsyn sweep` (a grid over the designs).
    """
    if workers is not None and scheduler is not None:
        raise click.UsageError("give --workers (a LocalCluster) or --scheduler (an existing cluster), not both")
    net = _choice(net, _names("femsyn.nn.nets", "net_names", NETS), "network", "--net")
    dataset = _choice(dataset, _names("femsyn.data", "dataset_names", DATASETS), "dataset", "--dataset")
    design_list = _designs(designs, dataset)
    from femsyn.study import compare
    from femsyn.study.comparison import RunsFailedError
    from femsyn.study.sweep.execute import SweepSetupError

    try:
        report = compare(
            net,
            dataset,
            design_list,
            seeds,
            out,
            log=lambda m: click.echo(m, err=True),
            command=" ".join(["femsyn", *map(shlex.quote, sys.argv[1:])]),
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            width=width,
            hidden=hidden,
            train_limit=train_limit,
            val_size=val_size,
            data_dir=data_dir,
            retention_s=retention_s,
            workers=workers,
            scheduler=scheduler,
        )
    except (RunsFailedError, SweepSetupError) as exc:
        raise click.ClickException(str(exc)) from None
    for line in accuracy_table(report.parent / "report.md"):
        click.echo(line)
    click.echo(f"report: {report}")


def accuracy_table(report_md) -> list[str]:
    """The accuracy table of a comparison's report.md (its markdown rows), to print."""
    lines = report_md.read_text().splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.strip() == "## Accuracy"), None)
    if start is None:
        return []
    table: list[str] = []
    for ln in lines[start + 1 :]:
        if ln.startswith("## "):
            break
        if ln.startswith("|"):
            table.append(ln)
    return table
