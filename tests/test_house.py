"""The house rules of python/femsyn, checked on its source with ``ast`` (nothing is imported).

* Layering: a module imports only from its own subpackage and from the subpackages below it in
  :data:`LAYERS`; the package's ``__init__`` (the public API) sits on top of them all.
* No import cycle between modules; imports inside functions and ``importlib.import_module("...")``
  with a literal name count too.
* No import of a femsyn module that does not exist (an old path, say: those are for users).
* No module over :data:`MAX_MODULE_LINES` lines, no function over :data:`MAX_FUNCTION_LINES`,
  except where :data:`LONG_MODULES` / :data:`LONG_FUNCTIONS` say why.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "python" / "femsyn"

#: The layers, bottom first. A module may import from the layers listed before its own and from
#: its own subpackage; the subpackages of one layer do not import each other.
LAYERS: list[tuple[str, ...]] = [
    ("_core", "_version", "_moved"),  # the native core, the version, the old-path import hook
    ("device",),  # device parameters, presets, the cost model: the only place that knows a cell
    ("nn",),  # layers, networks, optimizer
    ("data",),  # dataset readers; needs nothing of device or nn (see DATA_STANDS_ALONE)
    ("run",),  # training configuration, loop, checkpoints, diagnostics, evaluation
    ("study",),  # comparisons, reports and plots
    ("bench",),  # machine limits, kernel and training benchmarks
    ("cli",),  # the click commands
    ("",),  # femsyn/__init__.py: the curated public API
]

#: data sits below run only because run is its first user: it imports no other subpackage.
DATA_STANDS_ALONE = True

MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 100

#: module -> why it may be longer than MAX_MODULE_LINES (none today)
LONG_MODULES: dict[str, str] = {}

#: "module:qualified.function" -> why it may be longer than MAX_FUNCTION_LINES (none today)
LONG_FUNCTIONS: dict[str, str] = {}


# --------------------------------------------------------------------------- the source, parsed


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


SOURCES: dict[str, Path] = {_module_name(p): p for p in sorted(PKG.rglob("*.py"))}
#: every module (compiled ones included, through their stubs)
MODULES: set[str] = set(SOURCES) | {_module_name(p) for p in PKG.rglob("*.pyi")}
TREES: dict[str, ast.Module] = {m: ast.parse(p.read_text(), filename=str(p)) for m, p in SOURCES.items()}


def _is_package(module: str) -> bool:
    return SOURCES.get(module, Path()).name == "__init__.py"


def _absolute(module: str, node: ast.ImportFrom) -> str:
    """The module an ``from ... import`` reads from, relative imports resolved."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not _is_package(module):
        base.pop()
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(module: str) -> Iterator[tuple[str, int]]:
    """(imported femsyn module, line) for every import in ``module``, at any depth."""
    for node in ast.walk(TREES[module]):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node)
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                # `from pkg import sub` imports the submodule; `from mod import name` reads mod
                yield (sub if sub in MODULES else source), node.lineno
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, (ast.Attribute, ast.Name))
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value, node.lineno


def femsyn_imports(module: str) -> Iterator[tuple[str, int]]:
    for target, line in imports(module):
        if target == "femsyn" or target.startswith("femsyn."):
            yield target, line


def _subpackage(module: str) -> str:
    """The layer name of a module: femsyn.run.loop -> "run"; femsyn -> ""."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}


# --------------------------------------------------------------------------- the rules


def test_every_module_has_a_layer() -> None:
    missing = sorted({_subpackage(m) for m in SOURCES} - set(RANK))
    assert not missing, f"subpackages without a place in LAYERS: {missing}"


def test_imports_point_down_the_layers() -> None:
    bad = []
    for module in SOURCES:
        own = _subpackage(module)
        for target, line in femsyn_imports(module):
            other = _subpackage(target)
            if other != own and RANK.get(other, -1) >= RANK[own]:
                bad.append(f"{module}:{line} imports {target} ({other or 'femsyn'} is not below {own or 'femsyn'})")
    assert not bad, "imports that point up (or sideways) the layers:\n" + "\n".join(bad)


def test_data_stands_alone() -> None:
    assert DATA_STANDS_ALONE
    bad = [
        f"{m}:{line} imports {t}"
        for m in SOURCES
        if _subpackage(m) == "data"
        for t, line in femsyn_imports(m)
        if _subpackage(t) not in ("data", *LAYERS[0])
    ]
    assert not bad, "femsyn.data imports other subpackages:\n" + "\n".join(bad)


def test_imports_name_existing_modules() -> None:
    bad = [
        f"{m}:{line} imports {t}" for m in SOURCES for t, line in femsyn_imports(m) if t not in MODULES
    ]  # an old (deprecated) path, or a typo: both would only work through the import hook
    assert not bad, "imports of modules that do not exist:\n" + "\n".join(bad)


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (or a module importing itself)."""
    graph = {m: sorted({t for t, _ in femsyn_imports(m) if t in SOURCES}) for m in SOURCES}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph[v]:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles() -> None:
    cycles = _cycles()
    assert not cycles, "modules that import each other in a circle:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_the_cycle_check_sees_a_cycle() -> None:
    """The checker itself: a made-up pair of modules importing each other is a cycle."""
    saved = dict(TREES), dict(SOURCES)
    try:
        for name, other in (("femsyn.zz_a", "femsyn.zz_b"), ("femsyn.zz_b", "femsyn.zz_a")):
            TREES[name] = ast.parse(f"def f():\n    import {other}\n")
            SOURCES[name] = PKG / "zz.py"
        assert ["femsyn.zz_a", "femsyn.zz_b"] in _cycles()
    finally:
        TREES.clear()
        TREES.update(saved[0])
        SOURCES.clear()
        SOURCES.update(saved[1])


def _module_lines(module: str) -> int:
    return len(SOURCES[module].read_text().splitlines())


def _functions(module: str) -> Iterator[tuple[str, int]]:
    """(qualified name, lines) of every function and method, nested ones included."""

    def walk(node: ast.AST, prefix: str) -> Iterator[tuple[str, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = prefix + child.name
                yield name, child.end_lineno - child.lineno + 1  # from `def` (decorators excluded)
                yield from walk(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, prefix + child.name + ".")
            else:
                yield from walk(child, prefix)

    yield from walk(TREES[module], "")


def test_modules_are_short() -> None:
    long = {m: n for m in SOURCES if (n := _module_lines(m)) > MAX_MODULE_LINES and m not in LONG_MODULES}
    assert not long, f"modules over {MAX_MODULE_LINES} lines (split them or add them to LONG_MODULES): {long}"


def test_functions_are_short() -> None:
    long = {
        f"{m}:{f}": n
        for m in SOURCES
        for f, n in _functions(m)
        if n > MAX_FUNCTION_LINES and f"{m}:{f}" not in LONG_FUNCTIONS
    }
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines (name their steps or allow them): {long}"


def test_allowlists_are_current() -> None:
    """An allowed exception that no longer exists or is short again leaves its allowlist."""
    stale = [m for m in LONG_MODULES if m not in SOURCES or _module_lines(m) <= MAX_MODULE_LINES]
    for entry in LONG_FUNCTIONS:
        module, func = entry.split(":")
        if module not in SOURCES or dict(_functions(module)).get(func, 0) <= MAX_FUNCTION_LINES:
            stale.append(entry)
    assert not stale, f"remove from the allowlists (gone or short now): {stale}"


def test_package_docstring_states_the_layers() -> None:
    """The order enforced here is the one femsyn/__init__.py tells its readers."""
    doc = ast.get_docstring(TREES["femsyn"]) or ""
    order = " <- ".join("/".join(layer) for layer in LAYERS[1:-1])
    assert order in " ".join(doc.split()), f"femsyn/__init__.py should state the layering: {order}"
