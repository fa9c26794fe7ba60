"""Score a second, independent human reading of held-out records against the reviewed expectations: the
ceiling of the accuracy measures.

    python -m benchmarks.expectation_agreement REFERENCE SECOND [--show]
    python -m benchmarks.expectation_agreement --folder tests/text/expectations/second_reading

With --folder, every file of the folder is scored against the file of the same name one folder up (the
reviewed expectations), one line per file, then pooled over the files of each kind.

REFERENCE and SECOND are two expectation files of the same kind (criteria or regimen, the layouts of
tests/text/expectations/README.md) for the same records. SECOND is scored as if it were the parser's output,
with the keys the accuracy benchmarks use (benchmarks/criteria_accuracy.py, benchmarks/regimen_accuracy.py):
criteria counts, facts by (section, criterion, kind, comparator, values, unit) and the same facts whatever
their criterion's number; regimen (drug, dose, unit) and days of the cycle per arm. Only records in both files
are compared (a second reader may stop before the last record); the command says how many.

Where two careful readers of the same text under the same written conventions disagree, a parser cannot
be scored above their agreement: the figure says how much of a parser's "wrong" is the measure itself.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.criteria_accuracy import Score as CriteriaScore
from benchmarks.criteria_accuracy import _add, expected_key, unnumbered
from benchmarks.regimen_accuracy import Result, expected_items


def load(path: Path) -> dict[str, Any]:
    """Return the file's records (keys that do not start with "_")."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {key: value for key, value in data.items() if not key.startswith("_")}


def is_regimen(records: dict[str, Any]) -> bool:
    return any("arms" in record for record in records.values())


def criteria_agreement(
    reference: dict[str, Any],
    second: dict[str, Any],
    *,
    show: bool = False,
    total: CriteriaScore | None = None,
) -> CriteriaScore:
    """Add the records in both files to `total` (a new score when None) and return it."""
    total = total if total is not None else CriteriaScore()
    for nct_id in sorted(reference.keys() & second.keys()):
        want, got = reference[nct_id], second[nct_id]
        total.records += 1
        counts_agree = (want["inclusion"], want["exclusion"]) == (got["inclusion"], got["exclusion"])
        total.counts_right += counts_agree
        want_facts = Counter(expected_key(f) for f in want["facts"])
        got_facts = Counter(expected_key(f) for f in got["facts"])
        _add(total, want_facts, got_facts)
        _add(total.unnumbered, unnumbered(want_facts), unnumbered(got_facts))
        if show and (want_facts != got_facts or not counts_agree):
            print(f"{nct_id}: counts {(got['inclusion'], got['exclusion'])} reference "
                  f"{(want['inclusion'], want['exclusion'])}")  # fmt: skip
            for key in sorted((got_facts - want_facts).elements(), key=str):
                print(f"   second only    {key}")
            for key in sorted((want_facts - got_facts).elements(), key=str):
                print(f"   reference only {key}")
    return total


def regimen_agreement(
    reference: dict[str, Any],
    second: dict[str, Any],
    *,
    show: bool = False,
    result: Result | None = None,
) -> Result:
    """Add the records in both files to `result` (a new one when None) and return it."""
    result = result if result is not None else Result()
    for nct_id in sorted(reference.keys() & second.keys()):
        result.records += 1
        want_arms, got_arms = reference[nct_id]["arms"], second[nct_id]["arms"]
        # An arm only one reader wrote counts all its items as missed or extra.
        for label in sorted(want_arms.keys() | got_arms.keys()):
            result.arms += 1
            want_doses, want_days = expected_items(want_arms.get(label, {"drugs": []})["drugs"])
            got_doses, got_days = expected_items(got_arms.get(label, {"drugs": []})["drugs"])
            for kind, score, got, want in (
                ("dose", result.doses, got_doses, want_doses),
                ("days", result.days, got_days, want_days),
            ):
                second_only, reference_only = score.add(got, want)
                if show:
                    for names, value in second_only:
                        print(f"{nct_id} {label!r}: second only    {kind} {sorted(names)} {value}")
                    for names, value in reference_only:
                        print(f"{nct_id} {label!r}: reference only {kind} {sorted(names)} {value}")
    return result


def criteria_report(total: CriteriaScore) -> str:
    lines = [f"{total.records} records in both files; criteria counts agree in {total.counts_right}"]
    for kind, figures in (("facts", total), ("facts whatever their criterion's number", total.unnumbered)):
        counts = f"{figures.true_positive} agree, {figures.false_positive} second only, " + (
            f"{figures.false_negative} reference only"
        )
        lines.append(f"{kind}: precision {figures.precision:.3f}, recall {figures.recall:.3f} ({counts})")
    return "\n".join(lines)


def regimen_report(result: Result) -> str:
    lines = []
    for kind, figures in (("(drug, dose, unit)", result.doses), ("days of the cycle", result.days)):
        counts = f"{figures.true_positive} agree, {figures.false_positive} second only, " + (
            f"{figures.false_negative} reference only"
        )
        lines.append(f"{kind:20s} precision {figures.precision:.3f}  recall {figures.recall:.3f}  ({counts})")
    lines.append(f"{result.records} records in both files, {result.arms} arms")
    return "\n".join(lines)


def folder_report(folder: Path) -> str:
    """Return one block per second-reading file of `folder`, then the pooled figures of each kind."""
    criteria, regimen = CriteriaScore(), Result()
    blocks = []
    for path in sorted(folder.glob("*.json")):
        reference, second = load(folder.parent / path.name), load(path)
        if is_regimen(reference):
            blocks.append(f"== {path.name}\n" + regimen_report(regimen_agreement(reference, second)))
            regimen_agreement(reference, second, result=regimen)
        else:
            blocks.append(f"== {path.name}\n" + criteria_report(criteria_agreement(reference, second)))
            criteria_agreement(reference, second, total=criteria)
    blocks.append("== pooled criteria\n" + criteria_report(criteria))
    blocks.append("== pooled regimen\n" + regimen_report(regimen))
    return "\n".join(blocks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("reference", type=Path, nargs="?", help="the reviewed expectation file")
    parser.add_argument("second", type=Path, nargs="?", help="the second reader's file for the same records")
    parser.add_argument("--folder", type=Path, help="score every second reading in this folder, and pool")
    parser.add_argument("--show", action="store_true", help="print every item only one reader wrote")
    args = parser.parse_args()
    if args.folder:
        print(folder_report(args.folder))
        return
    if args.reference is None or args.second is None:
        parser.error("give REFERENCE and SECOND, or --folder")
    reference, second = load(args.reference), load(args.second)
    if is_regimen(reference):
        print(regimen_report(regimen_agreement(reference, second, show=args.show)))
    else:
        print(criteria_report(criteria_agreement(reference, second, show=args.show)))


if __name__ == "__main__":
    main()
