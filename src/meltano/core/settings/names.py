"""Setting names: dotted paths with `\\.` escapes, nesting, flattening, env var spellings."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

_UNESCAPED_DOT = re.compile(r"(?<!\\)\.")
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")


def split_name(name: str) -> list[str]:
    """`auth.token` -> ["auth", "token"]; `a\\.b` -> ["a.b"] (the escape makes a literal dot)."""
    return [part.replace("\\.", ".") for part in _UNESCAPED_DOT.split(name)]


def join_name(parts: Iterable[str]) -> str:
    """The inverse of `split_name`: literal dots inside a part are escaped."""
    return ".".join(part.replace(".", "\\.") for part in parts)


@functools.lru_cache(maxsize=65536)  # pure; asked per setting x plugin x environment
def canonical(name: str) -> str:
    """One spelling per setting name, so `a.b` and `a\\.b` never collide by accident."""
    return join_name(split_name(name))


@functools.lru_cache(maxsize=65536)  # pure; asked per setting x plugin x environment
def to_env_var(prefix: str, name: str) -> str:
    """`to_env_var("tap-x", "auth.token")` -> `TAP_X_AUTH_TOKEN`."""
    return _NOT_ALNUM.sub("_", f"{prefix}_{name}".replace("\\.", ".")).upper()


def flatten(data: Mapping[str, Any], *, keep: Iterable[str] = ()) -> dict[str, Any]:
    """Every path of a nested mapping, intermediate nodes included, keyed by dotted name.

    A YAML key may itself be dotted (`auth.token: x`), so `{auth: {token: x}}` and
    `{auth.token: x}` both give `"auth.token": x`. Paths named in `keep` are not entered.
    """
    kept = set(keep)
    result: dict[str, Any] = {}

    def walk(prefix: str, node: Mapping[str, Any]) -> None:
        for key, value in node.items():
            path = canonical(f"{prefix}.{key}" if prefix else str(key))
            result[path] = value
            if isinstance(value, Mapping) and value and path not in kept:
                walk(path, value)

    walk("", data)
    return result


def leaves(data: Mapping[str, Any], *, keep: Iterable[str] = ()) -> dict[str, Any]:
    """Only the leaf paths of `flatten` (a kept path counts as a leaf)."""
    kept = set(keep)
    return {
        path: value
        for path, value in flatten(data, keep=kept).items()
        if path in kept or not (isinstance(value, Mapping) and value)
    }


def nest(values: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted names -> nested dicts: {"auth.token": x} -> {"auth": {"token": x}}."""
    result: dict[str, Any] = {}
    for name, value in values.items():
        *parents, last = split_name(name)
        node = result
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        if isinstance(node.get(last), dict) and isinstance(value, dict):
            node[last] = {**value, **node[last]}
        else:
            node[last] = value
    return result
