"""The module paths of the flat femsyn layout, still importable, with a DeprecationWarning.

femsyn used to be one folder of modules (``femsyn.train``, ``femsyn.devices``, ...).
Their code now lives in subpackages; :data:`MOVED` says where. ``import femsyn.layers`` warns
once and gives ``femsyn.nn.layers`` itself (the same module object, so a name read or patched
through the old path is the one the library uses). No file sits at an old path: a branch that
still edits ``femsyn/layers.py`` merges into ``femsyn/nn/layers.py`` by git's rename detection.

Old modules whose names now live in several modules (:data:`SPLIT`) give a proxy module that
reads each name from the first new module holding it. ``femsyn.train`` is such a proxy and is
also callable: the package exports the *function* ``femsyn.train``, and importing the submodule
``femsyn.train`` rebinds that package attribute to the module, so the module must train when
called for ``femsyn.train(config)`` to work whichever was imported first.

Nothing here imports the rest of femsyn before an old path is imported (the layering test counts
only literal import targets; the names below are data).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import inspect
import sys
import types
import warnings
from collections.abc import Sequence
from typing import Any

#: old module (or package, with everything under it) -> the module that holds its code now
MOVED: dict[str, str] = {
    "femsyn.devices": "femsyn.device",
    "femsyn.costs": "femsyn.device.costs",
    "femsyn.layers": "femsyn.nn.layers",
    "femsyn.nets": "femsyn.nn.nets",
    "femsyn.optim": "femsyn.nn.optim",
    "femsyn.checkpoint": "femsyn.run.checkpoint",
    "femsyn.compare": "femsyn.study.comparison",
    "femsyn.report": "femsyn.study.report",
    "femsyn.bench_machine": "femsyn.bench.machine",
    "femsyn.commands": "femsyn.cli",  # femsyn.commands.train -> femsyn.cli.train, ...
}

#: old modules whose names now live in several modules (looked up in this order)
SPLIT: dict[str, tuple[str, ...]] = {
    "femsyn.train": ("femsyn.run",),
    "femsyn.bench_train": ("femsyn.bench.training", "femsyn.bench.memory", "femsyn.bench.format"),
    "femsyn.commands.train": ("femsyn.cli.train", "femsyn.cli.output", "femsyn.cli.errors"),
}

#: the old module that, called, runs this function (``module:function``)
CALLABLE: dict[str, str] = {"femsyn.train": "femsyn.run:train"}


def new_path(old: str) -> str | None:
    """Where the code of the old module path ``old`` lives now (None: not an old path)."""
    if old in SPLIT:
        return ", ".join(SPLIT[old])
    for prefix, new in MOVED.items():
        if old == prefix or old.startswith(prefix + "."):
            return new + old[len(prefix) :]
    return None


class _SplitModule(types.ModuleType):
    """An old module whose names now live in several modules: each name is read from them."""

    def __init__(self, name: str, targets: Sequence[str]) -> None:
        super().__init__(name)
        self.__dict__["_targets"] = tuple(importlib.import_module(t) for t in targets)
        first = self.__dict__["_targets"][0]
        self.__doc__ = f"Deprecated alias of {', '.join(targets)}.\n\n{first.__doc__ or ''}"

    def __getattr__(self, name: str) -> Any:
        for module in self.__dict__["_targets"]:
            if hasattr(module, name):
                return getattr(module, name)
        raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")

    def __dir__(self) -> list[str]:
        names = set(self.__dict__)
        for module in self.__dict__["_targets"]:
            names.update(dir(module))
        return sorted(names)


class _CallableSplitModule(_SplitModule):
    """``femsyn.train``: the old module that is also the function of the same name."""

    def __init__(self, name: str, targets: Sequence[str], function: str) -> None:
        super().__init__(name, targets)
        module, _, attr = function.partition(":")
        fn = getattr(importlib.import_module(module), attr)
        self.__dict__["_function"] = fn
        self.__dict__["__signature__"] = inspect.signature(fn)  # help() and IDEs see train's

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.__dict__["_function"](*args, **kwargs)


class _Loader(importlib.abc.Loader):
    """Replaces the placeholder module of an old path by the module that holds its code now."""

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None  # the default placeholder; exec_module swaps it out of sys.modules

    def exec_module(self, module: types.ModuleType) -> None:
        old = module.__name__
        warnings.warn(
            f"{old} is deprecated; import {new_path(old)} instead",
            DeprecationWarning,
            stacklevel=2,  # the import statement (importlib's own frames are skipped)
        )
        if old in SPLIT:
            if old in CALLABLE:
                target: types.ModuleType = _CallableSplitModule(old, SPLIT[old], CALLABLE[old])
            else:
                target = _SplitModule(old, SPLIT[old])
        else:
            target = importlib.import_module(new_path(old) or old)
        # The import system returns what sys.modules holds after exec_module and binds it as
        # the parent package's attribute: the old name now stands for the new module.
        sys.modules[old] = target


class _Finder(importlib.abc.MetaPathFinder):
    """Finds the old module paths (and nothing else)."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if new_path(fullname) is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _Loader())


def install() -> None:
    """Put the finder of the old paths first in ``sys.meta_path`` (once per process)."""
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
