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


def _clients_sending_again(gather_seconds: float, clients: int, rounds: int) -> list[int]:
    """Batch sizes when ``clients`` each send their next request as soon as they are answered."""
    sizes: list[int] = []

    def write(context: None, items: list[int]) -> list[int]:
        sizes.append(len(items))
        threading.Event().wait(0.01)  # a write takes a while: requests queue meanwhile
        return items

    batcher = WriteBatcher(write, max_batch=64, writers=1, gather_seconds=gather_seconds)

    async def client(number: int) -> None:
        for _ in range(rounds):
            await batcher.submit("shop", None, number)
            await asyncio.sleep(0.001 + 0.0005 * number)  # the round trip to the client and back

    async def everyone() -> None:
        await asyncio.gather(*(client(number) for number in range(clients)))

    asyncio.run(everyone())
    return sizes


def test_clients_answered_together_are_gathered_again_into_one_batch() -> None:
    # Without gathering, the first client back is written alone and the others queue behind it,
    # and from then on two batches alternate (e.g. 8, 1, 7, 1, 7): how they split depends on how
    # fast the machine runs the clients, so only the gathered case is asserted.
    assert _clients_sending_again(1.0, clients=8, rounds=6) == [8] * 6


def test_gathering_waits_no_longer_than_allowed_for_a_client_that_does_not_come_back() -> None:
    sizes: list[int] = []
    batcher = WriteBatcher(lambda context, items: sizes.append(len(items)) or items, max_batch=8, writers=1,
                           gather_seconds=1.0)

    async def scenario() -> tuple[float, float]:
        await asyncio.gather(*(batcher.submit("k", None, number) for number in range(3)))  # expects 3 next
        loop = asyncio.get_running_loop()
        started = loop.time()
        await batcher.submit("k", None, "alone")  # the other two went away
        waited = loop.time() - started
        started = loop.time()
        await batcher.submit("k", None, "next")  # now one is expected: written at once
        return waited, loop.time() - started

    waited, then = asyncio.run(scenario())
    # The first waits out the gathering time (a lower bound the event loop guarantees); the second
    # is written without waiting for it (bounds far apart, so a slow machine does not matter).
    assert 0.95 < waited < 5.0 and then < 0.9
    assert sizes == [3, 1, 1]
