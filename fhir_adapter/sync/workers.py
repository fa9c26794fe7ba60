"""The CPU-bound part of a push (building each trial's resources, validating what will be written), in this
process or, for a large push, in worker processes.

Building a trial takes about 10 ms and validating its Bundle a few milliseconds per resource (FHIRPath
invariants and the R4 JSON Schema, in pure Python); threads do not run Python in parallel, so with
`processes` > 1 both go to a pool of worker processes and a push uses the machine's cores while its threads
wait on the server. A worker takes seconds to start (it loads the mapping tables and the validation data),
so the first INLINE_FIRST tasks of each kind run here: a nightly sync of a few trials never starts one.
Workers are started with `spawn`, which is safe beside the threads that send the trials.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import threading
from collections import Counter
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from fhir_adapter.bundle import build_bundle, to_json_bytes
from fhir_adapter.errors import FhirAdapterError
from fhir_adapter.resources import BuiltResource, FhirVersion
from fhir_adapter.sources import TrialRecord
from fhir_adapter.terms import Terms
from fhir_adapter.validation.eligibility_guard import guarded_resources

INLINE_FIRST = 8  # tasks of each kind run in this process before the workers are worth starting
Json = dict[str, Any]


@dataclass(frozen=True)
class Built:
    """One trial built: its resources (referenced ones first), its full Bundle and that Bundle's SHA-256."""

    resources: tuple[BuiltResource, ...]
    bundle: Json
    content_hash: str


class BuildFailed(FhirAdapterError):
    """A trial could not be built (an unmapped code...): the builder's own words, from a worker or not."""


def build_trial(trial: TrialRecord, terms: Terms, version: FhirVersion) -> Built:
    """Return `trial` built; raise BuildFailed with the builder's message when it cannot be."""
    try:
        built = guarded_resources(trial, terms, version=version)
    except FhirAdapterError as exc:
        raise BuildFailed(str(exc)) from exc
    bundle = build_bundle(built, version=version)
    return Built(built.resources, bundle, hashlib.sha256(to_json_bytes(bundle)).hexdigest())


def bundle_errors(bundle: Json, version: FhirVersion = FhirVersion.R4) -> list[str]:
    """Return the error-level issues of `bundle` against `version`'s rules, as text (warnings do not stop
    a write)."""
    from fhir_adapter.validation import validate_bundle_as  # noqa: PLC0415 - loaded by a push, not by --help

    return [str(issue) for issue in validate_bundle_as(bundle, version) if issue.severity == "error"]


class Workers:
    """Runs builds and checks here, or in `processes` worker processes once a run is large enough."""

    def __init__(self, terms: Terms, version: FhirVersion, processes: int = 1) -> None:
        self.terms = terms
        self.version = version
        self.processes = processes
        self._pool: Executor | None = None
        self._lock = threading.Lock()
        self._done: Counter[str] = Counter()

    def build(self, trials: list[TrialRecord]) -> list[Built | BuildFailed]:
        """Return each trial built, or why it could not be, in order."""
        if not self._in_pool("build", len(trials)):
            return [_built_or_failure(trial, self.terms, self.version) for trial in trials]
        pool = self._executor()
        futures: list[Future[Built | BuildFailed]] = [
            pool.submit(_build_in_worker, trial, self.version) for trial in trials
        ]
        return [future.result() for future in futures]

    def errors(self, bundle: Json) -> list[str]:
        """Return the errors of `bundle` (blocking the calling thread, not the others, while it waits)."""
        if not self._in_pool("check", 1):
            return bundle_errors(bundle, self.version)
        return self._executor().submit(bundle_errors, bundle, self.version).result()

    def close(self) -> None:
        """Stop the worker processes, if any were started."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _in_pool(self, kind: str, count: int) -> bool:
        with self._lock:
            self._done[kind] += count
            return self.processes > 1 and self._done[kind] > INLINE_FIRST

    def _executor(self) -> Executor:
        with self._lock:
            if self._pool is None:
                # Plain dicts: the loaded tables travel to each worker once (a mappingproxy does not pickle).
                tables = {name: dict(table) for name, table in self.terms.tables.items()}
                self._pool = ProcessPoolExecutor(
                    self.processes,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_worker,
                    initargs=(tables, self.terms.identifier_base),
                )
            return self._pool


def _built_or_failure(trial: TrialRecord, terms: Terms, version: FhirVersion) -> Built | BuildFailed:
    try:
        return build_trial(trial, terms, version)
    except BuildFailed as exc:
        return exc


_worker_terms: Terms | None = None  # a worker process's mapping tables, set once when it starts


def _start_worker(tables: dict[str, Any], identifier_base: str) -> None:
    global _worker_terms  # noqa: PLW0603 - one per worker process, set by the pool's initializer
    _worker_terms = Terms(tables=tables, identifier_base=identifier_base)


def _build_in_worker(trial: TrialRecord, version: FhirVersion) -> Built | BuildFailed:
    assert _worker_terms is not None, "a build worker runs only after _start_worker"
    return _built_or_failure(trial, _worker_terms, version)
