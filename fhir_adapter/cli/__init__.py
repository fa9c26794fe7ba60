"""The `fhir-adapter` command: parses arguments, calls one library function per subcommand, reports.

Exit codes: 0 every record succeeded; 1 some records failed (the others were still written); 2 usage error.
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
from pathlib import Path
from typing import TextIO

from fhir_adapter.cli.push import add_push_parser
from fhir_adapter.convert import ConversionResult, convert_trials
from fhir_adapter.errors import InputError, SettingsError
from fhir_adapter.resources import FhirVersion
from fhir_adapter.sources import read_trials
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

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2

DEFAULT_OUT_DIR = Path("out")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(message)s"
    )
    missing = [path for path in getattr(args, "inputs", []) if not Path(path).exists()]
    if missing:
        parser.print_usage(sys.stderr)
        print(f"fhir-adapter: error: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        code: int = args.run(args)
    except BrokenPipeError:  # the reader went away (`fhir-adapter criteria X | head`): not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps Python's exit flush from raising again
        return EXIT_OK
    except SettingsError as exc:
        print(f"fhir-adapter: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fhir-adapter", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log every step (contact details included)"
    )
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
    convert.set_defaults(run=_run_convert)
    criteria = commands.add_parser(
        "criteria", help="print a trial's eligibility criteria as parsed, for review"
    )
    criteria.add_argument(
        "inputs", nargs="+", help="CT.gov API v2 JSON or legacy XML files, or directories of them"
    )
    criteria.set_defaults(run=_run_criteria)
    add_push_parser(commands)
    validate = commands.add_parser("validate", help="check FHIR R4 Bundles or resources as an EHR would")
    _add_validate_arguments(validate)
    return parser


def _run_convert(args: argparse.Namespace) -> int:
    terms = load_terms(args.mappings)
    results = []
    for result in convert_trials(args.inputs, args.out, terms, version=FhirVersion.R4, indent=args.indent):
        print_result(result, sys.stdout)
        results.append(result)
    print_totals(results, args.out, sys.stdout)
    return EXIT_OK if all(r.ok for r in results) else EXIT_SOME_FAILED


def print_result(result: ConversionResult, out: TextIO) -> None:
    """Print one trial's line, then its data-quality warnings and any validation problems."""
    name = result.nct_id or result.source
    if result.ok:
        counts = ", ".join(f"{n} {t}" for t, n in sorted(result.resource_counts.items()))
        warnings = f"; {len(result.quality)} data-quality warnings" if result.quality else ""
        print(f"{name}  converted  {counts}{warnings}  -> {result.bundle_path}", file=out)
    else:
        print(f"{name}  FAILED  {result.error}  ({result.source})", file=out)
    for issue in result.quality:
        print(f"    warning: {issue}", file=out)
    for problem in result.problems:
        print(f"    {problem}", file=out)


def print_totals(results: list[ConversionResult], out_dir: Path, out: TextIO) -> None:
    converted = [r for r in results if r.ok]
    resources: Counter[str] = Counter()
    for result in converted:
        resources.update(result.resource_counts)
    warnings = sum(len(r.quality) for r in results)
    print(
        f"{len(results)} records: {len(converted)} converted, {len(results) - len(converted)} failed; "
        f"{sum(resources.values())} resources; {warnings} data-quality warnings; Bundles in {out_dir}/",
        file=out,
    )
    for failed in (r for r in results if not r.ok):
        print(f"  failed: {failed.nct_id or failed.source}: {failed.error}", file=out)


def _run_criteria(args: argparse.Namespace) -> int:
    failed = False
    for item in read_trials(args.inputs):
        if isinstance(item, InputError):
            print(f"FAILED  {item}", file=sys.stdout)
            failed = True
        else:
            print_criteria(item.nct_id, parse_criteria(item.eligibility.criteria or ""), sys.stdout)
    return EXIT_SOME_FAILED if failed else EXIT_OK


def print_criteria(nct_id: str, criteria: Sequence[Criterion], out: TextIO, *, width: int = 72) -> None:
    """Print criteria as a table: section and number, the text (wrapped), then each fact found."""
    counts = Counter(c.section for c in criteria)
    print(f"{nct_id}: {counts[INCLUSION]} inclusion, {counts[EXCLUSION]} exclusion criteria", file=out)
    for criterion in criteria:
        label = f"{criterion.section[:3].upper()} {criterion.index:>2}"
        lines = textwrap.wrap(" ".join(criterion.full_text.split()), width) or [""]
        print(f"  {label}  {lines[0]}", file=out)
        for line in lines[1:]:
            print(f"          {line}", file=out)
        for fact in criterion.facts:
            print(f"          -> {describe_fact(fact)}", file=out)
        for unclear in criterion.unclear:
            print(f"          !! unclear, kept as text: {unclear.phrase!r}", file=out)


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
    validate.add_argument("--server", metavar="URL", help="also ask this FHIR server's $validate")
    validate.add_argument(
        "--best-practice", action="store_true", help="also check best-practice invariants (dom-6: narrative)"
    )
    validate.add_argument(
        "--rules",
        type=RuleSet,
        choices=list(RuleSet),
        default=RuleSet.AUTO,
        help="fhir-adapter: also the project's rules (NCT id, units, eligibility logic, doses, codes, text); "
        "base: R4's rules only; auto (default): the project's rules on fhir-adapter's own output only",
    )
    validate.set_defaults(run=_run_validate)


def _run_validate(args: argparse.Namespace) -> int:
    try:
        paths = fhir_files(args.inputs)
    except InputError as exc:
        print(f"fhir-adapter: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    reports = list(
        validate_files(paths, server=args.server, best_practice=args.best_practice, rules=args.rules)
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
