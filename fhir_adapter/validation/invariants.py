"""Layer 3: the FHIRPath invariants of the R4 core StructureDefinitions, evaluated with fhirpathpy.

The invariants (key, severity, human text, expression, element path) come from npm by
`scripts/fetch_r4_invariants.py` and ship as package data. Each is evaluated on every element of its type or
path, with %resource and %rootResource set; compiled expressions are cached. An invariant is broken when it
evaluates to false; an empty result (undecidable, e.g. dates of different precision) is not a failure.

fhirpathpy 2.2.4 lacks two functions and two expressions need a change it can evaluate:
- `hasValue()` (ele-1, per-1, age-1, ...) and `htmlChecks()` (txt-1, txt-2) are registered as user functions.
- dom-3 and rng-2 are rewritten (REWRITES below, each with its reason); a test checks that every rewrite
  still finds its text, so a changed data file cannot make one silently stop applying. dom-3's rewrite
  takes two sub-expressions from variables the element walk fills (%localReferences, %containerReferrers).
An invariant that fhirpathpy still cannot evaluate on some data is reported as a warning, never skipped.

ele-1 (`hasValue() or (children().count() > id.count())`) applies to every element, and is evaluated here in
Python (`holds_ele_1`), not in fhirpathpy: it is most of the evaluations (65,000 in the R4 examples' resource
definitions alone), and fhirpathpy's children() does not count a child that is only a primitive's `_name`
object, so `timingTiming: {"_event": [{"extension": [...]}]}` failed ele-1 though its event is there. A test
checks that both agree everywhere else.

dom-2 to dom-5 say something about a resource's contained resources only (every path in them starts at
`contained`), so on a resource without any they hold: they are not evaluated there (a test checks fhirpathpy
agrees). They were a third of the fhirpathpy evaluations over the R4 examples.

The invariants evaluated most often (ref-1, ext-1, cpt-2, the Bundle rules bdl-1 to bdl-12, ...) have
plain-Python shortcuts (shortcuts.py) that say "holds" for the plain shapes; fhirpathpy evaluates everything
else, so every finding is still fhirpathpy's (issue 16: 5x faster on fhir-adapter's Bundles). R5 runs the
same code with its own table, rewrites and model (`Release`, r5_invariants.R5).

txt-1 and txt-2 share R4's expression `htmlChecks()`; txt-2 is rewritten to `htmlHasContent()`, so a
narrative of only whitespace breaks txt-2 alone and a script or a form breaks txt-1 alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import fhirpathpy
from fhirpathpy.engine.nodes import ResourceNode
from fhirpathpy.models import models

from fhir_adapter.validation.elements import Element
from fhir_adapter.validation.invariant_table import Catalog, Invariant, catalog
from fhir_adapter.validation.issues import Severity, ValidationIssue
from fhir_adapter.validation.narrative import html_checks, html_has_content
from fhir_adapter.validation.schema import definitions
from fhir_adapter.validation.shortcuts import Shortcut, shortcut_for

LAYER = "invariant"
ELE_1 = "ele-1"
ABOUT_CONTAINED = frozenset({"dom-2", "dom-3", "dom-4", "dom-5"})

# key -> ((text in the R4 expression, replacement), ...), and why.
REWRITES: Mapping[str, tuple[tuple[str, str], ...]] = {
    # dom-3 asks of each contained resource: is '#id' among the reference, canonical, uri and url values of
    # the resource, or does the contained resource itself refer to its container ('#')? As written,
    # fhirpathpy fails on it (it applies as() strictly: an error on more than one item; R4B and R5 say
    # ofType(), which is what R4 means) and, spelled with ofType(), walks every descendant seven times for
    # each contained resource: 99 ms for a regimen PlanDefinition with six contained ActivityDefinitions.
    # The element walk already has those values with their types, so they come in as variables:
    # %localReferences and %containerReferrers (see dom_3_variables).
    "dom-3": (
        (
            "(%resource.descendants().reference | %resource.descendants().as(canonical) | "
            "%resource.descendants().as(uri) | %resource.descendants().as(url))",
            "%localReferences",
        ),
        (
            "descendants().where(reference = '#').exists() or "
            "descendants().where(as(canonical) = '#').exists() or "
            "descendants().where(as(canonical) = '#').exists()",
            "(id in %containerReferrers)",
        ),
    ),
    # fhirpathpy cannot order two Quantity objects (TypeError: dict <= dict). Comparing the values is the
    # same test when both have the same unit code (or none); low and high in different units are not
    # compared, since that needs UCUM conversion fhirpathpy does not have.
    # R4 gives txt-1 and txt-2 one expression; htmlChecks() checks the elements, htmlHasContent() the text.
    "txt-2": (("htmlChecks()", "htmlHasContent()"),),
    "rng-2": (
        (
            "(low <= high)",
            "low.value.empty() or high.value.empty() or (low.code ~ high.code).not() or "
            "(low.value <= high.value)",
        ),
    ),
}


# The element types whose values dom-3's union collects (Reference.reference is a string inside a Reference).
LOCAL_REFERENCE_TYPES = frozenset({"canonical", "uri", "url"})


def has_value(inputs: list[Any]) -> bool:
    """FHIRPath hasValue(): True when the input is one primitive element that has a value.

    fhirpathpy hands a primitive that also has a `_name` object (id, extensions) to functions as two items,
    the value and that object, so the pair counts as one element.

    >>> has_value(["2024-05"]), has_value(["2024-05", {"extension": [{"url": "u"}]}])
    (True, True)
    >>> has_value([{"extension": [{"url": "u"}]}]), has_value([{"text": "x"}]), has_value(["a", "b"])
    (False, False, False)
    """
    values = [item for item in inputs if not isinstance(item, dict | list)]
    extensions = [item for item in inputs if isinstance(item, dict) and set(item) <= {"id", "extension"}]
    if len(values) != 1 or len(values) + len(extensions) != len(inputs) or len(extensions) > 1:
        return False
    return values[0] is not None and values[0] != ""


# fhirpathpy's node constructor is untyped; typed here once. A node's path types its children for FHIRPath.
fhirpath_node: Callable[[Any, str], Any] = ResourceNode.create_node

# fhirpathpy's options for every release: the user functions, and a silent trace().
FHIRPATH_OPTIONS: Mapping[str, Any] = {
    "userInvocationTable": {
        "hasValue": {"fn": has_value, "arity": {0: []}},
        "htmlChecks": {"fn": html_checks, "arity": {0: []}},
        "htmlHasContent": {"fn": html_has_content, "arity": {0: []}},
    },
    "traceFn": lambda *args: None,  # dom-3 and ref-1 call trace(); fhirpathpy would print it
}


@dataclass(frozen=True, eq=False)
class Release:
    """What the invariant layer needs of one FHIR release: its table, schema definitions (for resource types
    without a table of their own), rewrites, fhirpathpy model name and the layer name its issues carry."""

    layer: str
    catalog: Callable[[], Catalog]
    definitions: Callable[[], Mapping[str, Any]]
    rewrites: Mapping[str, tuple[tuple[str, str], ...]]
    model: str


R4 = Release(LAYER, catalog, definitions, REWRITES, "r4")


@cache
def expression_for(invariant: Invariant, release: Release = R4) -> str:
    """Return the expression fhirpathpy evaluates: the release's one, with its rewrites applied."""
    expression = invariant.expression
    for old, new in release.rewrites.get(invariant.key, ()):
        expression = expression.replace(old, new)
    return expression


@cache
def compiled(expression: str, model: str = "r4") -> Callable[..., list[Any]]:
    """Return fhirpathpy's compiled form of `expression` for a release's model (compiled once)."""
    function: Callable[..., list[Any]] = fhirpathpy.compile(
        expression, model=models[model], options=dict(FHIRPATH_OPTIONS)
    )
    return function


@dataclass(frozen=True)
class _Prepared:
    """An invariant with what evaluating it needs, worked out once per (invariant, release)."""

    invariant: Invariant
    shortcut: Shortcut | None  # a plain-Python "surely holds" (shortcuts.py), None: always fhirpathpy
    evaluate: Callable[..., list[Any]]
    is_ele_1: bool  # answered by holds_ele_1, never by fhirpathpy
    about_contained: bool  # dom-2..5: hold on a resource without contained resources


def shortcut(invariant: Invariant, release: Release = R4) -> Shortcut | None:
    """Return the plain-Python shortcut (shortcuts.py) that answers `invariant` where it surely holds."""
    return _prepared(invariant, release).shortcut


@cache
def _prepared(invariant: Invariant, release: Release) -> _Prepared:
    """Return `invariant` ready to evaluate: its shortcut and its compiled expression."""
    expression = expression_for(invariant, release)
    return _Prepared(
        invariant,
        shortcut_for(expression),
        compiled(expression, release.model),
        invariant.key == ELE_1,
        invariant.key in ABOUT_CONTAINED,
    )


def check_invariants(
    elements: list[Element], *, best_practice: bool = False, release: Release = R4
) -> list[ValidationIssue]:
    """Return the invariants `elements` break (best-practice ones, such as dom-6, only when asked)."""
    issues: list[ValidationIssue] = []
    variables: dict[str, list[str]] | None = None  # dom-3's, worked out when first needed
    for element in elements:
        for prepared in _plan(element, release):
            invariant = prepared.invariant
            if invariant.best_practice and not best_practice:
                continue
            if prepared.is_ele_1:
                if not holds_ele_1(element):
                    issues.append(_issue(invariant, element, release, invariant.severity))
                continue
            if prepared.about_contained and element.is_resource and not element.value.get("contained"):
                continue  # every path of dom-2..5 starts at `contained`: without any, they hold
            if prepared.shortcut is not None and prepared.shortcut(element):
                continue
            if variables is None:
                variables = dom_3_variables(elements)
            issue = _evaluate(prepared, element, variables, release)
            if issue is not None:
                issues.append(issue)
    return issues


# (release, type, path, is a resource, has a value) -> the invariants to check, prepared: tens of thousands
# of lookups a Bundle, a few hundred distinct keys.
_PLANS: dict[tuple[Release, str, str, bool, bool], tuple[_Prepared, ...]] = {}


def _plan(element: Element, release: Release) -> tuple[_Prepared, ...]:
    """Return the prepared invariants that apply to `element` (see applicable)."""
    value = element.value
    is_resource = value is element.resource
    valued = is_resource or (not isinstance(value, dict) and value is not None and value != "")
    key = (release, element.type_name, element.path, is_resource, valued)
    found = _PLANS.get(key)
    if found is None:
        found = tuple(_prepared(invariant, release) for invariant in applicable(element, release))
        _PLANS[key] = found
    return found


def applicable(element: Element, release: Release = R4) -> tuple[Invariant, ...]:
    """Return the invariants that apply to `element`: its type's, its path's, and ele-1 on every element."""
    key = (element.type_name, element.path, element.is_resource)
    found = _APPLICABLE.get((release, *key))
    if found is None:
        found = _APPLICABLE[(release, *key)] = _applicable(release, *key)
    if element.is_resource or (element.is_primitive and _primitive_has_value(element)):
        # a valued primitive: hasValue() is true, so ele-1 holds (its first `or` operand): not evaluated
        return found[0]
    return found[1]


# (release, type, path, is a resource) -> (its invariants, the same and ele-1): tens of thousands of lookups
# a Bundle, a few hundred distinct keys.
_APPLICABLE: dict[tuple[Release, str, str, bool], tuple[tuple[Invariant, ...], tuple[Invariant, ...]]] = {}


def _applicable(
    release: Release, type_name: str, path: str, is_resource: bool
) -> tuple[tuple[Invariant, ...], tuple[Invariant, ...]]:
    table = release.catalog()
    found = table.by_type.get(type_name, ()) + table.by_path.get(path, ())
    if is_resource and type_name not in table.by_type:  # a resource type without its own table: its bases'
        properties = release.definitions().get(type_name, {}).get("properties", {})
        found += table.by_type["DomainResource" if "text" in properties else "Resource"]
    return found, found + table.element


def _primitive_has_value(element: Element) -> bool:
    return element.value is not None and element.value != ""


def dom_3_variables(elements: list[Element]) -> dict[str, list[str]]:
    """Return dom-3's variables: every reference, canonical, uri and url value among `elements`
    (%localReferences), and the ids of the contained resources that refer to their container as '#'
    (%containerReferrers)."""
    references = [
        element
        for element in elements
        if isinstance(element.value, str)
        and (element.type_name in LOCAL_REFERENCE_TYPES or element.path == "Reference.reference")
    ]
    referrers = {
        str(element.resource.get("id"))
        for element in references
        if element.value == "#"
        and element.resource is not element.root
        and element.type_name in ("canonical", "string")  # Reference.reference is a string
    }
    return {
        "localReferences": sorted({str(element.value) for element in references}),
        "containerReferrers": sorted(referrers),
    }


def holds_ele_1(element: Element) -> bool:
    """ele-1: True when `element` has a value, or a child other than `id` (a child may be only `_name`)."""
    data = element.value
    if not isinstance(data, dict):
        if data is not None and data != "":
            return True
        data = element.extension
        if not isinstance(data, Mapping):
            return False
    for key, value in data.items():  # noqa: SIM110 - a loop, not any(): this runs on every element
        if key != "id" and _present(value):
            return True
    return False


def _present(value: Any) -> bool:
    if isinstance(value, list):
        return any(item is not None for item in value)
    return value is not None


def _issue(invariant: Invariant, element: Element, release: Release, severity: Severity) -> ValidationIssue:
    resource_type = str(element.root.get("resourceType", "?"))
    message = f"{invariant.key}: {invariant.human}"
    return ValidationIssue(resource_type, element.location, severity, message, release.layer)


def evaluate_in_fhirpathpy(
    invariant: Invariant, element: Element, variables: Mapping[str, Any], release: Release = R4
) -> list[Any]:
    """Return fhirpathpy's result for `invariant` on `element` (`variables`: dom_3_variables of its resource).

    Raises whatever fhirpathpy raises on data it cannot evaluate."""
    data = element.value
    if element.is_primitive and not _primitive_has_value(element):
        data = element.extension or {}  # a primitive without a value is its `_name` object: id, extension
    node = fhirpath_node(data, element.node_path)
    context = {"resource": element.resource, "rootResource": element.root, **variables}
    return _prepared(invariant, release).evaluate(node, context)


def _evaluate(
    prepared: _Prepared, element: Element, variables: Mapping[str, Any], release: Release
) -> ValidationIssue | None:
    invariant = prepared.invariant
    try:
        result = evaluate_in_fhirpathpy(invariant, element, variables, release)
    except Exception as exc:  # fhirpathpy raises plain Exception for unsupported data
        text = f"{invariant.key}: could not be evaluated here ({exc}); check by hand: {invariant.human}"
        resource_type = str(element.root.get("resourceType", "?"))
        return ValidationIssue(resource_type, element.location, "warning", text, release.layer)
    if result == [False]:
        severity: Severity = "warning" if invariant.best_practice else invariant.severity
        return _issue(invariant, element, release, severity)
    return None
