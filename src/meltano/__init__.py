"""A CLI-first ELT orchestrator that runs existing Meltano projects."""

from __future__ import annotations

__version__ = "4.4.1"  # the Meltano release whose behaviour we reproduce; tools parse it
IMPLEMENTATION_VERSION = "0.1.0"  # this implementation's own version, for bug reports
# `meltano --version`: the first line as Meltano prints it (tools parse it), the second says
# which implementation answered, so a bug report tells the two apart.
VERSION_TEXT = (
    f"meltano, version {__version__}\n"
    f"implementation: from-scratch reimplementation, version {IMPLEMENTATION_VERSION} "
    "(not the original Meltano)"
)
