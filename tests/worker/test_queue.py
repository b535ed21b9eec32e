import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from lojal.config import WorkerSettings
from lojal.db.engine import make_session_factory
from lojal.kit.clock import FrozenClock
from lojal.models import Job, Shop
from lojal.worker import JobContext, Worker, enqueue, retry_dead
from lojal.worker.registry import Registry
from tests.fixtures.clock import frozen_clock

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    with frozen_clock(T0) as frozen:
        yield frozen


@pytest.fixture
def registry() -> Registry:
    return Registry()


def worker(factory: sessionmaker[Session], registry: Registry, name: str = "w1") -> Worker:
    return Worker(factory, name=name, registry=registry, settings=WorkerSettings(batch_size=10, lease_seconds=60))


def job(db: Session, job_id: int | None = None) -> Job:
    db.expire_all()
    return db.scalars(select(Job).order_by(Job.id)).first() if job_id is None else db.get(Job, job_id)  # type: ignore[return-value]


def test_enqueue_in_a_rolled_back_transaction_leaves_no_job(session_factory: sessionmaker[Session], db: Session) -> None:
    with session_factory() as session:
        enqueue(session, "anything", {"n": 1})
        session.rollback()
    assert db.scalar(select(func.count()).select_from(Job)) == 0


def test_dedupe_key_makes_a_second_enqueue_a_no_op(db: Session) -> None:
    enqueue(db, "anything", {"n": 1}, dedupe_key="k")
    enqueue(db, "anything", {"n": 2}, dedupe_key="k")
    assert db.scalars(select(Job.payload)).all() == [{"n": 1}]


def test_success_commits_the_work_and_the_done_mark_together(session_factory: sessionmaker[Session], db: Session,
                                                             registry: Registry, clock: FrozenClock) -> None:
    @registry.task("rename")
    def rename(context: JobContext, payload: dict[str, Any]) -> None:
        context.session.execute(text("UPDATE shops SET name = :name"), {"name": payload["name"]})

    db.add(Shop(slug="s", name="Old", currency="NOK", timezone="Europe/Oslo", locale="nb", settings={}, created_at=T0))
    enqueue(db, "rename", {"name": "New"})
    db.commit()
    assert worker(session_factory, registry).run_once() == 1
    db.expire_all()
    assert db.scalars(select(Shop.name)).one() == "New"
    assert (job(db).status, job(db).attempts, job(db).finished_at) == ("done", 1, T0)


def test_failure_rolls_back_the_work_and_retries_with_backoff(session_factory: sessionmaker[Session], db: Session,
                                                              registry: Registry, clock: FrozenClock) -> None:
    @registry.task("flaky")
    def flaky(context: JobContext, payload: dict[str, Any]) -> None:
        context.session.execute(text("UPDATE shops SET name = 'half-written'"))
        raise RuntimeError("the SMTP server said no")

    db.add(Shop(slug="s", name="Old", currency="NOK", timezone="Europe/Oslo", locale="nb", settings={}, created_at=T0))
    enqueue(db, "flaky", {}, max_attempts=3)
    db.commit()
    runner = worker(session_factory, registry)
    assert runner.run_once() == 1
    failed = job(db)
    assert failed.status == "queued" and failed.attempts == 1 and "SMTP server said no" in failed.last_error
    assert T0 + timedelta(seconds=1.5) <= failed.run_at <= T0 + timedelta(seconds=2.5)
    assert db.scalars(select(Shop.name)).one() == "Old"
    assert runner.run_once() == 0  # not due yet
    clock.advance(seconds=3)
    runner.run_once()
    clock.advance(seconds=6)
    runner.run_once()
    assert (job(db).status, job(db).attempts) == ("dead", 3)
    clock.advance(hours=2)
    assert runner.run_once() == 0
    assert retry_dead(db, job(db).id)
    assert (job(db).status, job(db).attempts) == ("queued", 0)


def test_unknown_task_goes_dead_at_once(session_factory: sessionmaker[Session], db: Session, registry: Registry,
                                        clock: FrozenClock) -> None:
    enqueue(db, "no.such.task", {})
    db.commit()
    worker(session_factory, registry).run_once()
    assert job(db).status == "dead" and "no task named 'no.such.task'" in job(db).last_error


def test_a_job_whose_worker_died_is_claimed_again_after_its_lease(session_factory: sessionmaker[Session], db: Session,
                                                                  registry: Registry, clock: FrozenClock) -> None:
    from lojal.worker.queue import claim

    ran: list[str] = []
    registry.task("note")(lambda context, payload: ran.append("ran"))
    enqueue(db, "note", {})
    db.commit()
    with session_factory() as session:
        assert len(claim(session, "dead-worker", 10, timedelta(seconds=60))) == 1
        session.commit()
    survivor = worker(session_factory, registry, "survivor")
    assert survivor.run_once() == 0
    clock.advance(seconds=61)
    assert survivor.run_once() == 1
    assert ran == ["ran"] and (job(db).status, job(db).attempts, job(db).locked_by) == ("done", 2, "survivor")


def test_periodic_slot_runs_once_across_workers(session_factory: sessionmaker[Session], db: Session,
                                                registry: Registry, clock: FrozenClock) -> None:
    ran: list[int] = []
    registry.task("tick")(lambda context, payload: ran.append(1))
    registry.every("tick", timedelta(minutes=10))
    first, second = worker(session_factory, registry, "a"), worker(session_factory, registry, "b")
    first.run_once()
    second.run_once()
    assert len(ran) == 1
    clock.advance(minutes=5)
    first.run_once()
    second.run_once()
    assert len(ran) == 1
    clock.advance(minutes=6)
    second.run_once()
    first.run_once()
    assert len(ran) == 2
    clock.advance(hours=5)  # missed slots are not replayed
    first.run_once()
    second.run_once()
    assert len(ran) == 3


def test_many_workers_run_each_job_exactly_once_on_postgres(committed_engine: Engine, registry: Registry) -> None:
    factory = make_session_factory(committed_engine)
    runs: list[int] = []
    lock = threading.Lock()

    @registry.task("count")
    def count(context: JobContext, payload: dict[str, Any]) -> None:
        with lock:
            runs.append(payload["n"])

    with factory() as session:
        for number in range(200):
            enqueue(session, "count", {"n": number})
        session.commit()

    def drain(name: str) -> None:
        runner = worker(factory, registry, name)
        while runner.run_once():
            pass

    threads = [threading.Thread(target=drain, args=(f"w{index}",)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(runs) == list(range(200))
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Job).where(Job.status == "done")) == 200
