"""Blocks: parse `run`/`elt` arguments into a plan and execute it (`pipes` runs processes)."""

from __future__ import annotations
