"""Lock files: 4.4.1's exact format, paths, round trips and damaged files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from meltano.core.errors import MeltanoError
from meltano.core.plugins.definition import PluginDefinition
from meltano.core.plugins.lockfile import (
    LockFileError,
    lock_path,
    own_lock_files,
    read_lock,
    render_lock,
    write_lock,
)

HUB = Path(__file__).parents[2] / "fixtures" / "hub"
API = HUB / "meltano" / "api" / "v1" / "plugins"
LOCKED_BY_441 = [
    ("loaders", "target-jsonl--andyh1203"),
    ("extractors", "tap-github--meltanolabs"),
    ("extractors", "tap-github--singer-io"),  # kind password -> sensitive string
    ("utilities", "postgres--postgres"),  # commands with a container_spec
]


def hub_definition(plugin_type: str, stem: str) -> PluginDefinition:
    data = json.loads((API / plugin_type / stem).read_text())
    return PluginDefinition.from_dict(data, plugin_type=plugin_type)


@pytest.mark.parametrize(("plugin_type", "stem"), LOCKED_BY_441)
def test_lock_text_matches_what_meltano_441_wrote(plugin_type: str, stem: str) -> None:
    expected = (HUB / "locks" / f"{stem}.lock").read_text()
    assert render_lock(hub_definition(plugin_type, stem)) == expected


@pytest.mark.parametrize(("plugin_type", "stem"), LOCKED_BY_441)
def test_reading_a_lock_and_writing_it_again_changes_nothing(
    tmp_path: Path, plugin_type: str, stem: str
) -> None:
    original = HUB / "locks" / f"{stem}.lock"
    definition = read_lock(original, plugin_type=plugin_type)
    path = write_lock(tmp_path, definition)
    assert path == tmp_path / "plugins" / plugin_type / f"{stem}.lock"
    assert path.read_text() == original.read_text()


def test_lock_path_has_no_variant_part_without_a_variant(tmp_path: Path) -> None:
    assert (
        lock_path(tmp_path, "loaders", "target-x", "acme")
        == tmp_path / "plugins/loaders/target-x--acme.lock"
    )
    assert (
        lock_path(tmp_path, "loaders", "target-x", None)
        == tmp_path / "plugins/loaders/target-x.lock"
    )


@pytest.mark.parametrize("name", ["../escape", "a/b", ".."])
def test_lock_path_refuses_path_tricks(tmp_path: Path, name: str) -> None:
    with pytest.raises(MeltanoError, match="cannot be part of a lock file name"):
        lock_path(tmp_path, "loaders", name, "v")


def test_own_lock_files_skip_other_plugins_with_the_same_prefix(tmp_path: Path) -> None:
    folder = tmp_path / "plugins" / "extractors"
    folder.mkdir(parents=True)
    for name in (
        "tap-foo--a.lock",
        "tap-foo--b.lock",
        "tap-foo.lock",
        "tap-foo-bar--a.lock",
        "tap-foobar.lock",
    ):
        (folder / name).write_text("{}")
    assert [p.name for p in own_lock_files(tmp_path, "extractors", "tap-foo")] == [
        "tap-foo--a.lock",
        "tap-foo--b.lock",
        "tap-foo.lock",
    ]


def test_a_damaged_lock_file_is_named_in_the_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.lock"
    path.write_text("{not json")
    with pytest.raises(LockFileError) as caught:
        read_lock(path, plugin_type="loaders")
    assert str(path) in caught.value.reason
    assert "meltano lock --update" in (caught.value.instruction or "")


def test_a_lock_without_namespace_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    path.write_text('{"name": "x"}')
    with pytest.raises(LockFileError, match="has no `namespace`"):
        read_lock(path, plugin_type="loaders")
