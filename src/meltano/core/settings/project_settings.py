"""Meltano's own settings (settings.md §11): definitions and how their values are found."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from meltano import __version__
from meltano.core.errors import MeltanoError
from meltano.core.logging import LogSettings
from meltano.core.settings.addons import addon_definitions
from meltano.core.settings.definitions import Kind, SettingDefinition
from meltano.core.settings.loaders import DOTENV_LABEL, ENV_LABEL, env_layer
from meltano.core.settings.names import flatten, to_env_var
from meltano.core.settings.resolve import Resolved, Source, resolve
from meltano.core.settings.values import finish

if TYPE_CHECKING:
    from meltano.core.project.project import Project

S, INT, B = Kind.STRING, Kind.INTEGER, Kind.BOOLEAN
_LOG_LEVELS = ("debug", "info", "warning", "error", "critical", "disabled")
_LOG_FORMATS = ("colored", "uncolored", "json", "key_value", "plain")

# (name, kind, default, flags). Order is the order `config print meltano` uses.
_TABLE: tuple[tuple[str, Kind, Any, str], ...] = (
    ("default_environment", S, None, ""),
    ("send_anonymous_usage_stats", B, True, ""),
    ("disable_tracking", B, None, ""),
    ("project_id", S, None, ""),
    ("database_uri", S, "sqlite:///$MELTANO_SYS_DIR_ROOT/meltano.db", "env_specific"),
    ("database_max_retries", INT, 3, ""),
    ("database_retry_timeout", INT, 5, ""),
    ("project_readonly", B, False, "env_specific"),
    ("hub_api_root", S, None, ""),
    ("hub_url", S, "https://hub.meltano.com", ""),
    ("hub_url_auth", S, None, "sensitive"),
    ("elt.buffer_size", INT, 104857600, ""),
    ("python", S, None, ""),
    ("auto_install", B, True, ""),
    ("state_backend.uri", S, "systemdb", "env_specific"),
    ("state_backend.lock_timeout_seconds", INT, 10, "env_specific"),
    ("state_backend.lock_retry_seconds", INT, 1, "env_specific"),
    ("state_backend.azure.connection_string", S, None, "env_specific sensitive"),
    ("state_backend.azure.storage_account_url", S, None, "env_specific"),
    ("state_backend.gcs.application_credentials", S, None, "env_specific sensitive"),
    ("state_backend.gcs.application_credentials_json", S, None, "env_specific sensitive"),
    ("state_backend.gcs.application_credentials_path", S, None, "env_specific sensitive"),
    ("state_backend.s3.aws_access_key_id", S, None, "env_specific sensitive"),
    ("state_backend.s3.aws_secret_access_key", S, None, "env_specific sensitive"),
    ("state_backend.s3.endpoint_url", S, None, "env_specific"),
    ("cli.log_level", Kind.OPTIONS, "info", "env_specific"),
    ("cli.log_config", S, "logging.yaml", ""),
    ("cli.log_format", Kind.OPTIONS, "colored", ""),
    ("cli.disable_version_check", B, False, ""),
    ("snowplow.collector_endpoints", Kind.ARRAY, ["https://sp.meltano.com"], ""),
    ("venv.backend", Kind.OPTIONS, "uv", ""),
    ("experimental", B, False, ""),
    ("ff.strict_env_var_mode", B, False, ""),
    ("ff.plugin_locks_required", B, False, ""),
    # ours, not 4.4.1's (unset by default, so compile's manifests stay as 4.4.1 writes them)
    ("run.retries", INT, None, ""),
    ("run.retry_delay", Kind.DECIMAL, None, ""),
)
_OPTIONS = {
    "cli.log_level": _LOG_LEVELS,
    "cli.log_format": _LOG_FORMATS,
    "venv.backend": ("virtualenv", "uv"),
}
_DESCRIPTIONS = {
    "hub_url": "URL where Meltano can find the Hub that lists all discoverable plugins.",
    "project_id": "Used to uniquely identify your project if send_anonymous_usage_stats "
    "is enabled.",
    "send_anonymous_usage_stats": "Whether to share anonymous usage data with the Meltano team.",
    "database_uri": "System database URL (SQLAlchemy format).",
    "state_backend.uri": "Where pipeline state is stored: systemdb, file://, s3://, gs://, "
    "azure://.",
    "run.retries": "How often `meltano run` reruns a block set whose plugin failed (default 0).",
    "run.retry_delay": "Seconds before the first retry of `meltano run`, doubled for each "
    "retry after it (default 1).",
    "elt.buffer_size": "Bytes buffered between extractor and loader; the longest Singer "
    "message allowed is half of it.",
}
_LOG_NAMES = ("cli.log_level", "cli.log_format", "cli.log_config")
DOCS_URL = "https://docs.meltano.com/reference/settings"
NAMESPACE = "meltano"  # the `plugin_settings` namespace 4.4.1 uses for these settings


def definitions(*, addons: bool = False) -> tuple[SettingDefinition, ...]:
    """Every Meltano setting, in the order 4.4.1 prints them.

    `addons` appends the settings installed add-ons declare (settings/addons.py), as 4.4.1
    does; finding them reads package metadata, so only commands that show them ask.
    """
    builtin = _builtin_definitions()
    if not addons:
        return builtin
    taken = {d.name for d in builtin}  # an add-on cannot redefine a built-in setting
    return (*builtin, *(d for d in addon_definitions() if d.name not in taken))


@functools.cache
def _builtin_definitions() -> tuple[SettingDefinition, ...]:
    return tuple(
        SettingDefinition(
            name=name,
            kind=kind,
            value=default,
            options=tuple({"label": o, "value": o} for o in _OPTIONS.get(name, ())),
            description=_DESCRIPTIONS.get(name),
            sensitive="sensitive" in flags,
            env_specific="env_specific" in flags,
        )
        for name, kind, default, flags in _TABLE
    )


def env_names(definition: SettingDefinition) -> list[str]:
    """The variables a Meltano setting is read from: `MELTANO_<NAME>` then its aliases."""
    return [to_env_var("MELTANO", n) for n in (definition.name, *definition.aliases)]


def project_env(project: Project) -> dict[str, str]:
    """Variables Meltano provides about the project (also given to every plugin)."""

    return {
        "MELTANO_PROJECT_ROOT": str(project.root),
        "MELTANO_ENVIRONMENT": project.environment or "",
        "MELTANO_SYS_DIR_ROOT": str(project.sys_dir),
        "MELTANO_USER_AGENT": f"Meltano/{__version__}",
    }


def layers(
    project: Project, defs: Sequence[SettingDefinition] | None = None
) -> dict[Source, dict[str, Any]]:
    """Stores for Meltano settings: flag, env, `.env`, root meltano.yml (never env or DB)."""
    defs = definitions() if defs is None else defs
    keep = [d.name for d in defs if d.kind in (Kind.OBJECT, Kind.ARRAY)]
    yml = flatten(project.meltano, keep=keep)
    result: dict[Source, dict[str, Any]] = {
        Source.OVERRIDE: {"database_uri": project.database_uri_override},
        Source.MELTANO_YML: {d.name: yml.get(d.name) for d in defs},
    }
    result[Source.ENV] = env_layer(project.environ, defs, env_names, label=ENV_LABEL)
    result[Source.DOTENV] = env_layer(project.dotenv, defs, env_names, label=DOTENV_LABEL)
    return result


def meltano_settings(project: Project, *, addons: bool = False) -> dict[str, Resolved]:
    """Every Meltano setting resolved, expanded and cast, with its source.

    Remembered on the project until its files, environment or overrides change: a run asks
    for a dozen settings, and each resolution walks every definition and layer. `addons`
    includes the settings of installed add-ons (see `definitions`).
    """
    # The files and dotenv objects are kept (not their ids, which a new object may reuse).
    key = (
        project.files,
        project.dotenv,
        project.environment,
        project.database_uri_override,
        frozenset(project.environ.items()),
    )
    slot = "_meltano_settings_with_addons" if addons else "_meltano_settings"
    cached = project.__dict__.get(slot)
    if cached is not None and all(a is b or a == b for a, b in zip(cached[0], key, strict=True)):
        return dict(cached[1])
    values = _resolve_meltano_settings(project, definitions(addons=addons))
    project.__dict__[slot] = (key, values)
    return dict(values)


def _resolve_meltano_settings(
    project: Project, defs: Sequence[SettingDefinition]
) -> dict[str, Resolved]:
    resolved = resolve(defs, layers(project, defs))
    env = {**project.dotenv, **project.environ, **project_env(project)}
    relaxed = finish(defs, resolved, env)
    strict = bool(relaxed["ff.strict_env_var_mode"].value)
    return finish(defs, resolved, env, strict=strict) if strict else relaxed


def get_setting(project: Project, name: str) -> Any:
    """The resolved, cast value of one of Meltano's own settings, e.g. `elt.buffer_size`."""

    values = meltano_settings(project)
    if name not in values:
        raise MeltanoError(
            f"Unknown Meltano setting {name!r}", "List them with `meltano config list meltano`"
        )
    return values[name].value


def log_settings(
    project: Project | None,
    environ: Mapping[str, str],
    *,
    level: str | None,
    log_format: str | None,
    config_file: str | None,
) -> LogSettings:
    """The `--log-*` flags, else `cli.log_level`, `cli.log_format`, `cli.log_config` resolved
    as every Meltano setting is (environment variables, `.env`, meltano.yml, default).

    Outside a project only variables count. Values are neither expanded nor cast: logging is
    set up before anything else, and `setup_logging` names the valid choices of a bad value.
    """
    defs = tuple(d for d in definitions() if d.name in _LOG_NAMES)
    found: dict[Source, Any] = (
        layers(project)
        if project is not None
        else {Source.ENV: env_layer(environ, defs, env_names, label=ENV_LABEL)}
    )
    found[Source.OVERRIDE] = {
        "cli.log_level": level or None,
        "cli.log_format": log_format or None,
        "cli.log_config": config_file or None,
    }
    values = resolve(defs, found)

    def text(name: str) -> str:
        value = values[name].value
        return str(value) if value else str(next(d.value for d in defs if d.name == name))

    return LogSettings(
        level=text("cli.log_level").lower(),
        format=text("cli.log_format").lower().replace("-", "_"),
        config_file=text("cli.log_config"),
    )
