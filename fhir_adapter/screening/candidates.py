"""The coordinator's worklist in the EHR: an R4 ResearchSubject with status `candidate` per screened patient.

Each is written by conditional create (`POST ResearchSubject` with `If-None-Exist: identifier=...`), keyed
by an identifier made of the NCT number and the patient's id, so a second run creates nothing new and a
subject the coordinator has since moved on (screening, eligible, on-study) is never touched.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from fhir_adapter.client import FhirClient
from fhir_adapter.errors import ServerError
from fhir_adapter.screening.trial import Json
from fhir_adapter.terms import PROJECT_BASE, rebase

logger = logging.getLogger(__name__)

CANDIDATE_SYSTEM = f"{PROJECT_BASE}/sid/screening-candidate"
CANDIDATE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, CANDIDATE_SYSTEM)
DEFAULT_BATCH = 50  # entries per transaction: small enough for servers that cap a Bundle's size
_STATUS = re.compile(r"\s*(\d{3})")


@dataclass
class CandidateWrite:
    """What writing the candidates did: how many were created, already there, or failed (with reasons)."""

    created: int = 0
    existing: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def candidate_subject(nct_id: str, study_reference: str, patient_id: str) -> Json:
    """Return the R4 ResearchSubject that puts a patient on the trial's worklist as a candidate."""
    return {
        "resourceType": "ResearchSubject",
        "identifier": [{"system": CANDIDATE_SYSTEM, "value": candidate_key(nct_id, patient_id)}],
        "status": "candidate",
        "study": {"reference": study_reference},
        "individual": {"reference": f"Patient/{patient_id}"},
    }


def candidate_key(nct_id: str, patient_id: str) -> str:
    """Return the identifier value of a trial's candidate.

    >>> candidate_key("NCT06158412", "p-17")
    'NCT06158412/p-17'
    """
    return f"{nct_id}/{patient_id}"


def write_candidates(
    client: FhirClient,
    nct_id: str,
    study_reference: str,
    patient_ids: Sequence[str],
    *,
    batch: int = DEFAULT_BATCH,
    identifier_base: str = PROJECT_BASE,
) -> CandidateWrite:
    """Write a candidate ResearchSubject for each patient id, in transactions of `batch` entries, identified
    under `identifier_base`."""
    outcome = CandidateWrite()
    for start in range(0, len(patient_ids), batch):
        chunk = patient_ids[start : start + batch]
        bundle = _transaction([candidate_subject(nct_id, study_reference, p) for p in chunk])
        bundle = rebase(bundle, from_base=PROJECT_BASE, to_base=identifier_base)
        try:
            result = client.send_bundle(bundle, nct_id=nct_id)
        except ServerError as exc:
            outcome.failures.append(f"{len(chunk)} candidates not written: {exc}")
            continue
        for answer in result.response.get("entry") or []:
            status = _status(answer)
            if status == 201:
                outcome.created += 1
            elif status is not None and 200 <= status < 300:
                outcome.existing += 1
        outcome.failures.extend(str(f) for f in result.failures)
    logger.info(
        "%s: screen: candidates %d created, %d already there", nct_id, outcome.created, outcome.existing
    )
    return outcome


def _status(answer: Json) -> int | None:
    """Return a response entry's status code ("201 Created" -> 201).

    >>> _status({"response": {"status": "200 OK"}}), _status({})
    (200, None)
    """
    response = answer.get("response")
    match = _STATUS.match(str(response.get("status", ""))) if isinstance(response, dict) else None
    return int(match.group(1)) if match else None


def _transaction(subjects: list[Json]) -> Json:
    entries = []
    for subject in subjects:
        identifier = subject["identifier"][0]
        token = f"{identifier['system']}|{identifier['value']}"
        entries.append(
            {
                "fullUrl": f"urn:uuid:{uuid.uuid5(CANDIDATE_NAMESPACE, identifier['value'])}",
                "resource": subject,
                "request": {"method": "POST", "url": "ResearchSubject", "ifNoneExist": f"identifier={token}"},
            }
        )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}
