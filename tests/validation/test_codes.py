"""fhir-adapter's rule that every code exists in its code system: HL7's (R4, and R5 where R5 is meant), LOINC
by its check digit, SNOMED CT by its Verhoeff check digit and partition, MeSH by NLM's id form."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_adapter.terms import LOINC_SYSTEM, MESH_SYSTEM, SNOMED_SYSTEM
from fhir_adapter.validation import RuleSet, check_resource
from fhir_adapter.validation.codes import code_problem

PHASE = "http://terminology.hl7.org/CodeSystem/research-study-phase"
ARM_TYPE = "http://hl7.org/fhir/research-study-arm-type"  # R5 only
R5_EXTENSION = "http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.associatedParty"


@pytest.mark.parametrize(
    ("system", "code"),
    [
        (LOINC_SYSTEM, "751-8"),
        (LOINC_SYSTEM, "89247-1"),
        (LOINC_SYSTEM, "2160-0"),
        (SNOMED_SYSTEM, "397669002"),
        (SNOMED_SYSTEM, "86406008"),
        (SNOMED_SYSTEM, "169750002"),
        (MESH_SYSTEM, "D001943"),
        (MESH_SYSTEM, "D000067877"),  # a descriptor created after 2015: 10 characters is its form
        (MESH_SYSTEM, "C512352"),
        (PHASE, "phase-1-phase-2"),
        (ARM_TYPE, "other-arm-type"),
        ("http://example.org/local-codes", "anything"),  # a system we cannot check is not judged
    ],
)
def test_codes_that_exist_pass(system: str, code: str) -> None:
    assert code_problem(system, code) is None


@pytest.mark.parametrize(
    ("system", "code", "words"),
    [
        (LOINC_SYSTEM, "751-9", "the check digit of 751 is 8"),
        (LOINC_SYSTEM, "751", "not a LOINC code"),
        (SNOMED_SYSTEM, "397669003", "check digit is wrong"),
        (SNOMED_SYSTEM, "0397669002", "6 to 18 digits"),
        (SNOMED_SYSTEM, "2536219012", "partition 01, not a concept"),  # a description id: check digit fine
        (MESH_SYSTEM, "D000001943", "not NLM's form of this MeSH id: D001943"),
        (MESH_SYSTEM, "Q000097", "not a MeSH descriptor"),
        (PHASE, "phase-1/2", f"not a code of {PHASE} (FHIR R4)"),
        (ARM_TYPE, "other-arm", f"not a code of {ARM_TYPE} (FHIR R5)"),
    ],
)
def test_codes_that_do_not_exist_are_named(system: str, code: str, words: str) -> None:
    problem = code_problem(system, code)
    assert problem is not None and words in problem and repr(code) in problem


def _study(coding: dict[str, str], *, in_r5_extension: bool) -> dict[str, Any]:
    concept = {"coding": [coding]}
    study: dict[str, Any] = {"resourceType": "ResearchStudy", "status": "active"}
    if in_r5_extension:
        study["extension"] = [
            {"url": R5_EXTENSION, "extension": [{"url": "role", "valueCodeableConcept": concept}]}
        ]
    else:
        study["category"] = [concept]
    return study


def test_an_r5_code_counts_inside_an_r5_extension_only() -> None:
    # research-study-status is in R4 and R5; `recruiting` only in R5's, which an R5 extension may use.
    recruiting = {"system": "http://hl7.org/fhir/research-study-status", "code": "recruiting"}
    assert _code_findings(_study(recruiting, in_r5_extension=True)) == []
    assert _code_findings(_study(recruiting, in_r5_extension=False)) == [
        "ResearchStudy.category[0].coding[0].code"
    ]
    funder = {"system": "http://hl7.org/fhir/research-study-party-role", "code": "funder"}  # in neither
    assert _code_findings(_study(funder, in_r5_extension=True)) == [
        "ResearchStudy.extension[0].extension[0].valueCodeableConcept.coding[0].code"
    ]


def _code_findings(resource: dict[str, Any]) -> list[str]:
    issues = check_resource(resource, rules=RuleSet.FHIR_ADAPTER)
    return [i.location for i in issues if i.layer == "project" and "is not a code of" in i.message]
