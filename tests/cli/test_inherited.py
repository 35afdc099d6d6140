"""Inheriting plugins get their parent's definition-derived values, as in 4.4.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

LOCK = {
    "plugin_type": "loaders",
    "name": "target-pg",
    "namespace": "target_pg",
    "variant": "labs",
    "executable": "true",
    "dialect": "postgres",
    "target_schema": "$TARGET_PG_SCHEMA",
    "ext_repo": "https://example.com/ext",
    "settings": [{"name": "host"}],
}
PLUGINS = """
plugins:
  loaders:
  - name: target-pg
    variant: labs
  - name: target-pg--dwh
    inherit_from: target-pg
    config:
      host: dwh.example.com
  transformers:
  - name: dbt-x
    namespace: dbt_x
    executable: sh
    settings:
    - {name: project_dir, value: $MELTANO_PROJECT_ROOT/transform}
    commands:
      where: -c pwd
"""


@pytest.fixture
def project(project_dir: Path) -> Path:
    lock = project_dir / "plugins" / "loaders" / "target-pg--labs.lock"
    lock.parent.mkdir(parents=True)
    lock.write_text(json.dumps(LOCK))
    path = project_dir / "meltano.yml"
    path.write_text(path.read_text() + PLUGINS)
    return project_dir


def test_child_gets_the_parents_dialect_variant_and_definition_extras(invoke, project) -> None:
    names = [
        "MELTANO_LOAD__DIALECT",
        "TARGET_PG__DWH__DIALECT",
        "TARGET_PG__DIALECT",
        "MELTANO_LOADER_VARIANT",
        "MELTANO_LOADER_NAMESPACE",
        "MELTANO_LOAD__EXT_REPO",
        "MELTANO_LOAD__TARGET_SCHEMA",
    ]
    args = [arg for name in names for arg in ("--print-var", name)]
    result = invoke("invoke", *args, "target-pg--dwh", env={"TARGET_PG_SCHEMA": "raw"})
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "MELTANO_LOAD__DIALECT=postgres",
        "TARGET_PG__DWH__DIALECT=postgres",
        "TARGET_PG__DIALECT=postgres",
        "MELTANO_LOADER_VARIANT=labs",
        "MELTANO_LOADER_NAMESPACE=target_pg__dwh",
        "MELTANO_LOAD__EXT_REPO=https://example.com/ext",
        "MELTANO_LOAD__TARGET_SCHEMA=raw",
    ]


def test_plugin_list_gives_the_child_its_parents_variant(invoke, project) -> None:
    rows = json.loads(invoke("plugin", "list", "--format", "json").stdout)
    child = next(row for row in rows if row["name"] == "target-pg--dwh")
    assert (child["variant"], child["inherit_from"]) == ("labs", "target-pg")


def test_invoke_runs_a_transformer_in_its_project_dir(
    invoke, project, capfd: pytest.CaptureFixture[str]
) -> None:
    (project / "transform").mkdir(exist_ok=True)
    assert invoke("invoke", "dbt-x:where").exit_code == 0
    assert capfd.readouterr().out.strip() == str(project / "transform")
