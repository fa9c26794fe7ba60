"""Score the criteria parser against the hand-checked expectations: counts, and precision/recall of facts.

    python -m benchmarks.criteria_accuracy [--show]

A fact matches when section, criterion number, kind, comparator, value (or low/high) and unit agree. A
range and the equivalent pair of comparator facts ("0-2" vs ">= 0" and "<= 2") are not merged: the parser
must say it the way the text does.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.scoring import PrecisionRecall
from fhir_adapter.text.criteria import Criterion, parse_criteria

REPO = Path(__file__).resolve().parent.parent
EXPECTATIONS = REPO / "tests" / "text" / "expectations" / "criteria.json"
# Written after the parser, by a reader who never saw it, and never used to tune it: the honest figure.
HOLDOUT = REPO / "tests" / "text" / "expectations" / "criteria_holdout.json"
RECORDS = REPO / "fixtures" / "ctgov"

FactKey = tuple[str, int, str, str | None, float | None, float | None, float | None, str | None]


@dataclass
class Score(PrecisionRecall):
    records: int = 0
    counts_right: int = 0


def expected_key(fact: dict[str, Any]) -> FactKey:
    def number(name: str) -> float | None:
        return None if fact.get(name) is None else float(fact[name])

    return (
        fact["section"],
        fact["criterion"],
        fact["kind"],
        fact.get("comparator"),
        number("value"),
        number("low"),
        number("high"),
        fact.get("unit"),
    )


def parsed_keys(criteria: tuple[Criterion, ...]) -> Counter[FactKey]:
    return Counter(
        (c.section, c.index, f.kind, f.comparator, f.value, f.low, f.high, f.unit)
        for c in criteria
        for f in c.facts
    )


def criteria_text(nct_id: str) -> str:
    study = json.loads((RECORDS / f"{nct_id}.json").read_text(encoding="utf-8"))
    text: str = study["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
    return text


def score(show: bool = False, *, expectations_file: Path = EXPECTATIONS) -> Score:
    expectations = json.loads(expectations_file.read_text(encoding="utf-8"))
    total = Score()
    for nct_id, expected in sorted(expectations.items()):
        if nct_id.startswith("_"):
            continue
        text = expected["criteria_text"] if "criteria_text" in expected else criteria_text(nct_id)
        criteria = parse_criteria(text or "")
        counts = (
            sum(c.section == "inclusion" for c in criteria),
            sum(c.section == "exclusion" for c in criteria),
        )
        want = Counter(expected_key(f) for f in expected["facts"])
        got = parsed_keys(criteria)
        total.records += 1
        total.counts_right += counts == (expected["inclusion"], expected["exclusion"])
        total.true_positive += sum((want & got).values())
        total.false_positive += sum((got - want).values())
        total.false_negative += sum((want - got).values())
        if show and (got != want or counts != (expected["inclusion"], expected["exclusion"])):
            print(f"{nct_id}: counts {counts} expected {(expected['inclusion'], expected['exclusion'])}")
            for key in sorted((got - want).elements(), key=str):
                print(f"   extra   {key}")
            for key in sorted((want - got).elements(), key=str):
                print(f"   missing {key}")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--show", action="store_true", help="print every record whose result differs")
    parser.add_argument("--holdout", action="store_true", help="score the held-out set instead")
    args = parser.parse_args()
    result = score(args.show, expectations_file=HOLDOUT if args.holdout else EXPECTATIONS)
    print(
        f"{result.records} records; criteria counts right in {result.counts_right}; facts: "
        f"precision {result.precision:.3f}, recall {result.recall:.3f} "
        f"({result.true_positive} right, {result.false_positive} wrong, {result.false_negative} missed)"
    )


if __name__ == "__main__":
    main()
