"""Sending Bundles where the server misbehaves on purpose: half-failed batches, refusals, stale versions."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses

from fhir_adapter.client import BundleRejected, VersionConflict
from fhir_adapter.client.bundles import blamed_entries, resource_ref
from fhir_adapter.client.fallback import dependency_waves
from fhir_adapter.errors import FatalServerError, RetryableServerError
from tests.client.conftest import (
    BASE,
    BATCH_ONLY,
    CTGOV,
    NCT,
    NEITHER,
    Json,
    MakeClient,
    group_entry,
    outcome,
    study_bundle,
)

STUDY = f"ResearchStudy {CTGOV}|{NCT}"
GROUP = f"Group https://fhir-adapter.invalid/fhir/sid/ctgov-eligibility|{NCT}"


def _batch_response(*answers: Json) -> Json:
    return {"resourceType": "Bundle", "type": "batch-response", "entry": list(answers)}


def _created(location: str) -> Json:
    return {"response": {"status": "201 Created", "location": f"{location}/_history/1"}}


def _sent(fake: responses.RequestsMock, index: int) -> Any:
    body = fake.calls[index].request.body
    assert body is not None
    return json.loads(body)


def test_half_failed_batch_reports_which_entries_failed_and_why(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    bundle = study_bundle()
    bundle["entry"].insert(0, group_entry("NCT00000002"))  # an independent second Group in the first wave
    fake.post(
        BASE,
        json=_batch_response(
            _created("Group/g2"), {"response": {"status": "400", "outcome": outcome("Group.type: missing")}}
        ),
    )
    result = make_client(capabilities=BATCH_ONLY).send_bundle(bundle, nct_id=NCT)
    assert result.mode == "batch" and not result.ok
    assert len(fake.calls) == 1  # the study was never sent: the Group it references failed
    assert [(f.index, f.status) for f in result.failures] == [(1, 400), (2, 424)]
    group_failure, study_failure = result.failures
    assert str(group_failure.resource) == GROUP
    assert str(group_failure).startswith(f"{NCT}: PUT {BASE}/Group?identifier=")
    assert str(group_failure).endswith(f"-> 400: {GROUP}: Group.type: missing")
    assert study_failure.resource.resource_type == "ResearchStudy"
    assert f"not sent: it references {GROUP} (entry 1), which failed" in str(study_failure)
    assert [e["response"]["status"][:3] for e in result.response["entry"]] == ["201", "400", "424"]


def test_batch_fallback_sends_waves_with_references_rewritten(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    fake.post(BASE, json=_batch_response(_created("Group/g1")))
    fake.post(
        BASE,
        json=_batch_response(
            {"response": {"status": "200 OK", "location": f"{BASE}/ResearchStudy/s1/_history/3"}}
        ),
    )
    result = make_client(capabilities=BATCH_ONLY).send_bundle(study_bundle(), nct_id=NCT)
    assert result.ok
    first, second = _sent(fake, 0), _sent(fake, 1)
    assert first["type"] == second["type"] == "batch"
    assert [e["resource"]["resourceType"] for e in first["entry"]] == ["Group"]
    assert second["entry"][0]["resource"]["enrollment"] == [{"reference": "Group/g1"}]
    assert second["entry"][0]["request"]["method"] == "PUT"


def test_single_requests_go_in_dependency_order_with_ids_from_location(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    bundle = study_bundle()
    bundle["entry"].reverse()  # the study first: it must still go after the Group it references
    fake.put(
        f"{BASE}/Group",
        status=201,
        headers={"Location": f"{BASE}/Group/g9/_history/1"},
        json={"resourceType": "Group", "id": "g9"},
    )
    fake.put(f"{BASE}/ResearchStudy", status=200, json={"resourceType": "ResearchStudy", "id": "s1"})
    result = make_client(capabilities=NEITHER).send_bundle(bundle, nct_id=NCT)
    assert result.mode == "single" and result.ok
    assert [f"{c.request.method} {(c.request.url or '').split('?')[0]}" for c in fake.calls] == [
        f"PUT {BASE}/Group",
        f"PUT {BASE}/ResearchStudy",
    ]
    assert _sent(fake, 1)["enrollment"] == [{"reference": "Group/g9"}]
    assert [e["response"]["status"] for e in result.response["entry"]] == [
        "200 OK",
        "201 Created",
    ]  # request order


def test_single_requests_carry_the_entry_conditions_as_headers(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:1",
                "resource": {"resourceType": "Group", "type": "person", "actual": False},
                "request": {"method": "POST", "url": "Group", "ifNoneExist": "identifier=s|v"},
            },
        ],
    }
    fake.post(f"{BASE}/Group", status=200, json={"resourceType": "Group", "id": "g1"})
    assert make_client(capabilities=NEITHER).send_bundle(bundle, nct_id=NCT).ok
    assert fake.calls[0].request.headers["If-None-Exist"] == "identifier=s|v"
    assert fake.calls[0].request.headers["Content-Type"] == "application/fhir+json"


def test_refused_transaction_names_the_entry_from_a_bundle_entry_expression(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    fake.post(
        BASE,
        status=422,
        json=outcome("Group.type: 'martian' is not a valid code", expression="Bundle.entry[0].resource.type"),
    )
    with pytest.raises(BundleRejected) as raised:
        make_client().send_bundle(study_bundle(), nct_id=NCT)
    assert (
        str(raised.value) == f"{NCT}: POST {BASE} -> 422: {GROUP}: Group.type: 'martian' is not a valid code"
    )
    assert [f.index for f in raised.value.failures] == [0]


def test_refused_transaction_without_a_usable_expression_still_gives_the_server_words(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    fake.post(
        BASE,
        status=400,
        json={
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "invalid", "diagnostics": "Bundle too large"}],
        },
    )
    with pytest.raises(BundleRejected) as raised:
        make_client().send_bundle(study_bundle(), nct_id=NCT)
    assert str(raised.value) == f"{NCT}: POST {BASE} -> 400: Bundle too large"
    assert raised.value.failures == ()


def test_error_without_operation_outcome_says_so_and_never_dumps_the_body(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    fake.post(BASE, status=400, body="<html>" + "x" * 5000 + "</html>")
    with pytest.raises(FatalServerError) as raised:
        make_client().send_bundle(study_bundle(), nct_id=NCT)
    assert str(raised.value) == f"{NCT}: POST {BASE} -> 400: Bad Request (no OperationOutcome)"


def test_update_with_a_stale_if_match_is_a_version_conflict(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    fake.put(f"{BASE}/ResearchStudy/s1", status=412, json=outcome("Version 2 is not the current version (3)"))
    with pytest.raises(VersionConflict) as raised:
        make_client().update(
            "ResearchStudy/s1", {"resourceType": "ResearchStudy", "id": "s1"}, if_match="2", nct_id=NCT
        )
    assert fake.calls[0].request.headers["If-Match"] == 'W/"2"'
    assert isinstance(raised.value, FatalServerError) and not isinstance(raised.value, RetryableServerError)
    assert (
        str(raised.value)
        == f"{NCT}: PUT {BASE}/ResearchStudy/s1 -> 412: Version 2 is not the current version (3)"
    )


def test_a_transaction_answered_with_the_wrong_bundle_type_is_fatal(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    fake.post(BASE, json={"resourceType": "Bundle", "type": "batch-response", "entry": []})
    with pytest.raises(FatalServerError, match="expected a transaction-response Bundle, got batch-response"):
        make_client().send_bundle(study_bundle(), nct_id=NCT)


def test_entries_in_a_reference_cycle_are_reported_not_sent(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    bundle = study_bundle()
    group, study = bundle["entry"]
    group["resource"]["characteristic"] = [{"valueReference": {"reference": study["fullUrl"]}}]
    result = make_client(capabilities=NEITHER).send_bundle(bundle, nct_id=NCT)
    assert len(fake.calls) == 0
    assert [f.status for f in result.failures] == [424, 424]
    assert "reference cycle (entries 0, 1)" in str(result.failures[0])


def test_search_refuses_a_next_link_to_another_host(
    fake: responses.RequestsMock, make_client: MakeClient
) -> None:
    page = {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": [{"relation": "next", "url": "https://evil.example.com/fhir/Group?page=2"}],
    }
    fake.get(f"{BASE}/Group", json=page)
    with pytest.raises(FatalServerError, match="next-page link points away from the server"):
        make_client().search("Group", {})
    assert len(fake.calls) == 1


def test_search_stops_at_the_page_limit(fake: responses.RequestsMock, make_client: MakeClient) -> None:
    page = {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": [{"relation": "next", "url": f"{BASE}/Group?page=n"}],
    }
    fake.get(f"{BASE}/Group", json=page)
    with pytest.raises(FatalServerError, match="more than 3 pages of results"):
        make_client(search_page_limit=3).search("Group", {"page": "1"})
    assert len(fake.calls) == 3


def test_blame_by_resource_type_only_when_one_entry_has_that_type() -> None:
    bundle = study_bundle()
    assert blamed_entries(bundle["entry"], outcome("bad", expression="ResearchStudy.status")) == [1]
    two_groups = [group_entry("NCT1"), group_entry("NCT2")]
    assert blamed_entries(two_groups, outcome("bad", expression="Group.type")) == []
    assert blamed_entries(two_groups, outcome("bad", expression="Bundle.entry[7]")) == []


def test_resource_ref_names_type_and_first_identifier() -> None:
    entry = study_bundle()["entry"][1]
    assert str(resource_ref(entry)) == STUDY
    assert str(resource_ref({"request": {"method": "DELETE", "url": "Group/1"}})) == "Group (no identifier)"


def test_dependency_waves_put_referenced_entries_first() -> None:
    assert dependency_waves([{2}, {2}, set(), {0, 1}]) == ([[2], [0, 1], [3]], [])
