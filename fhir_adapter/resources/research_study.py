"""Builder for ResearchStudy: every field of the registry record that the FHIR version can carry.

R4 element order: http://hl7.org/fhir/R4/researchstudy.html. What R4 has no element for (official title,
acronym, last update, progress dates, actual or estimated enrollment, parties, outcome measures) goes into
HL7's R5 cross-version extensions (resources/study_extensions.py).
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
from fhir_adapter.resources.parties import COUNTRY_TABLE, country_coding
from fhir_adapter.resources.people import OFFICIAL_ROLE_TABLE, PersonRole, person_named_sites
from fhir_adapter.resources.study_extensions import (
    associated_party,
    label,
    last_changed,
    outcome_measure,
    progress_statuses,
    recruitment,
)
from fhir_adapter.resources.study_parts import (
    arm_elements,
    concepts_with_mesh,
    contact_details,
    objectives,
    related_artifacts,
    study_identifiers,
    unsure_mesh_issues,
)
from fhir_adapter.sources import DataQualityIssue, QualityReport, TrialRecord
from fhir_adapter.terms import EXT_CTGOV_STATUS, PARTY_ROLE_SYSTEM, Terms

LOCATIONS_FIELD = "protocolSection.contactsLocationsModule.locations"
PRINCIPAL_INVESTIGATOR = "PRINCIPAL_INVESTIGATOR"


def build_research_study(
    trial: TrialRecord, keys: TrialKeys, terms: Terms, *, version: FhirVersion, report: QualityReport
) -> Json:
    """Return the ResearchStudy for `trial`, referencing its other resources through `keys`."""
    lead = trial.lead_sponsor
    principal = _principal_investigator(keys)
    report.extend(_findings(trial, keys, terms))
    return compact(
        {
            "resourceType": "ResearchStudy",
            "extension": _extensions(trial, keys, terms, principal),
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
            "location": [text_concept(c, present([country_coding(c, terms)])) for c in _countries(trial)],
            "description": _description(trial),
            "enrollment": [keys.group.reference()],
            "period": compact({"start": trial.start_date, "end": trial.completion_date}),
            "sponsor": keys.organization(lead).reference(lead.name) if lead else None,
            "principalInvestigator": principal.key.reference(principal.name) if principal else None,
            "site": [key.reference(site.facility) for site, key in keys.sites],
            "reasonStopped": text_concept(trial.why_stopped),
            "arm": arm_elements(trial, terms),
            "objective": objectives(trial),
        }
    )


def _extensions(
    trial: TrialRecord, keys: TrialKeys, terms: Terms, principal: PersonRole | None
) -> list[Json]:
    extensions: list[Json] = []
    if trial.overall_status:
        extensions.append(
            {"url": EXT_CTGOV_STATUS, "valueCoding": ctgov_coding("status", trial.overall_status)}
        )
    for title_type, value in (("official", trial.official_title), ("acronym", trial.acronym)):
        if value:
            extensions.append(label(title_type, value))
    extensions.extend(present([last_changed(trial)]))
    extensions.extend(progress_statuses(trial, terms))
    extensions.extend(present([recruitment(trial)]))
    for org in trial.collaborators:
        extensions.append(
            associated_party(
                org.name, _party_role("collaborator"), keys.organization(org).reference(org.name)
            )
        )
    for role in keys.people.officials:
        if role is not principal:  # R4's principalInvestigator holds that one
            extensions.append(
                associated_party(role.name, _mapped_role(role, terms), role.key.reference(role.name))
            )
    extensions.extend(present([_responsible_party(trial, keys, terms)]))
    extensions.extend(outcome_measure(outcome) for outcome in trial.outcomes)
    return extensions


def _party_role(code: str) -> Json:
    return {"coding": [{"system": PARTY_ROLE_SYSTEM, "code": code, "display": code}]}


def _mapped_role(role: PersonRole, terms: Terms) -> Json | None:
    """Return the R5 party role of a CT.gov role, with CT.gov's word as text; None when it has no role."""
    for table, code in role.codes:
        return text_concept(humanize(code), terms.codings(table, code))
    return None


def _responsible_party(trial: TrialRecord, keys: TrialKeys, terms: Terms) -> Json | None:
    """Return who answers for the record, as an associated party classified 'Responsible party'.

    When the sponsor is responsible, the party is the lead sponsor; otherwise the investigator's role,
    which names the person (with their title and affiliation) through a PractitionerRole.
    """
    party = trial.responsible_party
    if party is None:
        return None
    classifier = text_concept(
        "Responsible party", [ctgov_coding("responsible-party", party.type)] if party.type else None
    )
    role = keys.people.responsible
    if role is not None:
        reference = role.key.reference(role.name)
        return associated_party(role.name, _mapped_role(role, terms), reference, classifier=classifier)
    lead = trial.lead_sponsor
    if party.type != "SPONSOR" or lead is None:
        return None
    sponsor_role = text_concept(humanize(party.type), terms.codings("ctgov-responsible-party", party.type))
    reference = keys.organization(lead).reference(lead.name)
    return associated_party(lead.name, sponsor_role, reference, classifier=classifier)


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
            *(ctgov_concept("who-masked", who) for who in design.who_masked),
        ]
    )


def _countries(trial: TrialRecord) -> list[str]:
    return list(dict.fromkeys(site.country for site in trial.sites if site.country))


def _description(trial: TrialRecord) -> str | None:
    parts = [trial.brief_summary, trial.detailed_description]
    return "\n\n".join(part for part in parts if part) or None


def _principal_investigator(keys: TrialKeys) -> PersonRole | None:
    for role in keys.people.officials:
        if (OFFICIAL_ROLE_TABLE, PRINCIPAL_INVESTIGATOR) in role.codes:
            return role
    return None


def _findings(trial: TrialRecord, keys: TrialKeys, terms: Terms) -> list[DataQualityIssue]:
    """Return what a reader of this study should check in the registry record."""
    issues = unsure_mesh_issues(trial)
    for country in _countries(trial):
        if country_coding(country, terms) is None:  # no row, or an 'unmatched' one
            issues.append(
                DataQualityIssue(
                    trial.nct_id,
                    f"{LOCATIONS_FIELD}.country",
                    f"country {country!r} has no ISO 3166 code in {COUNTRY_TABLE}: kept as text only",
                    severity="information",
                )
            )
    for index in person_named_sites(trial, keys.people):
        # The name itself stays out of the message: it is a person's name, and findings reach logs.
        issues.append(
            DataQualityIssue(
                trial.nct_id,
                f"{LOCATIONS_FIELD}[{index}].facility",
                "the facility name is the name of a person this record names (a contact or investigator), "
                "not of an institution: check the site in the registry record",
            )
        )
    if trial.enrollment_count is not None and trial.enrollment_type is None:
        issues.append(
            DataQualityIssue(
                trial.nct_id,
                "protocolSection.designModule.enrollmentInfo.type",
                "the enrollment count is not marked actual or estimated: kept as the eligibility Group's "
                "quantity only",
                severity="information",
            )
        )
    return issues
