"""The transaction Bundle: deterministic, conditional, references inside the Bundle resolve."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pydantic_core
import pytest

from fhir_adapter.bundle import build_bundle, to_json_bytes
from fhir_adapter.resources import FhirVersion, build_trial_resources
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.terms import Terms
from tests.conftest import CTGOV, SEED, study_json

SAMPLE = ["NCT06158412", "NCT02513394", "NCT05835856", "NCT03418623", "NCT00033839"]


def _trial(path: Path) -> TrialRecord:
    [trial] = list(read_trials([path]))
    assert isinstance(trial, TrialRecord)
    return trial


def _bundle_bytes(path: Path, terms: Terms) -> bytes:
    return to_json_bytes(build_bundle(build_trial_resources(_trial(path), terms)))


@pytest.mark.parametrize("nct_id", SAMPLE)
def test_same_record_gives_the_same_bytes(terms: Terms, nct_id: str) -> None:
    path = CTGOV / f"{nct_id}.json"
    assert _bundle_bytes(path, terms) == _bundle_bytes(path, terms)


def test_bytes_do_not_depend_on_key_order_in_the_source(terms: Terms, tmp_path: Path) -> None:
    study = study_json("NCT03418623")
    shuffled = {k: study[k] for k in reversed(list(study))}
    shuffled["protocolSection"] = {
        k: study["protocolSection"][k] for k in reversed(list(study["protocolSection"]))
    }
    path = tmp_path / "shuffled.json"
    path.write_text(json.dumps(shuffled), encoding="utf-8")
    assert _bundle_bytes(path, terms) == _bundle_bytes(CTGOV / "NCT03418623.json", terms)


@pytest.mark.parametrize("nct_id", SAMPLE)
def test_compact_bytes_are_what_the_standard_json_encoder_writes(terms: Terms, nct_id: str) -> None:
    bundle = build_bundle(build_trial_resources(_trial(CTGOV / f"{nct_id}.json"), terms))
    standard = json.dumps(bundle, separators=(",", ":"), ensure_ascii=False) + "\n"
    assert to_json_bytes(bundle) == standard.encode("utf-8")


@pytest.mark.parametrize("nct_id", SAMPLE)
def test_every_entry_is_a_conditional_put_without_id(terms: Terms, nct_id: str) -> None:
    bundle = build_bundle(build_trial_resources(_trial(CTGOV / f"{nct_id}.json"), terms))
    assert bundle["type"] == "transaction"
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert "id" not in resource
        assert entry["fullUrl"].startswith("urn:uuid:")
        assert entry["request"]["method"] == "PUT"
        identifier = resource["identifier"][0]
        assert entry["request"]["url"].startswith(f"{resource['resourceType']}?identifier=")
        assert entry["request"]["url"].endswith(identifier["value"].replace(" ", "%20"))


def test_study_is_found_by_its_nct_number(terms: Terms) -> None:
    bundle = build_bundle(build_trial_resources(_trial(SEED), terms))
    study_entry = bundle["entry"][-1]
    assert study_entry["request"]["url"] == "ResearchStudy?identifier=https://clinicaltrials.gov|NCT06158412"


@pytest.mark.parametrize("nct_id", SAMPLE)
def test_every_reference_points_inside_the_bundle(terms: Terms, nct_id: str) -> None:
    bundle = build_bundle(build_trial_resources(_trial(CTGOV / f"{nct_id}.json"), terms))
    full_urls = {entry["fullUrl"] for entry in bundle["entry"]}
    references = _references(bundle)
    assert references, "a trial Bundle always references its Group"
    assert references <= full_urls
    assert len(full_urls) == len(bundle["entry"])


def _references(node: object) -> set[str]:
    if isinstance(node, dict):
        found = {node["reference"]} if isinstance(node.get("reference"), str) else set()
        return found.union(*(_references(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_references(v) for v in node))
    return set()


def test_two_trials_with_the_same_sponsor_share_its_organization(terms: Terms, tmp_path: Path) -> None:
    other = study_json("NCT03418623")
    other["protocolSection"]["identificationModule"]["nctId"] = "NCT99999999"
    path = tmp_path / "other.json"
    path.write_text(json.dumps(other), encoding="utf-8")
    first = build_bundle(build_trial_resources(_trial(CTGOV / "NCT03418623.json"), terms))
    second = build_bundle(build_trial_resources(_trial(path), terms))
    orgs = [
        {e["fullUrl"] for e in b["entry"] if e["resource"]["resourceType"] == "Organization"}
        for b in (first, second)
    ]
    studies = [
        {e["fullUrl"] for e in b["entry"] if e["resource"]["resourceType"] == "ResearchStudy"}
        for b in (first, second)
    ]
    assert orgs[0] == orgs[1]
    assert studies[0] != studies[1]


def test_r5_bundle_has_the_same_entries_and_conditional_requests_as_r4(terms: Terms) -> None:
    trial = _trial(SEED)
    r4, r5 = (
        build_bundle(build_trial_resources(trial, terms, version=v), version=v)
        for v in (FhirVersion.R4, FhirVersion.R5)
    )
    requests = [
        [
            (e["fullUrl"], e["request"])
            for e in b["entry"]
            if e["resource"]["resourceType"] != "EvidenceVariable"
        ]
        for b in (r4, r5)
    ]
    assert requests[0] == requests[1]
    assert r5["type"] == "transaction" and r5["identifier"] == r4["identifier"]


@pytest.mark.parametrize(
    "value",
    [
        {"f": [0.0, -0.0, 1e16, 1e-7, 5e-324, 1.7976931348623157e308, 0.30000000000000004, -33.3, 48.8566]},
        {"s": '\x00\x1f\x7f\u2028\u2029</script>"\\/\b\f\n\r\t\u00e9\u2265\U0001f600'},
        {"i": [2**63 - 1, -(2**63), 2**64 - 1], "b": [True, False, None], "e": [{}, []]},
        {"big": 10**20},  # past 64 bits: orjson refuses it, pydantic-core writes it
        {"date": date(2020, 1, 2)},
    ],
    ids=["floats", "strings", "integers", "past-64-bits", "date"],
)
def test_compact_bytes_are_what_pydantic_core_wrote(value: dict[str, object]) -> None:
    assert to_json_bytes(value) == pydantic_core.to_json(value) + b"\n"
