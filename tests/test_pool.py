"""pool.ordered_map: results in the items' order whatever the number of workers, a bounded look-ahead, and
no worker started for a run that fits in one chunk."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from fhir_adapter.pool import CHUNK, ordered_map


def _square_with_pid(offset: int, item: int) -> tuple[int, int]:
    return item * item + offset, os.getpid()


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_results_come_in_the_items_order(workers: int) -> None:
    results = list(ordered_map(_square_with_pid, range(50), 1, workers=workers))
    assert [value for value, _ in results] == [n * n + 1 for n in range(50)]


def test_two_workers_do_the_work_in_other_processes() -> None:
    # In a fresh process: pytest may be running other threads, and then the pool runs everything here.
    script = (
        "import os\nfrom fhir_adapter.pool import ordered_map\n"
        "def pid(_, item): return os.getpid()\n"
        "print(os.getpid() not in set(ordered_map(pid, range(40), None, workers=2)))\n"
    )
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert ran.stdout.strip() == "True"


def test_with_another_thread_running_the_work_stays_in_this_process() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        pids = {pid for _, pid in ordered_map(_square_with_pid, range(40), 0, workers=2)}
    finally:
        stop.set()
        thread.join()
    assert pids == {os.getpid()}


def test_a_run_that_fits_in_one_chunk_starts_no_worker() -> None:
    pids = {pid for _, pid in ordered_map(_square_with_pid, range(CHUNK), 0, workers=2)}
    assert pids == {os.getpid()}


def test_the_items_are_read_a_bounded_number_ahead_of_the_results() -> None:
    read = 0

    def items() -> Iterator[int]:
        nonlocal read
        for n in range(1_000):
            read += 1
            yield n

    results = ordered_map(_square_with_pid, items(), 0, workers=2)
    next(results)
    assert read < 100, f"{read} items read for the first result"
    assert sum(1 for _ in results) == 999
