"""`meltano select` against the discovering test tap."""

from __future__ import annotations

import json
from pathlib import Path

from ruamel.yaml import YAML

from meltano.core.errors import ExitCode


def extractor(project: Path) -> dict:
    data = YAML(typ="safe").load((project / "meltano.yml").read_text())
    return data["plugins"]["extractors"][0]


def test_add_exclude_remove_clear(invoke, pipeline_project: Path) -> None:
    assert invoke("select", "tap-counter", "counter", "id").exit_code == 0
    assert invoke("select", "tap-counter", "counter", "id").exit_code == 0  # no duplicate
    assert invoke("select", "tap-counter", "other", "--exclude").exit_code == 0
    assert extractor(pipeline_project)["select"] == ["counter.id", "!other.*"]
    assert invoke("select", "tap-counter", "other", "--exclude", "--rm").exit_code == 0
    assert extractor(pipeline_project)["select"] == ["counter.id"]
    missing = invoke("select", "tap-counter", "nope", "--rm")
    assert missing.exit_code == ExitCode.FAILED
    assert "Pattern 'nope.*' not found" in missing.stderr
    assert invoke("select", "tap-counter", "counter", "id", "--rm").exit_code == 0
    assert extractor(pipeline_project)["select"] == []  # selects nothing, unlike no key
    assert invoke("select", "tap-counter", "--clear").exit_code == 0
    assert "select" not in extractor(pipeline_project)


def test_environment_gets_its_own_patterns(invoke, pipeline_project: Path) -> None:
    assert invoke("--environment", "prod", "select", "tap-counter", "counter").exit_code == 0
    data = YAML(typ="safe").load((pipeline_project / "meltano.yml").read_text())
    prod = next(e for e in data["environments"] if e["name"] == "prod")
    assert prod["config"]["plugins"]["extractors"] == [
        {"name": "tap-counter", "select": ["counter.*"]}
    ]
    assert "select" not in extractor(pipeline_project)


def test_list_and_json(invoke, pipeline_project: Path) -> None:
    invoke("select", "tap-counter", "counter", "id")
    document = json.loads(invoke("select", "tap-counter", "--json").stdout)
    assert document["enabled_patterns"] == ["counter.id"]
    assert {"stream": "counter", "property": "id", "selection": "automatic"} in document["streams"]
    text = invoke("select", "tap-counter", "--list", "--all").stdout
    assert text.startswith("Legend:\n\tselected\n\texcluded\n\tautomatic\n\tunsupported\n")
    assert "Enabled patterns:\n\tcounter.id\n" in text
    assert "\t[automatic  ] counter.id" in text


def test_list_failure_is_clear(invoke, pipeline_project: Path) -> None:
    broken = pipeline_project / "broken_tap.sh"
    broken.write_text("#!/bin/sh\necho 'cannot reach the API' >&2\nexit 2\n")
    broken.chmod(0o755)
    path = pipeline_project / "meltano.yml"
    text = path.read_text()
    start = text.index("executable:", text.index("tap-counter"))
    end = text.index("\n", start)
    path.write_text(text[:start] + f"executable: {broken}" + text[end:])
    result = invoke("select", "tap-counter", "--list")
    assert result.exit_code == ExitCode.FAILED
    assert "Cannot list the selected properties: Catalog discovery failed" in result.stderr
    assert "cannot reach the API" in result.stderr
    assert "Traceback" not in result.output


def test_invoke_dump_catalog_applies_rules(invoke, pipeline_project: Path) -> None:
    invoke("select", "tap-counter", "nothing", "here")
    catalog = json.loads(invoke("invoke", "--dump", "catalog", "tap-counter").stdout)
    stream_meta = next(m for m in catalog["streams"][0]["metadata"] if m["breadcrumb"] == [])
    assert stream_meta["metadata"]["selected"] is False


def test_invoke_tap_gets_its_catalog(invoke, pipeline_project: Path, capfd) -> None:
    assert invoke("invoke", "tap-counter").exit_code == 0
    out = capfd.readouterr().out
    assert '"type":"RECORD"' in out.replace(" ", "")


def test_config_test_extractor_and_loader(invoke, pipeline_project: Path) -> None:
    ok = invoke("config", "test", "tap-counter")
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.strip() == "Plugin configuration is valid"
    assert invoke("config", "test", "target-jsonl").exit_code == 0
    empty = invoke("config", "test", "tap-counter", env={"TAP_COUNTER_RECORDS": "0"})
    assert empty.exit_code == ExitCode.FAILED
    assert "No RECORD or BATCH message received" in empty.stderr
    failing = invoke("config", "test", "target-jsonl", env={"TARGET_JSONL_EXIT_AT": "1"})
    assert failing.exit_code == ExitCode.FAILED
    assert "Plugin configuration is invalid" in failing.stderr
    assert "meltano config list target-jsonl" in failing.stderr
    other = invoke("config", "test", "util")
    assert "Operation not supported for utility 'util'" in other.stderr
    assert "not supported" in invoke("config", "test", "meltano").stderr


def test_a_pattern_matching_no_discovered_stream_warns_with_the_closest(
    invoke, pipeline_project: Path
) -> None:
    before = invoke("select", "tap-counter", "countr", "id")  # never discovered: no catalog
    assert before.exit_code == 0
    assert "matches no stream" not in before.stderr
    assert invoke("select", "tap-counter", "--list").exit_code == 0  # discovers, keeps the file
    typo = invoke("select", "tap-counter", "countr", "id")
    assert typo.exit_code == 0  # still stored: the tap may grow that stream later
    assert "pattern matches no stream of the cached catalog" in typo.stderr
    assert "'counter'" in typo.stderr
    assert extractor(pipeline_project)["select"] == ["countr.id"]
    for matching in (("counter", "id"), ("count*",)):
        assert "matches no stream" not in invoke("select", "tap-counter", *matching).stderr
    assert "matches no stream" in invoke("select", "tap-counter", "x", "--exclude").stderr
