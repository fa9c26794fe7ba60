"""Stage 6: FHIR REST client: capabilities, transaction/batch/single writes, search, reads by id in
batches, retries, auth; and the ClinicalTrials.gov API v2 client (`CtgovClient`, `StudyQuery`).

`FhirClient(settings)` is the entry point; the other names are what its methods return or raise.
"""

from __future__ import annotations

from fhir_adapter.client.bundles import (
    BundleRejected,
    BundleResult,
    EntryFailure,
    ResourceRef,
    Written,
    assigned_reference,
    entries,
    written_version,
)
from fhir_adapter.client.capabilities import Capabilities, parse_capabilities
from fhir_adapter.client.client import FhirClient
from fhir_adapter.client.ctgov import (
    CTGOV_API,
    IDS_PER_REQUEST,
    CtgovClient,
    StudyPage,
    study_aliases,
    study_nct_id,
)
from fhir_adapter.client.ctgov_query import OVERALL_STATUSES, StudyQuery
from fhir_adapter.client.http import (
    AnswerCutShort,
    ConnectFailed,
    CredentialsRefused,
    TlsFailed,
    VersionConflict,
    redact_url,
)
from fhir_adapter.client.reads import read_by_id
from fhir_adapter.client.token import TokenEndpointError
from fhir_adapter.client.validate import ServerValidation

__all__ = [
    "CTGOV_API",
    "IDS_PER_REQUEST",
    "OVERALL_STATUSES",
    "AnswerCutShort",
    "BundleRejected",
    "BundleResult",
    "Capabilities",
    "ConnectFailed",
    "CredentialsRefused",
    "CtgovClient",
    "EntryFailure",
    "FhirClient",
    "ResourceRef",
    "ServerValidation",
    "StudyPage",
    "StudyQuery",
    "TlsFailed",
    "TokenEndpointError",
    "VersionConflict",
    "Written",
    "assigned_reference",
    "entries",
    "parse_capabilities",
    "read_by_id",
    "redact_url",
    "study_aliases",
    "study_nct_id",
    "written_version",
]
