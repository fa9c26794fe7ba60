"""The library API (fhir_adapter.api, exported lazily from fhir_adapter): convert a study in memory or files,
validate a dict or a file, push to the real test server; and `import fhir_adapter` loads none of it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import fhir_adapter
from fhir_adapter import FhirClient, Settings
from tests.conftest import CTGOV, REPO, SEED, study_json
from tests.fhir_server.harness import FhirTestServer
from tests.test_architecture import STAGES


def test_convert_record_gives_the_bundle_convert_writes(tmp_path: Path) -> None:
    result = fhir_adapter.convert_record(study_json())
    [written] = fhir_adapter.convert_files([SEED], tmp_path)
    assert result.outcome == written.outcome == "converted"
    assert result.bundle == json.loads((tmp_path / "NCT06158412.json").read_text(encoding="utf-8"))
    assert result.resource_counts == written.resource_counts
    assert [str(issue) for issue in result.quality] == [str(issue) for issue in written.quality]


def test_convert_record_reports_a_bad_study_without_raising() -> None:
    study = study_json()
    study["protocolSection"]["statusModule"]["overallStatus"] = "WITHHELD"
    result = fhir_adapter.convert_record(study)
    assert result.outcome == "failed" and result.bundle is None
    assert result.error is not None and "'WITHHELD'" in result.error


def test_convert_record_writes_r5_when_asked() -> None:
    result = fhir_adapter.convert_record(study_json(), version="r5")
    assert result.ok and result.resource_counts["EvidenceVariable"] == 1


def test_validate_takes_a_dict_or_a_file(tmp_path: Path) -> None:
    bundle = fhir_adapter.convert_record(study_json()).bundle
    assert bundle is not None
    assert not fhir_adapter.validate(bundle).failed()
    [study] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "ResearchStudy"]
    study["status"] = "recruiting"  # an R5 code, not an R4 one
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    report = fhir_adapter.validate(path)
    assert report.failed() and report.source == str(path)
    assert any("status" in issue.location for issue in report.issues if issue.severity == "error")


def test_push_takes_files_and_studies_in_memory(clean_fhir_server: FhirTestServer) -> None:
    other = study_json("NCT03418623")
    with FhirClient(Settings(base_url=clean_fhir_server.base_url)) as client:
        first = list(fhir_adapter.push([SEED, other], client))
        again = list(fhir_adapter.push([CTGOV / "NCT03418623.json", study_json()], client))
    assert [(r.nct_id, r.outcome) for r in first] == [("NCT06158412", "created"), ("NCT03418623", "created")]
    assert [(r.nct_id, r.outcome) for r in again] == [
        ("NCT03418623", "unchanged"),
        ("NCT06158412", "unchanged"),
    ]


def test_import_fhir_adapter_loads_no_stage_until_a_name_is_used() -> None:
    stages = (*STAGES, "api")
    code = (
        "import sys, fhir_adapter\n"
        "loaded = sorted(m for m in sys.modules\n"
        f"                if m.startswith('fhir_adapter.') and m.split('.')[1] in {stages!r})\n"
        "fhir_adapter.convert_record\n"
        "print(loaded, 'fhir_adapter.api' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[] True"


def test_every_exported_name_is_in_dir_and_documented() -> None:
    for name in fhir_adapter.__all__:
        value = getattr(fhir_adapter, name)
        assert name in dir(fhir_adapter)
        assert getattr(value, "__doc__", None), f"{name} has no docstring"
