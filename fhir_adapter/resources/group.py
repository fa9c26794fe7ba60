"""Builder for the eligibility Group: who may enrol, as a definitional (not actual) cohort.

Follows docs/architecture.md ("The eligibility Group") and the EBM IG's StudyEligibilityCriteria: age is
SNOMED 397669002 with a UCUM `a` quantity. Characteristics from the structured fields come first, then those
of the written criteria (resources/criteria_characteristics.py). A reader ANDs every characteristic
(docs/eligibility-r4.md).

CT.gov's `healthyVolunteers` says whether the study accepts healthy volunteers, not that its members are
ones: `true` adds no characteristic (a "must be healthy" one would shut out every patient, as it did for
NCT00712335's asthmatic smokers); `false` excludes them (`healthy-volunteers`, `exclude: true`). Either way
the registry's answer stays on the Group in the accepts-healthy-volunteers extension.
"""

from __future__ import annotations

from fhir_adapter.resources.common import FhirVersion, Json, ResourceKey, compact
from fhir_adapter.resources.criteria_characteristics import criteria_characteristics
from fhir_adapter.resources.versions import cross_version_extension
from fhir_adapter.sources import DataQualityIssue, QualityReport, TrialRecord
from fhir_adapter.terms import (
    CHARACTERISTIC_SYSTEM,
    PROJECT_BASE,
    SNOMED_AGE,
    SNOMED_SYSTEM,
    UCUM_SYSTEM,
    Terms,
)
from fhir_adapter.text import parse_age

ELIGIBILITY_FIELD = "protocolSection.eligibilityModule"
EXT_ACCEPTS_HEALTHY_VOLUNTEERS = f"{PROJECT_BASE}/StructureDefinition/accepts-healthy-volunteers"


def build_eligibility_group(
    trial: TrialRecord, key: ResourceKey, terms: Terms, *, version: FhirVersion, report: QualityReport
) -> Json:
    """Return the Group describing who may enrol in `trial`."""
    return compact(
        {
            "resourceType": "Group",
            "extension": _extensions(trial, version) or None,
            "identifier": [key.identifier()],
            "type": "person",
            "actual": False if version is FhirVersion.R4 else None,
            "membership": "definitional" if version is FhirVersion.R5 else None,  # R4's actual false
            "name": f"Eligibility for {trial.nct_id}",
            "description": trial.eligibility.criteria if version is FhirVersion.R5 else None,
            "quantity": trial.enrollment_count,
            "characteristic": [
                *structured_characteristics(trial, terms, report),
                *criteria_characteristics(trial, terms, report),
            ],
        }
    )


def _extensions(trial: TrialRecord, version: FhirVersion) -> list[Json]:
    """Return the criteria text (Markdown, as written; R4 has no Group.description, HL7's cross-version
    extension carries it) and the registry's healthy-volunteers answer."""
    extensions: list[Json] = []
    if trial.eligibility.criteria and version is FhirVersion.R4:
        extensions.append(cross_version_extension("Group.description", trial.eligibility.criteria))
    if trial.eligibility.healthy_volunteers is not None:
        accepts = trial.eligibility.healthy_volunteers
        extensions.append({"url": EXT_ACCEPTS_HEALTHY_VOLUNTEERS, "valueBoolean": accepts})
    return extensions


def structured_characteristics(trial: TrialRecord, terms: Terms, report: QualityReport) -> list[Json]:
    """Return the characteristics CT.gov states as fields: age range, sex, healthy volunteers."""
    eligibility = trial.eligibility
    characteristics = []
    age = _age_characteristic(trial, terms, report)
    if age:
        characteristics.append(age)
    sex = terms.map("ctgov-sex", eligibility.sex) if eligibility.sex else None
    if sex:
        characteristics.append(
            _characteristic(
                "sex", f"Sex: {eligibility.sex}", {"valueCodeableConcept": {"coding": [sex.coding()]}}
            )
        )
    if eligibility.healthy_volunteers is False:
        characteristics.append(
            _characteristic(
                "healthy-volunteers",
                "Accepts healthy volunteers: No",
                {"valueBoolean": True},
                exclude=True,
            )
        )
    return characteristics


def _characteristic(code: str, text: str, value: Json, *, exclude: bool = False) -> Json:
    return {
        "code": {"coding": [{"system": CHARACTERISTIC_SYSTEM, "code": code}], "text": text},
        **value,
        "exclude": exclude,
    }


def _age_characteristic(trial: TrialRecord, terms: Terms, report: QualityReport) -> Json | None:
    eligibility = trial.eligibility
    low = _age_quantity(trial, "minimumAge", eligibility.minimum_age, terms, report)
    high = _age_quantity(trial, "maximumAge", eligibility.maximum_age, terms, report)
    if not (low or high):
        return None
    stated = [
        f"{label} {value}"
        for label, value in (
            ("Minimum age", eligibility.minimum_age),
            ("Maximum age", eligibility.maximum_age),
        )
        if value
    ]
    return {
        "code": {
            "coding": [{"system": SNOMED_SYSTEM, "code": SNOMED_AGE, "display": "Age"}],
            "text": "; ".join(stated),
        },
        "valueRange": compact({"low": low, "high": high}),
        "exclude": False,
    }


def _age_quantity(
    trial: TrialRecord, field: str, text: str | None, terms: Terms, report: QualityReport
) -> Json | None:
    if not text:
        return None
    parsed = parse_age(text)
    unit = terms.map("ctgov-age-unit", parsed[1]) if parsed else None
    if parsed is None or unit is None:
        report.append(
            DataQualityIssue(trial.nct_id, f"{ELIGIBILITY_FIELD}.{field}", f"{text!r} is not an age")
        )
        return None
    number = int(parsed[0]) if parsed[0].is_integer() else parsed[0]
    return {"value": number, "unit": unit.display or unit.code, "system": UCUM_SYSTEM, "code": unit.code}
