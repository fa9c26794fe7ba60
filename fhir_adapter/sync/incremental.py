"""Keep a FHIR server in step with what ClinicalTrials.gov says of a query: fetch what changed, push that.

One run:
1. Lists the NCT ids the query selects now (`fields=NCTId`, 1,000 per request). A study the last successful
   run matched that is no longer listed no longer matches: it is reported, never deleted from the server.
2. Fetches the studies updated since the last successful run began (`AREA[LastUpdatePostDate]RANGE[...]`),
   from the day before: the API's dates are days, in US time, and a day of overlap costs a few reads and
   writes nothing. Also fetched: a study that matches now, did not then, and was not updated since (rare:
   the registry re-indexed it). A first run, or `full`, fetches everything the query selects.
3. Pushes them a page at a time (up to 1,000 studies: written to the state folder, pushed, removed) with a
   journal, so a run interrupted anywhere resumes: the studies are fetched again, those that landed are
   skipped, and none is written twice (creates go to deterministic ids or by conditional update).
4. Only when every trial succeeded, records the run (its start and the ids that matched) and drops the
   journal; a run with failures fetches the same changes again next time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from fhir_adapter.client import CtgovClient, FhirClient, StudyQuery
from fhir_adapter.errors import FhirAdapterError
from fhir_adapter.sources import read_trials
from fhir_adapter.sync.fetch import FetchReport, fetch_pages, matching_ids, write_study
from fhir_adapter.sync.journal import Journal
from fhir_adapter.sync.push import SyncOptions, TrialPusher, TrialSync
from fhir_adapter.sync.state import StatePaths, SyncState, read_state, write_state
from fhir_adapter.terms import Terms

log = logging.getLogger(__name__)

Json = dict[str, Any]
SINCE_MARGIN = timedelta(days=1)
Clock = Callable[[], datetime]


@dataclass
class SyncRun:
    """What one sync run did: the studies it fetched, each trial's outcome, and what no longer matches."""

    server: str
    query: StudyQuery
    started: datetime
    since: date | None  # None: everything the query selects was fetched
    fetch: FetchReport = field(default_factory=FetchReport)
    results: list[TrialSync] = field(default_factory=list)
    matching: set[str] = field(default_factory=set)
    no_longer_matching: list[str] = field(default_factory=list)
    newly_matching: list[str] = field(default_factory=list)
    error: str | None = None  # why the run stopped early (the API or the server could not be used)
    stops_run: bool = False
    state_saved: bool = False
    finished: datetime | None = None

    @property
    def ok(self) -> bool:
        """Return True when everything asked for was done: no failed trial, no unknown id, no stop."""
        return self.error is None and self.fetch.ok and all(r.ok for r in self.results)


def run_sync(
    api: CtgovClient,
    server: FhirClient,
    terms: Terms,
    query: StudyQuery,
    paths: StatePaths,
    *,
    full: bool = False,
    options: SyncOptions | None = None,
    clock: Clock = lambda: datetime.now(UTC),
) -> SyncRun:
    """Sync the studies `query` selects to `server`; return what happened. Raises only SettingsError (an
    unreadable state file); every other failure is in the returned run."""
    options = options or SyncOptions()
    previous = read_state(paths.state)
    since = None if full or previous is None else previous.started.date() - SINCE_MARGIN
    run = SyncRun(server.base_url, query, clock(), since)
    journal = None if options.dry_run else Journal(paths.journal, server.base_url).load()
    with TrialPusher(server, terms, replace(options, journal=journal)) as pusher:
        _run(api, pusher, paths, previous, run)
    run.finished = clock()
    if run.ok and not options.dry_run:
        write_state(paths.state, _state(run))
        paths.journal.unlink(missing_ok=True)
        run.state_saved = True
    return run


def _run(
    api: CtgovClient,
    pusher: TrialPusher,
    paths: StatePaths,
    previous: SyncState | None,
    run: SyncRun,
) -> None:
    """Fetch and push what changed since `previous` (everything without it), recording it all in `run`."""
    query = run.query
    try:
        if previous is not None:
            run.matching = matching_ids(api, query)
            run.no_longer_matching = sorted(previous.matching - run.matching)
        _fetch_and_push(api, pusher, query.since_date(run.since), paths.studies, run)
        if previous is not None and not run.stops_run:
            run.newly_matching = sorted(run.matching - previous.matching - set(run.fetch.fetched))
            if run.newly_matching:
                missed = replace(query, nct_ids=tuple(run.newly_matching), since=None)
                _fetch_and_push(api, pusher, missed, paths.studies, run)
        if previous is None:
            run.matching = set(run.fetch.fetched)
    except FhirAdapterError as exc:
        log.warning("sync: ClinicalTrials.gov could not be read: %s", exc)
        run.error, run.stops_run = f"ClinicalTrials.gov: {exc}", True


def _fetch_and_push(
    api: CtgovClient, pusher: TrialPusher, query: StudyQuery, folder: Path, run: SyncRun
) -> None:
    """Fetch the studies of `query` a page at a time and push each page; stop when a push stops the run."""
    for studies in fetch_pages(api, query, run.fetch):
        run.results += _push_page(pusher, studies, folder)
        stopper = next((r for r in run.results if r.stops_run), None)
        if stopper is not None:
            run.error, run.stops_run = stopper.error, True
            return


def _push_page(pusher: TrialPusher, studies: Sequence[Json], folder: Path) -> list[TrialSync]:
    """Write a page's studies to `folder`, push them, and remove them again."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [write_study(folder, study) for study in studies]
    try:
        return list(pusher.push(read_trials(paths)))
    finally:
        for path in paths:
            path.unlink(missing_ok=True)


def _state(run: SyncRun) -> SyncState:
    assert run.finished is not None
    return SyncState(run.server, run.query.selection(), run.started, run.finished, frozenset(run.matching))
