"""Run a function over a stream of items in worker processes and yield the results in the items' order.

`convert`, `validate` and `screen` spread CPU-bound work (building, checking) over the cores with
`ordered_map`. Results come back in input order whatever the number of workers, so the files written and
the report lines printed are the same as with one worker. At most `AHEAD_PER_WORKER` chunks per worker are
in flight, so memory stays flat however many items the stream holds. A run that fits in one chunk never
starts a worker: converting one record costs no process start-up.

Workers are forked: they start in milliseconds with the parent's modules and tables (`context`) already
loaded, and nothing but the items and results is pickled. Where a process cannot fork safely (a platform
without fork, or a parent already running other threads, whose locks a child could inherit held), the work
runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
Context = TypeVar("Context")

CHUNK = 4  # items per task: enough to pay for the hand-over, few enough to keep the workers even
AHEAD_PER_WORKER = 4  # chunks in flight per worker: keeps them busy while the parent reads and writes


def default_workers() -> int:
    """Return the number of cores this process may run on (the `--workers` default)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Return True where worker processes can be forked safely: the platform forks, no other thread runs."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def ordered_map(
    function: Callable[[Context, Item], Result],
    items: Iterable[Item],
    context: Context,
    *,
    workers: int,
    chunk: int = CHUNK,
) -> Iterator[Result]:
    """Yield `function(context, item)` for each item, in order, computed in up to `workers` processes.

    Items and results must pickle. With `workers` <= 1, when the items fit in one chunk, or when this
    process cannot fork safely, everything runs in this process.
    """
    stream = iter(items)
    first = list(islice(stream, chunk + 1))
    if workers <= 1 or len(first) <= chunk or not can_fork():
        yield from (function(context, item) for item in first)
        yield from (function(context, item) for item in stream)
        return
    with _Pool(function, context, workers) as pool:
        yield from pool.run(_chunks(first, stream, chunk), workers * AHEAD_PER_WORKER)


def _chunks(first: list[Item], rest: Iterator[Item], size: int) -> Iterator[list[Item]]:
    queued = iter(first)
    for source in (queued, rest):
        while batch := list(islice(source, size)):
            yield batch


class _Pool(Generic[Context, Item, Result]):
    """A process pool whose workers hold `context` and apply `function` to chunks of items."""

    def __init__(self, function: Callable[[Context, Item], Result], context: Context, workers: int) -> None:
        self._executor = ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_worker,
            initargs=(function, context),
        )

    def __enter__(self) -> _Pool[Context, Item, Result]:
        return self

    def __exit__(self, *_: object) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def run(self, chunks: Iterator[list[Item]], ahead: int) -> Iterator[Result]:
        """Yield the results of every chunk, in order, with at most `ahead` chunks submitted and not
        yet yielded."""
        pending: deque[Future[list[Result]]] = deque()
        for batch in chunks:
            pending.append(self._executor.submit(_run_chunk, batch))
            if len(pending) >= ahead:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


_worker: tuple[Callable[[Any, Any], Any], Any] | None = None  # this worker process's function and context


def _start_worker(function: Callable[[Any, Any], Any], context: Any) -> None:
    global _worker  # noqa: PLW0603 - one per worker process, set once by the pool's initializer
    _worker = (function, context)


def _run_chunk(batch: list[Any]) -> list[Any]:
    assert _worker is not None, "a chunk runs only in a worker started by _start_worker"
    function, context = _worker
    return [function(context, item) for item in batch]
