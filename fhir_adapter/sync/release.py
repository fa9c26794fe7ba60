"""The FHIR release a server serves, checked before fhir-adapter writes another release's resources."""

from __future__ import annotations

from fhir_adapter.client import FhirClient
from fhir_adapter.errors import FhirAdapterError
from fhir_adapter.resources import FhirVersion


def check_release(server: FhirClient, version: FhirVersion, nct_id: str) -> None:
    """Raise WrongRelease when the server declares a FHIR release other than the one we write.

    R5 resources on an R4 server are not what its clients read: ResearchStudy.status means something else,
    elements have other names. Asked before an R5 push only (R4, the default, keeps its requests as they
    were: EHRs serve R4). A server that does not say is trusted.
    """
    declared = server.capabilities().fhir_version
    if declared and declared.split(".")[0] != version.value.split(".")[0]:
        raise WrongRelease(nct_id, declared, version)


class WrongRelease(FhirAdapterError):
    """The server serves another FHIR release: every trial would be written wrong, so the run stops."""

    stops_run = True

    def __init__(self, nct_id: str, declared: str, version: FhirVersion) -> None:
        super().__init__(
            f"{nct_id}: the server declares FHIR {declared} in its CapabilityStatement, the Bundles are FHIR "
            f"{version.value}: nothing written (choose --fhir-version to match the server)"
        )
