"""Add-on setting definitions: 4.4.1's constructor, its kinds, and what our settings make of
them."""

from __future__ import annotations

import dataclasses

from meltano.core.setting_definition import SettingDefinition, SettingKind
from meltano.core.settings.addons import plain
from meltano.core.settings.definitions import Kind
from meltano.core.settings.definitions import SettingDefinition as Ours


def test_keyword_constructor_gives_our_definition() -> None:
    port = SettingDefinition(
        name="state_backend.postgresql.port",
        label="PostgreSQL Port",
        description="PostgreSQL server port",
        kind=SettingKind.INTEGER,
        value=5432,
        env_specific=True,
    )
    assert (port.name, port.kind, port.value) == (
        "state_backend.postgresql.port",
        Kind.INTEGER,
        5432,
    )
    assert (port.label, port.description, port.env_specific) == (
        "PostgreSQL Port",
        "PostgreSQL server port",
        True,
    )
    assert not port.sensitive


def test_deprecated_kinds_become_flags_and_unknown_keywords_are_kept() -> None:
    password = SettingDefinition(name="x.password", kind=SettingKind.PASSWORD)
    assert (password.kind, password.sensitive) == (Kind.STRING, True)
    hidden = SettingDefinition(name="x.hidden", kind=SettingKind.HIDDEN, tooltip="tip", extra_key=1)
    assert (hidden.kind, hidden.hidden) == (Kind.STRING, True)
    assert hidden.extra == {"tooltip": "tip", "extra_key": 1}
    assert str(SettingKind.STRING) == "string"
    assert SettingDefinition(name="x.y", kind="integer").kind is Kind.INTEGER


def test_plain_copy_supports_replace() -> None:
    declared = SettingDefinition(name="x.y", kind=SettingKind.BOOLEAN, value=False)
    copied = plain(declared)
    assert type(copied) is Ours
    assert dataclasses.replace(copied, kind=Kind.STRING).kind is Kind.STRING
    assert copied == Ours(name="x.y", kind=Kind.BOOLEAN, value=False)
