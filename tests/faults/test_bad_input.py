"""F29, F30, F31: bad local input is refused with what and where, never as a bug.

F29 binary and non-UTF-8 files, `--cwd` at a device, an unclosed quote in `commands:`,
`include_paths` leaving the project; F30 state IDs with control characters and symlinks out of
a `file://` state directory; F31 a config value of the wrong kind in meltano.yml.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from meltano.core.errors import ExitCode
from tests.faults.conftest import RUN, STATE_ID, Finished, add_to_meltano_yml, ids, meltano


def refused(done: Finished, code: int = ExitCode.FAILED) -> str:
    """The single `Error:` line of a command that failed as expected (not as a bug)."""
    assert done.code == code, (done.code, done.stderr[-2000:])
    assert "bug in meltano" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, done.stderr[-2000:]
    return errors[0]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"A=1\nB=caf\xe9\n", "is not UTF-8 text: byte 0xe9 at byte offset 9 (line 2)"),
        (b"A=1\nB=x\x00y\n", "is a binary file, not text: a NUL byte at byte offset 7 (line 2)"),
    ],
    ids=["latin-1", "nul"],
)
def test_f29_dotenv_that_is_not_text(pipeline_project: Path, content: bytes, expected: str) -> None:
    env_file = pipeline_project / ".env"
    env_file.write_bytes(content)
    for args in (
        ("config", "list", "tap-counter"),
        ("config", "set", "tap-counter", "records", "3", "--store=dotenv"),
        ("run", "tap-counter", "target-jsonl"),
    ):
        error = refused(meltano(pipeline_project, *args))
        assert f"The dotenv file {env_file} {expected}" in error, error
        assert "caf" not in error and "x" not in error.split("offset")[1]  # never the content
    assert env_file.read_bytes() == content  # left as it was


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"singer_state": {"a": "caf\xe9"}}', "is not UTF-8 text: byte 0xe9 at byte offset 27"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "is a binary file, not text: a NUL byte at byte offset 8"),
    ],
    ids=["latin-1", "binary"],
)
def test_f29_state_input_file_that_is_not_text(
    pipeline_project: Path, content: bytes, expected: str
) -> None:
    path = pipeline_project / "state.json"
    path.write_bytes(content)
    done = meltano(
        pipeline_project, "state", "set", "--force", "dev:a-to-b", "--input-file", str(path)
    )
    assert f"The state file {path} {expected}" in refused(done)


def test_f29_cwd_at_a_device(pipeline_project: Path) -> None:
    for device in ("/dev/null", str(pipeline_project / "meltano.yml")):
        done = meltano(pipeline_project, "--cwd", device, "state", "list")
        error = refused(done, ExitCode.USAGE)
        assert "--cwd" in error and device in error


def test_f29_unclosed_quote_in_command_args(pipeline_project: Path) -> None:
    add_to_meltano_yml(
        pipeline_project,
        '      fail: -c "exit 4"\n',
        '      fail: -c "exit 4"\n      broken: -c "echo unclosed\n',
    )
    for args in (("invoke", "util:broken"), ("run", "util:broken")):
        error = refused(meltano(pipeline_project, *args))
        assert "Utility 'util', command 'broken'" in error
        assert "no closing quotation" in error


@pytest.mark.parametrize("case", ["absolute", "parent", "symlink-out", "device", "fifo"])
def test_f29_include_paths_outside_the_project_or_not_a_file(
    pipeline_project: Path, case: str
) -> None:
    outside = pipeline_project.parent / "outside.yml"
    outside.write_text("plugins: {}\n")
    pattern, expected = {
        "absolute": (str(outside), f"The include_paths pattern '{outside}' is an absolute path"),
        "parent": ("../*.yml", f"resolves to {outside}, outside the project"),
        "symlink-out": ("link.yml", f"resolves to {outside}, outside the project"),
        "device": ("dev.yml", "resolves to /dev/zero, outside the project"),
        "fifo": ("fifo.yml", f"Included path {pipeline_project / 'fifo.yml'} "),
    }[case]
    if case == "symlink-out":
        (pipeline_project / "link.yml").symlink_to(outside)
    elif case == "device":
        (pipeline_project / "dev.yml").symlink_to("/dev/zero")
    elif case == "fifo":
        os.mkfifo(pipeline_project / "fifo.yml")
    meltano_yml = pipeline_project / "meltano.yml"
    meltano_yml.write_text(meltano_yml.read_text() + f"include_paths: ['{pattern}']\n")
    error = refused(meltano(pipeline_project, "config", "list", "tap-counter"))
    assert expected in error, error
    if case == "fifo":
        assert "is not a regular file" in error


@pytest.mark.parametrize(
    "args",
    [
        ("state", "set", "--force", "dev:a\nb", '{"singer_state": {"a": 1}}'),
        ("state", "merge", "dev:a\rb", '{"singer_state": {"a": 1}}'),
        ("state", "get", "dev:a\x1bb"),
        ("state", "copy", "--force", STATE_ID, "dev:a\nb"),
        ("run", "--state-id-suffix", "x\ty", "tap-counter", "target-jsonl"),
        ("el", "--state-id", "a\nb", "tap-counter", "target-jsonl"),
    ],
    ids=["set", "merge", "get", "copy", "run", "el"],
)
def test_f30_state_ids_with_control_characters_are_refused(
    pipeline_project: Path, args: tuple[str, ...]
) -> None:
    stored = ("state", "set", "--force", STATE_ID, '{"singer_state": {"a": 1}}')
    assert meltano(pipeline_project, *stored).code == 0  # something to copy from
    error = refused(meltano(pipeline_project, *args))
    assert "contains a control character (U+00" in error, error
    listed = meltano(pipeline_project, "state", "list", log_level="warning")
    assert listed.stdout.split() == [STATE_ID]  # nothing else stored
    assert ids(pipeline_project) == []  # no plugin started


def test_f30_control_characters_from_files_are_refused_too(pipeline_project: Path) -> None:
    exported = pipeline_project / "export.json"
    exported.write_text(
        json.dumps({"dev:a\u0000b": {"completed": {"singer_state": {}}, "partial": {}}})
    )
    error = refused(meltano(pipeline_project, "state", "import", str(exported)))
    assert "'dev:a\\x00b' contains a control character (U+0000 at position 5)" in error
    add_to_meltano_yml(
        pipeline_project, "- name: dev\n", '- name: dev\n  state_id_suffix: "a\\0b"\n'
    )
    error = refused(meltano(pipeline_project, *RUN))
    assert "contains a control character (U+0000" in error
    assert ids(pipeline_project) == []  # refused before any plugin started


def test_f30_file_backend_never_follows_a_symlink_out_of_its_directory(
    pipeline_project: Path,
) -> None:
    states, outside = pipeline_project / "states", pipeline_project.parent / "elsewhere"
    (outside / "dev:x-to-y").mkdir(parents=True)
    (states).mkdir()
    target = outside / "dev:x-to-y" / "state.json"
    target.write_text('{"completed": {"singer_state": {"secret": 1}}, "partial": {}}')
    (states / "dev:x-to-y").symlink_to(outside / "dev:x-to-y")
    (states / STATE_ID).symlink_to(outside / "dev:x-to-y")
    env = {"MELTANO_STATE_BACKEND_URI": f"file://{states}"}
    for args in (
        ("state", "get", "dev:x-to-y"),
        ("state", "set", "--force", "dev:x-to-y", '{"singer_state": {"mine": 2}}'),
        ("state", "clear", "--force", "dev:x-to-y"),
        RUN,
    ):
        error = refused(meltano(pipeline_project, *args, env=env))
        assert f"leads to {target.parent}/" in error, error  # state.json or run.lease
        assert f"outside the state directory {states}" in error, error
    listed = meltano(pipeline_project, "state", "list", env=env)
    assert listed.code == 0 and "dev:x-to-y" not in listed.stdout
    assert json.loads(target.read_text())["completed"] == {"singer_state": {"secret": 1}}
    assert ids(pipeline_project) == []


@pytest.mark.parametrize("where", ["extractor", "environment", "loader"])
def test_f31_config_value_of_the_wrong_kind_is_located_before_any_plugin_starts(
    pipeline_project: Path, where: str
) -> None:
    path = pipeline_project / "meltano.yml"
    text = path.read_text()
    if where == "extractor":
        text = text.replace("      records: 6\n", "      records: abc\n")
        plugin = "Extractor 'tap-counter'"
        line = next(n for n, row in enumerate(text.splitlines(), 1) if "records: abc" in row)
        column = 16
    elif where == "environment":
        text = text.replace(
            "- name: dev\n",
            "- name: dev\n  config:\n    plugins:\n      extractors:\n      - name: tap-counter\n"
            "        config:\n          records: [1, 2]\n",
        )
        plugin = "Extractor 'tap-counter'"
        line = next(n for n, row in enumerate(text.splitlines(), 1) if "records: [1, 2]" in row)
        column = 20
    else:
        text = text.replace(
            "    namespace: target_jsonl\n",
            "    namespace: target_jsonl\n    settings:\n    - {name: batch_size, kind: integer}\n",
        ).replace("    config:\n      path:", "    config:\n      batch_size: 1.5\n      path:")
        plugin = "Loader 'target-jsonl'"
        line = next(n for n, row in enumerate(text.splitlines(), 1) if "batch_size: 1.5" in row)
        column = 19
    path.write_text(text)
    for args in (RUN, ("--environment=dev", "config", "list", plugin.split("'")[1])):
        error = refused(meltano(pipeline_project, *args))
        assert error.startswith(f"Error: {path}:{line}:{column}: {plugin} setting '"), error
        assert "expects an integer (kind: integer), got" in error
    assert ids(pipeline_project) == []
    # The tap was never started, not even to discover its catalog.
    assert not (pipeline_project / ".meltano" / "run" / "tap-counter").exists()
