"""Builder for ResearchStudy, R4 and R5: every field of the registry record the FHIR version can carry.

Written once. `ELEMENTS` builds each element's value (an R4 name and its R5 rename share one function);
`R4_ORDER` and `R5_ORDER` list each version's elements in its specification's order
(http://hl7.org/fhir/R4/researchstudy.html, http://hl7.org/fhir/R5/researchstudy.html). The R5 elements R4
lacks (`R4_CROSS_VERSION`) reach R4 as HL7's cross-version extensions of the same values
(resources/versions.py). Where the versions differ in content, the element's function branches on the version.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

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
from fhir_adapter.resources.parties import country_coding
from fhir_adapter.resources.people import OFFICIAL_ROLE_TABLE, PersonRole
from fhir_adapter.resources.study_exposures import arm_exposures
from fhir_adapter.resources.study_findings import countries, study_findings
from fhir_adapter.resources.study_parties import associated_parties
from fhir_adapter.resources.study_parts import (
    arm_elements,
    concepts_with_mesh,
    contact_details,
    objectives,
    related_artifacts,
    study_identifiers,
)
from fhir_adapter.resources.study_r5 import (
    classifiers,
    labels,
    outcome_measure,
    progress_statuses,
    recruitment,
)
from fhir_adapter.resources.versions import CROSS_VERSION, R4, R5, concept_for, cross_version_extension
from fhir_adapter.sources import DataQualityIssue, QualityReport, TrialRecord
from fhir_adapter.terms import EXT_CTGOV_STATUS, EXT_R4_CONTACT, Terms

PRINCIPAL_INVESTIGATOR = "PRINCIPAL_INVESTIGATOR"
PUBLISHED = "active"  # R5 status: the registry record is published and current (publication-status)


@dataclass(frozen=True)
class Study:
    """What every element of one trial's ResearchStudy is built from."""

    trial: TrialRecord
    keys: TrialKeys
    terms: Terms
    version: FhirVersion
    report: QualityReport
    principal: PersonRole | None


def build_research_study(
    trial: TrialRecord, keys: TrialKeys, terms: Terms, *, version: FhirVersion, report: QualityReport
) -> Json:
    """Return the ResearchStudy for `trial` in `version`, referencing its other resources through `keys`."""
    report.extend(study_findings(trial, keys, terms))
    study = Study(trial, keys, terms, version, report, _principal_investigator(keys))
    order = R4_ORDER if version is R4 else R5_ORDER
    return compact({"resourceType": "ResearchStudy", **{name: ELEMENTS[name](study) for name in order}})


def _extensions(study: Study) -> list[Json]:
    trial = study.trial
    extensions: list[Json] = []
    if trial.overall_status:
        extensions.append(
            {"url": EXT_CTGOV_STATUS, "valueCoding": ctgov_coding("status", trial.overall_status)}
        )
    if study.version is R4:
        for name in R4_CROSS_VERSION:
            value = ELEMENTS[name](study)
            for item in value if isinstance(value, list) else [value] if value is not None else []:
                extensions.append(cross_version_extension(f"ResearchStudy.{name}", item))
    else:  # R5 has no element for the central contacts' phones and emails: R4's, as HL7's extension
        extensions.extend({"url": EXT_R4_CONTACT, "valueContactDetail": c} for c in _contacts(study))
    return extensions


def _status(study: Study) -> str:
    if study.version is R5:
        return PUBLISHED
    trial, terms = study.trial, study.terms
    field = "protocolSection.statusModule.overallStatus"
    status = trial.overall_status or ""
    target = terms.map("ctgov-status-r4", status)
    if target and target.code:
        return target.code
    fallback = terms.map("ctgov-status-r4", trial.last_known_status or "")
    if fallback and fallback.code:
        study.report.append(
            DataQualityIssue(
                trial.nct_id,
                field,
                f"status {status!r} has no R4 code; R4 status taken from lastKnownStatus "
                f"{trial.last_known_status!r}, exact status kept in the ctgov-overall-status extension",
            )
        )
        return fallback.code
    raise MappingError(nct_id=trial.nct_id, field=field, value=status, table="ctgov-status-r4")


def _purpose(study: Study) -> Json | None:
    purpose = study.trial.design.primary_purpose
    if not purpose:
        return None
    concept = text_concept(humanize(purpose), study.terms.codings("ctgov-primary-purpose", purpose))
    return concept_for(concept, study.version)


def _phase(study: Study) -> Json | None:
    trial = study.trial
    if not trial.phases:
        return None
    key = "+".join(trial.phases)
    codings = study.terms.codings("ctgov-phase", key)
    if not codings:
        study.report.append(
            DataQualityIssue(
                trial.nct_id, "protocolSection.designModule.phases", f"{key!r} has no phase code"
            )
        )
    display = codings[0].get("display") if codings else None
    return concept_for(text_concept(display or " / ".join(trial.phases), codings), study.version)


def _study_design(study: Study) -> list[Json]:
    trial = study.trial
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


def _focus(study: Study) -> list[Json]:
    trial = study.trial
    concepts = concepts_with_mesh([i.name for i in trial.interventions], trial.intervention_meshes)
    return concepts if study.version is R4 else [{"concept": c} for c in concepts]  # R5: CodeableReference


def _regions(study: Study) -> list[Json]:
    return present(
        [text_concept(c, present([country_coding(c, study.terms)])) for c in countries(study.trial)]
    )


def _description(study: Study) -> str | None:
    trial = study.trial
    if study.version is R5:  # R5's descriptionSummary holds the brief summary
        return trial.detailed_description
    parts = [trial.brief_summary, trial.detailed_description]
    return "\n\n".join(part for part in parts if part) or None


def _contacts(study: Study) -> list[Json]:
    return contact_details(study.trial.central_contacts)


def _sponsor(study: Study) -> Json | None:
    lead = study.trial.lead_sponsor
    return study.keys.organization(lead).reference(lead.name) if lead else None


def _principal(study: Study) -> Json | None:
    principal = study.principal
    return principal.key.reference(principal.name) if principal else None


def _recruitment(study: Study) -> Json | None:
    # R5: the EvidenceVariable, which states the criteria exactly; R4 refers to the Group in `enrollment`.
    eligibility = study.keys.eligibility.reference() if study.version is R5 else None
    return recruitment(study.trial, eligibility)


def _principal_investigator(keys: TrialKeys) -> PersonRole | None:
    for role in keys.people.officials:
        if (OFFICIAL_ROLE_TABLE, PRINCIPAL_INVESTIGATOR) in role.codes:
            return role
    return None


# Element name -> how its value is built. An R4 element and its R5 rename share a function.
ELEMENTS: Mapping[str, Callable[[Study], Any]] = MappingProxyType(
    {
        "contained": lambda s: arm_exposures(s.trial, s.keys),
        "extension": _extensions,
        "identifier": lambda s: study_identifiers(s.trial),
        "title": lambda s: s.trial.brief_title or s.trial.official_title,
        "label": lambda s: labels(s.trial),
        "protocol": lambda s: [key.reference(arm.label) for arm, key in s.keys.arms],
        "relatedArtifact": lambda s: related_artifacts(s.trial, s.version),
        "date": lambda s: s.trial.last_update_date,
        "status": _status,
        "primaryPurposeType": _purpose,
        "phase": _phase,
        "category": _study_design,
        "studyDesign": _study_design,
        "focus": _focus,
        "classifier": lambda s: classifiers(s.trial),
        "condition": lambda s: concepts_with_mesh(list(s.trial.conditions), s.trial.condition_meshes),
        "contact": _contacts,
        "keyword": lambda s: [{"text": k} for k in s.trial.keywords],
        "location": _regions,
        "region": _regions,
        "descriptionSummary": lambda s: s.trial.brief_summary,
        "description": _description,
        "enrollment": lambda s: [s.keys.group.reference()],
        "period": lambda s: compact({"start": s.trial.start_date, "end": s.trial.completion_date}),
        "sponsor": _sponsor,
        "principalInvestigator": _principal,
        "site": lambda s: [key.reference(site.facility) for site, key in s.keys.sites],
        "associatedParty": lambda s: associated_parties(s.trial, s.keys, s.terms, s.principal, s.version),
        "progressStatus": lambda s: progress_statuses(s.trial, s.terms),
        "reasonStopped": lambda s: text_concept(s.trial.why_stopped),
        "whyStopped": lambda s: text_concept(s.trial.why_stopped),
        "recruitment": _recruitment,
        "arm": lambda s: arm_elements(s.trial, s.terms, s.version),
        "comparisonGroup": lambda s: arm_elements(s.trial, s.terms, s.version),
        "objective": lambda s: objectives(s.trial),
        "outcomeMeasure": lambda s: [outcome_measure(o) for o in s.trial.outcomes],
    }
)
R4_ORDER = (
    *("extension", "identifier", "title", "protocol", "status", "primaryPurposeType", "phase", "category"),
    *("focus", "condition", "contact", "relatedArtifact", "keyword", "location", "description"),
    *(
        "enrollment",
        "period",
        "sponsor",
        "principalInvestigator",
        "site",
        "reasonStopped",
        "arm",
        "objective",
    ),
)
R5_ORDER = (
    *(
        "contained",
        "extension",
        "identifier",
        "title",
        "label",
        "protocol",
        "relatedArtifact",
        "date",
        "status",
    ),
    *("primaryPurposeType", "phase", "studyDesign", "focus", "condition", "keyword", "region"),
    *("descriptionSummary", "description", "period", "site", "classifier", "associatedParty"),
    *("progressStatus", "whyStopped", "recruitment", "comparisonGroup", "outcomeMeasure"),
)
# The R5 elements R4 carries as cross-version extensions, in the order R4 writes them (versions.py's).
R4_CROSS_VERSION = tuple(path.split(".")[1] for path in CROSS_VERSION if path.startswith("ResearchStudy."))
