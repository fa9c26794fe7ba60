"""One trial's resources, built together: referenced ones first, and the data-quality report."""

from __future__ import annotations

from dataclasses import dataclass, field

from fhir_adapter.resources.common import FhirVersion, Json, ResourceKey
from fhir_adapter.resources.eligibility_variable import build_eligibility_variable
from fhir_adapter.resources.group import build_eligibility_group
from fhir_adapter.resources.keys import TrialKeys, trial_keys
from fhir_adapter.resources.parties import (
    build_location,
    build_organization,
    build_practitioner,
    build_practitioner_role,
)
from fhir_adapter.resources.plan_definition import build_plan_definition, plan_arms
from fhir_adapter.resources.research_study import build_research_study
from fhir_adapter.resources.versions import renamed_for
from fhir_adapter.sources import QualityReport, TrialRecord
from fhir_adapter.terms import DEFAULT_IDENTIFIER_BASE, PROJECT_BASE, Terms, rebase


@dataclass(frozen=True)
class BuiltResource:
    key: ResourceKey
    resource: Json


@dataclass(frozen=True)
class TrialResources:
    """Everything one trial becomes: its resources (referenced ones first) and its data-quality report."""

    trial: TrialRecord
    resources: tuple[BuiltResource, ...]
    issues: QualityReport = field(default_factory=list)
    identifier_base: str = DEFAULT_IDENTIFIER_BASE  # the namespace the resources' own URLs are under


def build_trial_resources(
    trial: TrialRecord, terms: Terms, *, version: FhirVersion = FhirVersion.R4
) -> TrialResources:
    """Return every resource `trial` becomes. Raises MappingError when a required code cannot be mapped."""
    report: QualityReport = list(trial.reading_issues)
    arms = plan_arms(trial)
    keys = trial_keys(trial, arms)
    people = keys.people
    built = [
        *_organizations(trial, keys, terms, version),
        *(BuiltResource(p.key, build_practitioner(p, version=version)) for p in people.people),
        *(BuiltResource(k, build_location(s, k, terms, version=version)) for s, k in keys.sites),
        *(BuiltResource(r.key, build_practitioner_role(r, terms, version=version)) for r in people.roles),
        BuiltResource(
            keys.group, build_eligibility_group(trial, keys.group, terms, version=version, report=report)
        ),
        *(
            [BuiltResource(keys.eligibility, build_eligibility_variable(trial, keys.eligibility, terms))]
            if version is FhirVersion.R5
            else []
        ),
        *(
            BuiltResource(
                k,
                renamed_for(
                    build_plan_definition(trial, a, k, terms, version=version, report=report), version
                ),
            )
            for a, k in keys.arms
        ),
        BuiltResource(keys.study, build_research_study(trial, keys, terms, version=version, report=report)),
    ]
    resources = tuple(_in_namespace(b, terms) for b in built)
    return TrialResources(trial, resources, report, identifier_base=terms.identifier_base)


def _in_namespace(built: BuiltResource, terms: Terms) -> BuiltResource:
    """Return `built` with our identifier systems, code systems and extensions under the deployment's base.

    The resource's id (ResourceKey.uuid) stays the one of the default namespace: the urn:uuid references
    between a trial's resources were made from it, and a server filled under the placeholder base is then
    updated in place, not duplicated, once a deployment sets its own.
    """
    if terms.is_placeholder_base:
        return built
    move = {"from_base": PROJECT_BASE, "to_base": terms.identifier_base}
    key = built.key
    moved = ResourceKey(key.resource_type, rebase(key.system, **move), key.value)
    moved.__dict__["uuid"] = key.uuid  # sets the cached_property: the id does not follow the namespace
    return BuiltResource(moved, rebase(built.resource, **move))


def _organizations(
    trial: TrialRecord, keys: TrialKeys, terms: Terms, version: FhirVersion
) -> list[BuiltResource]:
    """Return the sponsors, collaborators and the affiliations of the trial's people, each once."""
    affiliations = [r.organization for r in keys.people.roles if r.organization is not None]
    orgs = [o for o in (trial.lead_sponsor, *trial.collaborators, *affiliations) if o is not None]
    unique = {TrialKeys.organization(o): o for o in reversed(orgs)}  # the first naming of an org wins
    return [
        BuiltResource(k, build_organization(o, k, terms, version=version))
        for k, o in reversed(unique.items())
    ]
