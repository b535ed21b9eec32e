"""The queue's own housekeeping."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from lojal.worker.queue import purge_done
from lojal.worker.registry import JobContext, periodic, task

KEEP_DONE_JOBS = timedelta(days=7)


@task("jobs.purge_done")
def purge_done_jobs(context: JobContext, payload: dict[str, Any]) -> None:
    purge_done(context.session, KEEP_DONE_JOBS)


periodic("jobs.purge_done", every=timedelta(hours=6))
