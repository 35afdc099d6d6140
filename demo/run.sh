#!/usr/bin/env bash
# The main job: on a machine with only Python 3.10+ and pip, install uv, sync the locked
# environment, and run the demo pipeline in this folder with meltano (SQLite system database,
# local plugins, no network needed after the sync).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
# shellcheck source=../scripts/ensure-uv.sh
source scripts/ensure-uv.sh
uv sync --locked --quiet

meltano() { uv run --locked --quiet meltano --cwd "$here" "$@"; }

rm -rf "$here/output" "$here/.meltano"
echo "--- the project's plugins"
meltano plugin list
echo "--- selected streams and properties"
meltano select tap-orders --list
echo "--- first run: all 100 orders"
meltano run tap-orders target-files
echo "--- the stored state"
meltano state get dev:tap-orders-to-target-files
echo "--- second run, 150 orders now exist: only the 50 new ones are loaded"
TAP_ORDERS_ORDERS=150 meltano run load-orders
echo "--- result: $(wc -l < "$here/output/orders.jsonl") orders in demo/output/orders.jsonl"
echo "--- run history"
meltano logs list
