"""The command line, run in-process: exit codes, output and the files written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fhir_adapter.cli import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, main
from tests.conftest import CTGOV, SEED, load_json, study_json


def test_convert_seed_writes_its_bundle_and_quality_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["convert", str(SEED), "--out", str(tmp_path)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "NCT06158412  converted" in out
    assert "1 records: 1 converted, 0 failed" in out
    bundle = load_json(tmp_path / "NCT06158412.json")
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "transaction"
    assert load_json(tmp_path / "NCT06158412.issues.json")["resourceType"] == "OperationOutcome"


def test_criteria_left_as_text_are_counted_apart_from_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ELIGIBILITY_R4.md point 5: coverage shows per trial and in the totals line; information findings go
    to <NCT>.issues.json, not to the console as warnings."""
    assert main(["convert", str(SEED), "--out", str(tmp_path)]) == EXIT_OK
    out = capsys.readouterr().out
    outcome = load_json(tmp_path / "NCT06158412.issues.json")
    kept = sum(issue["severity"] == "information" for issue in outcome["issue"])
    assert kept > 0
    assert f"; {kept} kept as text (information)" in out
    assert "warning:" in out and not any("kept as text: no threshold" in line for line in out.splitlines())


def test_a_failing_record_does_not_stop_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(SEED, inputs / "a.json")
    (inputs / "b.json").write_text("{not json", encoding="utf-8")
    withheld = study_json("NCT03418623")
    withheld["protocolSection"]["statusModule"]["overallStatus"] = "WITHHELD"
    (inputs / "c.json").write_text(json.dumps(withheld), encoding="utf-8")
    out_dir = tmp_path / "out"
    assert main(["convert", str(inputs), "--out", str(out_dir)]) == EXIT_SOME_FAILED
    out = capsys.readouterr().out
    assert "3 records: 1 converted, 2 failed" in out
    assert "b.json" in out and "not valid JSON" in out
    assert "NCT03418623" in out and "'WITHHELD' has no entry in the mapping table 'ctgov-status-r4'" in out
    assert sorted(p.name for p in out_dir.glob("NCT*.json")) == [
        "NCT06158412.issues.json",
        "NCT06158412.json",
    ]


def test_unknown_status_falls_back_to_last_known_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = study_json("NCT03418623")
    study["protocolSection"]["statusModule"].update(overallStatus="UNKNOWN", lastKnownStatus="RECRUITING")
    path = tmp_path / "unknown.json"
    path.write_text(json.dumps(study), encoding="utf-8")
    assert main(["convert", str(path), "--out", str(tmp_path / "out")]) == EXIT_OK
    assert (
        "status 'UNKNOWN' has no R4 code; R4 status taken from lastKnownStatus 'RECRUITING'"
        in capsys.readouterr().out
    )
    bundle = load_json(tmp_path / "out" / "NCT03418623.json")
    study_resource = bundle["entry"][-1]["resource"]
    assert study_resource["status"] == "active"
    assert study_resource["extension"][0]["valueCoding"]["code"] == "UNKNOWN"


def test_missing_input_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", str(tmp_path / "nope.json"), "--out", str(tmp_path)]) == EXIT_USAGE
    assert "no such file or directory" in capsys.readouterr().err


def test_no_arguments_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == EXIT_USAGE


def test_convert_whole_fixture_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", str(CTGOV), "--out", str(tmp_path)]) == EXIT_OK
    count = len(list(CTGOV.glob("*.json")))
    assert f"{count} records: {count} converted, 0 failed" in capsys.readouterr().out
    assert len(list(tmp_path.glob("NCT????????.json"))) == count


def test_criteria_prints_each_criterion_with_its_facts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["criteria", str(SEED)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "NCT06158412: 6 inclusion, 17 exclusion criteria" in out
    assert "-> platelets < 30 10*9/L" in out
    assert "!! unclear, kept as text: 'total bilirubin 3 times normal'" in out
