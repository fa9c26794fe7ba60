"""How much `convert` checks each Bundle before it writes it: the `--check` levels.

- `none`: nothing; the Bundle is written as built (for timing the build, or a pipeline that validates later).
- `self` (convert's default): the checks that catch fhir-adapter's own mistakes: the project's rules
  (rules.py: NCT identifier, verbatim criteria, dose units, the semantic self-check of eligibility logic,
  doses, codes and Markdown escapes), references that do not resolve inside the Bundle, and UCUM unit codes.
  It costs one walk of the elements (self_check.py), not the R4 conformance run.
- `model`: `self` plus the fhir.resources model of each resource (types, cardinality, unknown elements).
- `full`: every layer, as `validate` runs them on fhir-adapter's Bundles (model, R4 or R5 JSON Schema,
  FHIRPath invariants, references, UCUM, project rules). `push` always checks at this level before it sends.

The issues of a lower level are those the full check reports from the same layers, in the same order.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from fhir_adapter.resources import FhirVersion
from fhir_adapter.validation.issues import ValidationIssue

if TYPE_CHECKING:
    from fhir_adapter.validation.references import BundleTargets


class CheckLevel(StrEnum):
    """How much `convert` checks each Bundle (see the module docstring)."""

    NONE = "none"
    SELF = "self"
    MODEL = "model"
    FULL = "full"


DEFAULT_CHECK_LEVEL = CheckLevel.SELF


def check_bundle_at(bundle: dict[str, Any], version: FhirVersion, level: CheckLevel) -> list[ValidationIssue]:
    """Return the issues `level` finds in one of fhir-adapter's own Bundles, checked as `version`."""
    if level is CheckLevel.NONE:
        return []
    # The layers are imported where they run: `convert --check none` and `--help` load none of them, and
    # only `model` and `full` load fhir.resources (a second of start-up).
    if level is CheckLevel.FULL:
        from fhir_adapter.validation.versions import validate_bundle_as

        return validate_bundle_as(bundle, version)
    from fhir_adapter.validation.references import bundle_targets

    targets = bundle_targets(bundle)
    issues: list[ValidationIssue] = []
    for index, entry in enumerate(bundle.get("entry") or []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict):
            found = _own_checks(resource, targets, version, model=level is CheckLevel.MODEL)
            issues += [_in_entry(index, issue) for issue in found]
    return issues


def _own_checks(
    resource: dict[str, Any], targets: BundleTargets, version: FhirVersion, *, model: bool
) -> list[ValidationIssue]:
    from fhir_adapter.validation.elements import r4_tables
    from fhir_adapter.validation.self_check import self_check_issues

    r5 = version is FhirVersion.R5
    if r5:
        from fhir_adapter.validation.release import r5_tables

        tables = r5_tables()
    else:
        tables = r4_tables()
    issues = _model_issues(resource, r5=r5) if model else []
    return issues + self_check_issues(resource, targets, tables, r5=r5)


def _model_issues(resource: dict[str, Any], *, r5: bool) -> list[ValidationIssue]:
    """Return the fhir.resources model's complaints (imported here: the models take a second to load)."""
    if r5:
        from fhir_adapter.validation.r5_model import check_r5_model

        return check_r5_model(resource)
    from fhir_adapter.validation.model import check_model

    return check_model(resource)


def _in_entry(index: int, issue: ValidationIssue) -> ValidationIssue:
    """Return `issue` located inside the Bundle's entry `index`, as the full check locates it."""
    rest = issue.location.split(".", 1)[1] if "." in issue.location else ""
    location = f"Bundle.entry[{index}].resource" + (f".{rest}" if rest else "")
    return ValidationIssue(issue.resource, location, issue.severity, issue.message, issue.layer, issue.code)
