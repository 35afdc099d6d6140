"""A CLI-first ELT orchestrator that runs existing Meltano projects."""

from __future__ import annotations

__version__ = "4.4.1"
