"""Allow `python -m meltano`."""

from __future__ import annotations

from meltano.cli.main import main

if __name__ == "__main__":
    main()
