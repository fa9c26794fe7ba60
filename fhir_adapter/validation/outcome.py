"""Validation reports for a person (text), a FHIR system (OperationOutcome) and a CI server (JUnit XML)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from fhir_adapter.errors import counted
from fhir_adapter.validation.issues import ValidationIssue
from fhir_adapter.validation.report import ValidationReport

# OperationOutcome.issue.code (http://hl7.org/fhir/issue-type) for each layer, unless the issue names one.
ISSUE_TYPES = {
    "model": "structure",
    "r4-schema": "structure",
    "invariant": "invariant",
    "references": "not-found",
    "ucum": "code-invalid",
    "project": "business-rule",
    "server": "processing",
}
ENTRY = re.compile(r"^(Bundle\.entry\[\d+\]\.resource)(?:$|[.\[])")
SEVERITY_ORDER = {"error": 0, "warning": 1, "information": 2}


def to_operation_outcome(reports: Sequence[ValidationReport]) -> dict[str, Any]:
    """Return one R4 OperationOutcome holding every issue of `reports` (an 'all OK' issue when none)."""
    issues = [_outcome_issue(report, issue) for report in reports for issue in _sorted(report.issues)]
    if not issues:
        checked = ", ".join(report.source for report in reports) or "nothing"
        issues = [
            {
                "severity": "information",
                "code": "informational",
                "details": {"text": f"No issues in {checked}"},
            }
        ]
    return {"resourceType": "OperationOutcome", "issue": issues}


def _outcome_issue(report: ValidationReport, issue: ValidationIssue) -> dict[str, Any]:
    return {
        "severity": issue.severity,
        "code": issue.code or ISSUE_TYPES.get(issue.layer, "processing"),
        "details": {"text": issue.message},
        "diagnostics": f"{issue.layer} layer; {issue.resource} in {report.source}",
        "expression": [issue.location],
    }


def format_text(reports: Sequence[ValidationReport], *, strict: bool = False) -> str:
    """Return the readable report: per file a heading and one line per issue; then the notes and totals.

    A note every file shares (what was not checked) is printed once; another note (a server's answer)
    stays with its file.
    """
    lines: list[str] = []
    shared = set.intersection(*(set(report.notes) for report in reports)) if reports else set()
    for report in reports:
        entries = len(report.resources) - 1
        contents = (
            f"Bundle of {counted(entries, 'resource')}"
            if report.resource_type == "Bundle"
            else report.resource_type
        )
        verdict = "FAILED" if report.failed(strict=strict) else "ok"
        took = f"{report.seconds * 1000:.0f} ms"
        lines.append(f"{report.source}: {contents}: {_counts(report.issues)} ({took}) {verdict}")
        width = max((len(issue.resource) for issue in report.issues), default=0)
        lines += [
            f"  {i.severity:<11} {i.resource:<{width}}  {i.location}  {i.message}  [{i.layer}]"
            for i in _sorted(report.issues)
        ]
        lines += [f"  note: {note}" for note in report.notes if note not in shared]
    lines += [f"note: {note}" for note in reports[0].notes if note in shared] if reports else []
    failed = sum(1 for report in reports if report.failed(strict=strict))
    every = tuple(issue for report in reports for issue in report.issues)
    lines.append(
        f"{counted(len(reports), 'file')}: {failed} failed; {_counts(every)}"
        + (" (strict)" if strict else "")
    )
    return "\n".join(lines)


def _counts(issues: Sequence[ValidationIssue]) -> str:
    count = {severity: sum(1 for i in issues if i.severity == severity) for severity in SEVERITY_ORDER}
    errors, warnings = counted(count["error"], "error"), counted(count["warning"], "warning")
    return f"{errors}, {warnings}, {count['information']} information"


def _sorted(issues: Sequence[ValidationIssue]) -> list[ValidationIssue]:
    return sorted(issues, key=lambda issue: SEVERITY_ORDER.get(issue.severity, 3))


def to_junit_xml(reports: Sequence[ValidationReport], *, strict: bool = False) -> str:
    """Return JUnit XML: a test suite per file, a test case per resource, a failure for its errors.

    An issue belongs to the resource whose location starts its own (Bundle.entry[3].resource...); the rest
    (the Bundle's own elements, a server's answer without a location) to the file's first test case. With
    `strict`, warnings fail a test case too; otherwise they go to its system-out.
    """
    suites = ET.Element("testsuites", name="fhir-adapter validate")
    total = failures = 0
    for report in reports:
        cases = _cases(report)
        suite = ET.SubElement(suites, "testsuite", name=report.source, tests=str(len(cases)))
        suite.set("time", f"{report.seconds:.3f}")
        failed = 0
        for (location, resource_type), issues in cases.items():
            case = ET.SubElement(
                suite, "testcase", classname=report.source, name=f"{location} ({resource_type})"
            )
            failing = [i for i in issues if i.severity == "error" or (strict and i.severity == "warning")]
            if failing:
                failed += 1
                failure = ET.SubElement(
                    case, "failure", message=counted(len(failing), "problem"), type="validation"
                )
                failure.text = "\n".join(_line(issue) for issue in failing)
            others = [issue for issue in issues if issue not in failing]
            if others:
                ET.SubElement(case, "system-out").text = "\n".join(_line(issue) for issue in others)
        suite.set("failures", str(failed))
        suite.set("errors", "0")
        total += len(cases)
        failures += failed
    suites.set("tests", str(total))
    suites.set("failures", str(failures))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _cases(report: ValidationReport) -> dict[tuple[str, str], list[ValidationIssue]]:
    cases: dict[tuple[str, str], list[ValidationIssue]] = {resource: [] for resource in report.resources}
    by_location = {location: (location, resource_type) for location, resource_type in report.resources[1:]}
    for issue in report.issues:
        match = ENTRY.match(issue.location)
        owner = by_location.get(match.group(1)) if match else None
        cases[owner or report.resources[0]].append(issue)
    return cases


def _line(issue: ValidationIssue) -> str:
    return f"{issue.severity}: {issue.location}: {issue.message} [{issue.layer}]"
