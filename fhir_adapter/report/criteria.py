"""The eligibility criteria as the page shows them: one row per criterion, its facts, codes and logic.

Three things the converter makes, read together, never re-parsed differently:
- the criteria parser's result (`text.parse_criteria`, the call the Group builder makes): each criterion's
  verbatim text, the facts read in it (with the words they were read from, their condition and whether they
  are one side of an "or") and how they combine;
- the R4 eligibility Group, as the screening reads it (`screening.trial_from_group`): which criteria R4
  codes, which it keeps as text, and the structured fields (age, sex, healthy volunteers);
- the R5 EvidenceVariable, which codes an inclusion "A or B" and a subgroup's threshold exactly where R4
  keeps the text: each coded fact's code and value, found by its words (`description`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fhir_adapter.report.dosage import number
from fhir_adapter.resources import Json
from fhir_adapter.screening import Characteristic, ScreeningTrial
from fhir_adapter.screening import Criterion as GroupCriterion
from fhir_adapter.terms import CHARACTERISTIC_SYSTEM, LOINC_SYSTEM, PROJECT_BASE, SNOMED_SYSTEM, UCUM_SYSTEM
from fhir_adapter.text import ALL_OF, ANY_OF, Criterion, Fact

EXT_LOGIC_SUFFIX = "/StructureDefinition/eligibility-logic"
SYSTEM_NAMES = {
    LOINC_SYSTEM: "LOINC",
    SNOMED_SYSTEM: "SNOMED CT",
    UCUM_SYSTEM: "UCUM",
}
# Our own CodeSystem, under whatever identifier base the resources were built with.
OWN_SYSTEM_PATH = CHARACTERISTIC_SYSTEM.removeprefix(PROJECT_BASE)
COMPARATORS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}
VALUE_KEYS = ("valueQuantity", "valueRange", "valueBoolean", "valueCodeableConcept")


@dataclass(frozen=True)
class Coding:
    """A code as the resources carry it: system, code and display."""

    system: str
    code: str
    display: str | None = None

    @property
    def system_name(self) -> str:
        """Return 'LOINC', 'SNOMED CT', 'fhir-adapter' (our own CodeSystem) or the system's URL."""
        if self.system.endswith(OWN_SYSTEM_PATH):
            return "fhir-adapter"
        return SYSTEM_NAMES.get(self.system, self.system)


@dataclass(frozen=True)
class TypedFact:
    """A coded fact of the EvidenceVariable: its words (`description`), code and value[x]."""

    description: str
    coding: Coding
    value: Mapping[str, Any]
    condition: str | None = None


@dataclass(frozen=True)
class FactView:
    """One fact of a criterion: the words it was read from, its value, its code (None: not coded)."""

    phrase: str | None
    value: str | None
    coding: Coding | None
    condition: str | None = None
    held: bool = False  # one side of an "or", or a subgroup's threshold: not for everyone on its own
    unclear: bool = False  # a measure and a number without a comparator or unit: not a threshold


@dataclass(frozen=True)
class CriterionRow:
    """One criterion (or structured field) with its facts; `label` is the screening's ("inclusion 4").

    `r4` says how the R4 Group states it: 'coded', 'partly text' or 'text'. `r5_exact` is whether the R5
    EvidenceVariable states an "A or B" or conditional criterion exactly (None for the others).
    """

    label: str
    section: str
    text: str
    logic: str
    facts: tuple[FactView, ...]
    r4: str
    r5_exact: bool | None = None


def criterion_rows(
    group: ScreeningTrial, parsed: Sequence[Criterion], variable: Mapping[str, Any] | None
) -> tuple[CriterionRow, ...]:
    """Return a row per criterion of the Group, in its order, each with its parsed facts and codes."""
    by_label = {f"{c.section} {c.index}": c for c in parsed}
    stated = _variable_criteria(variable)
    rows = []
    for criterion in group.criteria:
        written = by_label.get(criterion.label)
        if written is None:
            rows.append(_structured_row(criterion))
        else:
            rows.append(_written_row(criterion, written, stated.get(criterion.label.replace(" ", "-"))))
    return tuple(rows)


def _structured_row(criterion: GroupCriterion) -> CriterionRow:
    """Return a row for age, sex or healthy volunteers: coded by the Group from CT.gov's fields."""
    facts = tuple(FactView(None, value_text(c.value), _first_coding(c)) for c in criterion.characteristics)
    return CriterionRow(
        criterion.label, criterion.section, criterion.text, ALL_OF, facts, r4_state(criterion)
    )


def _written_row(
    criterion: GroupCriterion, written: Criterion, statement: Mapping[str, Any] | None
) -> CriterionRow:
    typed = list(_typed_facts(statement)) if statement else _group_facts(criterion)
    facts = (
        *(_fact_view(fact, _take_coding(fact, typed)) for fact in written.facts),
        *(FactView(u.phrase, None, None, unclear=True) for u in written.unclear),
    )
    exact = None if written.logic == ALL_OF or statement is None else not _kept_as_text(statement)
    return CriterionRow(
        criterion.label, written.section, written.full_text, written.logic, facts, r4_state(criterion), exact
    )


def _group_facts(criterion: GroupCriterion) -> list[TypedFact]:
    """Return the R4 Group's coded characteristics of a criterion (no words: matched by value), for when
    there is no EvidenceVariable to read."""
    return [
        TypedFact("", coding, c.value)
        for c in criterion.characteristics
        if c.logic is None and (coding := _first_coding(c)) is not None
    ]


def _take_coding(fact: Fact, typed: list[TypedFact]) -> TypedFact | None:
    """Return (and take from `typed`) the coded fact stating `fact`: the one described by its words, else
    the first stating its value (a criterion of one fact carries the whole criterion as description)."""
    found = next((t for t in typed if t.description == fact.phrase), None)
    found = found or next((t for t in typed if _states(t.value, fact)), None)
    if found is not None:
        typed.remove(found)
    return found


def _states(value: Mapping[str, Any], fact: Fact) -> bool:
    """Return True when a characteristic's value[x] is the value `fact` states."""
    if "valueQuantity" in value:
        quantity = value["valueQuantity"]
        return bool(quantity.get("value") == fact.value and quantity.get("comparator") == fact.comparator)
    if "valueRange" in value:
        span = value["valueRange"]
        low, high = (span.get("low") or {}).get("value"), (span.get("high") or {}).get("value")
        return bool(low == fact.low and high == fact.high)
    return "valueBoolean" in value and not fact.is_threshold


def _fact_view(fact: Fact, coded: TypedFact | None) -> FactView:
    """Return a fact as shown: coded as the EvidenceVariable codes it (with the subgroup it states), or as
    the parser read it."""
    held = fact.alternative or fact.condition is not None
    if coded is None:
        return FactView(fact.phrase, parsed_value(fact), None, fact.condition, held)
    return FactView(fact.phrase, value_text(coded.value), coded.coding, coded.condition, held)


def r4_state(criterion: GroupCriterion) -> str:
    """Return how the R4 Group states a criterion: 'coded', 'partly text' or 'text'."""
    coded = [c.logic is None and bool(c.codes) for c in criterion.characteristics]
    if all(coded):
        return "coded"
    return "partly text" if any(coded) else "text"


def _variable_criteria(variable: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    """Return the EvidenceVariable's criterion characteristics by linkId ("inclusion-4")."""
    if not variable:
        return {}
    top: Json = next(iter(variable.get("characteristic") or []), {})
    members = (top.get("definitionByCombination") or {}).get("characteristic") or []
    return {str(m["linkId"]): m for m in members if isinstance(m, dict) and m.get("linkId")}


def _walk(characteristic: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield characteristic
    for inner in (characteristic.get("definitionByCombination") or {}).get("characteristic") or []:
        if isinstance(inner, dict):
            yield from _walk(inner)


def _typed_facts(item: Mapping[str, Any], condition: str | None = None) -> Iterator[TypedFact]:
    """Yield each coded fact (definitionByTypeAndValue) of an EvidenceVariable criterion, with the words of
    the subgroup it holds for: the text member of the all-of combination it is in (R5's way of saying
    "for participants 60 to 74 years: ECOG 0-3")."""
    typed = item.get("definitionByTypeAndValue")
    codings = (typed.get("type") or {}).get("coding") or [] if isinstance(typed, dict) else []
    if isinstance(typed, dict) and codings and isinstance(codings[0], dict):
        first = codings[0]
        coding = Coding(str(first.get("system", "")), str(first.get("code", "")), first.get("display"))
        value = {k: typed[k] for k in VALUE_KEYS if k in typed}
        yield TypedFact(str(item.get("description") or ""), coding, value, condition)
    combination = item.get("definitionByCombination") or {}
    members = [m for m in combination.get("characteristic") or [] if isinstance(m, dict)]
    subgroup = next(
        (
            str(m.get("description"))
            for m in members
            if "definitionCodeableConcept" in m and "extension" not in m
        ),
        None,
    )
    for member in members:
        yield from _typed_facts(
            member, subgroup if combination.get("code") == ALL_OF and subgroup else condition
        )


def _kept_as_text(statement: Mapping[str, Any]) -> bool:
    """Return True when the EvidenceVariable keeps the criterion as text (the eligibility-logic marker)."""
    return any(
        str(e.get("url", "")).endswith(EXT_LOGIC_SUFFIX)
        for item in _walk(statement)
        for e in item.get("extension") or []
        if isinstance(e, dict)
    )


def _first_coding(characteristic: Characteristic) -> Coding | None:
    if not characteristic.codes:
        return None
    system, code = characteristic.codes[0]
    return Coding(system, code, characteristic.code_display)


def value_text(holder: Mapping[str, Any]) -> str | None:
    """Return a characteristic's value[x] as a person reads it.

    >>> value_text({"valueQuantity": {"comparator": ">=", "value": 100, "unit": "10^9/L"}})
    '≥ 100 10^9/L'
    >>> value_text({"valueRange": {"low": {"value": 18, "unit": "years"}}})
    '≥ 18 years'
    >>> value_text({"valueRange": {"low": {"value": 0, "unit": "d"}, "high": {"value": 2, "unit": "d"}}})
    '0–2 d'
    >>> value_text({"valueBoolean": True}), value_text({"valueBoolean": False})
    ('present', 'absent')
    """
    if "valueQuantity" in holder:
        quantity = holder["valueQuantity"]
        comparator = COMPARATORS.get(str(quantity.get("comparator")), "=")
        return f"{comparator} {number(quantity.get('value'))} {_unit(quantity)}".strip()
    if "valueRange" in holder:
        return _range_text(holder["valueRange"])
    if "valueBoolean" in holder:
        return "present" if holder["valueBoolean"] else "absent"
    concept = holder.get("valueCodeableConcept")
    if isinstance(concept, dict):
        codings = [c for c in concept.get("coding") or [] if isinstance(c, dict)]
        return str(concept.get("text") or next((c.get("display") or c.get("code") for c in codings), ""))
    return None


def _range_text(span: Mapping[str, Any]) -> str:
    low, high = span.get("low"), span.get("high")
    if low and high:
        return f"{number(low.get('value'))}–{number(high.get('value'))} {_unit(high)}".strip()
    if low:
        return f"≥ {number(low.get('value'))} {_unit(low)}".strip()
    return f"≤ {number((high or {}).get('value'))} {_unit(high or {})}".strip()


def _unit(quantity: Mapping[str, Any]) -> str:
    return str(quantity.get("unit") or quantity.get("code") or "")


def parsed_value(fact: Fact) -> str | None:
    """Return a fact's value as the parser read it (for a fact no resource codes).

    >>> parsed_value(Fact("m_protein", "M protein ≥ 5 g/L", ">=", 5.0, unit="g/L"))
    '≥ 5 g/L'
    >>> parsed_value(Fact("hiv", "HIV")) is None
    True
    """
    unit = f" {fact.unit}" if fact.unit else ""
    if fact.low is not None and fact.high is not None:
        return f"{number(fact.low)}–{number(fact.high)}{unit}"
    if fact.comparator is not None and fact.value is not None:
        return f"{COMPARATORS.get(fact.comparator, fact.comparator)} {number(fact.value)}{unit}"
    return None


def combination_text(row: CriterionRow) -> str:
    """Return how a criterion's facts combine, in words, and how R4 and R5 state that."""
    if row.logic == ANY_OF:
        words = "any of: the alternatives joined by “or”, one is enough"
    elif row.logic == ALL_OF:
        return "all of" if len(row.facts) > 1 else ""
    else:
        words = "conditional: a threshold holds only under its condition"
    r5 = {True: "R5 EvidenceVariable states it exactly", False: "R5 keeps it as text too", None: ""}
    return "; ".join(part for part in (words, f"R4 Group: {row.r4}", r5[row.r5_exact]) if part)
