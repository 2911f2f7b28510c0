"""The `femsyn` command line: a thin click group over the library.

Each subcommand lives in ``femsyn/cli/<name>.py`` and only parses its options, builds a
configuration, calls the library and prints, so everything the CLI does is also reachable from
Python.
"""

from __future__ import annotations

import importlib
import os

import click

# name -> module under femsyn.cli; imported lazily so `femsyn --help` stays fast and one
# broken optional dependency (e.g. matplotlib for reports) never takes down `femsyn train`.
_COMMANDS = {
    "train": "train",
    "eval": "eval",
    "compare": "compare",
    "sweep": "sweep",
    "bench": "bench",
    "device-curves": "device_curves",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module_name = _COMMANDS.get(name)
        if module_name is None:
            return None
        module = importlib.import_module(f"femsyn.cli.{module_name}")
        return module.command

    def invoke(self, ctx: click.Context) -> object:
        # every subcommand's errors and warnings go through the one mapping of femsyn.cli.errors
        from femsyn.cli.errors import cli_errors

        with cli_errors():
            return super().invoke(ctx)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="femsyn")
@click.option("--debug", is_flag=True, help="Show the Python traceback of an error (also FEMSYN_DEBUG=1).")
@click.option(
    "--offline",
    is_flag=True,
    help="Never try to download a dataset (also FEMSYN_OFFLINE=1); use what is on disk.",
)
def main(debug: bool, offline: bool) -> None:
    """femsyn: train neural networks on hybrid FeMFET-CMOS analog synapses.

    \b
    femsyn train --net lenet --synapse femfet-6b     train one network on one synapse design
    femsyn eval RUN_DIR                              accuracies of a saved run
    femsyn compare --net lenet --seeds 3 --out DIR   the paper's comparison, as a report
    femsyn sweep SPEC.toml --out DIR                 a parameter sweep on Dask, as a report
    femsyn bench --quick                             kernel and training speed on this machine
    femsyn device-curves --synapse femfet-6b --out D switching, levels, retention, LSB response

    Errors are plain lines naming the flag or file (exit 2: a bad flag value, 1: a failure);
    --debug shows the traceback.
    """
    # environment variables, so Dask workers and every loader of the call see them too
    if debug:
        os.environ["FEMSYN_DEBUG"] = "1"
    if offline:
        os.environ["FEMSYN_OFFLINE"] = "1"


if __name__ == "__main__":  # pragma: no cover
    main()
