"""The `meltano select --list/--json` table."""

from __future__ import annotations

import json

import pytest

from meltano.core.catalog.listing import (
    Selection,
    SelectionRow,
    entry_selection,
    render_json,
    render_text,
    selection_rows,
)
from meltano.core.catalog.rules import CatalogRules, apply_rules
from tests.unit.catalog.catalogs import users_catalog


@pytest.mark.parametrize(
    ("metadata", "selection"),
    [
        ({"inclusion": "automatic", "selected": False}, Selection.AUTOMATIC),
        ({"inclusion": "unsupported", "selected": True}, Selection.UNSUPPORTED),
        ({"inclusion": "available", "selected": True}, Selection.SELECTED),
        ({"inclusion": "available", "selected-by-default": True}, Selection.SELECTED),
        (
            {"inclusion": "available", "selected": False, "selected-by-default": True},
            Selection.EXCLUDED,
        ),
        ({"inclusion": "available"}, Selection.EXCLUDED),
        ({}, Selection.EXCLUDED),
    ],
)
def test_entry_selection(metadata: dict[str, object], selection: Selection) -> None:
    assert entry_selection(metadata) is selection


def rows(select: list[str], *, show_all: bool) -> list[SelectionRow]:
    catalog = apply_rules(users_catalog(), CatalogRules(select=select)).catalog
    return selection_rows(catalog, show_all=show_all)


def test_rows_combine_stream_and_property_status() -> None:
    listed = {
        (row.stream, row.property): row.selection for row in rows(["users.email"], show_all=True)
    }
    assert listed[("users", "email")] is Selection.SELECTED
    assert listed[("users", "id")] is Selection.AUTOMATIC
    assert listed[("users", "secret")] is Selection.UNSUPPORTED
    assert listed[("users", "address.city")] is Selection.EXCLUDED
    # `orders` is deselected and its stream entry automatic: automatic wins over selected...
    assert listed[("orders", "total")] is Selection.AUTOMATIC


def test_excluded_stream_excludes_every_row() -> None:
    listed = rows(["orders.*"], show_all=True)
    assert {row.selection for row in listed if row.stream == "users"} == {Selection.EXCLUDED}


def test_without_all_only_selected_and_automatic_rows_show() -> None:
    listed = rows(["users.email"], show_all=False)
    assert [(row.property, row.selection.value) for row in listed if row.stream == "users"] == [
        ("address", "automatic"),  # its entry was made by the rules: top level → automatic
        ("email", "selected"),
        ("id", "automatic"),
    ]


def test_streams_without_a_stream_entry_are_not_listed() -> None:
    catalog = users_catalog()  # no rules applied: `orders` has no metadata at all
    assert {row.stream for row in selection_rows(catalog, show_all=True)} == {"users"}


def test_rows_sort_by_stream_then_property() -> None:
    catalog = {
        "streams": [
            {
                "tap_stream_id": name,
                "schema": {"properties": {"b": {"type": "string"}, "a": {"type": "string"}}},
            }
            for name in ("a_b", "a.b", "a", "a-b")
        ]
    }
    result = apply_rules(catalog, CatalogRules()).catalog
    assert [f"{r.stream}.{r.property}" for r in selection_rows(result, show_all=True)] == [
        "a.a", "a.b", "a-b.a", "a-b.b", "a.b.a", "a.b.b", "a_b.a", "a_b.b",
    ]  # fmt: skip


def test_text_shape() -> None:
    text = render_text(
        ["users.*", "!orders.*"],
        [
            SelectionRow("orders", "id", Selection.EXCLUDED),
            SelectionRow("users", "id", Selection.AUTOMATIC),
            SelectionRow("users", "name", Selection.SELECTED),
        ],
    )
    assert text == (
        "Legend:\n\tselected\n\texcluded\n\tautomatic\n\tunsupported\n\n"
        "Enabled patterns:\n\tusers.*\n\t!orders.*\n\n"
        "Selected properties:\n"
        "\t[excluded   ] orders.id\n\t[automatic  ] users.id\n\t[selected   ] users.name\n"
    )


def test_text_without_patterns_or_rows() -> None:
    assert render_text([], []).endswith("Enabled patterns:\n\nSelected properties:\n")


def test_json_shape() -> None:
    text = render_json(["users.*"], [SelectionRow("users", "nested.a", Selection.SELECTED)])
    assert json.loads(text) == {
        "enabled_patterns": ["users.*"],
        "streams": [{"stream": "users", "property": "nested.a", "selection": "selected"}],
    }
    assert text.startswith('{\n  "enabled_patterns": [\n    "users.*"\n  ],')
    assert text.endswith("}\n")
