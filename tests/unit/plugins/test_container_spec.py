"""`container_spec`: parsing, which spec a plugin or command runs in, lock files, inheritance."""

from __future__ import annotations

from pathlib import Path

import pytest

from meltano.core.errors import ProjectFileError
from meltano.core.plugins.container_spec import ContainerSpec, ContainerSpecError, container_spec_of
from meltano.core.plugins.definition import PluginDefinition
from meltano.core.plugins.project_plugin import from_entry
from meltano.core.plugins.types import PluginType
from meltano.core.project.document import parse
from meltano.core.project.validate import validate_document

OWNER = "extractor 'tap-x'"


def test_a_string_command_is_split_like_a_shell_and_a_list_is_kept() -> None:
    spec = ContainerSpec.parse(
        {"image": "acme/tap:1", "command": "sh -c 'echo $X; exit 3'"}, owner=OWNER
    )
    assert spec.command == ("sh", "-c", "echo $X; exit 3")  # never `$VAR`-expanded by us
    listed = ContainerSpec.parse({"image": "i", "command": ["echo", "a b"]}, owner=OWNER)
    assert listed.command == ("echo", "a b")


def test_unset_and_empty_command_and_entrypoint_leave_the_images_own() -> None:
    spec = ContainerSpec.parse({"image": "i", "entrypoint": "", "command": None}, owner=OWNER)
    assert spec.command is None and spec.entrypoint is None


def test_ports_become_text_pairs_and_env_values_text() -> None:
    spec = ContainerSpec.parse(
        {"image": "i", "ports": {5432: "5432/tcp", "8080": 80}, "env": {"N": 1, "E": None}},
        owner=OWNER,
    )
    assert spec.ports == (("5432", "5432/tcp"), ("8080", "80"))
    assert spec.env == {"N": "1", "E": ""}


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({}, "has no `image`"),
        ({"image": "  "}, "has no `image`"),
        ("acme/tap:1", "must be a mapping, not str"),
        ({"image": "i", "volumes": "/a:/b"}, "`volumes` that are not a list of texts"),
        ({"image": "i", "ports": ["80:80"]}, "`ports` that are not a `host: container` map"),
        ({"image": "i", "env": ["A=1"]}, "an `env` that is not a mapping"),
        ({"image": "i", "command": "sh -c 'open"}, "a `command` that cannot be split"),
        ({"image": "i", "entrypoint": 5}, "`entrypoint` that is neither a text nor a list"),
    ],
)
def test_a_spec_that_cannot_run_says_whose_and_what(data: object, problem: str) -> None:
    with pytest.raises(ContainerSpecError) as caught:
        ContainerSpec.parse(data, owner=OWNER)
    assert caught.value.reason.startswith(f"The container_spec of {OWNER} ")
    assert problem in caught.value.reason
    assert "image, command, entrypoint, ports, volumes, env" in str(caught.value.instruction)


ENTRY = {
    "name": "tap-x",
    "namespace": "tap_x",
    "container_spec": {"image": "acme/tap-x:1"},
    "commands": {
        "boxed": {"args": "--a", "container_spec": {"image": "acme/tool:2", "command": "tool"}},
        "plain": "--discover",
    },
}


def test_a_commands_own_spec_wins_and_other_commands_use_the_plugins() -> None:
    plugin = from_entry(PluginType.EXTRACTORS, ENTRY)
    boxed = container_spec_of(plugin, "boxed")
    assert boxed is not None and boxed.image == "acme/tool:2" and boxed.is_command_spec
    assert boxed.owner == "extractor 'tap-x' command 'boxed'"
    plain = container_spec_of(plugin, "plain")
    assert plain is not None and plain.image == "acme/tap-x:1" and not plain.is_command_spec
    whole = container_spec_of(plugin, None)
    assert whole is not None and whole.image == "acme/tap-x:1"


def test_a_plugin_without_a_spec_has_none() -> None:
    plugin = from_entry(PluginType.LOADERS, {"name": "target-y", "namespace": "target_y"})
    assert container_spec_of(plugin, None) is None


def test_the_spec_is_a_definition_key_not_a_custom_extra() -> None:
    plugin = from_entry(PluginType.EXTRACTORS, ENTRY)
    assert plugin.container_spec == {"image": "acme/tap-x:1"}
    assert "_container_spec" not in plugin.extras
    assert all(d.name != "_container_spec" for d in plugin.settings)


def test_an_inheriting_plugin_gets_its_parents_spec_unless_it_has_its_own() -> None:
    parent = from_entry(PluginType.EXTRACTORS, ENTRY)
    child = from_entry(
        PluginType.EXTRACTORS, {"name": "tap-x2", "inherit_from": "tap-x"}, parent=parent
    )
    assert child.container_spec == {"image": "acme/tap-x:1"}
    own = from_entry(
        PluginType.EXTRACTORS,
        {"name": "tap-x3", "inherit_from": "tap-x", "container_spec": {"image": "mine:1"}},
        parent=parent,
    )
    assert own.container_spec == {"image": "mine:1"}


def test_a_hub_or_lock_definition_supplies_the_spec() -> None:
    base = {"name": "tap-h", "namespace": "tap_h", "container_spec": {"image": "hub/tap-h:3"}}
    plugin = from_entry(PluginType.EXTRACTORS, {"name": "tap-h", "variant": "v"}, base=base)
    assert plugin.container_spec == {"image": "hub/tap-h:3"}


def test_the_lock_file_keeps_the_spec_after_commands_with_keys_in_order() -> None:
    definition = PluginDefinition.from_dict(
        {
            "name": "tap-x",
            "namespace": "tap_x",
            "variant": "v",
            "env": {"A": "1"},
            "container_spec": {"env": {"B": "2"}, "volumes": ["/a:/b"], "image": "i:1"},
            "commands": {"c": {"container_spec": {"env": {}, "image": "j"}, "args": "x"}},
        },
        plugin_type="extractors",
    )
    lock = definition.to_lock()
    assert list(lock).index("container_spec") == list(lock).index("commands") + 1
    assert list(lock)[-1] == "env"
    assert list(lock["container_spec"]) == ["image", "volumes", "env"]
    assert list(lock["commands"]["c"]) == ["args", "container_spec"]
    assert list(lock["commands"]["c"]["container_spec"]) == ["image", "env"]
    again = PluginDefinition.from_dict(lock, plugin_type="extractors")
    assert (again.container_spec, again.commands) == (
        definition.container_spec,
        definition.commands,
    )


def test_a_spec_that_is_not_a_mapping_stays_in_the_lock_as_written() -> None:
    definition = PluginDefinition.from_dict(
        {"name": "t", "namespace": "t", "container_spec": "odd"}, plugin_type="extractors"
    )
    assert definition.container_spec is None
    assert definition.to_lock()["container_spec"] == "odd"


FILE = Path("meltano.yml")


def _validate(spec: str, *, command: bool = False) -> str:
    where = "    commands:\n      c:\n        container_spec:\n" if command else ""
    indent = "          " if command else "      "
    head = "plugins:\n  extractors:\n  - name: tap-x\n    namespace: x\n"
    body = where or "    container_spec:\n"
    text = head + body + "".join(f"{indent}{line}\n" for line in spec.splitlines())
    with pytest.raises(ProjectFileError) as caught:
        validate_document(FILE, parse(text, FILE))
    return f"{caught.value.reason} | {caught.value.instruction}"


@pytest.mark.parametrize("command", [False, True])
def test_meltano_yml_rejects_a_typo_in_a_spec_key(command: bool) -> None:
    message = _validate("image: i\nvolums: [/a:/b]", command=command)
    assert "unknown key 'volums'" in message and "Did you mean 'volumes'?" in message


@pytest.mark.parametrize("command", [False, True])
def test_meltano_yml_rejects_a_spec_value_of_the_wrong_type(command: bool) -> None:
    message = _validate("image: i\nvolumes: /a:/b", command=command)
    assert "expected array or null, found str '/a:/b'" in message
    assert "container_spec.volumes" in message


def test_meltano_yml_accepts_the_hubs_spec_shape() -> None:
    text = """
plugins:
  utilities:
  - name: postgres
    namespace: postgres
    commands:
      start:
        args: start
        container_spec:
          image: postgres:15
          env: {POSTGRES_PASSWORD: warehouse}
          ports: {'5432': 5432/tcp}
          volumes: [$MELTANO_PROJECT_ROOT/.meltano/pg:/var/lib/postgresql/data]
"""
    validate_document(FILE, parse(text, FILE))


def test_the_launch_mounts_the_run_directory_read_only_and_expands_volumes_and_env() -> None:
    from meltano.core.plugins.container_spec import container_launch

    plugin = from_entry(PluginType.EXTRACTORS, ENTRY)
    spec = ContainerSpec.parse(
        {
            "image": "acme/tap-x:1",
            "volumes": ["$MELTANO_PROJECT_ROOT/data:/data", "$UNSET_VOLUME"],
            "env": {"WHERE": "${MELTANO_PROJECT_ROOT}/in", "KEEP": "plain"},
            "ports": {"8080": "80"},
        },
        owner=OWNER,
    )
    launch = container_launch(
        spec,
        plugin=plugin,
        command=None,
        env={"TAP_X_PORT": "1"},
        expand_env={"MELTANO_PROJECT_ROOT": "/p", "TAP_X_PORT": "1"},
        run_dir=Path("/p/.meltano/run/tap-x"),
        run_id="r-1",
        extra_args=("--ignored",),
    )
    assert launch.binds == ("/p/.meltano/run/tap-x:/p/.meltano/run/tap-x:ro", "/p/data:/data")
    assert launch.env == {"TAP_X_PORT": "1", "WHERE": "/p/in", "KEEP": "plain"}
    assert launch.ports == (("8080", "80"),) and launch.run_id == "r-1"
    assert launch.owner == OWNER and launch.name.startswith("meltano-tap-x-")
    assert not launch.replaces_argv and launch.extra_args == ()  # argv carries them


def test_a_command_launch_keeps_the_arguments_typed_after_it() -> None:
    from meltano.core.plugins.container_spec import container_launch

    plugin = from_entry(PluginType.EXTRACTORS, ENTRY)
    spec = container_spec_of(plugin, "boxed")
    assert spec is not None
    launch = container_launch(
        spec, plugin=plugin, command="boxed", env={}, expand_env={}, run_dir=Path("/r"),
        run_id="r", extra_args=("--x",),
    )  # fmt: skip
    assert launch.replaces_argv and launch.command == ("tool",) and launch.extra_args == ("--x",)
    assert launch.name.startswith("meltano-tap-x--boxed-")


def test_runs_in_container_only_with_the_switch_and_a_spec() -> None:
    from meltano.core.plugins.container_spec import runs_in_container

    plugin = from_entry(PluginType.EXTRACTORS, ENTRY)
    bare = from_entry(PluginType.LOADERS, {"name": "target-y", "namespace": "target_y"})
    assert runs_in_container(plugin, None, containers=True)
    assert not runs_in_container(plugin, None, containers=False)  # off by default, as 4.4.1
    assert not runs_in_container(bare, None, containers=True)
