# Sourced by .ci/run and demo/run.sh: make `uv` available on a machine that has only Python and pip.
export PATH="$HOME/.local/bin:$PATH"
if ! command -v uv >/dev/null 2>&1; then
    echo "--- installing uv with pip" >&2
    python3 -m pip install --quiet --user uv 2>/dev/null \
        || python3 -m pip install --quiet --user --break-system-packages uv 2>/dev/null \
        || python3 -m pip install --quiet uv
    hash -r
fi
if ! command -v uv >/dev/null 2>&1; then
    # pip put uv somewhere off PATH (e.g. a pyenv version): run it through the interpreter.
    uv() { python3 -m uv "$@"; }
fi
