"""What an extractor's capabilities allow, the discovery command line, and discovery errors.

Pure decisions for the code that prepares a tap (it owns the process and the run directory):

- `discover` lets Meltano run `<tap> --config F [--state S] --discover`;
- `catalog` passes the catalog with `--catalog F`; `properties` (legacy taps) with
  `--properties F`; without either, rules are not applied and no catalog is passed.
"""

from __future__ import annotations

from collections.abc import Collection

from meltano.core.errors import MeltanoError

DISCOVER = "discover"
CATALOG = "catalog"
PROPERTIES = "properties"


def can_discover(capabilities: Collection[str]) -> bool:
    """Whether Meltano may run the tap with `--discover`."""
    return DISCOVER in capabilities


def catalog_flag(capabilities: Collection[str]) -> str | None:
    """The flag that hands the tap its catalog: `--catalog`, `--properties`, or none."""
    if CATALOG in capabilities:
        return "--catalog"
    if PROPERTIES in capabilities:
        return "--properties"
    return None


def applies_rules(capabilities: Collection[str]) -> bool:
    """Whether select/metadata/schema rules mean anything to this tap."""
    return catalog_flag(capabilities) is not None


class DiscoveryFailedError(MeltanoError):
    """The tap's `--discover` run exited with an error."""

    def __init__(self, plugin_name: str, exit_code: int, stderr: str) -> None:
        tail = "\n".join(stderr.strip().splitlines()[-20:])
        reason = f"Catalog discovery failed: {plugin_name} --discover exited with code {exit_code}"
        super().__init__(
            f"{reason}; its last output was:\n{tail}" if tail else reason,
            f"Check the settings of {plugin_name} with `meltano config list {plugin_name}`, "
            f"or pin a catalog file with `meltano config set {plugin_name} _catalog FILE`",
        )


class CannotListSelectionError(MeltanoError):
    """`meltano select --list/--json` could not get a catalog."""

    def __init__(self, cause: MeltanoError) -> None:
        super().__init__(f"Cannot list the selected properties: {cause.reason}", cause.instruction)
        self.cause = cause
