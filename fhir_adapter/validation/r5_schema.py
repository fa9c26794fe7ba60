"""R5 layer 2: HL7's R5 JSON Schema (with its required code lists; validation/release.py), one resource type
at a time: the root and `ResourceList` pick each resource's definition by `resourceType` (draft-07 if/then)
instead of the published `oneOf` over every type, as the R4 layer does. Runs in jsonschema-rs.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jsonschema_rs

from fhir_adapter.validation.issues import ValidationIssue, fhirpath
from fhir_adapter.validation.release import r5_definitions, r5_resource_types

LAYER = "r5-schema"


@cache
def _validator() -> jsonschema_rs.Draft7Validator:
    by_type = {
        "type": "object",
        "allOf": [
            {
                "if": {"properties": {"resourceType": {"const": name}}, "required": ["resourceType"]},
                "then": {"$ref": f"#/definitions/{name}"},
            }
            for name in sorted(r5_resource_types())
        ],
    }
    return jsonschema_rs.Draft7Validator(
        {"definitions": {**r5_definitions(), "ResourceList": by_type}, **by_type}
    )


def check_r5_schema(resource: dict[str, Any]) -> list[ValidationIssue]:
    """Return where `resource` breaks the R5 JSON Schema of its type (empty when it conforms)."""
    resource_type = str(resource.get("resourceType", "?"))
    if resource_type not in r5_resource_types():
        return [ValidationIssue(resource_type, resource_type, "error", "not an R5 resource type", LAYER)]
    return [issue for error in _validator().iter_errors(resource) for issue in _issues(resource_type, error)]


def _issues(resource_type: str, error: jsonschema_rs.ValidationError) -> list[ValidationIssue]:
    path = list(error.instance_path)
    kind = error.kind
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.AdditionalProperties):
        return [
            ValidationIssue(
                resource_type,
                fhirpath(resource_type, [*path, name]),
                "error",
                "unknown element",
                LAYER,
                "structure",
            )
            for name in kind.unexpected
        ]
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.Enum):
        allowed = ", ".join(str(code) for code in kind.options)
        message, code = (
            f"{error.instance!r} is not one of the codes the element allows: {allowed}",
            "code-invalid",
        )
    elif isinstance(kind, jsonschema_rs.ValidationErrorKind.Required):
        message, code = error.message, "required"
    else:
        message, code = error.message, "value"
    return [ValidationIssue(resource_type, fhirpath(resource_type, path), "error", message, LAYER, code)]
