"""Score the criteria parser against hand-checked expectations: counts, facts, and any-of/conditional logic.

    python -m benchmarks.criteria_accuracy [--expectations FILE] [--show]

A fact matches when section, criterion number, kind, comparator, value (or low/high) and unit agree. A
range and the equivalent pair of comparator facts ("0-2" vs ">= 0" and "<= 2") are not merged: the parser
must say it the way the text does.

When a record lists `"logic": [{"section": "inclusion", "criterion": 3, "kind": "any-of"}]` (kind any-of or
conditional), the criteria the parser marks any-of or conditional are scored against it too (precision and
recall of (section, criterion, kind), overall and per section). Records without the key are not scored on
logic. Fact convention for such criteria: every threshold a patient must meet in some branch, each as if
alone, and not the values that only define a subgroup (tests/text/expectations/README.md).

A writer may record only some kinds of fact (the held-out set 2 leaves out LVEF, albumin, ...). A second
figure counts only the kinds the file covers: its header's `"_kinds"` list when present (add one only when
the writer's own `_about` text names the kinds), otherwise every kind that occurs among its facts.

A third figure matches facts whatever their criterion's number in its section: where the parser splits or
joins criteria differently from the writer's count, every fact after that point is renumbered, though each
still sits with its own verbatim words. The first figure counts such a fact wrong and missed; this one shows
how many of the values themselves are right.

When a file's writer recorded a `"condition"` (the words naming a subgroup or another time) on some facts,
which facts carry one is scored too: a parsed fact with a `condition` or `timing` against an expected fact
with a `condition`, by the same key. The words are not compared; a condition on the wrong fact is.

When the record itself is in the records folder (also for an expectation that carries its own criteria_text),
its structured age range is passed to the parser as the Group builders pass it; without the record, none.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.scoring import PrecisionRecall
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.text.ages import AgeRange, age_range
from fhir_adapter.text.criteria import ALL_OF, Criterion, Fact, parse_criteria

REPO = Path(__file__).resolve().parent.parent
EXPECTATIONS = REPO / "tests" / "text" / "expectations" / "criteria.json"
# Written after the parser, by a reader who never saw it, and never used to tune it: the honest figure.
HOLDOUT = REPO / "tests" / "text" / "expectations" / "criteria_holdout.json"
RECORDS = REPO / "fixtures" / "ctgov"
# The held-out sets keep their records in sibling folders (fixtures/ctgov-holdout9/, ...): searched by default
# too, so a held-out expectation (which carries its own criteria_text) still gets the record's age range.
HOLDOUT_RECORDS_GLOB = "ctgov-holdout*"

FactKey = tuple[str, int, str, str | None, float | None, float | None, float | None, str | None]
LogicKey = tuple[str, int, str]


@dataclass
class Score(PrecisionRecall):
    records: int = 0
    counts_right: int = 0
    logic_records: int = 0
    logic: PrecisionRecall = field(default_factory=PrecisionRecall)
    logic_by_section: dict[str, PrecisionRecall] = field(default_factory=dict)
    # The same facts counted only over the kinds the expectation file covers (empty: not computed).
    covered: PrecisionRecall = field(default_factory=PrecisionRecall)
    # The same facts matched whatever their criterion's number in its section: a criterion split or joined
    # differently from the writer's count renumbers every fact after it, though each stays with its own words.
    unnumbered: PrecisionRecall = field(default_factory=PrecisionRecall)
    covered_kinds: frozenset[str] = frozenset()
    # Facts that hold only for a subgroup or at another time, when the file records a `condition` on them.
    condition_records: int = 0
    conditions: PrecisionRecall = field(default_factory=PrecisionRecall)


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


def parsed_key(criterion: Criterion, fact: Fact) -> FactKey:
    return (
        criterion.section,
        criterion.index,
        fact.kind,
        fact.comparator,
        fact.value,
        fact.low,
        fact.high,
        fact.unit,
    )


def parsed_keys(criteria: tuple[Criterion, ...]) -> Counter[FactKey]:
    return Counter(parsed_key(c, f) for c in criteria for f in c.facts)


def expected_conditioned(facts: list[dict[str, Any]]) -> Counter[FactKey]:
    """Return the keys of the expected facts that hold only for a subgroup or at another time."""
    return Counter(expected_key(f) for f in facts if f.get("condition"))


def parsed_conditioned(criteria: tuple[Criterion, ...]) -> Counter[FactKey]:
    """Return the keys of the parsed facts that carry a subgroup (`condition`) or a time (`timing`)."""
    return Counter(parsed_key(c, f) for c in criteria for f in c.facts if f.condition or f.timing)


def records_conditions(expectations: dict[str, Any]) -> bool:
    """Return True when the file's writer recorded conditions (a `condition` on some fact): only then does
    a fact without one mean "for everyone, now" rather than "not recorded"."""
    return any(
        "condition" in fact
        for nct_id, expected in expectations.items()
        if not nct_id.startswith("_")
        for fact in expected["facts"]
    )


def parsed_logic(criteria: tuple[Criterion, ...]) -> set[LogicKey]:
    return {(c.section, c.index, c.logic) for c in criteria if c.logic != ALL_OF}


def record_folders(records: Path | None) -> list[Path]:
    """Return the folders to look for records in: `records` when given, else fixtures/ctgov and every
    held-out set's folder beside it (fixtures/ctgov-holdout*)."""
    if records is not None:
        return [records]
    return [RECORDS, *sorted(RECORDS.parent.glob(HOLDOUT_RECORDS_GLOB))]


def record_path(nct_id: str, records: Path | None = None) -> Path | None:
    """Return a record's file in the record folders (see record_folders) or one folder below one, if any."""
    for folder in record_folders(records):
        for name in (f"{nct_id}.json", f"*/{nct_id}.json", f"{nct_id}.xml", f"*/{nct_id}.xml"):
            path = next(iter(sorted(folder.glob(name))), None)
            if path is not None:
                return path
    return None


def criteria_text(nct_id: str, records: Path | None = None) -> str:
    """Return a record's criteria, from `records` or one folder below it (a held-out set's own folder)."""
    path = record_path(nct_id, records)
    if path is None:
        raise FileNotFoundError(f"{nct_id}: no record in {record_folders(records)} or a folder below one")
    if path.suffix == ".xml":  # a legacy record: read as convert reads it
        trial = next(iter(read_trials([path])))
        assert isinstance(trial, TrialRecord), trial
        return trial.eligibility.criteria or ""
    study = json.loads(path.read_text(encoding="utf-8"))
    text: str = study["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
    return text


def record_ages(nct_id: str, records: Path | None = None) -> AgeRange | None:
    """Return the age range a record states in its structured fields, as the Group builders pass it to the
    parser; None when the record is not in `records` (an expectation carrying its own criteria_text) or
    states no range."""
    path = record_path(nct_id, records)
    trial = next(iter(read_trials([path])), None) if path is not None else None
    if not isinstance(trial, TrialRecord):
        return None
    return age_range(trial.eligibility.minimum_age, trial.eligibility.maximum_age)


def covered_kinds(expectations: dict[str, Any]) -> frozenset[str]:
    """Return the fact kinds an expectation file covers: its `_kinds` header, else the kinds it uses."""
    if "_kinds" in expectations:
        return frozenset(str(kind) for kind in expectations["_kinds"])
    return frozenset(
        fact["kind"]
        for nct_id, expected in expectations.items()
        if not nct_id.startswith("_")
        for fact in expected["facts"]
    )


def score(
    show: bool = False, *, expectations_file: Path = EXPECTATIONS, records: Path | None = None
) -> Score:
    """Return the scores of every record in `expectations_file`, reading records from `records`
    (default fixtures/ctgov/ and its sub-folders)."""
    expectations = json.loads(expectations_file.read_text(encoding="utf-8"))
    total = Score(covered_kinds=covered_kinds(expectations))
    with_conditions = records_conditions(expectations)
    for nct_id, expected in sorted(expectations.items()):
        if nct_id.startswith("_"):
            continue
        text = expected["criteria_text"] if "criteria_text" in expected else criteria_text(nct_id, records)
        criteria = parse_criteria(text or "", record_ages(nct_id, records))
        _score_record(total, nct_id, expected, criteria, show=show)
        if with_conditions:
            _score_conditions(total, nct_id, expected, criteria, show=show)
    return total


def _score_record(
    total: Score, nct_id: str, expected: dict[str, Any], criteria: tuple[Criterion, ...], *, show: bool
) -> None:
    counts = (
        sum(c.section == "inclusion" for c in criteria),
        sum(c.section == "exclusion" for c in criteria),
    )
    want = Counter(expected_key(f) for f in expected["facts"])
    got = parsed_keys(criteria)
    total.records += 1
    total.counts_right += counts == (expected["inclusion"], expected["exclusion"])
    _add(total, want, got)
    _add(total.unnumbered, unnumbered(want), unnumbered(got))
    _add(
        total.covered,
        Counter({k: n for k, n in want.items() if k[2] in total.covered_kinds}),
        Counter({k: n for k, n in got.items() if k[2] in total.covered_kinds}),
    )
    logic_want: set[LogicKey] = set()
    logic_got: set[LogicKey] = set()
    if "logic" in expected:
        total.logic_records += 1
        logic_want = {(e["section"], e["criterion"], e["kind"]) for e in expected["logic"]}
        logic_got = parsed_logic(criteria)
        _add(total.logic, Counter(logic_want), Counter(logic_got))
        for section in ("inclusion", "exclusion"):
            part = total.logic_by_section.setdefault(section, PrecisionRecall())
            _add(
                part,
                Counter(k for k in logic_want if k[0] == section),
                Counter(k for k in logic_got if k[0] == section),
            )
    differs = (
        got != want or counts != (expected["inclusion"], expected["exclusion"]) or logic_got != logic_want
    )
    if show and differs:
        print(f"{nct_id}: counts {counts} expected {(expected['inclusion'], expected['exclusion'])}")
        for key in sorted((got - want).elements(), key=str):
            print(f"   extra   {key}")
        for key in sorted((want - got).elements(), key=str):
            print(f"   missing {key}")
        for logic in sorted(logic_got - logic_want):
            print(f"   extra   logic {logic}")
        for logic in sorted(logic_want - logic_got):
            print(f"   missing logic {logic}")


def _score_conditions(
    total: Score, nct_id: str, expected: dict[str, Any], criteria: tuple[Criterion, ...], *, show: bool
) -> None:
    """Score which facts carry a condition: a condition on the wrong fact can invert a criterion."""
    want = expected_conditioned(expected["facts"])
    got = parsed_conditioned(criteria)
    total.condition_records += 1
    _add(total.conditions, want, got)
    if show and want != got:
        for key in sorted((got - want).elements(), key=str):
            print(f"{nct_id}:   extra   condition on {key}")
        for key in sorted((want - got).elements(), key=str):
            print(f"{nct_id}:   missing condition on {key}")


def unnumbered(keys: Counter[FactKey]) -> Counter[tuple[Any, ...]]:
    """Return the fact keys without the criterion's number: (section, kind, comparator, values, unit)."""
    counted: Counter[tuple[Any, ...]] = Counter()
    for key, n in keys.items():
        counted[(key[0], *key[2:])] += n
    return counted


def _add(score: PrecisionRecall, want: Counter[Any], got: Counter[Any]) -> None:
    score.true_positive += sum((want & got).values())
    score.false_positive += sum((got - want).values())
    score.false_negative += sum((want - got).values())


def report(result: Score) -> str:
    """Return the scores as the lines the command prints."""
    lines = [
        f"{result.records} records; criteria counts right in {result.counts_right}; facts: "
        f"precision {result.precision:.3f}, recall {result.recall:.3f} "
        f"({result.true_positive} right, {result.false_positive} wrong, {result.false_negative} missed)"
    ]
    covered = result.covered
    lines.append(
        f"facts of the {len(result.covered_kinds)} kinds the file covers: precision {covered.precision:.3f}, "
        f"recall {covered.recall:.3f} ({covered.true_positive} right, {covered.false_positive} wrong, "
        f"{covered.false_negative} missed)"
    )
    loose = result.unnumbered
    lines.append(
        f"facts whatever their criterion's number: precision {loose.precision:.3f}, "
        f"recall {loose.recall:.3f} "
        f"({loose.true_positive} right, {loose.false_positive} wrong, {loose.false_negative} missed)"
    )
    if result.logic_records:
        logic = result.logic
        lines.append(
            f"logic (any-of/conditional) in {result.logic_records} records: precision {logic.precision:.3f}, "
            f"recall {logic.recall:.3f} ({logic.true_positive} right, {logic.false_positive} wrong, "
            f"{logic.false_negative} missed)"
        )
        for section, part in sorted(result.logic_by_section.items()):
            lines.append(
                f"  {section}: precision {part.precision:.3f}, recall {part.recall:.3f} "
                f"({part.true_positive} right, {part.false_positive} wrong, {part.false_negative} missed)"
            )
    if result.condition_records:
        part = result.conditions
        lines.append(
            f"facts held for a subgroup or another time, in {result.condition_records} records: precision "
            f"{part.precision:.3f}, recall {part.recall:.3f} ({part.true_positive} right, "
            f"{part.false_positive} wrong, {part.false_negative} missed)"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--show", action="store_true", help="print every record whose result differs")
    parser.add_argument(
        "--expectations", type=Path, metavar="FILE", help="score these expectations (default: criteria.json)"
    )
    parser.add_argument("--holdout", action="store_true", help="score criteria_holdout.json instead")
    parser.add_argument(
        "--records",
        type=Path,
        metavar="DIR",
        help="folder of the records (default: fixtures/ctgov and fixtures/ctgov-holdout*)",
    )
    args = parser.parse_args()
    expectations = args.expectations or (HOLDOUT if args.holdout else EXPECTATIONS)
    print(report(score(args.show, expectations_file=expectations, records=args.records)))


if __name__ == "__main__":
    main()
