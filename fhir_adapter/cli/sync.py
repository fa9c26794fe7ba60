"""`fhir-adapter sync`: keep a FHIR server in step with a ClinicalTrials.gov query, for a nightly job.

Prints a line per trial on stderr and one summary line on stdout; `--summary FILE` writes the same as JSON.
Exit codes as `push`: 0 all done, 1 some trials failed (or NCT ids are unknown), 2 usage, 3 the run could not
proceed (the FHIR server or the API is down, or our credentials are refused). The work is in sync/.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

from fhir_adapter.cli.exit_codes import EXIT_CANNOT_PROCEED, EXIT_OK, EXIT_SOME_FAILED
from fhir_adapter.cli.push import (
    DEFAULT_CONCURRENCY,
    OUTCOMES,
    SHOWN_WHEN_NONE,
    Progress,
    check_mappings,
    worker_processes,
)
from fhir_adapter.cli.selection import add_selection_arguments, ctgov_client, query_from
from fhir_adapter.cli.server_options import add_server_arguments, settings_from
from fhir_adapter.cli.summary import check_writable
from fhir_adapter.cli.versions import add_version_argument
from fhir_adapter.client import FhirClient
from fhir_adapter.errors import SettingsError, counted
from fhir_adapter.sync import SyncOptions
from fhir_adapter.sync.incremental import SyncRun, run_sync
from fhir_adapter.sync.journal import default_state_dir
from fhir_adapter.sync.state import StatePaths
from fhir_adapter.terms import load_terms


def add_sync_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    sync = commands.add_parser("sync", help="push what changed on ClinicalTrials.gov since the last sync")
    add_selection_arguments(sync, since=False)
    sync.add_argument(
        "--full", action="store_true", help="fetch everything the query selects, not only changes"
    )
    sync.add_argument("--summary", type=Path, metavar="FILE", help="also write the run's summary as JSON")
    sync.add_argument(
        "--state-dir",
        type=Path,
        help="where the state of each query and server is kept "
        "(default $XDG_STATE_HOME/fhir-adapter, else ~/.local/state/fhir-adapter)",
    )
    sync.add_argument(
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        help=f"trials written at once (default {DEFAULT_CONCURRENCY})",
    )
    sync.add_argument(
        "--dry-run", action="store_true", help="fetch and compare, write nothing, keep no state"
    )
    sync.add_argument("--mappings", type=Path, action="append", default=[], help="extra ConceptMaps folder")
    add_version_argument(sync)
    add_server_arguments(sync, required=True, server_help="the FHIR server's base URL")
    sync.set_defaults(run=run_sync_command)
    return sync


def run_sync_command(args: argparse.Namespace) -> int:
    """Run one sync; return EXIT_OK, EXIT_SOME_FAILED or EXIT_CANNOT_PROCEED."""
    query = query_from(args)
    settings = settings_from(args)
    if args.concurrency < 1:
        raise SettingsError(f"--concurrency must be at least 1, not {args.concurrency}")
    check_mappings(args.mappings)
    if args.summary is not None:
        check_writable(args.summary, flag="--summary")
    state_dir = args.state_dir or default_state_dir()
    paths = StatePaths.of(state_dir, settings.base_url, query.selection())
    if not args.dry_run:
        check_writable(paths.journal, flag="--state-dir")
    terms = load_terms(args.mappings, identifier_base=args.identifier_base)
    progress = Progress(sys.stderr, total=0, dry_run=args.dry_run)
    options = SyncOptions(
        version=args.fhir_version,
        dry_run=args.dry_run,
        on_trial=progress.update,
        concurrency=args.concurrency,
        processes=worker_processes(args.concurrency),
    )
    with ctgov_client(args) as api, FhirClient(settings) as server:
        run = run_sync(api, server, terms, query, paths, full=args.full, options=options)
    progress.finish()
    code = EXIT_CANNOT_PROCEED if run.stops_run else EXIT_OK if run.ok else EXIT_SOME_FAILED
    print_details(run, sys.stderr)
    print(summary_line(run, dry_run=args.dry_run), file=sys.stdout)
    if args.summary is not None:
        summary = summary_json(run, exit_code=code, dry_run=args.dry_run)
        args.summary.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return code


def summary_line(run: SyncRun, *, dry_run: bool = False) -> str:
    """Return the run in one line: what was fetched, each outcome's count, what no longer matches."""
    counts = Counter(r.outcome for r in run.results)
    shown = [o for o in OUTCOMES if counts[o] or o in SHOWN_WHEN_NONE]
    outcomes = ", ".join(f"{counts[o]} {o}" for o in shown)
    fetched = (
        f"{len(run.fetch.fetched)} changed since {run.since}"
        if run.since
        else f"{len(run.fetch.fetched)} fetched (all)"
    )
    parts = [f"sync {run.query.describe()} -> {run.server}: {fetched}", outcomes]
    if run.no_longer_matching:
        parts.append(f"{len(run.no_longer_matching)} no longer match")
    if run.fetch.missing:
        parts.append(f"{counted(len(run.fetch.missing), 'NCT id')} not found")
    if run.error:
        parts.append("stopped")
    head = "dry run, nothing written: " if dry_run else ""
    return head + "; ".join(parts)


def print_details(run: SyncRun, out: TextIO) -> None:
    """Print why the run stopped, each failed trial, and the studies that no longer match or are unknown."""
    if run.error:
        print(f"  stopped: {run.error}", file=out)
    for failed in (r for r in run.results if r.outcome == "failed"):
        print(f"  failed: {failed.nct_id or failed.source}: {failed.error}", file=out)
    if run.no_longer_matching:
        print(f"  no longer match (kept on the server): {', '.join(run.no_longer_matching)}", file=out)
    if run.fetch.missing:
        print(f"  not found on ClinicalTrials.gov: {', '.join(run.fetch.missing)}", file=out)


def summary_json(run: SyncRun, *, exit_code: int, dry_run: bool) -> dict[str, Any]:
    """Return the run as JSON for CI: query, server, dates, counts, outcomes, what no longer matches."""
    return {
        "server": run.server,
        "query": run.query.selection(),
        "started": run.started.isoformat(timespec="seconds"),
        "finished": run.finished.isoformat(timespec="seconds") if run.finished else None,
        "since": run.since.isoformat() if run.since else None,
        "dry_run": dry_run,
        "exit_code": exit_code,
        "stopped": run.error,
        "state_saved": run.state_saved,
        "ctgov": {"matching": len(run.matching), "fetched": len(run.fetch.fetched)},
        "outcomes": dict(Counter(r.outcome for r in run.results)),
        "trials": [{"nct_id": r.nct_id, "outcome": r.outcome, "error": r.error} for r in run.results],
        "no_longer_matching": run.no_longer_matching,
        "newly_matching": run.newly_matching,
        "not_found": run.fetch.missing,
        "not_matching": run.fetch.not_matching,
    }
