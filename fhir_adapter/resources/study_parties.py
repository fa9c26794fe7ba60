"""Who takes part in running a study, as R5 ResearchStudy.associatedParty {name, role, classifier, party}.

R5 names every party here: the lead sponsor, the collaborators, every overall official (the principal
investigator too), the central contacts and the party responsible for the record. R4 has elements of its
own for the lead sponsor (`sponsor`), the principal investigator (`principalInvestigator`) and the central
contacts (`contact`), so its cross-version associatedParty extensions carry only the others.
"""

from __future__ import annotations

from collections.abc import Iterator

from fhir_adapter.resources.common import FhirVersion, Json, compact, ctgov_coding, humanize, text_concept
from fhir_adapter.resources.keys import TrialKeys
from fhir_adapter.resources.people import PersonRole, person_key
from fhir_adapter.sources import TrialRecord
from fhir_adapter.terms import PARTY_ROLE_SYSTEM, Terms

UNSPECIFIED_ROLE = {"text": "unspecified role"}  # R5's role is 1..1; CT.gov sometimes names none


def associated_parties(
    trial: TrialRecord, keys: TrialKeys, terms: Terms, principal: PersonRole | None, version: FhirVersion
) -> list[Json]:
    """Return the study's parties in `version`'s associatedParty (R4: those R4 has no element for)."""
    return list(_parties(trial, keys, terms, principal, version))


def _parties(
    trial: TrialRecord, keys: TrialKeys, terms: Terms, principal: PersonRole | None, version: FhirVersion
) -> Iterator[Json]:
    r5 = version is FhirVersion.R5
    lead = trial.lead_sponsor
    if r5 and lead is not None:
        yield party(lead.name, _party_role("lead-sponsor"), keys.organization(lead).reference(lead.name))
    for org in trial.collaborators:
        yield party(org.name, _party_role("collaborator"), keys.organization(org).reference(org.name))
    for role in keys.people.officials:
        if r5 or role is not principal:  # R4's principalInvestigator holds that one
            yield party(role.name, mapped_role(role, terms), role.key.reference(role.name))
    if r5:
        known = {person.key.value: person.key for person in keys.people.people}
        for contact in trial.central_contacts:
            if contact.name:
                # A central contact who is also an official or a site's contact is that Practitioner.
                found = known.get(f"{trial.nct_id}/{person_key(contact.name)}")
                reference = found.reference(contact.name) if found else None
                yield party(contact.name, _party_role("recruitment-contact"), reference)
    responsible = _responsible_party(trial, keys, terms)
    if responsible is not None:
        yield responsible


def party(name: str, role: Json | None, reference: Json | None, *, classifier: Json | None = None) -> Json:
    return compact(
        {
            "name": name,
            "role": role or UNSPECIFIED_ROLE,
            "classifier": [classifier] if classifier else None,
            "party": reference,
        }
    )


def _party_role(code: str) -> Json:
    return {"coding": [{"system": PARTY_ROLE_SYSTEM, "code": code, "display": code}]}


def mapped_role(role: PersonRole, terms: Terms) -> Json | None:
    """Return the R5 party role of a CT.gov role, with CT.gov's word as text; None when it has no role."""
    for table, code in role.codes:
        return text_concept(humanize(code), terms.codings(table, code))
    return None


def _responsible_party(trial: TrialRecord, keys: TrialKeys, terms: Terms) -> Json | None:
    """Return who answers for the record, as an associated party classified 'Responsible party'.

    When the sponsor is responsible, the party is the lead sponsor; otherwise the investigator's role,
    which names the person (with their title and affiliation) through a PractitionerRole.
    """
    responsible = trial.responsible_party
    if responsible is None:
        return None
    classifier = text_concept(
        "Responsible party",
        [ctgov_coding("responsible-party", responsible.type)] if responsible.type else None,
    )
    role = keys.people.responsible
    if role is not None:
        reference = role.key.reference(role.name)
        return party(role.name, mapped_role(role, terms), reference, classifier=classifier)
    lead = trial.lead_sponsor
    if responsible.type != "SPONSOR" or lead is None:
        return None
    sponsor_role = text_concept(
        humanize(responsible.type), terms.codings("ctgov-responsible-party", responsible.type)
    )
    reference = keys.organization(lead).reference(lead.name)
    return party(lead.name, sponsor_role, reference, classifier=classifier)
