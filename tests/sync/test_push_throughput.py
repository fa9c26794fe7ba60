"""Push at scale against the real test server: what the server holds is read for many trials at once (batch
reads by id, identifier searches for the rest), trials are written several at a time, a sponsor they share is
created once, and the journal has one line per trial. Servers without batch or updateCreate still work."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from fhir_adapter.client import Capabilities, FhirClient
from fhir_adapter.resources import ResourceKey
from fhir_adapter.settings import Settings
from fhir_adapter.sync import Journal, SyncOptions, TrialSync, sync_trials
from fhir_adapter.terms import NCT_SYSTEM, Terms
from tests.conftest import study_json
from tests.fhir_server.harness import FhirTestServer

TYPES = ("ResearchStudy", "Group", "PlanDefinition", "Organization", "Practitioner", "Location")
COPIES = 20
# Transactions, no batch, no updateCreate: reads are identifier searches, creates conditional updates.
SEARCH_ONLY = Capabilities("4.0.1", transaction=True, batch=False, conditional_update=frozenset({"*"}))


@pytest.fixture
def copies(tmp_path: Path) -> Path:
    """COPIES records of the seed trial under new NCT ids: one sponsor, COPIES trials of 6 resources each."""
    folder = tmp_path / "in"
    folder.mkdir()
    for number in range(COPIES):
        study = study_json()
        nct_id = f"NCT9000{number:04d}"
        study["protocolSection"]["identificationModule"]["nctId"] = nct_id
        (folder / f"{nct_id}.json").write_text(json.dumps(study), encoding="utf-8")
    return folder


@pytest.fixture
def client(clean_fhir_server: FhirTestServer) -> Iterator[FhirClient]:
    with FhirClient(Settings(clean_fhir_server.base_url)) as client:
        yield client


def _push(folder: Path, client: FhirClient, terms: Terms, **options: object) -> list[TrialSync]:
    return list(sync_trials([str(folder)], client, terms, SyncOptions(**options)))  # type: ignore[arg-type]


def _counts(client: FhirClient) -> Counter[tuple[str, str]]:
    return Counter(
        (t, r["identifier"][0]["value"]) for t in TYPES for r in client.search(t, {"_count": "500"})
    )


def _versions(client: FhirClient) -> dict[str, str]:
    return {
        f"{t}/{r['id']}": r["meta"]["versionId"] for t in TYPES for r in client.search(t, {"_count": "500"})
    }


def _study_ids(versions: dict[str, str]) -> set[str]:
    return {ref.split("/")[1] for ref in versions if ref.startswith("ResearchStudy/")}


def _deterministic_ids(folder: Path) -> set[str]:
    return {ResourceKey("ResearchStudy", NCT_SYSTEM, path.stem).uuid for path in folder.glob("NCT*.json")}


def test_trials_pushed_at_once_create_their_shared_sponsor_once(
    copies: Path, client: FhirClient, terms: Terms, tmp_path: Path
) -> None:
    journal = Journal(tmp_path / "journal.jsonl", client.base_url)
    results = _push(copies, client, terms, concurrency=4, journal=journal)
    assert [r.outcome for r in results] == ["created"] * COPIES
    assert [r.nct_id for r in results] == sorted(r.nct_id for r in results if r.nct_id)  # input order
    counts = _counts(client)
    assert [key for key, n in counts.items() if n != 1] == []
    assert Counter(kind for kind, _ in counts) == {
        "Organization": 1,  # shared by all twenty
        **{kind: COPIES for kind in TYPES if kind != "Organization"},
    }
    lines = [json.loads(line) for line in journal.path.read_text("utf-8").splitlines()]
    assert sorted(line["trial"] for line in lines) == sorted(r.nct_id for r in results if r.nct_id)


def test_many_trials_are_read_in_a_few_requests(copies: Path, client: FhirClient, terms: Terms) -> None:
    # First push: the capabilities; one batch read of the 20 studies and the sponsor at their ids (none there
    # yet); one identifier search each for the studies and the sponsor not found there; then one transaction
    # per trial. The trials' own resources are not looked for: their studies are new.
    _push(copies, client, terms, concurrency=4)
    assert client.requests_sent == 1 + 1 + 2 + COPIES
    before, sent = _versions(client), client.requests_sent
    assert _study_ids(before) == _deterministic_ids(
        copies
    )  # created at the ids derived from their identifiers
    # Unchanged: one batch read for the studies and the sponsor, one for the 80 resources of their own.
    assert {r.outcome for r in _push(copies, client, terms, concurrency=4)} == {"unchanged"}
    assert client.requests_sent - sent == 2
    assert _versions(client) == before


def test_a_server_without_batch_or_update_create_is_read_by_identifier_searches(
    copies: Path, clean_fhir_server: FhirTestServer, terms: Terms
) -> None:
    with FhirClient(Settings(clean_fhir_server.base_url), capabilities=SEARCH_ONLY) as client:
        assert {r.outcome for r in _push(copies, client, terms, concurrency=3)} == {"created"}
        before, sent = _versions(client), client.requests_sent
        assert {r.outcome for r in _push(copies, client, terms, concurrency=3)} == {"unchanged"}
        # Identifier searches: studies (20 in one), the sponsor, then the 80 own resources in chunks of 40
        # per type (Practitioner, Location, Group, PlanDefinition: 20 each, one search each).
        assert client.requests_sent - sent == 1 + 1 + 4
        assert _versions(client) == before
        assert [key for key, n in _counts(client).items() if n != 1] == []
    assert not _study_ids(before) & _deterministic_ids(copies)  # the server chose them (conditional creates)
