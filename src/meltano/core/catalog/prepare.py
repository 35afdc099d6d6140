"""Give a prepared tap its catalog (discovered, cached, shaped by rules) and its state file."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from meltano.core.catalog.cache import CatalogCache, cache_key
from meltano.core.catalog.discovery import (
    DiscoveryFailedError,
    can_discover,
    catalog_flag,
)
from meltano.core.catalog.rules import CatalogRules
from meltano.core.catalog.run_catalog import CatalogRequest, Wanted, catalog_for_run
from meltano.core.processes.pipes import run_pipeline
from meltano.core.processes.plugin_logs import PluginLogs

if TYPE_CHECKING:
    from meltano.core.catalog.rules import CatalogRules
    from meltano.core.catalog.run_catalog import RunCatalog
    from meltano.core.plugins.invocation import Invocation
    from meltano.core.project.project import Project

log = structlog.get_logger("meltano")


def _rules(invocation: Invocation, select_filter: Sequence[str]) -> CatalogRules:
    extras = invocation.settings.extras()
    return CatalogRules(
        select=tuple(extras.get("_select") or ("*.*",)),
        metadata=dict(extras.get("_metadata") or {}),
        schema=dict(extras.get("_schema") or {}),
        select_filter=tuple(select_filter or extras.get("_select_filter") or ()),
    )


def discover(project: Project, invocation: Invocation, destination: Path) -> None:
    """Run `<tap> --config F --discover`, its stdout going straight into `destination`."""

    plugin = invocation.plugin
    argv = [*invocation.argv[:1], "--config", str(invocation.config_path), "--discover"]
    log.info("running catalog discovery", plugin=plugin.name)
    with destination.open("wb") as handle:
        outcome = asyncio.run(
            run_pipeline(
                [invocation.command(argv=argv)],
                on_state=None,
                on_log=PluginLogs([plugin.name]),
                stdout_to=handle.fileno(),
                redactor=invocation.redactor(),
            )
        )
    if outcome.error is not None:
        result = outcome.results[0]
        if result.returncode != 0:
            raise DiscoveryFailedError(
                plugin.name, result.returncode, "\n".join(result.stderr_tail)
            )
        raise outcome.error


def tap_catalog(
    project: Project,
    invocation: Invocation,
    *,
    refresh: bool,
    catalog_file: Path | None = None,
    select_filter: Sequence[str] = (),
    wanted: Wanted | None = None,
) -> RunCatalog | None:
    """Find the tap's catalog and apply the rules, making what `wanted` asks for (the catalog
    file, the `select --list` rows); None when the tap cannot have a catalog."""
    plugin = invocation.plugin
    extras = invocation.settings.extras()
    custom = catalog_file or (Path(str(extras["_catalog"])) if extras.get("_catalog") else None)
    if custom is not None and not custom.is_absolute():
        custom = project.root / custom
    if custom is None and not can_discover(plugin.capabilities):
        return None  # no catalog to find: skip the catalog machinery altogether

    settings = {
        d.name: invocation.settings.values[d.name].value
        for d in invocation.settings.definitions
        if not d.is_extra
    }
    request = CatalogRequest(
        plugin_name=plugin.name,
        capabilities=plugin.capabilities,
        rules=_rules(invocation, select_filter),
        cache_key=cache_key(
            settings,
            schema_extra=extras.get("_schema"),
            metadata_extra=extras.get("_metadata"),
            pip_url=plugin.pip_url,
            custom_catalog=custom is not None,
        ),
        use_cached_catalog=bool(extras.get("_use_cached_catalog", True)),
        refresh=refresh,
        custom_catalog=custom,
    )
    cache = CatalogCache(invocation.home)
    cache.directory.mkdir(mode=0o700, parents=True, exist_ok=True)  # private, as run dirs are
    found = catalog_for_run(
        request,
        cache=cache,
        discover=lambda destination: discover(project, invocation, destination),
        wanted=wanted or Wanted(),
    )
    if found is None:
        return None
    for warning in found.warnings:
        log.warning("catalog rule matches nothing", plugin=plugin.name, detail=warning)
    return found


def prepare_tap(
    project: Project,
    invocation: Invocation,
    *,
    state_path: Path | None,
    refresh: bool = False,
    catalog_file: Path | None = None,
    select_filter: Sequence[str] = (),
    keep_catalog: bool = False,
) -> RunCatalog | None:
    """Append `--catalog`/`--properties` and `--state` to a tap's argv; return its catalog.

    The catalog file (`RunCatalog.output`) is written when the tap takes one, or when
    `keep_catalog` asks for it anyway (`invoke --dump=catalog`); it is removed with the
    invocation's other generated files. Its name is the invocation's own, never the cache's.
    """

    plugin = invocation.plugin
    flag = catalog_flag(plugin.capabilities)
    path = invocation.run_dir / f"tap.{uuid.uuid4()}.catalog.json"
    found = tap_catalog(
        project,
        invocation,
        refresh=refresh,
        catalog_file=catalog_file,
        select_filter=select_filter,
        wanted=Wanted(output=path if flag is not None or keep_catalog else None),
    )
    if found is not None and found.output is not None:
        invocation.generated.append(found.output)
    if found is not None and flag is not None:
        invocation.argv += [flag, str(path)]
    elif found is not None:
        log.warning(
            "tap has a catalog but neither the catalog nor the properties capability",
            plugin=plugin.name,
        )
    if state_path is not None:
        if "state" in plugin.capabilities:
            invocation.generated.append(state_path)
            invocation.argv += ["--state", str(state_path)]
        else:
            log.warning(
                "tap does not declare the state capability; state not passed", plugin=plugin.name
            )
    return found
