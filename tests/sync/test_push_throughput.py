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
from fhir_adapter.resources import ResourceKey, build_trial_resources
from fhir_adapter.settings import Settings
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.sync import Journal, SyncOptions, TrialSync, sync_trials
from fhir_adapter.terms import NCT_SYSTEM, Terms
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


def _seed_keys(terms: Terms) -> list[ResourceKey]:
    [trial] = [t for t in read_trials([SEED]) if isinstance(t, TrialRecord)]
    return [r.key for r in build_trial_resources(trial, terms).resources]


def _is_own(key: ResourceKey) -> bool:
    return key.value.startswith("NCT06158412")


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
    # The sponsor and the officials' organization once, shared by all twenty; every other resource per trial.
    expected = Counter(k.resource_type for k in _seed_keys(terms) for _ in range(COPIES if _is_own(k) else 1))
    assert Counter(kind for kind, _ in counts) == expected
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
    # Unchanged: one batch read for the studies and the shared organizations, one for the 180 (up to 200 in
    # one batch) resources of the trials' own.
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
        # Identifier searches: the 20 studies in one, the organizations in one, then the trials' own resources
        # per type, 40 identifiers a search.
        own = Counter(
            k.resource_type for k in _seed_keys(terms) if _is_own(k) and k.resource_type != "ResearchStudy"
        )
        assert client.requests_sent - sent == 1 + 1 + sum(-(-n * COPIES // 40) for n in own.values())
        assert _versions(client) == before
        assert [key for key, n in _counts(client).items() if n != 1] == []
    assert not _study_ids(before) & _deterministic_ids(copies)  # the server chose them (conditional creates)


def test_a_sponsor_one_record_types_and_another_does_not_keeps_its_type_and_is_written_once(
    client: FhirClient, terms: Terms, tmp_path: Path
) -> None:
    # As Dana-Farber in NCT05584540 (class OTHER) and NCT02513394 (no class): the record that leaves the
    # sponsor's type out must not remove it, or every sync rewrites the sponsor back and forth.
    folder = tmp_path / "in"
    folder.mkdir()
    for nct_id, sponsor_class in (("NCT90000001", "OTHER"), ("NCT90000002", None)):
        study = study_json()
        study["protocolSection"]["identificationModule"]["nctId"] = nct_id
        sponsor = study["protocolSection"]["sponsorCollaboratorsModule"]["leadSponsor"]
        if sponsor_class is None:
            del sponsor["class"]
        (folder / f"{nct_id}.json").write_text(json.dumps(study), encoding="utf-8")
    assert [r.outcome for r in _push(folder, client, terms)] == ["created", "created"]
    [sponsor] = client.search("Organization", {"name": "The First Affiliated Hospital of Xiamen University"})
    assert sponsor["type"][0]["text"] == "OTHER" and sponsor["meta"]["versionId"] == "1"
    before = _versions(client)
    assert [r.outcome for r in _push(folder, client, terms, concurrency=2)] == ["unchanged", "unchanged"]
    assert _versions(client) == before
