"""Per-run log files: `<sys dir>/logs/elt/<sanitized state id>/<run id>/elt.log`.

Meltano 4.4.1 writes these under the user's log directory instead (shared by all projects);
we write per project, as documented, and still find files 4.4.1 left in the user directory.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from meltano.core.errors import cannot_write, is_storage_error
from meltano.core.logging import FileLogHandler

LOG_FILE = "elt.log"


def sanitize(state_id: str) -> str:
    """A state ID as a folder name: `dev:tap-x-to-target-y` -> `devtap-x-to-target-y`."""
    text = unicodedata.normalize("NFKD", state_id).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[/\\]", " ", text)
    text = re.sub(r"\s+", "_", text)
    text = re.sub(r"[^A-Za-z0-9_.-]", "", text)
    return text.strip("._")


def logs_dir(sys_dir: Path) -> Path:
    """Where this project's run logs live."""
    return sys_dir / "logs"


def user_logs_dir() -> Path:
    """Meltano 4.4.1's per-user log directory (Linux layout; macOS uses ~/Library/Logs)."""
    state_home = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state_home) / "meltano" / "log"


def log_path(sys_dir: Path, state_id: str, run_id: str) -> Path:
    return logs_dir(sys_dir) / "elt" / sanitize(state_id) / run_id / LOG_FILE


def find_log(sys_dir: Path, state_id: str, run_id: str) -> Path | None:
    """The run's log file: ours first, then where 4.4.1 or older projects put it."""
    candidates = [
        log_path(sys_dir, state_id, run_id),
        user_logs_dir() / "elt" / sanitize(state_id) / run_id / LOG_FILE,
        sys_dir / "run" / "elt" / sanitize(state_id) / run_id / LOG_FILE,
    ]
    return next((path for path in candidates if path.is_file()), None)


@contextlib.contextmanager
def capture_to_file(path: Path, formatter: logging.Formatter) -> Iterator[Path | None]:
    """Copy every log record this thread emits inside the block into `path`; detach afterwards.

    Only this thread's records: block sets of `run --parallel` log side by side, each into
    its own file.

    A write that fails (a full disk) fails the block once it is over, naming the file: the
    run itself goes on, so its state is stored and its plugins end as they would.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = FileLogHandler(path, encoding="utf-8", thread=threading.get_ident())
    except OSError as error:
        if is_storage_error(error):
            raise cannot_write(path, error) from error
        logging.getLogger("meltano").error("cannot open the run log file", exc_info=False)
        yield None
        return
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        with contextlib.suppress(OSError):
            handler.close()  # flushing may fail the same way
    if handler.failure is not None:
        raise cannot_write(path, handler.failure)
