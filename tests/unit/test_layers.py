"""The imports of `src/meltano` follow the layers, form no cycle, and are written at the top.

The checker itself (`tests/layers.py`) is tested on small trees written here, and on a copy of
the real tree with one deliberately wrong import, so a pass below means something.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from tests.layers import (
    Kind,
    cycles,
    heavy_imports_at_top,
    layer_violations,
    misplaced_deferred_imports,
    module_name,
    read_imports,
    unit_of,
)

SRC = Path(__file__).resolve().parents[2] / "src"


def test_no_import_runs_up_the_layers() -> None:
    assert [str(item) for item in layer_violations(read_imports(SRC))] == []


def test_no_cycle_between_packages() -> None:
    assert cycles(read_imports(SRC)) == []


def test_imports_are_at_module_top_except_start_up_tricks_and_heavy_libraries() -> None:
    assert [str(item) for item in misplaced_deferred_imports(read_imports(SRC))] == []


def test_heavy_libraries_are_imported_at_top_only_by_their_adapters() -> None:
    assert [str(item) for item in heavy_imports_at_top(read_imports(SRC))] == []


def test_every_package_has_a_layer() -> None:
    """A new package must be placed in LAYERS, or its imports would go unchecked."""
    roots = ("meltano", "meltano.core")
    packages = {module_name(path, SRC) for path in (SRC / "meltano").rglob("__init__.py")}
    assert sorted(p for p in packages if p not in roots and unit_of(p) in roots) == []


def test_core_never_imports_click() -> None:
    offenders = [
        str(item)
        for item in read_imports(SRC)
        if item.module.startswith("meltano.core") and item.target.split(".")[0] == "click"
    ]
    assert offenders == []


# The checker on trees written for the purpose.


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


TREE = {
    "meltano/__init__.py": "",
    "meltano/core/__init__.py": "",
    "meltano/core/project/__init__.py": "",
    "meltano/core/plugins/__init__.py": "",
}


def test_checker_finds_a_deferred_import_up_the_layers(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            **TREE,
            "meltano/core/project/files.py": """
                from __future__ import annotations

                def load() -> None:
                    from meltano.core.plugins.entries import plugin_entries
            """,
        },
    )
    imports = read_imports(root)
    [violation] = layer_violations(imports)
    assert violation.module == "meltano.core.project.files"
    assert violation.target == "meltano.core.plugins.entries.plugin_entries"
    assert violation.kind is Kind.DEFERRED
    assert violation.line == 5
    assert misplaced_deferred_imports(imports) == [violation]


def test_checker_finds_an_import_up_the_layers_at_module_top(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {**TREE, "meltano/core/project/files.py": "from ..plugins import entries\n"},
    )
    [violation] = layer_violations(read_imports(root))
    assert (violation.target, violation.kind) == ("meltano.core.plugins.entries", Kind.TOP)


def test_checker_allows_downward_and_type_only_imports(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            **TREE,
            "meltano/core/project/files.py": """
                from typing import TYPE_CHECKING

                if TYPE_CHECKING:
                    from meltano.core.plugins.entries import PluginEntry
            """,
            "meltano/core/plugins/entries.py": """
                from meltano.core.project import files
                from meltano.core.errors import MeltanoError

                def read() -> None:
                    import sqlalchemy
            """,
        },
    )
    imports = read_imports(root)
    assert layer_violations(imports) == []
    assert cycles(imports) == []
    assert misplaced_deferred_imports(imports) == []


def test_checker_finds_sideways_imports_between_packages_of_one_layer(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            **TREE,
            "meltano/core/state/__init__.py": "",
            "meltano/core/venvs/__init__.py": "",
            "meltano/core/state/model.py": "from meltano.core.venvs import paths\n",
        },
    )
    [violation] = layer_violations(read_imports(root))
    assert violation.target == "meltano.core.venvs.paths"


def test_checker_finds_a_cycle(tmp_path: Path) -> None:
    layers = (("meltano",), ("meltano.a", "meltano.b", "meltano.c"))
    root = write(
        tmp_path,
        {
            "meltano/__init__.py": "",
            "meltano/a/__init__.py": "from meltano.b import x\n",
            "meltano/b/__init__.py": "def f() -> None:\n    from meltano.c import y\n",
            "meltano/c/__init__.py": "import meltano.a\n",
        },
    )
    assert cycles(read_imports(root), layers) == [["meltano.a", "meltano.b", "meltano.c"]]


def test_checker_allows_deferred_imports_only_in_the_start_up_modules(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            **TREE,
            "meltano/cli/__init__.py": "",
            "meltano/cli/root.py": "def get() -> None:\n    import importlib\n",
            "meltano/cli/run.py": "def run() -> None:\n    import asyncio\n",
        },
    )
    [misplaced] = misplaced_deferred_imports(read_imports(root))
    assert (misplaced.module, misplaced.target) == ("meltano.cli.run", "asyncio")


@pytest.mark.parametrize(
    ("module", "wrong_import"),
    [
        (
            "core/settings/resolve.py",
            "from meltano.core.plugins.project_plugin import ProjectPlugin",
        ),
        ("core/processes/pipes.py", "from meltano.core.blocks.parse import parse_blocks"),
        ("core/project/project.py", "import meltano.cli.root"),
    ],
)
def test_checker_fails_the_real_tree_with_one_wrong_import(
    tmp_path: Path, module: str, wrong_import: str
) -> None:
    shutil.copytree(SRC / "meltano", tmp_path / "meltano")
    path = tmp_path / "meltano" / module
    path.write_text(path.read_text() + f"\n\ndef back_edge() -> None:\n    {wrong_import}\n")
    imports = read_imports(tmp_path)
    violations = layer_violations(imports)
    assert [item.path for item in violations] == [path]
    assert misplaced_deferred_imports(imports) == violations
    assert cycles(imports) != []
