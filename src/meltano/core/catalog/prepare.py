"""Give a prepared tap its catalog (discovered, cached, shaped by rules) and its state file."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from meltano.core.catalog.discovery import DiscoveryFailedError, can_discover, catalog_flag

if TYPE_CHECKING:
    from meltano.core.catalog.metadata import Catalog
    from meltano.core.catalog.rules import CatalogRules
    from meltano.core.plugins.invocation import Invocation
    from meltano.core.project.project import Project

log = structlog.get_logger("meltano")
RUN_CATALOG = "tap.properties.json"


def _rules(invocation: Invocation, select_filter: Sequence[str]) -> CatalogRules:
    from meltano.core.catalog.rules import CatalogRules

    extras = invocation.settings.extras()
    return CatalogRules(
        select=tuple(extras.get("_select") or ("*.*",)),
        metadata=dict(extras.get("_metadata") or {}),
        schema=dict(extras.get("_schema") or {}),
        select_filter=tuple(select_filter or extras.get("_select_filter") or ()),
    )


def discover(project: Project, invocation: Invocation, destination: Path) -> str:
    """Run `<tap> --config F --discover`, streaming stdout into `destination`; return it."""
    from meltano.core.processes.lines import line_limit
    from meltano.core.processes.pipes import run_pipeline
    from meltano.core.processes.plugin_logs import PluginLogs
    from meltano.core.settings.project_settings import get_setting

    plugin = invocation.plugin
    argv = [*invocation.argv[:1], "--config", str(invocation.config_path), "--discover"]
    log.info("running catalog discovery", plugin=plugin.name)
    try:
        with destination.open("wb") as handle:

            def keep(line: bytes) -> None:
                handle.write(line)
                handle.write(b"\n")

            outcome = asyncio.run(
                run_pipeline(
                    [invocation.command(argv=argv)],
                    on_state=keep,
                    on_log=PluginLogs([plugin.name]),
                    line_limit=line_limit(int(get_setting(project, "elt.buffer_size"))),
                )
            )
        if outcome.error is not None:
            result = outcome.results[0]
            if result.returncode != 0:
                raise DiscoveryFailedError(
                    plugin.name, result.returncode, "\n".join(result.stderr_tail)
                )
            raise outcome.error
        return destination.read_text(encoding="utf-8", errors="replace")
    finally:
        destination.unlink(missing_ok=True)


def tap_catalog(
    project: Project,
    invocation: Invocation,
    *,
    refresh: bool,
    catalog_file: Path | None = None,
    select_filter: Sequence[str] = (),
) -> Catalog | None:
    """The catalog the tap gets after rules; None when it cannot have one."""
    plugin = invocation.plugin
    extras = invocation.settings.extras()
    custom = catalog_file or (Path(str(extras["_catalog"])) if extras.get("_catalog") else None)
    if custom is not None and not custom.is_absolute():
        custom = project.root / custom
    if custom is None and not can_discover(plugin.capabilities):
        return None  # no catalog to find: skip the catalog machinery altogether
    from meltano.core.catalog.cache import CatalogCache, cache_key
    from meltano.core.catalog.run_catalog import CatalogRequest, catalog_for_run

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
    cache = CatalogCache(project.run_dir / plugin.name)
    cache.directory.mkdir(parents=True, exist_ok=True)
    found = catalog_for_run(
        request,
        cache=cache,
        discover=lambda: discover(project, invocation, invocation.run_dir / "discovered.json"),
    )
    if found is None:
        return None
    for warning in found.outcome.warnings:
        log.warning("catalog rule matches nothing", plugin=plugin.name, detail=warning)
    return found.outcome.catalog


def prepare_tap(
    project: Project,
    invocation: Invocation,
    *,
    state_path: Path | None,
    refresh: bool = False,
    catalog_file: Path | None = None,
    select_filter: Sequence[str] = (),
) -> Catalog | None:
    """Append `--catalog`/`--properties` and `--state` to a tap's argv; return its catalog."""
    plugin = invocation.plugin
    catalog = tap_catalog(
        project, invocation, refresh=refresh, catalog_file=catalog_file, select_filter=select_filter
    )
    flag = catalog_flag(plugin.capabilities)
    if catalog is not None and flag is not None:
        from meltano.core.catalog.document import write_catalog

        path = invocation.run_dir / RUN_CATALOG
        write_catalog(path, catalog)
        invocation.generated.append(path)
        invocation.argv += [flag, str(path)]
    elif catalog is not None:
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
    return catalog


def catalog_json(catalog: Catalog) -> str:
    return json.dumps(catalog, indent=2)
