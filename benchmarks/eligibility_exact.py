"""Count the "A or B" and subgroup criteria the R5 EvidenceVariable states exactly (issue 12).

    python -m benchmarks.eligibility_exact [FOLDER ...] [--show]

R4 keeps every inclusion "A or B" and every threshold for a subgroup or another time as text; R5 states such a
criterion exactly when its logic is stated with every threshold read coded, each subgroup's with its
condition, and each alternative read without a threshold in its verbatim words inside the any-of
(resources/eligibility_variable.py, `r5_statement`), and keeps R4's text otherwise. For each criterion the
parser marks any-of or conditional, this counts the ones `r5_statement` reports exact, by section and
logic. Default folders: fixtures/ctgov and fixtures/ctgov-xml (the figures of the issue's closing notes);
`--show` prints the criteria kept as text.

A criterion whose heading introduces its sub-items ("must meet the following standards:") may be stated as
the heading's combination of them, each read on its own; it counts as exact only when every sub-item is,
and as "partly exact" (apart from the exact count, and from those wholly kept as text) when some sub-item is
kept as text as in R4 while the others are stated exactly.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from fhir_adapter.resources import r5_statement
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.terms import Terms, load_terms
from fhir_adapter.text import ALL_OF, EXCLUSION, INCLUSION, Criterion, parse_criteria

REPO = Path(__file__).resolve().parent.parent
FOLDERS = (REPO / "fixtures" / "ctgov", REPO / "fixtures" / "ctgov-xml")
Key = tuple[str, str, str]  # (section, logic, how: "exact", "partly exact" or "text")


def criteria(folders: list[Path]) -> Iterator[tuple[str, Criterion]]:
    """Yield each any-of or conditional criterion of the records in `folders`, with its trial's NCT id."""
    for folder in folders:
        for path in sorted(p for p in folder.iterdir() if p.suffix in (".json", ".xml")):
            for trial in read_trials([path]):
                if isinstance(trial, TrialRecord):
                    for criterion in parse_criteria(trial.eligibility.criteria or ""):
                        if criterion.logic != ALL_OF:
                            yield trial.nct_id, criterion


def count(folders: list[Path], terms: Terms, *, show: bool) -> Counter[Key]:
    counts: Counter[Key] = Counter()
    for nct_id, criterion in criteria(folders):
        statement = r5_statement(criterion, terms) or ""
        how = next((h for h in ("exact", "partly exact") if statement.startswith(f"{h}:")), "text")
        counts[(criterion.section, criterion.logic, how)] += 1
        if show and how != "exact":
            print(
                f"{nct_id} {criterion.section} {criterion.index} {criterion.logic} ({how}):"
                f" {criterion.text[:120]!r}"
            )
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, default=list(FOLDERS))
    parser.add_argument("--show", action="store_true", help="print the criteria kept as text")
    args = parser.parse_args()
    counts = count(args.folders, load_terms(), show=args.show)
    for section in (INCLUSION, EXCLUSION):
        for logic in ("any-of", "conditional"):
            exact, partly = counts[(section, logic, "exact")], counts[(section, logic, "partly exact")]
            total = exact + partly + counts[(section, logic, "text")]
            print(f"{section} {logic}: exact {exact}/{total}, partly exact {partly}/{total}")


if __name__ == "__main__":
    main()
