"""Builder for the regimen PlanDefinition: one per arm, its regimen structured after HL7's KDN5 example.

The arm's dosing text is parsed (text.parse_regimen) into cycles, doses, routes and days; the regimen action
holds the cycle action(s) and one action per drug dose, each pointing at a contained ActivityDefinition
(resources/regimen_actions.py, regimen_activity.py). Interventions that are not drugs (procedures, radiation,
devices) stay as plain actions with their verbatim description. What the text leaves out or contradicts goes
to the data-quality report, never into the resource.

`status` says whether the arm's plan is in use (mappings/ctgov-status-plan.json: retired once the trial is
terminated, withdrawn or completed); `subtitle` says which arm of which trial it is, never the study title
again. String elements carry the registry's text without its Markdown escapes; `description` (markdown)
keeps them.
"""

from __future__ import annotations

from fhir_adapter.resources.common import FhirVersion, Json, ResourceKey, compact
from fhir_adapter.resources.regimen_actions import regimen_action
from fhir_adapter.resources.regimen_activity import Context, known_drug_names
from fhir_adapter.sources import Arm, DataQualityIssue, Intervention, QualityReport, TrialRecord
from fhir_adapter.terms import PLAN_DEFINITION_TYPE_SYSTEM, Terms
from fhir_adapter.text import is_drug_intervention, linked_interventions, parse_regimen, unescape

STATUS_TABLE = "ctgov-status-plan"
STATUS_FIELD = "protocolSection.statusModule.overallStatus"


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
        f"{i.label}: {unescape(i.description)}"
        for i in interventions
        if is_drug_intervention(i) and i.description
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
            "subtitle": arm_subtitle(trial, arm),
            "type": {"coding": [{"system": PLAN_DEFINITION_TYPE_SYSTEM, "code": "clinical-protocol"}]},
            "status": plan_status(trial, terms, findings),
            "description": arm.description,
            "action": [a for a in (regimen_json, *others) if a],
        }
    )


def arm_subtitle(trial: TrialRecord, arm: Arm) -> str:
    """Return which arm of which trial the plan is: "Experimental arm of NCT06158412".

    >>> arm_subtitle(TrialRecord("NCT1", "x"), Arm("A", "ACTIVE_COMPARATOR"))
    'Active comparator arm of NCT1'
    >>> arm_subtitle(TrialRecord("NCT1", "x"), Arm("All interventions"))
    'Arm of NCT1'
    """
    kind = (arm.type or "").replace("_", " ").capitalize()
    return f"{kind} arm of {trial.nct_id}" if kind else f"Arm of {trial.nct_id}"


def plan_status(trial: TrialRecord, terms: Terms, report: QualityReport) -> str:
    """Return whether the arm's plan is in use (publication status), from the trial's overall status."""
    target = terms.map(STATUS_TABLE, trial.overall_status) if trial.overall_status else None
    if target is None or target.code is None:
        issue = DataQualityIssue(
            trial.nct_id, STATUS_FIELD, f"status {trial.overall_status!r} has no plan status; 'unknown' given"
        )
        if issue not in report:
            report.append(issue)
        return "unknown"
    return target.code


def _intervention_action(intervention: Intervention) -> Json:
    description = unescape(intervention.description) if intervention.description else None
    return compact({"title": intervention.label, "description": description})
