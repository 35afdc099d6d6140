"""`select` patterns, `select_filter` and `el --select/--exclude`."""

from __future__ import annotations

import pytest

from meltano.core.catalog.patterns import parse_pattern, pattern_text
from meltano.core.catalog.rules import CatalogRules, apply_rules
from meltano.core.catalog.select import runtime_filter
from tests.unit.catalog.catalogs import selected, source, stream, users_catalog


@pytest.mark.parametrize(
    ("text", "stream_glob", "prop", "negated"),
    [
        ("users.*", "users", "*", False),
        ("!users.email", "users", "email", True),
        ("users", "users", None, False),
        ("users.address.city", "users", "address.city", False),
        ("public\\.accounts.id", "public.accounts", "id", False),
        ("!public\\.accounts", "public.accounts", None, True),
        ("*.*", "*", "*", False),
    ],
)
def test_parse_pattern(text: str, stream_glob: str, prop: str | None, negated: bool) -> None:
    pattern = parse_pattern(text)
    assert (pattern.stream, pattern.property, pattern.negated) == (stream_glob, prop, negated)


def test_globs_are_case_sensitive_shell_globs() -> None:
    pattern = parse_pattern("u?er[sz].a*")
    assert pattern.matches_stream("users")
    assert not pattern.matches_stream("Users")
    assert pattern.breadcrumb_matcher()("properties.address.properties.geo")  # `*` crosses dots


def test_pattern_text_is_what_select_stores() -> None:
    assert pattern_text("users", "*", exclude=False) == "users.*"
    assert pattern_text("users", "email", exclude=True) == "!users.email"


def apply(select: list[str], select_filter: tuple[str, ...] = ()) -> dict[str, object]:
    rules = CatalogRules(select=select, select_filter=select_filter)
    return apply_rules(users_catalog(), rules).catalog


def test_everything_is_deselected_before_includes() -> None:
    catalog = apply([])
    assert set(selected(catalog, "users").values()) == {False}
    assert stream(catalog, "orders")["selected"] is False  # legacy key on the stream object


def test_include_property_selects_stream_and_property_only() -> None:
    catalog = apply(["users.email"])
    assert selected(catalog, "users") == {
        "": True, "id": False, "email": True, "secret": False,
        "address": False, "address.city": False, "address.geo": False, "address.geo.lat": False,
    }  # fmt: skip
    assert stream(catalog, "users")["selected"] is True


def test_nested_include_selects_every_ancestor() -> None:
    catalog = apply(["users.address.geo.lat"])
    marks = selected(catalog, "users")
    assert (marks["address"], marks["address.geo"], marks["address.geo.lat"]) == (True, True, True)
    assert marks["address.city"] is False


def test_stream_only_pattern_selects_all_properties() -> None:
    marks = selected(apply(["users"]), "users")
    assert marks.pop("secret") is False  # unsupported is never selected
    assert set(marks.values()) == {True}


def test_excludes_win_whatever_their_position() -> None:
    marks = selected(apply(["!users.email", "users.*"]), "users")
    assert (marks[""], marks["email"], marks["id"]) == (True, False, True)


def test_exclude_with_star_deselects_the_stream() -> None:
    catalog = apply(["users.*", "!users.*"])
    assert selected(catalog, "users")[""] is False
    assert selected(apply(["users.*", "!users"]), "users")[""] is False
    assert selected(apply(["users.*", "!users.a*"]), "users")[""] is True


def test_star_in_property_reaches_nested_properties() -> None:
    marks = selected(apply(["users.*", "!users.address.*"]), "users")
    assert (marks["address"], marks["address.city"], marks["address.geo.lat"]) == (
        True,
        False,
        False,
    )


def test_streams_without_metadata_get_entries() -> None:
    orders = stream(apply(["orders.*"]), "orders")
    assert orders["metadata"] == [
        {"breadcrumb": [], "metadata": {"inclusion": "automatic", "selected": True}},
        {
            "breadcrumb": ["properties", "total"],
            "metadata": {"inclusion": "automatic", "selected": True},
        },
    ]


def test_select_filter_deselects_streams_not_included() -> None:
    catalog = apply(["*.*"], select_filter=("users",))
    assert selected(catalog, "users")[""] is True
    assert selected(catalog, "orders")[""] is False
    assert selected(catalog, "orders")["total"] is True  # the filter works on streams only


def test_select_filter_with_only_excludes_keeps_the_rest() -> None:
    catalog = apply(["*.*"], select_filter=("!users",))
    assert (selected(catalog, "users")[""], selected(catalog, "orders")[""]) == (False, True)


def test_runtime_filter_from_el_options() -> None:
    assert runtime_filter(["users", "orders"], ["orders"]) == ["users", "orders", "!orders"]
    catalog = apply(["*.*"], select_filter=tuple(runtime_filter(["users", "orders"], ["orders"])))
    assert (selected(catalog, "users")[""], selected(catalog, "orders")[""]) == (True, False)


def test_custom_catalog_gets_only_the_filter() -> None:
    rules = CatalogRules(select=["users.id"], select_filter=["orders"])
    outcome = apply_rules(users_catalog(), rules, custom_catalog=True)
    assert "selected" not in stream(outcome.catalog, "users")["metadata"][1]["metadata"]
    assert selected(outcome.catalog, "users")[""] is False
    assert outcome.warnings == ()


def test_rules_do_not_change_the_input() -> None:
    catalog = users_catalog()
    apply_rules(catalog, CatalogRules(select=["users.id"]))
    assert catalog == users_catalog()


def test_singer_sdk_catalog_respects_inclusion() -> None:
    catalog = apply_rules(
        source("singer-sdk-tap-stackexchange.json"), CatalogRules(select=["tags.name"])
    ).catalog
    marks = selected(catalog, "tags")
    assert (marks[""], marks["name"], marks["count"]) == (True, True, False)
    assert selected(catalog, "questions")[""] is False


def test_singer_python_catalog_gets_legacy_stream_keys() -> None:
    catalog = apply_rules(
        source("singer-python-tap-gitlab.json"), CatalogRules(select=["commits.*"])
    ).catalog
    assert stream(catalog, "commits")["selected"] is True
    assert stream(catalog, "projects")["selected"] is False


def test_warnings_for_missing_names_only() -> None:
    rules = CatalogRules(select=["nope.*", "users.nope", "users.address.zip", "zz*.*", "users.z*"])
    assert apply_rules(users_catalog(), rules).warnings == (
        "Stream `nope` was not found in the catalog",
        "Property `nope` was not found in the schema of stream `users`",
        "Property `address.zip` was not found in the schema of stream `users`",
    )


def test_closest_streams_only_when_nothing_matches() -> None:
    from meltano.core.catalog.patterns import closest_streams

    ids = ["users", "user_events", "orders"]
    assert closest_streams(parse_pattern("user*.id"), ids) is None
    assert closest_streams(parse_pattern("!orders.total"), ids) is None
    assert closest_streams(parse_pattern("usres.*"), ids) == ["users"]
    assert closest_streams(parse_pattern("zzz.*"), ids) == []
