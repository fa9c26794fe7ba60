"""The people of a trial: one Practitioner per person, one PractitionerRole per capacity they act in.

CT.gov names people in four places: the overall officials (with an affiliation), the responsible party
investigator (with a title and an affiliation), and each site's contacts and investigators. R4 says who does
what, where and for whom with a PractitionerRole linking Practitioner, Location and Organization. Within one
trial a person named twice is one Practitioner ("Bing, Xu" and "Bing Xu, PhD" in NCT06158412), and every
spelling is kept as one of its names. Names that are not a person's ("Site Public Contact", "Clinical Trial
Management", "Bristol-Myers Squibb") get no Practitioner: an official's role keeps the name as written, a
site's phone numbers stay on the Location.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from fhir_adapter.resources.common import ResourceKey, slug, unique_slugs
from fhir_adapter.sources import Contact, Organization, Site, TrialRecord
from fhir_adapter.terms import PRACTITIONER_ID_SYSTEM, PRACTITIONER_ROLE_ID_SYSTEM
from fhir_adapter.text.first_chars import guarded

OFFICIAL_ROLE_TABLE = "ctgov-official-role"
CONTACT_ROLE_TABLE = "ctgov-contact-role"
RESPONSIBLE_PARTY_TABLE = "ctgov-responsible-party"

# Words that never name a person but a function, a place or a company, seen as contact and official names
# in CT.gov records (NCT04267848 'Site Public Contact', NCT02210780 'Clinical Trial Management', NCT05843643
# 'ABBVIE INC.', NCT04688775 'Email contact via H. Lundbeck A/S'). Surnames that are also common words
# ('Call', 'Leader', 'General') are left out on purpose: a person must not lose their name to this list.
_NOT_A_PERSON = re.compile(
    r"\b(?:contact|coordinator|site|office|department|dept|cent(?:er|re)|research|clinical|trials?|stud(?:y|ies)"
    r"|information|recruitment|team|desk|unit|programm?e?|hotline|public|services|institute|hospital|clinic"
    r"|university|foundation|group|management|manager|director|inc|ltd|llc|gmbh|corp|corporation|company"
    r"|pharmaceuticals?|pharma|sciences|email)\b",
    re.IGNORECASE,
)
_NOT_A_PERSON = guarded(_NOT_A_PERSON)  # twice as fast over the names of a thousand sites (issue 16)
# Titles before a name and degrees after its first comma, left out of the key that says two spellings name
# one person. Only after the comma: "Khanh Do" is a name, "Khanh Do, DO" a name and a degree.
_HONORIFICS = frozenset({"dr", "prof", "professor", "mr", "mrs", "ms", "miss", "mx"})
_DEGREES = frozenset(
    {
        *("md", "phd", "do", "mph", "msc", "ms", "ma", "mba", "rn", "bsn", "msn", "np", "pa", "pharmd"),
        *("mbbs", "mbchb", "bm", "bch", "mrcp", "frcp", "frcpc", "facs", "facp", "fracp", "frca", "dds"),
        *("dmd", "dvm", "bs", "bsc", "ba", "dnp", "aprn", "aocn", "ccrc", "ccrp", "crnp", "lpn", "msw"),
        *("med", "dr", "prof", "professor", "master", "jr", "sr", "ii", "iii", "iv", "m", "d", "ph"),
    }
)


@dataclass(frozen=True)
class PersonRole:
    """One PractitionerRole: a person (or a named function) acting in one capacity in this trial."""

    key: ResourceKey
    name: str  # as this capacity writes it
    practitioner: ResourceKey | None  # None when the name is not a person's
    codes: tuple[tuple[str, str], ...]  # (mapping table, CT.gov code), e.g. ("ctgov-contact-role", "CONTACT")
    title: str | None = None
    organization: Organization | None = None
    location: ResourceKey | None = None
    contacts: tuple[Contact, ...] = ()


@dataclass(frozen=True)
class Person:
    key: ResourceKey  # the Practitioner
    names: tuple[str, ...]  # every spelling the record uses, first seen first


@dataclass(frozen=True)
class TrialPeople:
    people: tuple[Person, ...] = ()
    officials: tuple[PersonRole, ...] = ()  # in record order, one per overall official
    responsible: PersonRole | None = None
    site_roles: tuple[PersonRole, ...] = ()

    @property
    def roles(self) -> tuple[PersonRole, ...]:
        """Return every role: the officials', the responsible investigator's, then the sites'."""
        return (*self.officials, *([self.responsible] if self.responsible else []), *self.site_roles)


@lru_cache(maxsize=8192)  # a trial names the same people at many sites (NCT02465060: 1,218 sites)
def person_key(name: str) -> str:
    """Return the key under which two spellings of one person's name meet: titles and degrees left out.

    >>> person_key("Bing Xu, PhD"), person_key("Bing, Xu"), person_key("Dr. Bing Xu")
    ('bing-xu', 'bing-xu', 'bing-xu')
    >>> person_key("Khanh Do, DO"), person_key("Avraham AVITAL, MD, Prof"), person_key("Suzanne George, MD")
    ('khanh-do', 'avraham-avital', 'suzanne-george')
    """
    head, _, tail = name.partition(",")
    words = head.replace(".", " ").split()
    while len(words) > 1 and words[0].casefold() in _HONORIFICS:
        words.pop(0)
    words += [w for w in re.split(r"[\s,.]+", tail) if w and w.casefold().strip("()") not in _DEGREES]
    return slug(" ".join(words))


def is_person_name(name: str, organizations: Iterable[str] = ()) -> bool:
    """Return True unless `name` names a function, place or company rather than a person.

    >>> is_person_name("Alison K. Conlin"), is_person_name("PETROS NIKOLINAKOS, Site 0019")
    (True, True)
    >>> is_person_name("Site Public Contact"), is_person_name("Site 0259"), is_person_name("ABBVIE INC.")
    (False, False, False)
    >>> is_person_name("Bristol-Myers Squibb", ["Bristol-Myers Squibb"])
    False
    """
    if not _has_a_persons_words(name.partition(",")[0]):
        return False
    # Most calls name no organization (a thousand sites' facilities): no set to build then.
    return not organizations or name.casefold() not in {org.casefold() for org in organizations}


@lru_cache(maxsize=8192)
def _has_a_persons_words(head: str) -> bool:
    """Return True when `head` has letters, no digits and no word that names a function or company."""
    return (
        bool(re.search(r"[^\W\d_]", head)) and not re.search(r"\d", head) and not _NOT_A_PERSON.search(head)
    )


@dataclass
class _Roster:
    nct_id: str
    organizations: tuple[str, ...]
    people: dict[str, list[str]] = field(default_factory=dict)  # person key -> spellings

    def practitioner(self, name: str) -> ResourceKey | None:
        if not is_person_name(name, self.organizations):
            return None
        return self.person(name)

    def person(self, name: str) -> ResourceKey:
        """Return the Practitioner of `name`, already known to name a person; note the spelling."""
        key = person_key(name)
        spellings = self.people.setdefault(key, [])
        if name not in spellings:
            spellings.append(name)
        return self.practitioner_key(key)

    def practitioner_key(self, key: str) -> ResourceKey:
        return ResourceKey("Practitioner", PRACTITIONER_ID_SYSTEM, f"{self.nct_id}/{key}")

    def role_key(self, value: str) -> ResourceKey:
        return ResourceKey("PractitionerRole", PRACTITIONER_ROLE_ID_SYSTEM, value)


def trial_people(trial: TrialRecord, sites: tuple[tuple[Site, ResourceKey], ...]) -> TrialPeople:
    """Return the people of `trial` and their roles; `sites` are its sites with their Location keys."""
    # An official whose name is their affiliation is a company (NCT05827016: 'Bristol-Myers Squibb' of
    # 'Bristol-Myers Squibb'). Sponsors do not count: a sponsor-investigator's name is also the lead
    # sponsor's (NCT02526537: 'Lunxu Liu').
    party = trial.responsible_party
    affiliations = [o.affiliation for o in trial.officials if o.affiliation]
    if party is not None and party.affiliation:
        affiliations.append(party.affiliation)
    roster = _Roster(trial.nct_id, tuple(affiliations))
    officials = []
    keys = unique_slugs(person_key(o.name) for o in trial.officials)
    for official, key in zip(trial.officials, keys, strict=True):
        officials.append(
            PersonRole(
                roster.role_key(f"{trial.nct_id}/official/{key}"),
                official.name,
                roster.practitioner(official.name),
                ((OFFICIAL_ROLE_TABLE, official.role),) if official.role else (),
                organization=Organization(official.affiliation) if official.affiliation else None,
            )
        )
    responsible = _responsible(trial, roster)
    site_roles = [role for site, key in sites for role in _site_roles(site, key, roster)]
    people = tuple(Person(roster.practitioner_key(k), tuple(names)) for k, names in roster.people.items())
    return TrialPeople(people, tuple(officials), responsible, tuple(site_roles))


def _responsible(trial: TrialRecord, roster: _Roster) -> PersonRole | None:
    party = trial.responsible_party
    name = party.person_name if party else None
    if party is None or name is None:
        return None
    return PersonRole(
        roster.role_key(f"{trial.nct_id}/responsible-party"),
        name,
        roster.practitioner(name),
        ((RESPONSIBLE_PARTY_TABLE, party.type),) if party.type else (),
        title=party.investigator_title,
        organization=Organization(party.affiliation) if party.affiliation else None,
    )


def _site_roles(site: Site, location: ResourceKey, roster: _Roster) -> list[PersonRole]:
    """Return one role per person named among the site's contacts and investigators, roles merged."""
    by_person: dict[str, list[Contact]] = {}
    for contact in site.contacts:
        if contact.name and is_person_name(contact.name, roster.organizations):
            by_person.setdefault(person_key(contact.name), []).append(contact)
    roles = []
    for key, contacts in by_person.items():
        name = contacts[0].name or ""
        codes = tuple(dict.fromkeys((CONTACT_ROLE_TABLE, c.role) for c in contacts if c.role))
        roles.append(
            PersonRole(
                roster.role_key(f"{location.value}/{key}"),
                name,
                roster.person(name),  # by_person holds only names of people
                codes,
                location=location,
                contacts=tuple(contacts),
            )
        )
    for contact in (c for contacts in by_person.values() for c in contacts[1:]):
        roster.person(contact.name or "")  # every spelling becomes one of the person's names
    return roles


def person_named_sites(trial: TrialRecord, people: TrialPeople) -> list[int]:
    """Return the indexes of the sites whose facility name is the name of a person the record names.

    A site is a place; CT.gov sometimes holds a person's name there instead (NCT06158412: facility 'Bing Xu',
    the name of a site contact and of the responsible investigator).
    """
    named = {person_key(name) for person in people.people for name in person.names}
    named |= {person_key(c.name) for c in trial.central_contacts if c.name and is_person_name(c.name)}
    return [
        index
        for index, site in enumerate(trial.sites)
        if site.facility and is_person_name(site.facility) and person_key(site.facility) in named
    ]
