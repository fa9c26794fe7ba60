"""R5 EvidenceVariable stating who may enrol, exactly, after the EBM IG's StudyEligibilityCriteria pattern.

One characteristic combines the whole set (`definitionByCombination` all-of); in it, the structured fields
(age, sex, healthy volunteers) as the Group states them, then one characteristic per written criterion
(`linkId` "inclusion-3", its verbatim text as `description`, `exclude` for an exclusion criterion). A
criterion's recognised facts are `definitionByTypeAndValue` (LOINC/SNOMED type, UCUM Quantity or Range, the
method when stated), coded exactly as the Group codes them (criteria_characteristics.py):

- all-of: one fact is the criterion's definition, several are an all-of combination; an exclusion's facts
  are an any-of combination under `exclude` (excluding A and excluding B is excluding "A or B", which is how
  the Group states them);
- an inclusion "A or B" of different measures: `any-of` over A and B (R4 keeps it as text);
- a threshold for a subgroup, with the threshold for everyone else ("ECOG 0-2 (0-3 for participants >= 60
  to 74 years)"), or thresholds for subgroups that are each other's complement ("ALT <= 2.5x ULN without
  liver metastases, <= 5x ULN with"): `any-of` over the general threshold and, per subgroup, an `all-of`
  of the subgroup (its words, as the parser read them) and its threshold (R4 keeps it as text).

What the parser's result cannot state exactly stays text as in R4 (the verbatim criterion as
`definitionCodeableConcept.text`, with the eligibility-logic extension): alternatives of one measure, a
single alternative beside words, conditions that repeat or do not cover everyone, exclusions with conditions.
Nothing is ever stated stricter or looser than the criterion.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from fhir_adapter.resources.common import Json, ResourceKey, compact
from fhir_adapter.resources.criteria_characteristics import (
    EXT_LOGIC,
    fact_coding,
    fact_value,
    is_held_by_logic,
)
from fhir_adapter.resources.group import structured_characteristics
from fhir_adapter.sources import TrialRecord
from fhir_adapter.terms import Terms
from fhir_adapter.text import ALL_OF, ANY_OF, EXCLUSION, INCLUSION, Criterion, Fact, parse_criteria

_OR = re.compile(r"\bor\b", re.IGNORECASE)
VALUE_KEYS = ("valueCodeableConcept", "valueBoolean", "valueQuantity", "valueRange")


def build_eligibility_variable(trial: TrialRecord, key: ResourceKey, terms: Terms) -> Json:
    """Return the EvidenceVariable of who may enrol in `trial` (R5 only). Findings are the Group's."""
    structured = [_from_group(c) for c in structured_characteristics(trial, terms, [])]
    criteria = [_criterion(c, terms) for c in parse_criteria(trial.eligibility.criteria or "")]
    members = structured + criteria
    return compact(
        {
            "resourceType": "EvidenceVariable",
            "identifier": [key.identifier()],
            "title": f"Eligibility criteria of {trial.nct_id}",
            "status": "active",
            "description": trial.eligibility.criteria,
            "characteristic": [
                {
                    "description": f"Who may enrol in {trial.nct_id}: all of the following",
                    "definitionByCombination": {"code": ALL_OF, "characteristic": members},
                }
            ]
            if members
            else None,
        }
    )


def _from_group(characteristic: Json) -> Json:
    """Return a Group characteristic (age, sex, healthy volunteers) as an EvidenceVariable one."""
    code = characteristic["code"]
    [value_key] = [k for k in VALUE_KEYS if k in characteristic]
    return {
        "description": code["text"],
        "exclude": characteristic["exclude"],
        "definitionByTypeAndValue": {
            "type": {"coding": code["coding"]},
            value_key: characteristic[value_key],
        },
    }


def r5_statement(criterion: Criterion, terms: Terms) -> str | None:
    """Return how the EvidenceVariable states an "A or B" or subgroup criterion, for people (`criteria`
    command); None for a criterion whose facts all hold for everyone."""
    if criterion.logic == ALL_OF:
        return None
    found = _walk(_criterion(criterion, terms))
    if any("extension" in c for c in found):  # the eligibility-logic marker of a criterion kept as text
        return f"kept as text ({criterion.logic}), as in R4"
    return f"exact: any-of ({criterion.logic}), each alternative coded"


def _walk(characteristic: Json) -> list[Json]:
    inner = characteristic.get("definitionByCombination", {}).get("characteristic", [])
    return [characteristic, *(c for i in inner for c in _walk(i))]


def _criterion(criterion: Criterion, terms: Terms) -> Json:
    exclusion = criterion.section == EXCLUSION
    held = [f for f in criterion.facts if is_held_by_logic(criterion, f)]
    coded = [c for f in criterion.facts if f not in held and (c := _fact(criterion, f, terms))]
    free_kinds = {f.kind for f in criterion.facts if f not in held}
    logic = _logic(criterion, held, free_kinds, terms) if criterion.logic != ALL_OF else None
    parts = [*coded, logic] if logic else coded
    if criterion.logic != ALL_OF and logic is None and (held or not coded):
        parts = [*coded, _text(criterion, criterion.logic)]  # as R4: the criterion's text, not exact
    definition = (
        _combined(parts, ANY_OF if exclusion else ALL_OF)
        if parts
        else {"definitionCodeableConcept": {"text": criterion.full_text}}
    )
    return _ordered(
        {
            "linkId": f"{criterion.section}-{criterion.index}",
            "description": criterion.full_text,
            "exclude": exclusion,
            **definition,
        }
    )


# EvidenceVariable.characteristic's element order in R5 (the definition[x] choices come last).
_ORDER = {name: index for index, name in enumerate(("extension", "linkId", "description", "note", "exclude"))}


def _ordered(characteristic: Json) -> Json:
    """Return a characteristic with its keys in R5's element order."""
    return dict(sorted(characteristic.items(), key=lambda item: _ORDER.get(item[0], len(_ORDER))))


def _combined(parts: Sequence[Json], code: str) -> Json:
    """Return the definition of one part as it is, of several as a combination."""
    if len(parts) == 1:
        return {k: v for k, v in parts[0].items() if k.startswith("definition") or k == "extension"}
    return {"definitionByCombination": {"code": code, "characteristic": list(parts)}}


def _fact(criterion: Criterion, fact: Fact, terms: Terms) -> Json | None:
    value = fact_value(criterion, fact)
    if value is None:
        return None
    method = [{"text": fact.method}] if fact.method else None
    typed = compact({"type": {"coding": [fact_coding(fact, terms)]}, "method": method, **value})
    return {"description": fact.phrase, "definitionByTypeAndValue": typed}


def _text(criterion: Criterion, logic: str) -> Json:
    return {
        "extension": [{"url": EXT_LOGIC, "valueCode": logic}],
        "description": criterion.full_text,
        "definitionCodeableConcept": {"text": criterion.full_text},
    }


def _logic(criterion: Criterion, held: list[Fact], free_kinds: set[str], terms: Terms) -> Json | None:
    """Return the exact combination of an inclusion criterion's alternatives or conditional thresholds,
    or None when the parser's result cannot state it exactly (see the module docstring)."""
    if criterion.section != INCLUSION or not held or free_kinds & {f.kind for f in held}:
        return None  # a measure both held and stated for everyone: which threshold holds for whom is unsure
    facts = [(f, c) for f in held if (c := _fact(criterion, f, terms))]
    if len(facts) < len(held):
        return None
    general, groups = _split(criterion, facts)
    if any(not _distinct_measures(group) for group in (general, *groups.values())):
        return None  # two thresholds of one measure side by side: one of them is another group's
    if not groups:
        # Alternatives: exact when there are two or more and as many as the text's "or"s say (one coded
        # alternative beside words, or a third one the parser did not read, would make it stricter).
        alternatives = len(_OR.findall(criterion.full_text)) + 1
        return _any_of(criterion, [c for _, c in general]) if len(general) == alternatives >= 2 else None
    if not general and len(groups) < 2:
        return None  # a subgroup's threshold alone: what holds for everyone else is not stated
    options = (
        [{"description": _phrases(general), **_combined([c for _, c in general], ALL_OF)}] if general else []
    )
    for thresholds in groups.values():
        clause = _clause(criterion, thresholds[0][0], facts)
        subgroup = {"description": clause, "definitionCodeableConcept": {"text": clause}}
        both = _combined([subgroup, *(c for _, c in thresholds)], ALL_OF)
        options.append({"description": clause, **both})
    return _any_of(criterion, options)


def _split(
    criterion: Criterion, facts: list[tuple[Fact, Json]]
) -> tuple[list[tuple[Fact, Json]], dict[str, list[tuple[Fact, Json]]]]:
    """Return the thresholds for everyone and, by condition, the subgroups' thresholds.

    The parser gives a parenthesised or trailing subgroup's condition to both thresholds of a measure
    ("ECOG 0-2 (0 to 3 for participants >= 60 to 74 years)"): when the condition is written after the first
    of the two, the first is the threshold for everyone else.
    """
    general = [(f, c) for f, c in facts if f.condition is None]
    groups: dict[str, list[tuple[Fact, Json]]] = {}
    for fact, characteristic in facts:
        if fact.condition is not None:
            groups.setdefault(fact.condition, []).append((fact, characteristic))
    text = criterion.full_text
    for condition, members in list(groups.items()):
        kinds = [f.kind for f, _ in members]
        first = members[0][0]
        if len(members) == 2 and len(set(kinds)) == 1 and -1 < text.find(first.phrase) < text.find(condition):
            general.append(members.pop(0))
    return general, groups


def _clause(criterion: Criterion, fact: Fact, facts: list[tuple[Fact, Json]]) -> str:
    """Return the words of a subgroup's alternative: from its threshold (or its condition) to the next
    threshold's words or the end, so a requirement the parser did not code stays in the text."""
    text = criterion.full_text
    start = text.find(fact.phrase)
    if start < 0:
        start = max(text.find(fact.condition or ""), 0)
    later = [i for f, _ in facts if (i := text.find(f.phrase, start + 1)) > start and f is not fact]
    return text[start : min(later, default=len(text))].strip(" ;,") or text


def _distinct_measures(facts: list[tuple[Fact, Json]]) -> bool:
    kinds = [f.kind for f, _ in facts]
    return len(set(kinds)) == len(kinds)


def _any_of(criterion: Criterion, options: list[Json]) -> Json:
    return {
        "description": criterion.full_text,
        "definitionByCombination": {"code": ANY_OF, "characteristic": options},
    }


def _phrases(facts: list[tuple[Fact, Json]]) -> str:
    return "; ".join(f.phrase for f, _ in facts)
