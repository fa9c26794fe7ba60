"""The repeating parts of a ResearchStudy: identifiers, concepts, contacts, artifacts, arms, objectives."""

from __future__ import annotations

from fhir_adapter.resources.common import Json, compact, humanize, text_concept
from fhir_adapter.resources.parties import contact_points
from fhir_adapter.resources.study_extensions import OBJECTIVE_TYPES
from fhir_adapter.sources import Contact, DataQualityIssue, Mesh, SecondaryId, TrialRecord, is_unsure_mesh_id
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


def related_artifacts(trial: TrialRecord) -> list[Json]:
    """Return the registry page, the literature references and the see-also links."""
    artifacts: list[Json] = [
        {"type": "documentation", "label": "ClinicalTrials.gov record", "url": CTGOV_STUDY_URL + trial.nct_id}
    ]
    for ref in trial.references:
        artifacts.append(
            compact(
                {
                    "type": "citation",
                    "label": ref.type.capitalize() if ref.type else None,
                    "citation": ref.citation,
                    "url": f"{PUBMED_URL}{ref.pmid}/" if ref.pmid else None,
                }
            )
        )
    artifacts.extend(
        compact({"type": "documentation", "label": link.label, "url": link.url}) for link in trial.links
    )
    return artifacts


def arm_elements(trial: TrialRecord, terms: Terms) -> list[Json]:
    """Return the arms (name, type, description). R4's arm description is a plain string, so CT.gov's
    Markdown escapes (NCT05378763 'mg/m\\^2') are removed; the arm name stays as written, being the
    label interventions link by."""
    return [
        compact(
            {
                "name": arm.label,
                "type": text_concept(humanize(arm.type), terms.codings("ctgov-arm-type", arm.type))
                if arm.type
                else None,
                "description": unescape(arm.description) if arm.description else None,
            }
        )
        for arm in trial.arms
    ]


def objectives(trial: TrialRecord) -> list[Json]:
    """Return the outcome measures as objectives typed primary, secondary or exploratory."""
    return [
        {
            "name": unescape(outcome.measure),
            "type": {"coding": [{"system": OBJECTIVE_TYPE_SYSTEM, "code": OBJECTIVE_TYPES[outcome.kind]}]},
        }
        for outcome in trial.outcomes
    ]
