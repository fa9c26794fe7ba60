"""Builder for the regimen PlanDefinition: one per arm, listing the arm's interventions.

Each action keeps the intervention's verbatim description; a structured regimen (doses, days, cycles) is
added where the text states it.
"""

from __future__ import annotations

from fhir_adapter.resources.common import FhirVersion, Json, ResourceKey, compact
from fhir_adapter.sources import Arm, Intervention, TrialRecord
from fhir_adapter.terms import PLAN_DEFINITION_TYPE_SYSTEM, Terms


def plan_arms(trial: TrialRecord) -> tuple[Arm, ...]:
    """Return the arms that get a PlanDefinition: the trial's arms, or one arm holding every intervention
    when the record lists interventions but no arms (seen in NCT00033839)."""
    if trial.arms:
        return trial.arms
    if trial.interventions:
        return (
            Arm(label="All interventions", intervention_names=tuple(i.label for i in trial.interventions)),
        )
    return ()


def build_plan_definition(
    trial: TrialRecord, arm: Arm, key: ResourceKey, terms: Terms, *, version: FhirVersion
) -> Json:
    """Return the PlanDefinition for one arm of `trial`."""
    return compact(
        {
            "resourceType": "PlanDefinition",
            "identifier": [key.identifier()],
            "title": arm.label,
            "subtitle": trial.brief_title,
            "type": {"coding": [{"system": PLAN_DEFINITION_TYPE_SYSTEM, "code": "clinical-protocol"}]},
            "status": "active",
            "description": arm.description,
            "action": [_intervention_action(i) for i in trial.interventions_for(arm)],
        }
    )


def _intervention_action(intervention: Intervention) -> Json:
    return compact({"title": intervention.label, "description": intervention.description})
