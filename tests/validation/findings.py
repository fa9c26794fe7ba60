"""The findings of full validation on every fixture, as one line per issue, and their reviewed golden files.

Issue 16 made validation fast (compiled invariants, plain-Python ele-1 and Bundle rules, a cache of checked
sub-structures); it had to find exactly what it found before. `findings/*.json` hold what the validator found
before that work (commit b60fc60, written by this module's `--write` run on that commit's code), and
test_findings.py and test_r4_examples.py compare today's findings with them, document by document, issue by
issue, in order. To see what a change did to the findings, print the differences (nothing is written):

    python -m tests.validation.findings [--only fixtures]

Regenerate only on purpose, when a change in findings is intended and reviewed:

    python -m tests.validation.findings --write

Documents: every record of fixtures/ctgov and fixtures/ctgov-holdout2 converted to its R4 and its R5
Bundle (default rules, and best-practice invariants on), the hand-made broken resources and the old and
golden Bundles as R4 and R5, and (file r4_examples.json) every file of HL7's R4 examples package as
`validate --rules base` checks it.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from fhir_adapter.bundle import build_bundle
from fhir_adapter.errors import FhirAdapterError
from fhir_adapter.resources import FhirVersion, build_trial_resources
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.terms import load_terms
from fhir_adapter.validation import RuleSet, ValidationIssue, ValidationReport, validate_files
from fhir_adapter.validation.versions import check_document_as

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
GOLDEN = HERE / "findings"
FIXTURES_FILE = GOLDEN / "fixtures.json"
R4_EXAMPLES_FILE = GOLDEN / "r4_examples.json"
RECORD_FOLDERS = (REPO / "fixtures" / "ctgov", REPO / "fixtures" / "ctgov-holdout2")
STATIC_FILES = (
    sorted((HERE / "broken").glob("*.json"))
    + sorted((HERE / "old_output").glob("*.json"))
    + sorted((REPO / "tests" / "golden").glob("*.json"))
)
NOT_RESOURCES = frozenset({"package.json", ".index.json"})

Findings = dict[str, list[str]]


def issue_line(issue: ValidationIssue) -> str:
    """Return one issue as the golden files hold it: every field, `|`-separated."""
    return "|".join([issue.severity, issue.layer, issue.code or "", issue.location, issue.message])


def fixture_documents() -> Iterator[tuple[str, FhirVersion, dict[str, Any]]]:
    """Yield (name, release, document) for every fixture document, in a fixed order."""
    terms = load_terms()
    for folder in RECORD_FOLDERS:
        for item in read_trials([folder]):
            if isinstance(item, TrialRecord):
                for version in FhirVersion:
                    try:  # a holdout record may not convert (a status without an R4 mapping)
                        built = build_trial_resources(item, terms, version=version)
                    except FhirAdapterError:
                        continue
                    name = f"{folder.name}/{item.nct_id}:{version.name}"
                    yield name, version, build_bundle(built, version=version)
    for path in STATIC_FILES:
        document = json.loads(path.read_text(encoding="utf-8"))
        for version in FhirVersion:
            yield f"{path.parent.name}/{path.name}:{version.name}", version, document


def fixture_findings() -> Findings:
    """Return the findings on every fixture document: default rules, then best-practice invariants on."""
    found: Findings = {}
    for name, version, document in fixture_documents():
        for best_practice in (False, True):
            checked = check_document_as(document, version, best_practice=best_practice)
            suffix = ":best-practice" if best_practice else ""
            found[name + suffix] = [issue_line(issue) for issue in checked.issues]
    return found


def r4_example_files(folder: Path) -> list[Path]:
    """Return the resource files of HL7's R4 examples package, in name order."""
    return sorted(path for path in folder.glob("*.json") if path.name not in NOT_RESOURCES)


def report_findings(reports: Iterable[ValidationReport]) -> Findings:
    """Return each report's findings by file name."""
    return {Path(report.source).name: [issue_line(issue) for issue in report.issues] for report in reports}


def r4_example_findings(folder: Path) -> Findings:
    """Return the findings of `validate --rules base` on every file of the R4 examples package."""
    return report_findings(validate_files(r4_example_files(folder), rules=RuleSet.BASE))


def read_golden(path: Path) -> Findings:
    loaded: Findings = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def write_golden(path: Path, findings: Findings) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(findings, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")


def differences(golden: Findings, now: Findings) -> Iterator[str]:
    """Yield one line per finding that is in only one of the two, marked `-` (golden only) or `+` (now only).

    A document found in only one of them is named once, with the count of its findings, not line by line.
    """
    for name in sorted(golden.keys() | now.keys()):
        if name not in now:
            yield f"- {name}: document gone ({len(golden[name])} findings)"
        elif name not in golden:
            yield f"+ {name}: new document ({len(now[name])} findings)"
        else:
            yield from _line_differences(name, golden[name], now[name])


def _line_differences(name: str, golden: list[str], now: list[str]) -> Iterator[str]:
    """Yield the lines one list holds more often than the other, in each list's own order."""
    gone, added = Counter(golden) - Counter(now), Counter(now) - Counter(golden)
    for mark, lines, surplus in (("-", golden, gone), ("+", now, added)):
        for line in lines:
            if surplus[line] > 0:
                surplus[line] -= 1
                yield f"{mark} {name}: {line}"


def _print_differences(path: Path, now: Findings) -> int:
    """Print how `now` differs from the golden file at `path`; return the number of lines that differ."""
    lines = list(differences(read_golden(path), now))
    print("\n".join(lines) if lines else f"{path.name}: no differences")
    return len(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--write", action="store_true", help="write the golden files (review the diff)")
    parser.add_argument("--only", choices=["fixtures", "r4-examples"], help="one of the two files")
    args = parser.parse_args()
    wanted: list[tuple[Path, Findings]] = []
    if args.only != "r4-examples":
        wanted.append((FIXTURES_FILE, fixture_findings()))
    if args.only != "fixtures":
        from tests.hl7_packages import R4_EXAMPLES, hl7_package  # noqa: PLC0415 (npm, only when asked)

        wanted.append((R4_EXAMPLES_FILE, r4_example_findings(hl7_package(R4_EXAMPLES))))
    if args.write:
        for path, found in wanted:
            write_golden(path, found)
        return
    differing = sum(_print_differences(path, found) for path, found in wanted)
    raise SystemExit(1 if differing else 0)


if __name__ == "__main__":
    main()
