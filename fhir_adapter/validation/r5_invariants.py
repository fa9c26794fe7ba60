"""R5 layer 3: the FHIRPath invariants of the R5 core StructureDefinitions, evaluated by the R4 layer's code
(invariants.py: ele-1 and the plain-Python shortcuts, user functions hasValue() and htmlChecks(), dom-3's
variables) with R5's table, schema, rewrites and fhirpathpy's R5 model.

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

from collections.abc import Mapping
from functools import cache

from fhir_adapter.validation.elements import Element
from fhir_adapter.validation.invariant_table import Catalog, catalog_from
from fhir_adapter.validation.invariants import Release, check_invariants
from fhir_adapter.validation.issues import ValidationIssue
from fhir_adapter.validation.release import FHIRPATH_MODEL, r5_definitions, r5_invariants_document

LAYER = "r5-invariant"

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


R5 = Release(LAYER, r5_catalog, r5_definitions, R5_REWRITES, FHIRPATH_MODEL)


def check_r5_invariants(elements: list[Element], *, best_practice: bool = False) -> list[ValidationIssue]:
    """Return the R5 invariants `elements` break (best-practice ones, such as dom-6, only when asked)."""
    return check_invariants(elements, best_practice=best_practice, release=R5)
