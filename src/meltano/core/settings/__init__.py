"""Settings: definitions, stores, resolution, `$VAR` expansion, and writes."""

from __future__ import annotations

from meltano.core.settings.project_settings import get_setting, meltano_settings

__all__ = ["get_setting", "meltano_settings"]
