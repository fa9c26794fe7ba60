"""The plain, typed trial record every reader produces. No FHIR terms here.

CT.gov enum strings are kept exactly as they come ("RECRUITING", "PHASE2"); free text stays verbatim;
dates stay as the registry wrote them ("2023-11", "2023-11-22"), which are valid FHIR partial dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fhir_adapter.sources.quality import DataQualityIssue


@dataclass(frozen=True)
class Mesh:
    """A MeSH descriptor from the registry's derivedSection."""

    id: str
    term: str


@dataclass(frozen=True)
class SecondaryId:
    id: str
    type: str | None = None
    domain: str | None = None
    link: str | None = None


@dataclass(frozen=True)
class Organization:
    """A sponsor or collaborator; `agency_class` is CT.gov's class (INDUSTRY, NIH, OTHER, ...)."""

    name: str
    agency_class: str | None = None


@dataclass(frozen=True)
class Contact:
    name: str | None = None
    role: str | None = None
    phone: str | None = None
    phone_ext: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Official:
    """An overall official: the principal investigator, study chair or director."""

    name: str
    role: str | None = None
    affiliation: str | None = None


@dataclass(frozen=True)
class Site:
    facility: str | None = None
    status: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    lat: float | None = None
    lon: float | None = None
    contacts: tuple[Contact, ...] = ()


@dataclass(frozen=True)
class Arm:
    label: str
    type: str | None = None
    description: str | None = None
    intervention_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Intervention:
    """An intervention; `label` is how arms name it ("Drug: Carboplatin")."""

    type: str | None
    name: str
    description: str | None = None
    arm_labels: tuple[str, ...] = ()
    other_names: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """Return the "Type: Name" label arms use, e.g. 'Drug: Carboplatin'.

        >>> Intervention(type="DRUG", name="Carboplatin").label
        'Drug: Carboplatin'
        >>> Intervention(type="DIETARY_SUPPLEMENT", name="Zinc").label
        'Dietary Supplement: Zinc'
        """
        kind = (self.type or "Other").replace("_", " ").title()
        return f"{kind}: {self.name}"


@dataclass(frozen=True)
class Outcome:
    """A primary, secondary or other outcome measure; `kind` is 'primary' | 'secondary' | 'other'."""

    kind: str
    measure: str
    description: str | None = None
    time_frame: str | None = None


@dataclass(frozen=True)
class Reference:
    citation: str | None = None
    pmid: str | None = None
    type: str | None = None


@dataclass(frozen=True)
class Link:
    url: str
    label: str | None = None


@dataclass(frozen=True)
class Design:
    allocation: str | None = None
    intervention_model: str | None = None
    observational_model: str | None = None
    time_perspective: str | None = None
    primary_purpose: str | None = None
    masking: str | None = None
    who_masked: tuple[str, ...] = ()


@dataclass(frozen=True)
class Eligibility:
    criteria: str | None = None
    sex: str | None = None
    minimum_age: str | None = None
    maximum_age: str | None = None
    healthy_volunteers: bool | None = None
    std_ages: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrialRecord:
    """One ClinicalTrials.gov study, read from any supported source format."""

    nct_id: str
    source: str
    brief_title: str | None = None
    official_title: str | None = None
    acronym: str | None = None
    org_study_id: str | None = None
    organization: str | None = None
    secondary_ids: tuple[SecondaryId, ...] = ()
    overall_status: str | None = None
    last_known_status: str | None = None
    why_stopped: str | None = None
    start_date: str | None = None
    primary_completion_date: str | None = None
    completion_date: str | None = None
    last_update_date: str | None = None
    lead_sponsor: Organization | None = None
    collaborators: tuple[Organization, ...] = ()
    brief_summary: str | None = None
    detailed_description: str | None = None
    conditions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    condition_meshes: tuple[Mesh, ...] = ()
    intervention_meshes: tuple[Mesh, ...] = ()
    study_type: str | None = None
    phases: tuple[str, ...] = ()
    design: Design = field(default_factory=Design)
    enrollment_count: int | None = None
    enrollment_type: str | None = None
    arms: tuple[Arm, ...] = ()
    interventions: tuple[Intervention, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    eligibility: Eligibility = field(default_factory=Eligibility)
    central_contacts: tuple[Contact, ...] = ()
    officials: tuple[Official, ...] = ()
    sites: tuple[Site, ...] = ()
    references: tuple[Reference, ...] = ()
    links: tuple[Link, ...] = ()
    # Findings made while reading (a null left out of a list); the builders add theirs after these.
    reading_issues: tuple[DataQualityIssue, ...] = ()

    def interventions_for(self, arm: Arm) -> tuple[Intervention, ...]:
        """Return the interventions linked to `arm`, through either side's labels, in record order."""
        names = set(arm.intervention_names)
        return tuple(i for i in self.interventions if i.label in names or arm.label in i.arm_labels)
