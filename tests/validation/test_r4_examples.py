"""No false alarms: HL7's official R4 examples (npm hl7.fhir.r4.examples 4.0.1, ~5,300 files), validated with
the base R4 rules as `fhir-adapter validate --rules base` does, one file at a time (issue 11).

- Every file of a type fhir-adapter emits or reads passes without an error, except the reviewed ones below.
- Over the whole package, fewer than 1% of the files fail, and every one that does is listed in
  REVIEWED_INVALID with the reason, checked by hand against the R4 specification: the example really is
  invalid. The list must be exact: a file that starts to pass, or a new failure, fails the test.

The run takes about two and a half minutes of one core (benchmarks/validate_r4_examples.py measures it).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from fhir_adapter.validation import RuleSet, ValidationReport, validate_files
from tests.validation.findings import R4_EXAMPLES_FILE, r4_example_files, read_golden, report_findings

TYPES_WE_EMIT_OR_READ = frozenset(
    {
        "ResearchStudy",
        "ResearchSubject",
        "PlanDefinition",
        "ActivityDefinition",
        "Group",
        "Organization",
        "Location",
        "Practitioner",
        "PractitionerRole",
        "EvidenceVariable",
        "Bundle",
    }
)

_EMPTY_NARRATIVE = "its narrative div holds only whitespace: txt-2 (SHALL have some non-whitespace content)"
_NO_BASE = "no base: SearchParameter.base is 1..*"


def _not_ucum(code: str, ucum: str) -> str:
    return f"a Quantity with system UCUM and code {code!r}, which is not UCUM ({ucum})"


# file -> why the example is invalid R4 (each checked by hand against the R4 specification)
REVIEWED_INVALID: Mapping[str, str] = {
    "ActivityDefinition-blood-tubes-supply.json": _EMPTY_NARRATIVE,
    "ActivityDefinition-heart-valve-replacement.json": _EMPTY_NARRATIVE,
    "EventDefinition-example.json": _EMPTY_NARRATIVE,
    "Questionnaire-zika-virus-exposure-assessment.json": _EMPTY_NARRATIVE,
    "Bundle-dataelements.json": "7 fullUrls occur 2 or 3 times (de-Quantity.value ...) without meta.versionId: bdl-7",
    "PlanDefinition-example-cardiology-os.json": (
        "'#CardiologyReferralReasonValues' and '#amlodipinePrescription' name no contained resource"
    ),
    "Bundle-father.json": _not_ucum("tbl", "a tablet is no unit; UCUM has no such atom"),
    "Claim-760151.json": _not_ucum("TAB", "a tablet"),
    "Claim-760152.json": _not_ucum("TAB", "a tablet"),
    "List-example-double-cousin-relationship.json": "an Age in UCUM 'b' (barn, an area), not a time: age-1",
    "MedicationDispense-meddisp0309.json": _not_ucum("drop", "UCUM writes [drp]"),
    "MedicationRequest-medrx0304.json": _not_ucum("drop", "UCUM writes [drp]"),
    "MedicationDispense-meddisp0313.json": _not_ucum("mEq", "UCUM is case-sensitive: meq"),
    "MedicationRequest-medrx0322.json": _not_ucum("mEq", "UCUM is case-sensitive: meq"),
    "MedicationDispense-meddisp0318.json": _not_ucum("mcg", "UCUM writes ug"),
    "MedicationRequest-medrx0314.json": _not_ucum("mcg", "UCUM writes ug"),
    "MedicationRequest-medrx0319.json": _not_ucum("ml/hr", "UCUM writes mL/h"),
    "VisionPrescription-33124.json": _not_ucum("month", "UCUM writes mo"),
    **{
        f"Medication{kind}-{number}.json": _not_ucum("ea", "'each' is no UCUM unit")
        for kind, number in [
            ("Dispense", "meddisp0324"),
            ("Dispense", "meddisp0327"),
            ("Dispense", "meddisp0328"),
            ("Dispense", "meddisp0329"),
            ("Request", "medrx0325"),
            ("Request", "medrx0326"),
            ("Request", "medrx0328"),
            ("Request", "medrx0329"),
            ("Request", "medrx0334"),
            ("Request", "medrx0335"),
        ]
    },
    "ImplementationGuide-fhir.json": "no name and no status: both are 1..1",
    "ig-r4.json": "no name and no status: both are 1..1",
    "Questionnaire-qs1.json": "32 nested items without linkId: Questionnaire.item.linkId is 1..1",
    **{
        f"SearchParameter-{kind}-extensions-{name}-{element}.json": _NO_BASE
        for kind, name in [("codesystem", "CodeSystem"), ("valueset", "ValueSet")]
        for element in ("author", "effective", "end", "keyword", "workflow")
    },
    "SearchParameter-questionnaireresponse-extensions-QuestionnaireResponse-item-subject.json": (
        "its id has 67 characters: an id has at most 64"
    ),
}


@pytest.fixture(scope="module")
def reports(r4_examples: Path) -> dict[str, ValidationReport]:
    """Every example file's report, base R4 rules only."""
    files = r4_example_files(r4_examples)
    return {Path(report.source).name: report for report in validate_files(files, rules=RuleSet.BASE)}


def _errors(report: ValidationReport) -> list[str]:
    return [str(issue) for issue in report.issues if issue.severity == "error"]


def test_every_example_of_the_types_we_emit_or_read_passes(reports: dict[str, ValidationReport]) -> None:
    ours = {name: report for name, report in reports.items() if report.resource_type in TYPES_WE_EMIT_OR_READ}
    assert len(ours) >= 100
    failing = {name: _errors(report) for name, report in ours.items() if report.failed()}
    assert {name: errors for name, errors in failing.items() if name not in REVIEWED_INVALID} == {}
    assert set(failing) == {name for name in REVIEWED_INVALID if name in ours}


def test_fewer_than_one_percent_of_the_package_fails_each_for_a_reviewed_reason(
    reports: dict[str, ValidationReport],
) -> None:
    assert len(reports) > 5_000
    failing = {name: _errors(report) for name, report in reports.items() if report.failed()}
    assert {name: errors for name, errors in failing.items() if name not in REVIEWED_INVALID} == {}
    assert sorted(failing) == sorted(REVIEWED_INVALID)
    assert len(failing) < 0.01 * len(reports)


def test_every_example_gives_the_findings_it_gave_before_validation_was_made_fast(
    reports: dict[str, ValidationReport],
) -> None:
    """Issue 16: every issue on every file, in order, as before (findings/r4_examples.json, written by
    `python -m tests.validation.findings --write` on the code before that work; see findings.py)."""
    golden = read_golden(R4_EXAMPLES_FILE)
    found = report_findings(reports.values())
    assert sorted(found) == sorted(golden)
    assert {name: lines for name, lines in found.items() if golden[name] != lines} == {}
    assert sum(len(lines) for lines in golden.values()) > 1_000
