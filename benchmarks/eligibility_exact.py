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

"Not statable": a criterion kept as text that a reader cannot state exactly either, without guessing
(eligibility_not_statable.json: reviewed by hand, each with why, found by trial, section and the start of
its text). It stays in each total, apart from the criteria kept as text that a better parse could state;
`--show` prints why. If the converter ever states one of them, the benchmark counts what `r5_statement`
says and prints a warning: such a statement would be a guess.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from fhir_adapter.resources import r5_statement
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.terms import Terms, load_terms
from fhir_adapter.text import ALL_OF, EXCLUSION, INCLUSION, Criterion, parse_eligibility

REPO = Path(__file__).resolve().parent.parent
FOLDERS = (REPO / "fixtures" / "ctgov", REPO / "fixtures" / "ctgov-xml")
NOT_STATABLE = Path(__file__).resolve().parent / "eligibility_not_statable.json"
HOWS = ("exact", "partly exact", "not statable")
Key = tuple[str, str, str]  # (section, logic, how: one of HOWS or "text")


def not_statable(path: Path = NOT_STATABLE) -> dict[tuple[str, str, str], str]:
    """Return the reviewed criteria no reader can state exactly: (NCT id, section, start of text) -> why."""
    reviewed = json.loads(path.read_text(encoding="utf-8"))["criteria"]
    return {(r["nct_id"], r["section"], r["starts"]): r["why"] for r in reviewed}


def reviewed_why(reviewed: dict[tuple[str, str, str], str], nct_id: str, criterion: Criterion) -> str | None:
    """Return why a criterion was reviewed not statable, or None when it was not."""
    return next(
        (
            why
            for (trial, section, starts), why in reviewed.items()
            if (trial, section) == (nct_id, criterion.section) and criterion.text.startswith(starts)
        ),
        None,
    )


def criteria(folders: list[Path]) -> Iterator[tuple[str, Criterion, tuple[Criterion, ...]]]:
    """Yield each any-of or conditional criterion of the records in `folders`, with its trial's NCT id and
    all the trial's criteria (items joined by "OR" are stated as one choice)."""
    for folder in folders:
        for path in sorted(p for p in folder.iterdir() if p.suffix in (".json", ".xml")):
            for trial in read_trials([path]):
                if isinstance(trial, TrialRecord):
                    parsed = parse_eligibility(trial.eligibility)
                    for criterion in parsed:
                        if criterion.logic != ALL_OF:
                            yield trial.nct_id, criterion, parsed


def count(
    folders: list[Path], terms: Terms, *, show: bool, reviewed: dict[tuple[str, str, str], str] | None = None
) -> Counter[Key]:
    counts: Counter[Key] = Counter()
    reviewed = not_statable() if reviewed is None else reviewed
    for nct_id, criterion, among in criteria(folders):
        statement = r5_statement(criterion, terms, among) or ""
        how = next((h for h in ("exact", "partly exact") if statement.startswith(f"{h}:")), "text")
        why = reviewed_why(reviewed, nct_id, criterion)
        if why is not None and how != "text":
            print(
                f"WARNING {nct_id} {criterion.section} {criterion.index}: stated ({how}),"
                " reviewed not statable: a guess?"
            )
        elif why is not None:
            how = "not statable"
        counts[(criterion.section, criterion.logic, how)] += 1
        if show and how != "exact":
            print(
                f"{nct_id} {criterion.section} {criterion.index} {criterion.logic} ({how}):"
                f" {criterion.text[:120]!r}"
            )
            if why is not None:
                print(f"    why: {why}")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, default=list(FOLDERS))
    parser.add_argument("--show", action="store_true", help="print the criteria kept as text")
    args = parser.parse_args()
    counts = count(args.folders, load_terms(), show=args.show)
    for section in (INCLUSION, EXCLUSION):
        for logic in ("any-of", "conditional"):
            exact, partly, unstatable = (counts[(section, logic, how)] for how in HOWS)
            total = exact + partly + unstatable + counts[(section, logic, "text")]
            print(
                f"{section} {logic}: exact {exact}/{total}, partly exact {partly}/{total},"
                f" not statable {unstatable}/{total}"
            )


if __name__ == "__main__":
    main()
