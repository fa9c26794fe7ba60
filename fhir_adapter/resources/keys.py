"""The key of every resource one trial produces, computed once so builders can reference each other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from fhir_adapter.resources.common import ResourceKey, slug, unique_slugs
from fhir_adapter.resources.people import TrialPeople, trial_people
from fhir_adapter.sources import Arm, Organization, Site, TrialRecord
from fhir_adapter.terms import (
    GROUP_ID_SYSTEM,
    LOCATION_ID_SYSTEM,
    NCT_SYSTEM,
    ORGANIZATION_ID_SYSTEM,
    PLAN_DEFINITION_ID_SYSTEM,
)


@dataclass(frozen=True)
class TrialKeys:
    """Keys for a trial's resources. Organizations are shared across trials (keyed by name alone);
    people, their roles and sites belong to the trial, since a name or a site status means nothing outside
    it."""

    study: ResourceKey
    group: ResourceKey
    eligibility: ResourceKey  # R5: the EvidenceVariable stating the same criteria exactly
    arms: tuple[tuple[Arm, ResourceKey], ...]
    sites: tuple[tuple[Site, ResourceKey], ...]
    people: TrialPeople

    @staticmethod
    def organization(org: Organization) -> ResourceKey:
        return ResourceKey("Organization", ORGANIZATION_ID_SYSTEM, slug(org.name))


def trial_keys(trial: TrialRecord, plan_arms: tuple[Arm, ...]) -> TrialKeys:
    """Return the keys of `trial`'s resources; `plan_arms` are the arms that get a PlanDefinition."""
    nct = trial.nct_id
    sites = _keyed(trial.sites, [_site_name(s) for s in trial.sites], "Location", LOCATION_ID_SYSTEM, nct)
    return TrialKeys(
        study=ResourceKey("ResearchStudy", NCT_SYSTEM, nct),
        group=ResourceKey("Group", GROUP_ID_SYSTEM, nct),
        eligibility=ResourceKey("EvidenceVariable", GROUP_ID_SYSTEM, nct),
        arms=_keyed(
            plan_arms, [a.label for a in plan_arms], "PlanDefinition", PLAN_DEFINITION_ID_SYSTEM, nct
        ),
        sites=sites,
        people=trial_people(trial, sites),
    )


T = TypeVar("T")


def _keyed(
    items: tuple[T, ...], names: list[str], resource_type: str, system: str, nct_id: str
) -> tuple[tuple[T, ResourceKey], ...]:
    return tuple(
        (item, ResourceKey(resource_type, system, f"{nct_id}/{key}"))
        for item, key in zip(items, unique_slugs(names), strict=True)
    )


def _site_name(site: Site) -> str:
    # Content, not position: CT.gov reorders sites between versions, and a key must survive that.
    return " ".join(part for part in (site.facility, site.city, site.state, site.country) if part) or "site"
