"""Push against the real test FHIR server: everything lands, a re-push writes nothing, a change writes
only what changed, a failing trial does not stop the others, and the journal resumes a run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fhir_adapter.client import FhirClient
from fhir_adapter.settings import Settings
from fhir_adapter.sync import Journal, SyncOptions, TrialSync, sync_trials
from fhir_adapter.terms import Terms
from tests.conftest import SEED, study_json
from tests.fhir_server.harness import FhirTestServer

TYPES = (
    "ResearchStudy",
    "Group",
    "PlanDefinition",
    "Organization",
    "Practitioner",
    "PractitionerRole",
    "Location",
)


@pytest.fixture
def client(clean_fhir_server: FhirTestServer) -> Iterator[FhirClient]:
    with FhirClient(Settings(base_url=clean_fhir_server.base_url)) as client:
        yield client


def _all(client: FhirClient, resource_type: str) -> list[dict[str, Any]]:
    return client.search(resource_type, {"_count": "200"})


def _versions(client: FhirClient) -> dict[str, str]:
    return {f"{t}/{r['id']}": str(r["meta"]["versionId"]) for t in TYPES for r in _all(client, t)}


def _push(paths: list[Path], client: FhirClient, terms: Terms, **options: Any) -> list[TrialSync]:
    return list(sync_trials([str(p) for p in paths], client, terms, SyncOptions(**options)))


def _write(tmp_path: Path, name: str, study: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(study), encoding="utf-8")
    return path


def test_seed_lands_with_every_reference_resolved(client: FhirClient, terms: Terms) -> None:
    [result] = _push([SEED], client, terms)
    assert (result.outcome, result.error) == ("created", None)
    [study] = _all(client, "ResearchStudy")
    assert study["identifier"][0] == {
        "use": "official",
        "system": "https://clinicaltrials.gov",
        "value": "NCT06158412",
    }
    references = [
        study["enrollment"][0],
        *study["protocol"],
        study["sponsor"],
        study["principalInvestigator"],
        *study["site"],
    ]
    roles = _all(client, "PractitionerRole")
    for role in roles:  # who, for whom and where: every link of every role lands too
        references += [role[k] for k in ("practitioner", "organization") if k in role]
        references += role.get("location", [])
    for reference in references:
        assert client.read(reference["reference"])["id"] == reference["reference"].split("/")[1]
    practitioners = {f"Practitioner/{p['id']}" for p in _all(client, "Practitioner")}
    assert practitioners == {r["practitioner"]["reference"] for r in roles}  # nobody left unreferenced
    # Sponsor and the PI's affiliation; PI Zhijuan Lin and responsible investigator Bing Xu, each also a
    # site contact: one role as official, one as responsible party, one per site contact.
    assert {t: len(_all(client, t)) for t in TYPES} == {
        "ResearchStudy": 1,
        "Group": 1,
        "PlanDefinition": 1,
        "Organization": 2,
        "Practitioner": 2,
        "PractitionerRole": 4,
        "Location": 1,
    }


def test_second_push_writes_nothing(client: FhirClient, terms: Terms) -> None:
    _push([SEED], client, terms)
    before = _versions(client)
    [again] = _push([SEED], client, terms)
    assert again.outcome == "unchanged"
    assert {c.action for c in again.changes} == {"unchanged"}
    assert _versions(client) == before


def test_changed_record_updates_only_what_changed(client: FhirClient, terms: Terms, tmp_path: Path) -> None:
    _push([SEED], client, terms)
    before = _versions(client)
    study = study_json()
    study["protocolSection"]["identificationModule"]["briefTitle"] = "A new title"
    [result] = _push([_write(tmp_path, "changed.json", study)], client, terms)
    assert result.outcome == "updated"
    changed = {c.key.resource_type: c for c in result.changes if c.action != "unchanged"}
    # The title is on the study only (the PlanDefinition's subtitle names the arm, not the title).
    assert set(changed) == {"ResearchStudy"}
    assert any("title" in line and "A new title" in line for line in changed["ResearchStudy"].differences)
    after = _versions(client)
    bumped = {ref for ref in after if after[ref] != before[ref]}
    assert {ref.split("/")[0] for ref in bumped} == {"ResearchStudy"}
    assert _all(client, "ResearchStudy")[0]["title"] == "A new title"


def test_study_registered_under_an_old_nct_system_is_updated_not_duplicated(
    client: FhirClient, terms: Terms
) -> None:
    old = {
        "resourceType": "ResearchStudy",
        "identifier": [{"system": "http://clinicaltrials.gov/", "value": "NCT06158412"}],
        "status": "active",
    }
    client.send_bundle(
        {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {
                    "fullUrl": "urn:uuid:0b8a0b6e-0000-4000-8000-000000000001",
                    "resource": old,
                    "request": {"method": "POST", "url": "ResearchStudy"},
                }
            ],
        },
        nct_id="NCT06158412",
    )
    [result] = _push([SEED], client, terms)
    assert result.ok
    [study] = _all(client, "ResearchStudy")
    assert study["title"].startswith("All-trans Retinoic Acid")


def test_a_failing_trial_is_reported_and_the_others_land(
    client: FhirClient, terms: Terms, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    _write(folder, "a.json", study_json("NCT06158412"))
    (folder / "b.json").write_text("{broken", encoding="utf-8")
    _write(folder, "c.json", study_json("NCT03418623"))
    # Two Organizations already carry the identifier the third trial's sponsor needs: the server holds a
    # duplicate the adapter must not pick from at random.
    for suffix in ("1", "2"):
        client.send_bundle(
            {
                "resourceType": "Bundle",
                "type": "transaction",
                "entry": [
                    {
                        "fullUrl": f"urn:uuid:0b8a0b6e-0000-4000-8000-00000000000{suffix}",
                        "resource": {
                            "resourceType": "Organization",
                            "name": "dup",
                            "identifier": [
                                {
                                    "system": "https://fhir-adapter.invalid/fhir/sid/ctgov-organization",
                                    "value": "laboratorio-farmaceutico-ct-s-r-l",
                                }
                            ],
                        },
                        "request": {"method": "POST", "url": "Organization"},
                    }
                ],
            },
            nct_id="setup",
        )
    results = _push([folder], client, terms)
    outcomes = {(r.nct_id or Path(r.source).name): r.outcome for r in results}
    assert outcomes == {"NCT06158412": "created", "b.json": "failed", "NCT03418623": "failed"}
    failed = next(r for r in results if r.nct_id == "NCT03418623")
    assert "2 Organization resources carry" in (failed.error or "")
    assert [s["identifier"][0]["value"] for s in _all(client, "ResearchStudy")] == ["NCT06158412"]


def test_dry_run_describes_changes_and_writes_nothing(client: FhirClient, terms: Terms) -> None:
    [result] = _push([SEED], client, terms, dry_run=True)
    assert result.outcome == "created"
    assert {c.action for c in result.changes} == {"create"}
    assert all(len(_all(client, t)) == 0 for t in TYPES)


def test_journal_resumes_and_repushes_a_changed_record(
    client: FhirClient, terms: Terms, tmp_path: Path
) -> None:
    journal_path = tmp_path / "journal.jsonl"
    journal = Journal(journal_path, client.base_url).load()
    [first] = _push([SEED], client, terms, journal=journal)
    assert first.outcome == "created"
    [second] = _push([SEED], client, terms, journal=Journal(journal_path, client.base_url).load())
    assert second.outcome == "resumed"
    study = study_json()
    study["protocolSection"]["statusModule"]["overallStatus"] = "COMPLETED"
    changed = _write(tmp_path, "NCT06158412.json", study)
    [third] = _push([changed], client, terms, journal=Journal(journal_path, client.base_url).load())
    assert third.outcome == "updated"
    other_server = Journal(journal_path, "http://elsewhere.example/fhir").load()
    assert not other_server.is_done("NCT06158412", third.content_hash or "")
    lines = [json.loads(line) for line in journal_path.read_text(encoding="utf-8").splitlines()]
    assert [line["outcome"] for line in lines] == ["created", "updated"]
