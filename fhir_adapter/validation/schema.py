"""Layer 2: the official FHIR R4 4.0.1 JSON Schema, each resource checked against its own type's definition.

The published schema says "a resource is one of 146 types" (`oneOf`), which costs 100-160 ms a resource and
reports nothing useful ("not valid under any of the given schemas"). Here the schema's root and its
`ResourceList` (contained resources, Bundle entries) pick the definition by `resourceType` instead (draft-07
`if`/`then`), so every resource, contained ones included, is checked against its own type, in place. It runs
in jsonschema-rs: the Python `jsonschema` package took 16 s of CPU for the R4 examples' Bundle of resource
definitions, jsonschema-rs 0.1 s. The schema comes from npm by `scripts/fetch_r4_schema.py` and ships as
package data; `schema_corrections` fixes what it gets wrong, when it is loaded.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs

from fhir_adapter.validation.issues import ValidationIssue, fhirpath
from fhir_adapter.validation.schema_corrections import correct_definitions

LAYER = "r4-schema"
SCHEMA_FILE = "fhir.r4.schema.json"


@cache
def definitions() -> dict[str, Any]:
    """Return the R4 schema's definitions (resource, datatype and backbone element name -> sub-schema), with
    the corrections of `schema_corrections` applied."""
    return correct_definitions(published_definitions())


def published_definitions() -> dict[str, Any]:
    """Return the R4 schema's definitions as published."""
    text = resources.files("fhir_adapter.validation.data").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)["definitions"]
    return loaded


@cache
def resource_types() -> frozenset[str]:
    """Return the names of R4's resource types."""
    choices = definitions()["ResourceList"]["oneOf"]
    return frozenset(str(choice["$ref"]).rsplit("/", 1)[-1] for choice in choices)


@cache
def _validator() -> jsonschema_rs.Draft7Validator:
    by_type = _by_resource_type()
    schema = {"definitions": {**definitions(), "ResourceList": by_type}, **by_type}
    return jsonschema_rs.Draft7Validator(schema)


def _by_resource_type() -> dict[str, Any]:
    """Return a schema that checks a resource against the definition its resourceType names."""
    return {
        "type": "object",
        "allOf": [
            {
                "if": {"properties": {"resourceType": {"const": name}}, "required": ["resourceType"]},
                "then": {"$ref": f"#/definitions/{name}"},
            }
            for name in sorted(resource_types())
        ],
    }


def check_schema(resource: dict[str, Any]) -> list[ValidationIssue]:
    """Return where `resource` breaks the R4 JSON Schema of its type (empty when it conforms)."""
    resource_type = str(resource.get("resourceType", "?"))
    if resource_type not in resource_types():
        return [ValidationIssue(resource_type, resource_type, "error", "not an R4 resource type", LAYER)]
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
    message, code = _message(error)
    return [ValidationIssue(resource_type, fhirpath(resource_type, path), "error", message, LAYER, code)]


def _message(error: jsonschema_rs.ValidationError) -> tuple[str, str]:
    """Return the issue's text and its OperationOutcome issue type."""
    kind = error.kind
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.Enum):
        allowed = ", ".join(str(code) for code in kind.options)
        return f"{error.instance!r} is not one of the codes the element allows: {allowed}", "code-invalid"
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.Required):
        return error.message, "required"
    return error.message, "value"
