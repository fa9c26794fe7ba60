"""Capabilities: read from GET /metadata once, understood from the server-mode rest entry."""

from __future__ import annotations

import pytest
import responses

from fhir_adapter.client import parse_capabilities
from fhir_adapter.errors import FatalServerError
from tests.client.conftest import BASE, MakeClient

STATEMENT = {
    "resourceType": "CapabilityStatement",
    "fhirVersion": "4.0.1",
    "software": {"name": "HAPI FHIR Server"},
    "rest": [
        {"mode": "client", "interaction": [{"code": "transaction"}]},
        {
            "mode": "server",
            "interaction": [{"code": "batch"}, {"code": "search-system"}],
            "operation": [
                {
                    "name": "validate",
                    "definition": "http://hl7.org/fhir/OperationDefinition/Resource-validate",
                }
            ],
            "resource": [
                {"type": "ResearchStudy", "conditionalUpdate": True},
                {"type": "Group", "conditionalUpdate": False},
            ],
        },
    ],
}


def test_only_the_server_mode_rest_entry_counts() -> None:
    capabilities = parse_capabilities(STATEMENT)
    assert capabilities.fhir_version == "4.0.1"
    assert capabilities.transaction is False  # declared only in client mode
    assert capabilities.batch is True
    assert capabilities.software == "HAPI FHIR Server"


def test_conditional_update_is_per_resource_type() -> None:
    capabilities = parse_capabilities(STATEMENT)
    assert capabilities.supports_conditional_update("ResearchStudy")
    assert not capabilities.supports_conditional_update("Group")
    assert not capabilities.supports_conditional_update("PlanDefinition")


def test_a_system_level_validate_covers_every_type() -> None:
    assert parse_capabilities(STATEMENT).supports_validate("PlanDefinition")
    assert not parse_capabilities({"resourceType": "CapabilityStatement"}).supports_validate("Group")


def test_a_bare_statement_declares_nothing() -> None:
    capabilities = parse_capabilities({"resourceType": "CapabilityStatement", "rest": "garbage"})
    assert (capabilities.fhir_version, capabilities.transaction, capabilities.batch) == (None, False, False)


def test_metadata_is_read_once_and_cached(fake: responses.RequestsMock, make_client: MakeClient) -> None:
    fake.get(f"{BASE}/metadata", json=STATEMENT)
    client = make_client(capabilities=None)
    assert client.capabilities() is client.capabilities()
    assert len(fake.calls) == 1


def test_metadata_that_is_not_a_capability_statement_is_fatal(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    fake.get(f"{BASE}/metadata", json={"resourceType": "OperationOutcome", "issue": []})
    with pytest.raises(
        FatalServerError,
        match=f"GET {BASE}/metadata -> 200: expected a CapabilityStatement, got OperationOutcome",
    ):
        make_client(capabilities=None).capabilities()
