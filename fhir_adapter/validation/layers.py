"""All layers together: one resource, or a Bundle entry by entry, as `convert` and `validate` run them.

Two rule sets. The base R4 rules (model, R4 schema, invariants, references, UCUM) apply to every resource.
fhir-adapter's own rules (the "project" layer: NCT identifier, verbatim criteria, dose units, and the
semantic self-check of eligibility logic, dosing, codes and text) apply to what fhir-adapter produces:
`RuleSet.AUTO`, the default, applies them to the Bundles fhir-adapter writes, which name themselves so (their
identifier is in `BUNDLE_ID_SYSTEM`), and to nothing else; `FHIR_ADAPTER` applies them to anything, `BASE`
to nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fhir_adapter.bundle import BUNDLE_ID_SYSTEM
from fhir_adapter.validation.content_cache import CheckedContent, ContentCache
from fhir_adapter.validation.elements import Element, walk_resource
from fhir_adapter.validation.invariants import check_invariants
from fhir_adapter.validation.issues import ValidationIssue
from fhir_adapter.validation.model import check_model
from fhir_adapter.validation.model_shortcut import surely_accepted
from fhir_adapter.validation.references import BundleTargets, bundle_targets, reference_sites
from fhir_adapter.validation.rules import check_rules
from fhir_adapter.validation.schema import check_schema
from fhir_adapter.validation.units import check_units


class RuleSet(StrEnum):
    """Which rules run besides the base R4 ones (see the module docstring)."""

    AUTO = "auto"
    BASE = "base"
    FHIR_ADAPTER = "fhir-adapter"


@dataclass(frozen=True)
class Checked:
    """What the layers found in one document, and whether fhir-adapter's own rules ran on it."""

    issues: list[ValidationIssue]
    project_rules: bool


def check_document(
    document: dict[str, Any], *, best_practice: bool = False, rules: RuleSet = RuleSet.AUTO
) -> Checked:
    """Return the issues in a Bundle or a single resource, and whether the project rules ran."""
    if document.get("resourceType") == "Bundle":
        return _check_bundle(document, best_practice=best_practice, rules=rules)
    elements = walk_resource(document)
    project = rules == RuleSet.FHIR_ADAPTER
    return Checked(_check_walked(document, elements, None, best_practice, project), project)


def check_resource(
    resource: dict[str, Any],
    *,
    targets: BundleTargets | None = None,
    best_practice: bool = False,
    rules: RuleSet = RuleSet.AUTO,
) -> list[ValidationIssue]:
    """Return every issue the layers find in one resource (`targets`: the Bundle it sits in, if any). On its
    own a resource is nobody's output: `AUTO` applies the base rules only."""
    elements = walk_resource(resource)
    return _check_walked(resource, elements, targets, best_practice, rules == RuleSet.FHIR_ADAPTER)


def validate_bundle(
    bundle: dict[str, Any], *, best_practice: bool = False, rules: RuleSet = RuleSet.AUTO
) -> list[ValidationIssue]:
    """Return every issue in a Bundle: the Bundle's own elements, then each entry's resource on its own."""
    return _check_bundle(bundle, best_practice=best_practice, rules=rules).issues


def _check_bundle(bundle: dict[str, Any], *, best_practice: bool, rules: RuleSet) -> Checked:
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
    issues += _model_and_schema(shell)
    # The Bundle's invariants (bdl-5, bdl-7, bdl-11 ...) need the entries' resources; their elements do not.
    issues += check_invariants(walk_resource(bundle, skip_entry_resources=True), best_practice=best_practice)
    targets = bundle_targets(bundle)
    resources = [
        (index, entry["resource"])
        for index, entry in enumerate(entries)
        if isinstance(entry, dict) and isinstance(entry.get("resource"), dict)
    ]
    project = rules == RuleSet.FHIR_ADAPTER or (rules == RuleSet.AUTO and is_fhir_adapter_bundle(bundle))
    for index, resource in resources:
        found = _check_entry(resource, targets, best_practice, project)
        issues += [_in_entry(index, issue) for issue in found]
    return Checked(issues, project)


CHECKED_CONTENT = ContentCache()  # the entries checked in this process, by content


def _check_entry(
    resource: dict[str, Any], targets: BundleTargets, best_practice: bool, project: bool
) -> list[ValidationIssue]:
    """Return the issues of an entry's resource; content already checked is not checked again."""
    return CHECKED_CONTENT.checked(resource, _check_content, best_practice, project).issues(targets)


def is_fhir_adapter_bundle(bundle: Mapping[str, Any]) -> bool:
    """Return True for a Bundle that names itself fhir-adapter's (identifier system `BUNDLE_ID_SYSTEM`)."""
    identifier = bundle.get("identifier")
    return isinstance(identifier, dict) and identifier.get("system") == BUNDLE_ID_SYSTEM


def _check_walked(
    resource: dict[str, Any],
    elements: list[Element],
    targets: BundleTargets | None,
    best_practice: bool,
    project: bool,
) -> list[ValidationIssue]:
    return _check_content(resource, best_practice, project, elements).issues(targets)


def _check_content(
    resource: dict[str, Any], best_practice: bool, project: bool, elements: list[Element] | None = None
) -> CheckedContent:
    """Return what every layer finds in `resource`, its references left to resolve in their Bundle."""
    if elements is None:
        elements = walk_resource(resource)
    before = _model_and_schema(resource) + check_invariants(elements, best_practice=best_practice)
    after = check_units(elements) + (check_rules(elements) if project else [])
    return CheckedContent(tuple(before), tuple(reference_sites(elements)), tuple(after))


def _model_and_schema(resource: dict[str, Any]) -> list[ValidationIssue]:
    """Return the model's issues, then the schema's. The model runs only where it may find something: after
    a clean schema result, model_shortcut says where it surely finds nothing (the model was most of the
    time of full validation, and finds nothing on almost every resource)."""
    schema = check_schema(resource)
    model = [] if not schema and surely_accepted(resource) else check_model(resource)
    return model + schema


def _in_entry(index: int, issue: ValidationIssue) -> ValidationIssue:
    location = (
        f"Bundle.entry[{index}].resource.{issue.location.split('.', 1)[1]}"
        if "." in issue.location
        else (f"Bundle.entry[{index}].resource")
    )
    return ValidationIssue(issue.resource, location, issue.severity, issue.message, issue.layer, issue.code)
