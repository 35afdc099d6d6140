"""Plugin stderr batches and the run log files of `run --parallel` block sets."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from meltano.core.logging import FileLogHandler, plain_formatter
from meltano.core.processes.plugin_logs import PluginLogs, _plain_handlers


def test_a_run_log_of_this_thread_takes_a_batch_whole_and_another_threads_none(
    tmp_path: Path,
) -> None:
    ours = FileLogHandler(tmp_path / "ours.log", "utf-8", thread=threading.get_ident())
    other_thread = threading.Thread(target=lambda: None)
    other_thread.start()
    other_thread.join()
    theirs = FileLogHandler(tmp_path / "theirs.log", "utf-8", thread=other_thread.ident)
    logger = logging.getLogger("tap-batch-threads")
    for handler in (ours, theirs):
        handler.setFormatter(plain_formatter())
        logger.addHandler(handler)
    logger.propagate, logger.level = False, logging.INFO
    try:
        assert _plain_handlers(logger) == [ours]  # the batch path, not record by record
        PluginLogs(["tap-batch-threads"]).many(0, [b"first", b"second"])
        logger.info("one record")
    finally:
        for handler in (ours, theirs):
            logger.removeHandler(handler)
            handler.close()
    assert (tmp_path / "ours.log").read_text() == "first\nsecond\none record\n"
    assert (tmp_path / "theirs.log").read_text() == ""


def test_a_handler_with_a_filter_still_gets_batches_record_by_record(tmp_path: Path) -> None:
    handler = FileLogHandler(tmp_path / "filtered.log", "utf-8")
    handler.setFormatter(plain_formatter())
    handler.addFilter(lambda record: "secret" not in record.getMessage())
    logger = logging.getLogger("tap-batch-filtered")
    logger.addHandler(handler)
    logger.propagate, logger.level = False, logging.INFO
    try:
        assert _plain_handlers(logger) is None
        PluginLogs(["tap-batch-filtered"]).many(0, [b"kept", b"a secret line", b"kept too"])
    finally:
        logger.removeHandler(handler)
        handler.close()
    assert (tmp_path / "filtered.log").read_text() == "kept\nkept too\n"
