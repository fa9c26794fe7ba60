"""The command line, run in-process: exit codes, output and the files written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from fhir_adapter.cli import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, main
from tests.conftest import CTGOV, SEED, load_json, study_json


def test_convert_seed_writes_its_bundle_and_quality_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["convert", str(SEED), "--out", str(tmp_path)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "NCT06158412  converted" in out
    assert "1 record: 1 converted, 0 failed" in out
    bundle = load_json(tmp_path / "NCT06158412.json")
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "transaction"
    assert load_json(tmp_path / "NCT06158412.issues.json")["resourceType"] == "OperationOutcome"


def test_criteria_left_as_text_are_counted_apart_from_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/eligibility-r4.md point 5: coverage shows per trial and in the totals line; information findings go
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
    # the codes the Group gets, not the parser's keys; what the Group keeps as text says so
    assert "-> LOINC 777-3 Platelets [#/volume] in Blood by Automated count < 30 10*9/L" in out
    assert "-> SNOMED CT 397669002 Age >= 18 a" in out
    assert "-> fhir-adapter m-protein >= 5 g/L: not coded, kept as text" in out
    assert "-> platelets" not in out
    assert "!! unclear, kept as text: 'total bilirubin 3 times normal'" in out


def test_out_pointing_to_a_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "out.txt"
    out_file.write_text("not a folder", encoding="utf-8")
    assert main(["convert", str(SEED), "--out", str(out_file)]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert f"fhir-adapter: error: output folder {out_file}: is a file, not a folder" in captured.err
    assert captured.out == "" and out_file.read_text(encoding="utf-8") == "not a folder"


def test_out_inside_a_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert main(["convert", str(SEED), "--out", str(tmp_path / "file" / "out")]) == EXIT_USAGE
    assert "cannot be made" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("make", "reason"),
    [(lambda folder: None, "does not exist"), (lambda folder: folder.mkdir(), "holds no ConceptMap")],
    ids=["missing", "empty"],
)
def test_mappings_folder_without_concept_maps_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Any, reason: str
) -> None:
    folder = tmp_path / "maps"
    make(folder)
    args = ["convert", str(SEED), "--out", str(tmp_path / "out"), "--mappings", str(folder)]
    assert main(args) == EXIT_USAGE
    assert f"fhir-adapter: error: mappings folder {folder}: {reason}" in capsys.readouterr().err
    assert not (tmp_path / "out" / "NCT06158412.json").exists()


@pytest.mark.parametrize(
    "command",
    [["convert"], ["criteria"], ["push", "--server", "http://127.0.0.1:9", "--dry-run"]],
    ids=["convert", "criteria", "push"],
)
def test_input_folder_without_record_files_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    empty = tmp_path / "in"
    empty.mkdir()
    (empty / "notes.txt").write_text("no records here", encoding="utf-8")
    assert main([*command, str(empty)]) == EXIT_USAGE
    assert f"no records found: no .json or .xml file in {empty}" in capsys.readouterr().err


def test_files_holding_no_studies_say_so_and_succeed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A search that matched nothing is an answer, not a mistake.
    page = tmp_path / "page.json"
    page.write_text('{"studies": [], "totalCount": 0}', encoding="utf-8")
    assert main(["convert", str(page), "--out", str(tmp_path / "out")]) == EXIT_OK
    out = capsys.readouterr().out
    assert "0 records: 0 converted, 0 failed" in out and "no records found in the inputs" in out


def test_bad_record_line_names_file_record_number_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = study_json("NCT03418623")
    broken["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = "twenty-four"
    export = tmp_path / "export.json"
    export.write_text(json.dumps([study_json(), broken]), encoding="utf-8")
    assert main(["convert", str(export), "--out", str(tmp_path / "out")]) == EXIT_SOME_FAILED
    assert (
        f"NCT03418623 ({export}) record 2: protocolSection.designModule.enrollmentInfo.count: "
        "expected a number, got a string" in capsys.readouterr().out
    )


def test_deeply_nested_file_is_reported_and_the_others_convert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.json").write_text("[" * 10_000 + "]" * 10_000, encoding="utf-8")
    shutil.copy(SEED, inputs / "b.json")
    assert main(["convert", str(inputs), "--out", str(tmp_path / "out")]) == EXIT_SOME_FAILED
    out = capsys.readouterr().out
    assert "2 records: 1 converted, 1 failed" in out
    assert f"{inputs / 'a.json'} record 1: nested more than 64 levels deep" in out
    assert (tmp_path / "out" / "NCT06158412.json").exists()


def test_duplicate_keeps_the_newest_record_and_reports_the_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name, title, updated in (
        ("a.json", "2015 version", "2015-03-02"),
        ("b.json", "2014 version", "2014-11-20"),
    ):
        study = study_json()
        study["protocolSection"]["identificationModule"]["briefTitle"] = title
        study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = updated
        (inputs / name).write_text(json.dumps(study), encoding="utf-8")
    out_dir = tmp_path / "out"
    assert main(["convert", str(inputs), "--out", str(out_dir)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "2 records: 1 converted, 0 failed, 1 duplicate left out" in out
    assert f"NCT06158412  duplicate  left out, {inputs / 'a.json'} kept: last updated 2015-03-02" in out
    assert (
        f"  duplicate: NCT06158412 ({inputs / 'b.json'}): duplicate, left out; kept {inputs / 'a.json'}"
        in out
    )
    bundle = load_json(out_dir / "NCT06158412.json")
    assert bundle["entry"][-1]["resource"]["title"] == "2015 version"


def test_null_in_a_list_is_converted_with_a_finding_in_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = study_json()
    conditions = study["protocolSection"]["conditionsModule"]["conditions"]
    study["protocolSection"]["conditionsModule"]["conditions"] = [None, *conditions]
    path = tmp_path / "x.json"
    path.write_text(json.dumps(study), encoding="utf-8")
    assert main(["convert", str(path), "--out", str(tmp_path / "out")]) == EXIT_OK
    field = "protocolSection.conditionsModule.conditions[0]"
    assert f"warning: NCT06158412: {field}: null in the list, left out" in capsys.readouterr().out
    issues = load_json(tmp_path / "out" / "NCT06158412.issues.json")["issue"]
    assert [field] in [issue.get("expression") for issue in issues]
    research_study = load_json(tmp_path / "out" / "NCT06158412.json")["entry"][-1]["resource"]
    assert [c["text"] for c in research_study["condition"]][: len(conditions)] == conditions


def test_criteria_names_a_duplicate_and_prints_the_newest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    older, newer = study_json(), study_json()
    older["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2014-11-20"
    older["protocolSection"]["eligibilityModule"]["eligibilityCriteria"] = "Inclusion Criteria:\n\n* Age 18"
    export = tmp_path / "export.json"
    export.write_text(json.dumps([newer, older]), encoding="utf-8")
    assert main(["criteria", str(export)]) == EXIT_OK
    out = capsys.readouterr().out
    assert f"DUPLICATE  NCT06158412 ({export} record 2): duplicate, left out; kept {export} record 1" in out
    assert "NCT06158412: 6 inclusion, 17 exclusion criteria" in out


def test_convert_and_validate_in_r5(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", str(SEED), "--out", str(tmp_path), "--fhir-version", "r5"]) == EXIT_OK
    bundle = load_json(tmp_path / "NCT06158412.json")
    types = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert "EvidenceVariable" in types and load_json(tmp_path / "NCT06158412.issues.json")
    capsys.readouterr()
    assert main(["validate", str(tmp_path / "NCT06158412.json"), "--fhir-version", "r5"]) == EXIT_OK
    assert main(["validate", str(tmp_path / "NCT06158412.json")]) == EXIT_SOME_FAILED  # R5 is not R4


def test_an_unknown_fhir_version_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["convert", str(SEED), "--fhir-version", "r6"])
    assert exit_info.value.code == EXIT_USAGE
    assert "'r6' is not r4 or r5" in capsys.readouterr().err


def test_criteria_in_r5_says_which_or_criteria_become_exact(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["criteria", str(CTGOV / "NCT02513394.json"), "--fhir-version", "r5"]) == EXIT_OK
    out = capsys.readouterr().out  # inclusion 21: creatinine or clearance; 2: age or national guidelines
    assert "R5: exact: any-of (any-of), each threshold coded\n" in out
    assert "R5: exact: any-of (any-of), each threshold coded, 1 in its words" in out
    assert main(["criteria", str(CTGOV / "NCT04946890.json"), "--fhir-version", "r5"]) == EXIT_OK
    out = (
        capsys.readouterr().out
    )  # the nested lab list: each sub-item stated, the WBC after cytoreduction too
    assert "R5: exact: all-of (any-of), each threshold coded, 1 in its words" in out
    assert "R5: partly exact" not in out
    assert main(["criteria", str(CTGOV / "NCT02526537.json"), "--fhir-version", "r5"]) == EXIT_OK
    assert "R5: kept as text (conditional), as in R4" in capsys.readouterr().out  # the garbled translation
