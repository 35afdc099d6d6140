#!/usr/bin/env bash
# The main job: on a machine with only Python 3.10+ and pip, install uv, sync the locked
# environment, and run the demo project in this folder with meltano.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
# shellcheck source=../scripts/ensure-uv.sh
source scripts/ensure-uv.sh
uv sync --locked --quiet

meltano() { uv run --locked --quiet meltano --cwd "$here" "$@"; }

echo "--- meltano --version"
meltano --version
echo "--- environments of the demo project"
meltano environment list
echo "--- a fresh project, made with meltano init"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
uv run --locked --quiet meltano --cwd "$scratch" init new-project --no-usage-stats >/dev/null
find "$scratch/new-project" -maxdepth 2 -not -path '*/.meltano/*' | sed "s|$scratch/||" | sort
