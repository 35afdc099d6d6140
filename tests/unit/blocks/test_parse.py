from __future__ import annotations

import pytest

from meltano.core.blocks.parse import (
    BlockIndex,
    BlockParseError,
    BlockRef,
    CommandBlock,
    ExtractLoad,
    flatten_tasks,
    parse,
)
from meltano.core.plugins.types import PluginType

E, L, M, U, T = (
    PluginType.EXTRACTORS,
    PluginType.LOADERS,
    PluginType.MAPPERS,
    PluginType.UTILITIES,
    PluginType.TRANSFORMERS,
)
INDEX = BlockIndex(
    plugins={
        "tap-a": E,
        "tap-b": E,
        "target-x": L,
        "target-y": L,
        "target-z": L,
        "mapper-m": M,
        "dbt": T,
        "util": U,
    },
    mappings={"upper": "mapper-m", "self": "self"},
    jobs={"job1": ["tap-a", "target-x", "util:hello"]},
)


def test_simple_extract_load() -> None:
    assert parse(["tap-a", "target-x"], INDEX) == (
        ExtractLoad(BlockRef("tap-a", E), BlockRef("target-x", L)),
    )


def test_mappers_mappings_and_commands() -> None:
    plan = parse(["tap-a", "mapper-m", "upper", "target-x", "dbt:run", "util"], INDEX)
    assert plan == (
        ExtractLoad(
            BlockRef("tap-a", E),
            BlockRef("target-x", L),
            (BlockRef("mapper-m", M), BlockRef("upper", M, mapper="mapper-m")),
        ),
        CommandBlock(BlockRef("dbt", T, "run")),
        CommandBlock(BlockRef("util", U)),
    )


def test_fan_out_into_several_loaders_after_the_mappers() -> None:
    (block, command) = parse(
        ["tap-a", "mapper-m", "target-x", "target-y", "target-z", "util"], INDEX
    )
    assert block == ExtractLoad(
        BlockRef("tap-a", E),
        BlockRef("target-x", L),
        (BlockRef("mapper-m", M),),
        (BlockRef("target-y", L), BlockRef("target-z", L)),
    )
    assert isinstance(block, ExtractLoad)
    assert [ref.name for ref in block.loaders] == ["target-x", "target-y", "target-z"]
    assert [ref.name for ref in block.blocks][:2] == ["tap-a", "mapper-m"]
    assert command == CommandBlock(BlockRef("util", U))


def test_fan_out_then_another_set() -> None:
    plan = parse(["tap-a", "target-x", "target-y", "tap-b", "target-x"], INDEX)
    assert [len(block.loaders) for block in plan if isinstance(block, ExtractLoad)] == [2, 1]


def test_same_loader_in_two_sets() -> None:
    plan = parse(["tap-a", "target-x", "tap-b", "target-x"], INDEX)
    assert [type(block) for block in plan] == [ExtractLoad, ExtractLoad]


def test_jobs_expand_one_level() -> None:
    plan = parse(["job1"], INDEX)
    assert plan[1] == CommandBlock(BlockRef("util", U, "hello"))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["target-x", "tap-a"], "loader 'target-x' at position 1 is not preceded by an extractor"),
        (["tap-a"], "has no loader at its end"),
        (["tap-a", "mapper-m"], "has no loader at its end"),
        (["tap-a", "util", "target-x"], "expected mappers or a loader, found utility 'util'"),
        (["mapper-m", "target-x"], "mapper 'mapper-m' at position 1"),
        (["tap-z", "target-x"], "Block tap-z not found"),
        (["tap-a", "self", "target-x"], "same name as its mapper"),
        ([], "No blocks given"),
        (["tap-a", "target-x", "target-x"], "Loader 'target-x' appears twice"),
        (["tap-a", "target-x", "target-y:cmd"], "loader 'target-y:cmd' cannot run a command"),
        (
            ["tap-a", "target-x", "mapper-m", "target-y"],
            "Mapper 'mapper-m' follows loader 'target-x': mappers of one branch",
        ),
        (["tap-a", "target-x", "mapper-m"], "mapper 'mapper-m' at position 3 is not preceded"),
    ],
)
def test_invalid_sequences(arguments: list[str], message: str) -> None:
    with pytest.raises(BlockParseError) as caught:
        parse(arguments, INDEX)
    assert message in caught.value.reason


def test_unknown_block_suggests() -> None:
    with pytest.raises(BlockParseError) as caught:
        parse(["tap-aa", "target-x"], INDEX)
    assert "tap-a" in (caught.value.instruction or "")


def test_job_named_like_a_plugin_is_ambiguous() -> None:
    index = BlockIndex(plugins={"util": U}, jobs={"util": ["util"]})
    with pytest.raises(BlockParseError, match="Ambiguous reference to 'util'"):
        parse(["util"], index)


def test_flatten_tasks() -> None:
    assert flatten_tasks("a b") == ["a", "b"]
    assert flatten_tasks(["a b", ["c d", "e"]]) == ["a", "b", "c", "d", "e"]
    with pytest.raises(BlockParseError):
        flatten_tasks([1])
