"""What differs between FHIR R4 (4.0.1) and R5 (5.0.0) in what fhir-adapter writes, in one place.

Every builder is written once and asks this module where the versions part:

- `CROSS_VERSION`: the R5 elements R4 has no element for. A builder makes their R5 value once; in R5 it is the
  element, in R4 `cross_version_extension` turns the same value into HL7's cross-version extension
  (`http://hl7.org/fhir/5.0/StructureDefinition/extension-<Resource>.<element>`): a primitive as its
  `value[x]`, a backbone element as a complex extension with one sub-extension per child, named and typed
  as in R5 (the types below are R5's, from ResearchStudy's StructureDefinition in hl7.fhir.r5.core 5.0.0).
- `R5_CODE_SYSTEMS`: code systems R5 moved back into the core (same codes and displays): an R4 coding from
  the left system is written in the right one in R5 (`coding_for`).
- Elements renamed or reshaped between the versions are branched at the element in their builder, each
  with a comment naming this module; the list is in `RESHAPED`, for readers and the tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from fhir_adapter.resources.common import FhirVersion, Json, compact
from fhir_adapter.terms import R5_EXTENSION_BASE

R4 = FhirVersion.R4
R5 = FhirVersion.R5

# R5 element -> its children's R5 types (a primitive element: its own type under ""). Adding an R5-only
# element that R4 should also carry is one row here plus the element's place in its builder's R5 order.
CROSS_VERSION: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "ResearchStudy.label": {"type": "CodeableConcept", "value": "String"},
        "ResearchStudy.date": {"": "DateTime"},
        "ResearchStudy.classifier": {"": "CodeableConcept"},
        "ResearchStudy.progressStatus": {"state": "CodeableConcept", "actual": "Boolean", "period": "Period"},
        "ResearchStudy.recruitment": {
            "targetNumber": "UnsignedInt",
            "actualNumber": "UnsignedInt",
            "eligibility": "Reference",
            "actualGroup": "Reference",
        },
        "ResearchStudy.associatedParty": {
            "name": "String",
            "role": "CodeableConcept",
            "period": "Period",
            "classifier": "CodeableConcept",
            "party": "Reference",
        },
        "ResearchStudy.outcomeMeasure": {
            "name": "String",
            "type": "CodeableConcept",
            "description": "Markdown",
            "reference": "Reference",
        },
        "Group.description": {"": "Markdown"},
    }
)

R5_CODE_SYSTEMS: Mapping[str, str] = MappingProxyType(
    {
        "http://terminology.hl7.org/CodeSystem/research-study-phase": "http://hl7.org/fhir/research-study-phase",
        "http://terminology.hl7.org/CodeSystem/research-study-prim-purp-type": (
            "http://hl7.org/fhir/research-study-prim-purp-type"
        ),
        "http://terminology.hl7.org/CodeSystem/research-study-objective-type": (
            "http://hl7.org/fhir/research-study-objective-type"
        ),
    }
)

# R4 element -> R5 element (or what R5 does instead), for every element a builder branches on.
RESHAPED: Mapping[str, str] = MappingProxyType(
    {
        "ResearchStudy.status": "ResearchStudy.progressStatus (status is the record's publication status)",
        "ResearchStudy.category": "ResearchStudy.studyDesign",
        "ResearchStudy.focus": "ResearchStudy.focus as CodeableReference.concept",
        "ResearchStudy.contact": "ResearchStudy.associatedParty (recruitment-contact); phones: R4 extension",
        "ResearchStudy.location": "ResearchStudy.region",
        "ResearchStudy.description": "ResearchStudy.descriptionSummary (brief) and description (detailed)",
        "ResearchStudy.enrollment": "ResearchStudy.recruitment.eligibility (the EvidenceVariable)",
        "ResearchStudy.sponsor": "ResearchStudy.associatedParty (lead-sponsor)",
        "ResearchStudy.principalInvestigator": "ResearchStudy.associatedParty (primary-investigator)",
        "ResearchStudy.reasonStopped": "ResearchStudy.whyStopped",
        "ResearchStudy.arm": "ResearchStudy.comparisonGroup (linkId, intendedExposure)",
        "ResearchStudy.objective": "ResearchStudy.outcomeMeasure (CT.gov outcomes are measures, not goals)",
        "RelatedArtifact.url": "RelatedArtifact.document.url",
        "Location.telecom": "Location.contact.telecom",
        "PractitionerRole.telecom": "PractitionerRole.contact.telecom",
        "Group.actual": "Group.membership",
        "PlanDefinition.action.relatedAction.actionId": "PlanDefinition.action.relatedAction.targetId",
    }
)


# Element path -> its R5 name, where only the name changed. Repeating nested actions count as `action`.
R5_RENAMES: Mapping[str, str] = MappingProxyType({"PlanDefinition.action.relatedAction.actionId": "targetId"})


def renamed_for(resource: Json, version: FhirVersion) -> Json:
    """Return `resource` with the elements of R5_RENAMES renamed when `version` is R5 (key order kept).

    >>> plan = {"resourceType": "PlanDefinition", "action": [{"action": [{"relatedAction": [
    ...     {"actionId": "a1", "relationship": "after-end"}]}]}]}
    >>> renamed_for(plan, FhirVersion.R5)["action"][0]["action"][0]["relatedAction"]
    [{'targetId': 'a1', 'relationship': 'after-end'}]
    """
    if version is R4:
        return resource
    renamed: Json = _renamed(resource, str(resource.get("resourceType")))
    return renamed


def _renamed(value: Any, path: str) -> Any:
    if isinstance(value, list):
        return [_renamed(item, path) for item in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, child in value.items():
        child_path = path if key == "action" and path.endswith(".action") else f"{path}.{key}"
        out[R5_RENAMES.get(child_path, key)] = _renamed(child, child_path)
    return out


def cross_version_extension(element: str, value: Any) -> Json:
    """Return R5 element `element`'s `value` (one item of a repeating element) as HL7's R4 extension.

    >>> cross_version_extension("ResearchStudy.date", "2024-01-02")["valueDateTime"]
    '2024-01-02'
    >>> [e["url"] for e in cross_version_extension("ResearchStudy.label", {"value": "X"})["extension"]]
    ['value']
    """
    types = CROSS_VERSION[element]
    url = f"{R5_EXTENSION_BASE}{element}"
    if "" in types:
        return {"url": url, f"value{types['']}": value}
    children = []
    for name, child in value.items():
        for item in child if isinstance(child, list) else [child]:
            children.append(compact({"url": name, f"value{types[name]}": item}))
    return {"url": url, "extension": children}


def coding_for(coding: dict[str, str], version: FhirVersion) -> dict[str, str]:
    """Return `coding` in the code system `version` defines it in (R5 moved some back from terminology).

    >>> coding_for({"system": "http://terminology.hl7.org/CodeSystem/research-study-phase", "code": "n-a"},
    ...            FhirVersion.R5)["system"]
    'http://hl7.org/fhir/research-study-phase'
    """
    system = R5_CODE_SYSTEMS.get(coding.get("system", "")) if version is R5 else None
    return {**coding, "system": system} if system else coding


def concept_for(concept: Json | None, version: FhirVersion) -> Json | None:
    """Return a CodeableConcept with each coding in `version`'s code system (`coding_for`)."""
    if concept is None or version is R4 or "coding" not in concept:
        return concept
    return {**concept, "coding": [coding_for(c, version) for c in concept["coding"]]}
