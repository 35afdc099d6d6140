#!/usr/bin/env bash
# Install and start what the state-backend and system-database tests talk to, on a fresh Debian
# machine, as root. Idempotent: every step first checks whether its work is already done, so a
# second run takes about a second.
#
# - PostgreSQL (Debian package), running on 127.0.0.1:5432 with role/password `meltano` and
#   database `meltano_test` (tests read MELTANO_TEST_POSTGRES_URI, defaulting to that server).
# - moto (S3 API server) and gcp-storage-emulator: Python packages from PyPI, installed into the
#   project environment (they are dev dependencies, so `uv sync` normally brings them).
# - Azurite (Azure Blob emulator) from the npm registry, installed globally (`azurite` on PATH).
# - Docker Engine (Debian's `docker.io`): dockerd started in the background (log in
#   /var/log/meltano-dockerd.log), then the container tests' images built locally from Debian
#   packages with mmdebstrap (no image registry is needed; built once per machine, then reused).
# The emulators are started by the test fixtures in tests/services/ on free 127.0.0.1 ports in
# temporary directories, so parallel test runs never share their data.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_ROLE=meltano
PG_PASSWORD=meltano
PG_DATABASE=meltano_test

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=""
apt_install() {
    if [ -z "$apt_updated" ]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        apt_updated=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

echo "--- services: PostgreSQL"
if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    apt_install postgresql postgresql-client
fi
version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$version main"; then
    as_root pg_createcluster "$version" main
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -qx online; then
    as_root pg_ctlcluster "$version" main start
fi
for _ in $(seq 1 50); do
    if pg_isready -q -h 127.0.0.1 -p 5432; then break; fi
    sleep 0.2
done
pg_isready -h 127.0.0.1 -p 5432
psql_admin() { as_root su postgres -c "psql -v ON_ERROR_STOP=1 -qtAX -c \"$1\""; }
if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname = '$PG_ROLE'")" != 1 ]; then
    psql_admin "CREATE ROLE $PG_ROLE LOGIN PASSWORD '$PG_PASSWORD' CREATEDB"
fi
if [ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'")" != 1 ]; then
    psql_admin "CREATE DATABASE $PG_DATABASE OWNER $PG_ROLE"
fi

echo "--- services: moto and gcp-storage-emulator"
# Both are dev dependencies, so `uv sync` (which .ci/run does first) normally brought them.
python_bin="$(uv run --no-sync python -c 'import sys; print(sys.executable)' 2>/dev/null || true)"
if [ -z "$python_bin" ]; then
    echo "no project environment yet: run 'uv sync' first" >&2
    exit 1
fi
if ! "$python_bin" -c 'import moto.server, gcp_storage_emulator' >/dev/null 2>&1; then
    uv pip install --python "$python_bin" 'moto[server]' gcp-storage-emulator
fi

echo "--- services: Azurite"
if ! command -v azurite-blob >/dev/null 2>&1; then
    if ! command -v npm >/dev/null 2>&1; then
        apt_install nodejs npm
    fi
    as_root npm install --global --no-audit --no-fund --loglevel=error azurite
fi
azurite-blob --version

echo "--- services: Docker Engine"
if ! command -v dockerd >/dev/null 2>&1; then
    apt_install docker.io
fi
if ! docker info >/dev/null 2>&1; then
    # The lock keeps two concurrent runs of this script from starting two daemons.
    as_root flock /run/meltano-dockerd.lock sh -c \
        'docker info >/dev/null 2>&1 || setsid dockerd </dev/null >>/var/log/meltano-dockerd.log 2>&1 &'
    for _ in $(seq 1 150); do
        if docker info >/dev/null 2>&1; then break; fi
        sleep 0.2
    done
fi
if ! docker info >/dev/null 2>&1; then
    echo "the Docker Engine did not come up; the end of its log:" >&2
    tail -n 30 /var/log/meltano-dockerd.log >&2 || true
    docker info >&2 || true
    exit 1
fi
docker version --format 'engine {{.Server.Version}}, API {{.Server.APIVersion}}'

echo "--- services: container test images"
if ! command -v mmdebstrap >/dev/null 2>&1; then
    apt_install mmdebstrap
fi
uv run --no-sync python -m tests.services.images

echo "--- services: ready"
