"""Group characteristics for the written eligibility criteria, one or more per criterion, in source order.

A criterion with no recognised fact becomes one characteristic: `code.text` the verbatim criterion,
`valueBoolean true`, `exclude` from its section. A recognised fact becomes a coded characteristic (LOINC or
SNOMED CT from mappings/criteria-codes.json, a UCUM Quantity with comparator or a Range); a criterion stating
several facts ("platelets < 30 x 10^9/L or ANC < 1.0 x 10^9/L") gives one characteristic per fact, each with
the whole verbatim criterion as `code.text` and the criterion's number in an extension, so nothing is lost
and a screening tool can still group them.

A status fact (pregnant, HIV, hepatitis B/C, breastfeeding) is coded only where its polarity is certain: in
an exclusion criterion, or in an inclusion criterion that says "not" / "negative". "HIV-infected patients
are eligible" stays text.
"""

from __future__ import annotations

import re

from fhir_adapter.resources.common import Json, compact
from fhir_adapter.sources import DataQualityIssue, QualityReport, TrialRecord
from fhir_adapter.terms import CHARACTERISTIC_SYSTEM, PROJECT_BASE, UCUM_SYSTEM, Terms
from fhir_adapter.text import EXCLUSION, Criterion, Fact, parse_criteria

EXT_CRITERION = f"{PROJECT_BASE}/StructureDefinition/eligibility-criterion"
CRITERIA_FIELD = "protocolSection.eligibilityModule.eligibilityCriteria"
STATUS_KINDS = frozenset({"pregnancy", "breastfeeding", "hiv", "hepatitis_b", "hepatitis_c"})
_NEGATED = re.compile(r"\bnot\b|\bnon-?|\bnegative\b|\bmust not\b|\bno\b", re.IGNORECASE)

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
}


def criteria_characteristics(trial: TrialRecord, terms: Terms, report: QualityReport) -> list[Json]:
    """Return the characteristics for every written criterion of `trial`, reporting unclear thresholds."""
    text = trial.eligibility.criteria
    if not text:
        return []
    characteristics: list[Json] = []
    for criterion in parse_criteria(text):
        characteristics.extend(_for_criterion(criterion, terms))
        report.extend(
            DataQualityIssue(
                trial.nct_id,
                CRITERIA_FIELD,
                f"{criterion.section} criterion {criterion.index}: {unclear.phrase!r} has no comparator or "
                f"no unit; kept as text, not coded",
            )
            for unclear in criterion.unclear
        )
    return characteristics


def _for_criterion(criterion: Criterion, terms: Terms) -> list[Json]:
    coded = [c for fact in criterion.facts if (c := _coded(criterion, fact, terms))]
    return coded or [_characteristic(criterion, {"text": criterion.full_text}, {"valueBoolean": True})]


def _characteristic(criterion: Criterion, code: Json, value: Json, *, exclude: bool | None = None) -> Json:
    return {
        "extension": [{"url": EXT_CRITERION, "valueString": f"{criterion.section} {criterion.index}"}],
        "code": code,
        **value,
        "exclude": criterion.section == EXCLUSION if exclude is None else exclude,
    }


def _coded(criterion: Criterion, fact: Fact, terms: Terms) -> Json | None:
    target = terms.map("criteria-codes", fact.kind)
    coding = (
        target.coding() if target else {"system": CHARACTERISTIC_SYSTEM, "code": fact.kind.replace("_", "-")}
    )
    code = {"coding": [coding], "text": criterion.full_text}
    if fact.kind in STATUS_KINDS:
        return _status(criterion, code)
    value = _range(fact) if fact.low is not None else _quantity(fact)
    return _characteristic(criterion, code, value) if value else None


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
