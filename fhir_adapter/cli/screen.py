"""`fhir-adapter screen`: arguments, where the trial and patients come from, output. Work: screening/."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TextIO

from fhir_adapter.cli.exit_codes import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE
from fhir_adapter.cli.server_options import add_server_arguments, settings_from
from fhir_adapter.client import FhirClient
from fhir_adapter.errors import FhirAdapterError, InputError
from fhir_adapter.screening import (
    DEFAULT_LOOKBACK_DAYS,
    CsvWriter,
    JsonWriter,
    PatientRecord,
    ScreeningContext,
    ScreeningTrial,
    TableWriter,
    Tally,
    Verdict,
    data_needs,
    find_study,
    is_nct_id,
    load_screening_rules,
    read_patient_folder,
    read_server_patients,
    read_trial_file,
    read_trial_from_server,
    screen_patients,
    write_candidates,
)
from fhir_adapter.terms import PROJECT_BASE, load_terms

FORMATS = ("table", "json", "csv")
Writer = TableWriter | JsonWriter | CsvWriter


def add_screen_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    screen = commands.add_parser("screen", help="pre-screen patients against a trial's coded eligibility")
    screen.add_argument(
        "trial", help="a CT.gov record, one of our Bundles, a Group, or NCT... (read from --server)"
    )
    screen.add_argument(
        "--patients", metavar="QUERY", help="Patient search on the server, e.g. 'address-state=MA'"
    )
    screen.add_argument(
        "--patients-dir", type=Path, metavar="DIR", help="a folder of patient Bundles instead"
    )
    screen.add_argument("--format", choices=FORMATS, default="table", help="table (default), json or csv")
    screen.add_argument(
        "--lookback",
        type=int,
        default=DEFAULT_LOOKBACK_DAYS,
        metavar="DAYS",
        help=f"results older than this many days do not count (default {DEFAULT_LOOKBACK_DAYS})",
    )
    screen.add_argument("--date", metavar="YYYY-MM-DD", help="the screening date (default: today)")
    screen.add_argument(
        "--write-candidates",
        action="store_true",
        help="write ResearchSubject candidates to --server (idempotent)",
    )
    screen.add_argument("--mappings", type=Path, action="append", default=[], help="extra ConceptMaps folder")
    add_server_arguments(
        screen, required=False, server_help="FHIR server: patients, NCT... trials, candidates"
    )
    screen.set_defaults(run=run_screen)
    return screen


def usage_problem(args: argparse.Namespace) -> str | None:
    """Return what is wrong with the combination of options, or None."""
    by_number = is_nct_id(args.trial) and not Path(args.trial).exists()
    checks = (
        (not args.server and not args.patients_dir, "screen needs --server URL or --patients-dir DIR"),
        (args.patients and (args.patients_dir or not args.server), "--patients QUERY searches --server only"),
        (args.write_candidates and not args.server, "--write-candidates writes to --server URL"),
        (by_number and not args.server, f"{args.trial}: reading a trial by NCT number needs --server URL"),
        (not by_number and not Path(args.trial).exists(), f"no such file: {args.trial}"),
        (args.patients_dir and not args.patients_dir.is_dir(), f"no such folder: {args.patients_dir}"),
        (args.lookback < 0, "--lookback must be 0 or more days"),
    )
    return next((message for failed, message in checks if failed), None)


def run_screen(args: argparse.Namespace) -> int:
    problem = usage_problem(args)
    screening_date = screening_date_from(args.date)
    if problem or screening_date is None:
        print(f"fhir-adapter: error: {problem or f'--date {args.date!r} is not YYYY-MM-DD'}", file=sys.stderr)
        return EXIT_USAGE
    context = ScreeningContext(load_screening_rules(args.mappings), screening_date, args.lookback)
    client = FhirClient(settings_from(args)) if args.server else None
    try:
        return _screen(args, context, client)
    finally:
        if client is not None:
            client.close()


def _screen(args: argparse.Namespace, context: ScreeningContext, client: FhirClient | None) -> int:
    try:
        trial = _trial(args.trial, args.mappings, client)
    except FhirAdapterError as exc:
        print(f"fhir-adapter: screen: the trial cannot be read: {exc}", file=sys.stderr)
        return EXIT_SOME_FAILED
    writer = _writer(args.format, sys.stdout, trial, context)
    tally = Tally()
    candidates: list[str] = []
    error = None
    try:
        for item in screen_patients(trial, _patients(args, trial, context, client), context):
            if isinstance(item, InputError):
                tally.unreadable.append(str(item))
                continue
            writer.write(item)
            tally.verdicts[item.verdict.value] += 1
            if item.verdict is not Verdict.EXCLUDED:
                candidates.append(item.patient_id)
    except FhirAdapterError as exc:
        error = f"the patients cannot be read any further: {exc}"
    writer.close()
    return _finish(args, trial=trial, tally=tally, candidates=candidates, client=client, error=error)


def _finish(
    args: argparse.Namespace,
    *,
    trial: ScreeningTrial,
    tally: Tally,
    candidates: list[str],
    client: FhirClient | None,
    error: str | None,
) -> int:
    summary = sys.stdout if args.format == "table" else sys.stderr
    print(("\n" if args.format == "table" else "") + tally.line(), file=summary)
    for problem in [*tally.unreadable, *([error] if error else [])]:
        print(f"  failed: {problem}", file=sys.stderr)
    written_ok = True
    if args.write_candidates and client is not None and error is None:
        base = args.identifier_base or PROJECT_BASE
        written_ok = _write(client, trial, candidates, summary, identifier_base=base)
    return EXIT_OK if written_ok and not tally.unreadable and error is None else EXIT_SOME_FAILED


def _write(
    client: FhirClient, trial: ScreeningTrial, candidates: list[str], out: TextIO, *, identifier_base: str
) -> bool:
    try:
        study = trial.study_reference or _study_reference(client, trial.nct_id)
    except FhirAdapterError as exc:
        print(f"  failed: candidates not written: {exc}", file=sys.stderr)
        return False
    if study is None:
        print(
            f"  failed: candidates not written: {client.base_url} holds no ResearchStudy {trial.nct_id}; "
            "push the trial first",
            file=sys.stderr,
        )
        return False
    outcome = write_candidates(client, trial.nct_id, study, candidates, identifier_base=identifier_base)
    print(f"candidates: {outcome.created} created, {outcome.existing} already on the worklist", file=out)
    for failure in outcome.failures:
        print(f"  failed: {failure}", file=sys.stderr)
    return outcome.ok


def _study_reference(client: FhirClient, nct_id: str) -> str | None:
    study = find_study(client, nct_id)
    return f"ResearchStudy/{study['id']}" if study else None


def _trial(spec: str, mappings: list[Path], client: FhirClient | None) -> ScreeningTrial:
    if is_nct_id(spec) and not Path(spec).exists() and client is not None:
        return read_trial_from_server(client, spec)
    return read_trial_file(Path(spec), load_terms(mappings))


def _patients(
    args: argparse.Namespace, trial: ScreeningTrial, context: ScreeningContext, client: FhirClient | None
) -> Iterable[PatientRecord | InputError]:
    if args.patients_dir:
        return read_patient_folder(args.patients_dir)
    assert client is not None  # usage_problem made sure of it
    needs = data_needs(trial, context.rules)
    return read_server_patients(client, args.patients, needs, nct_id=trial.nct_id)


def _writer(kind: str, out: TextIO, trial: ScreeningTrial, context: ScreeningContext) -> Writer:
    if kind == "json":
        return JsonWriter(out, trial, context)
    if kind == "csv":
        return CsvWriter(out, trial)
    return TableWriter(out, trial, context)


def screening_date_from(text: str | None) -> date | None:
    """Return the --date given (YYYY-MM-DD), today when none is, None when it is not a date."""
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
