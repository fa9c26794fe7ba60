"""A small hand-written trial Bundle in the convention of issue 10 (how R4 output states "A or B" criteria,
conditional thresholds, healthy volunteers and daily doses), for the project rules to pass; and helpers
to write characteristics the way the builders do."""

from __future__ import annotations

from typing import Any

from fhir_adapter.bundle import BUNDLE_ID_SYSTEM
from fhir_adapter.terms import (
    CHARACTERISTIC_SYSTEM,
    LOINC_SYSTEM,
    MESH_SYSTEM,
    NCT_SYSTEM,
    PROJECT_BASE,
    SNOMED_AGE,
    SNOMED_SYSTEM,
    UCUM_SYSTEM,
)
from fhir_adapter.validation.eligibility_rules import EXT_CRITERION, EXT_LOGIC

EXT_ACCEPTS_HEALTHY_VOLUNTEERS = f"{PROJECT_BASE}/StructureDefinition/accepts-healthy-volunteers"
GROUP_URL = "urn:uuid:6f1c6a4e-0d0b-5b7e-9a43-0a1c9a4b8d01"
STUDY_URL = "urn:uuid:6f1c6a4e-0d0b-5b7e-9a43-0a1c9a4b8d02"
PLAN_URL = "urn:uuid:6f1c6a4e-0d0b-5b7e-9a43-0a1c9a4b8d03"


def quantity(value: float, code: str, comparator: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"value": value}
    if comparator:
        found["comparator"] = comparator
    return {**found, "unit": code, "system": UCUM_SYSTEM, "code": code}


def criterion(
    label: str,
    text: str,
    value: dict[str, Any],
    *,
    coding: list[dict[str, str]] | None = None,
    logic: str | None = None,
    exclude: bool = False,
) -> dict[str, Any]:
    """Return a characteristic from a written criterion: its label ("inclusion 3"), verbatim text and value."""
    extension = [{"url": EXT_CRITERION, "valueString": label}]
    if logic:
        extension.append({"url": EXT_LOGIC, "valueCode": logic})
    code: dict[str, Any] = {"coding": coding, "text": text} if coding else {"text": text}
    return {"extension": extension, "code": code, **value, "exclude": exclude}


def loinc(code: str, display: str) -> list[dict[str, str]]:
    return [{"system": LOINC_SYSTEM, "code": code, "display": display}]


def snomed(code: str, display: str) -> list[dict[str, str]]:
    return [{"system": SNOMED_SYSTEM, "code": code, "display": display}]


AST = loinc("1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma")
ALT = loinc("1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma")
ECOG = loinc("89247-1", "ECOG Performance Status score")
HEMOGLOBIN = loinc("718-7", "Hemoglobin [Mass/volume] in Blood")
AGE = snomed(SNOMED_AGE, "Age")
ULN = "{ULN}"


def characteristics() -> list[dict[str, Any]]:
    """Return the eligibility characteristics: each kind of criterion issue 10 names, as the convention says."""
    creatinine = "Serum creatinine < ULN or creatinine clearance >= 60 mL/min/1.73 m2"
    ecog_by_age = "ECOG 0-2 (0 to 3 for participants >= 60 to 74 years)"
    liver = "AST (or SGOT) and ALT (or SGPT) <= 1.5 x institutional ULN."
    return [
        {
            "code": {
                "coding": [{"system": CHARACTERISTIC_SYSTEM, "code": "healthy-volunteers"}],
                "text": "Accepts healthy volunteers: No",
            },
            "valueBoolean": True,
            "exclude": True,
        },
        criterion("inclusion 1", creatinine, {"valueBoolean": True}, logic="any-of"),
        criterion("inclusion 2", ecog_by_age, {"valueBoolean": True}, logic="conditional"),
        criterion("inclusion 3", "age at diagnosis <= 18 years", {"valueBoolean": True}, logic="conditional"),
        criterion(
            "inclusion 4",
            "ECOG performance status 0, 1, or 2",
            {"valueRange": {"low": quantity(0, "1"), "high": quantity(2, "1")}},
            coding=ECOG,
        ),
        criterion("inclusion 5", liver, {"valueQuantity": quantity(1.5, ULN, "<=")}, coding=AST),
        criterion("inclusion 5", liver, {"valueQuantity": quantity(1.5, ULN, "<=")}, coding=ALT),
        criterion(
            "inclusion 6",
            "Hemoglobin >= 9 g/dL or >= 5.6 mmol/L",
            {"valueQuantity": quantity(9, "g/dL", ">=")},
            coding=HEMOGLOBIN,
        ),
        criterion(
            "inclusion 7",
            "Age >= 18 years at the time of signing the informed consent",
            {"valueQuantity": quantity(18, "a", ">=")},
            coding=AGE,
        ),
        criterion(
            "inclusion 8",
            "No active hepatitis B or C infection",
            {"valueBoolean": False},
            coding=snomed("66071002", "Type B viral hepatitis"),
        ),
        criterion(
            "inclusion 8",
            "No active hepatitis B or C infection",
            {"valueBoolean": False},
            coding=snomed("50711007", "Viral hepatitis type C (disorder)"),
        ),
        criterion(
            "exclusion 1",
            "Known HIV infection or active hepatitis B",
            {"valueBoolean": True},
            coding=snomed("86406008", "Human immunodeficiency virus infection"),
            exclude=True,
        ),
        criterion(
            "exclusion 1",
            "Known HIV infection or active hepatitis B",
            {"valueBoolean": True},
            coding=snomed("66071002", "Type B viral hepatitis"),
            exclude=True,
        ),
    ]


def group() -> dict[str, Any]:
    return {
        "resourceType": "Group",
        "extension": [{"url": EXT_ACCEPTS_HEALTHY_VOLUNTEERS, "valueBoolean": False}],
        "identifier": [{"system": f"{PROJECT_BASE}/sid/ctgov-eligibility", "value": "NCT00000001"}],
        "type": "person",
        "actual": False,
        "characteristic": characteristics(),
    }


def plan_definition() -> dict[str, Any]:
    """Return an arm's regimen: dexamethasone 40 mg once a day, and an infusion given as a rate."""
    dexamethasone = {
        "resourceType": "ActivityDefinition",
        "id": "dexamethasone",
        "status": "active",
        "kind": "MedicationRequest",
        "productCodeableConcept": {
            "coding": [{"system": MESH_SYSTEM, "code": "D003907", "display": "Dexamethasone"}],
            "text": "Dexamethasone",
        },
        "dosage": [
            {
                "text": "<=75 years: 40 mg/day; >75 years: 20 mg/day",
                "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": quantity(40, "mg")}],
            }
        ],
    }
    saline = {
        "resourceType": "ActivityDefinition",
        "id": "saline",
        "status": "active",
        "kind": "MedicationRequest",
        "productCodeableConcept": {"text": "Normal saline"},
        "dosage": [
            {
                "text": "Normal saline 500 mL over 2 hours (250 mL/h)",
                "doseAndRate": [{"doseQuantity": quantity(500, "mL"), "rateQuantity": quantity(250, "mL/h")}],
            }
        ],
    }
    return {
        "resourceType": "PlanDefinition",
        "contained": [dexamethasone, saline],
        "identifier": [{"system": f"{PROJECT_BASE}/sid/ctgov-arm", "value": "NCT00000001-arm-1"}],
        "status": "active",
        "action": [
            {"textEquivalent": "Dexamethasone 40 mg/day", "definitionCanonical": "#dexamethasone"},
            {"textEquivalent": "Normal saline before each dose", "definitionCanonical": "#saline"},
        ],
    }


def research_study() -> dict[str, Any]:
    return {
        "resourceType": "ResearchStudy",
        "identifier": [{"use": "official", "system": NCT_SYSTEM, "value": "NCT00000001"}],
        "title": "A hand-written study in the convention of issue 10",
        "protocol": [{"reference": PLAN_URL}],
        "status": "active",
        "phase": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/research-study-phase", "code": "phase-2"}
            ]
        },
        "condition": [
            {"coding": [{"system": MESH_SYSTEM, "code": "D001943", "display": "Breast Neoplasms"}]}
        ],
        "description": "Participants aged \\>75 years get 20 mg/day.",  # markdown: its escapes are Markdown
        "enrollment": [{"reference": GROUP_URL}],
        "arm": [
            {
                "name": "Observation",
                "type": {
                    "coding": [
                        {"system": "http://hl7.org/fhir/research-study-arm-type", "code": "other-arm-type"}
                    ]
                },
            }
        ],
    }


def bundle() -> dict[str, Any]:
    entries = [(STUDY_URL, research_study()), (GROUP_URL, group()), (PLAN_URL, plan_definition())]
    return {
        "resourceType": "Bundle",
        "identifier": {"system": BUNDLE_ID_SYSTEM, "value": "NCT00000001"},
        "type": "transaction",
        "entry": [
            {
                "fullUrl": url,
                "resource": resource,
                "request": {"method": "POST", "url": resource["resourceType"]},
            }
            for url, resource in entries
        ],
    }
