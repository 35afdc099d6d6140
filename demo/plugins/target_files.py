#!/usr/bin/env python3
"""A small Singer target for the demo: appends records to `<destination>/<stream>.jsonl`.

Config (`--config FILE`): `destination` (folder, default `output`). Echoes each STATE value
on stdout after the records before it are on disk, as Singer targets do.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> int:
    args = sys.argv[1:]
    config = json.loads(Path(args[args.index("--config") + 1]).read_text()) if "--config" in args else {}
    destination = Path(config.get("destination") or "output")
    destination.mkdir(parents=True, exist_ok=True)
    files: dict[str, object] = {}
    count = 0
    for line in sys.stdin:
        message = json.loads(line)
        kind = message.get("type")
        if kind == "RECORD":
            stream = message["stream"]
            if stream not in files:
                files[stream] = (destination / f"{stream}.jsonl").open("a", encoding="utf-8")
            files[stream].write(json.dumps(message["record"]) + "\n")  # type: ignore[attr-defined]
            count += 1
        elif kind == "STATE":
            for handle in files.values():
                handle.flush()  # type: ignore[attr-defined]
            print(json.dumps(message["value"]), flush=True)
    for handle in files.values():
        handle.close()  # type: ignore[attr-defined]
    print(f"target-files: wrote {count} records to {destination}/", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
