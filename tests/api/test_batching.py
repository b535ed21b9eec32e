"""WriteBatcher: requests that arrive while others are written go together, per key, each with
its own answer or error. (No database: the writer is a function of the test.)"""

import asyncio
import threading

from lojal.api.batching import WriteBatcher


def test_requests_queued_behind_a_write_go_together_per_key_each_with_its_answer() -> None:
    calls: list[tuple[str, list[str]]] = []
    release = threading.Event()

    def write(context: str, items: list[str]) -> list[object]:
        calls.append((context, list(items)))
        if len(calls) == 1:
            assert release.wait(5)  # the first write is slow: the others queue meanwhile
        return [ValueError(item) if item == "bad" else item.upper() for item in items]

    batcher = WriteBatcher(write, max_batch=3, writers=1)

    async def scenario() -> list[object]:
        first = asyncio.ensure_future(batcher.submit("shop-1", "one", "a"))
        await asyncio.sleep(0.05)
        queued = [asyncio.ensure_future(batcher.submit(key, context, item)) for key, context, item in (
            ("shop-1", "one", "b"), ("shop-2", "two", "x"), ("shop-1", "one", "bad"), ("shop-1", "one", "c"),
            ("shop-1", "one", "d"))]
        await asyncio.sleep(0.05)
        release.set()
        return await asyncio.gather(first, *queued, return_exceptions=True)

    answers = asyncio.run(scenario())
    assert calls == [("one", ["a"]), ("one", ["b", "bad", "c"]), ("two", ["x"]), ("one", ["d"])]
    assert answers[:3] == ["A", "B", "X"] and answers[4:] == ["C", "D"]
    assert isinstance(answers[3], ValueError) and str(answers[3]) == "bad"


def test_a_lone_request_is_written_at_once_and_a_failing_writer_fails_its_batch_only() -> None:
    def write(context: str, items: list[str]) -> list[str]:
        if "boom" in items:
            raise RuntimeError("writer failed")
        return items

    batcher = WriteBatcher(write, max_batch=8, writers=2)

    async def scenario() -> list[object]:
        alone = await batcher.submit("k", None, "first")
        failed = await asyncio.gather(batcher.submit("k", None, "boom"), return_exceptions=True)
        after = await batcher.submit("k", None, "after")
        return [alone, *failed, after]

    alone, failed, after = asyncio.run(scenario())
    assert (alone, after) == ("first", "after")
    assert isinstance(failed, RuntimeError)
