"""``femsyn device-curves``: the switching curve, level distributions, retention per level and
LSB response of one synapse design, as pictures and ``curves.json``."""

from __future__ import annotations

import click

from femsyn.device.presets import preset, presets


@click.command("device-curves")
@click.option("--synapse", type=str, default="femfet-6b", show_default=True, help="Synapse preset (femsyn.presets()).")
@click.option("--out", type=click.Path(file_okay=False), required=True, help="Folder for the pictures and curves.json.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of the sampled devices.")
@click.option(
    "--cells",
    type=click.IntRange(1, 100_000),
    default=256,
    show_default=True,
    help="Devices sampled per point of the switching curve.",
)
def command(synapse: str, out: str, seed: int, cells: int) -> None:
    """Plot what the simulator's device physics does, from the core itself.

    \b
    femsyn device-curves --synapse femfet-6b --out curves-femfet
    """
    from femsyn.study.device_curves import device_curves

    if synapse not in presets():
        raise click.BadParameter(
            f"unknown preset {synapse!r}; valid names: {', '.join(presets())}", param_hint="--synapse"
        )
    kind = preset(synapse).kind
    if kind != "hybrid":
        hybrid = [n for n in presets() if preset(n).kind == "hybrid"]
        raise click.BadParameter(
            f"{synapse!r} has no device (kind {kind!r}); hybrid cells: {', '.join(hybrid)}",
            param_hint="--synapse",
        )
    data = device_curves(synapse, out, seed=seed, cells=cells)
    click.echo(f"femsyn device-curves: {synapse} -> {out}/ ({', '.join(data['files'])})")
