"""The worker loop: claim due jobs, run each in its own transaction, record the outcome.

A job's own writes and its ``done`` mark commit together; on an exception they roll back and the
failure is recorded in a fresh transaction (retry with backoff, or dead after max_attempts)."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import traceback
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from lojal.config import WorkerSettings
from lojal.kit.clock import utcnow
from lojal.models import PeriodicSchedule
from lojal.worker import queue
from lojal.worker.registry import JobContext, Registry, default_registry, load_task_modules

logger = logging.getLogger("lojal.worker")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


class Worker:
    def __init__(self, session_factory: sessionmaker[Session], *, name: str | None = None,
                 settings: WorkerSettings | None = None, registry: Registry | None = None) -> None:
        self.session_factory = session_factory
        self.name = name or worker_name()
        self.settings = settings or WorkerSettings()
        self.registry = registry or default_registry

    def run_once(self) -> int:
        """Schedule due periodic jobs, then claim and run up to batch_size due jobs."""
        self.schedule_periodic()
        with self.session_factory() as session:
            claimed = queue.claim(session, self.name, self.settings.batch_size,
                                  timedelta(seconds=self.settings.lease_seconds))
            session.commit()
        for job in claimed:
            self.run_job(job)
        return len(claimed)

    def run_job(self, job: queue.ClaimedJob) -> None:
        started = time.perf_counter()
        registered = self.registry.tasks.get(job.task)
        extra = {"job_id": job.id, "task": job.task, "attempt": job.attempts}
        try:
            if registered is None:
                raise LookupError(f"no task named {job.task!r} is registered")
            with self.session_factory() as session:
                registered.handler(JobContext(session, job.id, job.shop_id, job.attempts), job.payload)
                if queue.mark_done(session, job.id, self.name):
                    session.commit()
                else:
                    session.rollback()
                    logger.warning("job was taken over by another worker; its work is rolled back", extra=extra)
                    return
            logger.debug("job done", extra=extra | {"seconds": round(time.perf_counter() - started, 4)})
        except Exception as error:
            text = "".join(traceback.format_exception(error))
            with self.session_factory() as session:
                status = queue.mark_failed(session, job if registered is not None else _last_attempt(job), self.name, text)
                session.commit()
            level = logging.ERROR if status == "dead" else logging.WARNING
            logger.log(level, "job failed: %s", error, extra=extra | {"status": status})

    def schedule_periodic(self) -> None:
        if not self.registry.periodic:
            return
        now = utcnow()
        with self.session_factory() as session:
            schedules = {row.name: row for row in session.scalars(select(PeriodicSchedule))}
            for name, entry in self.registry.periodic.items():
                stored = schedules.get(name)
                if stored is None:
                    self._create_schedule(session, name, entry.every, now)
                    continue
                if stored.next_run_at > now:
                    continue
                slot = stored.next_run_at
                claimed = session.execute(
                    update(PeriodicSchedule)
                    .where(PeriodicSchedule.name == name, PeriodicSchedule.next_run_at == slot)
                    .values(next_run_at=_next_slot(slot, entry.every, now), last_run_at=now,
                            interval_seconds=int(entry.every.total_seconds()))
                ).rowcount
                if claimed == 1:
                    queue.enqueue(session, entry.task, entry.payload, dedupe_key=f"periodic:{name}:{slot.isoformat()}")
            session.commit()

    def _create_schedule(self, session: Session, name: str, every: timedelta, now: datetime) -> None:
        try:
            with session.begin_nested():
                session.add(PeriodicSchedule(name=name, interval_seconds=int(every.total_seconds()), next_run_at=now))
        except IntegrityError:
            pass  # another worker created it first

    def run_forever(self, stop: threading.Event) -> None:
        logger.info("worker started", extra={"worker": self.name, "tasks": len(self.registry.tasks)})
        while not stop.is_set():
            try:
                ran = self.run_once()
            except Exception:
                logger.exception("worker loop failed; retrying")
                ran = 0
            if ran == 0:
                stop.wait(self.settings.poll_interval_seconds)
        logger.info("worker stopped", extra={"worker": self.name})


def _last_attempt(job: queue.ClaimedJob) -> queue.ClaimedJob:
    """A job nobody can run goes dead at once instead of retrying."""
    return queue.ClaimedJob(job.id, job.task, job.payload, job.shop_id, job.max_attempts, job.max_attempts)


def _next_slot(slot: datetime, every: timedelta, now: datetime) -> datetime:
    """The first slot after now, keeping the schedule's rhythm (missed slots are not replayed)."""
    following = slot + every
    if following <= now:
        skipped = (now - slot) // every
        following = slot + every * (skipped + 1)
    return following


def start_in_process_worker(session_factory: sessionmaker[Session],
                            settings: WorkerSettings | None = None) -> tuple[threading.Thread, threading.Event]:
    load_task_modules()
    stop = threading.Event()
    worker = Worker(session_factory, settings=settings)
    thread = threading.Thread(target=worker.run_forever, args=(stop,), name="lojal-worker", daemon=True)
    thread.start()
    return thread, stop


def run_worker(session_factory: sessionmaker[Session], settings: WorkerSettings | None = None,
               once: bool = False) -> None:
    """``lojal worker``: run until SIGTERM/SIGINT, finishing the job at hand first."""
    load_task_modules()
    worker = Worker(session_factory, settings=settings)
    if once:
        while worker.run_once():
            pass
        return
    stop = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop.set())
    worker.run_forever(stop)
