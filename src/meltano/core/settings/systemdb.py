"""The system database store: rows of `plugin_settings`, values pickled as 4.4.1 does."""

from __future__ import annotations

import decimal
import io
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from meltano.core.errors import MeltanoError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from meltano.core.plugins.project_plugin import ProjectPlugin
    from meltano.core.project.project import Project

# Values are plain JSON-like data; 4.4.1 reads protocol 4, so never write anything newer.
PICKLE_PROTOCOL = 4


def namespace(plugin: ProjectPlugin | None) -> str:
    """`meltano` for Meltano's settings, `<type>.<name>.default` for a plugin's."""
    return "meltano" if plugin is None else f"{plugin.type.value}.{plugin.name}.default"


@contextmanager
def session(project: Project) -> Iterator[Session]:
    """A session on the migrated system database; commits when the block succeeds."""
    from sqlalchemy.orm import Session

    from meltano.core.db.engine import create_engine, database_uri, migrate

    engine = create_engine(database_uri(project, project.database_uri_override))
    try:
        migrate(engine)
        with Session(engine) as db, db.begin():
            yield db
    finally:
        engine.dispose()


def read_values(project: Project, owner: str) -> dict[str, Any]:
    """Enabled values stored for namespace `owner`, by setting name."""
    from sqlalchemy import select

    from meltano.core.db.models import PluginSetting

    with session(project) as db:
        rows = db.scalars(select(PluginSetting).where(PluginSetting.namespace == owner)).all()
        return {row.name: _unpickle(row.name, row.value) for row in rows if row.enabled}


def write_value(project: Project, owner: str, name: str, value: Any) -> None:
    """Insert or replace one setting value."""
    from meltano.core.db.models import PluginSetting

    with session(project) as db:
        db.merge(
            PluginSetting(
                name=name,
                namespace=owner,
                value=pickle.dumps(value, protocol=PICKLE_PROTOCOL),
                enabled=True,
            )
        )


def delete_values(project: Project, owner: str, names: list[str] | None = None) -> int:
    """Delete the named values (all of the namespace when `names` is None); count them."""
    from sqlalchemy import delete

    from meltano.core.db.models import PluginSetting

    statement = delete(PluginSetting).where(PluginSetting.namespace == owner)
    if names is not None:
        statement = statement.where(PluginSetting.name.in_(names))
    with session(project) as db:
        return int(getattr(db.execute(statement), "rowcount", 0) or 0)


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
