"""Stage 5: layered checks of resources and Bundles, reported as ValidationIssues."""

from __future__ import annotations

from typing import Any

from fhir_adapter.validation.issues import Severity, ValidationIssue
from fhir_adapter.validation.model import check_model
from fhir_adapter.validation.schema import check_schema

__all__ = ["Severity", "ValidationIssue", "check_resource", "validate_bundle"]


def check_resource(resource: dict[str, Any]) -> list[ValidationIssue]:
    """Return every issue the model and R4 schema layers find in one resource."""
    return check_model(resource) + check_schema(resource)


def validate_bundle(bundle: dict[str, Any]) -> list[ValidationIssue]:
    """Return every issue in a Bundle: the Bundle's own elements, then each entry's resource on its own."""
    issues: list[ValidationIssue] = []
    shell = {k: v for k, v in bundle.items() if k != "entry"}
    if bundle.get("entry"):
        shell["entry"] = [{k: v for k, v in entry.items() if k != "resource"} for entry in bundle["entry"]]
    issues += check_resource(shell)
    for index, entry in enumerate(bundle.get("entry", [])):
        resource = entry.get("resource")
        if isinstance(resource, dict):
            issues += [_in_entry(index, issue) for issue in check_resource(resource)]
    return issues


def _in_entry(index: int, issue: ValidationIssue) -> ValidationIssue:
    location = (
        f"Bundle.entry[{index}].resource.{issue.location.split('.', 1)[1]}"
        if "." in issue.location
        else (f"Bundle.entry[{index}].resource")
    )
    return ValidationIssue(issue.resource, location, issue.severity, issue.message, issue.layer)
