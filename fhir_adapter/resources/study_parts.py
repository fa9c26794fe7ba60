"""The repeating parts of a ResearchStudy: identifiers, concepts, contacts, artifacts, arms, objectives."""

from __future__ import annotations

from fhir_adapter.resources.common import (
    FhirVersion,
    Json,
    compact,
    humanize,
    slug,
    text_concept,
    unique_slugs,
)
from fhir_adapter.resources.parties import contact_points
from fhir_adapter.resources.study_r5 import OBJECTIVE_TYPES
from fhir_adapter.sources import (
    Contact,
    DataQualityIssue,
    Mesh,
    SecondaryId,
    TrialRecord,
    is_unsure_mesh_id,
)
from fhir_adapter.terms import (
    CTGOV_STUDY_URL,
    MESH_SYSTEM,
    NCT_SYSTEM,
    OBJECTIVE_TYPE_SYSTEM,
    ORG_STUDY_ID_TYPE_TEXT,
    PUBMED_URL,
    Terms,
)
from fhir_adapter.text import unescape


def study_identifiers(trial: TrialRecord) -> list[Json]:
    """Return the NCT number (official), the sponsor's protocol id and the secondary ids."""
    identifiers = [{"use": "official", "system": NCT_SYSTEM, "value": trial.nct_id}]
    if trial.org_study_id:
        identifiers.append(
            compact(
                {
                    "use": "secondary",
                    "type": {"text": ORG_STUDY_ID_TYPE_TEXT},
                    "value": trial.org_study_id,
                    "assigner": {"display": trial.organization} if trial.organization else None,
                }
            )
        )
    identifiers.extend(_secondary_identifier(s) for s in trial.secondary_ids)
    return identifiers


def _secondary_identifier(secondary: SecondaryId) -> Json:
    return compact(
        {
            "use": "secondary",
            "type": {"text": secondary.type} if secondary.type else None,
            "value": secondary.id,
            "assigner": {"display": secondary.domain} if secondary.domain else None,
        }
    )


def concepts_with_mesh(texts: list[str], meshes: tuple[Mesh, ...]) -> list[Json]:
    """Return one CodeableConcept per text, coded where a MeSH term has the same words, then the rest of
    the MeSH terms as concepts of their own. MeSH ids come in NLM's form (sources' `canonical_mesh_id`)."""
    by_term = {mesh.term.casefold(): mesh for mesh in meshes}
    used: set[str] = set()
    concepts = []
    for text in dict.fromkeys(texts):
        mesh = by_term.get(text.casefold())
        if mesh:
            used.add(mesh.id)
        concepts.append(text_concept(text, [_mesh_coding(mesh)] if mesh else None))
    for mesh in meshes:
        if mesh.id not in used:
            used.add(mesh.id)
            concepts.append(text_concept(mesh.term, [_mesh_coding(mesh)]))
    return [c for c in concepts if c]


def unsure_mesh_issues(trial: TrialRecord) -> list[DataQualityIssue]:
    """Return a finding per MeSH id whose NLM form cannot be told (see sources' `is_unsure_mesh_id`)."""
    browse = (
        ("derivedSection.conditionBrowseModule.meshes", trial.condition_meshes),
        ("derivedSection.interventionBrowseModule.meshes", trial.intervention_meshes),
    )
    return [
        DataQualityIssue(
            trial.nct_id,
            field,
            f"MeSH id {mesh.id!r} ({mesh.term}) may be a 7-character NLM id padded to 10 characters or "
            "an NLM 10-character id; kept as the registry wrote it",
            severity="information",
        )
        for field, meshes in browse
        for mesh in meshes
        if is_unsure_mesh_id(mesh.id)
    ]


def _mesh_coding(mesh: Mesh) -> dict[str, str]:
    return {"system": MESH_SYSTEM, "code": mesh.id, "display": mesh.term}


def contact_details(contacts: tuple[Contact, ...]) -> list[Json]:
    """Return the central contacts as ContactDetails (name and telecom)."""
    details = [compact({"name": c.name, "telecom": contact_points((c,))}) for c in contacts]
    return [d for d in details if d]


def related_artifacts(trial: TrialRecord, version: FhirVersion) -> list[Json]:
    """Return the registry page, the literature references and the see-also links."""
    artifacts: list[Json] = [
        _artifact("documentation", "ClinicalTrials.gov record", None, CTGOV_STUDY_URL + trial.nct_id, version)
    ]
    for ref in trial.references:
        label = ref.type.capitalize() if ref.type else None
        url = f"{PUBMED_URL}{ref.pmid}/" if ref.pmid else None
        artifacts.append(_artifact("citation", label, ref.citation, url, version))
    artifacts.extend(_artifact("documentation", link.label, None, link.url, version) for link in trial.links)
    return artifacts


def _artifact(
    kind: str, label: str | None, citation: str | None, url: str | None, version: FhirVersion
) -> Json:
    # R4's RelatedArtifact.url is R5's document.url (resources/versions.py).
    where = {"url": url} if version is FhirVersion.R4 else {"document": {"url": url} if url else None}
    return compact({"type": kind, "label": label, "citation": citation, **where})


def arm_elements(trial: TrialRecord, terms: Terms, version: FhirVersion) -> list[Json]:
    """Return the arms (name, type, description); R5's comparisonGroup adds a linkId first and each arm's
    intended exposure. R4's arm description is a plain string, so CT.gov's Markdown escapes (NCT05378763
    'mg/m\\^2') are removed; R5's is markdown and keeps them. The arm name stays as written, being the
    label interventions link by."""
    link_ids = arm_link_ids([arm.label for arm in trial.arms]) if version is FhirVersion.R5 else []
    return [
        compact(
            {
                "linkId": link_ids[index] if link_ids else None,
                "name": arm.label,
                "type": text_concept(humanize(arm.type), terms.codings("ctgov-arm-type", arm.type))
                if arm.type
                else None,
                "description": _arm_description(arm.description, version),
                # R5: each arm's contained exposure EvidenceVariable (resources/study_exposures.py)
                "intendedExposure": [{"reference": f"#exposure-{link_ids[index]}", "display": arm.label}]
                if link_ids
                else None,
            }
        )
        for index, arm in enumerate(trial.arms)
    ]


def _arm_description(description: str | None, version: FhirVersion) -> str | None:
    if not description:
        return None
    return unescape(description) if version is FhirVersion.R4 else description


def arm_link_ids(labels: list[str]) -> list[str]:
    """Return an R5 comparisonGroup.linkId per arm label: its slug, short enough for an id (64) with the
    'exposure-' prefix of its EvidenceVariable and a repeat number.

    >>> arm_link_ids(["Arm A: ATRA", "Arm A: ATRA"])
    ['arm-a-atra', 'arm-a-atra-2']
    """
    return unique_slugs(slug(label)[:50] for label in labels)


def objectives(trial: TrialRecord) -> list[Json]:
    """Return the outcome measures as objectives typed primary, secondary or exploratory."""
    return [
        {
            "name": unescape(outcome.measure),
            "type": {"coding": [{"system": OBJECTIVE_TYPE_SYSTEM, "code": OBJECTIVE_TYPES[outcome.kind]}]},
        }
        for outcome in trial.outcomes
    ]
