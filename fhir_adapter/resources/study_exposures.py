"""R5 comparisonGroup.intendedExposure: what each arm's participants are given, as an EvidenceVariable.

R5 lets intendedExposure reference only an EvidenceVariable, so each arm gets one, contained in the
ResearchStudy (it has no identity outside it), after HL7's R5 example built from a CT.gov record
(ResearchStudy/example-ctgov-study-record): one characteristic per intervention linked to the arm (R5:
characteristics are combined with "and"), its name MeSH-coded where the registry's MeSH term has the same
words, its CT.gov label and description as the characteristic's description. The arm's regimen, parsed into
doses and cycles, is the arm's PlanDefinition: a `depends-on` relatedArtifact points to it.
"""

from __future__ import annotations

from fhir_adapter.resources.common import Json, compact
from fhir_adapter.resources.keys import TrialKeys
from fhir_adapter.resources.study_parts import arm_link_ids
from fhir_adapter.sources import Intervention, Mesh, TrialRecord
from fhir_adapter.terms import MESH_SYSTEM
from fhir_adapter.text import linked_interventions

EXPOSURE_PREFIX = "exposure-"


def arm_exposures(trial: TrialRecord, keys: TrialKeys) -> list[Json]:
    """Return one contained EvidenceVariable per arm, in arm order; ids are 'exposure-' + the arm's linkId."""
    plans = {arm.label: key for arm, key in keys.arms}
    meshes = {mesh.term.casefold(): mesh for mesh in trial.intervention_meshes}
    exposures = []
    for arm, link_id in zip(trial.arms, arm_link_ids([a.label for a in trial.arms]), strict=True):
        plan = plans.get(arm.label)
        exposures.append(
            compact(
                {
                    "resourceType": "EvidenceVariable",
                    "id": f"{EXPOSURE_PREFIX}{link_id}",
                    "title": f"Intended exposure: {arm.label}",
                    "status": "active",
                    "relatedArtifact": [
                        {
                            "type": "depends-on",
                            "label": "Regimen",
                            "resourceReference": plan.reference(arm.label),
                        }
                    ]
                    if plan
                    else None,
                    "characteristic": [_characteristic(i, meshes) for i in linked_interventions(trial, arm)],
                }
            )
        )
    return exposures


def _characteristic(intervention: Intervention, meshes: dict[str, Mesh]) -> Json:
    mesh = meshes.get(intervention.name.casefold())
    coding = [{"system": MESH_SYSTEM, "code": mesh.id, "display": mesh.term}] if mesh else None
    parts = [intervention.label, intervention.description]
    return {
        "description": "\n\n".join(p for p in parts if p),
        "definitionCodeableConcept": compact({"coding": coding, "text": intervention.name}),
    }
