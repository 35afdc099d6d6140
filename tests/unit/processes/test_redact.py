"""Masking a run's secrets in batches of plugin lines: every spelling, and only secrets."""

from __future__ import annotations

import json

import pytest

from meltano.core.processes.redact import Redactor, spellings, worth_masking

MASK = "*****"
PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\r\nAQEFAASCBKcwggSj\n-----END PRIVATE KEY-----"


def redact(secrets: list[str], lines: list[bytes]) -> list[bytes]:
    redactor = Redactor.of(secrets, MASK)
    assert redactor is not None
    return redactor.lines(lines)


@pytest.mark.parametrize(
    "value", ["", "abc", "   ", "    ", "true", "FALSE", "Yes", "no", "On", "off", "null", "None"]
)
def test_short_values_and_plain_words_are_not_secrets(value: str) -> None:
    assert not worth_masking(value)
    assert spellings(value) == set()
    assert Redactor.of([value], MASK) is None  # nothing to mask: no scan at all


def test_a_run_without_secrets_gets_no_redactor() -> None:
    assert Redactor.of([], MASK) is None


def test_a_secret_is_masked_wherever_it_is_in_a_line() -> None:
    lines = [b"connecting with hunter2-secret now", b"hunter2-secret", b"x=hunter2-secret;y=1"]
    assert redact(["hunter2-secret"], lines) == [
        b"connecting with ***** now",
        b"*****",
        b"x=*****;y=1",
    ]


def test_lines_without_a_secret_come_back_as_the_same_list() -> None:
    lines = [b"INFO wrote record 1", b"INFO wrote record 2"]
    redactor = Redactor.of(["hunter2-secret"], MASK)
    assert redactor is not None
    assert redactor.lines(lines) is lines
    assert redactor.lines([]) == []


def test_json_escaped_and_repr_spellings_are_masked() -> None:
    secret = 'pa"ss\\wörd-9137'
    lines = [
        json.dumps({"password": secret}).encode(),  # ASCII JSON: \" \\ \u00f6
        json.dumps({"password": secret}, ensure_ascii=False).encode(),
        repr({"password": secret}).encode(),  # a Python plugin printing its config dict
        secret.encode(),
    ]
    assert redact([secret], lines) == [
        b'{"password": "*****"}',
        b'{"password": "*****"}',
        b"{'password': '*****'}",
        b"*****",
    ]


def test_each_line_of_a_multi_line_secret_is_masked() -> None:
    printed = [line.encode() for line in PEM.replace("\r", "").split("\n")]
    assert redact([PEM], [b"key:", *printed, b"done"]) == [b"key:", *[b"*****"] * 4, b"done"]
    assert redact([PEM], [json.dumps(PEM).encode()]) == [b'"*****"']  # the whole, JSON-escaped


def test_a_multi_line_secret_does_not_mask_its_short_or_plain_lines() -> None:
    secret = "line-one-secret\nabc\ntrue"
    assert spellings(secret) >= {"line-one-secret"}
    assert not {"abc", "true"} & spellings(secret)
    assert redact([secret], [b"abc true", b"line-one-secret"]) == [b"abc true", b"*****"]


def test_the_longest_secret_wins_and_overlapping_secrets_are_masked_whole() -> None:
    assert redact(["abcd", "abcdefgh"], [b"<abcdefgh>"]) == [b"<*****>"]
    assert redact(["abcdef", "defghi"], [b"<abcdefghi>"]) == [b"<*****>"]  # nothing of either
    assert redact(["abcd", "wxyz"], [b"abcdwxyz abcd"]) == [b"********** *****"]


def test_a_secret_is_found_in_any_line_of_a_large_batch() -> None:
    lines = [b"INFO tap-counter wrote record %d, all is well" % n for n in range(5_000)]
    lines[4_321] = b"DEBUG connect(password=hunter2-secret)"
    result = redact([f"other-secret-{n}" for n in range(30)] + ["hunter2-secret"], lines)
    assert len(result) == len(lines)
    assert result[4_321] == b"DEBUG connect(password=*****)"
    assert result[:4_321] == lines[:4_321]
    assert result[4_322:] == lines[4_322:]


def test_bytes_that_are_not_utf8_stay_as_they_are() -> None:
    assert redact(["hunter2-secret"], [b"\xff\xfe hunter2-secret \xc3("]) == [
        b"\xff\xfe ***** \xc3("
    ]


def test_text_is_masked_too() -> None:
    redactor = Redactor.of(["hunter2-secret"], MASK)
    assert redactor is not None
    assert redactor.text("error: bad hunter2-secret") == "error: bad *****"
    assert redactor.text("nothing here") == "nothing here"
