"""`meltano state`: list, get, set, merge, copy, move, clear, edit, export, import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

import click
import structlog

from meltano.cli.options import pass_project
from meltano.core.blocks import state_edits
from meltano.core.errors import MeltanoError
from meltano.core.project import environments
from meltano.core.project.environments import Policy
from meltano.core.project.project import Project
from meltano.core.project.text_files import read_text_file
from meltano.core.state import model, store
from meltano.core.state.backend import StateBackend, project_backend

log = structlog.get_logger("meltano")
COLORS = {store.Health.VALID: "green", store.Health.INVALID: "red", store.Health.EMPTY: "yellow"}
state_project = pass_project(environment_policy=Policy.UNUSED, database=True)
force_option = click.option("--force", is_flag=True, help="Don't prompt for confirmation.")


def _check_environment(project: Project, *state_ids: str) -> None:
    """Warn when a pipeline state ID names another environment than the active one.

    Without an active environment there is nothing to contradict: `state get dev:...` is how
    a user reads any environment's state.
    """

    if project.environment is None:
        return
    for state_id in state_ids:
        named = model.environment_of(state_id)
        if named and named != project.environment and named in environments.names(project):
            log.warning(
                "state ID belongs to another environment",
                state_id=state_id,
                environment=named,
                active=project.environment,
            )


def _backend(project: Project) -> StateBackend:
    override = click.get_current_context().meta.get("state_database_uri")
    if override and not project.database_uri_override:
        project.database_uri_override = override
    return project_backend(project)


def _compact(document: object) -> str:
    return json.dumps(document, separators=(",", ":"))


def _confirm(question: str, *, force: bool) -> None:
    if not force:
        click.confirm(f"{question} Continue?", abort=True)


def _one_source(state: str | None, input_file: Path | None, **more: str | None) -> str:
    """The JSON text from exactly one of STATE, --input-file (and the sources in `more`)."""
    given = [name for name, v in {"STATE": state, "--input-file": input_file, **more}.items() if v]
    if len(given) != 1:
        names = ", ".join(["STATE", "--input-file", *more])
        raise MeltanoError(f"Provide exactly one of: {names}", "See `meltano state --help`")
    if input_file is not None:
        return read_text_file(input_file, what="state file")
    return state or ""


@click.group("state")
@click.option("--database-uri", metavar="URI", help="System database URL for this invocation.")
@click.pass_context
def command(ctx: click.Context, database_uri: str | None) -> None:
    """Manage the Singer state stored for each state ID."""
    ctx.meta["state_database_uri"] = database_uri


@command.command("list")
@click.option("--pattern", help="Only state IDs matching this glob (* and ? wildcards).")
@state_project
def list_ids(project: Project, pattern: str | None) -> None:
    """List state IDs: green holds Singer state, red holds something else, yellow is empty."""
    found = store.list_states(_backend(project), pattern)
    if not found:
        log.info("no state IDs found", pattern=pattern)
    for state_id, health in found:
        click.secho(state_id, fg=COLORS[health])


@command.command("get")
@click.argument("state_id")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "pretty"]),
    default="json",
    show_default=True,
    help="json: one compact line (what `state set` accepts); pretty: indented.",
)
@click.option("--stream", metavar="NAME", help="Print only this stream's bookmark.")
@state_project
def get(project: Project, state_id: str, output_format: str, stream: str | None) -> None:
    """Print the state of STATE_ID (partial state merged over completed state)."""
    _check_environment(project, state_id)
    backend = _backend(project)
    document = (
        store.read_stream(backend, state_id, stream)
        if stream is not None
        else store.read_state(backend, state_id)
    )
    click.echo(json.dumps(document, indent=2) if output_format == "pretty" else _compact(document))


@command.command("set")
@click.argument("state_id")
@click.argument("state", required=False)
@click.option("--input-file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--no-validate", is_flag=True, help="Store it even without `singer_state`.")
@force_option
@state_project
def set_state(
    project: Project,
    state_id: str,
    state: str | None,
    input_file: Path | None,
    no_validate: bool,
    force: bool,
) -> None:
    """Replace the state of STATE_ID with STATE (or the file), as completed state."""
    _check_environment(project, state_id)
    document = model.parse_state_document(_one_source(state, input_file), validate=not no_validate)
    if no_validate:
        log.warning("state validation skipped; invalid state can break later runs")
    _confirm("This will overwrite the state's current value.", force=force)
    state_edits.set_state(_backend(project), state_id, document)
    log.info("state set", state_id=state_id)


@command.command("merge")
@click.argument("state_id")
@click.argument("state", required=False)
@click.option("--input-file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--from-state-id", help="Merge the state of this state ID.")
@state_project
def merge(
    project: Project,
    state_id: str,
    state: str | None,
    input_file: Path | None,
    from_state_id: str | None,
) -> None:
    """Merge STATE (or the file, or another ID's state) into STATE_ID as partial state."""
    _check_environment(project, state_id)
    text = _one_source(state, input_file, **{"--from-state-id": from_state_id})
    document = None if from_state_id else model.parse_state_document(text)
    state_edits.merge_state(_backend(project), state_id, document, from_state_id=from_state_id)
    log.info("state merged", state_id=state_id)


@command.command("copy")
@click.argument("src_state_id")
@click.argument("dst_state_id")
@force_option
@state_project
def copy(project: Project, src_state_id: str, dst_state_id: str, force: bool) -> None:
    """Give DST_STATE_ID the state of SRC_STATE_ID."""
    _check_environment(project, src_state_id, dst_state_id)
    _confirm("This will overwrite the destination state.", force=force)
    state_edits.copy_state(_backend(project), src_state_id, dst_state_id)
    log.info("state copied", source=src_state_id, destination=dst_state_id)


@command.command("move")
@click.argument("src_state_id")
@click.argument("dst_state_id")
@force_option
@state_project
def move(project: Project, src_state_id: str, dst_state_id: str, force: bool) -> None:
    """Give DST_STATE_ID the state of SRC_STATE_ID, then clear SRC_STATE_ID."""
    _check_environment(project, src_state_id, dst_state_id)
    _confirm("This will clear the source state and overwrite the destination state.", force=force)
    state_edits.move_state(_backend(project), src_state_id, dst_state_id)
    log.info("state moved", source=src_state_id, destination=dst_state_id)


@command.command("clear")
@click.argument("state_id", required=False)
@click.option("--all", "clear_every", is_flag=True, help="Clear every state ID.")
@click.option(
    "--stream",
    "streams",
    metavar="NAME",
    multiple=True,
    help="Remove only this stream's bookmark (repeatable); other streams keep theirs.",
)
@force_option
@state_project
def clear(
    project: Project, state_id: str | None, clear_every: bool, streams: tuple[str, ...], force: bool
) -> None:
    """Delete the state of STATE_ID, or of every ID with --all, or only some streams' bookmarks."""
    if bool(state_id) == clear_every:
        raise click.UsageError("Give either a state ID or --all, not both")
    if streams and clear_every:
        raise click.UsageError("--stream clears streams of one state ID: give it, not --all")
    backend = _backend(project)
    if streams:
        assert state_id is not None  # checked above
        _check_environment(project, state_id)
        names = ", ".join(streams)
        _confirm(f"This will remove the bookmarks of {names} from {state_id}.", force=force)
        state_edits.clear_streams(backend, state_id, streams)
        log.info("stream state cleared", state_id=state_id, streams=list(streams))
        return
    if clear_every:
        _confirm("This will clear the state of every state ID.", force=force)
        count = store.clear_all(backend)
        log.info("states cleared", count=count)
        return
    assert state_id is not None  # checked above
    _confirm(f"This will clear the state of {state_id}.", force=force)
    store.clear_state(backend, state_id)
    log.info("state cleared", state_id=state_id)


@command.command("edit")
@click.argument("state_id")
@force_option
@state_project
def edit(project: Project, state_id: str, force: bool) -> None:
    """Edit the state of STATE_ID in $EDITOR (it must keep a top-level `singer_state`)."""
    _check_environment(project, state_id)
    backend = _backend(project)
    before = json.dumps(store.read_state(backend, state_id), indent=2)
    after = click.edit(before, extension=".json", require_save=True)
    if after is None or not after.strip() or after.strip() == before.strip():
        log.info("state unchanged", state_id=state_id)
        return
    document = model.parse_state_document(after)
    _confirm("This will overwrite the state's current value.", force=force)
    store.save_state(backend, state_id, document, complete=True)
    log.info("state set", state_id=state_id)


@command.command("export")
@state_project
def export(project: Project) -> None:
    """Print every state ID's completed and partial state as one JSON object."""
    click.echo(_compact(store.export_states(_backend(project))))


@command.command("import")
@click.argument("input_file", type=click.File("r"), default="-")
@state_project
def import_states(project: Project, input_file: TextIO) -> None:
    """Store what `meltano state export` printed (from INPUT_FILE or stdin)."""
    try:
        data = json.load(input_file)
    except ValueError as error:
        raise MeltanoError(f"Invalid JSON in the state import: {error}") from error
    if not isinstance(data, dict):
        raise click.UsageError("The state import must be a JSON object (expected a JSON object)")
    count = store.import_states(_backend(project), model.parse_export(data))
    log.info("states imported", count=count)
