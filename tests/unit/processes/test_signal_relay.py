from __future__ import annotations

import asyncio
import os
import signal
import threading

from meltano.core.processes import children


def handled_in_a_thread(started: threading.Event, got: list[int]) -> None:
    async def main() -> None:
        done = asyncio.Event()

        def handler(signum: int) -> None:
            got.append(signum)
            done.set()

        with children.signals_handled(handler, enabled=True) as installed:
            assert installed
            started.set()
            await asyncio.wait_for(done.wait(), 5)

    asyncio.run(main())


def test_the_main_thread_relays_sigterm_to_a_pipeline_in_a_worker_thread() -> None:
    before = signal.getsignal(signal.SIGTERM)
    got: list[int] = []
    seen: list[int] = []
    started = threading.Event()
    with children.relayed_signals(seen.append):
        worker = threading.Thread(target=handled_in_a_thread, args=(started, got))
        worker.start()
        assert started.wait(5)
        os.kill(os.getpid(), signal.SIGTERM)
        worker.join(5)
    assert got == [signal.SIGTERM]
    assert seen == [signal.SIGTERM]
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_pipeline_starting_after_the_signal_gets_it_at_once() -> None:
    got: list[int] = []
    with children.relayed_signals() as relay:
        relay.deliver(signal.SIGINT)
        worker = threading.Thread(target=handled_in_a_thread, args=(threading.Event(), got))
        worker.start()
        worker.join(5)
    assert got == [signal.SIGINT]


def test_without_a_relay_a_worker_thread_leaves_signals_alone() -> None:
    result: list[bool] = []

    def run() -> None:
        async def main() -> None:
            with children.signals_handled(lambda _: None, enabled=True) as installed:
                result.append(installed)

        asyncio.run(main())

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(5)
    assert result == [False]
