"""`convert --workers N` and `validate --workers N` write the same bytes and print the same report lines, in
the same order, as one worker; and `import fhir_adapter.cli` loads neither the FHIR models nor the FHIRPath
engine (start-up, issue 16)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from fhir_adapter.cli import EXIT_OK, main
from tests.conftest import CTGOV


def _convert(out: Path, workers: int, check: str, capsys: pytest.CaptureFixture[str]) -> str:
    code = main(["convert", str(CTGOV), "--out", str(out), "--workers", str(workers), "--check", check])
    assert code == EXIT_OK
    return capsys.readouterr().out.replace(str(out), "OUT")


def _files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.mark.parametrize("check", ["none", "self"])
def test_two_workers_write_the_same_files_and_lines_as_one(
    check: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = _convert(tmp_path / "one", 1, check, capsys)
    two = _convert(tmp_path / "two", 2, check, capsys)
    assert one == two
    assert len(one.splitlines()) > len(list(CTGOV.glob("*.json")))
    written = _files(tmp_path / "one")
    assert len(written) == 2 * len(list(CTGOV.glob("*.json")))
    assert written == _files(tmp_path / "two")


def test_ndjson_with_two_workers_is_the_same_as_with_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = []
    for workers in (1, 2):
        out = tmp_path / str(workers)
        argv = ["convert", str(CTGOV), "--out", str(out), "--format", "ndjson", "--workers", str(workers)]
        assert main([*argv, "--check", "none"]) == EXIT_OK
        outputs.append((capsys.readouterr().out.replace(str(out), "OUT"), _files(out)))
    assert outputs[0] == outputs[1]


def test_validate_with_two_workers_reports_as_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    names = sorted(CTGOV.glob("*.json"))[:12]
    assert main(["convert", *map(str, names), "--out", str(tmp_path), "--check", "none"]) == EXIT_OK
    capsys.readouterr()
    reports = []
    for workers in (1, 2):
        main(["validate", str(tmp_path), "--workers", str(workers), "--format", "json"])
        reports.append(re.sub(r"\d+ ms", "N ms", capsys.readouterr().out))
    assert reports[0] == reports[1]
    assert reports[0].count('"severity"') > 0


def test_importing_the_cli_loads_no_fhir_models_http_client_or_fhirpath() -> None:
    heavy = ["fhir.resources", "fhirpathpy", "requests", "jsonschema_rs", "fhir_adapter.validation.layers"]
    script = f"import sys, fhir_adapter.cli; print([m for m in {heavy!r} if m in sys.modules])"
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
