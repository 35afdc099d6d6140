from __future__ import annotations

from pathlib import Path

from meltano.core.errors import ExitCode


def test_list(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("environment", "list")
    assert result.exit_code == 0
    assert result.stdout == "dev\nstaging\nprod\n"


def test_add_and_remove_keep_the_rest_of_the_file(invoke, project_dir: Path) -> None:  # type: ignore[no-untyped-def]
    path = project_dir / "meltano.yml"
    path.write_text("# my project\n" + path.read_text() + "env: {A: '1'}  # flow\n")
    result = invoke("environment", "add", "qa")
    assert result.exit_code == 0
    assert result.stdout == "Created new environment 'qa'\n"
    text = path.read_text()
    assert text.startswith("# my project\n")
    assert "- name: prod\n- name: qa\n" in text
    assert "env: {A: '1'}  # flow" in text
    assert invoke("environment", "remove", "qa").stdout == "Removed environment 'qa'\n"
    assert "qa" not in path.read_text()


def test_add_duplicate_or_colon_fails_cleanly(invoke, project_dir: Path) -> None:  # type: ignore[no-untyped-def]
    before = (project_dir / "meltano.yml").read_text()
    duplicate = invoke("environment", "add", "dev")
    assert duplicate.exit_code == ExitCode.FAILED
    assert "An Environment named 'dev' already exists" in duplicate.stderr
    colon = invoke("environment", "add", "a:b")
    assert colon.exit_code == ExitCode.FAILED
    assert "':'" in colon.stderr
    assert (project_dir / "meltano.yml").read_text() == before


def test_remove_unknown(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("environment", "remove", "nope")
    assert result.exit_code == ExitCode.FAILED
    assert "Environment 'nope' was not found" in result.stderr


def test_read_only_project_refuses(invoke, project_dir: Path) -> None:  # type: ignore[no-untyped-def]
    before = (project_dir / "meltano.yml").read_text()
    result = invoke("environment", "add", "qa", env={"MELTANO_PROJECT_READONLY": "true"})
    assert result.exit_code == ExitCode.FAILED
    assert "deployed as read-only" in result.stderr
    assert (project_dir / "meltano.yml").read_text() == before


def test_remove_from_included_file(invoke, project_dir: Path) -> None:  # type: ignore[no-untyped-def]
    path = project_dir / "meltano.yml"
    path.write_text(path.read_text() + "include_paths: ['./envs/*.yml']\n")
    (project_dir / "envs").mkdir()
    included = project_dir / "envs" / "qa.yml"
    included.write_text("environments:\n- name: qa\n")
    assert invoke("environment", "list").stdout.split() == ["dev", "staging", "prod", "qa"]
    root_before = path.read_text()
    assert invoke("environment", "remove", "qa").exit_code == 0
    assert path.read_text() == root_before
    assert "qa" not in included.read_text()


def test_list_keeps_file_order_with_includes_and_cache(invoke, project_dir: Path) -> None:  # type: ignore[no-untyped-def]
    (project_dir / "more.yml").write_text("environments:\n- name: beta\n- name: aaa\n")
    text = (project_dir / "meltano.yml").read_text()
    text = text.replace(
        "- name: dev\n- name: staging\n- name: prod\n", "- name: zeta\n- name: prod\n- name: dev\n"
    )
    (project_dir / "meltano.yml").write_text(text + "include_paths: [more.yml]\n")
    assert invoke("environment", "add", "mid").exit_code == 0
    expected = "zeta\nprod\ndev\nmid\nbeta\naaa\n"  # as 4.4.1 lists them: not sorted
    assert invoke("environment", "list").stdout == expected
    assert invoke("environment", "list").stdout == expected  # from the parsed-file cache too
