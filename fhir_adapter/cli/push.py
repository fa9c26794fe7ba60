"""`fhir-adapter push`: arguments, Settings, progress and the final summary. The work is in sync/."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from fhir_adapter.cli.exit_codes import EXIT_CANNOT_PROCEED, EXIT_OK, EXIT_SOME_FAILED
from fhir_adapter.cli.server_options import add_server_arguments, settings_from
from fhir_adapter.cli.summary import RunSummary, add_summary_argument, check_writable, trials_junit_xml
from fhir_adapter.cli.versions import add_version_argument
from fhir_adapter.client import FhirClient
from fhir_adapter.errors import SettingsError, counted
from fhir_adapter.settings import read_env
from fhir_adapter.sync import NOT_ATTEMPTED, Journal, SyncOptions, TrialSync, sync_trials
from fhir_adapter.sync.journal import default_journal_path
from fhir_adapter.terms import load_terms

DEFAULT_CONCURRENCY = 4  # trials written at once: the reads and writes of one overlap the work on others
OUTCOMES = ("created", "updated", "unchanged", "resumed", "duplicate", "failed", NOT_ATTEMPTED)
SHOWN_WHEN_NONE = frozenset({"created", "updated", "unchanged", "failed"})


def add_push_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    push = commands.add_parser("push", help="push trials to a FHIR server, writing only what changed")
    push.add_argument(
        "inputs", nargs="+", help="CT.gov API v2 JSON or legacy XML files, or directories of them"
    )
    push.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    push.add_argument(
        "--journal",
        type=Path,
        help="the record of this run, to resume it if it is interrupted; removed when every trial ended done "
        "(default: one file per server in $XDG_STATE_HOME/fhir-adapter, else ~/.local/state/fhir-adapter)",
    )
    push.add_argument("--restart", action="store_true", help="push every trial, ignoring the journal")
    add_summary_argument(push)
    push.add_argument(
        "--junit", type=Path, metavar="FILE", help="also write a JUnit XML report: a test case per trial"
    )
    push.add_argument("--mappings", type=Path, action="append", default=[], help="extra ConceptMaps folder")
    push.add_argument(
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        help=f"trials written at once (default {DEFAULT_CONCURRENCY})",
    )
    add_version_argument(push)
    add_server_arguments(push, required=True, server_help="the FHIR server's base URL")
    push.set_defaults(run=run_push, reads_records=True)
    return push


def run_push(args: argparse.Namespace) -> int:
    """Push every trial; return EXIT_OK, EXIT_SOME_FAILED, or EXIT_CANNOT_PROCEED when the run stopped."""
    settings = settings_from(args)
    if args.journal is None:
        args.journal = default_journal_path(settings.base_url)
    check_push_files(args)
    if args.concurrency < 1:
        raise SettingsError(f"--concurrency must be at least 1, not {args.concurrency}")
    terms = load_terms(args.mappings, identifier_base=args.identifier_base)
    journal = None if args.dry_run else Journal(args.journal, settings.base_url)
    if journal is not None and not args.restart:
        journal.load()
    progress = Progress(sys.stderr, total=count_record_files(args.inputs), dry_run=args.dry_run)
    summary = RunSummary("push", details={"server": settings.base_url, "dry_run": args.dry_run})
    results: list[TrialSync] = []
    with FhirClient(settings) as client:
        options = SyncOptions(
            version=args.fhir_version,
            dry_run=args.dry_run,
            journal=journal,
            on_trial=progress.update,
            concurrency=args.concurrency,
            processes=worker_processes(args.concurrency),
        )
        for result in sync_trials(args.inputs, client, terms, options):
            results.append(result)
            summary.add(**_push_entry(result))
            if args.dry_run:
                print_planned(result, sys.stdout)
    progress.finish()
    print_summary(results, sys.stdout, dry_run=args.dry_run)
    code = exit_code(results)
    if journal is not None and code == EXIT_OK:
        journal.path.unlink(missing_ok=True)  # the run is complete: the next one checks the server afresh
    write_reports(args, summary, code, stopped=next((r.error for r in results if r.stops_run), None))
    return code


def exit_code(results: Sequence[TrialSync]) -> int:
    """Return EXIT_CANNOT_PROCEED when the run stopped, EXIT_SOME_FAILED with a failure, else EXIT_OK."""
    if any(r.stops_run for r in results):
        return EXIT_CANNOT_PROCEED
    return EXIT_OK if all(r.ok for r in results) else EXIT_SOME_FAILED


def _push_entry(result: TrialSync) -> dict[str, Any]:
    """Return one trial's summary fields: outcome, error, and the resources created or updated."""
    actions = Counter(change.action for change in result.changes)
    return {
        "nct_id": result.nct_id,
        "source": result.source,
        "outcome": result.outcome,
        "error": result.error,
        "resources": {action: actions[action] for action in ("create", "update", "unchanged")},
    }


def write_reports(args: argparse.Namespace, summary: RunSummary, code: int, *, stopped: str | None) -> None:
    """Write `--summary` (JSON) and `--junit` (a test case per trial), when asked for."""
    summary.details["stopped"] = stopped
    if args.summary is not None:
        summary.write(args.summary, exit_code=code)
    if args.junit is not None:
        args.junit.write_text(trials_junit_xml(summary, skipped={NOT_ATTEMPTED}), encoding="utf-8")


def worker_processes(concurrency: int) -> int:
    """Return how many processes build and validate trials: one per trial written at once, one per core."""
    return max(1, min(concurrency, os.cpu_count() or 1))


def check_push_files(args: argparse.Namespace) -> None:
    """Raise SettingsError naming the flag and path when `--mappings` or `--journal` cannot be used."""
    check_mappings(args.mappings)
    if not args.dry_run:  # a dry run writes no journal
        check_writable(args.journal, flag="--journal")
    for flag, path in (("--summary", args.summary), ("--junit", args.junit)):
        if path is not None:
            check_writable(path, flag=flag)


def check_mappings(folders: Sequence[Path]) -> None:
    """Raise SettingsError naming `--mappings` and the path when one of `folders` is not a folder."""
    for folder in folders:
        if not folder.is_dir():
            raise SettingsError(f"--mappings {folder}: no such directory")


def count_record_files(inputs: Sequence[str]) -> int:
    """Return how many record files the inputs hold (an export of many studies counts once)."""
    total = 0
    for item in inputs:
        path = Path(item)
        total += sum(1 for p in path.rglob("*") if p.suffix in (".json", ".xml")) if path.is_dir() else 1
    return total


class Progress:
    """A bar redrawn in place on a terminal; one plain line per trial in CI or a log."""

    def __init__(self, out: TextIO, *, total: int, dry_run: bool = False) -> None:
        self.out = out
        self.total = total
        self.verb = "would be " if dry_run else ""
        self.counts: Counter[str] = Counter()
        self.started = time.monotonic()
        self.interactive = out.isatty() and not read_env("CI")

    def update(self, result: TrialSync) -> None:
        self.counts[result.outcome] += 1
        done = sum(self.counts.values())
        name = result.nct_id or result.source
        count = f"{done}/{max(done, self.total)}"
        if not self.interactive:
            print(f"[{count}] {name} {self.verb}{result.outcome}", file=self.out, flush=True)
            return
        width = 30
        filled = min(width, width * done // max(1, self.total))
        rate = done / max(1e-6, time.monotonic() - self.started)
        bar = "#" * filled + "." * (width - filled)
        line = f"\r[{bar}] {count} {rate:5.1f}/s  {name} {self.verb}{result.outcome}"
        print(f"{line:<100}", end="", file=self.out, flush=True)

    def finish(self) -> None:
        if self.interactive:
            print(file=self.out)


def print_planned(result: TrialSync, out: TextIO) -> None:
    """Print what a dry run would do to one trial, resource by resource."""
    name = result.nct_id or result.source
    if result.outcome == NOT_ATTEMPTED:
        print(f"{name}: {NOT_ATTEMPTED}", file=out)
        return
    if not result.ok:
        print(f"{name}: FAILED {result.error}", file=out)
        return
    if result.outcome == "duplicate":
        print(f"{result.error}", file=out)
        return
    actions = Counter(change.action for change in result.changes)
    print(
        f"{name}: would create {actions['create']}, update {actions['update']}, "
        f"leave {actions['unchanged']} unchanged",
        file=out,
    )
    for change in result.changes:
        if change.action == "unchanged":
            continue
        sign = "+" if change.action == "create" else "~"
        print(f"  {sign} {change.key.resource_type} {change.key.system}|{change.key.value}", file=out)
        for line in change.differences if change.action == "update" else ():
            print(f"      {line}", file=out)


def print_summary(results: Sequence[TrialSync], out: TextIO, *, dry_run: bool) -> None:
    """Print the totals, why the run stopped (if it did), each failure and the trials not attempted."""
    counts = Counter(r.outcome for r in results)
    parts = ", ".join(f"{counts[o]} {o}" for o in OUTCOMES if counts[o] or o in SHOWN_WHEN_NONE)
    head = "dry run, nothing written: " if dry_run else ""
    print(f"{head}{counted(len(results), 'trial')}: {parts}", file=out)
    for stopper in (r for r in results if r.stops_run):
        name = stopper.nct_id or stopper.source
        print(f"  run stopped at {name}: its failure would repeat for every other trial", file=out)
    for failed in (r for r in results if r.outcome == "failed"):
        print(f"  failed: {failed.nct_id or failed.source}: {failed.error}", file=out)
    skipped = [r.nct_id or r.source for r in results if r.outcome == NOT_ATTEMPTED]
    if skipped:
        print(f"  {NOT_ATTEMPTED} ({len(skipped)}): {', '.join(skipped)}", file=out)
    for duplicate in (r for r in results if r.outcome == "duplicate"):
        print(f"  duplicate: {duplicate.error}", file=out)
