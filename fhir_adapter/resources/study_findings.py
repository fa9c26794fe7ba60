"""What a reader of a ResearchStudy should check in the registry record: data-quality findings."""

from __future__ import annotations

from fhir_adapter.resources.keys import TrialKeys
from fhir_adapter.resources.parties import COUNTRY_TABLE, country_coding
from fhir_adapter.resources.people import person_named_sites
from fhir_adapter.resources.study_parts import unsure_mesh_issues
from fhir_adapter.sources import DataQualityIssue, TrialRecord
from fhir_adapter.terms import Terms

LOCATIONS_FIELD = "protocolSection.contactsLocationsModule.locations"


def countries(trial: TrialRecord) -> list[str]:
    """Return the countries of the trial's sites, each once, in order."""
    return list(dict.fromkeys(site.country for site in trial.sites if site.country))


def study_findings(trial: TrialRecord, keys: TrialKeys, terms: Terms) -> list[DataQualityIssue]:
    """Return the findings about the study's MeSH ids, countries, sites and enrollment."""
    issues = unsure_mesh_issues(trial)
    for country in countries(trial):
        if country_coding(country, terms) is None:  # no row, or an 'unmatched' one
            issues.append(
                DataQualityIssue(
                    trial.nct_id,
                    f"{LOCATIONS_FIELD}.country",
                    f"country {country!r} has no ISO 3166 code in {COUNTRY_TABLE}: kept as text only",
                    severity="information",
                )
            )
    for index in person_named_sites(trial, keys.people):
        # The name itself stays out of the message: it is a person's name, and findings reach logs.
        issues.append(
            DataQualityIssue(
                trial.nct_id,
                f"{LOCATIONS_FIELD}[{index}].facility",
                "the facility name is the name of a person this record names (a contact or investigator), "
                "not of an institution: check the site in the registry record",
            )
        )
    if trial.enrollment_count is not None and trial.enrollment_type is None:
        issues.append(
            DataQualityIssue(
                trial.nct_id,
                "protocolSection.designModule.enrollmentInfo.type",
                "the enrollment count is not marked actual or estimated: kept as the eligibility Group's "
                "quantity only",
                severity="information",
            )
        )
    return issues
