"""R5 layer 1: the fhir.resources R5 models (the package's default): types, cardinality, unknown elements.

The seam where pydantic's ValidationError is translated for R5 output.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pydantic
from fhir.resources import get_fhir_model_class

from fhir_adapter.validation.issues import ValidationIssue, fhirpath

LAYER = "r5-model"


@cache
def r5_model_class(resource_type: str) -> Any | None:
    """Return the fhir.resources R5 class for `resource_type`, None for a name R5 does not have."""
    try:
        return get_fhir_model_class(resource_type)
    except (KeyError, ValueError, LookupError):
        return None


def check_r5_model(resource: dict[str, Any]) -> list[ValidationIssue]:
    """Return the R5 model's complaints about `resource` (empty when it parses)."""
    resource_type = str(resource.get("resourceType", "?"))
    cls = r5_model_class(resource_type)
    if cls is None:
        return [ValidationIssue(resource_type, resource_type, "error", "not an R5 resource type", LAYER)]
    try:
        cls.model_validate(resource)
    except pydantic.ValidationError as exc:
        return [_issue(resource_type, error) for error in exc.errors()]
    return []


def _issue(resource_type: str, error: Any) -> ValidationIssue:
    path = [part for part in error["loc"] if not (isinstance(part, str) and part.startswith("function-"))]
    message = "unknown element" if error["type"] == "extra_forbidden" else error["msg"]
    return ValidationIssue(resource_type, fhirpath(resource_type, path), "error", message, LAYER)
