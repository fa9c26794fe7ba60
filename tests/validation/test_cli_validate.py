"""`fhir-adapter validate`, run in-process: readable, OperationOutcome and JUnit reports, and exit codes."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from fhir_adapter.cli import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, main
from fhir_adapter.validation import check_resource
from tests.conftest import REPO, SEED
from tests.validation import new_convention

BROKEN = Path(__file__).resolve().parent / "broken"
GOLDEN = REPO / "tests" / "golden" / "NCT06158412.bundle.json"
WARNING_ONLY = BROKEN / "group-bad-ucum-units.json"
GOLDEN_ENTRIES = len(json.loads(GOLDEN.read_text(encoding="utf-8"))["entry"])


@pytest.fixture
def valid_bundle(tmp_path: Path) -> Path:
    """A trial Bundle that passes every layer and fhir-adapter's own rules (tests/validation/new_convention)."""
    path = tmp_path / "NCT00000001.json"
    path.write_text(json.dumps(new_convention.bundle()), encoding="utf-8")
    return path


@pytest.fixture
def warning_only(tmp_path: Path) -> Path:
    """A Group whose only problem is a 10^ unit: a warning, no error."""
    group = json.loads(WARNING_ONLY.read_text(encoding="utf-8"))
    group["characteristic"] = group["characteristic"][:1]
    path = tmp_path / "warning-only.json"
    path.write_text(json.dumps(group), encoding="utf-8")
    return path


def test_valid_bundle_exits_ok_with_a_readable_report(
    valid_bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--strict", str(valid_bundle)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "NCT00000001.json: Bundle of 3 resources: 0 errors, 0 warnings, 0 information" in out
    assert "fhir-adapter's rules and the base R4 rules (fhir-adapter's own output" in out
    assert out.rstrip().endswith("1 file: 0 failed; 0 errors, 0 warnings, 0 information (strict)")


def test_errors_exit_1_with_one_line_per_issue(capsys: pytest.CaptureFixture[str]) -> None:
    path = BROKEN / "bundle-entry-group-members.json"
    assert main(["validate", str(path)]) == EXIT_SOME_FAILED
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("FAILED")
    assert "  error       Group  Bundle.entry[0].resource  grp-1: Can only have members" in lines[1]
    assert lines[1].endswith("[invariant]")
    assert "warning     Group  Bundle.entry[0].resource.member[0].entity.reference" in lines[2]


def test_warnings_alone_pass_unless_strict(warning_only: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(warning_only)]) == EXIT_OK
    assert "0 errors, 1 warning" in capsys.readouterr().out
    assert main(["validate", "--strict", str(warning_only)]) == EXIT_SOME_FAILED
    assert "(strict)" in capsys.readouterr().out


def test_json_format_prints_one_valid_operation_outcome(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["validate", "--format", "json", str(BROKEN / "group-bad-ucum-units.json")]) == EXIT_SOME_FAILED
    )
    outcome = json.loads(capsys.readouterr().out)
    assert outcome["resourceType"] == "OperationOutcome"
    assert check_resource(outcome) == []
    first = outcome["issue"][0]
    assert first["severity"] == "error" and first["code"] == "code-invalid"
    assert first["expression"] == ["Group.characteristic[1].valueQuantity.code"]
    assert "'²' is not allowed" in first["details"]["text"]
    assert "ucum layer" in first["diagnostics"]


def test_json_format_without_issues_still_has_one_issue(
    valid_bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--format", "json", str(valid_bundle)]) == EXIT_OK
    outcome = json.loads(capsys.readouterr().out)
    assert [i["severity"] for i in outcome["issue"]] == ["information"]
    assert check_resource(outcome) == []


def test_junit_has_a_test_case_per_resource_and_failures_for_errors(tmp_path: Path) -> None:
    junit = tmp_path / "validate.xml"
    broken = BROKEN / "bundle-dangling-reference.json"
    assert main(["validate", str(GOLDEN), str(broken), "--junit", str(junit)]) == EXIT_SOME_FAILED
    suites = ET.parse(junit).getroot()
    # One case per Bundle and per resource: the golden Bundle and its entries, the broken Bundle and its one.
    assert (suites.get("tests"), suites.get("failures")) == (str(GOLDEN_ENTRIES + 1 + 2), "1")
    golden, dangling = suites.findall("testsuite")
    assert [case.get("name") for case in golden.findall("testcase")][:2] == [
        "Bundle (Bundle)",
        "Bundle.entry[0].resource (Organization)",
    ]
    [failed] = [case for case in dangling.findall("testcase") if case.find("failure") is not None]
    assert failed.get("name") == "Bundle.entry[0].resource (ResearchStudy)"
    failure = failed.find("failure")
    assert failure is not None and "enrollment[0].reference" in (failure.text or "")
    assert "sponsor.reference" in (failed.findtext("system-out") or "")


def test_junit_strict_fails_on_warnings(warning_only: Path, tmp_path: Path) -> None:
    junit = tmp_path / "strict.xml"
    assert main(["validate", "--strict", "--junit", str(junit), str(warning_only)]) == EXIT_SOME_FAILED
    assert ET.parse(junit).getroot().get("failures") == "1"


def test_a_directory_is_validated_file_by_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(GOLDEN, tmp_path / "a.json")
    shutil.copy(BROKEN / "organization-without-name-or-identifier.json", tmp_path / "b.json")
    assert main(["validate", str(tmp_path)]) == EXIT_SOME_FAILED
    assert "2 files: 1 failed; 1 error" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"name": "x"}', "not a FHIR resource"),
        ("[1, 2]", "not a FHIR resource"),
        (b"\xff\xfe{", "not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
    ids=["not-json", "no-resource-type", "not-an-object", "not-utf-8", "nested-100000-levels"],
)
def test_an_unreadable_file_is_that_files_error_and_the_others_are_still_checked(
    tmp_path: Path, valid_bundle: Path, capsys: pytest.CaptureFixture[str], content: str | bytes, message: str
) -> None:
    path = tmp_path / "a-broken.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    assert main(["validate", str(tmp_path)]) == EXIT_SOME_FAILED
    out = capsys.readouterr().out
    assert f"{path}: unreadable: 1 error" in out and message in out
    assert f"{valid_bundle}: Bundle of 3 resources: 0 errors" in out
    assert "2 files: 1 failed; 1 error" in out


def test_an_unreadable_file_is_a_failed_test_case_in_junit(tmp_path: Path, valid_bundle: Path) -> None:
    (tmp_path / "a-broken.json").write_text("{not json", encoding="utf-8")
    junit = tmp_path / "report.xml"
    assert main(["validate", str(tmp_path / "a-broken.json"), str(valid_bundle), "--junit", str(junit)]) == 1
    suites = ET.parse(junit).getroot()
    assert (suites.get("tests"), suites.get("failures")) == ("5", "1")


@pytest.mark.parametrize(
    ("rules", "code", "note"),
    [
        ([], EXIT_OK, "base R4 rules only (not fhir-adapter's output"),
        (["--rules", "base"], EXIT_OK, "base R4 rules only (--rules base)"),
        (["--rules", "fhir-adapter"], EXIT_SOME_FAILED, "fhir-adapter's rules and the base R4 rules"),
    ],
    ids=["auto", "base", "fhir-adapter"],
)
def test_project_rules_apply_to_our_output_or_when_asked(
    capsys: pytest.CaptureFixture[str], rules: list[str], code: int, note: str
) -> None:
    someone_elses = BROKEN / "research-study-without-nct-identifier.json"
    assert main(["validate", *rules, str(someone_elses)]) == code
    out = capsys.readouterr().out
    assert note in out
    assert ("needs its NCT number" in out) is (code == EXIT_SOME_FAILED)


def test_a_directory_without_json_files_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(tmp_path)]) == EXIT_USAGE
    assert "no *.json files in this directory" in capsys.readouterr().err


def test_missing_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nope.json")]) == EXIT_USAGE
    assert "no such file or directory" in capsys.readouterr().err


def test_best_practice_adds_narrative_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--best-practice", str(GOLDEN)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "dom-6: A resource should have narrative" in out and "best-practice invariants" not in out


def test_what_convert_writes_is_valid_r4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # fhir-adapter's own rules on every converted fixture: tests/validation/test_corpus.py
    assert main(["convert", str(SEED), "--out", str(tmp_path)]) == EXIT_OK
    assert main(["validate", "--strict", "--rules", "base", str(tmp_path)]) == EXIT_OK
    assert "2 files: 0 failed; 0 errors, 0 warnings" in capsys.readouterr().out


def test_a_resource_nested_deeper_than_the_checks_follow_is_that_files_error(
    tmp_path: Path, valid_bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Valid JSON that Python reads (about 900 levels), deeper than the model layer follows.
    nested = '{"url": "x", "extension": [' * 450 + '{"url": "x", "valueString": "deep"}' + "]}" * 450
    path = tmp_path / "deep.json"
    path.write_text('{"resourceType": "Organization", "extension": [' + nested + "]}", encoding="utf-8")
    assert main(["validate", str(tmp_path)]) == EXIT_SOME_FAILED
    out = capsys.readouterr().out
    assert "deep.json: unreadable: 1 error" in out and "nested too deeply" in out
    assert "2 files: 1 failed" in out
