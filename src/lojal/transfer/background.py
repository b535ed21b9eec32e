"""Imports that run as a job, with progress a browser can follow.

The upload is stored as a file under ``<data_dir>/imports/`` and a ``transfer.import_file`` job is
queued for it (tasks.py). The job records its progress (phase, bytes read of the file's size, rows
read) in its own row of the job table, in short transactions of their own, and its report when it
is done; ``status()`` reads them for the progress endpoint and page.

The job reads the file twice unless bad rows are to be skipped: first it checks every row (read,
map, validate; nothing written), so a file with bad rows imports nothing and says so at once; then
it imports. On PostgreSQL the import is one transaction (all or nothing, as the CLI). SQLite has one
writer at a time, and a transaction held for the whole file would stall every other request
(progress polls included), so there the rows are committed batch by batch and the job pauses
briefly every second to let other requests in; a row the database itself refuses at that point
(rare once the check has passed) is reported and the others are kept."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lojal.errors import LojalError, ValidationFailed
from lojal.kit.clock import utcnow
from lojal.models import Job, Shop
from lojal.transfer.csv_source import SAMPLE_BYTES
from lojal.transfer.imports import (
    ImportOptions,
    ImportReport,
    check_header,
    import_file,
)
from lojal.worker import enqueue

TASK = "transfer.import_file"
UPLOAD_DIR = "imports"
PROGRESS_EVERY = 0.25
"""Seconds between two progress writes."""
LEASE = timedelta(minutes=10)
"""Each progress write extends the job's lease by this much, so a long import is not taken over."""
SQLITE_PAUSE_EVERY, SQLITE_PAUSE = 1.0, 0.15
CHECK_SHARE = 20
"""Percent of the bar the check pass fills (the import pass fills the rest)."""
jobs = Job.__table__


# ---- the web side: store the upload, queue the job, read the progress -------------------------


def store_upload(data_dir: Path, shop: Shop, source: BinaryIO) -> tuple[Path, int]:
    """Copy the uploaded file under the data directory; its path and size."""
    folder = data_dir / UPLOAD_DIR / str(shop.id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.csv"
    with path.open("wb") as target:
        shutil.copyfileobj(source, target, 1024 * 1024)
    return path, path.stat().st_size


def queue_import(session: Session, shop: Shop, *, what: str, format_name: str, options: ImportOptions,
                 data_dir: Path, source: BinaryIO, filename: str, user_id: int | None = None) -> int:
    """Check the file's header (a wrong file is refused at once, with a ValidationFailed), store it,
    and queue its import in the caller's transaction; the job's id."""
    sample = source.read(SAMPLE_BYTES)
    if not sample.strip():
        raise ValidationFailed("the file is empty", field="file")
    check_header(sample, what, format_name, options)
    source.seek(0)
    path, size = store_upload(data_dir, shop, source)
    key = f"{TASK}:{path.stem}"
    payload = {"path": str(path), "size": size, "filename": filename[:255], "what": what, "format": format_name,
               "options": asdict(options), "user_id": user_id,
               "progress": {"phase": "queued", "bytes": 0, "rows": 0}}
    try:
        enqueue(session, TASK, payload, shop_id=shop.id, max_attempts=1, dedupe_key=key)
        job_id = session.execute(select(jobs.c.id).where(jobs.c.dedupe_key == key)).scalar_one()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return int(job_id)


def status(session: Session, shop_id: int, job_id: int) -> dict[str, Any] | None:
    """The import job's state for the progress endpoint, or None (not this shop's import)."""
    row = session.execute(select(jobs.c.status, jobs.c.payload, jobs.c.created_at, jobs.c.finished_at)
                          .where(jobs.c.id == job_id, jobs.c.shop_id == shop_id, jobs.c.task == TASK)).first()
    if row is None:
        return None
    payload = row.payload or {}
    progress = payload.get("progress") or {}
    report = payload.get("report")
    failure = payload.get("failure")
    if row.status == "dead" and failure is None:
        failure = {"field": None, "message": "the import stopped unexpectedly; see the server's log"}
    state = ("failed" if failure is not None else "done") if row.status in ("done", "dead") else (
        "queued" if row.status == "queued" else "running")
    size = int(payload.get("size") or 0)
    return {"id": job_id, "state": state, "phase": progress.get("phase", "queued"), "what": payload.get("what"),
            "format": payload.get("format"), "filename": payload.get("filename"),
            "bytes": int(progress.get("bytes") or 0), "size": size, "rows": int(progress.get("rows") or 0),
            "total_rows": progress.get("total_rows"), "percent": 100 if state in ("done", "failed") else
            int(progress.get("percent") or 0), "report": report, "failure": failure,
            "skip_bad_rows": bool((payload.get("options") or {}).get("skip_bad_rows"))}


# ---- the job side ------------------------------------------------------------------------------


class ProgressRecorder:
    """Writes the job's progress in short transactions of a session of its own (so a poll sees it
    while the import's own transaction is still open), at most every ``PROGRESS_EVERY`` seconds.

    On SQLite a write waits for the moment the import holds no transaction (``may_write``), since
    the same thread holding the one write lock would otherwise wait for itself."""

    def __init__(self, import_session: Session, job_id: int, payload: dict[str, Any]) -> None:
        self.import_session, self.job_id, self.payload = import_session, job_id, payload
        bind = import_session.get_bind()
        self.sqlite = bind.dialect.name == "sqlite"
        self.session = Session(bind=bind, join_transaction_mode="create_savepoint")
        self.state: dict[str, Any] = {"phase": "queued", "bytes": 0, "rows": 0}
        self.size = max(int(payload.get("size") or 0), 1)
        self.written_at = 0.0
        self.paused_at = time.monotonic()

    def phase(self, name: str, total_rows: int | None = None) -> None:
        self.state = {"phase": name, "bytes": 0, "rows": 0} | ({"total_rows": total_rows} if total_rows else {})
        self.write(force=True)

    def on_bytes(self, done: int) -> None:
        self.state["bytes"] = done
        self.write()

    def on_rows(self, done: int) -> None:
        self.state["rows"] = done
        self.write()

    def percent(self) -> int:
        share = self.state["bytes"] / self.size
        if self.state.get("total_rows"):
            share = max(share, self.state["rows"] / self.state["total_rows"])
        share = min(share, 1.0)
        if self.state["phase"] == "checking":
            return int(share * CHECK_SHARE)
        if self.state["phase"] == "importing":
            start = 0 if self.payload.get("options", {}).get("skip_bad_rows") else CHECK_SHARE
            return min(int(start + share * (100 - start)), 99)
        return 0

    def may_write(self) -> bool:
        return not (self.sqlite and self.import_session.in_transaction())

    def write(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.written_at < PROGRESS_EVERY:
            return
        if not self.may_write():
            return
        self.written_at = now
        progress = self.state | {"percent": self.percent()}
        self.session.execute(update(jobs).where(jobs.c.id == self.job_id, jobs.c.status == "running")
                             .values(payload=self.payload | {"progress": progress}, locked_until=utcnow() + LEASE))
        self.session.commit()

    def after_batch(self) -> None:
        """On SQLite: commit the batch, record progress, and now and then let other requests in."""
        self.import_session.commit()
        self.write()
        if time.monotonic() - self.paused_at >= SQLITE_PAUSE_EVERY:
            time.sleep(SQLITE_PAUSE)
            self.paused_at = time.monotonic()

    def close(self) -> None:
        self.session.close()


def run_import_job(session: Session, job_id: int, shop: Shop, payload: dict[str, Any]) -> None:
    """The job: check, import, and store the report (or the reason it failed) in the job's payload.
    The caller (the worker) commits the job's writes with its ``done`` mark."""
    session.commit()  # end the transaction that read the shop: on SQLite it holds the write lock
    path = Path(payload["path"])
    recorder = ProgressRecorder(session, job_id, payload)
    try:
        outcome = _check_and_import(session, shop, payload, path, recorder)
    except LojalError as error:
        session.rollback()
        outcome = {"failure": {"field": error.field, "message": error.message}}
    finally:
        recorder.close()
        path.unlink(missing_ok=True)
    final = {"phase": "done", "bytes": payload.get("size", 0), "rows": (outcome.get("report") or {}).get("rows", 0),
             "percent": 100}
    session.execute(update(jobs).where(jobs.c.id == job_id).values(payload=payload | {"progress": final} | outcome))


def _check_and_import(session: Session, shop: Shop, payload: dict[str, Any], path: Path,
                      recorder: ProgressRecorder) -> dict[str, Any]:
    if not path.is_file():
        raise ValidationFailed("the uploaded file is not on the machine running this job (the web server and the "
                               "worker must share the data directory); upload it again", field="file")
    options = ImportOptions(**payload["options"])
    what, format_name = payload["what"], payload["format"]
    total_rows = None
    if not options.skip_bad_rows:
        recorder.phase("checking")
        with path.open("rb") as source:
            checked = import_file(session, shop, what, format_name, source, options, check_only=True,
                                  on_bytes=recorder.on_bytes, on_rows=recorder.on_rows)
        session.rollback()
        if not checked.imported:
            return {"report": checked.as_dict()}
        total_rows = checked.rows
    recorder.phase("importing", total_rows)
    run_options = options
    after_batch: Callable[[], None] | None = None
    if recorder.sqlite:
        run_options = ImportOptions(**(asdict(options) | {"skip_bad_rows": True}))
        after_batch = recorder.after_batch
    with path.open("rb") as source:
        report = import_file(session, shop, what, format_name, source, run_options, after_batch=after_batch,
                             on_bytes=recorder.on_bytes, on_rows=recorder.on_rows)
    if not report.imported:
        session.rollback()
    return {"report": _reported(report, options)}


def _reported(report: ImportReport, asked: ImportOptions) -> dict[str, Any]:
    result = report.as_dict()
    if asked.skip_bad_rows is False and report.bulk.failed and report.imported:
        result["message"] = (f"{report.bulk.failed} row(s) were refused by the database after the check "
                             f"had passed; the other rows are imported: " + result["message"])
    return result
