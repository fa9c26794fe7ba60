"""Group characteristics for the written eligibility criteria, in source order (docs/eligibility-r4.md).

R4 Group semantics: a reader ANDs every characteristic; `exclude: true` negates one. So only a fact that
holds for every patient, on its own, is coded (LOINC or SNOMED CT from mappings/criteria-codes.json, a UCUM
Quantity with comparator or a Range), one characteristic per fact, each with the whole verbatim criterion as
`code.text` and the criterion's number in an extension. An exclusion "A or B" gives one coded characteristic
per fact (excluding A and excluding B is excluding "A or B").

What the structure cannot say exactly stays text: an inclusion "A or B" of different facts (eligibility-logic
`any-of`) and a threshold for a subgroup or a past time point (`conditional`) become one characteristic with
the verbatim text and `valueBoolean true`, plus a warning; facts of the same criterion that hold for everyone
(other sub-items, clauses joined by "and") stay coded beside it. A status fact (pregnant, HIV, hepatitis B/C,
breastfeeding) is coded only where its polarity is certain: in an exclusion criterion, or in an inclusion
criterion that says "not" / "negative". Every criterion or fact read but left as text gets an information
finding, so coverage shows per trial.

A `{ULN}` Quantity is a multiple of the upper limit of normal: compare the patient's result divided by the
upper limit of the reference range its laboratory reports with it (Observation.referenceRange.high, same
unit) with the value. It never means the analyte's own unit (README, "Eligibility logic in R4").
"""

from __future__ import annotations

import re

from fhir_adapter.resources.common import Json, compact
from fhir_adapter.sources import DataQualityIssue, QualityReport, TrialRecord
from fhir_adapter.terms import (
    CHARACTERISTIC_SYSTEM,
    EXT_ELIGIBILITY_CRITERION,
    EXT_ELIGIBILITY_LOGIC,
    UCUM_SYSTEM,
    Terms,
)
from fhir_adapter.text import (
    ALL_OF,
    ANY_OF,
    CONDITIONAL,
    EXCLUSION,
    INCLUSION,
    MAX_CRITERIA_CHARS,
    Criterion,
    Fact,
    Unclear,
    parse_eligibility,
)

EXT_CRITERION = EXT_ELIGIBILITY_CRITERION
EXT_LOGIC = EXT_ELIGIBILITY_LOGIC
CRITERIA_FIELD = "protocolSection.eligibilityModule.eligibilityCriteria"
CODE_TABLE = "criteria-codes"
STATUS_KINDS = frozenset({"pregnancy", "breastfeeding", "hiv", "hepatitis_b", "hepatitis_c"})
_NEGATED = re.compile(r"\bnot\b|\bnon-?|\bnegative\b|\bmust not\b|\bno\b", re.IGNORECASE)
# A method-specific clearance code is per minute; a threshold per 1.73 m2 is another quantity.
_PER_AREA_UNITS = frozenset({"mL/min/{1.73_m2}"})

# Human-readable forms of the UCUM codes criteria use; the code itself is what a machine reads.
UNIT_DISPLAY = {
    "10*9/L": "10^9/L",
    "10*3/uL": "10^3/uL",
    "{ULN}": "x ULN",
    "1": "score",
    "a": "years",
    "mo": "months",
    "wk": "weeks",
    "d": "days",
    "mL/min/{1.73_m2}": "mL/min/1.73m2",
    "mg/(24.h)": "mg/24 h",
}


def criteria_characteristics(trial: TrialRecord, terms: Terms, report: QualityReport) -> list[Json]:
    """Return the characteristics for every written criterion of `trial`, reporting what stays text."""
    text = trial.eligibility.criteria
    if not text:
        return []
    if len(text) > MAX_CRITERIA_CHARS:
        report.append(
            _finding(
                trial,
                f"the criteria text has {len(text):,} characters, more than the {MAX_CRITERIA_CHARS:,} the "
                "parser reads: not split into criteria, kept only as the Group's description",
                "warning",
            )
        )
        return []
    characteristics: list[Json] = []
    for criterion in parse_eligibility(trial.eligibility):
        characteristics.extend(_for_criterion(trial, criterion, terms, report))
    return characteristics


def _for_criterion(
    trial: TrialRecord, criterion: Criterion, terms: Terms, report: QualityReport
) -> list[Json]:
    where = f"{criterion.section} criterion {criterion.index}"
    held = [f for f in criterion.facts if _held_by_logic(criterion, f)]
    characteristics: list[Json] = []
    for fact in (f for f in criterion.facts if f not in held):
        coded = _coded(criterion, fact, terms)
        if coded is None:
            report.append(_finding(trial, f"{where}: {fact.phrase!r} read, kept as text: {_why_text(fact)}"))
            continue
        characteristics.append(coded)
        if coded["code"]["coding"][0]["system"] == CHARACTERISTIC_SYSTEM:
            report.append(
                _finding(
                    trial,
                    f"{where}: {fact.phrase!r} coded with the project's own code only: {_why_own_code(fact)}",
                )
            )
    report.extend(
        _finding(trial, f"{where}: {u.phrase!r} {_why_unclear(u)}", "warning") for u in criterion.unclear
    )
    if held or (criterion.logic != ALL_OF and not characteristics):
        logic = CONDITIONAL if criterion.logic == ALL_OF else criterion.logic  # a subgroup's status only
        characteristics.append(_text_characteristic(criterion, logic=logic))
        report.append(_logic_finding(trial, where, criterion, held))
    elif not characteristics:
        characteristics.append(_text_characteristic(criterion))
        report.append(_finding(trial, f"{where}: kept as text: {_why_uncoded(criterion)}"))
    return characteristics


def _held_by_logic(criterion: Criterion, fact: Fact) -> bool:
    """Return True for a fact R4 cannot state alone: a subgroup's threshold, the threshold of the same
    measure for everyone else (it does not hold for the subgroup), a value at another time, an inclusion
    alternative. A status held for a subgroup only ("Patients with T1D:" above "pregnant") is held too:
    coded, it would exclude every pregnant patient."""
    if fact.condition is not None or fact.timing is not None:
        return True
    if not fact.is_threshold:
        return False
    return fact.kind in subgroup_kinds(criterion) or (criterion.section == INCLUSION and fact.alternative)


def subgroup_kinds(criterion: Criterion) -> set[str]:
    """Return the measures of a criterion that have a threshold for a subgroup."""
    return {f.kind for f in criterion.facts if f.condition is not None}


def _logic_finding(
    trial: TrialRecord, where: str, criterion: Criterion, held: list[Fact]
) -> DataQualityIssue:
    thresholds = "; ".join(dict.fromkeys(f"{f.phrase!r}" for f in held))
    if criterion.logic == ANY_OF:
        if not held:
            return _finding(trial, f"{where}: alternatives ('one of', 'or') kept as text, nothing coded")
        return _finding(
            trial,
            f"{where}: alternatives joined by 'or' ({thresholds}) kept as text: R4 Group characteristics all "
            "apply together, so an inclusion 'A or B' is one text characteristic (eligibility-logic any-of)",
            "warning",
        )
    conditions = "; ".join(dict.fromkeys(f"{c!r}" for f in held if (c := f.condition or f.timing)))
    return _finding(
        trial,
        f"{where}: threshold ({thresholds}) holds only for a subgroup or time point ({conditions}): kept as "
        "text (eligibility-logic conditional), not coded as a limit for everyone",
        "warning",
    )


def _why_unclear(unclear: Unclear) -> str:
    if unclear.reason:  # read, but withheld by the parser's confidence gate (text/criteria/confidence.py)
        return f"read but withheld as doubtful: {unclear.reason}; kept as text, not coded"
    return "has no comparator or no unit; kept as text, not coded"


def _why_text(fact: Fact) -> str:
    if fact.kind in STATUS_KINDS:
        return "an inclusion criterion about this status without 'not' or 'negative': its polarity is unsure"
    return "no value R4 can carry"


def _why_own_code(fact: Fact) -> str:
    if fact.kind == "creatinine_clearance" and fact.method is None:
        return "the text does not say how creatinine clearance is measured, and LOINC codes name a method"
    return f"no verified standard code for {fact.measure!r} (mappings/criteria-codes.json)"


def _why_uncoded(criterion: Criterion) -> str:
    if criterion.facts:
        return "its facts could not be coded"
    return "no threshold or status the parser codes"


def _finding(trial: TrialRecord, message: str, severity: str = "information") -> DataQualityIssue:
    return DataQualityIssue(trial.nct_id, CRITERIA_FIELD, message, severity=severity)


def _characteristic(criterion: Criterion, code: Json, value: Json, *, logic: str | None = None) -> Json:
    extensions = [{"url": EXT_CRITERION, "valueString": f"{criterion.section} {criterion.index}"}]
    if logic:
        extensions.append({"url": EXT_LOGIC, "valueCode": logic})
    return {
        "extension": extensions,
        "code": code,
        **value,
        "exclude": criterion.section == EXCLUSION,
    }


def _text_characteristic(criterion: Criterion, *, logic: str | None = None) -> Json:
    return _characteristic(criterion, {"text": criterion.full_text}, {"valueBoolean": True}, logic=logic)


def _coded(criterion: Criterion, fact: Fact, terms: Terms) -> Json | None:
    code = {"coding": [_coding(fact, terms)], "text": criterion.full_text}
    if fact.kind in STATUS_KINDS:
        return _status(criterion, code)
    value = _range(fact) if fact.low is not None else _quantity(fact)
    return _characteristic(criterion, code, value) if value else None


def _coding(fact: Fact, terms: Terms) -> dict[str, str]:
    """Return the standard coding of the fact's measure (with its method when that has a row), else the
    project's own code for the kind."""
    key = fact.measure if fact.unit not in _PER_AREA_UNITS else fact.kind
    target = terms.map(CODE_TABLE, key) if terms.knows(CODE_TABLE, key) else terms.map(CODE_TABLE, fact.kind)
    return (
        target.coding() if target else {"system": CHARACTERISTIC_SYSTEM, "code": fact.kind.replace("_", "-")}
    )


def _status(criterion: Criterion, code: Json) -> Json | None:
    if criterion.section == EXCLUSION:
        return _characteristic(criterion, code, {"valueBoolean": True})
    if _NEGATED.search(criterion.full_text):
        return _characteristic(criterion, code, {"valueBoolean": False})
    return None  # an inclusion criterion about a status without a "not": polarity unknown, keep the text


def _quantity(fact: Fact) -> Json | None:
    if fact.value is None or fact.comparator is None:
        return None
    return {
        "valueQuantity": {"value": _number(fact.value), "comparator": fact.comparator, **_unit(fact.unit)}
    }


def _range(fact: Fact) -> Json:
    bounds = {"low": fact.low, "high": fact.high}
    return {
        "valueRange": compact(
            {name: {"value": _number(v), **_unit(fact.unit)} for name, v in bounds.items() if v is not None}
        )
    }


def _unit(code: str | None) -> Json:
    if code is None:
        return {}
    return {"unit": UNIT_DISPLAY.get(code, code), "system": UCUM_SYSTEM, "code": code}


def _number(value: float) -> int | float:
    """Return whole numbers as int, so 18 is written 18 and not 18.0.

    >>> _number(18.0), _number(1.5)
    (18, 1.5)
    """
    return int(value) if value.is_integer() else value


# What the R5 EvidenceVariable (resources/eligibility_variable.py) shares with the Group: the same coding,
# value and polarity of each fact, so both state the same criteria.
def fact_coding(fact: Fact, terms: Terms) -> dict[str, str]:
    """Return the coding of a fact's measure (see `_coding`)."""
    return _coding(fact, terms)


def fact_value(criterion: Criterion, fact: Fact) -> Json | None:
    """Return a fact's value as the Group states it (`valueQuantity`, `valueRange` or, for a status,
    `valueBoolean`), or None when it has none the Group could carry."""
    if fact.kind in STATUS_KINDS:
        if criterion.section == EXCLUSION:
            return {"valueBoolean": True}
        return {"valueBoolean": False} if _NEGATED.search(criterion.full_text) else None
    return _range(fact) if fact.low is not None else _quantity(fact)


def is_held_by_logic(criterion: Criterion, fact: Fact) -> bool:
    """Return True for a fact R4 cannot state alone (see `_held_by_logic`)."""
    return _held_by_logic(criterion, fact)
