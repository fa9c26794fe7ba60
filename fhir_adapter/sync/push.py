"""Push trials to a FHIR server, writing only what changed, so a second run writes nothing.

Trials go in windows of `SyncOptions.window`: each window's trials are built, what the server holds for all of
them is read in a few requests (index.py), and then each trial is planned (plan.py) and its changes sent as
one transaction, `SyncOptions.concurrency` trials at a time. While a window is written, the next one is built
and read. A journal records each trial's outcome as it lands, so an interrupted run resumes where it
stopped; one failing trial never stops the others (unless its failure would fail them all, below).

Only the resources that will be written are validated (the unchanged ones are what the server holds, which
we wrote and checked before), and only when something is written: a re-sync stays cheap.

Two things make outcomes exact. A write that failed may still have landed (its answer was cut short, and the
retry then met the If-Match versions it had itself moved on): the server is read again, and a trial whose
resources all hold what we sent is reported as written. A failure that would repeat for every trial (the
server is down, our credentials are refused: `stops_run`) stops the run; trials not yet started are reported
`not attempted` and stay unjournaled, so the next run pushes them.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from fhir_adapter.client import FhirClient
from fhir_adapter.errors import FhirAdapterError, InputError, counted
from fhir_adapter.resources import FhirVersion, ResourceKey
from fhir_adapter.sources import DuplicateRecord, ReadResult, TrialRecord, read_trials
from fhir_adapter.sync.index import ServerIndex, TrialKeys
from fhir_adapter.sync.journal import Journal
from fhir_adapter.sync.plan import ResourceChange, has_writes, outcome, plan_trial, write_bundle
from fhir_adapter.sync.release import check_release
from fhir_adapter.sync.tasks import Task, task_pool
from fhir_adapter.sync.workers import BuildFailed, Built, Workers
from fhir_adapter.sync.write import write_trial
from fhir_adapter.terms import Terms

log = logging.getLogger(__name__)

NOT_ATTEMPTED = "not attempted"
# A duplicate left out is no failure: the newer record of its study is pushed in its place.
SUCCEEDED = frozenset({"created", "updated", "unchanged", "resumed", "duplicate"})
DEFAULT_WINDOW = 50  # trials read from the server together: 1 search or batch of reads serves them all
# A duplicate's line would stand as its study's last line in the journal, hiding the kept one's.
_UNJOURNALED = frozenset({"resumed", "duplicate", NOT_ATTEMPTED})


@dataclass(frozen=True)
class TrialSync:
    """One trial's outcome: created | updated | unchanged | failed | resumed (done in an earlier run) |
    not attempted (the run stopped before it); or
    duplicate (a newer record of the same study was read; `error` says which and why)."""

    source: str
    nct_id: str | None
    outcome: str
    changes: tuple[ResourceChange, ...] = ()
    error: str | None = None
    content_hash: str | None = None  # of the trial's full Bundle: the journal's "same input" check
    stops_run: bool = False  # this failure would repeat for every trial: the run stopped here

    @property
    def ok(self) -> bool:
        return self.outcome in SUCCEEDED


@dataclass
class SyncOptions:
    version: FhirVersion = FhirVersion.R4
    dry_run: bool = False
    journal: Journal | None = None
    on_trial: Callable[[TrialSync], None] = field(default=lambda _: None)
    concurrency: int = 1  # trials written at once (the command line's default is 4)
    window: int = DEFAULT_WINDOW
    processes: int = 1  # > 1: trials are built and validated in that many worker processes


@dataclass(frozen=True)
class _Prepared:
    """A trial built and ready to plan: its resources, full Bundle and that Bundle's hash, and its keys."""

    trial: TrialRecord
    built: Built
    keys: TrialKeys


def sync_trials(
    inputs: Iterable[str], server: FhirClient, terms: Terms, options: SyncOptions | None = None
) -> Iterator[TrialSync]:
    """Yield the outcome of pushing every trial found in `inputs` to `server`, in input order.

    After a failure that stops the run, every later trial is yielded `not attempted` without being sent (a
    record that cannot be read is still reported failed, with its reason).
    """
    with TrialPusher(server, terms, options or SyncOptions()) as pusher:
        yield from pusher.push(read_trials(inputs))


def sync_trial(trial: TrialRecord, server: FhirClient, terms: Terms, options: SyncOptions) -> TrialSync:
    """Push one trial; return what happened. Never raises for a trial-level failure."""
    with TrialPusher(server, terms, options) as pusher:
        [result] = pusher.push([trial])
    return result


class TrialPusher:
    """Pushes trials to one server for one run; what it learnt of the server's shared resources is kept."""

    def __init__(self, server: FhirClient, terms: Terms, options: SyncOptions) -> None:
        if options.concurrency < 1 or options.window < 1:
            raise ValueError("concurrency and window must be at least 1")
        self.server = server
        self.terms = terms
        self.options = options
        self.index = ServerIndex(server)
        self.workers = Workers(terms, options.version, options.processes)
        self._stopped = threading.Event()
        self._journal_lock = threading.Lock()

    def __enter__(self) -> TrialPusher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker processes, if any were started."""
        self.workers.close()

    def push(self, items: Iterable[ReadResult]) -> Iterator[TrialSync]:
        """Yield the outcome of every trial in `items`, in order, as its window completes."""
        pooled = self.options.concurrency > 1
        with task_pool(self.options.concurrency) as pool:
            pending: deque[list[Task[TrialSync]]] = deque()
            iterator = iter(items)
            while window := list(islice(iterator, self.options.window)):
                pending.append([pool.submit(self._finish, item) for item in self._start(window)])
                # Pooled, the next window is built and read while this one is written.
                while len(pending) > (1 if pooled else 0):
                    yield from self._results(pending.popleft())
            while pending:
                yield from self._results(pending.popleft())

    def _results(self, tasks: list[Task[TrialSync]]) -> Iterator[TrialSync]:
        for task in tasks:
            result = task.result()
            self.options.on_trial(result)
            yield result

    def _start(self, window: list[ReadResult]) -> list[_Prepared | TrialSync]:
        """Build the window's trials and read what the server holds for them; a load that stops the run
        fails the first trial with its error and leaves the others not attempted."""
        started = self._prepare(window)
        prepared = [p for p in started if isinstance(p, _Prepared)]
        if not prepared or self._stopped.is_set():
            return started
        try:
            if (
                self.options.version is not FhirVersion.R4
            ):  # R4, what EHRs serve, keeps its requests as they were
                check_release(self.server, self.options.version, prepared[0].trial.nct_id)
            self.index.load([p.keys for p in prepared])
        except FhirAdapterError as exc:
            if not exc.stops_run:
                log.info(
                    "push: reading the server for %d trials failed, each reads alone: %s", len(prepared), exc
                )
                return started
            self._stopped.set()
            first = prepared[0]
            return [self._failed(first.trial, exc) if item is first else item for item in started]
        return started

    def _prepare(self, window: list[ReadResult]) -> list[_Prepared | TrialSync]:
        """Return each item built (or failed, resumed, not attempted), building them all at once."""
        triaged: list[TrialRecord | TrialSync] = []
        for item in window:
            if isinstance(item, DuplicateRecord):
                triaged.append(TrialSync(item.file, item.nct_id, "duplicate", error=str(item)))
            elif isinstance(item, InputError):
                triaged.append(TrialSync(item.file or "?", item.nct_id, "failed", error=str(item)))
            elif self._stopped.is_set():
                triaged.append(TrialSync(item.source, item.nct_id, NOT_ATTEMPTED))
            else:
                triaged.append(item)
        trials = [item for item in triaged if isinstance(item, TrialRecord)]
        built = iter(self.workers.build(trials))
        return [
            self._prepared(item, next(built)) if isinstance(item, TrialRecord) else item for item in triaged
        ]

    def _prepared(self, trial: TrialRecord, built: Built | BuildFailed) -> _Prepared | TrialSync:
        if isinstance(built, BuildFailed):
            log.warning("%s: push: %s", trial.nct_id, built)
            return TrialSync(trial.source, trial.nct_id, "failed", error=str(built))
        journal = self.options.journal
        if journal is not None and journal.is_done(trial.nct_id, built.content_hash):
            return TrialSync(trial.source, trial.nct_id, "resumed")
        keys = tuple(resource.key for resource in built.resources)
        study = next(k for k in keys if k.resource_type == "ResearchStudy")
        return _Prepared(trial, built, TrialKeys(trial.nct_id, study, keys))

    def _finish(self, item: _Prepared | TrialSync) -> TrialSync:
        """Plan and write one prepared trial (in a worker); journal its outcome as soon as it is known."""
        if isinstance(item, TrialSync):  # failed, resumed or not attempted already
            self._journal(item)
            return item
        if self._stopped.is_set():
            return TrialSync(item.trial.source, item.trial.nct_id, NOT_ATTEMPTED)
        try:
            result = self._push(item)
        except FhirAdapterError as exc:
            log.warning("%s: push: %s", item.trial.nct_id, exc)
            result = self._failed(item.trial, exc)
            if exc.stops_run:
                self._stopped.set()
        finally:
            self.index.release(item.keys)
        self._journal(result)
        return result

    def _push(self, item: _Prepared) -> TrialSync:
        trial = item.trial
        with self.index.locked(item.keys):
            held = self.index.lookup(item.keys)
            plan = plan_trial(item.built.resources, held, shared=set(item.keys.shared))
            if has_writes(plan):
                capabilities = self.server.capabilities()
                bundle = write_bundle(
                    item.built.bundle, plan, held, create_by_id=capabilities.supports_update_create
                )
                # Checked only when something will be written, and before it is: a re-sync stays cheap.
                errors = self.workers.errors(bundle)
                if errors:
                    raise _InvalidBundle(f"{counted(len(errors), 'validation error')}; first: {errors[0]}")
                if not self.options.dry_run:
                    self._write(item, bundle, {c.key for c, _ in plan if c.action != "unchanged"})
        changes = tuple(change for change, _ in plan)
        return TrialSync(
            trial.source, trial.nct_id, outcome(changes), changes, content_hash=item.built.content_hash
        )

    def _write(self, item: _Prepared, bundle: dict[str, object], changed: set[ResourceKey]) -> None:
        """Send the write Bundle; note what it left on the server for the shared keys it wrote (a shared
        key whose answer did not say is read again by the next trial that needs it)."""
        written = write_trial(self.server, self.index, item.built.resources, item.keys, bundle)
        for key in changed.intersection(item.keys.shared):
            if key in written:
                self.index.record(key, written[key])
            else:
                self.index.forget([key])

    def _failed(self, trial: TrialRecord, exc: FhirAdapterError) -> TrialSync:
        return TrialSync(trial.source, trial.nct_id, "failed", error=str(exc), stops_run=exc.stops_run)

    def _journal(self, result: TrialSync) -> None:
        journal = self.options.journal
        if journal is None or self.options.dry_run or result.outcome in _UNJOURNALED:
            return
        with self._journal_lock:
            journal.record(result.nct_id or result.source, result.outcome, result.content_hash, result.error)


class _InvalidBundle(FhirAdapterError):
    """The trial's own Bundle breaks a rule: it is not sent."""
