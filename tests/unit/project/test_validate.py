from __future__ import annotations

from pathlib import Path

import pytest

from meltano.core.errors import ProjectFileError
from meltano.core.project.document import parse
from meltano.core.project.validate import validate_document

FILE = Path("meltano.yml")


def check(text: str) -> str:
    with pytest.raises(ProjectFileError) as caught:
        validate_document(FILE, parse(text, FILE))
    return f"{caught.value.reason} | {caught.value.instruction}"


def test_valid_project_passes() -> None:
    text = """
default_environment: dev
project_id: abc
plugins:
  extractors:
  - name: tap-x
    namespace: tap_x
    executable: ./tap.py
    capabilities: [catalog, discover, state]
    settings:
    - {name: password, kind: password}
    config: {port: 5432}
    select: ['users.*']
environments:
- name: dev
  config:
    plugins:
      extractors:
      - name: tap-x
        config: {port: 1}
jobs:
- name: j
  tasks: [tap-x target-y, [a, b]]
schedules:
- {name: s, interval: '@daily', job: j}
some_unknown_setting: kept
"""
    validate_document(FILE, parse(text, FILE))


def test_tab_indentation_names_line_and_column() -> None:
    with pytest.raises(ProjectFileError) as caught:
        parse("plugins:\n\textractors: []\n", FILE)
    assert caught.value.reason.startswith("meltano.yml:2:")
    assert "tab" in caught.value.reason


def test_unknown_plugin_type_suggests_the_right_one() -> None:
    message = check("plugins:\n  extractorz:\n  - name: tap-x\n")
    assert message.startswith("meltano.yml:2:3: unknown plugin type 'extractorz'")
    assert "Did you mean 'extractors'?" in message


def test_typo_in_plugin_key_gets_did_you_mean() -> None:
    message = check(
        "plugins:\n  extractors:\n  - name: tap-x\n    namespace: x\n    executabel: y\n"
    )
    assert message.startswith("meltano.yml:5:5: unknown key 'executabel'")
    assert "Did you mean 'executable'?" in message


def test_unrelated_unknown_plugin_key_is_kept() -> None:
    validate_document(FILE, parse("plugins:\n  extractors:\n  - name: t\n    my_extra: 1\n", FILE))


def test_wrong_type_names_expected_type() -> None:
    message = check("plugins:\n  extractors:\n  - name: tap-x\n    capabilities: 5\n")
    assert message.startswith("meltano.yml:4:5: expected array, found int 5")


def test_duplicate_plugin_name_is_rejected() -> None:
    message = check("plugins:\n  loaders:\n  - name: t\n  - name: t\n")
    assert message.startswith("meltano.yml:4:5: duplicate plugin name 't' among loaders")


def test_name_with_colon_is_rejected() -> None:
    message = check("environments:\n- name: 'a:b'\n")
    assert "must not contain ':'" in message


def test_missing_required_name() -> None:
    message = check("plugins:\n  loaders:\n  - namespace: t\n")
    assert "'name' is a required property" in message


def test_top_level_must_be_a_mapping() -> None:
    with pytest.raises(ProjectFileError) as caught:
        parse("- a\n- b\n", FILE)
    assert caught.value.reason.startswith("meltano.yml:1:1:")


@pytest.mark.parametrize("name", ["..", ".", "a/b", "a\\\\b"])
def test_plugin_names_cannot_be_paths(name: str) -> None:
    message = check(f"plugins:\n  loaders:\n  - name: '{name}'\n")
    assert "is not a valid name" in message
