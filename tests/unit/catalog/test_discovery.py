"""Capability decisions and discovery errors."""

from __future__ import annotations

from meltano.core.catalog.discovery import (
    CannotListSelectionError,
    DiscoveryFailedError,
    applies_rules,
    can_discover,
    catalog_flag,
)


def test_capabilities_decide_flags_and_rules() -> None:
    assert catalog_flag(["discover", "catalog", "properties"]) == "--catalog"
    assert catalog_flag(["properties", "state"]) == "--properties"
    assert catalog_flag(["discover"]) is None
    assert not applies_rules(["discover", "state"])
    assert applies_rules(["properties"])
    assert can_discover(["discover"]) and not can_discover(["catalog"])


def test_discovery_errors() -> None:
    error = DiscoveryFailedError("tap-x", 2, "Traceback...\nKeyError: 'token'\n")
    assert error.reason.endswith(
        "exited with code 2; its last output was:\nTraceback...\nKeyError: 'token'"
    )
    assert "meltano config list tap-x" in (error.instruction or "")
    listing = CannotListSelectionError(error)
    assert listing.reason.startswith(
        "Cannot list the selected properties: Catalog discovery failed"
    )
