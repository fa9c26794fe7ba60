"""Score the regimen parser against the hand-checked expectations: (drug, dose, unit), days of the cycle,
and how often a dose is given.

    python -m benchmarks.regimen_accuracy [--show] [--expectations FILE] [--strict-doses]

FILE defaults to tests/text/expectations/regimen.json (the set the parser was tuned on);
regimen_holdout.json holds records written blind after the parser, to measure it on text it has not seen.

Per arm, a parsed dose matches an expected one when the drug names meet (a normalized name or alias on
either side) and value, high value and UCUM unit agree; parsed days match when the drug names meet and the
day lists are equal. Each expected item matches at most once. Units go through mappings/dose-unit-ucum.json,
as the builders use them; the expectation files write a target AUC as unit "AUC", which is UCUM
mg/mL.min, and cell counts, international units and volumes as {cells}, [iU] and mL.

Frequency is scored per dose (drug, value, unit): a daily total ("40 mg/day", expected "per day") is given
once a day, as the builders write it; "once daily at night" is once a day. Expected frequencies written in
other words ("2 consecutive days per week x 3 weeks") are not scored, nor are parsed frequencies of doses
whose expected frequency is such words.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.scoring import PrecisionRecall
from fhir_adapter.resources.plan_definition import plan_arms
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.terms import Terms, load_terms
from fhir_adapter.text import DrugDose, parse_regimen

REPO = Path(__file__).resolve().parent.parent
EXPECTATIONS = REPO / "tests" / "text" / "expectations" / "regimen.json"
HOLDOUT = REPO / "tests" / "text" / "expectations" / "regimen_holdout.json"
# The held-out set 2 lives beside ctgov/ so corpus tests never read it; only the accuracy benchmarks do.
# The tuning records, then every held-out set (fixtures/ctgov-holdout2, -holdout3, ...).
RECORD_FOLDERS = (
    REPO / "fixtures" / "ctgov",
    REPO / "fixtures" / "ctgov-xml",
    *sorted((REPO / "fixtures").glob("ctgov-holdout*")),
)
DRUG_TABLE = "drug-rxnorm"
UNIT_TABLE = "dose-unit-ucum"

Item = tuple[frozenset[str], Any]


@dataclass
class Score(PrecisionRecall):
    def add(self, parsed: list[Item], expected: list[Item]) -> tuple[list[Item], list[Item]]:
        """Count one arm's items; return (wrong parsed items, missed expected items)."""
        open_expected = list(expected)
        wrong = []
        for names, value in parsed:
            match = next((e for e in open_expected if e[1] == value and e[0] & names), None)
            if match is None:
                wrong.append((names, value))
            else:
                open_expected.remove(match)
        self.true_positive += len(parsed) - len(wrong)
        self.false_positive += len(wrong)
        self.false_negative += len(open_expected)
        return wrong, open_expected


@dataclass
class Result:
    records: int = 0
    arms: int = 0
    doses: Score = field(default_factory=Score)
    days: Score = field(default_factory=Score)
    frequency: Score = field(default_factory=Score)


# How the expectation files write a unit -> its UCUM code, where they differ.
EXPECTED_UNITS = {"AUC": "mg/mL.min"}
_TIME_OF_DAY = re.compile(r"\s+(?:at\s+night|at\s+bedtime|in\s+the\s+(?:morning|evening))$")
_EVERY = re.compile(r"every (\d+) (day|week)s")
_FREQUENCY_WORDS = {
    "once daily": (1, 1.0, "d"), "daily": (1, 1.0, "d"), "per day": (1, 1.0, "d"),
    "twice daily": (2, 1.0, "d"), "three times daily": (3, 1.0, "d"), "four times daily": (4, 1.0, "d"),
    "weekly": (1, 1.0, "wk"), "once weekly": (1, 1.0, "wk"), "twice weekly": (2, 1.0, "wk"),
    "once": "once", "single dose": "once", "single infusion": "once", "single injection": "once",
}  # fmt: skip
UNSCORED = "unscored"


def normalized(names: Iterable[str]) -> frozenset[str]:
    """Return names without case, spaces or punctuation: "APG-2575" meets "apg2575"."""
    return frozenset(re.sub(r"[^a-z0-9]", "", n.lower()) for n in names if n)


def ucum(unit: str | None, terms: Terms) -> str | None:
    target = terms.map(UNIT_TABLE, unit) if unit else None
    return target.code if target else unit


def known_drugs(terms: Terms) -> frozenset[str]:
    """Return the ingredient names the builders pass to the parser (the RxNorm table's rows)."""
    return frozenset(terms.tables.get(DRUG_TABLE, {}))


def expected_frequency(written: str | None) -> object:
    """Return what an expected frequency means: (times, period, unit), "once", None, or UNSCORED.

    A period in weeks is counted in days: "every 3 weeks" and "every 21 days" say the same (parsed_frequency
    does the same).

    >>> expected_frequency("per day"), expected_frequency("every 3 weeks"), expected_frequency("once")
    ((1, 1.0, 'd'), (1, 21.0, 'd'), 'once')
    >>> expected_frequency("once daily at night"), expected_frequency("2 consecutive days per week x 3 weeks")
    ((1, 1.0, 'd'), 'unscored')
    """
    if written is None:
        return None
    words = _TIME_OF_DAY.sub("", written.strip().lower())
    every = _EVERY.fullmatch(words)
    if every:
        return in_days((1, float(every.group(1)), "wk" if every.group(2) == "week" else "d"))
    meaning = _FREQUENCY_WORDS.get(words, UNSCORED)
    return in_days(meaning) if isinstance(meaning, tuple) else meaning


def parsed_frequency(drug: DrugDose) -> object:
    """Return what the builders write as the dose's frequency: a daily total is given once a day."""
    frequency = drug.frequency
    if frequency is None:
        return (1, 1.0, "d") if drug.per_day and drug.dose is not None else None
    if frequency.once:
        return "once"
    return in_days((frequency.times, float(frequency.period), frequency.unit))


def in_days(frequency: tuple[int, float, str]) -> tuple[int, float, str]:
    """Return (times, period, unit) with a period in weeks as days: the same schedule, written one way."""
    times, period, unit = frequency
    return (times, period * 7, "d") if unit == "wk" else frequency


def parsed_items(drugs: Iterable[DrugDose], terms: Terms) -> tuple[list[Item], list[Item]]:
    doses = [
        (normalized(d.names), (d.dose, d.dose_high, ucum(d.unit, terms))) for d in drugs if d.dose is not None
    ]
    days = [(normalized(d.names), tuple(d.days)) for d in drugs if d.days]
    return doses, days


def expected_items(drugs: list[dict[str, Any]]) -> tuple[list[Item], list[Item]]:
    doses = [
        (normalized([d["drug"], *d["aliases"]]), (number(d["dose"]), number(d["dose_high"]), unit_of(d)))
        for d in drugs
        if d["dose"] is not None
    ]
    days = [(normalized([d["drug"], *d["aliases"]]), tuple(d["days"])) for d in drugs if d["days"]]
    return doses, days


def frequency_items(
    parsed: Iterable[DrugDose], expected: list[dict[str, Any]], terms: Terms
) -> tuple[list[Item], list[Item]]:
    """Return (parsed, expected) frequency items, (names, (dose, unit, frequency)), of the doses both sides
    state: how often a dose the parser read is given. A dose expected with frequency words the scorer does
    not know (UNSCORED) takes no part."""
    wanted = [
        (
            normalized([d["drug"], *d["aliases"]]),
            (number(d["dose"]), unit_of(d)),
            expected_frequency(d["frequency"]),
        )
        for d in expected
        if d["dose"] is not None
    ]
    got = [
        (normalized(d.names), (d.dose, ucum(d.unit, terms)), parsed_frequency(d)) for d in parsed if d.dose
    ]
    both = [
        (names, dose, frequency)
        for names, dose, frequency in wanted
        if frequency != UNSCORED and any(n & names and d == dose for n, d, _ in got)
    ]
    got_items = [
        (names, (*dose, frequency))
        for names, dose, frequency in got
        if frequency is not None and any(n & names and d == dose for n, d, _ in both)
    ]
    return got_items, [
        (names, (*dose, frequency)) for names, dose, frequency in both if frequency is not None
    ]


def number(value: Any) -> float | None:
    return None if value is None else float(value)


def unit_of(expected: dict[str, Any]) -> str | None:
    unit = expected["unit"]
    return EXPECTED_UNITS.get(unit, unit) if isinstance(unit, str) else None


def record_path(nct_id: str) -> Path:
    """Return the fixture holding `nct_id`: API v2 JSON first, then legacy XML."""
    for folder in RECORD_FOLDERS:
        for path in (folder / f"{nct_id}.json", folder / f"{nct_id}.xml"):
            if path.exists():
                return path
    raise FileNotFoundError(f"{nct_id}: no fixture in {', '.join(str(f) for f in RECORD_FOLDERS)}")


def score(
    show: bool = False,
    *,
    terms: Terms | None = None,
    expectations_file: Path = EXPECTATIONS,
    strict_doses: bool = False,
) -> Result:
    terms = terms or load_terms()
    known = known_drugs(terms)
    expectations = json.loads(expectations_file.read_text(encoding="utf-8"))
    result = Result()
    for nct_id, expected in sorted(expectations.items()):
        if nct_id.startswith("_"):
            continue
        [trial] = list(read_trials([record_path(nct_id)]))
        assert isinstance(trial, TrialRecord), trial
        result.records += 1
        arms = {arm.label: arm for arm in plan_arms(trial)}
        for label, arm_expected in expected["arms"].items():
            regimen = parse_regimen(trial, arms[label], known_drugs=known, strict_doses=strict_doses)
            result.arms += 1
            got_doses, got_days = parsed_items(regimen.drugs, terms)
            want_doses, want_days = expected_items(arm_expected["drugs"])
            got_frequency, want_frequency = frequency_items(regimen.drugs, arm_expected["drugs"], terms)
            misses = (
                result.doses.add(got_doses, want_doses),
                result.days.add(got_days, want_days),
                result.frequency.add(got_frequency, want_frequency),
            )
            if show:
                _show(nct_id, label, misses)
    return result


def _show(nct_id: str, label: str, misses: tuple[tuple[list[Item], list[Item]], ...]) -> None:
    for kind, (wrong, missed) in zip(("dose", "days", "frequency"), misses, strict=True):
        for names, value in wrong:
            print(f"{nct_id} {label!r}: wrong {kind} {sorted(names)} {value}")
        for names, value in missed:
            print(f"{nct_id} {label!r}: missed {kind} {sorted(names)} {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--show", action="store_true", help="print every wrong and missed item")
    parser.add_argument("--expectations", type=Path, default=EXPECTATIONS, help="hand-checked expectations")
    parser.add_argument(
        "--strict-doses", action="store_true", help="withhold doubtful doses (docs/regimen-filter.md)"
    )
    args = parser.parse_args()
    result = score(args.show, expectations_file=args.expectations, strict_doses=args.strict_doses)
    scores = (("(drug, dose, unit)", result.doses), ("days of the cycle", result.days))
    for kind, figures in (*scores, ("frequency of a dose", result.frequency)):
        counts = (
            f"{figures.true_positive} right, {figures.false_positive} wrong, {figures.false_negative} missed"
        )
        print(f"{kind:20s} precision {figures.precision:.3f}  recall {figures.recall:.3f}  ({counts})")
    print(f"{result.records} records, {result.arms} arms")


if __name__ == "__main__":
    main()
