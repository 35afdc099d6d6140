"""`meltano add` against the fixture Hub (no package index: installs are skipped)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from meltano.core.errors import ExitCode
from tests.fixtures.hub.server import HubServer, serve_hub

LOCKS = Path(__file__).resolve().parents[1] / "fixtures" / "hub" / "locks"


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[HubServer]:
    with serve_hub() as server:
        monkeypatch.setenv("MELTANO_HUB_API_ROOT", server.api_root)
        yield server


def plugins(project_dir: Path) -> dict:
    from ruamel.yaml import YAML

    return YAML(typ="safe").load((project_dir / "meltano.yml").read_text())["plugins"]


def test_add_hub_plugin_writes_entry_and_lock(invoke, hub: HubServer, project_dir: Path) -> None:
    result = invoke("add", "target-jsonl", "--no-install")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:2] == [
        "Added loader 'target-jsonl' to your project",
        "Variant:\tandyh1203 (default)",
    ]
    assert plugins(project_dir) == {
        "loaders": [{"name": "target-jsonl", "variant": "andyh1203", "pip_url": "target-jsonl"}]
    }
    lock = project_dir / "plugins" / "loaders" / "target-jsonl--andyh1203.lock"
    assert lock.read_text() == (LOCKS / "target-jsonl--andyh1203.lock").read_text()
    assert hub.requests[0][1]["x-meltano-command"] == "meltano add"


def test_type_inference_and_plugin_type(invoke, hub: HubServer, project_dir: Path) -> None:
    assert invoke("add", "tap-github", "--no-install").exit_code == 0
    assert invoke("add", "postgres", "--no-install").exit_code == 0
    assert (
        invoke(
            "add", "--plugin-type", "mapper", "meltano-map-transformer", "--no-install"
        ).exit_code
        == 0
    )
    assert set(plugins(project_dir)) == {"extractors", "utilities", "mappers"}


def test_readd_refreshes_lock_and_keeps_config(invoke, hub: HubServer, project_dir: Path) -> None:
    invoke("add", "target-jsonl", "--no-install")
    path = project_dir / "meltano.yml"
    path.write_text(path.read_text() + "    config:\n      destination_path: out\n")
    lock = project_dir / "plugins" / "loaders" / "target-jsonl--andyh1203.lock"
    lock.write_text("{}")
    result = invoke("add", "target-jsonl", "--no-install")
    assert result.stdout.startswith("Updated loader 'target-jsonl' in your project")
    assert plugins(project_dir)["loaders"][0]["config"] == {"destination_path": "out"}
    assert json.loads(lock.read_text())["name"] == "target-jsonl"


def test_other_variant_only_advises(invoke, hub: HubServer, project_dir: Path) -> None:
    invoke("add", "tap-github", "--no-install")
    before = (project_dir / "meltano.yml").read_text()
    result = invoke("add", "tap-github", "--variant", "singer-io", "--no-install")
    assert result.exit_code == 0
    assert "--inherit-from tap-github --variant singer-io" in result.stdout
    assert (project_dir / "meltano.yml").read_text() == before


def test_inherit_from_and_as(invoke, hub: HubServer, project_dir: Path) -> None:
    invoke("add", "tap-github", "--no-install")
    assert invoke("add", "tap-gh2", "--inherit-from", "tap-github", "--no-install").exit_code == 0
    result = invoke("add", "tap-github", "--as", "tap-gh3", "--no-install")
    assert "Inherit from:\ttap-github" in result.stdout
    names = [(e["name"], e.get("inherit_from")) for e in plugins(project_dir)["extractors"]]
    assert names == [("tap-github", None), ("tap-gh2", "tap-github"), ("tap-gh3", "tap-github")]


def test_variant_picks_lock(invoke, hub: HubServer, project_dir: Path) -> None:
    assert invoke("add", "tap-github", "--variant", "singer-io", "--no-install").exit_code == 0
    assert (project_dir / "plugins" / "extractors" / "tap-github--singer-io.lock").exists()


def test_custom_prompts(invoke, project_dir: Path) -> None:
    result = invoke(
        "add",
        "--custom",
        "tap-c",
        "--no-install",
        input="tap_c\nn\n./tap\ncatalog,discover\nuser,pass:password\n",
    )
    assert result.exit_code == 0, result.output
    assert plugins(project_dir)["extractors"] == [
        {
            "name": "tap-c",
            "namespace": "tap_c",
            "executable": "./tap",
            "capabilities": ["catalog", "discover"],
            "settings": [{"name": "user"}, {"name": "pass", "kind": "password", "sensitive": True}],
        }
    ]


def test_custom_reprompts_bad_kind(invoke, project_dir: Path) -> None:
    result = invoke(
        "add", "--custom", "target-c", "--no-install", input="\n\n\nport:int\nport:integer\n"
    )
    assert result.exit_code == 0
    assert "Unknown setting kind 'int'" in result.stderr
    assert plugins(project_dir)["loaders"][0]["settings"] == [{"name": "port", "kind": "integer"}]


def test_from_ref(invoke, project_dir: Path, tmp_path: Path) -> None:
    ref = tmp_path / "tap.yml"
    ref.write_text("name: tap-y\nnamespace: tap_y\nexecutable: tap-y\ncapabilities: [state]\n")
    assert invoke("add", "whatever", "--from-ref", str(ref), "--no-install").exit_code == 0
    assert plugins(project_dir)["extractors"][0]["namespace"] == "tap_y"
    bad = tmp_path / "bad.yml"
    bad.write_text("name: tap-z\n")
    result = invoke("add", "x", "--from-ref", str(bad), "--no-install")
    assert result.exit_code == ExitCode.FAILED
    assert "Plugin definition is invalid: missing properties (namespace)" in result.stderr


def test_unknown_plugin_and_variant(invoke, hub: HubServer, project_dir: Path) -> None:
    before = (project_dir / "meltano.yml").read_text()
    unknown = invoke("add", "tap-githib", "--no-install")
    assert unknown.exit_code == ExitCode.FAILED
    assert "'tap-githib' is not known to Meltano" in unknown.stderr
    assert "tap-github" in unknown.stderr
    variant = invoke("add", "tap-github", "--variant", "nope", "--no-install")
    assert variant.exit_code == ExitCode.FAILED
    assert "variant 'nope' is not known" in variant.stderr
    assert (project_dir / "meltano.yml").read_text() == before


def test_hub_unreachable(invoke, project_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MELTANO_HUB_API_ROOT", "http://127.0.0.1:9/meltano/api/v1")
    result = invoke("add", "tap-github", "--no-install")
    assert result.exit_code == ExitCode.FAILED
    assert "Could not connect to Meltano Hub at" in result.stderr
    assert "Traceback" not in result.output


def test_custom_refused_for_transforms(invoke, project_dir: Path) -> None:
    result = invoke("add", "--custom", "--plugin-type", "transform", "x", "--no-install")
    assert result.exit_code == ExitCode.FAILED
    assert "--custom is not supported for transforms" in result.stderr


DBT = Path(__file__).resolve().parents[1] / "fixtures" / "dbt"
TRANSFORMER = """plugins:
  transformers:
  - name: dbt
    namespace: dbt
    executable: dbt
    settings:
    - name: project_dir
      value: $MELTANO_PROJECT_ROOT/transform
"""
DBT_PROJECT = """name: my_meltano_project
version: '1.0'
config-version: 2
profile: meltano
models:
  my_meltano_project: null
"""


def test_add_transform_writes_the_dbt_project_as_4_4_1(
    invoke, hub: HubServer, project_dir: Path
) -> None:
    with (project_dir / "meltano.yml").open("a") as file:
        file.write(TRANSFORMER)
    (project_dir / "transform").mkdir(exist_ok=True)
    (project_dir / "transform" / "dbt_project.yml").write_text(DBT_PROJECT)
    for name in ("tap-gitlab", "tap-carbon-intensity"):
        result = invoke("add", "--plugin-type", "transform", name)
        assert result.exit_code == 0, result.output
    transform = project_dir / "transform"
    assert (transform / "packages.yml").read_bytes() == (DBT / "packages-4.4.1.yml").read_bytes()
    assert (transform / "dbt_project.yml").read_bytes() == (
        DBT / "dbt_project-4.4.1.yml"
    ).read_bytes()
    again = invoke("install", "--plugin-type", "transform")  # adds nothing twice
    assert again.exit_code == 0, again.output
    assert (transform / "packages.yml").read_bytes() == (DBT / "packages-4.4.1.yml").read_bytes()


def test_transform_without_a_transformer_says_what_to_add(
    invoke, hub: HubServer, project_dir: Path
) -> None:
    result = invoke("add", "--plugin-type", "transform", "tap-gitlab")
    assert result.exit_code == ExitCode.FAILED
    assert "Transform 'tap-gitlab' needs a transformer (dbt) in the project" in result.stderr
    assert "meltano add --plugin-type transformer" in result.stderr
    assert not (project_dir / "transform" / "packages.yml").exists()


def test_dbt_package_from_pip_url() -> None:
    from meltano.core.plugins.transforms import dbt_package

    assert dbt_package("https://host/org/repo.git@v1.2") == {
        "git": "https://host/org/repo.git",
        "revision": "v1.2",
    }
    assert dbt_package("https://host/org/repo.git") == {"git": "https://host/org/repo.git"}
    assert dbt_package("git@host:org/repo.git") == {"git": "git@host:org/repo.git"}
