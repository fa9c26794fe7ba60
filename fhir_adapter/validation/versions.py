"""Which release's checks a document gets: R4's layers (layers.py) or R5's (r5_layers.py), with the same
rule sets (RuleSet: fhir-adapter's own rules on its own output by default)."""

from __future__ import annotations

from typing import Any

from fhir_adapter.resources import FhirVersion
from fhir_adapter.terms import in_default_namespace
from fhir_adapter.validation.issues import ValidationIssue
from fhir_adapter.validation.layers import Checked, RuleSet, check_document
from fhir_adapter.validation.r5_layers import check_r5_document


def check_document_as(
    document: dict[str, Any],
    version: FhirVersion,
    *,
    best_practice: bool = False,
    rules: RuleSet = RuleSet.AUTO,
) -> Checked:
    """Return the issues in a Bundle or a single resource checked against `version`'s rules, and whether
    fhir-adapter's own rules ran."""
    document = in_default_namespace(document)  # our Bundles under a deployment's base get our rules too
    if version is FhirVersion.R5:
        return check_r5_document(document, best_practice=best_practice, rules=rules)
    return check_document(document, best_practice=best_practice, rules=rules)


def validate_bundle_as(
    bundle: dict[str, Any], version: FhirVersion, *, best_practice: bool = False
) -> list[ValidationIssue]:
    """Return every issue in a Bundle, checked against `version`'s rules (ours too on our own Bundles)."""
    return check_document_as(bundle, version, best_practice=best_practice).issues


def check_resource_as(
    resource: dict[str, Any], version: FhirVersion, *, best_practice: bool = False
) -> list[ValidationIssue]:
    """Return every issue in one resource outside a Bundle, with fhir-adapter's rules too."""
    return check_document_as(
        resource, version, best_practice=best_practice, rules=RuleSet.FHIR_ADAPTER
    ).issues
