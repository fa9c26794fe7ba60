"""All layers together: one resource, or a Bundle entry by entry, as `convert` and `validate` run them."""

from __future__ import annotations

from typing import Any

from fhir_adapter.validation.elements import walk_resource
from fhir_adapter.validation.invariants import check_invariants
from fhir_adapter.validation.issues import ValidationIssue
from fhir_adapter.validation.model import check_model
from fhir_adapter.validation.references import BundleTargets, bundle_targets, check_references
from fhir_adapter.validation.rules import check_rules
from fhir_adapter.validation.schema import check_schema
from fhir_adapter.validation.units import check_units


def check_resource(
    resource: dict[str, Any], *, targets: BundleTargets | None = None, best_practice: bool = False
) -> list[ValidationIssue]:
    """Return every issue all layers find in one resource (`targets`: the Bundle it sits in, if any)."""
    elements = walk_resource(resource)
    return (
        check_model(resource)
        + check_schema(resource)
        + check_invariants(elements, best_practice=best_practice)
        + check_references(elements, targets)
        + check_units(elements)
        + check_rules(elements)
    )


def validate_bundle(bundle: dict[str, Any], *, best_practice: bool = False) -> list[ValidationIssue]:
    """Return every issue in a Bundle: the Bundle's own elements, then each entry's resource on its own."""
    issues: list[ValidationIssue] = []
    shell = {k: v for k, v in bundle.items() if k != "entry"}
    entries: list[Any] = bundle["entry"] if isinstance(bundle.get("entry"), list) else []
    if entries:
        shell["entry"] = [
            {k: v for k, v in entry.items() if k != "resource"} if isinstance(entry, dict) else entry
            for entry in entries
        ]
    elif bundle.get("entry"):
        shell["entry"] = bundle["entry"]  # not a list: the model and schema say so
    issues += check_model(shell) + check_schema(shell)
    # The Bundle's invariants (bdl-5, bdl-7, bdl-11 ...) need the entries' resources; their elements do not.
    issues += check_invariants(walk_resource(bundle, skip_entry_resources=True), best_practice=best_practice)
    targets = bundle_targets(bundle)
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict):
            found = check_resource(resource, targets=targets, best_practice=best_practice)
            issues += [_in_entry(index, issue) for issue in found]
    return issues


def _in_entry(index: int, issue: ValidationIssue) -> ValidationIssue:
    location = (
        f"Bundle.entry[{index}].resource.{issue.location.split('.', 1)[1]}"
        if "." in issue.location
        else (f"Bundle.entry[{index}].resource")
    )
    return ValidationIssue(issue.resource, location, issue.severity, issue.message, issue.layer, issue.code)
