from __future__ import annotations

from meltano.core.settings.names import canonical, flatten, leaves, nest, split_name, to_env_var


def test_dots_nest_and_escaped_dots_do_not() -> None:
    assert split_name("auth.token") == ["auth", "token"]
    assert split_name("a\\.b.c") == ["a.b", "c"]
    assert canonical("a\\.b") == "a\\.b"


def test_env_var_names_replace_every_non_alphanumeric() -> None:
    assert to_env_var("tap-gitlab", "api_url") == "TAP_GITLAB_API_URL"
    assert to_env_var("tap-x", "auth.token") == "TAP_X_AUTH_TOKEN"
    assert to_env_var("tap-x", "_select") == "TAP_X__SELECT"
    assert to_env_var("tap-postgres--billing", "password") == "TAP_POSTGRES__BILLING_PASSWORD"
    assert to_env_var("MELTANO", "state_backend.uri") == "MELTANO_STATE_BACKEND_URI"


def test_nested_and_dotted_yaml_keys_are_the_same_setting() -> None:
    assert flatten({"auth": {"token": "x"}})["auth.token"] == "x"
    assert flatten({"auth.token": "x"})["auth.token"] == "x"


def test_flatten_keeps_object_settings_whole() -> None:
    flat = leaves({"obj": {"a": 1}, "other": {"b": 2}}, keep=["obj"])
    assert flat == {"obj": {"a": 1}, "other.b": 2}


def test_nest_builds_maps_from_dotted_names() -> None:
    assert nest({"auth.token": "x", "auth.user": "u", "port": 1}) == {
        "auth": {"token": "x", "user": "u"},
        "port": 1,
    }
    assert nest({"a\\.b": 1}) == {"a.b": 1}
