"""Builder for ResearchStudy: every field of the registry record that the FHIR version can carry.

R4 element order: http://hl7.org/fhir/R4/researchstudy.html. What R4 has no element for (official title,
acronym, collaborators, other officials) goes into HL7's R5 cross-version extensions.
"""

from __future__ import annotations

from fhir_adapter.errors import MappingError
from fhir_adapter.resources.common import (
    FhirVersion,
    Json,
    compact,
    ctgov_coding,
    ctgov_concept,
    humanize,
    present,
    text_concept,
)
from fhir_adapter.resources.keys import TrialKeys
from fhir_adapter.resources.study_parts import (
    arm_elements,
    concepts_with_mesh,
    contact_details,
    objectives,
    related_artifacts,
    study_identifiers,
)
from fhir_adapter.sources import DataQualityIssue, QualityReport, TrialRecord
from fhir_adapter.terms import (
    EXT_CTGOV_STATUS,
    EXT_R5_ASSOCIATED_PARTY,
    Terms,
)

EXT_R5_LABEL = "http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.label"
TITLE_TYPE_SYSTEM = "http://hl7.org/fhir/title-type"
PARTY_ROLE_SYSTEM = "http://hl7.org/fhir/research-study-party-role"


def build_research_study(
    trial: TrialRecord, keys: TrialKeys, terms: Terms, *, version: FhirVersion, report: QualityReport
) -> Json:
    """Return the ResearchStudy for `trial`, referencing its other resources through `keys`."""
    lead = trial.lead_sponsor
    return compact(
        {
            "resourceType": "ResearchStudy",
            "extension": _extensions(trial, keys, terms),
            "identifier": study_identifiers(trial),
            "title": trial.brief_title or trial.official_title,
            "protocol": [key.reference(arm.label) for arm, key in keys.arms],
            "status": _status(trial, terms, report),
            "primaryPurposeType": _purpose(trial, terms),
            "phase": _phase(trial, terms, report),
            "category": _categories(trial),
            "focus": concepts_with_mesh([i.name for i in trial.interventions], trial.intervention_meshes),
            "condition": concepts_with_mesh(list(trial.conditions), trial.condition_meshes),
            "contact": contact_details(trial.central_contacts),
            "relatedArtifact": related_artifacts(trial),
            "keyword": [{"text": k} for k in trial.keywords],
            "location": [{"text": country} for country in _countries(trial)],
            "description": _description(trial),
            "enrollment": [keys.group.reference()],
            "period": compact({"start": trial.start_date, "end": trial.completion_date}),
            "sponsor": keys.organization(lead).reference(lead.name) if lead else None,
            "principalInvestigator": _principal_investigator(keys),
            "site": [key.reference(site.facility) for site, key in keys.sites],
            "reasonStopped": text_concept(trial.why_stopped),
            "arm": arm_elements(trial, terms),
            "objective": objectives(trial),
        }
    )


def _extensions(trial: TrialRecord, keys: TrialKeys, terms: Terms) -> list[Json]:
    extensions: list[Json] = []
    if trial.overall_status:
        extensions.append(
            {"url": EXT_CTGOV_STATUS, "valueCoding": ctgov_coding("status", trial.overall_status)}
        )
    for title_type, value in (("official", trial.official_title), ("acronym", trial.acronym)):
        if value:
            extensions.append(_label(title_type, value))
    for org in trial.collaborators:
        extensions.append(_party(keys.organization(org).reference(org.name), "collaborator", org.name))
    for official, key in keys.officials:
        if official.role != "PRINCIPAL_INVESTIGATOR":
            role = terms.map("ctgov-official-role", official.role) if official.role else None
            extensions.append(
                _party(key.reference(official.name), role.code if role else None, official.name)
            )
    return extensions


def _label(title_type: str, value: str) -> Json:
    return {
        "url": EXT_R5_LABEL,
        "extension": [
            {
                "url": "type",
                "valueCodeableConcept": {"coding": [{"system": TITLE_TYPE_SYSTEM, "code": title_type}]},
            },
            {"url": "value", "valueString": value},
        ],
    }


def _party(reference: Json, role: str | None, name: str) -> Json:
    role_concept = (
        {"coding": [{"system": PARTY_ROLE_SYSTEM, "code": role}]} if role else {"text": "unspecified role"}
    )
    return {
        "url": EXT_R5_ASSOCIATED_PARTY,
        "extension": [
            {"url": "name", "valueString": name},
            {"url": "role", "valueCodeableConcept": role_concept},
            {"url": "party", "valueReference": reference},
        ],
    }


def _status(trial: TrialRecord, terms: Terms, report: QualityReport) -> str:
    field = "protocolSection.statusModule.overallStatus"
    status = trial.overall_status or ""
    target = terms.map("ctgov-status-r4", status)
    if target and target.code:
        return target.code
    fallback = terms.map("ctgov-status-r4", trial.last_known_status or "")
    if fallback and fallback.code:
        report.append(
            DataQualityIssue(
                trial.nct_id,
                field,
                f"status {status!r} has no R4 code; R4 status taken from lastKnownStatus "
                f"{trial.last_known_status!r}, exact status kept in the ctgov-overall-status extension",
            )
        )
        return fallback.code
    raise MappingError(nct_id=trial.nct_id, field=field, value=status, table="ctgov-status-r4")


def _purpose(trial: TrialRecord, terms: Terms) -> Json | None:
    purpose = trial.design.primary_purpose
    if not purpose:
        return None
    return text_concept(humanize(purpose), terms.codings("ctgov-primary-purpose", purpose))


def _phase(trial: TrialRecord, terms: Terms, report: QualityReport) -> Json | None:
    if not trial.phases:
        return None
    key = "+".join(trial.phases)
    codings = terms.codings("ctgov-phase", key)
    if not codings:
        report.append(
            DataQualityIssue(
                trial.nct_id, "protocolSection.designModule.phases", f"{key!r} has no phase code"
            )
        )
    display = codings[0].get("display") if codings else None
    return text_concept(display or " / ".join(trial.phases), codings)


def _categories(trial: TrialRecord) -> list[Json]:
    design = trial.design
    return present(
        [
            ctgov_concept("study-type", trial.study_type),
            ctgov_concept("allocation", design.allocation),
            ctgov_concept("intervention-model", design.intervention_model),
            ctgov_concept("observational-model", design.observational_model),
            ctgov_concept("time-perspective", design.time_perspective),
            ctgov_concept("masking", design.masking),
        ]
    )


def _countries(trial: TrialRecord) -> list[str]:
    return list(dict.fromkeys(site.country for site in trial.sites if site.country))


def _description(trial: TrialRecord) -> str | None:
    parts = [trial.brief_summary, trial.detailed_description]
    return "\n\n".join(part for part in parts if part) or None


def _principal_investigator(keys: TrialKeys) -> Json | None:
    for official, key in keys.officials:
        if official.role == "PRINCIPAL_INVESTIGATOR":
            return key.reference(official.name)
    return None
