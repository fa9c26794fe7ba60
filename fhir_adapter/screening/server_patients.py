"""Reading patients and their data from a FHIR server, with the usual search parameters and `_count` paging.

Patients come page by page (`Patient?<query>&_count=N`, then the server's `next` links), so a large
population never sits in memory at once. For each patient only what the trial's coded criteria need is
asked for: `Observation?subject=Patient/<id>&code=<the codes>` and `Condition?subject=...&code=...`.
Medications and procedures are not read: no rule here uses them. A patient whose data cannot be read is
reported and the others go on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fhir_adapter.client import FhirClient
from fhir_adapter.errors import FhirAdapterError, InputError
from fhir_adapter.screening.patients import PatientRecord
from fhir_adapter.screening.rules import ScreeningRules
from fhir_adapter.screening.trial import Code, ScreeningTrial
from fhir_adapter.terms import SNOMED_SYSTEM

DEFAULT_PAGE_SIZE = 100
DATA_PAGE_SIZE = 200


@dataclass(frozen=True)
class DataNeeds:
    """The observation and condition codes a trial's coded characteristics can use."""

    observation_codes: frozenset[Code]
    condition_codes: frozenset[Code]


def data_needs(trial: ScreeningTrial, rules: ScreeningRules) -> DataNeeds:
    """Return every code whose Observations or Conditions the trial's characteristics read."""
    observations: set[Code] = set()
    conditions: set[Code] = set()
    for criterion in trial.criteria:
        for characteristic in criterion.characteristics:
            for code in characteristic.codes:
                observations |= rules.observation_codes(code)
                observations |= {test.code for test in rules.tests_for(code)}
                if code[0] == SNOMED_SYSTEM and "valueBoolean" in characteristic.value:
                    conditions.add(code)
    return DataNeeds(frozenset(observations), frozenset(conditions))


def read_server_patients(
    client: FhirClient,
    query: str | None,
    needs: DataNeeds,
    *,
    nct_id: str,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> Iterator[PatientRecord | InputError]:
    """Yield each patient the query finds with the data the trial needs, or the error for that patient."""
    params = [(k, v) for k, v in parse_qsl(query or "", keep_blank_values=True) if k != "_count"]
    url: str | None = "Patient?" + urlencode([*params, ("_count", str(page_size))], safe="|:/,")
    while url is not None:
        try:
            page = client.read(url, nct_id=nct_id)
        except ValueError as exc:  # a next link that points away from the server: not followed
            raise InputError(f"patient search stopped: {exc}", nct_id=nct_id) from exc
        for entry in page.get("entry") or []:
            patient = entry.get("resource") if isinstance(entry, dict) else None
            if isinstance(patient, dict) and patient.get("resourceType") == "Patient" and patient.get("id"):
                yield _with_data(client, patient, needs, nct_id=nct_id)
        url = _next_page(page)


def _with_data(
    client: FhirClient, patient: dict[str, Any], needs: DataNeeds, *, nct_id: str
) -> PatientRecord | InputError:
    record = PatientRecord(str(patient["id"]), patient, source=client.base_url)
    subject = f"Patient/{record.id}"
    try:
        for resource_type, codes in (
            ("Observation", needs.observation_codes),
            ("Condition", needs.condition_codes),
        ):
            if codes:
                params = {"subject": subject, "code": _token_list(codes), "_count": str(DATA_PAGE_SIZE)}
                for resource in client.search(resource_type, params, nct_id=nct_id):
                    record.add(resource)
    except FhirAdapterError as exc:
        return InputError(f"could not read the patient's data: {exc}", file=f"{client.base_url}/{subject}")
    return record


def _token_list(codes: frozenset[Code]) -> str:
    return ",".join(f"{system}|{code}" for system, code in sorted(codes))


def _next_page(page: Mapping[str, Any]) -> str | None:
    links = [link for link in page.get("link") or [] if isinstance(link, dict)]
    return next(
        (str(link["url"]) for link in links if link.get("relation") == "next" and link.get("url")), None
    )
