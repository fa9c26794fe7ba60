"""Layer 1: the fhir.resources models (R4B for R4 output): types, cardinality, unknown and required elements,
formats.

R4B is not R4 everywhere. The layer runs only on resource types whose R4B model has every element R4 gives
them (names and repetition, backbone elements and datatypes included), found by comparing the model with
the R4 schema's definition. Types R4B dropped (SubstanceSpecification, RiskEvidenceSynthesis, the
MedicinalProduct family ...) or rebuilt (Evidence, EvidenceVariable, SpecimenDefinition) are left to the
R4 schema and invariant layers, and the report says so. Two known R4B gaps are not reported either: a
primitive's `_name` object that the model lacks (Extension has no `_valueString`; the R4 schema layer, which
knows every `_name` of R4, reports an unknown one), and a pattern mismatch that only Python's wider `\\s`
makes (see schema_corrections).

The one seam where pydantic's ValidationError is translated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

import pydantic
from fhir.resources.R4B import get_fhir_model_class as get_r4b_model_class

from fhir_adapter.validation.issues import ValidationIssue, fhirpath
from fhir_adapter.validation.schema import definitions
from fhir_adapter.validation.schema_corrections import fhir_pattern

LAYER = "model"
_MODEL_TYPE = re.compile(r"\.(\w+)Type\b")


@cache
def model_class(resource_type: str) -> Any:
    """Return the fhir.resources R4B class for `resource_type` (R4's elements for the types we emit)."""
    return get_r4b_model_class(resource_type)


@cache
def r4_model_class(resource_type: str) -> Any | None:
    """Return the R4B class of `resource_type` when it has every element R4 gives it, else None."""
    try:
        cls = model_class(resource_type)
    except (KeyError, ValueError, LookupError):
        return None
    return cls if resource_type in definitions() and _has_r4_elements(resource_type, cls) else None


def _has_r4_elements(definition_name: str, cls: Any, visiting: frozenset[str] = frozenset()) -> bool:
    """Return True when `cls` has every element of the R4 definition, its backbone elements included (one
    already being compared, as in Questionnaire.item.item, counts as matching).

    Datatypes are shared by every resource and R4B kept R4's: they are not compared (the schema's
    Timing.repeat lists a modifierExtension R4 does not have, which would make every type differ).
    """
    known = definitions()
    backbone_prefix = f"{definition_name.split('_', 1)[0]}_"
    properties: Mapping[str, Any] = known[definition_name].get("properties", {})
    fields = {field.alias or name: field for name, field in cls.model_fields.items()}
    for name, prop in properties.items():
        if name.startswith("_") or name == "resourceType":
            continue
        field = fields.get(name)
        if field is None or (prop.get("type") == "array") != _is_list(field.annotation):
            return False
        kind = str(prop.get("$ref") or prop.get("items", {}).get("$ref", "")).rsplit("/", 1)[-1]
        if not kind.startswith(backbone_prefix) or kind in visiting or kind == definition_name:
            continue
        child = _model_of(field.annotation)
        if child is None or not _has_r4_elements(kind, child, visiting | {definition_name}):
            return False
    return True


def _is_list(annotation: Any) -> bool:
    return "List[" in str(annotation)


def _model_of(annotation: Any) -> Any | None:
    match = _MODEL_TYPE.search(str(annotation))
    if match is None:
        return None
    try:
        return get_r4b_model_class(match.group(1))
    except (KeyError, ValueError, LookupError):
        return None


def check_model(resource: dict[str, Any]) -> list[ValidationIssue]:
    """Return the model's complaints about `resource` (empty when it parses, or when no R4B model has R4's
    elements for its type)."""
    resource_type = str(resource.get("resourceType", "?"))
    cls = r4_model_class(resource_type)
    if cls is None:
        return []
    try:
        cls.model_validate(resource)
    except pydantic.ValidationError as exc:
        return [_issue(resource_type, error) for error in exc.errors() if not _is_r4b_gap(resource, error)]
    return []


def _is_r4b_gap(resource: Mapping[str, Any], error: Any) -> bool:
    """Return True for an error that R4 would not make: see the module's docstring."""
    loc = error["loc"]
    last = loc[-1] if loc else None
    if error["type"] == "extra_forbidden" and isinstance(last, str) and last.startswith("_"):
        return True
    if error["type"] == "string_pattern_mismatch":
        pattern = str(error.get("ctx", {}).get("pattern", ""))
        return (
            isinstance(error["input"], str) and re.search(fhir_pattern(pattern), error["input"]) is not None
        )
    if len(loc) >= 2 and loc[0] == "contained" and isinstance(loc[1], int):
        contained = resource.get("contained")
        inner = contained[loc[1]] if isinstance(contained, list) and loc[1] < len(contained) else None
        return isinstance(inner, dict) and r4_model_class(str(inner.get("resourceType"))) is None
    return False


def _issue(resource_type: str, error: Any) -> ValidationIssue:
    path = [part for part in error["loc"] if not (isinstance(part, str) and part.startswith("function-"))]
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = "unknown element"
    return ValidationIssue(resource_type, fhirpath(resource_type, path), "error", message, LAYER)
