"""FhirClient against the real test FHIR server (tests/fhir_server): what a server really does."""

from __future__ import annotations

import pytest

from fhir_adapter.client import BundleRejected, FhirClient, VersionConflict
from fhir_adapter.errors import FatalServerError
from fhir_adapter.settings import Settings
from tests.client.conftest import BATCH_ONLY, CTGOV, NCT, NEITHER, Json, study_bundle
from tests.fhir_server.harness import FhirTestServer

pytestmark = pytest.mark.server


def _client(server: FhirTestServer, **options: object) -> FhirClient:
    return FhirClient(Settings(server.base_url), **options)  # type: ignore[arg-type]


def _read_back(client: FhirClient, nct: str = NCT) -> tuple[Json, Json]:
    """Return the study found by its NCT identifier and the Group its enrollment points at."""
    studies = client.search("ResearchStudy", {"identifier": f"{CTGOV}|{nct}"}, nct_id=nct)
    assert len(studies) == 1
    study = studies[0]
    reference: str = study["enrollment"][0]["reference"]
    assert reference.startswith("Group/")
    return study, client.read(reference, nct_id=nct)


def test_capabilities_say_r4_with_transaction_batch_and_conditional_update(
    fhir_server: FhirTestServer,
) -> None:
    with _client(fhir_server) as client:
        capabilities = client.capabilities()
    assert capabilities.fhir_version == "4.0.1"
    assert capabilities.transaction and capabilities.batch
    assert capabilities.supports_conditional_update("ResearchStudy")
    assert capabilities.supports_validate("ResearchStudy")


def test_transaction_writes_study_and_group_found_again_by_search(clean_fhir_server: FhirTestServer) -> None:
    with _client(clean_fhir_server) as client:
        result = client.send_bundle(study_bundle(), nct_id=NCT)
        study, group = _read_back(client)
    assert result.mode == "transaction" and result.ok
    assert result.response["type"] == "transaction-response"
    assert [e["response"]["status"][:3] for e in result.response["entry"]] == ["201", "201"]
    assert study["status"] == "active"
    assert group["resourceType"] == "Group" and group["actual"] is False


def test_sending_the_same_transaction_twice_creates_nothing_new(clean_fhir_server: FhirTestServer) -> None:
    with _client(clean_fhir_server) as client:
        client.send_bundle(study_bundle(), nct_id=NCT)
        client.send_bundle(study_bundle(), nct_id=NCT)
        assert len(client.search("ResearchStudy", {"identifier": f"{CTGOV}|{NCT}"})) == 1
        assert len(client.search("Group", {})) == 1


def test_invalid_status_is_a_fatal_error_naming_trial_resource_and_server_words(
    clean_fhir_server: FhirTestServer,
) -> None:
    with _client(clean_fhir_server) as client, pytest.raises(FatalServerError) as raised:
        client.send_bundle(study_bundle(status="bogus"), nct_id=NCT)
    error = raised.value
    assert isinstance(error, BundleRejected)
    assert error.nct_id == NCT and error.status == 400 and error.method == "POST"
    assert [f.resource.resource_type for f in error.failures] == ["ResearchStudy"]
    assert error.failures[0].resource.identifier == f"{CTGOV}|{NCT}"
    message = str(error)
    assert message.startswith(f"{NCT}: POST {clean_fhir_server.base_url} -> 400: ")
    assert f"ResearchStudy {CTGOV}|{NCT}" in message
    assert "Value bogus is not in the required ValueSet" in message


@pytest.mark.parametrize("capabilities", [NEITHER, BATCH_ONLY], ids=["single-requests", "batches"])
def test_fallback_without_transaction_writes_the_same_resources_with_references_rewritten(
    clean_fhir_server: FhirTestServer, capabilities: object
) -> None:
    with _client(clean_fhir_server, capabilities=capabilities) as client:
        result = client.send_bundle(study_bundle(), nct_id=NCT)
        study, group = _read_back(client)
        again = client.send_bundle(study_bundle(), nct_id=NCT)
        assert len(client.search("Group", {})) == 1
    assert result.ok and again.ok, [str(f) for f in result.failures + again.failures]
    assert result.mode == ("single" if capabilities is NEITHER else "batch")
    assert result.response["type"] == "batch-response"
    assert f"Group/{group['id']}" == study["enrollment"][0]["reference"]


def test_fallback_reports_the_failed_entry_and_still_writes_the_others(
    clean_fhir_server: FhirTestServer,
) -> None:
    with _client(clean_fhir_server, capabilities=NEITHER) as client:
        result = client.send_bundle(study_bundle(status="bogus"), nct_id=NCT)
        assert len(client.search("Group", {})) == 1
    assert [f.index for f in result.failures] == [1]
    failure = result.failures[0]
    assert isinstance(failure.error, FatalServerError) and failure.status == 400
    assert "Value bogus is not in the required ValueSet" in str(failure)
    assert str(failure).startswith(f"{NCT}: PUT {clean_fhir_server.base_url}/ResearchStudy?identifier=")


def test_update_with_a_stale_version_is_a_version_conflict(clean_fhir_server: FhirTestServer) -> None:
    with _client(clean_fhir_server) as client:
        client.send_bundle(study_bundle(), nct_id=NCT)
        study, _group = _read_back(client)
        reference = f"ResearchStudy/{study['id']}"
        written = client.update(reference, {**study, "title": "v2"}, if_match="1", nct_id=NCT)
        assert written.version_id == "2" and written.reference == reference
        with pytest.raises(VersionConflict) as raised:
            client.update(reference, {**study, "title": "v3"}, if_match="1", nct_id=NCT)
    assert raised.value.status == 412 and isinstance(raised.value, FatalServerError)
    assert str(raised.value).startswith(f"{NCT}: PUT {clean_fhir_server.base_url}/{reference} -> 412: ")


def test_search_follows_next_links_across_pages(clean_fhir_server: FhirTestServer) -> None:
    ncts = [f"NCT0000000{i}" for i in range(1, 4)]
    with _client(clean_fhir_server) as client:
        for nct in ncts:
            client.send_bundle(study_bundle(nct), nct_id=nct)
        found = client.search("ResearchStudy", {"_count": "1"})
    assert sorted(s["identifier"][0]["value"] for s in found) == ncts


def test_delete_removes_and_a_second_delete_is_fine(clean_fhir_server: FhirTestServer) -> None:
    with _client(clean_fhir_server) as client:
        client.send_bundle(study_bundle(), nct_id=NCT)
        client.delete(f"ResearchStudy?identifier={CTGOV}|{NCT}", nct_id=NCT)
        client.delete(f"ResearchStudy?identifier={CTGOV}|{NCT}", nct_id=NCT)
        assert client.search("ResearchStudy", {"identifier": f"{CTGOV}|{NCT}"}) == []
