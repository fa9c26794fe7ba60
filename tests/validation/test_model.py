"""The model layer judges only what R4B models as R4 does: a primitive extension the R4B model lacks is no
unknown element, and types R4B dropped or rebuilt are left to the R4 schema and invariants (issue 11,
items 14 and 16)."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_adapter.validation import RuleSet, check_resource, validate_document
from fhir_adapter.validation.model import check_model, r4_model_class

NOTE = "http://example.org/StructureDefinition/note"


def test_a_primitive_extension_on_an_extension_value_is_no_unknown_element() -> None:
    """R4 example CodeSystem-v2-0396: `_valueString` inside an extension; R4B's Extension has no such field."""
    organization = {
        "resourceType": "Organization",
        "name": "Acme",
        "extension": [
            {
                "url": NOTE,
                "valueString": "x",
                "_valueString": {"extension": [{"url": NOTE, "valueCode": "translated"}]},
            }
        ],
    }
    assert check_resource(organization, rules=RuleSet.BASE) == []


def test_a_real_unknown_primitive_extension_is_still_reported_by_the_schema() -> None:
    organization = {"resourceType": "Organization", "name": "Acme", "_nickname": {"id": "x"}}
    assert [(i.location, i.layer) for i in check_resource(organization, rules=RuleSet.BASE)] == [
        ("Organization._nickname", "r4-schema")
    ]


@pytest.mark.parametrize(
    "resource_type",
    ["SubstanceSpecification", "RiskEvidenceSynthesis", "MedicinalProduct", "EvidenceVariable", "Evidence"],
)
def test_types_r4b_dropped_or_rebuilt_are_not_judged_by_the_model(resource_type: str) -> None:
    assert r4_model_class(resource_type) is None


@pytest.mark.parametrize(
    "resource_type", ["ResearchStudy", "Group", "PlanDefinition", "ActivityDefinition", "Bundle", "Location"]
)
def test_the_types_we_emit_are_judged_by_the_model(resource_type: str) -> None:
    assert r4_model_class(resource_type) is not None


def _evidence_variable(**elements: Any) -> dict[str, Any]:
    # R4's EvidenceVariable: `type` and characteristic.definitionCodeableConcept (both gone in R4B).
    return {
        "resourceType": "EvidenceVariable",
        "status": "draft",
        "type": "dichotomous",
        "characteristic": [{"definitionCodeableConcept": {"text": "Age >= 18 years"}, "exclude": False}],
        **elements,
    }


def test_an_r4_evidence_variable_passes_and_says_which_layers_ran() -> None:
    report = validate_document(_evidence_variable(), source="ev.json", rules=RuleSet.BASE)
    assert [str(i) for i in report.issues] == []
    [note] = [n for n in report.notes if "no fhir.resources R4B model" in n]
    assert "EvidenceVariable" in note and "R4 schema, invariant" in note


def test_an_r4_only_type_is_still_checked_by_the_schema() -> None:
    specification = {"resourceType": "SubstanceSpecification", "status": {"text": "x"}, "nickname": "y"}
    assert check_model(specification) == []
    assert [(i.location, i.layer) for i in check_resource(specification, rules=RuleSet.BASE)] == [
        ("SubstanceSpecification.nickname", "r4-schema")
    ]


def test_an_evidence_variable_with_a_wrong_code_is_still_caught() -> None:
    issues = check_resource(_evidence_variable(type="binary"), rules=RuleSet.BASE)
    assert [(i.location, i.layer) for i in issues] == [("EvidenceVariable.type", "r4-schema")]
