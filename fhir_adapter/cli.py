"""The `fhir-adapter` command: parses arguments, calls one library function per subcommand, reports.

Exit codes: 0 every record succeeded; 1 some records failed (the others were still written); 2 usage error.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from fhir_adapter.convert import ConversionResult, convert_trials
from fhir_adapter.errors import SettingsError
from fhir_adapter.resources import FhirVersion
from fhir_adapter.terms import load_terms

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
    convert.add_argument("inputs", nargs="+", help="CT.gov API v2 JSON files or directories")
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


if __name__ == "__main__":
    sys.exit(main())
