"""``transfer.import_file``: import a CSV file uploaded in the admin pages (see background.py)."""

from __future__ import annotations

from typing import Any

from lojal.shops.service import get_shop
from lojal.transfer.background import TASK, run_import_job
from lojal.worker import JobContext, task


@task(TASK, max_attempts=1)
def import_uploaded_file(context: JobContext, payload: dict[str, Any]) -> None:
    shop = get_shop(context.session, int(context.shop_id or payload["shop_id"]))
    run_import_job(context.session, context.job_id, shop, payload)
