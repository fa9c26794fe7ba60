"""Builders for a trial's parties: Organization (sponsors), Practitioner (officials), Location (sites)."""

from __future__ import annotations

from fhir_adapter.resources.common import FhirVersion, Json, ResourceKey, compact, ctgov_coding, text_concept
from fhir_adapter.sources import Contact, Official, Organization, Site
from fhir_adapter.terms import EXT_SITE_STATUS, Terms


def build_organization(org: Organization, key: ResourceKey, terms: Terms, *, version: FhirVersion) -> Json:
    """Return the Organization for a sponsor or collaborator; shared by every trial naming it."""
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


def build_practitioner(official: Official, key: ResourceKey, *, version: FhirVersion) -> Json:
    """Return the Practitioner for an overall official; the name stays as written (never split)."""
    return compact(
        {
            "resourceType": "Practitioner",
            "identifier": [key.identifier()],
            "name": [{"text": official.name}],
        }
    )


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
            "telecom": contact_points(site.contacts),
            "address": _address(site),
            "position": _position(site),
        }
    )


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


def _address(site: Site) -> Json | None:
    address = compact(
        {"city": site.city, "state": site.state, "postalCode": site.zip, "country": site.country}
    )
    return address or None


def _position(site: Site) -> Json | None:
    if site.lat is None or site.lon is None:
        return None
    return {"longitude": site.lon, "latitude": site.lat}
