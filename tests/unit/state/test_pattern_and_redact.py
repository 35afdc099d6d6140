from __future__ import annotations

import pytest

from meltano.core.state.pattern import matches, to_like
from meltano.core.state.redact import redact


@pytest.mark.parametrize(
    ("pattern", "state_id", "expected"),
    [
        ("dev:*", "dev:tap-to-target", True),
        ("dev:*", "prod:tap-to-target", False),
        ("a_b", "axb", False),
        ("a%b", "axxb", False),
        ("a?b", "axb", True),
        ("[ab]", "a", False),
        ("*", "anything", True),
        (None, "x", True),
    ],
)
def test_glob_matching(pattern: str | None, state_id: str, expected: bool) -> None:
    assert matches(pattern, state_id) is expected


def test_like_translation_escapes_sql_wildcards() -> None:
    assert to_like("dev:a_b%*?\\") == "dev:a\\_b\\%%_\\\\"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("s3://AKIA123:s3cr3t@bucket/prefix", "s3cr3t"),
        ("postgresql://user:pw@host/db", "pw"),
        ("https://acct.blob.core.windows.net/c?sv=2020&sig=abcdef", "abcdef"),
        ("DefaultEndpointsProtocol=http;AccountName=a;AccountKey=KEYKEY==;", "KEYKEY"),
    ],
)
def test_redact_hides_credentials(text: str, secret: str) -> None:
    assert secret not in redact(text)
