"""Stage 6: FHIR REST client: capabilities, transaction/batch/single writes, search, retries, auth.

`FhirClient(settings)` is the entry point; the other names are what its methods return or raise.
"""

from __future__ import annotations

from fhir_adapter.client.bundles import BundleRejected, BundleResult, EntryFailure, ResourceRef, Written
from fhir_adapter.client.capabilities import Capabilities, parse_capabilities
from fhir_adapter.client.client import FhirClient
from fhir_adapter.client.http import (
    AnswerCutShort,
    ConnectFailed,
    CredentialsRefused,
    TlsFailed,
    VersionConflict,
    redact_url,
)
from fhir_adapter.client.token import TokenEndpointError
from fhir_adapter.client.validate import ServerValidation

__all__ = [
    "AnswerCutShort",
    "BundleRejected",
    "BundleResult",
    "Capabilities",
    "ConnectFailed",
    "CredentialsRefused",
    "EntryFailure",
    "FhirClient",
    "ResourceRef",
    "ServerValidation",
    "TlsFailed",
    "TokenEndpointError",
    "VersionConflict",
    "Written",
    "parse_capabilities",
    "redact_url",
]
