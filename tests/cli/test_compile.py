"""`meltano compile`: manifest files per environment, secrets, indent, lint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

PROJECT = """\
default_environment: dev
project_id: 11111111-2222-3333-4444-555555555555
send_anonymous_usage_stats: false
env:
  ROOTVAR: root
annotations:
  a: 1
plugins:
  extractors:
  - name: tap-x
    namespace: tap_x
    executable: tap-x
    capabilities: [state, catalog]
    settings:
    - {name: user}
    - {name: password, kind: password}
    - {name: path}
    config:
      user: bob
      password: s3cret
      path: $MELTANO_PROJECT_ROOT/data
    env:
      PLUGVAR: p
  loaders:
  - name: target-y
    namespace: target_y
    pip_url: target-y
environments:
- name: dev
  env:
    ENVVAR: dev
  annotations:
    b: 2
  config:
    plugins:
      extractors:
      - name: tap-x
        config:
          user: dev-bob
        env:
          ENVPLUG: e
- name: prod
"""


@pytest.fixture
def project(write_meltano_yml, project_dir: Path) -> Path:
    write_meltano_yml(PROJECT)
    return project_dir


def manifest(project: Path, name: str = "meltano-manifest.json") -> dict:
    return json.loads((project / ".meltano" / "manifests" / name).read_text())


def test_writes_one_manifest_without_environment_and_one_per_environment(invoke, project):
    result = invoke("compile")
    assert result.exit_code == 0, result.output
    assert "environments: no environment, dev, prod" in result.stdout
    files = sorted(p.name for p in (project / ".meltano" / "manifests").iterdir())
    assert files == [
        "meltano-manifest.dev.json",
        "meltano-manifest.json",
        "meltano-manifest.prod.json",
    ]
    assert f"Compiled {project / '.meltano' / 'manifests' / 'meltano-manifest.json'}" in (
        result.stdout
    )


def test_manifest_content_follows_the_environment(invoke, project):
    invoke("compile")
    dev, plain = manifest(project, "meltano-manifest.dev.json"), manifest(project)
    assert "environments" not in dev and "include_paths" not in dev
    assert dev["annotations"] == {"a": 1, "b": 2} and plain["annotations"] == {"a": 1}
    assert dev["env"]["ENVVAR"] == "dev" and "ENVVAR" not in plain["env"]
    assert dev["env"]["ROOTVAR"] == "root"
    assert dev["env"]["MELTANO_PROJECT_ID"] == "11111111-2222-3333-4444-555555555555"
    assert dev["env"]["MELTANO_DATABASE_URI"] == (
        "sqlite:///${MELTANO_PROJECT_ROOT}/.meltano/meltano.db"
    )
    assert set(dev["plugins"]) == {
        "extractors",
        "loaders",
        "transforms",
        "orchestrators",
        "transformers",
        "files",
        "utilities",
        "mappers",
    }
    (tap,) = dev["plugins"]["extractors"]
    assert tap["config"]["user"] == "dev-bob"
    assert tap["env"]["TAP_X_USER"] == "dev-bob"
    assert tap["env"]["MELTANO_EXTRACT_USER"] == "dev-bob"
    assert tap["env"]["TAP_X_PATH"] == "${MELTANO_PROJECT_ROOT}/data"
    assert tap["env"]["ENVPLUG"] == "e" and tap["env"]["PLUGVAR"] == "p"
    assert tap["plugin_type"] == "extractors" and tap["label"] == "tap-x"
    assert tap["capabilities"] == ["state", "catalog"]
    assert [s["name"] for s in tap["settings"]] == ["user", "password", "path"]
    assert tap["settings"][1]["sensitive"] is True
    assert plain["plugins"]["extractors"][0]["config"]["user"] == "bob"


def test_secrets_are_redacted_unless_unsafe(invoke, project):
    invoke("compile")
    text = (project / ".meltano" / "manifests" / "meltano-manifest.dev.json").read_text()
    assert "s3cret" not in text
    tap = manifest(project)["plugins"]["extractors"][0]
    assert tap["env"]["TAP_X_PASSWORD"] == "(redacted)"
    assert tap["config"]["password"] == "(redacted)"
    invoke("compile", "--unsafe")
    tap = manifest(project)["plugins"]["extractors"][0]
    assert tap["env"]["TAP_X_PASSWORD"] == "s3cret" and tap["config"]["password"] == "s3cret"


def test_environment_selection(invoke, project):
    result = invoke("--environment", "prod", "compile")
    assert "environments: prod" in result.stdout
    assert [p.name for p in (project / ".meltano" / "manifests").iterdir()] == [
        "meltano-manifest.prod.json"
    ]
    result = invoke("--no-environment", "compile", "--directory", "out")
    assert "environments: no environment\n" in result.stdout
    assert [p.name for p in (project / "out").iterdir()] == ["meltano-manifest.json"]


def test_indent_sorted_keys_and_trailing_newline(invoke, project):
    invoke("--no-environment", "compile", "--indent", "2")
    path = project / ".meltano" / "manifests" / "meltano-manifest.json"
    text = path.read_text()
    assert text.startswith('{\n  "annotations": {\n    "a": 1\n') and text.endswith("}\n")
    keys = list(json.loads(text))
    assert keys == sorted(keys)
    invoke("--no-environment", "compile", "--indent", "0")
    assert path.read_text().startswith('{\n"annotations": {\n"a": 1\n')
    invoke("--no-environment", "compile", "--indent", "-1")
    assert path.read_text().count("\n") == 1


def test_lint_warns_about_schema_problems(invoke, project, write_meltano_yml):
    result = invoke("--no-environment", "compile", "--lint")
    assert result.exit_code == 0, result.output
    assert "does not match the schema" not in result.stderr


LOCK = {
    "plugin_type": "extractors",
    "name": "tap-gh",
    "namespace": "tap_github",
    "variant": "meltanolabs",
    "label": "GitHub",
    "pip_url": "meltanolabs-tap-github",
    "capabilities": ["catalog", "discover", "state"],
    "settings": [
        {"name": "auth_token", "kind": "password", "sensitive": True},
        {"name": "start_date", "kind": "date_iso8601"},
    ],
    "select": ["*.*"],
}


def test_locked_definition_is_merged_and_inheriting_plugins_keep_their_entry(
    invoke, write_meltano_yml, project_dir
):
    lock = project_dir / "plugins" / "extractors" / "tap-gh--meltanolabs.lock"
    lock.parent.mkdir(parents=True)
    lock.write_text(json.dumps(LOCK))
    write_meltano_yml(
        "project_id: p\nplugins:\n  extractors:\n"
        "  - name: tap-gh\n    variant: meltanolabs\n    pip_url: meltanolabs-tap-github\n"
        "    config: {auth_token: tok123, start_date: '2024-01-01'}\n"
        "  - name: tap-gh-2\n    inherit_from: tap-gh\n"
    )
    assert invoke("--no-environment", "compile").exit_code == 0
    tap, child = manifest(project_dir)["plugins"]["extractors"]
    assert tap["label"] == "GitHub" and tap["select"] == ["*.*"]
    assert tap["capabilities"] == ["catalog", "discover", "state"]
    assert tap["config"] == {"auth_token": "(redacted)", "start_date": "2024-01-01"}
    assert tap["env"]["TAP_GITHUB_START_DATE"] == "2024-01-01"
    assert tap["env"]["TAP_GH_AUTH_TOKEN"] == "(redacted)"
    assert sorted(child) == ["env", "inherit_from", "name"]
    assert child["env"]["TAP_GH_2_AUTH_TOKEN"] == "(redacted)"


def test_container_specs_are_in_the_manifest_as_written(invoke, write_meltano_yml, project_dir):
    spec = "{image: acme/tap-x:1, volumes: [$MELTANO_PROJECT_ROOT/data:/data]}"
    write_meltano_yml(
        PROJECT.replace(
            "    env:\n      PLUGVAR: p\n",
            "    env:\n      PLUGVAR: p\n"
            f"    container_spec: {spec}\n"
            "    commands:\n"
            "      boxed: {args: --x, container_spec: {image: acme/tool:2, command: tool -v}}\n",
        )
    )
    assert invoke("compile").exit_code == 0
    (tap,) = manifest(project_dir)["plugins"]["extractors"]
    assert tap["container_spec"] == {
        "image": "acme/tap-x:1",
        "volumes": ["$MELTANO_PROJECT_ROOT/data:/data"],
    }
    assert tap["commands"]["boxed"]["container_spec"] == {
        "image": "acme/tool:2",
        "command": "tool -v",
    }
    assert not any("CONTAINER_SPEC" in name for name in tap["env"])  # a key, not a custom extra


LOCKS = {
    "extractors/tap-hub--labs.lock": {
        "plugin_type": "extractors",
        "name": "tap-hub",
        "namespace": "tap_hub",
        "variant": "labs",
        "executable": "tap-hub",
        "select": ["*.*", "!secret_*.*"],
        "settings": [{"name": "token", "kind": "string", "label": "Token", "sensitive": True}],
    },
    "loaders/target-pg--labs.lock": {
        "plugin_type": "loaders",
        "name": "target-pg",
        "namespace": "target_pg",
        "variant": "labs",
        "dialect": "postgres",
        "settings": [{"name": "host"}],
    },
    "utilities/dbt-pg--labs.lock": {
        "plugin_type": "utilities",
        "name": "dbt-pg",
        "namespace": "dbt_pg",
        "variant": "labs",
        "ext_repo": "https://example.com/dbt-ext",
    },
}
REALISTIC = """\
default_environment: dev
project_id: 11111111-2222-3333-4444-555555555555
send_anonymous_usage_stats: false
plugins:
  extractors:
  - name: tap-hub
    variant: labs
    settings:
    - {name: extra_knob}
    - {name: token, label: Mine}
    - {name: opts, kind: object}
    select: [issues.*]
    config:
      opts: {a: 1, b: {c: 2}}
  loaders:
  - name: target-pg
    variant: labs
  - name: target-pg--dwh
    inherit_from: target-pg
  mappers:
  - name: mapper-m
    namespace: mapper_m
    mappings:
    - name: hide-email
      config:
        stream_maps: {users: {email: null}, issues: {__filter__: id > 1}}
  utilities:
  - name: dbt-pg
    variant: labs
schedules:
- name: daily
  interval: '@daily'
  job: everything
jobs:
- name: everything
  tasks: [tap-hub target-pg]
environments:
- name: dev
  config:
    plugins:
      extractors:
      - name: tap-hub
        select: [pulls.*]
"""


@pytest.fixture
def realistic(write_meltano_yml, project_dir: Path) -> Path:
    write_meltano_yml(REALISTIC)
    for path, lock in LOCKS.items():
        (project_dir / "plugins" / path).parent.mkdir(parents=True, exist_ok=True)
        (project_dir / "plugins" / path).write_text(json.dumps(lock))
    return project_dir


def plugin_entry(document: dict, plugin_type: str, name: str) -> dict:
    return next(p for p in document["plugins"][plugin_type] if p["name"] == name)


def test_manifest_matches_4_4_1_on_a_realistic_project(invoke, realistic) -> None:
    assert invoke("compile").exit_code == 0
    dev = manifest(realistic, "meltano-manifest.dev.json")
    tap = plugin_entry(dev, "extractors", "tap-hub")
    # the project's select patterns, then the lock file's, then the environment's
    assert tap["select"] == ["issues.*", "*.*", "!secret_*.*", "pulls.*"]
    # the project's settings first; one entry per name, the project's fields winning
    assert [s["name"] for s in tap["settings"]] == ["extra_knob", "token", "opts"]
    assert tap["settings"][1] == {
        "name": "token",
        "kind": "string",
        "label": "Mine",
        "sensitive": True,
    }
    # object settings are also there flattened, as variables
    assert tap["env"]["TAP_HUB_OPTS_A"] == "1"
    assert tap["env"]["TAP_HUB_OPTS_B_C"] == "2"
    child = plugin_entry(dev, "loaders", "target-pg--dwh")
    assert child["env"]["MELTANO_LOAD__DIALECT"] == "postgres"
    assert child["env"]["TARGET_PG__DWH__DIALECT"] == "postgres"
    mapper = plugin_entry(dev, "mappers", "mapper-m")["env"]
    assert mapper["MELTANO_MAP__MAPPING"] == "true"
    assert mapper["MAPPER_M__MAPPING_NAME"] == "hide-email"
    assert mapper["MELTANO_MAP_STREAM_MAPS_ISSUES___FILTER__"] == "id > 1"
    dbt = plugin_entry(dev, "utilities", "dbt-pg")["env"]
    assert dbt["MELTANO_UTILIZE__EXT_REPO"] == "https://example.com/dbt-ext"
    assert dbt["DBT_PG__EXT_REPO"] == "https://example.com/dbt-ext"
    assert dev["schedules"] == [
        {"name": "daily", "interval": "@daily", "job": "everything", "env": {}}
    ]
