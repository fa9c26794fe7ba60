"""`convert --workers N` and `validate --workers N` write the same bytes and print the same report lines, in
the same order, as one worker; and `import fhir_adapter.cli` loads neither the FHIR models nor the FHIRPath
engine (start-up, issue 16). Each command runs in a fresh process: with pytest's own threads running, the
pool would keep the work in-process (pool.can_fork)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from fhir_adapter.cli import EXIT_OK
from tests.conftest import CTGOV

CLI = "import sys\nfrom fhir_adapter.cli import main\nsys.exit(main())"


def _run(*argv: str) -> str:
    """Return what `fhir-adapter ARGV` prints, run in a fresh process; fail unless it exits 0."""
    ran = subprocess.run([sys.executable, "-c", CLI, *argv], check=False, capture_output=True, text=True)
    assert ran.returncode == EXIT_OK, ran.stderr
    return ran.stdout


def _files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.mark.parametrize("check", ["none", "self"])
def test_two_workers_write_the_same_files_and_lines_as_one(check: str, tmp_path: Path) -> None:
    printed = []
    for workers in ("1", "2"):
        out = tmp_path / workers
        argv = ["convert", str(CTGOV), "--out", str(out), "--workers", workers, "--check", check]
        printed.append(_run(*argv).replace(str(out), "OUT"))
    assert printed[0] == printed[1]
    assert len(printed[0].splitlines()) > len(list(CTGOV.glob("*.json")))
    written = _files(tmp_path / "1")
    assert len(written) == 2 * len(list(CTGOV.glob("*.json")))
    assert written == _files(tmp_path / "2")


def test_ndjson_with_two_workers_is_the_same_as_with_one(tmp_path: Path) -> None:
    outputs = []
    for workers in ("1", "2"):
        out = tmp_path / workers
        argv = ["convert", str(CTGOV), "--out", str(out), "--format", "ndjson", "--check", "none"]
        outputs.append((_run(*argv, "--workers", workers).replace(str(out), "OUT"), _files(out)))
    assert outputs[0] == outputs[1]
    assert "ResearchStudy.ndjson" in outputs[0][1]


def test_validate_with_two_workers_reports_as_one(tmp_path: Path) -> None:
    names = [str(path) for path in sorted(CTGOV.glob("*.json"))[:12]]
    _run("convert", *names, "--out", str(tmp_path), "--check", "none")
    reports = [
        re.sub(r"\d+ ms", "N ms", _run("validate", str(tmp_path), "--workers", workers, "--format", "json"))
        for workers in ("1", "2")
    ]
    assert reports[0] == reports[1]
    assert reports[0].count('"severity"') > 0


def test_importing_the_cli_loads_no_fhir_models_http_client_or_fhirpath() -> None:
    heavy = ["fhir.resources", "fhirpathpy", "requests", "jsonschema_rs", "fhir_adapter.validation.layers"]
    script = f"import sys, fhir_adapter.cli; print([m for m in {heavy!r} if m in sys.modules])"
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
