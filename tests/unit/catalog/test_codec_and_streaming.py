"""Catalog JSON: the fast writer against `json.dumps(indent=2)`, and reading stream by stream."""

from __future__ import annotations

import datetime
import io
import json
import math
import random
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest

from meltano.core.catalog import streaming
from meltano.core.catalog.codec import JsonFloat, decode, encode, plain
from meltano.core.catalog.streaming import (
    CatalogWriter,
    Member,
    StreamsEnd,
    StreamsStart,
    Unstreamable,
    document_items,
    read_items,
)
from tests.unit.catalog.catalogs import SOURCES

FLOATS = [0.1, 1e-05, 2.5e-07, 1e16, 1e22, 1e-38, 1.5e300, -0.0, 5e-324, 100.0, 12345.678]
STRINGS = ["", "plain", 'quo"te', "back\\slash", "/", "\x00\x1f\x7f", "\b\f\n\r\t", "café"]
STRINGS += ["\u2028", "日本", "\U0001f600 emoji", "\ud800 lone surrogate"]


def dumped(value: object) -> str:
    """What 4.4.1 writes: `json.dumps(indent=2)` of the value as `json.loads` reads it."""
    return json.dumps(json.loads(json.dumps(value)), indent=2)


@pytest.mark.parametrize("value", [*FLOATS, *STRINGS, 2**64, -(2**63) - 1, 2**64 - 1, True, None])
def test_scalars_are_written_as_json_writes_them(value: object) -> None:
    assert encode(decode(json.dumps(value))) == dumped(value)


@pytest.mark.parametrize("name", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_survive_as_json_writes_them(name: str) -> None:
    assert encode(decode(f'{{"x": [{name}]}}')) == f'{{\n  "x": [\n    {name}\n  ]\n}}'


def random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(8 if depth < 4 else 5)
    if kind == 0:
        return rng.choice(STRINGS[:-1]) + str(rng.random())
    if kind == 1:
        return rng.randrange(-(2**70), 2**70)
    if kind == 2:
        return rng.uniform(-1, 1) * 10 ** rng.randrange(-320, 300)
    if kind == 3:
        return rng.choice([True, False, None])
    if kind == 4:
        return rng.choice([[], {}, ""])
    if kind in (5, 6):
        return {f"k{i}{rng.choice(STRINGS[:-1])}": random_value(rng, depth + 1) for i in range(4)}
    return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]


def test_random_documents_are_written_byte_for_byte() -> None:
    rng = random.Random(19)
    for _ in range(300):
        value = random_value(rng)
        assert encode(decode(json.dumps(value))) == dumped(value)


def test_nesting_level_indents_every_line() -> None:
    value = decode('{"a": [1, {"b": 2.5e-07}]}')
    whole = json.dumps({"streams": [value]}, indent=2)
    assert f'{{\n  "streams": [\n    {encode(value, 2)}\n  ]\n}}' == whole


def test_meltano_yml_values_are_made_plain() -> None:
    value = plain(OrderedDict(a=(1.5e-07, {"b": 1e-05})))
    assert type(value) is dict and type(value["a"]) is list
    assert all(isinstance(v, JsonFloat) for v in (value["a"][0], value["a"][1]["b"]))
    assert encode(value) == json.dumps({"a": [1.5e-07, {"b": 1e-05}]}, indent=2)


def test_what_json_cannot_write_fails_as_it_did() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        encode({"when": datetime.date(2024, 1, 1)})
    assert encode({1: "a"}) == json.dumps({1: "a"}, indent=2)  # json turns keys into text


def items(text: str, chunk: int | None = None, monkeypatch: Any = None) -> list[object]:
    if chunk is not None:
        monkeypatch.setattr(streaming, "CHUNK", chunk)
    return list(read_items(io.StringIO(text)))


def as_items(text: str) -> list[object]:
    return list(document_items(json.loads(text)))


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1 << 20])
@pytest.mark.parametrize(
    "source", ["singer-sdk-tap-stackexchange.json", "edge.json", "unicode.json"]
)
def test_read_items_gives_what_json_loads_gives_at_any_buffer_size(
    source: str, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (SOURCES / source).read_text()
    assert items(text, chunk, monkeypatch) == as_items(text)


@pytest.mark.parametrize("chunk", [1, 2, 3, 4, 5, 6, 7, 9])
def test_numbers_and_members_cut_by_the_buffer(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    text = ' \n{"a": 12345, "streams": [ {"n": 1.5e-07} , {"m": [true]}], "z": -0.25}\n '
    found = items(text, chunk, monkeypatch)
    assert found == [
        Member("a", 12345),
        StreamsStart(),
        {"n": 1.5e-07},
        {"m": [True]},
        StreamsEnd(),
        Member("z", -0.25),
    ]
    assert isinstance(found[2], dict) and type(found[2]["n"]) is JsonFloat


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\ufeff{}",
        "INFO starting\n{}",
        '{"streams": [}',
        '{"streams": []} trailing',
        '{"streams": [], "streams": []}',  # json keeps the last one
        "[1, 2]",
        "null",
        '{"type": "SCHEMA"}',
        '{"streams": {}}',
        '{"streams": [1]}',
        '{"streams": [{"tap_stream_id": "a", "metadata": {}}]}',
        '{"streams": [{}] "x": 1}',
        '{"streams": [{}], 1: 2}',
    ],
)
def test_anything_but_a_plain_catalog_is_left_to_the_whole_read(text: str) -> None:
    with pytest.raises(Unstreamable):
        list(read_items(io.StringIO(text)))


def test_undecodable_bytes_are_left_to_the_whole_read(tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    path.write_bytes(b'{"streams": [{"tap_stream_id": "\xff"}]}')
    with path.open(encoding="utf-8") as handle, pytest.raises(Unstreamable):
        list(read_items(handle))


@pytest.mark.parametrize(
    "text",
    [
        '{"streams": []}',
        '{"streams": [{"a": 1}]}',
        '{"before": {"x": [1, 2]}, "streams": [{"a": {}}, {"b": []}], "after": "é"}',
        (SOURCES / "singer-python-tap-gitlab.json").read_text(),
        (SOURCES / "odd-breadcrumbs.json").read_text(),
    ],
)
def test_writer_writes_what_json_dumps_writes(text: str) -> None:
    out = io.BytesIO()
    writer = CatalogWriter(out)
    for item in read_items(io.StringIO(text)):
        writer.write(item)
    writer.close()
    assert out.getvalue().decode() == json.dumps(json.loads(text), indent=2)


def test_float_subclass_keeps_its_value() -> None:
    value = decode("[1e-05, 0.30000000000000004]")
    assert value == [1e-05, 0.30000000000000004]
    assert all(math.isfinite(v) for v in value)
