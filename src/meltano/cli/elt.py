"""`meltano elt` (deprecated alias of `meltano el` with `--transform`)."""

from __future__ import annotations

from meltano.cli.el import elt_command as command

__all__ = ["command"]
