"""The `fhir-adapter` command: parses arguments, calls one library function per subcommand, reports.

Exit codes (exit_codes.py): 0 every record succeeded; 1 some records failed (the others were still
written); 2 usage error; 3 the run could not proceed (the server is down, or credentials every trial needs
were refused).
A record left out as a duplicate of a newer record of the same study is reported, and is not a failure.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from fhir_adapter import __version__
from fhir_adapter.cli.config import add_config_arguments, apply_layers, prepare_layers
from fhir_adapter.cli.exit_codes import EXIT_CANNOT_PROCEED as EXIT_CANNOT_PROCEED
from fhir_adapter.cli.exit_codes import EXIT_OK as EXIT_OK
from fhir_adapter.cli.exit_codes import EXIT_SOME_FAILED as EXIT_SOME_FAILED
from fhir_adapter.cli.exit_codes import EXIT_USAGE as EXIT_USAGE
from fhir_adapter.cli.logs import add_log_arguments, log_handler, log_level, logging_to
from fhir_adapter.cli.summary import RunSummary, add_summary_argument, check_writable
from fhir_adapter.cli.versions import add_version_argument
from fhir_adapter.errors import InputError, SettingsError, counted
from fhir_adapter.pool import default_workers
from fhir_adapter.validation.levels import DEFAULT_CHECK_LEVEL, CheckLevel

if TYPE_CHECKING:
    from fhir_adapter.convert import ConversionResult
    from fhir_adapter.terms import Terms
    from fhir_adapter.validation import ValidationReport

DEFAULT_OUT_DIR = Path("out")
NCT_FILE_STEM = re.compile(r"NCT\d{8}")
# Commands whose modules load the HTTP client, the sync engine or the screening rules: each one's parser is
# built only when the command line names it (`--help` lists them from here), so the others start fast.
# (module, function adding the parser, the help line `fhir-adapter --help` shows)
LAZY_COMMANDS = {
    "push": ("push", "add_push_parser", "push trials to a FHIR server, writing only what changed"),
    "fetch": ("fetch", "add_fetch_parser", "fetch studies from ClinicalTrials.gov into a folder"),
    "sync": ("sync", "add_sync_parser", "push what changed on ClinicalTrials.gov since the last sync"),
    "screen": ("screen", "add_screen_parser", "pre-screen patients against a trial's coded eligibility"),
    "report": ("report", "add_report_parser", "write an HTML page per trial (and an index) for people"),
}
COMMANDS = frozenset({"convert", "criteria", "validate", *LAZY_COMMANDS})


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = _parser(argv)
    args = parser.parse_args(argv)
    try:
        handler = log_handler(args)
    except SettingsError as exc:
        print(f"fhir-adapter: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    with logging_to(handler, log_level(args)):
        return _run(parser, args)


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Run the subcommand `args` names; return its exit code (usage errors are reported here)."""
    usage_error = _input_error(args)
    if usage_error:
        parser.print_usage(sys.stderr)
        print(f"fhir-adapter: error: {usage_error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        apply_layers(args)  # flags > FHIR_ADAPTER_* variables > config file > defaults
        code: int = args.run(args)
    except BrokenPipeError:  # the reader went away (`fhir-adapter criteria X | head`): not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps Python's exit flush from raising again
        return EXIT_OK
    except SettingsError as exc:
        print(f"fhir-adapter: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return code


def _input_error(args: argparse.Namespace) -> str | None:
    """Return what is wrong with the inputs named: a path that does not exist, or (for the commands that
    read CT.gov records) a folder holding no record file. None when they are fine."""
    inputs: list[str] = getattr(args, "inputs", [])
    missing = [path for path in inputs if not Path(path).exists()]
    if missing:
        return f"no such file or directory: {', '.join(missing)}"
    if getattr(args, "reads_records", False):
        from fhir_adapter.sources import record_files

        # A folder with nothing to read is a wrong path as surely as a missing one: saying so beats a
        # silent "0 records" (a file that holds no studies, such as an empty search page, is accepted).
        empty = [path for path in inputs if Path(path).is_dir() and next(record_files([path]), None) is None]
        if empty:
            return f"no records found: no .json or .xml file in {', '.join(empty)}"
    return None


def _command_named(argv: Sequence[str]) -> str | None:
    """Return the subcommand `argv` names (its first word that is a command's name), if any."""
    return next((word for word in argv if word in COMMANDS), None)


def _parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """Return the command-line parser. Given `argv`, only the command it names gets its full parser (the
    others' modules stay unloaded: start-up); without, every command does."""
    named = _command_named(argv) if argv is not None else None
    parser = argparse.ArgumentParser(
        prog="fhir-adapter", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log every step (contact details included): --log-level debug",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    add_config_arguments(parser, top_level=True)
    add_log_arguments(parser, top_level=True)
    commands = parser.add_subparsers(dest="command", required=True)
    convert = commands.add_parser("convert", help="convert trial records to FHIR transaction Bundles")
    convert.add_argument(
        "inputs", nargs="+", help="CT.gov API v2 JSON or legacy XML files, or directories of them"
    )
    convert.add_argument(
        "--out", type=Path, default=DEFAULT_OUT_DIR, help="where to write the Bundles (default: out)"
    )
    convert.add_argument(
        "--mappings",
        type=Path,
        action="append",
        default=[],
        help="a folder of ConceptMaps that add to or override ours",
    )
    convert.add_argument("--indent", type=int, default=None, help="indent the JSON, for reading by eye")
    convert.add_argument(
        "--format",
        choices=("bundle", "ndjson"),
        default="bundle",
        help="bundle: a transaction Bundle per trial (default); ndjson: one file per resource type, "
        "with logical ids, for a FHIR Bulk Data $import",
    )
    add_version_argument(convert)
    add_summary_argument(convert)
    _add_speed_arguments(convert, checks=True)
    convert.set_defaults(run=_run_convert, reads_records=True)
    criteria = commands.add_parser(
        "criteria", help="print a trial's eligibility criteria as parsed, for review"
    )
    criteria.add_argument(
        "inputs", nargs="+", help="CT.gov API v2 JSON or legacy XML files, or directories of them"
    )
    add_version_argument(criteria)
    criteria.set_defaults(run=_run_criteria, reads_records=True)
    for name, (module, add_parser, help_line) in LAZY_COMMANDS.items():
        if argv is None or name == named:
            getattr(importlib.import_module(f"fhir_adapter.cli.{module}"), add_parser)(commands)
        else:
            commands.add_parser(name, help=help_line)
    validate = commands.add_parser(
        "validate", help="check FHIR R4 or R5 Bundles or resources as an EHR would"
    )
    if argv is None or named == "validate":  # its server options load the HTTP client
        _add_validate_arguments(validate)
    for command in commands.choices.values():
        add_log_arguments(command, top_level=False)
    prepare_layers(commands.choices)
    return parser


def _add_speed_arguments(parser: argparse.ArgumentParser, *, checks: bool) -> None:
    """Add `--workers` (and, for convert, `--check`) to `parser`."""
    parser.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        metavar="N",
        help="processes to work in (default: the number of cores); the output is the same for any N",
    )
    if checks:
        parser.add_argument(
            "--check",
            type=CheckLevel,
            choices=list(CheckLevel),
            default=DEFAULT_CHECK_LEVEL,
            help="how much to check each Bundle before writing it: none; self (default: fhir-adapter's own "
            "rules, references, UCUM units); model (self and the fhir.resources models); full (every R4 or "
            "R5 layer, as validate and push run them)",
        )


_YOUNG_GENERATION_THRESHOLD = 10_000


def _run_convert(args: argparse.Namespace) -> int:
    from fhir_adapter.terms import load_terms

    terms = load_terms(args.mappings, identifier_base=args.identifier_base)
    if args.format == "ndjson" and args.indent is not None:
        raise SettingsError("--indent: ndjson has one resource per line, it cannot be indented")
    # The modules and tables loaded so far live as long as the run: the collector need not scan them again
    # for each trial's garbage (and forked workers share their pages). A trial's resources are freed when
    # it is written, so the youngest generation is collected after 10,000 allocations, not 700: half the
    # collector's time, the same memory (issue 16). Both undone after: main() may run again.
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(_YOUNG_GENERATION_THRESHOLD, *thresholds[1:])
    try:
        return _convert_and_report(args, terms)
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _convert_and_report(args: argparse.Namespace, terms: Terms) -> int:
    from fhir_adapter.convert import convert_trials

    summary = _summary_for(args, "convert")
    totals = ConvertTotals()
    results = convert_trials(
        args.inputs,
        args.out,
        terms,
        version=args.fhir_version,
        indent=args.indent,
        output=args.format,
        check=args.check,
        workers=args.workers,
    )
    for result in results:
        print_result(result, sys.stdout)
        totals.add(result)
        if summary is not None:
            summary.add(**_convert_entry(result), seconds=summary.lap())
    print_totals(totals, args.out, sys.stdout, written="ndjson" if args.format == "ndjson" else "Bundles")
    code = EXIT_SOME_FAILED if totals.outcomes["failed"] else EXIT_OK
    if summary is not None:
        summary.write(args.summary, exit_code=code)
    return code


def _summary_for(args: argparse.Namespace, command: str) -> RunSummary | None:
    """Return a RunSummary when `--summary FILE` was given (checked writable first), else None."""
    if args.summary is None:
        return None
    check_writable(args.summary, flag="--summary")
    return RunSummary(command)


def _convert_entry(result: ConversionResult) -> dict[str, Any]:
    """Return one converted record's summary fields: outcome, files, resources, finding counts."""
    severities = Counter(issue.severity for issue in result.quality)
    return {
        "nct_id": result.nct_id,
        "source": result.source,
        "outcome": result.outcome,
        "error": result.error if result.duplicate is None else str(result.duplicate),
        "bundle": str(result.bundle_path) if result.bundle_path else None,
        "resources": dict(sorted(result.resource_counts.items())),
        "warnings": sum(n for severity, n in severities.items() if severity != "information"),
        "kept_as_text": severities["information"],
    }


@dataclass
class ConvertTotals:
    """A convert run's running totals. Only failed and duplicate results are kept, for the closing list,
    so a run over a large export stays flat in memory."""

    outcomes: Counter[str] = field(default_factory=Counter)
    resources: Counter[str] = field(default_factory=Counter)
    warnings: int = 0
    kept_as_text: int = 0
    listed: list[ConversionResult] = field(default_factory=list)

    def add(self, result: ConversionResult) -> None:
        self.outcomes[result.outcome] += 1
        kept = sum(issue.severity == "information" for issue in result.quality)
        self.kept_as_text += kept
        self.warnings += len(result.quality) - kept
        if result.outcome == "converted":
            self.resources.update(result.resource_counts)
        else:
            self.listed.append(result)


def print_result(result: ConversionResult, out: TextIO) -> None:
    """Print one trial's line, then its data-quality warnings and any validation problems."""
    name = result.nct_id or result.source
    warnings = [issue for issue in result.quality if issue.severity != "information"]
    if result.duplicate is not None:
        kept_place = result.duplicate.kept.place
        print(
            f"{name}  duplicate  left out, {kept_place} kept: {result.duplicate.reason}  ({result.source})",
            file=out,
        )
    elif result.ok:
        counts = ", ".join(f"{n} {t}" for t, n in sorted(result.resource_counts.items()))
        found = f"; {counted(len(warnings), 'data-quality warning')}" if warnings else ""
        kept = len(result.quality) - len(warnings)
        found += f"; {kept} kept as text (information)" if kept else ""
        print(f"{name}  converted  {counts}{found}  -> {result.bundle_path}", file=out)
    else:
        print(f"{name}  FAILED  {result.error}  ({result.source})", file=out)
    for issue in warnings:  # information findings (what stays text) are in <NCT>.issues.json
        print(f"    warning: {issue}", file=out)
    for problem in result.problems:
        print(f"    {problem}", file=out)


def print_totals(totals: ConvertTotals, out_dir: Path, out: TextIO, *, written: str = "Bundles") -> None:
    """Print the run's totals, then each failed record and each duplicate left out."""
    outcomes = totals.outcomes
    records = sum(outcomes.values())
    duplicates = f", {counted(outcomes['duplicate'], 'duplicate')} left out" if outcomes["duplicate"] else ""
    print(
        f"{counted(records, 'record')}: {outcomes['converted']} converted, {outcomes['failed']} failed"
        f"{duplicates}; {counted(sum(totals.resources.values()), 'resource')}; "
        f"{counted(totals.warnings, 'data-quality warning')}; "
        f"{totals.kept_as_text} kept as text (information); {written} in {out_dir}/",
        file=out,
    )
    if not records:
        print("no records found in the inputs", file=out)
    for failed in (r for r in totals.listed if not r.ok):
        print(f"  failed: {failed.nct_id or failed.source}: {failed.error}", file=out)
    for result in totals.listed:
        if result.duplicate is not None:
            print(f"  duplicate: {result.duplicate}", file=out)


def _run_criteria(args: argparse.Namespace) -> int:
    from fhir_adapter.cli.criteria import run_criteria

    return run_criteria(args)


def _add_validate_arguments(validate: argparse.ArgumentParser) -> None:
    from fhir_adapter.cli.server_options import add_server_arguments, with_server_validation
    from fhir_adapter.validation.layers import RuleSet

    validate.add_argument("inputs", nargs="+", help="FHIR JSON files (Bundles or resources) or directories")
    validate.add_argument(
        "--format", choices=("text", "json"), default="text", help="json: print one FHIR OperationOutcome"
    )
    validate.add_argument("--junit", type=Path, metavar="FILE", help="also write a JUnit XML report to FILE")
    add_summary_argument(validate)
    validate.add_argument("--strict", action="store_true", help="fail on warnings too, not only on errors")
    validate.add_argument(
        "--best-practice", action="store_true", help="also check best-practice invariants (dom-6: narrative)"
    )
    add_version_argument(validate)
    validate.add_argument(
        "--rules",
        type=RuleSet,
        choices=list(RuleSet),
        default=RuleSet.AUTO,
        help="fhir-adapter: also the project's rules (NCT id, units, eligibility logic, doses, codes, text); "
        "base: the release's rules only; auto (default): the project's rules on fhir-adapter's output only",
    )
    add_server_arguments(validate, required=False, server_help="also ask this FHIR server's $validate")
    _add_speed_arguments(validate, checks=False)
    validate.set_defaults(run=with_server_validation(_run_validate))


def _run_validate(args: argparse.Namespace) -> int:
    from fhir_adapter.cli.validate_run import validate_in_workers
    from fhir_adapter.validation import fhir_files, format_text, to_junit_xml, to_operation_outcome

    try:
        paths = fhir_files(args.inputs)
    except InputError as exc:
        print(f"fhir-adapter: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    summary = _summary_for(args, "validate")
    reports = []
    for report in validate_in_workers(
        paths,
        server=args.server_check,
        best_practice=args.best_practice,
        rules=args.rules,
        version=args.fhir_version,
        workers=args.workers,
    ):
        reports.append(report)
        if summary is not None:
            summary.add(**_validate_entry(report, strict=args.strict), seconds=round(report.seconds, 3))
    if args.format == "json":
        print(json.dumps(to_operation_outcome(reports), indent=2, ensure_ascii=False))
    else:
        print(format_text(reports, strict=args.strict))
    if args.junit:
        args.junit.write_text(to_junit_xml(reports, strict=args.strict), encoding="utf-8")
    code = EXIT_SOME_FAILED if any(r.failed(strict=args.strict) for r in reports) else EXIT_OK
    if summary is not None:
        summary.details["strict"] = args.strict
        summary.write(args.summary, exit_code=code)
    return code


def _validate_entry(report: ValidationReport, *, strict: bool) -> dict[str, Any]:
    """Return one validated file's summary fields; its trial is the NCT id its name carries, if any
    (convert writes `<NCT id>.json`)."""
    stem = Path(report.source).stem
    errors = [issue for issue in report.issues if issue.severity == "error"]
    return {
        "nct_id": stem if NCT_FILE_STEM.fullmatch(stem) else None,
        "source": report.source,
        "outcome": "failed" if report.failed(strict=strict) else "passed",
        "error": f"{errors[0].location}: {errors[0].message}" if errors else None,
        "issues": {severity: report.count(severity) for severity in ("error", "warning", "information")},
    }


if __name__ == "__main__":
    sys.exit(main())
