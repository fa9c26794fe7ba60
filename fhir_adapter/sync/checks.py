"""Validate write Bundles before they are sent: in this process, or in worker processes for a large push.

Validation is the largest part of a first push on our side (FHIRPath invariants and the R4 JSON Schema, a
few milliseconds per resource, in pure Python), and threads do not run Python in parallel. With
`processes` > 1, Bundles are checked in a pool of worker processes, so a large push uses the machine's
cores. A worker takes seconds to start (it loads the validation data), so the first INLINE_FIRST Bundles
of a run are checked here: a nightly sync that writes a few trials never starts one. Workers are started
with `spawn`, which is safe beside the threads that send the trials.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

from fhir_adapter.validation import validate_bundle

INLINE_FIRST = 8  # Bundles checked in this process before the workers are worth starting


def bundle_errors(bundle: dict[str, Any]) -> list[str]:
    """Return the error-level issues of `bundle`, as text (warnings do not stop a write)."""
    return [str(issue) for issue in validate_bundle(bundle) if issue.severity == "error"]


class BundleChecker:
    """Checks Bundles, in `processes` worker processes when more than one (then call `close()` at the end)."""

    def __init__(self, processes: int = 1) -> None:
        self.processes = processes
        self._pool: Executor | None = None
        self._lock = threading.Lock()
        self._checked = 0

    def errors(self, bundle: dict[str, Any]) -> list[str]:
        """Return the errors of `bundle` (blocking the calling thread, not the others, while it waits)."""
        with self._lock:
            self._checked += 1
            inline = self.processes <= 1 or self._checked <= INLINE_FIRST
        if inline:
            return bundle_errors(bundle)
        return self._executor().submit(bundle_errors, bundle).result()

    def close(self) -> None:
        """Stop the worker processes, if any were started."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _executor(self) -> Executor:
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("spawn")
                self._pool = ProcessPoolExecutor(self.processes, mp_context=context)
            return self._pool
