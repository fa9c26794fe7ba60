"""Builder for the regimen PlanDefinition: one per arm, its regimen structured after HL7's KDN5 example.

The arm's dosing text is parsed (text.parse_regimen) into cycles, doses, routes and days; the regimen action
holds the cycle action(s) and one action per drug dose, each pointing at a contained ActivityDefinition
(resources/regimen_actions.py, regimen_activity.py). Interventions that are not drugs (procedures, radiation,
devices) stay as plain actions with their verbatim description. What the text leaves out or contradicts goes
to the data-quality report, never into the resource.
"""

from __future__ import annotations

from fhir_adapter.resources.common import FhirVersion, Json, ResourceKey, compact
from fhir_adapter.resources.regimen_actions import regimen_action
from fhir_adapter.resources.regimen_activity import Context, known_drug_names
from fhir_adapter.sources import Arm, Intervention, QualityReport, TrialRecord
from fhir_adapter.terms import PLAN_DEFINITION_TYPE_SYSTEM, Terms
from fhir_adapter.text import is_drug_intervention, linked_interventions, parse_regimen


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
    trial: TrialRecord,
    arm: Arm,
    key: ResourceKey,
    terms: Terms,
    *,
    version: FhirVersion,
    report: QualityReport | None = None,
) -> Json:
    """Return the PlanDefinition for one arm of `trial`; data-quality findings are added to `report`."""
    findings: QualityReport = [] if report is None else report
    regimen = parse_regimen(trial, arm, known_drugs=known_drug_names(terms))
    findings.extend(i for i in regimen.issues if i not in findings)
    interventions = linked_interventions(trial, arm)
    drug_texts = [
        f"{i.label}: {i.description}" for i in interventions if is_drug_intervention(i) and i.description
    ]
    ctx = Context(trial, arm.label, terms, findings)
    regimen_json, contained = regimen_action(regimen, "\n\n".join(drug_texts) or None, ctx)
    others = [
        _intervention_action(i) for i in interventions if not is_drug_intervention(i) or regimen_json is None
    ]
    return compact(
        {
            "resourceType": "PlanDefinition",
            "contained": contained or None,
            "identifier": [key.identifier()],
            "title": arm.label,
            "subtitle": trial.brief_title,
            "type": {"coding": [{"system": PLAN_DEFINITION_TYPE_SYSTEM, "code": "clinical-protocol"}]},
            "status": "active",
            "description": arm.description,
            "action": [a for a in (regimen_json, *others) if a],
        }
    )


def _intervention_action(intervention: Intervention) -> Json:
    return compact({"title": intervention.label, "description": intervention.description})
