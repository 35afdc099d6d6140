"""The `metadata` and `schema` extras."""

from __future__ import annotations

from typing import Any

from meltano.core.catalog.metadata_extra import MetadataSetting, flatten, metadata_settings
from meltano.core.catalog.rules import CatalogRules, apply_rules
from meltano.core.catalog.schema_extra import nest
from tests.unit.catalog.catalogs import meta, source, stream, users_catalog


def with_metadata(extra: dict[str, Any], catalog: dict[str, Any] | None = None) -> dict[str, Any]:
    return apply_rules(catalog or users_catalog(), CatalogRules(metadata=extra)).catalog


def test_flatten_and_settings() -> None:
    extra = {"users": {"replication-key": "updated_at", "address": {"city": {"pii": True}}}}
    assert list(flatten(extra)) == [
        ("users.replication-key", "updated_at"),
        ("users.address.city.pii", True),
    ]
    assert metadata_settings(extra) == [
        MetadataSetting("users", None, "replication-key", "updated_at"),
        MetadataSetting("users", "address.city", "pii", True),
    ]


def test_stream_level_keys_go_on_the_entry_and_the_stream_object() -> None:
    catalog = with_metadata(
        {"users": {"replication-method": "INCREMENTAL", "replication-key": "updated_at"}}
    )
    assert meta(catalog, "users")["replication-method"] == "INCREMENTAL"
    assert meta(catalog, "users")["replication-key"] == "updated_at"
    users = stream(catalog, "users")
    assert (users["replication_method"], users["replication_key"]) == ("INCREMENTAL", "updated_at")


def test_property_keys_and_wildcards() -> None:
    catalog = with_metadata(
        {"*": {"id": {"custom": "x"}}, "users": {"address": {"*": {"deep": 1}}}}
    )
    assert meta(catalog, "users", "id")["custom"] == "x"
    assert "custom" not in meta(catalog, "users", "email")
    assert meta(catalog, "users", "address.city")["deep"] == 1
    assert meta(catalog, "users", "address.geo.lat")["deep"] == 1  # `*` crosses dots
    assert "deep" not in meta(catalog, "users", "address")


def test_explicit_properties_form_is_the_short_form() -> None:
    # Quirk 16: 4.4.1 matches nothing with the `properties.` form; we accept it.
    short = with_metadata({"users": {"email": {"pii": True}, "address": {"city": {"k": 1}}}})
    explicit = with_metadata(
        {
            "users": {
                "properties": {
                    "email": {"pii": True},
                    "address": {"properties": {"city": {"k": 1}}},
                }
            }
        }
    )
    assert explicit == short
    assert meta(explicit, "users", "email")["pii"] is True


def test_selected_true_is_never_set_on_unsupported_entries() -> None:
    catalog = with_metadata({"users": {"secret": {"selected": True}}})
    assert meta(catalog, "users", "secret")["selected"] is False


def test_metadata_on_legacy_singer_python_catalog() -> None:
    catalog = with_metadata(
        {"projects": {"replication-method": "FULL_TABLE"}}, source("singer-python-tap-gitlab.json")
    )
    projects = meta(catalog, "projects")
    assert projects["replication-method"] == "FULL_TABLE"
    assert projects["forced-replication-method"] == "INCREMENTAL"  # the tap's own keys stay


def test_metadata_warnings() -> None:
    rules = CatalogRules(metadata={"nope": {"k": 1}, "users": {"nope": {"k": 1}}, "u*": {"k": 1}})
    assert apply_rules(users_catalog(), rules).warnings == (
        "Stream `nope` was not found in the catalog",
        "Property `nope` was not found in the schema of stream `users`",
    )


def with_schema(extra: dict[str, Any]) -> dict[str, Any]:
    return apply_rules(users_catalog(), CatalogRules(schema=extra)).catalog


def test_schema_replaces_and_creates_properties() -> None:
    catalog = with_schema(
        {"users": {"email": {"type": ["string", "null"]}, "created": {"type": "string"}}}
    )
    properties = stream(catalog, "users")["schema"]["properties"]
    assert properties["email"] == {"type": ["string", "null"]}
    assert list(properties)[-1] == "created"
    assert meta(catalog, "users", "created") == {"inclusion": "automatic", "selected": True}


def test_schema_replacement_is_whole_not_merged() -> None:
    catalog = with_schema({"users": {"address": {"type": "object", "properties": {"zip": {}}}}})
    address = stream(catalog, "users")["schema"]["properties"]["address"]
    assert address == {"type": "object", "properties": {"zip": {}}}


def test_schema_globs_replace_matches_and_leave_an_empty_placeholder_like_4_4_1() -> None:
    properties = stream(with_schema({"*": {"e*": {"type": "string"}}}), "users")["schema"][
        "properties"
    ]
    assert properties["email"] == {"type": "string"}
    assert properties["e*"] == {}


def test_schema_on_stream_without_schema() -> None:
    catalog = users_catalog()
    catalog["streams"].append({"tap_stream_id": "events", "stream": "events", "metadata": []})
    extra = {"events": {"ts": {"type": "string"}}}
    result = apply_rules(catalog, CatalogRules(schema=extra)).catalog
    assert stream(result, "events")["schema"] == {
        "type": "object",
        "properties": {"ts": {"type": "string"}},
    }


def test_nest_is_the_inverse_of_flatten() -> None:
    extra = {"users": {"a": {"type": "string"}}, "b.c": 1}
    assert nest(dict(flatten(extra))) == {"users": {"a": {"type": "string"}}, "b": {"c": 1}}


def test_dotted_keys_read_like_nested_ones() -> None:
    # Settings may hand the extra over flattened (e.g. after a per-leaf env var override).
    nested = {"users": {"replication-key": "updated_at", "email": {"pii": True}}}
    dotted = {"users.replication-key": "updated_at", "users.email.pii": True}
    assert metadata_settings(dotted) == metadata_settings(nested)
    assert with_metadata(dotted) == with_metadata(nested)
