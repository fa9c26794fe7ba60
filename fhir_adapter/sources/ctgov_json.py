"""Read one ClinicalTrials.gov API v2 study object into a TrialRecord.

The v2 data model: https://clinicaltrials.gov/data-api/about-api/study-data-structure
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fhir_adapter.sources.fields import Node, Where
from fhir_adapter.sources.model import (
    Arm,
    Contact,
    Design,
    Eligibility,
    Intervention,
    Link,
    Mesh,
    Official,
    Organization,
    Outcome,
    Reference,
    ResponsibleParty,
    SecondaryId,
    Site,
    TrialRecord,
    canonical_mesh_id,
)

NCT_ID_PATTERN = re.compile(r"^NCT\d{8}$")


def parse_study(study: Any, where: Where) -> TrialRecord:
    """Return the TrialRecord for one v2 study object; raise InputError naming the field that is wrong."""
    if not isinstance(study, Mapping):
        raise where.error("", "expected a study object")
    if not isinstance(study.get("protocolSection"), Mapping):
        raise where.error(
            "protocolSection", "missing" if "protocolSection" not in study else "expected an object"
        )
    protocol = Node(study, "", where).node("protocolSection")
    nct_id = _nct_id(protocol)
    where = where.named(nct_id)
    protocol = Node(protocol.data, "protocolSection", where)
    derived = Node(study, "", where).node("derivedSection")
    return _trial(protocol, derived, nct_id, where)


def _nct_id(protocol: Node) -> str:
    identification = protocol.node("identificationModule")
    nct_id = identification.text("nctId")
    if nct_id is None:
        raise protocol.where.error("protocolSection.identificationModule.nctId", "missing")
    if not NCT_ID_PATTERN.match(nct_id):
        raise protocol.where.error(
            "protocolSection.identificationModule.nctId", f"{nct_id!r} is not an NCT number", nct_id
        )
    return nct_id


def _trial(protocol: Node, derived: Node, nct_id: str, where: Where) -> TrialRecord:
    ident = protocol.node("identificationModule")
    status = protocol.node("statusModule")
    sponsors = protocol.node("sponsorCollaboratorsModule")
    description = protocol.node("descriptionModule")
    conditions = protocol.node("conditionsModule")
    design = protocol.node("designModule")
    enrollment = design.node("enrollmentInfo")
    arms = protocol.node("armsInterventionsModule")
    contacts = protocol.node("contactsLocationsModule")
    references = protocol.node("referencesModule")
    oversight = protocol.node("oversightModule")
    lead = sponsors.node("leadSponsor")
    return TrialRecord(
        nct_id=nct_id,
        source=where.file,
        brief_title=ident.text("briefTitle"),
        official_title=ident.text("officialTitle"),
        acronym=ident.text("acronym"),
        org_study_id=ident.node("orgStudyIdInfo").text("id"),
        organization=ident.node("organization").text("fullName"),
        secondary_ids=tuple(_secondary_id(n) for n in ident.nodes("secondaryIdInfos") if n.text("id")),
        overall_status=status.text("overallStatus"),
        last_known_status=status.text("lastKnownStatus"),
        why_stopped=status.text("whyStopped"),
        start_date=status.node("startDateStruct").text("date"),
        start_date_type=status.node("startDateStruct").text("type"),
        primary_completion_date=status.node("primaryCompletionDateStruct").text("date"),
        primary_completion_date_type=status.node("primaryCompletionDateStruct").text("type"),
        completion_date=status.node("completionDateStruct").text("date"),
        completion_date_type=status.node("completionDateStruct").text("type"),
        last_update_date=status.node("lastUpdatePostDateStruct").text("date"),
        lead_sponsor=_organization(lead) if lead.text("name") else None,
        responsible_party=_responsible_party(sponsors.node("responsibleParty")),
        collaborators=tuple(_organization(n) for n in sponsors.nodes("collaborators") if n.text("name")),
        brief_summary=description.text("briefSummary"),
        detailed_description=description.text("detailedDescription"),
        conditions=conditions.texts("conditions"),
        keywords=conditions.texts("keywords"),
        condition_meshes=_meshes(derived.node("conditionBrowseModule")),
        intervention_meshes=_meshes(derived.node("interventionBrowseModule")),
        study_type=design.text("studyType"),
        phases=design.texts("phases"),
        design=_design(design.node("designInfo")),
        enrollment_count=enrollment.integer("count"),
        enrollment_type=enrollment.text("type"),
        arms=tuple(_arm(n) for n in arms.nodes("armGroups") if n.text("label")),
        interventions=tuple(_intervention(n) for n in arms.nodes("interventions") if n.text("name")),
        outcomes=_outcomes(protocol.node("outcomesModule")),
        eligibility=_eligibility(protocol.node("eligibilityModule")),
        central_contacts=tuple(_contact(n) for n in contacts.nodes("centralContacts")),
        officials=tuple(_official(n) for n in contacts.nodes("overallOfficials") if n.text("name")),
        sites=tuple(_site(n) for n in contacts.nodes("locations")),
        references=tuple(_reference(n) for n in references.nodes("references")),
        links=tuple(_link(n) for n in references.nodes("seeAlsoLinks") if n.text("url")),
        fda_regulated_drug=oversight.boolean("isFdaRegulatedDrug"),
        fda_regulated_device=oversight.boolean("isFdaRegulatedDevice"),
    )


def _secondary_id(node: Node) -> SecondaryId:
    return SecondaryId(
        id=node.text("id") or "", type=node.text("type"), domain=node.text("domain"), link=node.text("link")
    )


def _organization(node: Node) -> Organization:
    return Organization(name=node.text("name") or "", agency_class=node.text("class"))


def _responsible_party(node: Node) -> ResponsibleParty | None:
    party = ResponsibleParty(
        type=node.text("type"),
        investigator_name=node.text("investigatorFullName"),
        investigator_title=node.text("investigatorTitle"),
        investigator_affiliation=node.text("investigatorAffiliation"),
        old_name_title=node.text("oldNameTitle"),
        old_organization=node.text("oldOrganization"),
    )
    return party if party != ResponsibleParty() else None


def _meshes(browse: Node) -> tuple[Mesh, ...]:
    return tuple(
        Mesh(id=canonical_mesh_id(mesh_id), term=n.text("term") or "")
        for n in browse.nodes("meshes")
        if (mesh_id := n.text("id"))
    )


def _design(info: Node) -> Design:
    masking = info.node("maskingInfo")
    return Design(
        allocation=info.text("allocation"),
        intervention_model=info.text("interventionModel"),
        observational_model=info.text("observationalModel"),
        time_perspective=info.text("timePerspective"),
        primary_purpose=info.text("primaryPurpose"),
        masking=masking.text("masking"),
        who_masked=masking.texts("whoMasked"),
    )


def _arm(node: Node) -> Arm:
    return Arm(
        label=node.text("label") or "",
        type=node.text("type"),
        description=node.text("description"),
        intervention_names=node.texts("interventionNames"),
    )


def _intervention(node: Node) -> Intervention:
    return Intervention(
        type=node.text("type"),
        name=node.text("name") or "",
        description=node.text("description"),
        arm_labels=node.texts("armGroupLabels"),
        other_names=node.texts("otherNames"),
    )


def _outcomes(module: Node) -> tuple[Outcome, ...]:
    kinds = (("primary", "primaryOutcomes"), ("secondary", "secondaryOutcomes"), ("other", "otherOutcomes"))
    return tuple(
        Outcome(
            kind=kind,
            measure=n.text("measure") or "",
            description=n.text("description"),
            time_frame=n.text("timeFrame"),
        )
        for kind, key in kinds
        for n in module.nodes(key)
        if n.text("measure")
    )


def _eligibility(node: Node) -> Eligibility:
    criteria = node.data.get("eligibilityCriteria")
    node.text("eligibilityCriteria")  # type check only: criteria keep their whitespace, which carries nesting
    return Eligibility(
        criteria=criteria if isinstance(criteria, str) and criteria.strip() else None,
        sex=node.text("sex"),
        minimum_age=node.text("minimumAge"),
        maximum_age=node.text("maximumAge"),
        healthy_volunteers=node.boolean("healthyVolunteers"),
        std_ages=node.texts("stdAges"),
    )


def _contact(node: Node) -> Contact:
    return Contact(
        name=node.text("name"),
        role=node.text("role"),
        phone=node.text("phone"),
        phone_ext=node.text("phoneExt"),
        email=node.text("email"),
    )


def _official(node: Node) -> Official:
    return Official(
        name=node.text("name") or "", role=node.text("role"), affiliation=node.text("affiliation")
    )


def _site(node: Node) -> Site:
    # Some records list over a thousand sites (NCT02513394): keep this path lean.
    geo = node.node("geoPoint")
    return Site(
        facility=node.text("facility"),
        status=node.text("status"),
        city=node.text("city"),
        state=node.text("state"),
        zip=node.text("zip"),
        country=node.text("country"),
        lat=geo.number("lat"),
        lon=geo.number("lon"),
        contacts=tuple(_contact(n) for n in node.nodes("contacts")),
    )


def _reference(node: Node) -> Reference:
    return Reference(citation=node.text("citation"), pmid=node.text("pmid"), type=node.text("type"))


def _link(node: Node) -> Link:
    return Link(url=node.text("url") or "", label=node.text("label"))
