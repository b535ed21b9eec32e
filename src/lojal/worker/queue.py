"""The job table as a queue: enqueue in the caller's transaction, claim with compare-and-set.

PostgreSQL claims with ``FOR UPDATE SKIP LOCKED`` so any number of workers on any number of
machines take disjoint jobs; SQLite has one writer at a time, so the same conditional UPDATE is
atomic there. A claimed job holds a lease (``locked_until``); a job whose worker died is claimed
again when its lease runs out."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session

from lojal.db.upsert import insert_ignoring_conflicts, insert_rows
from lojal.kit.clock import utcnow
from lojal.models import Job

jobs = Job.__table__
DEFAULT_MAX_ATTEMPTS = 8
MAX_BACKOFF = timedelta(hours=1)


def _row(task: str, payload: dict[str, Any], shop_id: int | None, run_at: datetime | None,
         dedupe_key: str | None, max_attempts: int | None, now: datetime) -> dict[str, Any]:
    return {"shop_id": shop_id, "task": task, "payload": payload, "status": "queued", "attempts": 0,
            "max_attempts": max_attempts or DEFAULT_MAX_ATTEMPTS, "run_at": run_at or now, "locked_by": None,
            "locked_until": None, "last_error": None, "dedupe_key": dedupe_key, "created_at": now,
            "finished_at": None}


def enqueue(session: Session, task: str, payload: dict[str, Any], *, shop_id: int | None = None,
            run_at: datetime | None = None, dedupe_key: str | None = None,
            max_attempts: int | None = None) -> None:
    """Add a job in the caller's transaction (it runs only if that transaction commits). With a
    ``dedupe_key``, a job with the same key already queued or done makes this a no-op."""
    row = _row(task, payload, shop_id, run_at, dedupe_key, max_attempts, utcnow())
    if dedupe_key is None:
        session.execute(jobs.insert(), [row])
    else:
        insert_ignoring_conflicts(session, jobs, [row], ["dedupe_key"], index_where=jobs.c.dedupe_key.isnot(None))


def enqueue_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Rows of ``task``, ``payload`` and optionally ``shop_id``, ``run_at``, ``max_attempts``."""
    now = utcnow()
    insert_rows(session, jobs, [_row(row["task"], row["payload"], row.get("shop_id"), row.get("run_at"), None,
                                     row.get("max_attempts"), now) for row in rows])


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    task: str
    payload: dict[str, Any]
    shop_id: int | None
    attempts: int
    max_attempts: int


def claim(session: Session, worker_name: str, limit: int, lease: timedelta) -> list[ClaimedJob]:
    """Take up to ``limit`` due jobs (queued and due, or running with an expired lease)."""
    now = utcnow()
    due = or_(and_(jobs.c.status == "queued", jobs.c.run_at <= now),
              and_(jobs.c.status == "running", jobs.c.locked_until < now))
    candidates = select(jobs.c.id).where(due).order_by(jobs.c.run_at, jobs.c.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    statement = (update(jobs).where(jobs.c.id.in_(candidates.scalar_subquery()), due)
                 .values(status="running", locked_by=worker_name, locked_until=now + lease,
                         attempts=jobs.c.attempts + 1)
                 .returning(jobs.c.id, jobs.c.task, jobs.c.payload, jobs.c.shop_id, jobs.c.attempts,
                            jobs.c.max_attempts))
    rows = session.execute(statement).all()
    return sorted((ClaimedJob(row.id, row.task, row.payload, row.shop_id, row.attempts, row.max_attempts)
                   for row in rows), key=lambda job: job.id)


def mark_done(session: Session, job_id: int, worker_name: str) -> bool:
    """Done, if this worker still holds the job (another may have taken it after a lost lease)."""
    result = session.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.status == "running",
                                                jobs.c.locked_by == worker_name)
                             .values(status="done", locked_until=None, finished_at=utcnow(), last_error=None))
    return result.rowcount == 1


def backoff(attempt: int) -> timedelta:
    """2^attempt seconds with ±25 % jitter, at most an hour."""
    seconds = min(2.0 ** attempt, MAX_BACKOFF.total_seconds())
    return timedelta(seconds=seconds * random.uniform(0.75, 1.25))


def mark_failed(session: Session, job: ClaimedJob, worker_name: str, error: str) -> str:
    """Reschedule with backoff, or dead-letter after the last attempt. Returns the new status."""
    now = utcnow()
    dead = job.attempts >= job.max_attempts
    values: dict[str, Any] = {"status": "dead" if dead else "queued", "locked_by": None, "locked_until": None,
                              "last_error": error[-8000:]}
    if dead:
        values["finished_at"] = now
    else:
        values["run_at"] = now + backoff(job.attempts)
    session.execute(update(jobs).where(jobs.c.id == job.id, jobs.c.locked_by == worker_name).values(**values))
    return values["status"]


def retry_dead(session: Session, job_id: int) -> bool:
    """Put a dead job back in the queue with its attempts reset."""
    result = session.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.status == "dead")
                             .values(status="queued", attempts=0, run_at=utcnow(), finished_at=None))
    return result.rowcount == 1


def purge_done(session: Session, older_than: timedelta) -> int:
    result = session.execute(delete(jobs).where(jobs.c.status == "done", jobs.c.finished_at < utcnow() - older_than))
    return result.rowcount


def counts_by_status(session: Session) -> dict[str, int]:
    from sqlalchemy import func

    rows = session.execute(select(jobs.c.status, func.count()).group_by(jobs.c.status))
    return {status: count for status, count in rows}
