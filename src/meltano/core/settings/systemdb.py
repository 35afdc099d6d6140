"""The system database store: rows of `plugin_settings`, values pickled as 4.4.1 does."""

from __future__ import annotations

import decimal
import io
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from meltano.core.errors import MeltanoError
from meltano.core.settings.database import open_database

if TYPE_CHECKING:
    from meltano.core.db.sql import Transaction
    from meltano.core.plugins.project_plugin import ProjectPlugin
    from meltano.core.project.project import Project

# Values are plain JSON-like data; 4.4.1 reads protocol 4, so never write anything newer.
PICKLE_PROTOCOL = 4


def namespace(plugin: ProjectPlugin | None) -> str:
    """`meltano` for Meltano's settings, `<type>.<name>.default` for a plugin's."""
    return "meltano" if plugin is None else f"{plugin.type.value}.{plugin.name}.default"


@contextmanager
def session(project: Project, *, write: bool = True) -> Iterator[Transaction]:
    """A transaction on the migrated system database; commits when the block succeeds."""
    database = open_database(project)
    try:
        with database.transaction(write=write) as transaction:
            yield transaction
    finally:
        database.close()


def read_values(project: Project, owner: str) -> dict[str, Any]:
    """Enabled values stored for namespace `owner`, by setting name."""
    with session(project, write=False) as db:
        rows = db.rows(
            "SELECT name, value, enabled FROM plugin_settings WHERE namespace = :namespace",
            {"namespace": owner},
        )
    return {name: _unpickle(name, value) for name, value, enabled in rows if enabled}


def write_value(project: Project, owner: str, name: str, value: Any) -> None:
    """Insert or replace one setting value."""
    values = {
        "name": name,
        "namespace": owner,
        "value": pickle.dumps(value, protocol=PICKLE_PROTOCOL),
        "enabled": True,
    }
    with session(project) as db:
        changed = db.run(
            "UPDATE plugin_settings SET value = :value, enabled = :enabled "
            "WHERE name = :name AND namespace = :namespace",
            values,
        )
        if not changed:
            db.run(
                "INSERT INTO plugin_settings (name, namespace, value, enabled) "
                "VALUES (:name, :namespace, :value, :enabled)",
                values,
            )


def delete_values(project: Project, owner: str, names: list[str] | None = None) -> int:
    """Delete the named values (all of the namespace when `names` is None); count them."""
    statement = "DELETE FROM plugin_settings WHERE namespace = :namespace"
    params: dict[str, Any] = {"namespace": owner}
    if names is not None:
        marks = ", ".join(f":n{index}" for index in range(len(names)))
        statement += f" AND name IN ({marks})" if names else " AND 1 = 0"
        params.update({f"n{index}": name for index, name in enumerate(names)})
    with session(project) as db:
        return db.run(statement, params)


class _PlainUnpickler(pickle.Unpickler):
    """Unpickles plain data only: a row can never make us import or call anything else."""

    ALLOWED = frozenset({("decimal", "Decimal"), ("datetime", "date"), ("datetime", "datetime")})

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def _unpickle(name: str, data: bytes | None) -> Any:
    if data is None:
        return None
    try:
        value = _PlainUnpickler(io.BytesIO(data)).load()
    except Exception as error:  # any unpickling failure means a foreign or damaged row
        raise MeltanoError(
            f"The system database holds an unreadable value for setting '{name}'",
            f"Remove it with `meltano config unset ... {name} --store=db`",
        ) from error
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
