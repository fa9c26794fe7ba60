"""`--summary FILE` for convert, validate and push (counts, each trial's outcome, timings), JUnit for push,
the push journal's place and lifetime, and the dry-run diff of a long string."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from fhir_adapter.cli import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, main
from tests.conftest import CTGOV, SEED, study_json
from tests.fhir_server.harness import FhirTestServer


def _folder(tmp_path: Path, *, broken: bool = True) -> Path:
    """A folder with the seed and, when `broken`, a record whose status no table maps (it fails)."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    if broken:
        study = study_json("NCT03418623")
        study["protocolSection"]["statusModule"]["overallStatus"] = "WITHHELD"
        (folder / "withheld.json").write_text(json.dumps(study), encoding="utf-8")
    return folder


def _read(path: Path) -> dict[str, Any]:
    summary: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return summary


def test_convert_summary_counts_each_trial_and_times_the_run(tmp_path: Path) -> None:
    summary_path = tmp_path / "summary.json"
    args = ["convert", str(_folder(tmp_path)), "--out", str(tmp_path / "out"), "--summary", str(summary_path)]
    assert main(args) == EXIT_SOME_FAILED
    summary = _read(summary_path)
    assert summary["command"] == "convert" and summary["exit_code"] == EXIT_SOME_FAILED
    assert summary["outcomes"] == {"converted": 1, "failed": 1}
    by_trial = {trial["nct_id"]: trial for trial in summary["trials"]}
    seed = by_trial["NCT06158412"]
    assert seed["outcome"] == "converted" and seed["error"] is None
    assert seed["bundle"] == str(tmp_path / "out" / "NCT06158412.json")
    assert seed["resources"]["ResearchStudy"] == 1
    assert "'WITHHELD'" in by_trial["NCT03418623"]["error"]
    assert all(trial["seconds"] >= 0 and trial["finished_after_seconds"] >= 0 for trial in summary["trials"])
    assert summary["seconds"] >= max(trial["finished_after_seconds"] for trial in summary["trials"])
    assert summary["started"] <= summary["finished"]


def test_validate_summary_names_each_file_and_its_issues(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["convert", str(SEED), "--out", str(out)]) == EXIT_OK
    bundle = json.loads((out / "NCT06158412.json").read_text(encoding="utf-8"))
    [study] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "ResearchStudy"]
    study["status"] = "not-a-status"
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(bundle), encoding="utf-8")
    summary_path = tmp_path / "summary.json"
    args = ["validate", str(out / "NCT06158412.json"), str(broken), "--summary", str(summary_path)]
    assert main(args) == EXIT_SOME_FAILED
    summary = _read(summary_path)
    assert summary["outcomes"] == {"passed": 1, "failed": 1}
    passed, failed = summary["trials"]
    assert passed["nct_id"] == "NCT06158412" and passed["issues"]["error"] == 0
    assert failed["nct_id"] is None and failed["source"] == str(broken)
    assert failed["issues"]["error"] >= 1 and "not-a-status" in failed["error"]


def test_push_summary_and_junit_show_each_trial(
    clean_fhir_server: FhirTestServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary_path, junit_path = tmp_path / "summary.json", tmp_path / "push.xml"
    args = ["push", str(_folder(tmp_path)), "--server", clean_fhir_server.base_url]
    args += [
        "--journal",
        str(tmp_path / "j.jsonl"),
        "--summary",
        str(summary_path),
        "--junit",
        str(junit_path),
    ]
    assert main(args) == EXIT_SOME_FAILED
    summary = _read(summary_path)
    assert summary["server"] == clean_fhir_server.base_url and summary["dry_run"] is False
    assert summary["outcomes"] == {"created": 1, "failed": 1} and summary["stopped"] is None
    created = next(trial for trial in summary["trials"] if trial["outcome"] == "created")
    assert created["nct_id"] == "NCT06158412" and created["resources"]["create"] > 0
    suite = ET.parse(junit_path).getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "2" and suite.get("failures") == "1"
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert cases["NCT06158412"].find("failure") is None
    failure = cases["NCT03418623"].find("failure")
    assert failure is not None and "'WITHHELD'" in (failure.get("message") or "")


def test_the_default_journal_is_in_the_state_directory_and_kept_only_while_unfinished(
    clean_fhir_server: FhirTestServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    state, work = tmp_path / "state", tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    monkeypatch.chdir(work)
    args = ["push", str(_folder(tmp_path)), "--server", clean_fhir_server.base_url]
    assert main(args) == EXIT_SOME_FAILED
    [journal] = (state / "fhir-adapter").glob("push-*.jsonl")  # one failed: the run is unfinished
    assert list(work.iterdir()) == []  # nothing in the working directory
    assert main(args) == EXIT_SOME_FAILED
    assert "2 trials: 0 created, 0 updated, 0 unchanged, 1 resumed, 1 failed" in capsys.readouterr().out
    (tmp_path / "in" / "withheld.json").unlink()
    assert main(args) == EXIT_OK
    assert not journal.exists()  # every trial done: the next plain push checks the server afresh
    assert main(args) == EXIT_OK
    assert "1 trial: 0 created, 0 updated, 1 unchanged, 0 failed" in capsys.readouterr().out


def test_a_summary_that_cannot_be_written_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["convert", str(SEED), "--out", str(tmp_path / "out"), "--summary", str(tmp_path)]
    assert main(args) == EXIT_USAGE
    assert f"--summary {tmp_path}: is a directory" in capsys.readouterr().err


def test_dry_run_diff_shows_where_a_long_string_changed(
    clean_fhir_server: FhirTestServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--server", clean_fhir_server.base_url, "--journal", str(tmp_path / "j.jsonl")]
    assert main(["push", str(SEED), *base]) == EXIT_OK
    study = study_json()
    summary = study["protocolSection"]["descriptionModule"]["briefSummary"]
    assert summary.endswith("refractory relapsed multiple myeloma.")  # the change is at the end of 135
    changed = summary.replace("refractory relapsed", "relapsed or refractory")
    study["protocolSection"]["descriptionModule"]["briefSummary"] = changed
    record = tmp_path / "NCT06158412.json"
    record.write_text(json.dumps(study), encoding="utf-8")
    capsys.readouterr()
    assert main(["push", str(record), *base, "--dry-run"]) == EXIT_OK
    out = capsys.readouterr().out
    # a window from 20 characters before the first difference, not the start of the string
    assert "description: ...' in patients with refractory relapsed multiple myelo'..." in out
    assert "-> ...' in patients with relapsed or refractory multiple my'..." in out


def test_record_numbers_in_messages_count_from_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = study_json(), study_json("NCT03418623")
    bad["protocolSection"]["identificationModule"]["nctId"] = "NCT123"
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"studies": [good, bad]}), encoding="utf-8")
    assert main(["convert", str(page), "--out", str(tmp_path / "out")]) == EXIT_SOME_FAILED
    out = capsys.readouterr().out
    assert (
        f"({page}) record 2: protocolSection.identificationModule.nctId" in out or f"{page} record 2" in out
    )
    assert "2 records: 1 converted, 1 failed" in out


def test_one_of_each_is_singular(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", str(CTGOV / "NCT06158412.json"), "--out", str(tmp_path)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "1 record: 1 converted, 0 failed" in out and "1 records" not in out
