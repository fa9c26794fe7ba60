"""Builders for a trial's parties: Organization (sponsors, collaborators, affiliations), Practitioner and
PractitionerRole (officials, the responsible investigator, site investigators and contacts), Location (sites).

R4 element orders: http://hl7.org/fhir/R4/practitionerrole.html, location.html, organization.html. R5 keeps
them for what we write, except that a Location's and a PractitionerRole's phones and emails move from
`telecom` into `contact` (ExtendedContactDetail), at the same place.
"""

from __future__ import annotations

from fhir_adapter.resources.common import (
    FhirVersion,
    Json,
    ResourceKey,
    compact,
    ctgov_coding,
    humanize,
    text_concept,
)
from fhir_adapter.resources.keys import TrialKeys
from fhir_adapter.resources.people import Person, PersonRole
from fhir_adapter.sources import Contact, Organization, Site
from fhir_adapter.terms import EXT_SITE_STATUS, EXT_STRING_CODING, Terms

COUNTRY_TABLE = "ctgov-country-iso3166"


def build_organization(org: Organization, key: ResourceKey, terms: Terms, *, version: FhirVersion) -> Json:
    """Return the Organization for a sponsor, collaborator or affiliation; shared by every trial naming it."""
    org_type = None
    if org.agency_class:
        org_type = text_concept(org.agency_class, terms.codings("ctgov-agency-class", org.agency_class))
    return compact(
        {
            "resourceType": "Organization",
            "identifier": [key.identifier()],
            "type": [org_type] if org_type else None,
            "name": org.name,
        }
    )


def build_practitioner(person: Person, *, version: FhirVersion) -> Json:
    """Return the Practitioner for one person: every spelling the record uses, as written (never split)."""
    return {
        "resourceType": "Practitioner",
        "identifier": [person.key.identifier()],
        "name": [{"text": name} for name in person.names],
    }


def build_practitioner_role(role: PersonRole, terms: Terms, *, version: FhirVersion) -> Json:
    """Return the PractitionerRole linking a person to what they do in this trial, for whom and where."""
    org = role.organization
    codes = [_role_concept(table, code, terms) for table, code in role.codes]
    return compact(
        {
            "resourceType": "PractitionerRole",
            "identifier": [role.key.identifier()],
            "practitioner": role.practitioner.reference(role.name) if role.practitioner else None,
            "organization": TrialKeys.organization(org).reference(org.name) if org else None,
            "code": [*codes, {"text": role.title}] if role.title else codes,
            "location": [role.location.reference()] if role.location else None,
            **_telecom(contact_points(role.contacts), version),
        }
    )


def _role_concept(table: str, code: str, terms: Terms) -> Json:
    """Return a CT.gov role as a CodeableConcept: the R5 party role where one fits, then CT.gov's own code."""
    codings = [*terms.codings(table, code), ctgov_coding(table.removeprefix("ctgov-"), code)]
    return {"coding": codings, "text": humanize(code)}


def build_location(site: Site, key: ResourceKey, terms: Terms, *, version: FhirVersion) -> Json:
    """Return the Location for one of the trial's sites, with its status in this trial."""
    status = terms.map("ctgov-site-status", site.status) if site.status else None
    return compact(
        {
            "resourceType": "Location",
            "extension": [_site_status_extension(site.status)] if site.status else None,
            "identifier": [key.identifier()],
            "status": status.code if status else None,
            "name": site.facility,
            **_telecom(contact_points(site.contacts), version),
            "address": _address(site, terms),
            "position": _position(site),
        }
    )


def _telecom(points: list[Json], version: FhirVersion) -> Json:
    """Return phones and emails where `version` puts them: R4 `telecom`, R5 `contact[].telecom`
    (ExtendedContactDetail; resources/versions.py)."""
    if not points:
        return {}
    return {"telecom": points} if version is FhirVersion.R4 else {"contact": [{"telecom": points}]}


def country_coding(country: str, terms: Terms) -> dict[str, str] | None:
    """Return the ISO 3166-1 alpha-2 coding of a CT.gov country name, None when the table has none."""
    target = terms.map(COUNTRY_TABLE, country)
    return target.coding() if target else None


def contact_points(contacts: tuple[Contact, ...]) -> list[Json]:
    """Return the phones and emails of `contacts` as ContactPoints, in order, without repeats."""
    points: list[Json] = []
    for contact in contacts:
        if contact.phone:
            phone = f"{contact.phone} ext. {contact.phone_ext}" if contact.phone_ext else contact.phone
            points.append({"system": "phone", "value": phone, "use": "work"})
        if contact.email:
            points.append({"system": "email", "value": contact.email, "use": "work"})
    unique = {(p["system"], p["value"]): p for p in points}
    return list(unique.values())


def _site_status_extension(status: str) -> Json:
    return {"url": EXT_SITE_STATUS, "valueCoding": ctgov_coding("recruitment-status", status)}


def _address(site: Site, terms: Terms) -> Json | None:
    coding = country_coding(site.country, terms) if site.country else None
    # The country stays as the registry writes it; its ISO code rides on the string (R4's SC-coding).
    country_code = {"extension": [{"url": EXT_STRING_CODING, "valueCoding": coding}]} if coding else None
    address = compact(
        {
            "city": site.city,
            "state": site.state,
            "postalCode": site.zip,
            "country": site.country,
            "_country": country_code,
        }
    )
    return address or None


def _position(site: Site) -> Json | None:
    if site.lat is None or site.lon is None:
        return None
    return {"longitude": site.lon, "latitude": site.lat}
