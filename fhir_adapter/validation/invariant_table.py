"""The invariant table: each FHIRPath constraint of a release's StructureDefinitions, by type and by path.

Loaded from package data (r4-invariants.json, r5-invariants.json: written by scripts/fetch_r4_invariants.py
and scripts/fetch_r5_data.py); invariants.py evaluates them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from fhir_adapter.validation.elements import INVARIANTS_FILE
from fhir_adapter.validation.issues import Severity


@dataclass(frozen=True)
class Invariant:
    """One constraint from a StructureDefinition."""

    key: str
    severity: Severity
    human: str
    expression: str
    path: str
    best_practice: bool = False


@dataclass(frozen=True)
class Catalog:
    """The invariants by type (own and inherited) and by element path, and the element invariants."""

    by_type: Mapping[str, tuple[Invariant, ...]]
    by_path: Mapping[str, tuple[Invariant, ...]]
    element: tuple[Invariant, ...]
    source: Mapping[str, Any]


@cache
def catalog() -> Catalog:
    """Return the invariant table loaded from package data (once)."""
    text = resources.files("fhir_adapter.validation.data").joinpath(INVARIANTS_FILE).read_text("utf-8")
    return catalog_from(json.loads(text))


def catalog_from(document: Mapping[str, Any]) -> Catalog:
    """Return the invariant table of an invariants document (r4-invariants.json, r5-invariants.json)."""
    types: dict[str, Any] = document["types"]
    own: dict[str, list[Invariant]] = {}
    by_path: dict[str, list[Invariant]] = {}
    for name, entry in types.items():
        for raw in entry["invariants"]:
            invariant = Invariant(
                raw["key"],
                raw["severity"],
                raw["human"],
                raw["expression"],
                raw["path"],
                raw.get("bestPractice", False),
            )
            target = own.setdefault(name, []) if raw["path"] == name else by_path.setdefault(raw["path"], [])
            target.append(invariant)
    by_type = {name: tuple(_inherited(name, types, own)) for name in types}
    return Catalog(
        by_type=by_type,
        by_path={path: tuple(found) for path, found in by_path.items()},
        element=tuple(own.get("Element", ())),
        source=document["source"],
    )


def _inherited(
    name: str | None, types: Mapping[str, Any], own: Mapping[str, list[Invariant]]
) -> list[Invariant]:
    found: list[Invariant] = []
    while name and name != "Element":  # Element's own (ele-1) apply to elements, not resources
        found = list(own.get(name, ())) + found
        name = types.get(name, {}).get("base")
    return found
