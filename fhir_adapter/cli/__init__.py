"""The `fhir-adapter` command: parses arguments, calls one library function per subcommand, reports.

Exit codes (exit_codes.py): 0 every record succeeded; 1 some records failed (the others were still
written); 2 usage error; 3 the run could not proceed (the server is down, or credentials every trial needs
were refused).
A record left out as a duplicate of a newer record of the same study is reported, and is not a failure.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import textwrap
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from fhir_adapter import __version__
from fhir_adapter.cli.config import add_config_arguments, apply_layers, prepare_layers
from fhir_adapter.cli.exit_codes import EXIT_CANNOT_PROCEED as EXIT_CANNOT_PROCEED
from fhir_adapter.cli.exit_codes import EXIT_OK as EXIT_OK
from fhir_adapter.cli.exit_codes import EXIT_SOME_FAILED as EXIT_SOME_FAILED
from fhir_adapter.cli.exit_codes import EXIT_USAGE as EXIT_USAGE
from fhir_adapter.cli.fetch import add_fetch_parser
from fhir_adapter.cli.push import add_push_parser
from fhir_adapter.cli.report import add_report_parser
from fhir_adapter.cli.screen import add_screen_parser
from fhir_adapter.cli.server_options import add_server_arguments, with_server_validation
from fhir_adapter.cli.sync import add_sync_parser
from fhir_adapter.cli.versions import add_version_argument
from fhir_adapter.convert import ConversionResult, convert_trials
from fhir_adapter.errors import InputError, SettingsError
from fhir_adapter.resources import FhirVersion, r5_statement
from fhir_adapter.sources import DuplicateRecord, read_trials, record_files
from fhir_adapter.terms import load_terms
from fhir_adapter.text import EXCLUSION, INCLUSION, Criterion, Fact, parse_criteria
from fhir_adapter.validation import (
    RuleSet,
    fhir_files,
    format_text,
    to_junit_xml,
    to_operation_outcome,
    validate_files,
)

DEFAULT_OUT_DIR = Path("out")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(message)s"
    )
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
        # A folder with nothing to read is a wrong path as surely as a missing one: saying so beats a
        # silent "0 records" (a file that holds no studies, such as an empty search page, is accepted).
        empty = [path for path in inputs if Path(path).is_dir() and next(record_files([path]), None) is None]
        if empty:
            return f"no records found: no .json or .xml file in {', '.join(empty)}"
    return None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fhir-adapter", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log every step (contact details included)"
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    add_config_arguments(parser, top_level=True)
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
    convert.set_defaults(run=_run_convert, reads_records=True)
    criteria = commands.add_parser(
        "criteria", help="print a trial's eligibility criteria as parsed, for review"
    )
    criteria.add_argument(
        "inputs", nargs="+", help="CT.gov API v2 JSON or legacy XML files, or directories of them"
    )
    add_version_argument(criteria)
    criteria.set_defaults(run=_run_criteria, reads_records=True)
    add_push_parser(commands)
    add_fetch_parser(commands)
    add_sync_parser(commands)
    add_screen_parser(commands)
    add_report_parser(commands)
    validate = commands.add_parser(
        "validate", help="check FHIR R4 or R5 Bundles or resources as an EHR would"
    )
    _add_validate_arguments(validate)
    prepare_layers(commands.choices)
    return parser


def _run_convert(args: argparse.Namespace) -> int:
    terms = load_terms(args.mappings, identifier_base=args.identifier_base)
    totals = ConvertTotals()
    if args.format == "ndjson" and args.indent is not None:
        raise SettingsError("--indent: ndjson has one resource per line, it cannot be indented")
    results = convert_trials(
        args.inputs, args.out, terms, version=args.fhir_version, indent=args.indent, output=args.format
    )
    for result in results:
        print_result(result, sys.stdout)
        totals.add(result)
    print_totals(totals, args.out, sys.stdout, written="ndjson" if args.format == "ndjson" else "Bundles")
    return EXIT_SOME_FAILED if totals.outcomes["failed"] else EXIT_OK


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
        found = f"; {len(warnings)} data-quality warnings" if warnings else ""
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
    duplicates = f", {outcomes['duplicate']} duplicates left out" if outcomes["duplicate"] else ""
    print(
        f"{records} records: {outcomes['converted']} converted, {outcomes['failed']} failed{duplicates}; "
        f"{sum(totals.resources.values())} resources; {totals.warnings} data-quality warnings; "
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
    failed = False
    for item in read_trials(args.inputs):
        if isinstance(item, InputError):
            print(f"FAILED  {item}", file=sys.stdout)
            failed = True
        elif isinstance(item, DuplicateRecord):
            print(f"DUPLICATE  {item}", file=sys.stdout)
        else:
            criteria = parse_criteria(item.eligibility.criteria or "")
            statements = None
            if args.fhir_version is FhirVersion.R5:
                terms = load_terms()
                statements = [r5_statement(criterion, terms) for criterion in criteria]
            print_criteria(item.nct_id, criteria, sys.stdout, r5=statements)
    return EXIT_SOME_FAILED if failed else EXIT_OK


def print_criteria(
    nct_id: str,
    criteria: Sequence[Criterion],
    out: TextIO,
    *,
    width: int = 72,
    r5: Sequence[str | None] | None = None,
) -> None:
    """Print criteria as a table: section and number, the text (wrapped), then each fact found; with `r5`,
    how the R5 EvidenceVariable states each "A or B" or subgroup criterion."""
    counts = Counter(c.section for c in criteria)
    print(f"{nct_id}: {counts[INCLUSION]} inclusion, {counts[EXCLUSION]} exclusion criteria", file=out)
    for position, criterion in enumerate(criteria):
        label = f"{criterion.section[:3].upper()} {criterion.index:>2}"
        lines = textwrap.wrap(" ".join(criterion.full_text.split()), width) or [""]
        print(f"  {label}  {lines[0]}", file=out)
        for line in lines[1:]:
            print(f"          {line}", file=out)
        for fact in criterion.facts:
            print(f"          -> {describe_fact(fact)}", file=out)
        for unclear in criterion.unclear:
            print(f"          !! unclear, kept as text: {unclear.phrase!r}", file=out)
        statement = r5[position] if r5 else None
        if statement:
            print(f"          R5: {statement}", file=out)


def describe_fact(fact: Fact) -> str:
    """Return a fact as a person reads it: 'platelets < 30 10*9/L', 'ecog 0..2 1', 'pregnancy'."""
    unit = f" {fact.unit}" if fact.unit else ""
    if fact.low is not None:
        return f"{fact.kind} {fact.low:g}..{fact.high:g}{unit}"
    if fact.comparator is not None and fact.value is not None:
        return f"{fact.kind} {fact.comparator} {fact.value:g}{unit}"
    return fact.kind


def _add_validate_arguments(validate: argparse.ArgumentParser) -> None:
    validate.add_argument("inputs", nargs="+", help="FHIR JSON files (Bundles or resources) or directories")
    validate.add_argument(
        "--format", choices=("text", "json"), default="text", help="json: print one FHIR OperationOutcome"
    )
    validate.add_argument("--junit", type=Path, metavar="FILE", help="also write a JUnit XML report to FILE")
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
    validate.set_defaults(run=with_server_validation(_run_validate))


def _run_validate(args: argparse.Namespace) -> int:
    try:
        paths = fhir_files(args.inputs)
    except InputError as exc:
        print(f"fhir-adapter: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    reports = list(
        validate_files(
            paths,
            server=args.server_check,
            best_practice=args.best_practice,
            rules=args.rules,
            version=args.fhir_version,
        )
    )
    if args.format == "json":
        print(json.dumps(to_operation_outcome(reports), indent=2, ensure_ascii=False))
    else:
        print(format_text(reports, strict=args.strict))
    if args.junit:
        args.junit.write_text(to_junit_xml(reports, strict=args.strict), encoding="utf-8")
    return EXIT_SOME_FAILED if any(r.failed(strict=args.strict) for r in reports) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
