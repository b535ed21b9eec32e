"""Concurrent requests of one kind written together, a few transactions at a time.

A webhook-style endpoint (one order per request) spends most of its time on per-transaction
work: a dozen or more statements and a commit for one row. When requests arrive while others are
being written, they wait in a queue, and the next free writer takes all that are queued for the
same shop (up to ``max_batch``) and writes them in one transaction through the batch service, the
way the bulk endpoint does; under light load every request is written alone, at once, as before.

A batch that fails (one bad order, a conflict, a deadlock between two batches) is rolled back and
its requests are written again one per transaction, so each request gets exactly the answer or
the error it would have had alone. State lives per event loop (one per web process; the test
client starts one per client)."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from starlette.concurrency import run_in_threadpool

Item = TypeVar("Item")


@dataclass
class _Queued(Generic[Item]):
    context: Any
    item: Item
    answer: asyncio.Future[Any]


@dataclass
class _LoopState:
    pending: dict[Hashable, list[_Queued[Any]]] = field(default_factory=dict)
    writers: int = 0
    expected: dict[Hashable, int] = field(default_factory=dict)
    """Per key, the requests to gather before its next batch: those of the batch just answered
    (their clients are likely to send their next one at once) and those that queued meanwhile."""
    gathering: dict[Hashable, asyncio.Event] = field(default_factory=dict)
    """The keys a writer is gathering for, each with the event that tells it they are in."""


class WriteBatcher(Generic[Item]):
    """``write(context, items)`` runs in the thread pool and returns one answer per item, or the
    exception to raise for that item; items of one batch share the key they were submitted with
    (and the context of the first of them).

    ``gather_seconds``: how long a writer may wait for a key's expected requests before it takes
    what has queued. Without it, N clients that send their next request as soon as they are
    answered settle into two alternating batches of N/2 (each written while the other queues),
    and a batch's statements cost about as much for 8 orders as for 32; with it, they go in one."""

    def __init__(self, write: Callable[[Any, list[Item]], list[Any]], *, max_batch: int, writers: int,
                 gather_seconds: float = 0.0) -> None:
        self.write = write
        self.max_batch = max(1, max_batch)
        self.writers = max(1, writers)
        self.gather_seconds = gather_seconds
        self._states: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = weakref.WeakKeyDictionary()

    async def submit(self, key: Hashable, context: Any, item: Item) -> Any:
        loop = asyncio.get_running_loop()
        state = self._states.setdefault(loop, _LoopState())
        queued = _Queued(context, item, loop.create_future())
        queue = state.pending.setdefault(key, [])
        queue.append(queued)
        gathered = state.gathering.get(key)
        if gathered is not None and len(queue) >= state.expected.get(key, 0):
            gathered.set()
        if state.writers < self.writers:
            state.writers += 1
            loop.create_task(self._drain(state))
        return await queued.answer

    async def _drain(self, state: _LoopState) -> None:
        try:
            while state.pending:
                await self._gather(state)
                key, batch = self._take(state)
                try:
                    answers = await run_in_threadpool(self.write, batch[0].context, [queued.item for queued in batch])
                except BaseException as error:  # the writer itself failed: every request of the batch hears it
                    for queued in batch:
                        if not queued.answer.done():
                            queued.answer.set_exception(error)
                    if not isinstance(error, Exception):
                        raise
                    continue
                state.expected[key] = min(self.max_batch, len(batch) + len(state.pending.get(key, ())))
                for queued, answer in zip(batch, answers, strict=True):
                    if queued.answer.done():  # the client went away meanwhile
                        continue
                    if isinstance(answer, BaseException):
                        queued.answer.set_exception(answer)
                    else:
                        queued.answer.set_result(answer)
        finally:
            state.writers -= 1

    async def _gather(self, state: _LoopState) -> None:
        """Wait (at most ``gather_seconds``) until the next key has the requests it expects."""
        key = next(iter(state.pending))
        if not self.gather_seconds or len(state.pending[key]) >= state.expected.get(key, 0):
            return
        gathered = state.gathering.setdefault(key, asyncio.Event())  # shared by writers gathering for it
        try:
            await asyncio.wait_for(gathered.wait(), self.gather_seconds)
        except TimeoutError:
            pass
        finally:
            state.gathering.pop(key, None)

    def _take(self, state: _LoopState) -> tuple[Hashable, list[_Queued[Any]]]:
        key = next(iter(state.pending))  # the key waiting longest
        queue = state.pending[key]
        batch, rest = queue[: self.max_batch], queue[self.max_batch :]
        del state.pending[key]
        if rest:  # to the back of the line: other shops' requests go first
            state.pending[key] = rest
        return key, batch
