"""`fhir-adapter fetch`: studies from the ClinicalTrials.gov API v2 into a folder, one file per study.

The files are what `GET /api/v2/studies/NCT...` returns, so `convert`, `validate`'s inputs and `push` read
them as they are: `fhir-adapter fetch --condition myeloma --out studies && fhir-adapter push studies ...`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from fhir_adapter.cli.exit_codes import EXIT_CANNOT_PROCEED, EXIT_OK, EXIT_SOME_FAILED
from fhir_adapter.cli.selection import add_selection_arguments, ctgov_client, query_from
from fhir_adapter.errors import FhirAdapterError, SettingsError, counted
from fhir_adapter.sync import FetchReport, fetch_to_folder


def add_fetch_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    fetch = commands.add_parser("fetch", help="fetch studies from ClinicalTrials.gov into a folder")
    add_selection_arguments(fetch)
    fetch.add_argument("--out", type=Path, required=True, help="the folder to write <NCT id>.json files into")
    fetch.set_defaults(run=run_fetch)
    return fetch


def run_fetch(args: argparse.Namespace) -> int:
    """Fetch what the options select; return EXIT_OK, EXIT_SOME_FAILED (unknown ids), EXIT_CANNOT_PROCEED."""
    query = query_from(args)
    if args.out.exists() and not args.out.is_dir():
        raise SettingsError(f"--out {args.out}: is a file, not a folder")
    written = 0

    def progress(nct_id: str, path: Path) -> None:
        nonlocal written
        written += 1
        print(f"[{written}] {nct_id} -> {path}", file=sys.stderr, flush=True)

    with ctgov_client(args) as api:
        try:
            report = fetch_to_folder(api, query, args.out, on_study=progress)
        except FhirAdapterError as exc:
            print(f"fhir-adapter: ClinicalTrials.gov could not be read: {exc}", file=sys.stderr)
            print(f"fetch stopped after {written} studies into {args.out}/", file=sys.stdout)
            return EXIT_CANNOT_PROCEED
        print_fetch_summary(report, args.out, sys.stdout, requests=api.requests_sent)
    return EXIT_OK if report.ok else EXIT_SOME_FAILED


def print_fetch_summary(report: FetchReport, out_dir: Path, out: TextIO, *, requests: int) -> None:
    """Print one line of totals, then the ids asked for that were not found, renamed, or not matching."""
    total = f" of {report.total} matching" if report.total is not None else ""
    print(
        f"fetched {counted(len(report.fetched), 'study', 'studies')}{total} into {out_dir}/ "
        f"in {counted(requests, 'request')}",
        file=out,
    )
    if report.missing:
        print(f"  not found ({len(report.missing)}): {', '.join(report.missing)}", file=out)
    if report.not_matching:
        print(f"  not matching the other criteria: {', '.join(report.not_matching)}", file=out)
    for alias, current in sorted(report.renamed.items()):
        print(f"  {alias} is now {current}", file=out)
