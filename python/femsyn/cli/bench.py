"""`femsyn bench`: how fast femsyn runs on this machine, beside the machine's own limits."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

import click


def _csv(value: str | None) -> list[str] | None:
    if value is None:
        return None
    value = value.strip()
    if value.lower() in ("", "none"):
        return []
    return [v.strip() for v in value.split(",") if v.strip()]


def _check_names(names: list[str], valid: Sequence[str], what: str, hint: str) -> None:
    """Raise click.BadParameter naming every entry of names that is not in valid."""
    bad = [n for n in names if n not in valid]
    if bad:
        raise click.BadParameter(
            f"unknown {what}(s) {', '.join(bad)}; valid: {', '.join(valid)}",
            param_hint=hint,
        )


def _sizes(value: str | None) -> list[int] | None:
    items = _csv(value)
    if items is None:
        return None
    try:
        sizes = [int(float(v)) for v in items]
    except ValueError:
        raise click.BadParameter(f"expected comma-separated cell counts like 1e4,1e5, got {value!r}") from None
    if any(s < 1 for s in sizes):
        raise click.BadParameter(f"cell counts must be >= 1, got {value!r}")
    return sizes


@click.command("bench")
@click.option("--quick", is_flag=True, help="Smaller sizes, fewer rounds: finishes in under 30 s.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON (progress goes to stderr).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write the JSON results to this file.",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    help="Threads of femsyn's kernels (default: all cores; BLAS runs on one).",
)
@click.option(
    "--sizes",
    help="Kernel array sizes in cells, comma-separated (default 1e4,1e5,1e6,1e7; quick: to 1e6).",
)
@click.option(
    "--kernels",
    help="Kernels to time, comma-separated, or 'none' (default: update,step,leak,transfer,readout).",
)
@click.option(
    "--nets",
    help="Networks to time, comma-separated, or 'none'; vgg0.5 = VGG-8 at width 0.5 "
    "(default lenet,mlp,vgg0.25,vgg0.5; quick: lenet,mlp).",
)
@click.option(
    "--presets",
    help="Synapse presets to time, plus 'nodevice' (plain weights) for the device's share "
    "(default nodevice,float and the 6-bit designs for lenet/mlp, the 8-bit ones for vgg).",
)
@click.option(
    "--rounds",
    type=click.IntRange(min=1),
    help="Interleaved rounds per network (default 5; quick 2).",
)
@click.option(
    "--steps",
    type=click.IntRange(min=1),
    help="Training steps per preset per round (LeNet; default 20).",
)
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True)
@click.option(
    "--memory/--no-memory",
    default=None,
    help="Measure peak memory of a LeNet training (default: on, off with --quick).",
)
@click.option("--machine/--no-machine", default=True, hidden=True, help="Measure bandwidth and GEMM rate.")
def command(
    quick: bool,
    as_json: bool,
    out: str | None,
    threads: int | None,
    sizes: str | None,
    kernels: str | None,
    nets: str | None,
    presets: str | None,
    rounds: int | None,
    steps: int | None,
    batch_size: int,
    memory: bool | None,
    machine: bool,
) -> None:
    """Measure memory bandwidth and GEMM rate, then femsyn's synapse kernels (cells/s, GB/s
    against the bandwidth, cost slope per cell) and training speed (images/s per network and
    preset, femfet/float ratio measured side by side). Says which BLAS and how many threads.

    Timings on a shared or busy machine are noisy: compare the ratios within one run.
    """
    from femsyn import bench

    kernel_list, net_list, preset_list = _checked_lists(kernels, nets, presets)

    def progress(msg: str) -> None:
        click.echo(f"  .. {msg}", err=True)

    result = bench.run(
        quick=quick,
        sizes=_sizes(sizes),
        kernels=bench.KERNELS if kernel_list is None else kernel_list,
        nets=None if net_list is None else net_list,
        presets=preset_list or None,
        rounds=rounds,
        steps=steps,
        batch_size=batch_size,
        threads=threads,
        memory=memory,
        machine=machine,
        progress=progress,
    )
    text = json.dumps(result, indent=2, default=_json_default)
    if out:
        with open(out, "w") as f:
            f.write(text + "\n")
    if as_json:
        click.echo(text)
    else:
        click.echo(bench.format_report(result))
    sys.stdout.flush()


def _checked_lists(
    kernels: str | None, nets: str | None, presets: str | None
) -> tuple[list[str] | None, list[str] | None, list[str] | None]:
    """The --kernels / --nets / --presets lists (None: not given), every name checked."""
    from femsyn.bench import KERNELS
    from femsyn.bench.training import NODEVICE, net_spec
    from femsyn.device import presets as all_presets

    kernel_list = _csv(kernels)
    if kernel_list:
        _check_names(kernel_list, KERNELS, "kernel", "--kernels")
    net_list = _csv(nets)
    for n in net_list or []:
        try:
            net_spec(n)  # a registered net or a VGG width such as vgg0.5
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--nets") from None
    preset_list = _csv(presets)
    if preset_list:
        _check_names(preset_list, [*all_presets(), NODEVICE], "preset", "--presets")
    return kernel_list, net_list, preset_list


def _json_default(o: object) -> object:
    import numpy as np

    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)
