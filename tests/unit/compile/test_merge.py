"""Manifest merges: deep dicts, de-duplicated lists, redaction and project-root rewriting."""

from __future__ import annotations

from meltano.core.compile.merge import deep_merge, merge_lists, redact_paths, replace_root


def test_deep_merge_keeps_base_and_lets_override_win() -> None:
    base = {"config": {"a": 1, "b": {"c": 2}}, "label": "base"}
    merged = deep_merge(base, {"config": {"b": {"d": 3}}, "label": "mine"})
    assert merged == {"config": {"a": 1, "b": {"c": 2, "d": 3}}, "label": "mine"}
    assert base == {"config": {"a": 1, "b": {"c": 2}}, "label": "base"}


def test_lists_are_concatenated_once_and_settings_merged_by_name() -> None:
    assert merge_lists(["state", "catalog"], ["catalog", "discover"]) == [
        "state",
        "catalog",
        "discover",
    ]
    settings = merge_lists(
        [{"name": "password", "kind": "password"}, {"name": "user"}],
        [{"name": "password", "sensitive": True}, {"name": "port", "kind": "integer"}],
    )
    assert settings == [
        {"name": "password", "kind": "password", "sensitive": True},
        {"name": "user"},
        {"name": "port", "kind": "integer"},
    ]


def test_an_entry_over_its_locked_definition_lists_its_own_items_first() -> None:
    locked = {
        "select": ["*.*", "!traffic_*.*"],
        "settings": [{"name": "token", "label": "Token", "kind": "string"}, {"name": "port"}],
        "label": "GitHub",
    }
    entry = {
        "select": ["issues.*"],
        "settings": [{"name": "extra"}, {"name": "token", "label": "Mine"}],
    }
    merged = deep_merge(locked, entry, override_first=True)
    assert merged["select"] == ["issues.*", "*.*", "!traffic_*.*"]  # as 4.4.1 orders them
    assert merged["settings"] == [
        {"name": "extra"},
        {"name": "token", "label": "Mine", "kind": "string"},
        {"name": "port"},
    ]
    assert merged["label"] == "GitHub"


def test_redact_paths_flat_and_nested_and_absent() -> None:
    config = {"password": "x", "auth": {"token": "t", "user": "u"}, "empty": None}
    redacted = redact_paths(config, ["password", "auth.token", "missing.key", "empty"], "(r)")
    assert redacted == {"password": "(r)", "auth": {"token": "(r)", "user": "u"}, "empty": None}
    assert config["password"] == "x"


def test_replace_root() -> None:
    values = {"A": "/p/root/data", "B": "sqlite:////p/root/.meltano/x.db"}
    assert replace_root(values, "/p/root") == {
        "A": "${MELTANO_PROJECT_ROOT}/data",
        "B": "sqlite:///${MELTANO_PROJECT_ROOT}/.meltano/x.db",
    }
