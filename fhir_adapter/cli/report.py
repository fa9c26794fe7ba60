"""`fhir-adapter report`: arguments, where the patients come from, the closing line. Work: report/."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from fhir_adapter.cli.exit_codes import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE
from fhir_adapter.cli.screen import screening_date_from
from fhir_adapter.cli.server_options import add_server_arguments, settings_from
from fhir_adapter.client import FhirClient
from fhir_adapter.errors import InputError, counted
from fhir_adapter.report import INDEX_FILE, PatientOptions, PatientSource, write_reports
from fhir_adapter.screening import (
    DEFAULT_LOOKBACK_DAYS,
    PatientRecord,
    ScreeningContext,
    ScreeningTrial,
    data_needs,
    load_screening_rules,
    read_patient_folder,
    read_server_patients,
)
from fhir_adapter.terms import load_terms

DEFAULT_REPORT_DIR = Path("report")


def add_report_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    report = commands.add_parser("report", help="write an HTML page per trial (and an index) for people")
    report.add_argument(
        "inputs", nargs="+", help="CT.gov API v2 JSON or legacy XML files, or directories of them"
    )
    report.add_argument(
        "--out", type=Path, default=DEFAULT_REPORT_DIR, help="where to write the pages (default: report)"
    )
    report.add_argument("--mappings", type=Path, action="append", default=[], help="extra ConceptMaps folder")
    patients = report.add_argument_group("patients (per-criterion screening results on each trial's page)")
    patients.add_argument(
        "--patient",
        action="append",
        default=[],
        metavar="ID",
        help="show this patient's results (repeat for more); read from --patients-dir or --server",
    )
    patients.add_argument("--patients-dir", type=Path, metavar="DIR", help="a folder of patient Bundles")
    patients.add_argument(
        "--patients", metavar="QUERY", help="Patient search on --server, e.g. 'address-state=MA'"
    )
    patients.add_argument(
        "--lookback",
        type=int,
        default=DEFAULT_LOOKBACK_DAYS,
        metavar="DAYS",
        help=f"results older than this many days do not count (default {DEFAULT_LOOKBACK_DAYS})",
    )
    patients.add_argument("--date", metavar="YYYY-MM-DD", help="the screening date (default: today)")
    add_server_arguments(report, required=False, server_help="FHIR server to read the patients from")
    report.set_defaults(run=run_report, reads_records=True)
    return report


def usage_problem(args: argparse.Namespace) -> str | None:
    """Return what is wrong with the combination of patient options, or None."""
    checks = (
        (args.patients_dir and args.server, "--patients-dir and --server: give one source of patients"),
        (
            args.patient and not (args.patients_dir or args.server),
            "--patient needs --patients-dir or --server",
        ),
        (args.patients and not args.server, "--patients QUERY searches --server only"),
        (args.patients_dir and not args.patients_dir.is_dir(), f"no such folder: {args.patients_dir}"),
        (args.lookback < 0, "--lookback must be 0 or more days"),
    )
    return next((message for failed, message in checks if failed), None)


def run_report(args: argparse.Namespace) -> int:
    problem = usage_problem(args)
    screening_date = screening_date_from(args.date)
    if problem or screening_date is None:
        print(f"fhir-adapter: error: {problem or f'--date {args.date!r} is not YYYY-MM-DD'}", file=sys.stderr)
        return EXIT_USAGE
    client = FhirClient(settings_from(args)) if args.server else None
    try:
        options = _patient_options(args, screening_date, client)
        terms = load_terms(args.mappings, identifier_base=args.identifier_base)
        outcomes: Counter[str] = Counter()
        for result in write_reports(args.inputs, args.out, terms, patients=options):
            outcomes[result.outcome] += 1
            if result.error:
                print(f"{result.nct_id or result.source}  FAILED  {result.error}", file=sys.stdout)
            elif result.duplicate is not None:
                print(f"{result.nct_id}  duplicate  left out: {result.duplicate.reason}", file=sys.stdout)
            else:
                print(f"{result.nct_id}  page  -> {result.page}", file=sys.stdout)
    finally:
        if client is not None:
            client.close()
    records = sum(outcomes.values())
    duplicates = f", {outcomes['duplicate']} left out as duplicates" if outcomes["duplicate"] else ""
    print(
        f"{counted(records, 'record')}: {counted(outcomes['written'], 'page')} written, "
        f"{outcomes['failed']} failed{duplicates}; index: {args.out / INDEX_FILE}",
        file=sys.stdout,
    )
    return EXIT_SOME_FAILED if outcomes["failed"] else EXIT_OK


def _patient_options(
    args: argparse.Namespace, screening_date: date, client: FhirClient | None
) -> PatientOptions | None:
    if not (args.patients_dir or client):
        return None
    context = ScreeningContext(load_screening_rules(args.mappings), screening_date, args.lookback)
    return PatientOptions(_source(args, client, context), context, frozenset(args.patient))


def _source(args: argparse.Namespace, client: FhirClient | None, context: ScreeningContext) -> PatientSource:
    folder: Path | None = args.patients_dir
    if folder is not None:
        return lambda trial: read_patient_folder(folder)
    assert client is not None  # usage_problem made sure of one source
    # Only the patients named are asked for, when no search is given: `_id` takes a comma-separated list.
    query = args.patients or (f"_id={','.join(args.patient)}" if args.patient else None)

    def from_server(trial: ScreeningTrial) -> Iterable[PatientRecord | InputError]:
        needs = data_needs(trial, context.rules)
        return read_server_patients(client, query, needs, nct_id=trial.nct_id)

    return from_server
