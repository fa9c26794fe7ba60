"""Which release's checks a document gets: R4's layers (layers.py) or R5's (r5_layers.py)."""

from __future__ import annotations

from typing import Any

from fhir_adapter.resources import FhirVersion
from fhir_adapter.validation.issues import ValidationIssue
from fhir_adapter.validation.layers import check_resource, validate_bundle
from fhir_adapter.validation.r5_layers import check_r5_resource, validate_r5_bundle


def validate_bundle_as(
    bundle: dict[str, Any], version: FhirVersion, *, best_practice: bool = False
) -> list[ValidationIssue]:
    """Return every issue in a Bundle, checked against `version`'s rules."""
    if version is FhirVersion.R5:
        return validate_r5_bundle(bundle, best_practice=best_practice)
    return validate_bundle(bundle, best_practice=best_practice)


def check_resource_as(
    resource: dict[str, Any], version: FhirVersion, *, best_practice: bool = False
) -> list[ValidationIssue]:
    """Return every issue in one resource outside a Bundle, checked against `version`'s rules."""
    if version is FhirVersion.R5:
        return check_r5_resource(resource, best_practice=best_practice)
    return check_resource(resource, best_practice=best_practice)
