"""The eligibility rules as a guard: a coded criterion the self-check doubts is written as text instead.

The parser reads most criteria right, and the project rules (eligibility_rules.py) read the verbatim text
again on their own: "A or B" between thresholds, a subgroup's or an earlier time's threshold. Where the
rules find a coded characteristic that such a text does not support, the parser misread the criterion, and
the coded value would make a reader who ANDs the characteristics stricter or looser than the text. A wrong
criterion in the EHR is worse than a criterion kept as text, so before a Bundle is written or pushed:

- Group (R4, and R5's, which keeps the same characteristics): each doubted coded characteristic is dropped,
  and its criterion keeps one characteristic with the verbatim text and the logic the rules read
  (eligibility-logic any-of or conditional), as the builder writes a criterion it cannot state; the
  criterion's other coded characteristics stay.
- R5 EvidenceVariable: the doubted criterion's characteristic becomes its verbatim text with that logic.
- The trial's data-quality report gets a warning naming the criterion and what the rules read, so the
  parser's misreading is seen, and counted, rather than silently fixed.

The guard changes nothing where the rules find nothing, which is every fixture record
(tests/validation/test_corpus).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from fhir_adapter.resources import FhirVersion, Json, TrialResources, build_trial_resources
from fhir_adapter.sources import DataQualityIssue, TrialRecord
from fhir_adapter.terms import EXT_ELIGIBILITY_CRITERION, EXT_ELIGIBILITY_LOGIC, Terms
from fhir_adapter.validation.eligibility_rules import Doubt, doubts_in

CRITERIA_FIELD = "protocolSection.eligibilityModule.eligibilityCriteria"


def guarded_resources(trial: TrialRecord, terms: Terms, *, version: FhirVersion) -> TrialResources:
    """Return `trial`'s resources (resources.build_trial_resources) with every doubted criterion as text."""
    return guard(build_trial_resources(trial, terms, version=version))


def guard(built: TrialResources) -> TrialResources:
    """Return `built` with each criterion the eligibility rules doubt kept as text, and a warning for each."""
    group = _resource(built, "Group")
    characteristics = group.get("characteristic", []) if group is not None else []
    doubts = [d for d in doubts_in({"characteristic": characteristics}) if d.logic is not None]
    doubted = _doubted_criteria(characteristics, doubts)
    if not doubted:
        return built
    positions = {d.position for d in doubts}
    resources = tuple(
        replace(item, resource=_guarded(item.resource, doubted, positions)) for item in built.resources
    )
    report = [*built.issues, *(_warning(built.trial, label, doubt) for label, doubt in doubted.items())]
    return replace(built, resources=resources, issues=report)


def _resource(built: TrialResources, resource_type: str) -> Json | None:
    return next((i.resource for i in built.resources if i.key.resource_type == resource_type), None)


def _doubted_criteria(characteristics: list[Json], doubts: list[Doubt]) -> dict[str, Doubt]:
    """Return the first doubt of each written criterion, by its label ("inclusion 4")."""
    doubted: dict[str, Doubt] = {}
    for doubt in doubts:
        label = _label(characteristics[doubt.position])
        if label is not None:
            doubted.setdefault(label, doubt)
    return doubted


def _guarded(resource: Json, doubted: dict[str, Doubt], positions: set[int]) -> Json:
    """`positions`: the Group characteristics the rules doubt themselves (not only their criterion)."""
    kind = resource.get("resourceType")
    if kind == "Group":
        characteristics = _group_characteristics(resource["characteristic"], doubted, positions)
        return {**resource, "characteristic": characteristics}
    if kind == "EvidenceVariable":
        return {**resource, "characteristic": [_variable_top(c, doubted) for c in resource["characteristic"]]}
    return resource


def _group_characteristics(
    characteristics: list[Json], doubted: dict[str, Doubt], positions: set[int]
) -> list[Json]:
    """Drop the doubted coded characteristics and a doubted criterion's text characteristic; write one text
    characteristic with the logic the rules read where the criterion's first characteristic was."""
    kept: list[Json] = []
    written: set[str] = set()
    for index, characteristic in enumerate(characteristics):
        label = _label(characteristic)
        doubt = doubted.get(label) if label is not None else None
        if doubt is None or label is None:
            kept.append(characteristic)
            continue
        if label not in written:
            kept.append(_text_characteristic(characteristic, label, doubt.logic or ""))
            written.add(label)
        if _is_coded(characteristic) and index not in positions:
            kept.append(characteristic)  # a fact of the criterion that holds for everyone: the rules agree
    return kept


def _text_characteristic(source: Json, label: str, logic: str) -> Json:
    return {
        "extension": [
            {"url": EXT_ELIGIBILITY_CRITERION, "valueString": label},
            {"url": EXT_ELIGIBILITY_LOGIC, "valueCode": logic},
        ],
        "code": {"text": source["code"]["text"]},
        "valueBoolean": True,
        "exclude": source.get("exclude", False),
    }


def _variable_top(characteristic: Json, doubted: dict[str, Doubt]) -> Json:
    """The EvidenceVariable's "all of the following" holds one characteristic per criterion (linkId)."""
    inner = characteristic.get("definitionByCombination", {}).get("characteristic")
    if inner is None:
        return characteristic
    items = _variable_items(inner, doubted)
    combination = {**characteristic["definitionByCombination"], "characteristic": items}
    return {**characteristic, "definitionByCombination": combination}


def _variable_items(items: Iterable[Json], doubted: dict[str, Doubt]) -> list[Json]:
    guarded: list[Json] = []
    for item in items:
        doubt = doubted.get(str(item.get("linkId", "")).replace("-", " ", 1))
        if doubt is None:
            guarded.append(item)
            continue
        guarded.append(
            {
                "extension": [{"url": EXT_ELIGIBILITY_LOGIC, "valueCode": doubt.logic}],
                "linkId": item["linkId"],
                "description": item["description"],
                "exclude": item.get("exclude", False),
                "definitionCodeableConcept": {"text": item["description"]},
            }
        )
    return guarded


def _label(characteristic: Json) -> str | None:
    for extension in characteristic.get("extension", []):
        if extension.get("url") == EXT_ELIGIBILITY_CRITERION:
            value: Any = extension.get("valueString")
            return value if isinstance(value, str) else None
    return None


def _is_coded(characteristic: Json) -> bool:
    return bool(characteristic.get("code", {}).get("coding"))


def _warning(trial: TrialRecord, label: str, doubt: Doubt) -> DataQualityIssue:
    return DataQualityIssue(
        trial.nct_id,
        CRITERIA_FIELD,
        f"{label.replace(' ', ' criterion ', 1)}: coded by the parser, kept as text ({doubt.logic}) because "
        f"the self-check reads otherwise: {doubt.message.split(';')[0]}",
        severity="warning",
    )
