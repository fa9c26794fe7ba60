"""The R5 (5.0.0) checks, layer for layer as R4's (layers.py): the fhir.resources R5 model, HL7's R5 JSON
Schema, the R5 invariants, then the version-neutral layers (references, UCUM, project rules), plus R5's own
project rule: every characteristic of an EvidenceVariable, at any depth, says in words what it means
(`description`: the verbatim criterion, or the phrase or subgroup it was read from).
"""

from __future__ import annotations

from typing import Any

from fhir_adapter.validation.content_cache import CheckedContent, ContentCache
from fhir_adapter.validation.elements import Element, walk_resource
from fhir_adapter.validation.issues import ValidationIssue
from fhir_adapter.validation.layers import Checked, RuleSet, is_fhir_adapter_bundle
from fhir_adapter.validation.r5_invariants import check_r5_invariants
from fhir_adapter.validation.r5_model import check_r5_model
from fhir_adapter.validation.r5_schema import check_r5_schema
from fhir_adapter.validation.references import BundleTargets, bundle_targets, reference_sites
from fhir_adapter.validation.release import r5_tables
from fhir_adapter.validation.rules import check_rules
from fhir_adapter.validation.units import check_units

PROJECT_LAYER = "project"
CHARACTERISTIC_PATHS = frozenset(
    {
        "EvidenceVariable.characteristic",
        "EvidenceVariable.characteristic.definitionByCombination.characteristic",
    }
)


def check_r5_document(
    document: dict[str, Any], *, best_practice: bool = False, rules: RuleSet = RuleSet.AUTO
) -> Checked:
    """Return the R5 issues in a Bundle or a single resource, and whether the project rules ran (the same
    RuleSet as R4: by default on the Bundles fhir-adapter writes)."""
    if document.get("resourceType") == "Bundle":
        project = rules == RuleSet.FHIR_ADAPTER or (
            rules == RuleSet.AUTO and is_fhir_adapter_bundle(document)
        )
        return Checked(validate_r5_bundle(document, best_practice=best_practice, project=project), project)
    project = rules == RuleSet.FHIR_ADAPTER
    return Checked(check_r5_resource(document, best_practice=best_practice, project=project), project)


def check_r5_resource(
    resource: dict[str, Any],
    *,
    targets: BundleTargets | None = None,
    best_practice: bool = False,
    project: bool = True,
) -> list[ValidationIssue]:
    """Return every issue the R5 layers find in one resource (`targets`: the Bundle it sits in, if any;
    `project`: fhir-adapter's own rules too)."""
    return _check_r5_content(resource, best_practice, project).issues(targets)


def _check_r5_content(resource: dict[str, Any], best_practice: bool, project: bool) -> CheckedContent:
    """Return what every R5 layer finds in `resource`, its references left to resolve in their Bundle."""
    elements = walk_resource(resource, tables=r5_tables())
    before = (
        check_r5_model(resource)
        + check_r5_schema(resource)
        + check_r5_invariants(elements, best_practice=best_practice)
    )
    after = check_units(elements)
    if project:
        after += check_rules(elements, r5=True) + _described_characteristics(elements)
    return CheckedContent(tuple(before), tuple(reference_sites(elements)), tuple(after))


R5_CHECKED_CONTENT = ContentCache()  # the entries checked in this process, by content


def _check_r5_entry(
    resource: dict[str, Any], targets: BundleTargets, best_practice: bool, project: bool
) -> list[ValidationIssue]:
    """Return the issues of an entry's resource; content already checked is not checked again."""
    return R5_CHECKED_CONTENT.checked(resource, _check_r5_content, best_practice, project).issues(targets)


def validate_r5_bundle(
    bundle: dict[str, Any], *, best_practice: bool = False, project: bool = True
) -> list[ValidationIssue]:
    """Return every issue in an R5 Bundle: the Bundle's own elements, then each entry's resource."""
    entries: list[Any] = bundle["entry"] if isinstance(bundle.get("entry"), list) else []
    shell = {k: v for k, v in bundle.items() if k != "entry"}
    if entries:
        shell["entry"] = [
            {k: v for k, v in e.items() if k != "resource"} if isinstance(e, dict) else e for e in entries
        ]
    issues = check_r5_model(shell) + check_r5_schema(shell)
    walked = walk_resource(bundle, skip_entry_resources=True, tables=r5_tables())
    issues += check_r5_invariants(walked, best_practice=best_practice)
    targets = bundle_targets(bundle)
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict):
            found = _check_r5_entry(resource, targets, best_practice, project)
            issues += [_in_entry(index, issue) for issue in found]
    return issues


def _described_characteristics(elements: list[Element]) -> list[ValidationIssue]:
    return [
        ValidationIssue(
            str(element.root.get("resourceType", "?")),
            element.location,
            "error",
            "an EvidenceVariable characteristic must say in `description` what it means (the verbatim text)",
            PROJECT_LAYER,
        )
        for element in elements
        if element.path in CHARACTERISTIC_PATHS
        and isinstance(element.value, dict)
        and not str(element.value.get("description") or "").strip()
    ]


def _in_entry(index: int, issue: ValidationIssue) -> ValidationIssue:
    rest = issue.location.split(".", 1)[1] if "." in issue.location else ""
    location = f"Bundle.entry[{index}].resource" + (f".{rest}" if rest else "")
    return ValidationIssue(issue.resource, location, issue.severity, issue.message, issue.layer, issue.code)
