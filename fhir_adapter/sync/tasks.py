"""Where a push runs each trial's step: in a small thread pool, or one at a time in the caller's thread.

Both give back tasks whose `result()` is the step's outcome, so push.py treats them alike. Inline, a task
runs only when its result is asked for: results are asked for in input order, so each trial is written and
reported (`on_trial`) before the next one is sent, as a run with `--concurrency 1` promises.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, Protocol, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
Result_co = TypeVar("Result_co", covariant=True)


class Task(Protocol[Result_co]):
    """A step submitted for one item; `result()` waits for it (a `concurrent.futures.Future` is one)."""

    def result(self) -> Result_co: ...


class InlinePool:
    """A one-worker pool in the caller's thread: each task runs when its result is asked for."""

    def __enter__(self) -> InlinePool:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def submit(self, step: Callable[[Item], Result], item: Item) -> Task[Result]:
        return _Deferred(functools.partial(step, item))


class _Deferred(Generic[Result]):
    def __init__(self, run: Callable[[], Result]) -> None:
        self._run = run

    def result(self) -> Result:
        return self._run()


def task_pool(concurrency: int) -> ThreadPoolExecutor | InlinePool:
    """Return a pool running `concurrency` steps at once: threads above 1, else the caller's thread."""
    if concurrency > 1:
        return ThreadPoolExecutor(concurrency, thread_name_prefix="push")
    return InlinePool()
