"""Read one legacy ClinicalTrials.gov XML record (`<clinical_study>`, the format before API v2) into a
TrialRecord, with every enum word turned into its API v2 code so the rest of the pipeline sees one shape.

Schema: https://clinicaltrials.gov/ct2/html/images/info/public.xsd (last version 2019-02-14). Unknown elements
are ignored. What the XML holds and a TrialRecord has no field for is not read: MeSH terms (the XML gives no
MeSH ids, and a Mesh needs one, so none are guessed), NCT aliases, the submission, posting and verification
dates, oversight other than FDA regulation, expanded access details, study population and sampling method,
biospecimens, the patient-registry flag, location and removed countries, IPD sharing, documents and
results. (Site investigators have no affiliation in the XML either.)
"""

from __future__ import annotations

from fhir_adapter.sources.ctgov_json import NCT_ID_PATTERN
from fhir_adapter.sources.fields import Where
from fhir_adapter.sources.model import (
    Arm,
    Contact,
    Design,
    Eligibility,
    Intervention,
    Link,
    Official,
    Organization,
    Outcome,
    Reference,
    ResponsibleParty,
    SecondaryId,
    Site,
    TrialRecord,
)
from fhir_adapter.sources.xml_fields import XmlNode, parse_xml
from fhir_adapter.sources.xml_values import legacy_code, normalise_word, parse_masking, parse_phases

ROOT_TAG = "clinical_study"
CONTACT_ROLE = "CONTACT"  # v2's role for central and site contacts
RESULT_REFERENCE_TYPE = "RESULT"  # v2's type for what the XML calls results_reference
REDACTED = "[Redacted]"  # what public.xsd writes for a withheld device trial's party (NCT03182660)
_YES_NO = {"YES": True, "NO": False}
_HEALTHY_VOLUNTEERS = {"ACCEPTS_HEALTHY_VOLUNTEERS": True, "YES": True, "NO": False}
_OUTCOME_TAGS = (
    ("primary", "primary_outcome"),
    ("secondary", "secondary_outcome"),
    ("other", "other_outcome"),
)


def parse_clinical_study(data: bytes, file: str) -> TrialRecord:
    """Return the TrialRecord for one `<clinical_study>` document; raise InputError naming the element."""
    root = parse_xml(data, file)
    if root.tag != ROOT_TAG:
        raise Where(file).error(root.tag, f"expected a <{ROOT_TAG}> document", root.tag)
    nct_id = _nct_id(XmlNode(root, ROOT_TAG, Where(file)))
    return _trial(XmlNode(root, ROOT_TAG, Where(file, None, nct_id)), nct_id)


def _nct_id(study: XmlNode) -> str:
    nct_id = study.text("id_info/nct_id")
    if nct_id is None:
        raise study.error("id_info/nct_id", "missing")
    if not NCT_ID_PATTERN.match(nct_id):
        raise study.error("id_info/nct_id", f"{nct_id!r} is not an NCT number", nct_id)
    return nct_id


def _trial(study: XmlNode, nct_id: str) -> TrialRecord:
    interventions = tuple(
        _intervention(n) for n in study.nodes("intervention") if n.text("intervention_name")
    )
    phase = study.text("phase")
    return TrialRecord(
        nct_id=nct_id,
        source=study.where.file,
        brief_title=study.text("brief_title"),
        official_title=study.text("official_title"),
        acronym=study.text("acronym"),
        org_study_id=study.text("id_info/org_study_id"),
        organization=study.text("source"),  # the record's owner: v2 identificationModule.organization
        secondary_ids=tuple(SecondaryId(id=value) for value in study.texts("id_info/secondary_id")),
        overall_status=study.code("overall_status"),
        last_known_status=study.code("last_known_status"),
        why_stopped=study.text("why_stopped"),
        start_date=study.date("start_date"),
        start_date_type=_date_type(study, "start_date"),
        primary_completion_date=study.date("primary_completion_date"),
        primary_completion_date_type=_date_type(study, "primary_completion_date"),
        completion_date=study.date("completion_date"),
        completion_date_type=_date_type(study, "completion_date"),
        last_update_date=_last_update(study),
        lead_sponsor=_organization(study.node("sponsors/lead_sponsor")),
        responsible_party=_responsible_party(study.node("responsible_party")),
        collaborators=tuple(
            org for node in study.nodes("sponsors/collaborator") if (org := _organization(node))
        ),
        brief_summary=study.textblock("brief_summary"),
        detailed_description=study.textblock("detailed_description"),
        conditions=study.texts("condition"),
        keywords=study.texts("keyword"),
        study_type=_study_type(study),
        phases=parse_phases(phase) if phase else (),
        design=_design(study.node("study_design_info")),
        enrollment_count=study.integer("enrollment"),
        enrollment_type=_enrollment_type(study),
        arms=tuple(_arm(n, interventions) for n in study.nodes("arm_group") if n.text("arm_group_label")),
        interventions=interventions,
        outcomes=tuple(
            _outcome(kind, n) for kind, tag in _OUTCOME_TAGS for n in study.nodes(tag) if n.text("measure")
        ),
        eligibility=_eligibility(study.node("eligibility")),
        central_contacts=_contacts(study, ("overall_contact", "overall_contact_backup")),
        officials=tuple(_official(n) for n in study.nodes("overall_official") if _person_name(n)),
        sites=tuple(_site(n) for n in study.nodes("location")),
        references=_references(study),
        links=tuple(
            Link(url=url, label=n.text("description")) for n in study.nodes("link") if (url := n.text("url"))
        ),
        fda_regulated_drug=_yes_no(study, "oversight_info/is_fda_regulated_drug"),
        fda_regulated_device=_yes_no(study, "oversight_info/is_fda_regulated_device"),
    )


def _last_update(study: XmlNode) -> str | None:
    # Records written before 2017 have no last_update_posted; public.xsd calls their lastchanged_date the
    # closest alternative (NCT00002475, NCT01341288).
    return study.date("last_update_posted") or study.date("lastchanged_date")


def _study_type(study: XmlNode) -> str | None:
    code = study.code("study_type")
    # "N/A" marks a redacted device trial (public.xsd; NCT03182660): v2 has no study type for it.
    return None if code == "NA" else code


def _enrollment_type(study: XmlNode) -> str | None:
    value = study.attribute("enrollment", "type")
    return legacy_code(value) if value else None


def _date_type(study: XmlNode, tag: str) -> str | None:
    """Return v2's ACTUAL or ESTIMATED for the `type` attribute of a date ('Anticipated' -> 'ESTIMATED')."""
    value = study.attribute(tag, "type")
    return legacy_code(value) if value and study.date(tag) else None


def _responsible_party(node: XmlNode) -> ResponsibleParty | None:
    def text(tag: str) -> str | None:
        value = node.text(tag)
        return None if value == REDACTED else value

    kind = node.code("responsible_party_type")
    party = ResponsibleParty(
        type=kind,
        investigator_name=text("investigator_full_name"),
        investigator_title=text("investigator_title"),
        investigator_affiliation=text("investigator_affiliation"),
        old_name_title=text("name_title"),
        old_organization=text("organization"),
    )
    return party if party != ResponsibleParty() else None


def _organization(node: XmlNode) -> Organization | None:
    name = node.text("agency")
    return Organization(name=name, agency_class=node.code("agency_class")) if name else None


def _design(node: XmlNode) -> Design:
    masking_text = node.text("masking")
    masking, who_masked = parse_masking(masking_text) if masking_text else (None, ())
    return Design(
        allocation=node.code("allocation"),
        intervention_model=node.code("intervention_model"),
        observational_model=node.code("observational_model"),
        time_perspective=node.code("time_perspective"),
        primary_purpose=node.code("primary_purpose"),
        masking=masking,
        who_masked=who_masked,
    )


def _intervention(node: XmlNode) -> Intervention:
    return Intervention(
        type=node.code("intervention_type"),
        name=node.text("intervention_name") or "",
        description=node.text("description"),
        arm_labels=node.texts("arm_group_label"),
        other_names=node.texts("other_name"),
    )


def _arm(node: XmlNode, interventions: tuple[Intervention, ...]) -> Arm:
    label = node.text("arm_group_label") or ""
    return Arm(
        label=label,
        type=node.code("arm_group_type"),
        description=node.text("description"),
        # The XML links arms and interventions from the intervention side only; v2 states the same link
        # from both sides ("Drug: Carboplatin"), and so does the record we build.
        intervention_names=tuple(i.label for i in interventions if label in i.arm_labels),
    )


def _outcome(kind: str, node: XmlNode) -> Outcome:
    return Outcome(
        kind=kind,
        measure=node.text("measure") or "",
        description=node.text("description"),
        time_frame=node.text("time_frame"),
    )


def _eligibility(node: XmlNode) -> Eligibility:
    return Eligibility(
        criteria=node.textblock("criteria"),
        sex=node.code("gender"),
        minimum_age=_age(node.text("minimum_age")),
        maximum_age=_age(node.text("maximum_age")),
        healthy_volunteers=_healthy_volunteers(node),
    )


def _age(value: str | None) -> str | None:
    return None if value is None or legacy_code(value) == "NA" else value


def _healthy_volunteers(node: XmlNode) -> bool | None:
    value = node.text("healthy_volunteers")
    if value is None:
        return None
    answer = _HEALTHY_VOLUNTEERS.get(normalise_word(value))
    if answer is None:
        raise node.error("healthy_volunteers", "expected 'Accepts Healthy Volunteers' or 'No'", value)
    return answer


def _yes_no(node: XmlNode, tag: str) -> bool | None:
    value = node.text(tag)
    if value is None:
        return None
    answer = _YES_NO.get(normalise_word(value))
    if answer is None:
        raise node.error(tag, "expected 'Yes' or 'No'", value)
    return answer


def _person_name(node: XmlNode) -> str | None:
    """Return first, middle and last name, then ', degrees' (the XML splits what v2 writes as one name)."""
    parts = (node.text(tag) for tag in ("first_name", "middle_name", "last_name"))
    name = " ".join(part for part in parts if part)
    degrees = node.text("degrees")
    return f"{name}, {degrees}" if name and degrees else name or None


def _contacts(parent: XmlNode, tags: tuple[str, ...]) -> tuple[Contact, ...]:
    """Return the contacts (v2 role CONTACT) in the `tags` children that are present, in `tags` order."""
    nodes = (parent.node(tag) for tag in tags)
    return tuple(_contact(node, CONTACT_ROLE) for node in nodes if node.element is not None)


def _contact(node: XmlNode, role: str | None) -> Contact:
    return Contact(
        name=_person_name(node),
        role=role,
        phone=node.text("phone"),
        phone_ext=node.text("phone_ext"),
        email=node.text("email"),
    )


def _official(node: XmlNode) -> Official:
    return Official(
        name=_person_name(node) or "", role=node.code("role"), affiliation=node.text("affiliation")
    )


def _site(node: XmlNode) -> Site:
    address = node.node("facility/address")
    investigators = tuple(_contact(n, n.code("role")) for n in node.nodes("investigator"))
    return Site(
        facility=node.text("facility/name"),
        status=node.code("status"),
        city=address.text("city"),
        state=address.text("state"),
        zip=address.text("zip"),
        country=address.text("country"),
        contacts=_contacts(node, ("contact", "contact_backup")) + investigators,
    )


def _references(study: XmlNode) -> tuple[Reference, ...]:
    # The XML's plain `reference` may be v2's BACKGROUND or DERIVED; it does not say which, so no type.
    kinds = (("reference", None), ("results_reference", RESULT_REFERENCE_TYPE))
    return tuple(
        Reference(citation=n.text("citation"), pmid=n.text("PMID"), type=kind)
        for tag, kind in kinds
        for n in study.nodes(tag)
        if n.text("citation") or n.text("PMID")
    )
