"""benchmarks/webhooks_shopify: how fast POST /webhooks/shopify/{shop} answers (verify the HMAC,
store the delivery, enqueue the job, 200) for signed orders/create deliveries of a full-size order
(3 lines, discounts, shipping, VAT; about 13 kB), sent one after another with httpx over loopback
to `lojal serve` (1 web process, no worker, so only the answer path is timed).

Reference, measured in the same run: GET /healthz (the HTTP stack plus one SELECT 1), the floor
any endpoint on this server stands on. Target: Shopify waits 5 s; we want p99 well under 50 ms.
Run: .venv/bin/python benchmarks/webhooks_shopify/run.py [--deliveries 2000] [--database URL]"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import hmac
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import DATA, fresh_database, lojal_server  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from lojal.db.engine import create_db_engine, make_session_factory  # noqa: E402
from lojal.integrations import service  # noqa: E402
from lojal.kit.clock import utcnow  # noqa: E402
from lojal.models import IdempotencyRecord, Job  # noqa: E402
from lojal.shops.schemas import ShopIn  # noqa: E402
from lojal.shops.service import create_shop  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
ORDER = json.loads((ROOT / "tests/integrations/payloads/shopify_order.json").read_text())
SECRET = "shpss_benchmark_0123456789abcdef0123456789abcdef"


def connected_shop(url: str) -> str:
    engine = create_db_engine(url)
    with make_session_factory(engine)() as session:
        shop = create_shop(session, ShopIn(name="Benchmark", currency="NOK"))
        service.connect(session, shop, "shopify", SECRET, utcnow())
        session.commit()
        slug = shop.slug
    engine.dispose()
    return slug


def delivery(number: int) -> tuple[bytes, dict[str, str]]:
    order = copy.deepcopy(ORDER)
    order["id"] = 5_000_000_000_000 + number
    order["name"] = f"#{1000 + number}"
    body = json.dumps(order, ensure_ascii=False, separators=(",", ":")).encode()
    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    return body, {"Content-Type": "application/json", "X-Shopify-Topic": "orders/create",
                  "X-Shopify-Hmac-Sha256": signature, "X-Shopify-Webhook-Id": str(uuid.uuid4()),
                  "X-Shopify-Event-Id": str(uuid.uuid4()), "X-Shopify-Shop-Domain": "benchmark.myshopify.com"}


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed(client: httpx.Client, requests: list[tuple[str, bytes | None, dict[str, str]]]) -> list[float]:
    samples = []
    for url, body, headers in requests:
        started = time.perf_counter()
        response = client.post(url, content=body, headers=headers) if body is not None else client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}: {response.text}")
    return samples


def line(name: str, samples: list[float]) -> str:
    return (f"  {name:<34} n={len(samples):>5}  p50 {statistics.median(samples):6.2f} ms  "
            f"p99 {percentile(samples, 0.99):6.2f} ms  max {max(samples):7.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--database", default=f"sqlite:///{DATA / 'webhooks_shopify.sqlite'}")
    arguments = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    url = fresh_database(arguments.database)
    slug = connected_shop(url)
    warm_up = [delivery(-number) for number in range(1, 101)]
    prepared = [delivery(number) for number in range(arguments.deliveries)]
    replays = prepared[: max(arguments.deliveries // 4, 1)]
    with lojal_server(url) as base, httpx.Client(base_url=base, timeout=10) as client:
        webhook = f"/webhooks/shopify/{slug}"
        timed(client, [(webhook, body, headers) for body, headers in warm_up] + [("/healthz", None, {})] * 100)
        healthz = timed(client, [("/healthz", None, {})] * arguments.deliveries)
        fresh = timed(client, [(webhook, body, headers) for body, headers in prepared])
        replayed = timed(client, [(webhook, body, headers) for body, headers in replays])
    engine = create_db_engine(url)
    with make_session_factory(engine)() as session:
        stored = session.scalar(select(func.count()).select_from(IdempotencyRecord))
        queued = session.scalar(select(func.count()).select_from(Job).where(Job.task == service.APPLY_TASK))
    engine.dispose()
    backend = url.split(":", 1)[0].split("+")[0]
    print(f"POST /webhooks/shopify/{{shop}}, orders/create, {len(prepared[0][0]):,} bytes, sequential httpx client, "
          f"`lojal serve` on loopback, {backend}")
    print(line("GET /healthz (reference floor)", healthz))
    print(line("signed delivery, first time", fresh))
    print(line("the same delivery again (replay)", replayed))
    print(f"  stored {stored:,} delivery records (2 per delivery: webhook id and event id), {queued:,} jobs queued "
          f"(incl. 100 warm-up); target: p99 well under Shopify's 5 s timeout, aim < 50 ms")


if __name__ == "__main__":
    main()
