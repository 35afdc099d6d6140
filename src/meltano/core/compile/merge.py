"""Pure merges used to build manifests: deep dict merge with de-duplicated lists."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any


def deep_merge(
    base: Mapping[str, Any], override: Mapping[str, Any], *, override_first: bool = False
) -> dict[str, Any]:
    """`override` merged into `base`: dicts recursively, scalars replaced, lists joined.

    Joined lists hold `base`'s items then `override`'s, or the other way round with
    `override_first` (how 4.4.1 puts a plugin entry's `select`/`settings` before its locked
    definition's); a named item (a setting) in both is merged, `override`'s fields winning.
    """
    merged: dict[str, Any] = copy.deepcopy(dict(base))
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = deep_merge(current, value, override_first=override_first)
        elif isinstance(current, list) and isinstance(value, list):
            merged[key] = (
                merge_lists(value, current, first_wins=True)
                if override_first
                else merge_lists(current, value)
            )
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def merge_lists(first: list[Any], second: list[Any], *, first_wins: bool = False) -> list[Any]:
    """Both lists, each item once; named mappings (settings) are merged by `name`, the later
    one's fields winning unless `first_wins`.

    Meltano 4.4.1 concatenates, listing a custom plugin's capabilities and settings twice
    (quirks-4.4.1.md row 12); one copy is what consumers expect.
    """
    result: list[Any] = []
    by_name: dict[str, int] = {}
    for item in [*first, *second]:
        name = item.get("name") if isinstance(item, Mapping) else None
        if isinstance(name, str) and name in by_name:
            index = by_name[name]
            earlier, later = result[index], item
            result[index] = deep_merge(later, earlier) if first_wins else deep_merge(earlier, later)
            continue
        if name is None and item in result:
            continue
        if isinstance(name, str):
            by_name[name] = len(result)
        result.append(copy.deepcopy(item))
    return result


def redact_paths(config: Mapping[str, Any], dotted_names: list[str], marker: str) -> dict[str, Any]:
    """A copy of `config` with each dotted path that holds a value replaced by `marker`."""
    result = copy.deepcopy(dict(config))
    for dotted in dotted_names:
        if dotted in result and result[dotted] is not None:
            result[dotted] = marker
            continue
        node: Any = result
        parts = dotted.split(".")
        for part in parts[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and node.get(parts[-1]) is not None:
            node[parts[-1]] = marker
    return result


def replace_root(values: Mapping[str, str], root: str) -> dict[str, str]:
    """Values with the project root spelled `${MELTANO_PROJECT_ROOT}`, so manifests travel."""
    return {key: value.replace(root, "${MELTANO_PROJECT_ROOT}") for key, value in values.items()}
