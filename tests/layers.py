"""Read every module's imports and check them against the layers of the architecture.

The tree is the architecture: `cli` on top, then the core packages, each allowed to import only
from the layers below it (STYLE.md §1). Three things are checked, on the source text alone
(nothing is imported):

- an import that runs *up* the layers, or sideways between two packages of one layer, whether
  written at module top or inside a function (a deferred import still runs);
- a cycle between packages, over the same edges;
- an import written inside a function, except the two kinds that keep start-up fast: the
  command registry (and the `--version` fast path) in `cli/root.py` and `cli/main.py`, and a
  heavy third-party library at the one place that needs it.

Imports under `if TYPE_CHECKING:` never run, so they are not edges: a lower layer may name an
upper layer's type in an annotation (a settings function takes a `ProjectPlugin`).
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

#: Lowest layer first. A unit is a package, or a module that every layer may use (errors, the
#: plugin types); a module belongs to the longest unit its name starts with.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("meltano", "meltano.core", "meltano.core.errors"),
    (
        "meltano.core.ids",
        "meltano.core.logging",
        "meltano.core.plugins.types",  # the vocabulary of plugin types, spoken everywhere
    ),
    ("meltano.core.processes",),
    ("meltano.core.project",),
    ("meltano.core.db",),
    ("meltano.core.settings",),
    (
        "meltano.core.venvs",
        "meltano.core.state",
        "meltano.core.telemetry",
        "meltano.core.catalog",
        "meltano.core.runs",  # progress and summaries of a run, read by blocks and cli
    ),
    ("meltano.core.plugins",),
    ("meltano.core.blocks",),
    ("meltano.core.schedules", "meltano.core.compile"),
    (  # 4.4.1's import paths for state backend add-ons (docs/state.md); nothing of ours imports them
        "meltano.core.error",
        "meltano.core.setting_definition",
        "meltano.core.state_store",
    ),
    ("meltano.cli",),
    ("meltano.__main__",),
)
#: Libraries whose import costs a good part of a command's start-up: imported inside the one
#: function that needs each, never at module top. SQLAlchemy and the storage and rendering
#: libraries first; then others measured as the instructions one import adds to what
#: `meltano run` loads anyway (millions; a run's start-up is about 700).
HEAVY = frozenset(
    {
        "sqlalchemy",
        "alembic",
        "boto3",
        "botocore",
        "google",
        "azure",
        "rich",
        "jsonschema",
        "ruamel",
        "snowplow_tracker",
        "importlib.metadata",  # 42 (zipfile, csv, email): state backend add-ons, `upgrade`
        "urllib.request",  # 37 (http.client, email): Hub requests, `add --from-ref URL`
        "urllib.error",  # goes with urllib.request
        "packaging",  # 29: a project with `requires_meltano`
        "croniter",  # 26 (dateutil, six): checking or expanding a schedule's interval
        "logging.config",  # 13 (logging.handlers, socketserver): a logging.yaml
        "tempfile",  # 20 (random, shutil, bz2, lzma): writing a project file atomically
        "dotenv",  # 11: a project with a dotenv file
        "configparser",  # 8: the airflow orchestrator's airflow.cfg
        "aiodocker",  # with aiohttp, ~0.25 s of CPU: the Engine API client, `--containers` only
        "aiohttp",  # goes with aiodocker
    }
)


def is_heavy(target: str) -> bool:
    """Whether `target` is a heavy library or something inside one."""
    return any(target == name or target.startswith(f"{name}.") for name in HEAVY)


#: Our modules that exist to hold a heavy library: importing one defers that library, so it is
#: written inside the function that needs it, like the library itself.
HEAVY_ADAPTERS = frozenset(
    {
        "meltano.core.db.engine",  # SQLAlchemy engines and Alembic migrations
        "meltano.core.db.models",  # the ORM models, read by the migrations
        "meltano.core.db.migrations",  # loaded by Alembic itself
        "meltano.core.telemetry.emitter",  # snowplow-tracker, on the sending thread only
    }
)
#: Modules that may defer any import: the lazy command registry and the console entry point.
START_UP = frozenset({"meltano.cli.root", "meltano.cli.main"})


class Kind(enum.Enum):
    """Where an import statement is written."""

    TOP = "top"  # runs when the module is imported
    DEFERRED = "deferred"  # inside a function: runs when the function is called
    TYPE = "type"  # under `if TYPE_CHECKING:`: never runs


@dataclass(frozen=True)
class Import:
    """One imported name: `module` (at `path:line`) imports `target`."""

    module: str
    target: str
    kind: Kind
    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.module} imports {self.target} ({self.kind.value})"


def module_name(path: Path, root: Path) -> str:
    """`meltano.core.blocks.parse` for `<root>/meltano/core/blocks/parse.py`."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def read_imports(root: Path, package: str = "meltano") -> list[Import]:
    """Every import statement of every module under `root/package`, absolute and classified."""
    found: list[Import] = []
    for path in sorted((root / package).rglob("*.py")):
        found.extend(_module_imports(path, module_name(path, root)))
    return found


def _module_imports(path: Path, module: str) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"

    def visit(node: ast.AST, kind: Kind) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for statement in child.body:
                    yield from visit_statement(statement, Kind.TYPE)
                for statement in child.orelse:
                    yield from visit_statement(statement, kind)
            else:
                yield from visit_statement(child, kind)

    def visit_statement(node: ast.AST, kind: Kind) -> Iterator[Import]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, kind, path, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, is_package, node.module, node.level)
            for alias in node.names:
                # `from pkg import name` may name a submodule; the package is imported either way
                target = f"{base}.{alias.name}" if alias.name != "*" else base
                yield Import(module, target, kind, path, node.lineno)
        else:
            inner = Kind.DEFERRED if kind is Kind.TOP and _is_function(node) else kind
            yield from visit(node, inner)

    yield from visit(tree, Kind.TOP)


def _is_function(node: ast.AST) -> bool:
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _absolute(module: str, is_package: bool, name: str | None, level: int) -> str:
    if not level:
        return name or ""
    parts = module.split(".") if is_package else module.split(".")[:-1]
    parts = parts[: len(parts) - level + 1]
    return ".".join([*parts, *([name] if name else [])])


def unit_of(name: str, layers: Sequence[Sequence[str]] = LAYERS) -> str | None:
    """The package (or module) of the layers that `name` belongs to; None if not ours."""
    units = [unit for layer in layers for unit in layer]
    matches = [unit for unit in units if name == unit or name.startswith(f"{unit}.")]
    return max(matches, key=len) if matches else None


def rank_of(unit: str, layers: Sequence[Sequence[str]] = LAYERS) -> int:
    return next(index for index, layer in enumerate(layers) if unit in layer)


def edges(
    imports: Iterable[Import], layers: Sequence[Sequence[str]] = LAYERS
) -> Iterator[tuple[str, str, Import]]:
    """(importing unit, imported unit, import) for each runtime import between two units."""
    for item in imports:
        if item.kind is Kind.TYPE:
            continue
        source, target = unit_of(item.module, layers), unit_of(item.target, layers)
        if source is None or target is None or source == target:
            continue
        if target in _ancestors(source):  # `meltano.core.x` importing the `meltano` package
            continue
        yield source, target, item


def _ancestors(unit: str) -> set[str]:
    parts = unit.split(".")
    return {".".join(parts[:index]) for index in range(1, len(parts))}


def layer_violations(
    imports: Iterable[Import], layers: Sequence[Sequence[str]] = LAYERS
) -> list[Import]:
    """Imports that run up the layers, or sideways between two units of one layer."""
    return [
        item
        for source, target, item in edges(imports, layers)
        if rank_of(target, layers) >= rank_of(source, layers)
    ]


def cycles(imports: Iterable[Import], layers: Sequence[Sequence[str]] = LAYERS) -> list[list[str]]:
    """Groups of units that import each other, directly or through others (sorted)."""
    graph: dict[str, set[str]] = {}
    for source, target, _ in edges(imports, layers):
        graph.setdefault(source, set()).add(target)
        graph.setdefault(target, set())
    return sorted(sorted(group) for group in _strongly_connected(graph) if len(group) > 1)


def _strongly_connected(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    groups.append(group)
    return groups


def misplaced_deferred_imports(imports: Iterable[Import]) -> list[Import]:
    """Imports inside functions that are neither a start-up trick nor a heavy library."""
    return [
        item
        for item in imports
        if item.kind is Kind.DEFERRED
        and item.module not in START_UP
        and not is_heavy(item.target)
        and not is_adapter(item.target)
    ]


def heavy_imports_at_top(imports: Iterable[Import]) -> list[Import]:
    """Heavy libraries imported at module top outside their adapters: they would load with
    every command that imports the module."""
    return [
        item
        for item in imports
        if item.kind is Kind.TOP and is_heavy(item.target) and not is_adapter(item.module)
    ]


def is_adapter(target: str) -> bool:
    """Whether `target` names a heavy adapter module or something inside one."""
    return any(target == name or target.startswith(f"{name}.") for name in HEAVY_ADAPTERS)
