"""`meltano config`: list, print, set, unset, reset, and precedence across stores."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from meltano.core.errors import ExitCode

SECRET = "hunter2-secret"
TAP_X = """
plugins:
  extractors:
  - name: tap-x
    namespace: tap_x
    executable: tap-x
    docs: https://example.com/tap-x
    settings:
    - {name: port, kind: integer, value: 5432, description: Port to connect to}
    - {name: password, kind: password}
    - {name: auth.token, sensitive: true}
    - {name: user, aliases: [username]}
    - {name: level, kind: options, options: [{label: Low, value: low}, {label: High, value: high}]}
    - {name: region, env_specific: true}
    - {name: path}
    config:
      port: 1234
"""


@pytest.fixture
def tap_project(project_dir: Path) -> Path:
    with (project_dir / "meltano.yml").open("a") as file:
        file.write(TAP_X)
    return project_dir


def yml(project: Path) -> str:
    return (project / "meltano.yml").read_text()


def db_rows(project: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(project / ".meltano" / "meltano.db") as connection:
        return list(connection.execute("SELECT name, namespace FROM plugin_settings"))


# --- list (CFG-01) -----------------------------------------------------------------------


def test_list_shows_env_names_source_default_and_hidden_count(invoke, tap_project) -> None:
    result = invoke("config", "list", "tap-x")
    assert result.exit_code == 0
    assert (
        "port [env: TAP_X_PORT] (default: 5432) current value: 1234 (from `meltano.yml`)"
        in result.stdout
    )
    assert "\tPort to connect to" in result.stdout
    assert result.stdout.startswith("Configured:\n")
    assert "Optional settings with default values: 6 hidden. Use --all to show all." in (
        result.stdout
    )
    assert "visit https://example.com/tap-x" in result.stdout


def test_list_all_filter_and_extras(invoke, tap_project) -> None:
    everything = invoke("config", "list", "tap-x", "--all").stdout
    assert "Optional:\n" in everything
    assert "user [env: TAP_X_USER, TAP_X_USERNAME] current value: None (default)" in everything
    filtered = invoke("config", "list", "tap-x", "--filter", "PASS").stdout
    assert "password" in filtered and "port" not in filtered
    assert (
        invoke("config", "list", "tap-x", "--filter", "zzz").stdout == "No settings match 'zzz'.\n"
    )
    extras = invoke("config", "list", "tap-x", "--extras", "--all").stdout
    assert "_select [env: TAP_X__SELECT] current value: ['*.*'] (default)" in extras
    assert "port" not in extras


def test_list_shows_custom_settings_and_unexpanded_text(invoke, tap_project) -> None:
    text = yml(tap_project).replace("port: 1234", "port: 1234\n      out: $MELTANO_PROJECT_ROOT/o")
    (tap_project / "meltano.yml").write_text(text)
    result = invoke("config", "list", "tap-x")
    assert "Custom, possibly unsupported by the plugin:\n" in result.stdout
    assert (
        f"out [env: TAP_X_OUT] current value: '{tap_project}/o' "
        "(from `meltano.yml`: '$MELTANO_PROJECT_ROOT/o')" in result.stdout
    )


def test_list_unknown_plugin(invoke, tap_project) -> None:
    result = invoke("config", "list", "tap-nope")
    assert result.exit_code == ExitCode.FAILED
    assert "'tap-nope' is not known" in result.stderr


# --- print (CFG-02, CFG-08, CFG-09) -------------------------------------------------------


def test_print_json_is_nested_and_masks_secrets(invoke, tap_project) -> None:
    (tap_project / ".env").write_text(f"TAP_X_AUTH_TOKEN={SECRET}\n")
    result = invoke("config", "print", "tap-x")
    assert json.loads(result.stdout) == {"port": 1234, "auth": {"token": "*****"}}
    unsafe = invoke("config", "print", "tap-x", "--unsafe")
    assert json.loads(unsafe.stdout)["auth"] == {"token": SECRET}
    group_unsafe = invoke("config", "--unsafe", "print", "tap-x")
    assert SECRET in group_unsafe.stdout


def test_print_env_format(invoke, tap_project) -> None:
    result = invoke("config", "print", "tap-x", "--format=env")
    assert result.stdout == "TAP_X_PORT='1234'\nMELTANO_EXTRACT_PORT='1234'\n\n"  # as 4.4.1


def test_print_env_format_of_nothing_is_empty(invoke, tap_project) -> None:
    extras = invoke("config", "print", "tap-x", "--format=env", "--extras")
    assert extras.stdout.endswith("'\n\n")
    with (tap_project / "meltano.yml").open("a") as file:
        file.write("  mappers:\n  - {name: mapper-bare, namespace: mapper_bare}\n")
    assert invoke("config", "print", "mapper-bare", "--format=env").stdout == ""


def test_print_extras(invoke, tap_project) -> None:
    extras = json.loads(invoke("config", "print", "tap-x", "--extras").stdout)
    assert extras["_select"] == ["*.*"]
    assert extras["_load_schema"] == "tap_x"
    assert extras["_catalog"] is None


def test_expansion_escapes_and_missing_variables(invoke, tap_project) -> None:
    text = yml(tap_project).replace(
        "port: 1234",
        "port: 1234\n      path: $MELTANO_PROJECT_ROOT/out\n"
        "      user: \\$LITERAL\n      level: ${NOT_SET_ANYWHERE}",
    )
    (tap_project / "meltano.yml").write_text(text)
    config = json.loads(invoke("config", "print", "tap-x").stdout)
    assert config["path"] == f"{tap_project}/out"
    assert config["user"] == "$LITERAL"
    assert "level" not in config  # expanded to nothing: unset


def test_strict_env_var_mode_fails_on_missing_variable(invoke, tap_project) -> None:
    text = yml(tap_project).replace("port: 1234", "port: 1234\n      path: $NOT_SET_ANYWHERE")
    (tap_project / "meltano.yml").write_text(text + "ff:\n  strict_env_var_mode: true\n")
    result = invoke("config", "print", "tap-x")
    assert result.exit_code == ExitCode.FAILED
    assert "Environment variable 'NOT_SET_ANYWHERE' referenced but not set" in result.stderr


# --- set (CFG-03, CFG-04, CFG-11) ---------------------------------------------------------


def test_set_secret_goes_to_dotenv_redacted(invoke, tap_project) -> None:
    (tap_project / ".env").write_text("UNRELATED=keep\n")
    result = invoke("config", "set", "tap-x", "password", SECRET)
    assert result.exit_code == 0
    assert result.stdout == "Extractor 'tap-x' setting 'password' was set in `.env`: (redacted)\n"
    assert SECRET not in result.output
    assert (tap_project / ".env").read_text() == f"UNRELATED=keep\nTAP_X_PASSWORD='{SECRET}'\n"
    assert SECRET not in yml(tap_project)


def test_set_env_specific_goes_to_dotenv_and_plain_to_meltano_yml(invoke, tap_project) -> None:
    invoke("config", "set", "tap-x", "region", "eu")
    assert "TAP_X_REGION='eu'" in (tap_project / ".env").read_text()
    result = invoke("config", "set", "tap-x", "port", "99")
    assert result.stdout == "Extractor 'tap-x' setting 'port' was set in `meltano.yml`: 99\n"
    assert "port: 99" in yml(tap_project)


def test_set_dotted_and_multi_part_names_write_nested_yaml(invoke, tap_project) -> None:
    invoke("config", "set", "tap-x", "auth.token", "t1", "--store=meltano_yml")
    assert "auth:\n        token: t1" in yml(tap_project)
    invoke("config", "set", "tap-x", "nested", "deep", "v", "--store=meltano_yml")
    assert "nested:\n        deep: v" in yml(tap_project)
    assert json.loads(invoke("config", "print", "tap-x").stdout)["nested"] == {"deep": "v"}


def test_set_in_explicit_environment(invoke, tap_project) -> None:
    result = invoke("--environment", "prod", "config", "set", "tap-x", "user", "carol")
    assert result.stdout == (
        "Extractor 'tap-x' setting 'user' was set in the active environment in `meltano.yml`: "
        "'carol'\n"
    )
    text = yml(tap_project)
    assert "- name: prod\n  config:\n    plugins:\n      extractors:\n      - name: tap-x\n" in text
    prod = json.loads(invoke("--environment", "prod", "config", "print", "tap-x").stdout)
    assert prod["user"] == "carol"
    assert "user" not in json.loads(invoke("config", "print", "tap-x").stdout)


def test_default_environment_is_ignored_by_config(invoke, tap_project) -> None:
    result = invoke("config", "set", "tap-x", "user", "bob")
    assert "user: bob" in yml(tap_project).split("environments:")[0] + yml(tap_project)
    assert "- name: dev\n" in yml(tap_project)
    assert "config:\n    plugins" not in yml(tap_project)
    assert "default environment" in result.stderr


def test_set_store_db_and_list_shows_it(invoke, tap_project) -> None:
    result = invoke("config", "set", "tap-x", "newkey", "v", "--store=db")
    assert (
        result.stdout == "Extractor 'tap-x' setting 'newkey' was set in the system database: 'v'\n"
    )
    assert ("newkey", "extractors.tap-x.default") in db_rows(tap_project)
    listed = invoke("config", "list", "tap-x").stdout
    assert "newkey [env: TAP_X_NEWKEY] current value: 'v' (from the system database)" in listed


def test_set_from_file_strips(invoke, tap_project, tmp_path) -> None:
    source = tmp_path / "token.txt"
    source.write_text("  from-file \n")
    result = invoke("config", "set", "tap-x", "path", "--from-file", str(source))
    assert result.exit_code == 0
    assert "path: from-file" in yml(tap_project)


def test_unknown_setting_is_stored_as_text(invoke, tap_project) -> None:
    invoke("config", "set", "tap-x", "custom_thing", '{"a": [1,2]}')
    assert "custom_thing: '{\"a\": [1,2]}'" in yml(tap_project)
    listed = invoke("config", "list", "tap-x").stdout
    assert "custom_thing [env: TAP_X_CUSTOM_THING] current value: '{\"a\": [1,2]}'" in listed


def test_undeclared_keys_keep_the_kind_of_the_value_they_replace(invoke, project_dir) -> None:
    """As 4.4.1: `n: 5` set to 7 stays an integer, `true` set to false a boolean, a new key is
    text; a literal dot in a name part is a plain dot in the YAML key (file paths)."""
    with (project_dir / "meltano.yml").open("a") as file:
        file.write(
            "plugins:\n  extractors:\n  - name: tap-x\n    namespace: tap_x\n"
            "    executable: echo\n    config:\n      n: 5\n      b: true\n"
            "  files:\n  - name: fb\n    namespace: fb\n    pip_url: fb\n"
            "    update:\n      '*.py': true\n"
        )
    for args in (
        ("tap-x", "n", "7"),
        ("tap-x", "b", "false"),
        ("tap-x", "i", "j.k", "2"),
        ("fb", "_update", "*.py", "false"),
        ("fb", "_update", "a/b.py", "false"),
    ):
        assert invoke("config", "set", *args).exit_code == 0
    assert yml(project_dir).endswith(
        "    config:\n      n: 7\n      b: false\n      i:\n        j.k: '2'\n"
        "  files:\n  - name: fb\n    namespace: fb\n    pip_url: fb\n"
        "    update:\n      '*.py': false\n      a/b.py: 'false'\n"
    )
    refused = invoke("config", "set", "tap-x", "n", "abc")
    assert refused.exit_code == ExitCode.FAILED
    assert "Setting 'n' expects an integer" in refused.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("port", "abc", "Setting 'port' expects an integer (kind: integer), got 'abc'"),
        ("level", "medium", "'medium' is not a valid choice for 'level'"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(invoke, tap_project, name, value, message):
    before = yml(tap_project)
    result = invoke("config", "set", "tap-x", name, value)
    assert result.exit_code == ExitCode.FAILED
    assert message in result.stderr
    assert yml(tap_project) == before
    assert not (tap_project / ".env").exists()


def test_set_redaction_marker_writes_nothing(invoke, tap_project) -> None:
    (tap_project / ".env").write_text(f"TAP_X_PASSWORD={SECRET}\n")
    invoke("config", "set", "tap-x", "password", "(redacted)")
    assert (tap_project / ".env").read_text() == f"TAP_X_PASSWORD={SECRET}\n"


def test_set_reports_a_value_that_still_wins(invoke, tap_project) -> None:
    result = invoke("config", "set", "tap-x", "port", "1", env={"TAP_X_PORT": "2"})
    assert "Current value is still: 2 (from the TAP_X_PORT variable in the environment)" in (
        result.stdout
    )


def test_set_without_value_is_a_usage_error(invoke, tap_project) -> None:
    assert invoke("config", "set", "tap-x", "port").exit_code == ExitCode.USAGE


# --- unset and reset (CFG-05) -------------------------------------------------------------


def test_unset_names_the_store_and_shows_the_default(invoke, tap_project) -> None:
    result = invoke("config", "unset", "tap-x", "port")
    assert result.stdout == (
        "Extractor 'tap-x' setting 'port' in `meltano.yml` was unset\n"
        "Current value is now: 5432 (default)\n"
    )
    assert "port: 1234" not in yml(tap_project)
    assert "config:" not in yml(tap_project).split("plugins:")[1]


def test_reset_keeps_unrelated_dotenv_lines(invoke, tap_project) -> None:
    (tap_project / ".env").write_text("UNRELATED=1\nTAP_X_PASSWORD='p'\nTAP_Y_PASSWORD='q'\n")
    invoke("config", "set", "tap-x", "k", "v", "--store=db")
    cancelled = invoke("config", "reset", "tap-x", input="n\n")
    assert cancelled.exit_code == ExitCode.FAILED
    result = invoke("config", "reset", "tap-x", "--yes")
    assert result.exit_code == 0
    assert result.stdout == (
        "Extractor 'tap-x' settings in `.env`, `meltano.yml`, and the system database were reset\n"
    )
    assert (tap_project / ".env").read_text() == "UNRELATED=1\nTAP_Y_PASSWORD='q'\n"
    assert "port: 1234" not in yml(tap_project)
    assert db_rows(tap_project) == []


# --- precedence and env names (CFG-06, CFG-07) --------------------------------------------


def test_same_setting_in_every_store_then_peeled_off(invoke, tap_project) -> None:
    invoke("config", "set", "tap-x", "port", "6", "--store=db")
    invoke("--environment", "prod", "config", "set", "tap-x", "port", "4")
    (tap_project / ".env").write_text("TAP_X_PORT=3\n")
    steps = [
        ("2", "from the TAP_X_PORT variable in the environment"),
        ("3", "from the TAP_X_PORT variable in `.env`"),
        ("4", "from the active environment in `meltano.yml`"),
        ("1234", "from `meltano.yml`"),
        ("6", "from the system database"),
        ("5432", "default"),
    ]

    def current() -> str:
        listing = invoke(
            "--environment",
            "prod",
            "config",
            "list",
            "tap-x",
            "--filter",
            "port",
            env=env,
        ).stdout
        return listing.split("current value: ")[1].splitlines()[0]

    env: dict[str, str] = {"TAP_X_PORT": "2"}
    assert current() == f"{steps[0][0]} ({steps[0][1]})"
    env = {}
    assert current() == f"{steps[1][0]} ({steps[1][1]})"
    (tap_project / ".env").write_text("")
    assert current() == f"{steps[2][0]} ({steps[2][1]})"
    invoke("--environment", "prod", "config", "unset", "tap-x", "port", "--store=meltano_yml")
    assert current() == f"{steps[3][0]} ({steps[3][1]})"
    invoke("config", "unset", "tap-x", "port", "--store=meltano_yml")
    assert current() == f"{steps[4][0]} ({steps[4][1]})"
    invoke("config", "unset", "tap-x", "port", "--store=db")
    assert current() == f"{steps[5][0]} ({steps[5][1]})"


def test_inherited_values_come_after_the_system_database(invoke, tap_project) -> None:
    with (tap_project / "meltano.yml").open("a") as file:
        file.write("  - name: tap-x--copy\n    inherit_from: tap-x\n")
    listing = invoke("config", "list", "tap-x--copy", "--filter", "port").stdout
    assert "current value: 1234 (inherited from 'tap-x')" in listing
    assert "TAP_X__COPY_PORT" in listing


def test_namespace_and_alias_env_vars(invoke, tap_project) -> None:
    text = yml(tap_project).replace("namespace: tap_x", "namespace: custom_ns")
    (tap_project / "meltano.yml").write_text(text)
    by_namespace = invoke("config", "print", "tap-x", env={"CUSTOM_NS_PORT": "99"})
    assert json.loads(by_namespace.stdout)["port"] == 99
    by_alias = invoke("config", "print", "tap-x", env={"TAP_X_USERNAME": "al"})
    assert json.loads(by_alias.stdout)["user"] == "al"


def test_conflicting_alias_values_are_an_error(invoke, tap_project) -> None:
    result = invoke("config", "print", "tap-x", env={"TAP_X_USER": "a", "TAP_X_USERNAME": "b"})
    assert result.exit_code == ExitCode.FAILED
    assert "Conflicting values for setting found in" in result.stderr


# --- Meltano's own settings (CFG-15) ------------------------------------------------------


def test_meltano_settings_set_list_print(invoke, project_dir) -> None:
    result = invoke("config", "set", "meltano", "elt.buffer_size", "2000000")
    assert result.stdout == "Meltano setting 'elt.buffer_size' was set in `meltano.yml`: 2000000\n"
    assert "elt:\n  buffer_size: 2000000\n" in yml(project_dir)
    printed = json.loads(invoke("config", "print", "meltano").stdout)
    assert printed["elt"] == {"buffer_size": 2000000}
    assert printed["hub_api_root"] is None
    overridden = invoke("config", "print", "meltano", env={"MELTANO_ELT_BUFFER_SIZE": "5"})
    assert json.loads(overridden.stdout)["elt"]["buffer_size"] == 5
    listed = invoke("config", "list", "meltano").stdout
    assert "elt.buffer_size [env: MELTANO_ELT_BUFFER_SIZE]" in listed
    assert "visit https://docs.meltano.com/reference/settings" in listed


def test_meltano_env_specific_setting_goes_to_dotenv(invoke, project_dir) -> None:
    invoke("config", "set", "meltano", "state_backend.uri", "file:///tmp/x")
    assert (project_dir / ".env").read_text() == "MELTANO_STATE_BACKEND_URI='file:///tmp/x'\n"


def test_meltano_settings_refuse_the_database(invoke, project_dir) -> None:
    result = invoke("config", "set", "meltano", "hub_url", "http://h", "--store=db")
    assert result.exit_code == ExitCode.FAILED
    assert "cannot be stored in the system database" in result.stderr


def test_unknown_meltano_setting(invoke, project_dir) -> None:
    result = invoke("config", "set", "meltano", "nope", "1")
    assert result.exit_code == ExitCode.FAILED
    assert "Unknown Meltano setting 'nope'" in result.stderr


# --- read-only projects (PRJ-08) ----------------------------------------------------------


def test_read_only_project_sets_into_the_database(invoke, tap_project) -> None:
    before = yml(tap_project)
    env = {"MELTANO_PROJECT_READONLY": "true"}
    result = invoke("config", "set", "tap-x", "port", "7", env=env)
    assert result.stdout == (
        "Extractor 'tap-x' setting 'port' was set in the system database: 7\n"
        "Current value is still: 1234 (from `meltano.yml`)\n"
    )
    assert yml(tap_project) == before
    refused = invoke("config", "set", "tap-x", "port", "8", "--store=meltano_yml", env=env)
    assert refused.exit_code == ExitCode.FAILED
    assert "read-only" in refused.stderr
    assert yml(tap_project) == before


# --- redaction everywhere (CFG-12) --------------------------------------------------------


def test_no_secret_in_any_safe_output(invoke, tap_project) -> None:
    (tap_project / ".env").write_text(f"TAP_X_PASSWORD={SECRET}\n")
    outputs = [
        invoke("config", "list", "tap-x", "--all"),
        invoke("config", "print", "tap-x"),
        invoke("config", "print", "tap-x", "--format=env"),
        invoke("config", "set", "tap-x", "auth.token", SECRET),
        invoke("config", "unset", "tap-x", "auth.token"),
        invoke("--log-level=debug", "config", "print", "tap-x"),
    ]
    for result in outputs:
        assert result.exit_code == 0, result.output
        assert SECRET not in result.output


def test_unparsable_dotenv_line_warns_with_line_number_only(invoke, tap_project) -> None:
    (tap_project / ".env").write_text(f"GOOD=1\nnot a statement {SECRET}\nTAP_X_PORT=5\n")
    result = invoke("config", "print", "tap-x")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["port"] == 5
    assert "line 2" in result.stderr
    assert SECRET not in result.output


def test_object_setting_assembled_from_dotted_children(invoke, tap_project) -> None:
    text = yml(tap_project).replace(
        "- {name: path}", "- {name: path}\n    - {name: opts, kind: object, value: {}}"
    )
    text = text.replace("port: 1234", "port: 1234\n      opts.a: 1")
    (tap_project / "meltano.yml").write_text(text)
    invoke("config", "set", "tap-x", "opts.b", "2", "--store=db")
    assert json.loads(invoke("config", "print", "tap-x").stdout)["opts"] == {"a": 1, "b": "2"}


def test_expanded_default_shows_its_raw_text_once(invoke, project_dir) -> None:
    listed = invoke("config", "list", "meltano", "--filter", "database_uri").stdout
    assert listed.splitlines()[1] == (
        f"database_uri [env: MELTANO_DATABASE_URI] current value: "
        f"'sqlite:///{project_dir}/.meltano/meltano.db' "
        "(default: 'sqlite:///$MELTANO_SYS_DIR_ROOT/meltano.db')"
    )


def test_interactive_set_by_number(invoke, tap_project) -> None:
    result = invoke("config", "set", "tap-x", "--interactive", input="3\n77\n77\ne\n")
    assert result.exit_code == 0, result.output
    assert "1. port (current value: 1234)" in result.stdout
    assert "Extractor 'tap-x' setting 'auth.token' was set in `.env`: (redacted)" in result.stdout
    assert "TAP_X_AUTH_TOKEN='77'" in (tap_project / ".env").read_text()


def test_interactive_secret_is_hidden_and_confirmed(invoke, tap_project) -> None:
    result = invoke("config", "set", "tap-x", input=f"2\n{SECRET}\n{SECRET}\ne\n")
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    assert f"TAP_X_PASSWORD='{SECRET}'" in (tap_project / ".env").read_text()


def test_unknown_setting_kind_is_a_clear_error(invoke, tap_project) -> None:
    (tap_project / "meltano.yml").write_text(
        yml(tap_project).replace("kind: integer", "kind: float")
    )
    result = invoke("config", "list", "tap-x")
    assert result.exit_code == ExitCode.FAILED
    assert "Setting 'port' of extractor 'tap-x' has unknown kind 'float'" in result.stderr


def test_plugin_type_option(invoke, tap_project) -> None:
    assert invoke("config", "print", "tap-x", "--plugin-type", "extractor").exit_code == 0
    wrong = invoke("config", "print", "tap-x", "--plugin-type", "loaders")
    assert wrong.exit_code == ExitCode.FAILED
    assert "Loader 'tap-x' is not known" in wrong.stderr


def test_plugin_without_lock_file_gets_its_definition_from_the_hub(
    invoke, project_dir, monkeypatch
) -> None:
    from tests.fixtures.hub.server import serve_hub

    with (project_dir / "meltano.yml").open("a") as file:
        file.write("plugins:\n  extractors:\n  - name: tap-github\n    variant: meltanolabs\n")
    with serve_hub() as hub:
        monkeypatch.setenv("MELTANO_HUB_API_ROOT", hub.api_root)
        result = invoke("config", "list", "tap-github", "--filter", "auth_token")
    assert result.exit_code == 0, result.output
    assert "auth_token [env: TAP_GITHUB_AUTH_TOKEN] current value: None (default)" in (
        result.stdout
    )
    assert (project_dir / "plugins" / "extractors" / "tap-github--meltanolabs.lock").is_file()
    offline = invoke("config", "list", "tap-github", "--filter", "auth_token")
    assert "auth_token [env: TAP_GITHUB_AUTH_TOKEN]" in offline.stdout


def test_list_extras_all_matches_441_layout(invoke, tap_project) -> None:
    text = yml(tap_project).replace("namespace: tap_x", "namespace: custom_ns")
    (tap_project / "meltano.yml").write_text(text)
    lines = invoke("config", "list", "tap-x", "--extras", "--all").stdout.splitlines()
    assert (
        lines[0]
        == "_catalog [env: TAP_X__CATALOG, CUSTOM_NS__CATALOG] current value: None (default)"
    )
    assert (
        "_load_schema [env: TAP_X__LOAD_SCHEMA, CUSTOM_NS__LOAD_SCHEMA] current value: "
        "'custom_ns' (default: '$MELTANO_EXTRACTOR_NAMESPACE')" in lines
    )
    assert (
        "_metadata [env: TAP_X__METADATA, CUSTOM_NS__METADATA, TAP_X_METADATA, CUSTOM_NS_METADATA]"
        " current value: {} (default)" in lines
    )
    env = invoke("config", "print", "tap-x", "--format=env").stdout.splitlines()
    assert env[:3] == ["TAP_X_PORT='1234'", "CUSTOM_NS_PORT='1234'", "MELTANO_EXTRACT_PORT='1234'"]


def test_system_db_rows_are_4_4_1_compatible(invoke, tap_project) -> None:
    import pickle

    invoke("config", "set", "tap-x", "port", "7", "--store=db")
    database = tap_project / ".meltano" / "meltano.db"
    with sqlite3.connect(database) as connection:
        (value,) = connection.execute("SELECT value FROM plugin_settings").fetchone()
        assert value[:2] == b"\x80\x04"  # protocol 4: readable by 4.4.1's Python
        row = ("user", "extractors.tap-x.default", pickle.dumps("from-441", protocol=5), 1)
        connection.execute(
            "INSERT INTO plugin_settings (name, namespace, value, enabled) VALUES (?, ?, ?, ?)", row
        )
        disabled = ("path", "extractors.tap-x.default", pickle.dumps("off"), 0)
        connection.execute(
            "INSERT INTO plugin_settings (name, namespace, value, enabled) VALUES (?, ?, ?, ?)",
            disabled,
        )
    (tap_project / "meltano.yml").write_text(yml(tap_project).replace("      port: 1234\n", ""))
    printed = json.loads(invoke("config", "print", "tap-x").stdout)
    assert printed == {"port": 7, "user": "from-441"}


def test_system_db_refuses_pickles_that_import_code(invoke, tap_project) -> None:
    import os
    import pickle

    database = tap_project / ".meltano" / "meltano.db"
    invoke("config", "set", "tap-x", "port", "7", "--store=db")
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE plugin_settings SET value = ?", (pickle.dumps(os.getcwd),))
    result = invoke("config", "print", "tap-x")
    assert result.exit_code == ExitCode.FAILED
    assert "unreadable value for setting 'port'" in result.stderr


def test_set_extras_beside_config(invoke, tap_project) -> None:
    result = invoke("config", "set", "tap-x", "_select", '["users.*"]')
    assert (
        result.stdout
        == "Extractor 'tap-x' setting '_select' was set in `meltano.yml`: ['users.*']\n"
    )
    invoke("config", "set", "tap-x", "_metadata", "users", "replication-key", "updated_at")
    text = yml(tap_project)
    assert "    select:\n    - users.*\n" in text
    assert "    metadata:\n      users:\n        replication-key: updated_at\n" in text
    extras = json.loads(invoke("config", "print", "tap-x", "--extras").stdout)
    assert extras["_select"] == ["users.*"]
    assert extras["_metadata"] == {"users": {"replication-key": "updated_at"}}
    env = invoke("config", "print", "tap-x", "--extras", "--format=env").stdout
    assert "TAP_X__METADATA_USERS_REPLICATION_KEY='updated_at'" in env
    invoke("config", "unset", "tap-x", "_select")
    assert "select:" not in yml(tap_project)


def test_setting_groups_are_listed(invoke, tap_project) -> None:
    text = yml(tap_project).replace(
        "    docs: https",
        "    settings_group_validation: [[user, password], [auth.token]]\n    docs: https",
    )
    (tap_project / "meltano.yml").write_text(text)
    lines = invoke("config", "list", "tap-x").stdout.splitlines()
    assert lines[:4] == [
        "Setting groups (one of the following combinations is required):",
        "  Group 1: user, password",
        "  Group 2: auth.token",
        "",
    ]
    assert lines[4] == "Required:"
    assert lines[5].startswith("auth.token (required by group 2) [env: TAP_X_AUTH_TOKEN]")
    one_group = text.replace("[[user, password], [auth.token]]", "[[user, password]]")
    (tap_project / "meltano.yml").write_text(one_group)
    lines = invoke("config", "list", "tap-x").stdout.splitlines()
    assert lines[:3] == ["Required settings: user, password", "", "Required:"]
    assert lines[3].startswith("password [env: TAP_X_PASSWORD]")


def test_read_only_project_refuses_meltano_setting_changes(invoke, project_dir) -> None:
    env = {"MELTANO_PROJECT_READONLY": "true"}
    for args in (("set", "meltano", "hub_url", "x"), ("unset", "meltano", "hub_url")):
        result = invoke("config", *args, env=env)
        assert result.exit_code == ExitCode.FAILED
        assert "deployed as read-only" in result.stderr


def test_env_file_option_is_read_and_written(invoke, tap_project) -> None:
    (tap_project / "other.env").write_text("TAP_X_USER=from-other\n")
    printed = invoke("--env-file", "other.env", "config", "print", "tap-x")
    assert json.loads(printed.stdout)["user"] == "from-other"
    invoke("--env-file", "other.env", "config", "set", "tap-x", "password", SECRET)
    assert f"TAP_X_PASSWORD='{SECRET}'" in (tap_project / "other.env").read_text()
    assert not (tap_project / ".env").exists()


def test_plugin_inheriting_from_a_locked_definition_writes_parent_prefixes(
    invoke, project_dir
) -> None:
    lock = project_dir / "plugins" / "extractors" / "tap-foo--v.lock"
    lock.parent.mkdir(parents=True)
    lock.write_text(
        json.dumps(
            {
                "plugin_type": "extractors",
                "name": "tap-foo",
                "namespace": "tap_foo_ns",
                "variant": "v",
                "settings": [{"name": "port", "kind": "integer", "value": 1}],
            }
        )
    )
    with (project_dir / "meltano.yml").open("a") as file:
        file.write(
            "plugins:\n  extractors:\n  - name: tap-foo--b\n    inherit_from: tap-foo\n"
            "    variant: v\n    config:\n      port: 3\n"
        )
    env = invoke("config", "print", "tap-foo--b", "--format=env").stdout
    assert env == (
        "TAP_FOO__B_PORT='3'\nTAP_FOO_PORT='3'\nTAP_FOO_NS_PORT='3'\nMELTANO_EXTRACT_PORT='3'\n\n"
    )
    listed = invoke("config", "list", "tap-foo--b").stdout
    assert (
        "port [env: TAP_FOO__B_PORT] (default: 1) current value: 3 (from `meltano.yml`)" in listed
    )


def test_explicit_dotenv_store_and_reset_of_one_store(invoke, tap_project) -> None:
    (tap_project / ".env").write_text("KEEP=1\n")
    result = invoke("config", "set", "tap-x", "port", "5", "--store=dotenv")
    assert result.stdout == "Extractor 'tap-x' setting 'port' was set in `.env`: 5\n"
    assert (tap_project / ".env").read_text() == "KEEP=1\nTAP_X_PORT='5'\n"
    reset = invoke("config", "reset", "tap-x", "--store=dotenv", "--yes")
    assert reset.stdout == "Extractor 'tap-x' settings in `.env` were reset\n"
    assert (tap_project / ".env").read_text() == "KEEP=1\n"
    assert "port: 1234" in yml(tap_project)  # other stores untouched


def test_unquoted_yaml_dates_are_iso_text(invoke, project_dir) -> None:
    import json as _json

    path = project_dir / "meltano.yml"
    path.write_text(
        path.read_text()
        + (
            "plugins:\n  extractors:\n  - name: tap-dated\n    namespace: tap_dated\n"
            "    config:\n      start_date: 2024-01-01\n      nested: {when: 2024-02-03}\n"
        )
    )
    printed = invoke("config", "print", "tap-dated")
    assert printed.exit_code == 0, printed.output
    assert _json.loads(printed.stdout) == {
        "start_date": "2024-01-01",
        "nested": {"when": "2024-02-03"},
    }
    env = invoke("config", "print", "tap-dated", "--format", "env").stdout
    assert "TAP_DATED_START_DATE='2024-01-01'" in env
    assert "current value: '2024-01-01'" in invoke("config", "list", "tap-dated").stdout


# --- nulls, object leaves, unset secrets (issue: drop-in on real projects) ---------------

NESTED = """
    - {name: an_object, kind: object}
    config:
      port: 1234
      an_object: {foo: bar, nested: {deep: 1, gone: null}}
      stream_maps:
        users:
          email: null
        issues:
          __filter__: id > 1
"""


@pytest.fixture
def nested_project(tap_project: Path) -> Path:
    text = yml(tap_project).replace("    config:\n      port: 1234\n", NESTED)
    (tap_project / "meltano.yml").write_text(text)
    return tap_project


def test_print_keeps_nulls_inside_nested_values(invoke, nested_project) -> None:
    printed = json.loads(invoke("config", "print", "tap-x").stdout)
    assert printed["stream_maps"] == {"users": {"email": None}, "issues": {"__filter__": "id > 1"}}
    assert printed["an_object"] == {"foo": "bar", "nested": {"deep": 1, "gone": None}}
    assert "path" not in printed  # a setting with no value at all is not sent, as in 4.4.1


def test_list_and_env_address_object_leaves_flattened(invoke, nested_project) -> None:
    listed = invoke("config", "list", "tap-x").stdout
    custom = listed.split("Custom, possibly unsupported by the plugin:")[1]
    assert "an_object.foo [env: TAP_X_AN_OBJECT_FOO] current value: 'bar'" in custom
    assert "an_object.nested.deep [env: TAP_X_AN_OBJECT_NESTED_DEEP] current value: 1" in custom
    assert "stream_maps.issues.__filter__ [env: TAP_X_STREAM_MAPS_ISSUES___FILTER__]" in custom
    env = invoke("config", "print", "tap-x", "--format=env").stdout.splitlines()
    assert "TAP_X_AN_OBJECT_FOO='bar'" in env
    assert "TAP_X_STREAM_MAPS_ISSUES___FILTER__='id > 1'" in env
    assert not any(line.startswith("TAP_X_STREAM_MAPS_USERS_EMAIL") for line in env)


def test_object_leaf_from_a_higher_store_goes_into_the_object(invoke, nested_project) -> None:
    def printed_object(env: dict[str, str]) -> object:
        return json.loads(invoke("config", "print", "tap-x", env=env).stdout)["an_object"]

    # the whole object from the environment beats the yml leaf `foo`; the leaves fill the gaps
    whole = printed_object({"TAP_X_AN_OBJECT": '{"foo": "whole", "z": 1}'})
    assert whole == {"foo": "whole", "z": 1, "nested": {"deep": 1, "gone": None}}
    # a leaf's own variable beats the object from meltano.yml
    assert printed_object({"TAP_X_AN_OBJECT_FOO": "from-env"})["foo"] == "from-env"


def test_print_json_shows_unset_and_empty_secrets_as_they_are(invoke, tap_project) -> None:
    text = yml(tap_project).replace(
        "- {name: path}", "- {name: path}\n    - {name: key, kind: password, value: ''}"
    )
    (tap_project / "meltano.yml").write_text(text)
    printed = json.loads(invoke("config", "print", "tap-x", "--format=json").stdout)
    assert printed["key"] == ""  # 4.4.1 prints "" too; only a set secret is masked
    assert "password" not in printed
    assert "TAP_X_KEY=''" in invoke("config", "print", "tap-x", "--format=env").stdout
    (tap_project / ".env").write_text(f"TAP_X_KEY={SECRET}\n")
    assert json.loads(invoke("config", "print", "tap-x").stdout)["key"] == "*****"


def test_a_misspelt_setting_suggests_the_declared_one_then_is_stored(invoke, tap_project) -> None:
    result = invoke("config", "set", "tap-x", "pasth", "/data")
    assert result.exit_code == 0
    assert "unknown setting" in result.stderr
    assert "did_you_mean='path'" in result.stderr
    assert "pasth: /data" in yml(tap_project)  # still stored, as a custom setting
    unrelated = invoke("config", "set", "tap-x", "completely_new", "x")
    assert "unknown setting" in unrelated.stderr
    assert "did_you_mean" not in unrelated.stderr
