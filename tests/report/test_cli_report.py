"""`fhir-adapter report` in-process: pages and index written, exit codes, usage errors, patients from a
folder and from the real test FHIR server."""

from __future__ import annotations

from pathlib import Path

import pytest

from fhir_adapter.cli import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, main
from tests.conftest import CTGOV, SEED
from tests.fhir_server.harness import FhirTestServer
from tests.report.conftest import SEED_PATIENTS
from tests.report.pages import read_page, table_with_caption
from tests.screening.test_server_screen import load_patients
from tests.screening.trial_expectations import SEED as EXPECTED

DATE = ["--date", "2025-01-31"]


def _report(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["report", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_report_writes_a_page_per_trial_and_an_index(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = CTGOV / "NCT02513394.json"
    code, out, _ = _report(capsys, str(SEED), str(other), "--out", str(tmp_path))
    assert code == EXIT_OK
    assert f"NCT06158412  page  -> {tmp_path / 'NCT06158412.html'}" in out
    assert f"2 records: 2 pages written, 0 failed; index: {tmp_path / 'index.html'}" in out
    index = read_page((tmp_path / "index.html").read_text(encoding="utf-8"))
    table = table_with_caption(index, "2 trial pages")
    links = [attrs["href"] for tag, attrs in index.tags if tag == "a" and attrs.get("href", "#")[0] != "#"]
    assert links == ["NCT06158412.html", "NCT02513394.html"]
    assert table.row("NCT06158412")[1].text.startswith("All-trans Retinoic Acid in Combination")


def test_a_bad_record_fails_alone_and_is_listed_in_the_index(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"protocolSection": ', encoding="utf-8")
    code, out, _ = _report(capsys, str(broken), str(SEED), "--out", str(tmp_path / "out"))
    assert code == EXIT_SOME_FAILED
    assert "2 records: 1 page written, 1 failed" in out
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "Records without a page" in index and "broken.json" in index
    assert (tmp_path / "out" / "NCT06158412.html").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--patient", "s-likely"], "--patient needs --patients-dir or --server"),
        (["--patients", "name=x"], "--patients QUERY searches --server only"),
        (["--patients-dir", "nowhere"], "no such folder: nowhere"),
        (
            ["--patients-dir", str(SEED_PATIENTS), "--date", "31.1.2025"],
            "--date '31.1.2025' is not YYYY-MM-DD",
        ),
        (["--patients-dir", str(SEED_PATIENTS), "--lookback", "-1"], "--lookback must be 0 or more days"),
    ],
    ids=["patient-without-source", "query-without-server", "missing-folder", "bad-date", "negative-lookback"],
)
def test_usage_errors_name_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = _report(capsys, str(SEED), "--out", str(tmp_path), *args)
    assert code == EXIT_USAGE
    assert f"fhir-adapter: error: {message}" in err
    assert not (tmp_path / "index.html").exists()


def test_patient_from_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = _report(
        capsys, str(SEED), "--out", str(tmp_path), "--patients-dir", str(SEED_PATIENTS),
        "--patient", "s-plt-29", *DATE,
    )  # fmt: skip
    assert code == EXIT_OK
    page = read_page((tmp_path / "NCT06158412.html").read_text(encoding="utf-8"))
    assert table_with_caption(page, "Patient s-plt-29: ").caption.startswith("Patient s-plt-29: excluded")
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "1 excluded" in index


@pytest.mark.server
def test_patients_from_the_server_by_id(
    clean_fhir_server: FhirTestServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = clean_fhir_server.base_url
    assert load_patients(base, SEED_PATIENTS) == len(EXPECTED)
    chosen = ["s-likely", "s-qtc-471", "s-life-none"]
    args = [str(SEED), "--out", str(tmp_path), "--server", base, *DATE]
    code, _, _ = _report(capsys, *args, *(a for p in chosen for a in ("--patient", p)))
    assert code == EXIT_OK
    page = read_page((tmp_path / "NCT06158412.html").read_text(encoding="utf-8"))
    overview = table_with_caption(page, "Patients: verdict")
    verdicts = {row[0].text: row[1].text for row in overview.rows[1:]}
    assert verdicts == {p: EXPECTED[p][0].value for p in chosen}


def test_another_identifier_base_gives_the_same_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The page shows no namespace; the Group built under a hospital's base is still read back whole."""
    code, _, _ = _report(capsys, str(SEED), "--out", str(tmp_path / "default"))
    assert code == EXIT_OK
    base = "https://fhir.hospital.example/trials"
    code, _, _ = _report(capsys, str(SEED), "--out", str(tmp_path / "hospital"), "--identifier-base", base)
    assert code == EXIT_OK
    page = (tmp_path / "hospital" / "NCT06158412.html").read_text(encoding="utf-8")
    assert page == (tmp_path / "default" / "NCT06158412.html").read_text(encoding="utf-8")
    assert "777-3" in page  # the platelet count's LOINC code, from the Group read back under the base
