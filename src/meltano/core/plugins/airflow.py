"""The `airflow` orchestrator: its home, `airflow.cfg` and database, made before each run.

Airflow reads everything from `AIRFLOW_HOME` / `AIRFLOW_CONFIG`. `AIRFLOW_HOME` is the
plugin's lasting directory (`.meltano/run/airflow/`); `airflow.cfg`, written from the plugin's
settings, whose dotted names are `section.key` (`core.dags_folder` becomes `[core]
dags_folder`; keys not set keep Airflow's defaults), holds secrets (a database URL), so it goes
into the invocation's private run directory and is removed when the invocation ends.
Airflow refuses to run on an unmigrated metadata database, so it is migrated before a command
(except `airflow db ...` itself) whenever Airflow or its config changed since the last
migration (a migration takes about ten seconds even when nothing is
to do, so it is not repeated for every command).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from meltano.core.errors import MeltanoError
from meltano.core.plugins.private import secure_dir, write_private
from meltano.core.plugins.types import PluginType
from meltano.core.processes.lines import decode_line
from meltano.core.processes.outcome import (
    PipelineInterruptedError,
    PipelineTerminatedError,
    exit_status,
)
from meltano.core.processes.pipes import run_pipeline

if TYPE_CHECKING:
    from meltano.core.plugins.invocation import Invocation
    from meltano.core.plugins.project_plugin import ProjectPlugin

log = structlog.get_logger("meltano")
CONFIG_FILE = "airflow.cfg"
MIGRATED_MARKER = "airflow.migrated"
MIGRATE_TIMEOUT_SECONDS = 600
_NO_MIGRATION_FIRST = ("db", "version", "--help", "-h")


class AirflowDatabaseError(MeltanoError):
    def __init__(self, code: int, output: str) -> None:
        super().__init__(
            f"`airflow db migrate` failed with exit code {code}: {output.strip()[-1500:]}",
            "Check the airflow plugin's `database.sql_alchemy_conn` setting, or run "
            "`meltano invoke airflow db migrate` to see the whole output",
        )


def is_airflow(plugin: ProjectPlugin) -> bool:
    """The orchestrator called (or inheriting from, or namespaced) `airflow`."""
    if plugin.type is not PluginType.ORCHESTRATORS:
        return False
    return "airflow" in (plugin.name, plugin.namespace, plugin.inherit_from)


def render_config(config: Mapping[str, Any]) -> str:
    """INI text from nested settings: top-level keys are sections, values plain text."""
    import configparser  # its regular expressions cost more than this whole module

    parser = configparser.ConfigParser(interpolation=None)
    for section, values in config.items():
        if not isinstance(values, Mapping):
            log.warning("airflow setting is not section.key, ignored", setting=section)
            continue
        parser[section] = {key: _ini_value(value) for key, value in _flat(values).items()}
    buffer = io.StringIO()
    parser.write(buffer)
    return buffer.getvalue()


def _flat(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Mapping):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _ini_value(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return "" if value is None else str(value)


def prepare_airflow(invocation: Invocation) -> None:
    """For the airflow orchestrator: set its home, write airflow.cfg, migrate its database."""
    if not is_airflow(invocation.plugin):
        return
    home = secure_dir(invocation.home)  # its database and logs last from one command to the next
    config_path = invocation.run_dir / CONFIG_FILE  # secrets: gone with the invocation
    invocation.env["AIRFLOW_HOME"] = str(home)
    invocation.env["AIRFLOW_CONFIG"] = str(config_path)
    config_text = render_config(invocation.settings.config())
    write_private(config_path, config_text)
    invocation.generated.append(config_path)
    log.debug("wrote airflow config", path=str(config_path))
    args = invocation.argv[1:]
    if args and args[0] in _NO_MIGRATION_FIRST:
        return
    marker = home / MIGRATED_MARKER
    fingerprint = _fingerprint(invocation.argv[0], config_text)
    if marker.is_file() and marker.read_text() == fingerprint:
        return
    _migrate(invocation)
    marker.write_text(fingerprint)


def _fingerprint(executable: str, config_text: str) -> str:
    """Changes when Airflow is reinstalled or its config changes."""
    installed = Path(executable).stat().st_mtime_ns if Path(executable).exists() else 0
    return hashlib.sha256(f"{installed}\n{config_text}".encode()).hexdigest()


def _migrate(invocation: Invocation) -> None:
    log.info("migrating the airflow database")
    stdout: list[bytes] = []
    stderr: list[bytes] = []
    redactor = invocation.redactor()
    outcome = asyncio.run(
        run_pipeline(
            [invocation.command(argv=[invocation.argv[0], "db", "migrate"])],
            on_state=stdout.append,
            on_log=lambda _index, line: stderr.append(line),
            timeout=MIGRATE_TIMEOUT_SECONDS,
            redactor=redactor,
        )
    )
    if outcome.error is None:
        return
    if isinstance(outcome.error, (PipelineInterruptedError, PipelineTerminatedError)):
        raise outcome.error  # Ctrl-C or SIGTERM to meltano: not the database's fault
    output = "\n".join(decode_line(line) for line in (stderr or stdout))
    if redactor is not None:
        output = redactor.text(output)  # its stdout, unlike its stderr, was not masked yet
    raise AirflowDatabaseError(exit_status(outcome.results[0].returncode), output)
