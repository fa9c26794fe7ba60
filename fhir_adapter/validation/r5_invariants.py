"""R5 layer 3: the FHIRPath invariants of the R5 core StructureDefinitions, evaluated with fhirpathpy's R5
model, as the R4 layer does (invariants.py: user functions hasValue() and htmlChecks(), dom-3's variables).

R5 spells two of the R4 rewrites differently, and uses boundary functions fhirpathpy 2.2.4 lacks, so they have
their own rewrites (each with its reason):
- dom-3 says ofType() where R4 says as(); the same two sub-expressions come in as variables.
- rng-2 compares `low.lowBoundary()` with `high.highBoundary()` when `comparable()`: fhirpathpy has none of
  the three; comparing the values when both have the same unit code is the same test for the Ranges we write
  (low and high in one unit), and different units are not compared (no UCUM conversion in fhirpathpy).
- per-1 compares `start.lowBoundary()` with `end.highBoundary()`: compared as R4 does (`start <= end`), where
  dates of different precision give no answer rather than a failure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import fhirpathpy
from fhirpathpy.models import models

from fhir_adapter.validation.elements import Element
from fhir_adapter.validation.invariants import (
    _OPTIONS,
    Catalog,
    Invariant,
    catalog_from,
    dom_3_variables,
    fhirpath_node,
)
from fhir_adapter.validation.issues import Severity, ValidationIssue
from fhir_adapter.validation.release import FHIRPATH_MODEL, r5_definitions, r5_invariants_document

LAYER = "r5-invariant"
ELE_1 = "ele-1"
ABOUT_CONTAINED = frozenset({"dom-2", "dom-3", "dom-4", "dom-5"})

R5_REWRITES: Mapping[str, tuple[tuple[str, str], ...]] = {
    "dom-3": (
        (
            "(%resource.descendants().reference | %resource.descendants().ofType(canonical) | "
            "%resource.descendants().ofType(uri) | %resource.descendants().ofType(url))",
            "%localReferences",
        ),
        (
            "descendants().where(reference = '#').exists() or "
            "descendants().where(ofType(canonical) = '#').exists() or "
            "descendants().where(ofType(canonical) = '#').exists()",
            "(id in %containerReferrers)",
        ),
    ),
    "per-1": (("(start.lowBoundary() <= end.highBoundary())", "(start <= end)"),),
    "rng-2": (
        (
            "low.lowBoundary().comparable(high.highBoundary()).not() or "
            "(low.lowBoundary() <= high.highBoundary())",
            "(low.code ~ high.code).not() or (low.value <= high.value)",
        ),
    ),
}


@cache
def r5_catalog() -> Catalog:
    """Return the R5 invariant table (once)."""
    return catalog_from(r5_invariants_document())


@cache
def _expression(invariant: Invariant) -> str:
    expression = invariant.expression
    for old, new in R5_REWRITES.get(invariant.key, ()):
        expression = expression.replace(old, new)
    return expression


@cache
def _compiled(expression: str) -> Callable[..., list[Any]]:
    function: Callable[..., list[Any]] = fhirpathpy.compile(
        expression, model=models[FHIRPATH_MODEL], options=_OPTIONS
    )
    return function


def check_r5_invariants(elements: list[Element], *, best_practice: bool = False) -> list[ValidationIssue]:
    """Return the R5 invariants `elements` break (best-practice ones, such as dom-6, only when asked)."""
    issues: list[ValidationIssue] = []
    variables = dom_3_variables(elements)
    for element in elements:
        for invariant in _applicable(element):
            if invariant.best_practice and not best_practice:
                continue
            issue = _evaluate(invariant, element, variables)
            if issue is not None:
                issues.append(issue)
    return issues


def _applicable(element: Element) -> tuple[Invariant, ...]:
    table = r5_catalog()
    found = table.by_type.get(element.type_name, ()) + table.by_path.get(element.path, ())
    if element.is_resource:
        if element.type_name not in table.by_type:  # a resource type without its own table: its bases'
            properties = r5_definitions().get(element.type_name, {}).get("properties", {})
            found += table.by_type["DomainResource" if "text" in properties else "Resource"]
        return found
    if element.is_primitive and _has_value(element):
        return found  # hasValue() is true, so ele-1 holds
    return found + table.element


def _has_value(element: Element) -> bool:
    return element.value is not None and element.value != ""


def _holds_ele_1(element: Element) -> bool:
    """ele-1 in Python: a value, or a child other than `id` (fhirpathpy's children() misses a child that is
    only a primitive's `_name` object, and ele-1 is most of the evaluations)."""
    data = element.extension if element.is_primitive else element.value
    if not isinstance(data, Mapping):
        return False
    return any(key != "id" and value not in (None, [], {}) for key, value in data.items())


def _evaluate(invariant: Invariant, element: Element, variables: Mapping[str, Any]) -> ValidationIssue | None:
    if invariant.key == ELE_1 and _holds_ele_1(element):
        return None
    if invariant.key in ABOUT_CONTAINED and element.is_resource and not element.value.get("contained"):
        return None  # every path of dom-2..5 starts at `contained`: without any, they hold
    data = element.value
    if element.is_primitive and not _has_value(element):
        data = element.extension or {}  # a primitive without a value is its `_name` object
    node = fhirpath_node(data, element.node_path)
    context = {"resource": element.resource, "rootResource": element.root, **variables}
    resource_type = str(element.root.get("resourceType", "?"))
    try:
        result = _compiled(_expression(invariant))(node, context)
    except Exception as exc:  # fhirpathpy raises plain Exception for unsupported data
        text = f"{invariant.key}: could not be evaluated here ({exc}); check by hand: {invariant.human}"
        return ValidationIssue(resource_type, element.location, "warning", text, LAYER)
    if result == [False]:
        severity: Severity = "warning" if invariant.best_practice else invariant.severity
        return ValidationIssue(
            resource_type, element.location, severity, f"{invariant.key}: {invariant.human}", LAYER
        )
    return None
