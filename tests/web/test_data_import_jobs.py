"""The admin CSV upload runs as a job with progress: the form stores the file and queues the job
(303 to the job's page, or 202 with JSON for the page's script), the progress endpoint answers
JSON, the job's page refreshes itself until the report is there. A file with a bad row imports
nothing and lists the line; a wrong file is refused at once (422) and queues nothing; another
shop's job is a 404; support may look but not upload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import lojal.events.tasks  # registers the dispatcher
import lojal.transfer.tasks  # noqa: F401  (registers transfer.import_file)
from lojal.models import Job, Order
from lojal.transfer.background import TASK
from lojal.worker import Worker
from tests.fixtures.api import ShopWithKeys
from tests.integrations.helpers import count, run_jobs
from tests.web.test_admin_pages import ENGLISH, csrf_of
from tests.web.test_loyalty_pages import logged_in

DATA = Path(__file__).resolve().parent.parent / "transfer" / "data"
JSON = ENGLISH | {"Accept": "application/json"}


def data_base(client: TestClient, db: Session, shop: ShopWithKeys, role: str = "owner") -> str:
    return logged_in(client, db, shop, role).removesuffix("/loyalty") + "/data"


def upload(client: TestClient, base: str, name: str, content: bytes, headers: dict[str, str] = ENGLISH,
           **fields: str) -> Any:
    token = csrf_of(client.get(f"{base}/import", headers=ENGLISH).text)
    return client.post(f"{base}/import", data={"csrf_token": token, "what": "orders", "format": "shopify"} | fields,
                       files={"file": (name, content, "text/csv")}, headers=headers, follow_redirects=False)


def import_jobs(db: Session) -> list[Job]:
    return list(db.scalars(select(Job).where(Job.task == TASK).order_by(Job.id)))


def test_upload_queues_a_job_whose_progress_and_report_are_shown(client: TestClient, db: Session, shop: ShopWithKeys,
                                                                 session_factory: sessionmaker[Session],
                                                                 tmp_path: Path) -> None:
    base = data_base(client, db, shop, "marketer")
    content = (DATA / "shopify_orders.csv").read_bytes()
    queued = upload(client, base, "orders_export_1.csv", content)
    assert queued.status_code == 303
    job_page = queued.headers["location"]
    [job] = import_jobs(db)
    assert job_page == f"{base}/import/jobs/{job.id}" and job.shop_id == shop.shop.id
    stored = Path(job.payload["path"])
    assert stored.read_bytes() == content and stored.is_relative_to(tmp_path)
    assert count(db, Order) == 0

    waiting = client.get(job_page, headers=ENGLISH)
    assert waiting.status_code == 200 and 'http-equiv="refresh"' in waiting.text and 'id="import-bar"' in waiting.text
    progress = client.get(job_page + "/progress", headers=ENGLISH)
    assert progress.status_code == 200
    assert progress.json() | {"id": 0} == {"id": 0, "state": "queued", "phase": "queued", "percent": 0, "bytes": 0,
                                           "size": len(content), "rows": 0, "total_rows": None, "failure": None,
                                           "filename": "orders_export_1.csv", "page": job_page}

    run_jobs(Worker(session_factory))
    done = client.get(job_page + "/progress", headers=ENGLISH).json()
    assert (done["state"], done["phase"], done["percent"], done["bytes"], done["rows"]) == (
        "done", "done", 100, len(content), 7)
    report = client.get(job_page, headers=ENGLISH)
    assert report.status_code == 200 and 'data-imported="yes"' in report.text and 'http-equiv="refresh"' not in report.text
    assert count(db, Order) == 4 and not stored.exists()


def test_the_script_gets_json_and_a_bad_row_imports_nothing(client: TestClient, db: Session, shop: ShopWithKeys,
                                                            session_factory: sessionmaker[Session]) -> None:
    base = data_base(client, db, shop)
    broken = (DATA / "generic_orders.csv").read_text(encoding="utf-8").replace("349.00", "349.001").encode()
    queued = upload(client, base, "broken.csv", broken, headers=JSON, format="generic")
    assert queued.status_code == 202
    answer = queued.json()
    [job] = import_jobs(db)
    assert answer == {"job": job.id, "page": f"{base}/import/jobs/{job.id}",
                      "progress": f"{base}/import/jobs/{job.id}/progress"}
    run_jobs(Worker(session_factory))
    assert client.get(answer["progress"], headers=ENGLISH).json()["state"] == "done"
    report = client.get(answer["page"], headers=ENGLISH).text
    assert 'data-imported="no"' in report and 'data-line="4"' in report and "349.001" in report
    assert count(db, Order) == 0

    upload(client, base, "broken.csv", broken, format="generic", skip_bad_rows="on")
    run_jobs(Worker(session_factory))
    skipped = import_jobs(db)[-1]
    assert client.get(f"{base}/import/jobs/{skipped.id}/progress", headers=ENGLISH).json()["state"] == "done"
    assert 'data-imported="yes"' in client.get(f"{base}/import/jobs/{skipped.id}", headers=ENGLISH).text
    assert count(db, Order) > 0


@pytest.mark.parametrize(("content", "fields", "field"), [
    (b"", {}, "file"),
    (b"a,b\n1,2\n", {}, "file"),
    (b"a,b\n1,2\n", {"what": "customers", "format": "woocommerce"}, "format"),
    (b"Name,Total\n#1,2\n", {"encoding": "ebcdic"}, "encoding"),
])
def test_a_wrong_file_is_refused_at_once_and_queues_nothing(client: TestClient, db: Session, shop: ShopWithKeys,
                                                             content: bytes, fields: dict[str, str], field: str) -> None:
    base = data_base(client, db, shop)
    refused = upload(client, base, "wrong.csv", content, **fields)
    assert refused.status_code == 422 and f'data-error-field="{field}"' in refused.text
    as_json = upload(client, base, "wrong.csv", content, headers=JSON, **fields)
    assert as_json.status_code == 422 and list(as_json.json()["errors"]) == [field]
    assert import_jobs(db) == []


def test_a_file_gone_missing_is_reported_as_failed(client: TestClient, db: Session, shop: ShopWithKeys,
                                                   session_factory: sessionmaker[Session]) -> None:
    base = data_base(client, db, shop)
    upload(client, base, "orders.csv", (DATA / "shopify_orders.csv").read_bytes())
    [job] = import_jobs(db)
    Path(job.payload["path"]).unlink()
    run_jobs(Worker(session_factory))
    progress = client.get(f"{base}/import/jobs/{job.id}/progress", headers=ENGLISH).json()
    assert progress["state"] == "failed" and "not on the machine" in progress["failure"]["message"]
    page = client.get(f"{base}/import/jobs/{job.id}", headers=ENGLISH).text
    assert "data-failure" in page and "nothing was imported" in page
    assert count(db, Order) == 0


def test_roles_and_shops(client: TestClient, db: Session, shop: ShopWithKeys, other_shop: ShopWithKeys) -> None:
    base = data_base(client, db, shop, "support")
    refused = upload(client, base, "orders.csv", (DATA / "shopify_orders.csv").read_bytes())
    assert refused.status_code == 403 and import_jobs(db) == []
    owner_base = data_base(client, db, shop, "owner")
    upload(client, owner_base, "orders.csv", (DATA / "shopify_orders.csv").read_bytes())
    [job] = import_jobs(db)
    other = f"/admin/shops/{other_shop.shop.slug}/data/import/jobs/{job.id}"
    for path in (other, other + "/progress"):
        assert client.get(path, headers=ENGLISH).status_code == 404
    for path in (f"{owner_base}/import/jobs/999999", f"{owner_base}/import/jobs/abc/progress"):
        assert client.get(path, headers=ENGLISH).status_code == 404
    token = csrf_of(client.get(f"{owner_base}/import", headers=ENGLISH).text)
    forged = client.post(f"{owner_base}/import", data={"csrf_token": token + "x", "what": "orders", "format": "shopify"},
                         files={"file": ("o.csv", b"Name\n", "text/csv")}, headers=ENGLISH, follow_redirects=False)
    assert forged.status_code == 403 and len(import_jobs(db)) == 1
