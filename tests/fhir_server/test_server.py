"""Facts about the test FHIR server that fhir-adapter relies on, checked against the running server."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

import pytest
import requests

from .harness import FhirTestServer

pytestmark = pytest.mark.server

TIMEOUT = 10
FHIR_JSON = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
CTGOV = "https://clinicaltrials.gov"
NCT = "NCT00000001"
CONDITIONAL_URL = f"ResearchStudy?identifier={CTGOV}|{NCT}"

Json = dict[str, Any]


def urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def study_transaction(*, status: str = "active", nct: str = NCT, **extra: Any) -> Json:
    """A ResearchStudy by conditional PUT (no id) and its Group by conditional create, linked by urn:uuid."""
    study_urn, group_urn = urn(), urn()
    study: Json = {
        "resourceType": "ResearchStudy",
        "identifier": [{"use": "official", "system": CTGOV, "value": nct}],
        "title": "A study",
        "status": status,
        "enrollment": [{"reference": group_urn}],
        **extra,
    }
    group: Json = {
        "resourceType": "Group",
        "identifier": [{"system": "urn:test:eligibility", "value": nct}],
        "type": "person",
        "actual": False,
        "characteristic": [{"code": {"text": "Age >= 18 years"}, "valueBoolean": True, "exclude": False}],
    }
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": study_urn,
                "resource": study,
                "request": {"method": "PUT", "url": f"ResearchStudy?identifier={CTGOV}|{nct}"},
            },
            {
                "fullUrl": group_urn,
                "resource": group,
                "request": {
                    "method": "POST",
                    "url": "Group",
                    "ifNoneExist": f"identifier=urn:test:eligibility|{nct}",
                },
            },
        ],
    }


def post_bundle(server: FhirTestServer, bundle: Json) -> requests.Response:
    return requests.post(f"{server.base_url}/", json=bundle, headers=FHIR_JSON, timeout=TIMEOUT)


def search(server: FhirTestServer, query: str) -> Json:
    response = requests.get(f"{server.base_url}/{query}", headers=FHIR_JSON, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    bundle: Json = response.json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
    return bundle


def matches(bundle: Json) -> list[Json]:
    return [
        e["resource"] for e in bundle.get("entry", []) if e.get("search", {}).get("mode", "match") == "match"
    ]


def total_of(server: FhirTestServer, resource_type: str) -> int:
    total: int = search(server, f"{resource_type}?_count=1")["total"]
    return total


def create(server: FhirTestServer, resource: Json) -> Json:
    response = requests.post(
        f"{server.base_url}/{resource['resourceType']}", json=resource, headers=FHIR_JSON, timeout=TIMEOUT
    )
    assert response.status_code == 201, response.text
    created: Json = response.json()
    return created


def test_metadata_is_r4_with_transaction_and_batch(fhir_server: FhirTestServer) -> None:
    response = requests.get(f"{fhir_server.base_url}/metadata", headers=FHIR_JSON, timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/fhir+json")
    statement = response.json()
    assert statement["resourceType"] == "CapabilityStatement"
    assert statement["fhirVersion"] == "4.0.1"
    interactions = {i["code"] for rest in statement["rest"] for i in rest.get("interaction", [])}
    assert {"transaction", "batch"} <= interactions
    types = {r["type"] for r in statement["rest"][0]["resource"]}
    assert {"ResearchStudy", "Group", "PlanDefinition", "Organization", "Location"} <= types
    assert "SubscriptionStatus" not in types  # Medplum's definitions carry it; R4 has no such resource


def test_transaction_conditional_put_and_urn_uuid_references(clean_fhir_server: FhirTestServer) -> None:
    response = post_bundle(clean_fhir_server, study_transaction())
    assert response.status_code == 200, response.text
    reply = response.json()
    assert reply["type"] == "transaction-response"
    statuses = [e["response"]["status"] for e in reply["entry"]]
    assert [s.split()[0] for s in statuses] == ["201", "201"]
    assert reply["entry"][0]["response"]["location"].startswith("ResearchStudy/")

    studies = matches(search(clean_fhir_server, CONDITIONAL_URL))
    assert len(studies) == 1
    study = studies[0]
    groups = matches(search(clean_fhir_server, "Group?identifier=urn:test:eligibility|" + NCT))
    assert len(groups) == 1
    assert study["enrollment"] == [{"reference": f"Group/{groups[0]['id']}"}]
    assert study["meta"]["versionId"] == "1"


def test_resending_the_transaction_updates_instead_of_duplicating(clean_fhir_server: FhirTestServer) -> None:
    first = post_bundle(clean_fhir_server, study_transaction())
    assert first.status_code == 200, first.text
    second = post_bundle(clean_fhir_server, study_transaction())
    assert second.status_code == 200, second.text
    assert [e["response"]["status"].split()[0] for e in second.json()["entry"]] == ["200", "200"]

    studies = matches(search(clean_fhir_server, CONDITIONAL_URL))
    assert len(studies) == 1
    assert total_of(clean_fhir_server, "Group") == 1
    # Known difference from HAPI: an unchanged update still makes a new version.
    assert studies[0]["meta"]["versionId"] == "2"
    assert (
        studies[0]["enrollment"][0]["reference"]
        == f"Group/{matches(search(clean_fhir_server, 'Group'))[0]['id']}"
    )


def test_invalid_entry_fails_the_whole_transaction(clean_fhir_server: FhirTestServer) -> None:
    response = post_bundle(clean_fhir_server, study_transaction(status="bogus"))
    assert response.status_code in (400, 422), response.text
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert any("ResearchStudy.status" in " ".join(i.get("expression", [])) for i in outcome["issue"])
    # The Group is processed first (POST before PUT); nothing of the transaction may remain.
    assert total_of(clean_fhir_server, "ResearchStudy") == 0
    assert total_of(clean_fhir_server, "Group") == 0


def test_failed_transaction_leaves_earlier_data_untouched(clean_fhir_server: FhirTestServer) -> None:
    assert post_bundle(clean_fhir_server, study_transaction()).status_code == 200
    before = matches(search(clean_fhir_server, CONDITIONAL_URL))[0]
    response = post_bundle(clean_fhir_server, study_transaction(status="bogus"))
    assert response.status_code in (400, 422)
    after = matches(search(clean_fhir_server, CONDITIONAL_URL))[0]
    assert after == before
    history = requests.get(
        f"{clean_fhir_server.base_url}/ResearchStudy/{before['id']}/_history",
        headers=FHIR_JSON,
        timeout=TIMEOUT,
    )
    assert history.status_code == 200
    assert history.json()["total"] == 1


def test_failed_transaction_puts_back_what_it_deleted_and_updated(clean_fhir_server: FhirTestServer) -> None:
    kept = create(clean_fhir_server, {"resourceType": "Organization", "name": "Kept"})
    renamed = create(clean_fhir_server, {"resourceType": "Organization", "name": "Before"})
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"request": {"method": "DELETE", "url": f"Organization/{kept['id']}"}},
            {
                "resource": {"resourceType": "Organization", "id": renamed["id"], "name": "After"},
                "request": {"method": "PUT", "url": f"Organization/{renamed['id']}"},
            },
            {
                "resource": {"resourceType": "Organization", "id": "new-one", "name": "New"},
                "request": {"method": "PUT", "url": "Organization/new-one"},
            },
            *study_transaction(status="bogus")["entry"],
        ],
    }
    assert post_bundle(clean_fhir_server, bundle).status_code in (400, 422)
    for resource in (kept, renamed):
        url = f"{clean_fhir_server.base_url}/Organization/{resource['id']}"
        current = requests.get(url, headers=FHIR_JSON, timeout=TIMEOUT)
        assert current.status_code == 200 and current.json()["name"] == resource["name"]
        assert current.json()["meta"]["versionId"] == "1"
    gone = requests.get(
        f"{clean_fhir_server.base_url}/Organization/new-one", headers=FHIR_JSON, timeout=TIMEOUT
    )
    assert gone.status_code == 404
    assert total_of(clean_fhir_server, "Organization") == 2


def test_r5_only_element_on_research_study_is_rejected(clean_fhir_server: FhirTestServer) -> None:
    bundle = study_transaction(comparisonGroup=[{"name": "Arm A", "linkId": "a"}])
    response = post_bundle(clean_fhir_server, bundle)
    assert response.status_code in (400, 422), response.text
    text = response.text
    assert "comparisonGroup" in text
    assert total_of(clean_fhir_server, "ResearchStudy") == 0

    for r5_element in (
        {"progressStatus": [{"state": {"text": "recruiting"}}]},
        {"whyStopped": {"text": "x"}},
    ):
        single = {"resourceType": "ResearchStudy", "status": "active", **r5_element}
        answer = requests.post(
            f"{clean_fhir_server.base_url}/ResearchStudy", json=single, headers=FHIR_JSON, timeout=TIMEOUT
        )
        assert answer.status_code in (400, 422), answer.text
    # The R4 spelling of the same facts is accepted.
    r4 = {
        "resourceType": "ResearchStudy",
        "status": "active",
        "arm": [{"name": "Arm A"}],
        "reasonStopped": {"text": "x"},
    }
    create(clean_fhir_server, r4)


def test_read_after_delete_is_gone(clean_fhir_server: FhirTestServer) -> None:
    org = create(clean_fhir_server, {"resourceType": "Organization", "name": "Sponsor"})
    url = f"{clean_fhir_server.base_url}/Organization/{org['id']}"
    assert requests.get(url, timeout=TIMEOUT).status_code == 200
    assert requests.delete(url, timeout=TIMEOUT).status_code in (200, 204)
    gone = requests.get(url, timeout=TIMEOUT)
    assert gone.status_code == 410
    assert gone.json()["resourceType"] == "OperationOutcome"
    assert (
        requests.get(f"{clean_fhir_server.base_url}/Organization/never", timeout=TIMEOUT).status_code == 404
    )
    assert total_of(clean_fhir_server, "Organization") == 0


def test_if_match_with_stale_version_is_412(clean_fhir_server: FhirTestServer) -> None:
    org = create(clean_fhir_server, {"resourceType": "Organization", "name": "v1"})
    url = f"{clean_fhir_server.base_url}/Organization/{org['id']}"
    v1 = org["meta"]["versionId"]
    ok = requests.put(
        url, json={**org, "name": "v2"}, headers={**FHIR_JSON, "If-Match": f'W/"{v1}"'}, timeout=TIMEOUT
    )
    assert ok.status_code == 200, ok.text
    assert ok.headers["ETag"] != f'W/"{v1}"'
    stale = requests.put(
        url, json={**org, "name": "v3"}, headers={**FHIR_JSON, "If-Match": f'W/"{v1}"'}, timeout=TIMEOUT
    )
    assert stale.status_code == 412, stale.text
    assert requests.get(url, timeout=TIMEOUT).json()["name"] == "v2"


def test_conditional_update_with_id_and_no_match_is_refused(clean_fhir_server: FhirTestServer) -> None:
    bundle = study_transaction()
    bundle["entry"][0]["resource"]["id"] = "nct00000001"
    response = post_bundle(clean_fhir_server, bundle)
    assert response.status_code == 400, response.text
    assert total_of(clean_fhir_server, "ResearchStudy") == 0


def test_history_and_include(clean_fhir_server: FhirTestServer) -> None:
    sponsor = create(clean_fhir_server, {"resourceType": "Organization", "name": "Sponsor"})
    study = create(
        clean_fhir_server,
        {
            "resourceType": "ResearchStudy",
            "status": "active",
            "identifier": [{"system": CTGOV, "value": "NCT00000009"}],
            "sponsor": {"reference": f"Organization/{sponsor['id']}"},
        },
    )
    put = requests.put(
        f"{clean_fhir_server.base_url}/ResearchStudy/{study['id']}",
        json={**study, "title": "Renamed"},
        headers=FHIR_JSON,
        timeout=TIMEOUT,
    )
    assert put.status_code == 200, put.text
    history = requests.get(
        f"{clean_fhir_server.base_url}/ResearchStudy/{study['id']}/_history",
        headers=FHIR_JSON,
        timeout=TIMEOUT,
    ).json()
    assert history["type"] == "history"
    assert [e["resource"]["meta"]["versionId"] for e in history["entry"]] == ["2", "1"]

    found = search(
        clean_fhir_server, f"ResearchStudy?identifier={CTGOV}|NCT00000009&_include=ResearchStudy:sponsor"
    )
    modes = sorted((e["resource"]["resourceType"], e["search"]["mode"]) for e in found["entry"])
    assert modes == [("Organization", "include"), ("ResearchStudy", "match")]
    assert found["total"] == 1


def test_unknown_search_parameter_is_an_error(clean_fhir_server: FhirTestServer) -> None:
    response = requests.get(f"{clean_fhir_server.base_url}/ResearchStudy?identifer=x", timeout=TIMEOUT)
    assert response.status_code == 400


def test_references_must_resolve(clean_fhir_server: FhirTestServer) -> None:
    dangling = {
        "resourceType": "ResearchStudy",
        "status": "active",
        "sponsor": {"reference": "Organization/nope"},
    }
    response = requests.post(
        f"{clean_fhir_server.base_url}/ResearchStudy", json=dangling, headers=FHIR_JSON, timeout=TIMEOUT
    )
    assert response.status_code == 400, response.text

    bundle = study_transaction()
    bundle["entry"][0]["resource"]["enrollment"] = [{"reference": urn()}]  # not a fullUrl in the Bundle
    response = post_bundle(clean_fhir_server, bundle)
    assert response.status_code == 400, response.text
    assert total_of(clean_fhir_server, "Group") == 0


def test_large_transaction_with_conditional_entries_is_atomic(clean_fhir_server: FhirTestServer) -> None:
    """Medplum refuses >8 entries with conditional writes; the wrapper accepts them and stays atomic."""
    bundle = study_transaction()
    sites: list[Json] = []
    for i in range(60):
        site_urn = urn()
        sites.append({"reference": site_urn})
        bundle["entry"].append(
            {
                "fullUrl": site_urn,
                "resource": {
                    "resourceType": "Location",
                    "name": f"Site {i}",
                    "identifier": [{"system": "urn:test:site", "value": f"{NCT}-{i}"}],
                },
                "request": {"method": "PUT", "url": f"Location?identifier=urn:test:site|{NCT}-{i}"},
            }
        )
    bundle["entry"][0]["resource"]["site"] = sites
    for name in ("Sponsor", "Collaborator"):  # two plain creates of one type are not duplicates
        bundle["entry"].append(
            {
                "fullUrl": urn(),
                "resource": {"resourceType": "Organization", "name": name},
                "request": {"method": "POST", "url": "Organization"},
            }
        )
    response = post_bundle(clean_fhir_server, bundle)
    assert response.status_code == 200, response.text
    assert total_of(clean_fhir_server, "Location") == 60
    study = matches(search(clean_fhir_server, CONDITIONAL_URL))[0]
    assert all(s["reference"].startswith("Location/") for s in study["site"])

    assert total_of(clean_fhir_server, "Organization") == 2

    bundle["entry"][-3]["resource"]["status"] = "bogus"  # a Location
    for entry in bundle["entry"]:
        entry["resource"].pop("id", None)
    response = post_bundle(clean_fhir_server, bundle)
    assert response.status_code in (400, 422), response.text
    assert matches(search(clean_fhir_server, CONDITIONAL_URL))[0]["meta"]["versionId"] == "1"
    assert total_of(clean_fhir_server, "Organization") == 2


def test_search_pages_with_next_links(clean_fhir_server: FhirTestServer) -> None:
    for i in range(25):
        create(clean_fhir_server, {"resourceType": "Organization", "name": f"Org {i:02d}"})
    first = search(clean_fhir_server, "Organization")
    assert first["total"] == 25
    assert len(first["entry"]) == 20  # default page size, like HAPI
    next_url = next(link["url"] for link in first["link"] if link["relation"] == "next")
    second = requests.get(next_url, headers=FHIR_JSON, timeout=TIMEOUT).json()
    assert len(second["entry"]) == 5
    assert not [link for link in second["link"] if link["relation"] == "next"]
    ids = {e["resource"]["id"] for e in first["entry"] + second["entry"]}
    assert len(ids) == 25

    by_post = requests.post(
        f"{clean_fhir_server.base_url}/Organization/_search",
        data={"name": "Org 07"},
        headers={"Accept": "application/fhir+json"},
        timeout=TIMEOUT,
    )
    assert by_post.status_code == 200, by_post.text
    assert by_post.json()["total"] == 1


def test_validate_operation(clean_fhir_server: FhirTestServer) -> None:
    url = f"{clean_fhir_server.base_url}/ResearchStudy/$validate"
    good = requests.post(url, json={"resourceType": "ResearchStudy", "status": "active"}, timeout=TIMEOUT)
    assert good.status_code == 200
    assert not [i for i in good.json()["issue"] if i["severity"] in ("error", "fatal")]
    bad = requests.post(url, json={"resourceType": "ResearchStudy", "status": "recruiting"}, timeout=TIMEOUT)
    assert bad.status_code == 200
    assert [i for i in bad.json()["issue"] if i["severity"] == "error"]
    assert total_of(clean_fhir_server, "ResearchStudy") == 0


def test_identifier_search_forms(clean_fhir_server: FhirTestServer) -> None:
    """The server's identifier fast path answers like Medplum's generic search (forced here by _sort)."""
    for identifier in ({"system": CTGOV, "value": NCT}, {"value": "LOCAL-1"}):
        study = {"resourceType": "ResearchStudy", "status": "active", "identifier": [identifier]}
        create(clean_fhir_server, study)
    expected = {
        f"{CTGOV}|{NCT}": 1,
        NCT: 1,
        f"{CTGOV}|": 1,
        "|LOCAL-1": 1,
        f"|{NCT}": 0,
        f"http://clinicaltrials.gov/|{NCT}": 0,
        f"{CTGOV}|{NCT},|LOCAL-1": 2,
        "NCT0000000": 0,
    }
    for value, count in expected.items():
        query = f"ResearchStudy?identifier={quote(value, safe='')}"
        fast = search(clean_fhir_server, query)
        slow = search(clean_fhir_server, f"{query}&_sort=_id")
        assert (fast["total"], slow["total"]) == (count, count), value
