from __future__ import annotations

import datetime

from meltano.core.schedules.jobs import Job
from meltano.core.schedules.listing import Listing, as_document, as_lines
from meltano.core.schedules.schedules import EltSchedule, JobSchedule, from_entry

JOB = Job("myjob", ["tap-fake target-fake", "util-fake:hello"])
ENDED = datetime.datetime(2024, 1, 3, 3, 5, 6, tzinfo=datetime.timezone.utc)


def listing() -> Listing:
    return Listing(
        schedules=(
            JobSchedule("daily-job", "@daily", "myjob", {"X": 1}),
            EltSchedule("hourly-elt", "0 * * * *", "tap-fake", "target-fake", "skip"),
            EltSchedule("runs", "@once", "tap-fake", "target-fake", "run"),
            EltSchedule("only", None, "tap-fake", "target-fake", "only"),
        ),
        jobs={"myjob": JOB},
        last_success={"hourly-elt": ENDED},
    )


def test_document_has_the_4_4_1_shape_and_key_order() -> None:
    document = as_document(listing())
    assert list(document) == ["schedules"]
    assert list(document["schedules"]) == ["job", "elt"]
    (job,) = document["schedules"]["job"]
    assert job == {
        "name": "daily-job",
        "interval": "@daily",
        "cron_interval": "0 0 * * *",
        "env": {"X": 1},
        "job": {"name": "myjob", "tasks": ["tap-fake target-fake", "util-fake:hello"]},
    }
    assert list(job) == ["name", "interval", "cron_interval", "env", "job"]
    elt = document["schedules"]["elt"]
    assert list(elt[0]) == [
        "name",
        "extractor",
        "loader",
        "transform",
        "interval",
        "env",
        "cron_interval",
        "last_successful_run_ended_at",
        "elt_args",
    ]
    assert elt[0]["last_successful_run_ended_at"] == "2024-01-03T03:05:06+00:00"
    assert elt[0]["elt_args"] == [
        "tap-fake",
        "target-fake",
        "--transform=skip",
        "--state-id=hourly-elt",
    ]
    assert elt[1]["cron_interval"] is None
    assert elt[1]["last_successful_run_ended_at"] is None
    assert elt[2]["interval"] is None


def test_text_lines_follow_file_order_and_draw_the_transform() -> None:
    assert as_lines(listing()) == [
        "[@daily] job daily-job: myjob → ['tap-fake target-fake', 'util-fake:hello']",
        "[0 * * * *] elt hourly-elt: tap-fake → target-fake x transforms",
        "[@once] elt runs: tap-fake → target-fake → transforms",
        "[None] elt only: tap-fake \N{MULTIPLICATION SIGN} target-fake → transforms",
    ]


def test_from_entry_tells_job_from_elt_schedules() -> None:
    job = from_entry({"name": "a", "interval": "@daily", "job": "j", "env": {"A": "1"}})
    assert job == JobSchedule("a", "@daily", "j", {"A": "1"})
    elt = from_entry({"name": "b", "interval": "0 * * * *", "job": "", "extractor": "t"})
    assert elt == EltSchedule("b", "0 * * * *", "t", None, "skip", {})
    legacy = from_entry({"name": "c", "extractor": "t", "loader": "l", "start_date": "2020"})
    assert isinstance(legacy, EltSchedule)
    assert legacy.interval is None
