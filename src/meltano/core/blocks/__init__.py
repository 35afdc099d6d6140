"""Blocks: parse `run`/`elt` arguments into a plan and execute it over `core.processes`."""

from __future__ import annotations
