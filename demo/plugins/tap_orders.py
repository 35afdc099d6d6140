#!/usr/bin/env python3
"""A small Singer tap for the demo: made-up orders, incremental by order id.

Config (`--config FILE`): `orders` (how many orders exist, default 100), `start_id`.
Supports `--discover`, `--catalog FILE` (selected streams only) and `--state FILE`.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "customer": {"type": "string"},
        "amount": {"type": "number"},
        "status": {"type": "string"},
    },
}
CATALOG = {"streams": [{
    "tap_stream_id": "orders", "stream": "orders", "schema": SCHEMA, "key_properties": ["id"],
    "metadata": [
        {"breadcrumb": [], "metadata": {"inclusion": "available", "selected-by-default": True,
                                        "table-key-properties": ["id"]}},
        *({"breadcrumb": ["properties", name], "metadata": {
            "inclusion": "automatic" if name == "id" else "available"}} for name in SCHEMA["properties"]),
    ],
}]}
CUSTOMERS = ["ada", "grace", "linus", "margaret", "ken", "barbara"]


def option(name: str) -> str | None:
    args = sys.argv[1:]
    return args[args.index(name) + 1] if name in args else None


def main() -> int:
    config = json.loads(Path(option("--config")).read_text()) if option("--config") else {}
    if "--discover" in sys.argv:
        print(json.dumps(CATALOG, indent=2))
        return 0
    if option("--catalog"):
        catalog = json.loads(Path(option("--catalog")).read_text())
        stream = next(s for s in catalog["streams"] if s["tap_stream_id"] == "orders")
        top = next((m["metadata"] for m in stream["metadata"] if m["breadcrumb"] == []), {})
        if not top.get("selected", top.get("selected-by-default", False)):
            print("orders is not selected, nothing to do", file=sys.stderr)
            return 0
    state = json.loads(Path(option("--state")).read_text()) if option("--state") else {}
    last = int(state.get("bookmarks", {}).get("orders", {}).get("id", config.get("start_id", 0)))
    total = int(config.get("orders", 100))
    out = sys.stdout
    out.write(json.dumps({"type": "SCHEMA", "stream": "orders", "schema": SCHEMA,
                          "key_properties": ["id"]}) + "\n")
    rng = random.Random(42)
    for order_id in range(1, total + 1):
        record = {"id": order_id, "customer": rng.choice(CUSTOMERS),
                  "amount": round(rng.uniform(5, 500), 2),
                  "status": rng.choice(["new", "paid", "shipped"])}
        if order_id <= last:
            continue
        out.write(json.dumps({"type": "RECORD", "stream": "orders", "record": record}) + "\n")
        if order_id % 25 == 0:
            out.write(json.dumps({"type": "STATE", "value": {"bookmarks": {"orders": {"id": order_id}}}}) + "\n")
    out.write(json.dumps({"type": "STATE", "value": {"bookmarks": {"orders": {"id": max(last, total)}}}}) + "\n")
    print(f"tap-orders: sent orders {last + 1}..{total}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
