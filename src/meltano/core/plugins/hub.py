"""Meltano Hub client: per-type plugin indexes and variant definitions over HTTP, with a cache."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meltano import __version__
from meltano.core.errors import MeltanoError, close_matches
from meltano.core.plugins.definition import DefinitionError, PluginDefinition, variant_labels
from meltano.core.plugins.types import PLUGIN_TYPES, PluginType
from meltano.core.project.document import write_atomically
from meltano.core.settings import meltano_settings
from meltano.core.telemetry.switch import stats_enabled

if TYPE_CHECKING:
    import urllib.error

    from meltano.core.project.project import Project

DEFAULT_HUB_URL = "https://hub.meltano.com"
API_PATH = "/meltano/api/v1"
# Plugin types the Hub lists (`mappings` is a virtual type and is never requested).
HUB_TYPES = PLUGIN_TYPES
INDEX_TTL_SECONDS = 3600
RETRY_STATUSES = (429, 500, 502, 503, 504)
_SETTINGS_HINT = "Check the `hub_url` / `hub_api_root` settings and your network connection"


class HubError(MeltanoError):
    """Meltano Hub could not be reached or did not give what was asked."""


class PluginNotFoundError(HubError):
    """The Hub index has no plugin of that name."""


class VariantNotFoundError(HubError):
    """The plugin exists on the Hub, but not with that variant."""


@dataclass(frozen=True)
class IndexEntry:
    """One plugin of a Hub index: its variants (name → definition URL) and default variant."""

    name: str
    default_variant: str | None
    variants: Mapping[str, str]
    logo_url: str | None = None

    def resolve_variant(self, variant: str | None) -> str | None:
        """`None`, `default` and `original` all mean the index's default variant."""
        return self.default_variant if variant in (None, "default", "original") else variant


def api_root_for(*, hub_api_root: str | None, hub_url: str | None) -> str:
    """`hub_api_root` if set, else `<hub_url>/meltano/api/v1`."""
    if hub_api_root:
        return hub_api_root.rstrip("/")
    return (hub_url or DEFAULT_HUB_URL).rstrip("/") + API_PATH


def default_cache_dir(environ: Mapping[str, str]) -> Path:
    """`$XDG_CACHE_HOME/meltano/hub`, or `~/.cache/meltano/hub`."""
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "meltano" / "hub"


@dataclass
class HubClient:
    """Reads Meltano Hub. Every parameter is explicit; `hub_client_for` fills them from settings."""

    api_root: str
    auth: str | None = None  # sent as the Authorization header
    project_id: str | None = None  # sent as X-Project-ID; pass it only when usage stats are on
    command: str = "meltano"  # sent as X-Meltano-Command, e.g. "meltano add"
    cache_dir: Path | None = None  # None: no index cache
    timeout: float = 10.0
    retries: int = 3
    backoff_seconds: float = 0.5
    requests: list[str] = field(default_factory=list, repr=False)  # URLs fetched, for callers

    def headers(self) -> dict[str, str]:
        """The request headers Meltano sends to the Hub."""
        headers = {
            "Accept": "application/json",
            "User-Agent": f"Meltano/{__version__}",
            "X-Meltano-Command": self.command,
        }
        if self.project_id:
            headers["X-Project-ID"] = self.project_id
        if self.auth:
            headers["Authorization"] = self.auth
        return headers

    def ping(self) -> None:
        """Fetch one index, fresh; raise HubError when that fails."""
        self.index("orchestrators", refresh=True)

    def index(self, plugin_type: str, *, refresh: bool = False) -> dict[str, IndexEntry]:
        """The Hub's plugins of one type, by name. Cached for an hour unless `refresh`."""
        url = f"{self.api_root}/plugins/{plugin_type}/index"
        data = None if refresh else self._cached(url)
        if data is None:
            data = self._get_json(url, plugin_type=plugin_type, what="index")
            self._store(url, data)
        if not isinstance(data, dict):
            raise HubError(
                f"Meltano Hub sent an index for {plugin_type} that is not a JSON object",
                _SETTINGS_HINT,
            )
        return {
            name: _index_entry(name, entry)
            for name, entry in data.items()
            if isinstance(entry, dict)
        }

    def find(self, plugin_type: str, name: str, *, refresh: bool = False) -> IndexEntry:
        """The index entry of one plugin, or PluginNotFoundError with close names."""
        entries = self.index(plugin_type, refresh=refresh)
        if name in entries:
            return entries[name]
        close = close_matches(name, entries, n=3, cutoff=0.6)
        hint = f"Did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
        raise PluginNotFoundError(
            f"{_descriptor(plugin_type)} '{name}' is not known to Meltano",
            hint + f"List the Hub's {plugin_type} with `meltano hub list --plugin-type "
            f"{plugin_type}`, or add a custom plugin with `meltano add --custom`",
        )

    def definition(
        self, plugin_type: str, name: str, variant: str | None = None, *, refresh: bool = True
    ) -> PluginDefinition:
        """One variant's definition (the default variant for None, `default` or `original`)."""
        entry = self.find(plugin_type, name, refresh=refresh)
        chosen = entry.resolve_variant(variant)
        if chosen is None or chosen not in entry.variants:
            labels = ", ".join(variant_labels(list(entry.variants), entry.default_variant))
            raise VariantNotFoundError(
                f"{_descriptor(plugin_type)} '{name}' variant '{variant}' is not known to "
                f"Meltano. Variants: {labels}",
                "Pick one of those with `--variant`",
            )
        data = self._get_json(entry.variants[chosen], plugin_type=plugin_type, what=name)
        try:
            return PluginDefinition.from_dict(
                data, plugin_type=plugin_type, is_default_variant=chosen == entry.default_variant
            )
        except DefinitionError as error:
            raise HubError(
                f"Meltano Hub sent an unusable definition for {plugin_type} "
                f"'{name}' variant '{chosen}': {error.reason}"
            ) from error

    def _get_json(self, url: str, *, plugin_type: str, what: str) -> Any:
        import urllib.error  # with urllib.request: http.client and email, only when fetching
        import urllib.request

        request = urllib.request.Request(url, headers=self.headers())
        for attempt in range(self.retries + 1):
            try:
                self.requests.append(url)
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    body = response.read()
                break
            except urllib.error.HTTPError as error:
                if error.code in RETRY_STATUSES and attempt < self.retries:
                    time.sleep(self.backoff_seconds * 2**attempt)
                    continue
                raise self._http_error(error, url, plugin_type=plugin_type, what=what) from error
            except (urllib.error.URLError, OSError) as error:
                cause = getattr(error, "reason", None) or error
                raise HubError(
                    f"Could not connect to Meltano Hub at {url}: {cause}", _SETTINGS_HINT
                ) from error
        try:
            return json.loads(body)
        except ValueError as error:
            raise HubError(
                f"Meltano Hub at {url} sent a response that is not JSON", _SETTINGS_HINT
            ) from error

    def _http_error(
        self, error: urllib.error.HTTPError, url: str, *, plugin_type: str, what: str
    ) -> HubError:
        message = _server_message(error)
        if error.code == 401:
            if self.auth:
                return HubError(
                    f"Meltano Hub refused the credentials in `hub_url_auth` ({url}): "
                    f"{message or 'unauthorized'}",
                    "Check the value of `hub_url_auth` (MELTANO_HUB_URL_AUTH)",
                )
            return HubError(
                message or "Meltano Hub requires authentication",
                "Set `hub_url_auth` (MELTANO_HUB_URL_AUTH) to the Authorization "
                "header the Hub expects, or add the plugin with `--from-ref`",
            )
        if error.code == 404 and what == "index":
            return HubError(
                f"Plugin type '{plugin_type}' is not available from Meltano Hub at {self.api_root}",
                f"Meltano Hub lists these plugin types: {', '.join(HUB_TYPES)}",
            )
        subject = f"plugins of type '{plugin_type}'" if what == "index" else f"plugin '{what}'"
        return HubError(
            f"{message or error.reason} ({error.code}): could not retrieve {subject} from {url}",
            _SETTINGS_HINT,
        )

    def _cache_file(self, url: str) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / f"{hashlib.sha256(url.encode()).hexdigest()}.json"

    def _cached(self, url: str) -> Any:
        path = self._cache_file(url)
        try:
            if path is None or time.time() - path.stat().st_mtime > INDEX_TTL_SECONDS:
                return None
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # a missing or damaged cache entry is fetched again

    def _store(self, url: str, data: Any) -> None:
        path = self._cache_file(url)
        if path is None:
            return

        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, json.dumps(data))
        except OSError:
            pass  # the cache is an optimisation; an unwritable cache dir is not an error


@dataclass(frozen=True)
class HubRow:
    """One variant of one plugin, as `meltano hub list` shows it."""

    plugin_type: str  # plural
    name: str
    variant: str
    default: bool
    variant_count: int  # how many variants the plugin has on the Hub


def list_plugins(
    client: HubClient,
    plugin_types: tuple[str, ...],
    *,
    pattern: str | None = None,
    all_variants: bool = False,
    refresh: bool = False,
) -> tuple[list[HubRow], int]:
    """Rows by type, then name; default variant first. Also how many matching rows are hidden
    because they are not default variants (shown with `all_variants`).

    `pattern` is a case-insensitive substring of the plugin name or the variant name.
    """
    needle = (pattern or "").lower()
    rows: list[HubRow] = []
    for plugin_type in plugin_types:
        for name, entry in sorted(client.index(plugin_type, refresh=refresh).items()):
            variants = sorted(entry.variants, key=lambda v: v != entry.default_variant)
            rows += [
                HubRow(plugin_type, name, variant, variant == entry.default_variant, len(variants))
                for variant in variants
                if needle in name.lower() or needle in variant.lower()
            ]
    if all_variants:
        return rows, 0
    shown = [row for row in rows if row.default]
    return shown, len(rows) - len(shown)


def hub_client_for(project: Project, command: str) -> HubClient:
    """A client configured from the project's settings (hub_api_root, hub_url, hub_url_auth)."""

    settings = meltano_settings(project)
    values = {name: resolved.value for name, resolved in settings.items()}
    stats_on = stats_enabled(settings, project.environ)  # DO_NOT_TRACK, disable_tracking too
    project_id = values.get("project_id") if stats_on else None
    return HubClient(
        api_root=api_root_for(
            hub_api_root=values.get("hub_api_root"), hub_url=values.get("hub_url")
        ),
        auth=values.get("hub_url_auth") or None,
        project_id=str(project_id) if project_id else None,
        command=command if command.startswith("meltano") else f"meltano {command}",
        cache_dir=default_cache_dir(project.environ),
    )


def hub_client_from_environ(environ: Mapping[str, str], command: str) -> HubClient:
    """A client outside any project: only MELTANO_HUB_* variables configure it."""
    return HubClient(
        api_root=api_root_for(
            hub_api_root=environ.get("MELTANO_HUB_API_ROOT"), hub_url=environ.get("MELTANO_HUB_URL")
        ),
        auth=environ.get("MELTANO_HUB_URL_AUTH") or None,
        command=command if command.startswith("meltano") else f"meltano {command}",
        cache_dir=default_cache_dir(environ),
    )


def _index_entry(name: str, data: Mapping[str, Any]) -> IndexEntry:
    variants = data.get("variants") or {}
    refs = {
        str(v): str(info.get("ref"))
        for v, info in variants.items()
        if isinstance(info, dict) and info.get("ref")
    }
    default = data.get("default_variant")
    return IndexEntry(
        name=name,
        default_variant=str(default) if default else None,
        variants=refs,
        logo_url=data.get("logo_url"),
    )


def _server_message(error: urllib.error.HTTPError) -> str | None:
    try:
        body = json.loads(error.read() or b"null")
    except (ValueError, OSError):
        return None
    message = body.get("message") if isinstance(body, dict) else None
    return str(message) if message else None


def _descriptor(plugin_type: str) -> str:
    try:
        return PluginType(plugin_type).descriptor
    except ValueError:
        return plugin_type.capitalize()
