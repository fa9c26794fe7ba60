"""The plain, typed trial record every reader produces. No FHIR terms here.

CT.gov enum strings are kept exactly as they come ("RECRUITING", "PHASE2"); free text stays verbatim;
dates stay as the registry wrote them ("2023-11", "2023-11-22"), which are valid FHIR partial dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fhir_adapter.sources.quality import DataQualityIssue

# MeSH unique identifiers grew from 7 to 10 characters in 2014; existing ones kept their 7 characters, and new
# ones continue the numbering after the last 7-character one (NLM Tech Bull. 2013 Mar-Apr;(391):e1:
# "If D009710 is the last descriptor UI ..., the next would be D000009711"). AACT and some registry exports
# write every id in 10 characters, padding the old ones with zeros after the letter: D000001943 for NLM's
# D001943, which NLM's services do not know. Per letter, the highest number seen in 7-character form in a
# record that also holds NLM 10-character ids, and the lowest 10-character number seen beside it
# (D065886 and D000067877 in NCT04326231; C582435 in NCT04267848, C000596361 in NCT02856893): every number up
# to the first was issued with 7 characters, every number from the second with 10. Between them the form
# is not known, so such an id is kept as the registry wrote it.
MESH_LAST_SEVEN_CHARACTER = {"D": 65886, "C": 582435}
MESH_FIRST_TEN_CHARACTER = {"D": 67877, "C": 596361}
_PADDED_MESH = re.compile(r"([A-Z])000(\d{6})")


def canonical_mesh_id(mesh_id: str) -> str:
    """Return a MeSH id in NLM's form: AACT's 10-character padding of a 7-character id removed.

    The padding is removed only from the 10-character form (letter, '000', six digits) and only when the
    number is one NLM issued with 7 characters; NLM's own 10-character ids stay as they are.

    >>> canonical_mesh_id("D000001943"), canonical_mesh_id("D000000437"), canonical_mesh_id("C000500026")
    ('D001943', 'D000437', 'C500026')
    >>> canonical_mesh_id("D001943"), canonical_mesh_id("D000086382"), canonical_mesh_id("C000596361")
    ('D001943', 'D000086382', 'C000596361')
    >>> canonical_mesh_id("D000066000"), canonical_mesh_id("Q000000941"), canonical_mesh_id("D0000019430")
    ('D000066000', 'Q000000941', 'D0000019430')
    """
    match = _PADDED_MESH.fullmatch(mesh_id)
    if match is None or int(match[2]) > MESH_LAST_SEVEN_CHARACTER.get(match[1], -1):
        return mesh_id
    return match[1] + match[2]


def is_unsure_mesh_id(mesh_id: str) -> bool:
    """Return True for a 10-character id whose number NLM may have issued with 7 characters or with 10.

    >>> is_unsure_mesh_id("D000066000"), is_unsure_mesh_id("D000067877"), is_unsure_mesh_id("D000001943")
    (True, False, False)
    """
    match = _PADDED_MESH.fullmatch(mesh_id)
    if match is None or match[1] not in MESH_LAST_SEVEN_CHARACTER:
        return False
    return MESH_LAST_SEVEN_CHARACTER[match[1]] < int(match[2]) < MESH_FIRST_TEN_CHARACTER[match[1]]


@dataclass(frozen=True)
class Mesh:
    """A MeSH descriptor or supplementary concept from the registry's derivedSection.

    `id` is in NLM's canonical form (`canonical_mesh_id`), whatever padding the registry export used.
    """

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
class ResponsibleParty:
    """Who answers for the registry record: `type` SPONSOR, PRINCIPAL_INVESTIGATOR or SPONSOR_INVESTIGATOR.

    An investigator is named with title and affiliation. Records from before 2011 name the party in one
    free-text string instead (`old_name_title`, e.g. 'Scott B. Phillips, M.D., Study Director', with
    `old_organization`), and give no type.
    """

    type: str | None = None
    investigator_name: str | None = None
    investigator_title: str | None = None
    investigator_affiliation: str | None = None
    old_name_title: str | None = None
    old_organization: str | None = None

    @property
    def person_name(self) -> str | None:
        """Return the responsible person's name as written, or None when the party is the sponsor."""
        return self.investigator_name or self.old_name_title

    @property
    def affiliation(self) -> str | None:
        return self.investigator_affiliation or self.old_organization


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
    start_date_type: str | None = None  # ACTUAL or ESTIMATED, as for the two dates below
    primary_completion_date: str | None = None
    primary_completion_date_type: str | None = None
    completion_date: str | None = None
    completion_date_type: str | None = None
    last_update_date: str | None = None
    lead_sponsor: Organization | None = None
    responsible_party: ResponsibleParty | None = None
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
    enrollment_type: str | None = None  # ACTUAL or ESTIMATED
    arms: tuple[Arm, ...] = ()
    interventions: tuple[Intervention, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    eligibility: Eligibility = field(default_factory=Eligibility)
    central_contacts: tuple[Contact, ...] = ()
    officials: tuple[Official, ...] = ()
    sites: tuple[Site, ...] = ()
    references: tuple[Reference, ...] = ()
    links: tuple[Link, ...] = ()
    # Oversight: whether the study is of a drug or device product the U.S. FDA regulates (None: not said).
    fda_regulated_drug: bool | None = None
    fda_regulated_device: bool | None = None
    # Findings made while reading (a null left out of a list); the builders add theirs after these.
    reading_issues: tuple[DataQualityIssue, ...] = ()

    def interventions_for(self, arm: Arm) -> tuple[Intervention, ...]:
        """Return the interventions linked to `arm`, through either side's labels, in record order."""
        names = set(arm.intervention_names)
        return tuple(i for i in self.interventions if i.label in names or arm.label in i.arm_labels)
