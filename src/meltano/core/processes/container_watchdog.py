"""A watchdog that removes a run's containers when the meltano process owning them dies.

`kill -9` gives meltano no chance to stop its containers, and the engine keeps them running:
they are not our children, so the kernel does not end them with us. Before the first
container of a run starts, meltano starts this small process in a session of its own, its
stdin a pipe that only meltano writes to. When meltano finishes it writes `done` and closes
the pipe; when the pipe closes without `done`, meltano died, and the watchdog removes every
container labelled with the run's ID. (If the watchdog dies too, the next containerized run
removes what a dead owner left: `Engine.remove_stale`.)

It imports nothing heavy until it has to: aiodocker only once its owner is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import threading

from meltano.core.processes.container_launch import RUN_LABEL

DONE = b"done"


class Watchdog:
    """Our end of the watchdog's pipe."""

    def __init__(self, process: subprocess.Popen[bytes], fd: int) -> None:
        self.process = process
        self.fd = fd

    @classmethod
    def start(cls, address: str, run_id: str) -> Watchdog:
        read_end, write_end = os.pipe()
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", __name__, address, run_id],
                stdin=read_end,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # a signal to our process group must not reach it
                close_fds=True,
            )
        except BaseException:
            os.close(write_end)
            raise
        finally:
            os.close(read_end)
        return cls(process, write_end)

    def done(self) -> None:
        """Our containers are removed: let the watchdog go without doing anything."""
        with contextlib.suppress(OSError):
            os.write(self.fd, DONE)
        with contextlib.suppress(OSError):
            os.close(self.fd)
        # It exits on its own at once; reap it without making the caller wait for that.
        threading.Thread(target=self.process.wait, name="watchdog reaper", daemon=True).start()


async def _remove(address: str, run_id: str) -> None:
    """Remove every container labelled with `run_id`, running or not (as `Engine.remove_run`,
    without loading the rest of the container runtime into this small process)."""
    import aiodocker

    async with aiodocker.Docker(url=address) as docker:
        filters = {"label": [f"{RUN_LABEL}={run_id}"]}
        for container in await docker.containers.list(all=True, filters=filters):
            with contextlib.suppress(aiodocker.exceptions.DockerError):
                await container.delete(force=True)


def main(argv: list[str]) -> int:
    """`python -m ...container_watchdog ADDRESS RUN_ID`, stdin the pipe from its owner."""
    address, run_id = argv
    received = b""
    while chunk := os.read(0, 64):
        received += chunk
    if DONE in received:
        return 0
    asyncio.run(_remove(address, run_id))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
