"""Layer 1: the fhir.resources models (R4B for R4 output): types, cardinality, unknown elements, formats.

The one seam where pydantic's ValidationError is translated.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pydantic
from fhir.resources.R4B import get_fhir_model_class as get_r4b_model_class

from fhir_adapter.validation.issues import ValidationIssue, fhirpath

LAYER = "model"


@cache
def model_class(resource_type: str) -> Any:
    """Return the fhir.resources R4B class for `resource_type` (R4's elements for the types we emit)."""
    return get_r4b_model_class(resource_type)


def check_model(resource: dict[str, Any]) -> list[ValidationIssue]:
    """Return the model's complaints about `resource` (empty when it parses)."""
    resource_type = str(resource.get("resourceType", "?"))
    try:
        cls = model_class(resource_type)
    except (KeyError, ValueError, LookupError):
        return [ValidationIssue(resource_type, resource_type, "error", "unknown resource type", LAYER)]
    try:
        cls.model_validate(resource)
    except pydantic.ValidationError as exc:
        return [_issue(resource_type, error) for error in exc.errors()]
    return []


def _issue(resource_type: str, error: Any) -> ValidationIssue:
    path = [part for part in error["loc"] if not (isinstance(part, str) and part.startswith("function-"))]
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = "unknown element"
    return ValidationIssue(resource_type, fhirpath(resource_type, path), "error", message, LAYER)
