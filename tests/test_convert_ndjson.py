"""`convert --format ndjson`: one file per resource type with deterministic logical ids and `Type/id` references
between them (the input of a FHIR Bulk Data $import); the same ids push gives the resources it creates."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from fhir_adapter.cli import EXIT_OK, EXIT_USAGE, main
from fhir_adapter.client import FhirClient
from fhir_adapter.resources import build_trial_resources
from fhir_adapter.settings import Settings
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.sync import SyncOptions, sync_trials
from fhir_adapter.terms import Terms
from tests.conftest import CTGOV, SEED
from tests.fhir_server.harness import FhirTestServer

# Trials that share sponsors among them (NCT05584540 and NCT02513394 both name Dana-Farber, one without
# its type), a regimen with several arms, and the seed.
TRIALS = ("NCT06158412", "NCT03418623", "NCT05584540", "NCT02513394")
REFERENCE = re.compile(r'"reference":"([^"]*)"')


def _inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for nct_id in TRIALS:
        shutil.copy(CTGOV / f"{nct_id}.json", folder / f"{nct_id}.json")
    return folder


def _read(out: Path) -> dict[str, list[dict[str, Any]]]:
    return {
        path.stem: [json.loads(line) for line in path.read_text("utf-8").splitlines()]
        for path in sorted(out.glob("*.ndjson"))
    }


def test_one_file_per_type_with_logical_ids_and_references_that_resolve(
    tmp_path: Path, terms: Terms, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ndjson"
    assert main(["convert", str(_inputs(tmp_path)), "--format", "ndjson", "--out", str(out)]) == EXIT_OK
    assert "4 records: 4 converted, 0 failed;" in capsys.readouterr().out
    files = _read(out)
    built = [
        build_trial_resources(t, terms).resources
        for t in read_trials([CTGOV / f"{n}.json" for n in TRIALS])
        if isinstance(t, TrialRecord)
    ]
    keys = {r.key for resources in built for r in resources}
    # Every resource once (a sponsor several trials name, once), in the file of its type, at its key's UUID.
    assert {t: len(lines) for t, lines in files.items()} == Counter(k.resource_type for k in keys)
    assert {(t, r["id"]) for t, lines in files.items() for r in lines} == {
        (k.resource_type, k.uuid) for k in keys
    }
    assert all(r["resourceType"] == t for t, lines in files.items() for r in lines)
    ids = {f"{r['resourceType']}/{r['id']}" for lines in files.values() for r in lines}
    text = "".join(path.read_text("utf-8") for path in out.glob("*.ndjson"))
    references = set(REFERENCE.findall(text))
    assert references and not [r for r in references if r.startswith("urn:")]
    assert {r for r in references if not r.startswith("#")} <= ids  # each points at a line of the output
    # Dana-Farber: NCT05584540 states its type, NCT02513394 does not; the one line keeps the type.
    [dana_farber] = [o for o in files["Organization"] if o["name"] == "Dana-Farber Cancer Institute"]
    assert dana_farber["type"][0]["text"] == "OTHER"
    quality = [json.loads(line) for line in (out / "data-quality.jsonl").read_text("utf-8").splitlines()]
    assert [q["id"] for q in quality] == [f"{n}-data-quality" for n in sorted(TRIALS)]


def test_the_same_records_give_the_same_bytes(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path)
    for name in ("a", "b"):
        assert main(["convert", str(inputs), "--format", "ndjson", "--out", str(tmp_path / name)]) == EXIT_OK
    for path in (tmp_path / "a").iterdir():
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name


def test_a_folder_holding_ndjson_already_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ndjson"
    out.mkdir()
    (out / "Group.ndjson").write_text("{}\n", encoding="utf-8")
    assert main(["convert", str(SEED), "--format", "ndjson", "--out", str(out)]) == EXIT_USAGE
    assert "already holds Group.ndjson; ndjson output goes to an empty folder" in capsys.readouterr().err
    assert (out / "Group.ndjson").read_text("utf-8") == "{}\n"


def test_push_creates_the_resources_at_the_ids_of_the_ndjson(
    tmp_path: Path, terms: Terms, clean_fhir_server: FhirTestServer
) -> None:
    # A registry loaded by $import and kept up to date by sync is one set of resources, not two.
    out = tmp_path / "ndjson"
    assert main(["convert", str(SEED), "--format", "ndjson", "--out", str(out)]) == EXIT_OK
    in_ndjson = {f"{r['resourceType']}/{r['id']}" for lines in _read(out).values() for r in lines}
    with FhirClient(Settings(clean_fhir_server.base_url)) as client:
        [result] = sync_trials([str(SEED)], client, terms, SyncOptions())
        assert result.outcome == "created"
        on_server = {
            f"{t}/{r['id']}" for t in {ref.split("/")[0] for ref in in_ndjson} for r in client.search(t, {})
        }
    assert on_server == in_ndjson
