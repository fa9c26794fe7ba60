"""`fhir-adapter screen` in-process with a folder of patients: formats, exit codes, bad input, privacy."""

from __future__ import annotations

import csv
import io
import json
import logging
import shutil
from collections import Counter
from pathlib import Path

import pytest

from fhir_adapter.cli import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, main
from tests.conftest import SEED
from tests.screening.groups import criterion, group, loinc, quantity
from tests.screening.test_trials import PATIENTS
from tests.screening.trial_expectations import SEED as EXPECTED

SEED_PATIENTS = PATIENTS / "NCT06158412"
DATE = ["--date", "2025-01-31"]


def _screen(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["screen", *args, *DATE])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_table_shows_each_patient_the_criteria_left_for_review_and_the_totals(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _screen(capsys, str(SEED), "--patients-dir", str(SEED_PATIENTS))
    assert code == EXIT_OK
    counts = Counter(verdict.value for verdict, _ in EXPECTED.values())
    assert (
        f"{len(EXPECTED)} patients screened: {counts['likely']} likely, {counts['possible']} possible, "
        f"{counts['excluded']} excluded; 0 could not be read"
    ) in out
    assert "not decided by the tool, review by hand: healthy volunteers, inclusion 2, inclusion 3," in out
    assert "Patient s-plt-29: EXCLUDED" in out
    assert "  FAIL  EXC 6    met      Platelets 29 10*9/L on 2025-01-20; criterion < 30 10*9/L" in out
    assert (
        "  ?     EXC 6    unknown  no Platelets result in the 30 days before 2025-01-31; the latest is from 2024-11-15"
        in out
    )


def test_json_has_the_agreed_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _screen(capsys, str(SEED), "--patients-dir", str(SEED_PATIENTS), "--format", "json")
    assert code == EXIT_OK
    document = json.loads(out)
    assert set(document) == {"trial", "patients"}
    trial = document["trial"]
    assert {k: trial[k] for k in ("id", "screening_date", "lookback_days")} == {
        "id": "NCT06158412",
        "screening_date": "2025-01-31",
        "lookback_days": 30,
    }
    assert trial["title"].startswith("All-trans Retinoic Acid in Combination With a KPD Regimen")
    criteria = {c["criterion"]: c for c in trial["criteria"]}
    assert criteria["inclusion 4"] == {
        "criterion": "inclusion 4",
        "section": "inclusion",
        "review": False,
        "text": "ECOG assessment of 0, 1, or 2.",
    }
    assert criteria["exclusion 2"]["review"] is True
    patients = {p["id"]: p for p in document["patients"]}
    assert {p: v["verdict"] for p, v in patients.items()} == {p: v.value for p, (v, _) in EXPECTED.items()}
    ecog = next(c for c in patients["s-ecog-3-answer"]["criteria"] if c["criterion"] == "inclusion 4")
    assert ecog["result"] == "not-met" and ecog["review"] is False
    assert ecog["evidence"] == [
        {"resource": "Observation/s-ecog-3-answer-1", "value": "LA9625-0 (= 3)", "date": "2025-01-20"}
    ]
    assert {"criterion", "result", "review", "reason", "evidence"} == set(ecog)
    assert "patients screened" in err  # the totals go to stderr, so stdout stays one JSON document


def test_csv_has_a_row_per_patient_and_criterion(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _screen(capsys, str(SEED), "--patients-dir", str(SEED_PATIENTS), "--format", "csv")
    assert code == EXIT_OK
    rows = list(csv.DictReader(io.StringIO(out)))
    per_patient = Counter(row["patient"] for row in rows)
    assert set(per_patient) == set(EXPECTED) and len(set(per_patient.values())) == 1
    row = next(r for r in rows if r["patient"] == "s-crcl-0.3-ml-per-s" and r["criterion"] == "exclusion 10")
    assert (row["verdict"], row["result"], row["review"]) == ("excluded", "met", "no")
    assert "0.3 mL/s (= 18 mL/min)" in row["reason"]


@pytest.mark.parametrize(
    ("args", "message"),
    [([str(SEED)], "screen needs --server URL or --patients-dir DIR"),
     ([str(SEED), "--patients-dir", str(SEED_PATIENTS), "--patients", "_id=x"], "--patients QUERY searches --server only"),
     (["NCT06158412", "--patients-dir", str(SEED_PATIENTS)], "reading a trial by NCT number needs --server URL"),
     (["no-such.json", "--patients-dir", str(SEED_PATIENTS)], "no such file: no-such.json"),
     ([str(SEED), "--patients-dir", "no-such-folder"], "no such folder: no-such-folder"),
     ([str(SEED), "--patients-dir", str(SEED_PATIENTS), "--write-candidates"], "--write-candidates writes to --server URL"),
     ([str(SEED), "--patients-dir", str(SEED_PATIENTS), "--lookback", "-1"], "--lookback must be 0 or more days")],
    ids=["no-patients", "query-without-server", "nct-without-server", "missing-trial", "missing-folder",
         "candidates-without-server", "negative-lookback"],
)  # fmt: skip
def test_usage_errors_exit_2_with_a_reason(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = _screen(capsys, *args)
    assert code == EXIT_USAGE
    assert message in err


def test_a_bad_date_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["screen", str(SEED), "--patients-dir", str(SEED_PATIENTS), "--date", "31.01.2025"])
        == EXIT_USAGE
    )
    assert "--date '31.01.2025' is not YYYY-MM-DD" in capsys.readouterr().err


def test_an_unreadable_patient_file_is_listed_and_the_others_are_screened(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "patients"
    folder.mkdir()
    shutil.copy(SEED_PATIENTS / "s-likely.json", folder)
    (folder / "broken.json").write_text("{not json", encoding="utf-8")
    (folder / "observation.json").write_text('{"resourceType": "Observation"}', encoding="utf-8")
    code, out, err = _screen(capsys, str(SEED), "--patients-dir", str(folder))
    assert code == EXIT_SOME_FAILED
    assert "Patient s-likely: LIKELY" in out
    assert "1 patient screened: 1 likely, 0 possible, 0 excluded; 2 could not be read" in out
    assert f"{folder / 'broken.json'}: not JSON" in err
    assert f"{folder / 'observation.json'}: resourceType: neither a Bundle nor a Patient" in err


def test_our_bundle_a_group_and_the_record_screen_alike(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["convert", str(SEED), "--out", str(tmp_path)]) == EXIT_OK
    capsys.readouterr()
    from_record = _verdicts(capsys, str(SEED))
    assert _verdicts(capsys, str(tmp_path / "NCT06158412.json")) == from_record
    bundle = json.loads((tmp_path / "NCT06158412.json").read_text(encoding="utf-8"))
    group_file = tmp_path / "group.json"
    group_file.write_text(
        json.dumps(next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Group"))
    )
    assert _verdicts(capsys, str(group_file)) == from_record


def test_a_hand_written_group_is_screened_by_its_own_characteristics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    platelets = criterion("inclusion 1", "Platelets >= 250 x 10^9/L", code=loinc("777-3"),
                          valueQuantity=quantity(250, "10*9/L", ">="))  # fmt: skip
    path = tmp_path / "group.json"
    path.write_text(
        json.dumps({**group(platelets), "identifier": [{"value": "NCT99999999"}]}), encoding="utf-8"
    )
    verdicts = _verdicts(capsys, str(path))
    assert verdicts["s-likely"] == "excluded"  # 200 x 10^9/L is below this Group's 250
    assert verdicts["s-plt-none"] == "possible"


def _verdicts(capsys: pytest.CaptureFixture[str], trial: str) -> dict[str, str]:
    code, out, _ = _screen(capsys, trial, "--patients-dir", str(SEED_PATIENTS), "--format", "json")
    assert code == EXIT_OK
    return {p["id"]: p["verdict"] for p in json.loads(out)["patients"]}


def test_nothing_about_a_patient_is_logged_above_debug(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    _screen(capsys, str(SEED), "--patients-dir", str(SEED_PATIENTS), "--format", "json")
    above_debug = [r.getMessage() for r in caplog.records if r.levelno > logging.DEBUG]
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any("s-likely" in message for message in debug)  # the check below would notice a leak
    assert not [m for m in above_debug if any(patient in m for patient in EXPECTED)]


def test_another_lookback_changes_what_counts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _screen(
        capsys, str(SEED), "--patients-dir", str(SEED_PATIENTS), "--format", "json", "--lookback", "90"
    )
    assert code == EXIT_OK
    verdicts = {p["id"]: p["verdict"] for p in json.loads(out)["patients"]}
    assert verdicts["s-plt-stale"] == "likely"  # 77 days old: inside a 90-day window
