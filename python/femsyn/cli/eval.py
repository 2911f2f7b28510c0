"""``femsyn eval``: the three accuracies of a saved run (run directory or checkpoint.npz)."""

from __future__ import annotations

import json
from typing import Any

import click

from femsyn.cli.output import accuracy_lines, retention_curve_line
from femsyn.run import evaluate_checkpoint


@click.command("eval")
@click.argument("path", type=click.Path(exists=True))
@click.option(
    "--retention-s",
    type=float,
    default=None,
    help="Retention time for the MSB-only accuracy.  [default: the run's own]",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Dataset folder (else the run's, $FEMSYN_DATA, cache).",
)
@click.option(
    "--curve/--no-curve",
    default=True,
    show_default=True,
    help="Also the MSB-only accuracy at 0, 1, 1e2, 1e4, 1e6 and 1e8 s of retention.",
)
@click.option("--json", "as_json", is_flag=True, default=False, help="Print the result as JSON.")
def command(path: str, retention_s: float | None, data_dir: str | None, curve: bool, as_json: bool) -> None:
    """Evaluate the checkpoint in PATH (a run directory or a checkpoint.npz)."""
    r: dict[str, Any] = evaluate_checkpoint(path, retention_s=retention_s, data_dir=data_dir, curve=curve)
    if as_json:
        click.echo(json.dumps(r, indent=2))
        return
    click.echo(f"{path} (after epoch {r['epoch']}), accuracy on {r['split']}:")
    for line in accuracy_lines(r):
        click.echo(line)
    if curve:
        click.echo(retention_curve_line(r["retention_curve"]))
