"""Every element of a resource with its location, FHIR type and element path, found through the R4 schema.

The layers that work element by element (FHIRPath invariants, UCUM units, project rules) need to know that
`Group.characteristic[0].valueRange.low` is a SimpleQuantity inside a Range: the R4 JSON Schema (already
loaded for the schema layer) names each property's type, and the invariant table names the elements whose
Quantity is profiled. Elements the schema does not know are skipped here; the model and schema layers
report them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from fhirpathpy.models import models

from fhir_adapter.validation.schema import definitions

INVARIANTS_FILE = "r4-invariants.json"
_R4_MODEL: Mapping[str, Any] = models["r4"]  # fhirpathpy's R4 type tables: path2Type, pathsDefinedElsewhere


# Not frozen: a walk makes tens of Elements a resource, and a frozen dataclass's __init__ costs twice as much
# (object.__setattr__ per field). Nothing changes an Element after the walk.
@dataclass(eq=False, slots=True)
class Element:
    """One element (or resource) found in a resource, and the resources it sits in."""

    location: str  # FHIRPath-like, as issues report it: Group.characteristic[0].valueRange.low
    path: str  # its element path: Range.low, Organization.telecom, Timing.repeat, Group (a resource)
    type_name: str  # its FHIR type: SimpleQuantity, ContactPoint, BackboneElement, dateTime, Group
    node_path: str  # what fhirpathpy needs to type its children: the type, or a backbone's element path
    value: Any  # the JSON: an object, a primitive value, or None for a primitive that has only `_name`
    extension: Mapping[str, Any] | None  # a primitive's `_name` object (id, extension)
    resource: Mapping[str, Any]  # the resource it belongs to (FHIRPath %resource)
    root: Mapping[str, Any]  # the outermost resource, the container of contained ones (%rootResource)

    @property
    def is_resource(self) -> bool:
        return self.value is self.resource

    @property
    def is_primitive(self) -> bool:
        return not isinstance(self.value, dict)


@cache
def quantity_profiles() -> Mapping[str, str]:
    """Return element path -> Quantity profile (Range.low -> SimpleQuantity), from the R4 definitions."""
    text = resources.files("fhir_adapter.validation.data").joinpath(INVARIANTS_FILE).read_text("utf-8")
    profiles: dict[str, str] = json.loads(text)["quantityProfiles"]
    return profiles


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: each release's tables are made once
class Tables:
    """What the walk types elements with: a release's schema definitions, fhirpathpy model, Quantity
    profiles."""

    definitions: Mapping[str, Any]
    model: Mapping[str, Any]
    quantity_profiles: Mapping[str, str]


@cache
def r4_tables() -> Tables:
    return Tables(definitions(), _R4_MODEL, quantity_profiles())


def walk_resource(
    resource: Mapping[str, Any], *, skip_entry_resources: bool = False, tables: Tables | None = None
) -> list[Element]:
    """Return the resource and every element in it, contained resources included, in document order.

    With `skip_entry_resources`, a Bundle's entry resources are left out (they are checked one by one).
    `tables` types the elements: R4's by default (validation/release.py has R5's).
    """
    walk = _Walk([], resource, skip_entry_resources, tables or r4_tables())
    walk.add_resource(resource, str(resource.get("resourceType", "?")))
    return walk.out


RESOURCE, LEAF, COMPLEX = (
    0,
    1,
    2,
)  # what a child element is: a resource (contained, entry), a primitive, a type


@dataclass(frozen=True, slots=True)
class _Child:
    """A child element of a definition: its element path, its type's name and what kind of element it is."""

    path: str
    kind: str
    category: int


_CHILDREN: dict[tuple[int, str, str], Mapping[str, _Child]] = {}


def _children(tables: Tables, definition_name: str, base: str) -> Mapping[str, _Child]:
    """Return the children a definition's properties declare, with their paths under `base` (worked out
    once per release, definition and base)."""
    key = (id(tables), definition_name, base)
    found = _CHILDREN.get(key)
    if found is None:
        found = _CHILDREN[key] = _child_table(tables, definition_name, base)
    return found


def _child_table(tables: Tables, definition_name: str, base: str) -> Mapping[str, _Child]:
    table: dict[str, _Child] = {}
    for name, prop in tables.definitions[definition_name].get("properties", {}).items():
        ref = str(prop.get("$ref") or prop.get("items", {}).get("$ref", ""))
        path = f"{base}.{name}"
        # The schema spells many primitives inline (choice types, codes); FHIR's model names their type.
        kind = ref.rsplit("/", 1)[-1] if ref else tables.model["path2Type"].get(path, "")
        if kind == "ResourceList":
            category = RESOURCE
        elif "properties" not in tables.definitions.get(kind, {}):
            category = LEAF
        else:
            category = COMPLEX
        table[name] = _Child(path, kind, category)
    return table


@dataclass
class _Walk:
    out: list[Element]
    root: Mapping[str, Any]
    skip_entry_resources: bool
    tables: Tables

    def add_resource(self, resource: Mapping[str, Any], location: str) -> None:
        resource_type = str(resource.get("resourceType", "?"))
        self.out.append(
            Element(
                location, resource_type, resource_type, resource_type, resource, None, resource, self.root
            )
        )
        definition = self.tables.definitions.get(resource_type)
        if definition is not None and "properties" in definition:
            self.add_children(
                resource, resource_type, base=resource_type, location=location, resource=resource
            )

    def add_children(
        self,
        obj: Mapping[str, Any],
        definition_name: str,
        *,
        base: str,
        location: str,
        resource: Mapping[str, Any],
    ) -> None:
        children = _children(self.tables, definition_name, base)
        for child, item_location, value, extension in _child_items(obj, children, location):
            if child.category == RESOURCE:
                if isinstance(value, dict) and not (
                    self.skip_entry_resources and child.path == "Bundle.entry.resource"
                ):
                    self.add_resource(value, item_location)
            elif child.category == LEAF:
                self.out.append(
                    Element(
                        item_location,
                        child.path,
                        child.kind,
                        child.kind,
                        value,
                        extension,
                        resource,
                        self.root,
                    )
                )
            elif isinstance(value, dict):
                self.add_complex(
                    value, child.kind, path=child.path, location=item_location, resource=resource
                )

    def add_complex(
        self, value: Mapping[str, Any], kind: str, *, path: str, location: str, resource: Mapping[str, Any]
    ) -> None:
        """Add a datatype or backbone element (schema names like Group_Characteristic) and its children."""
        backbone = "_" in kind
        if backbone:  # a recursive backbone (PlanDefinition.action.action) has its first path's definition
            path = self.tables.model["pathsDefinedElsewhere"].get(path, path)
        type_name = "BackboneElement" if backbone else self.tables.quantity_profiles.get(path, kind)
        node_path = path if backbone else kind
        self.out.append(Element(location, path, type_name, node_path, value, None, resource, self.root))
        self.add_children(value, kind, base=path if backbone else kind, location=location, resource=resource)


def _child_items(
    obj: Mapping[str, Any], children: Mapping[str, _Child], location: str
) -> list[tuple[_Child, str, Any, Any]]:
    """Return (child, location, value, `_name` object) for every known element of `obj`, one per array item
    for a repeating one, in document order."""
    found: list[tuple[_Child, str, Any, Any]] = []
    if any(key.startswith("_") for key in obj):  # a primitive's `_name` object: the general case
        for name in _element_names(obj):
            child = children.get(name)
            if child is not None:
                found += [(child, *item) for item in _items(obj, name, f"{location}.{name}")]
        return found
    for name, value in obj.items():  # the usual case: every element is `name` alone
        child = children.get(name) if name != "resourceType" else None
        if child is None:
            continue
        if isinstance(value, list):
            found += [(child, f"{location}.{name}[{i}]", item, None) for i, item in enumerate(value)]
        else:
            found.append((child, f"{location}.{name}", value, None))
    return found


def _element_names(obj: Mapping[str, Any]) -> list[str]:
    """Return each element name once, whether it comes as `name`, `_name` or both, in document order."""
    names: dict[str, None] = {}
    for key in obj:
        name = key[1:] if key.startswith("_") else key
        if name != "resourceType":
            names[name] = None
    return list(names)


def _items(obj: Mapping[str, Any], name: str, location: str) -> list[tuple[str, Any, Any]]:
    """Return (location, value, `_name` object) for an element, one per array item for a repeating one."""
    value, extension = obj.get(name), obj.get(f"_{name}")
    if extension is None and isinstance(value, list):
        return [(f"{location}[{index}]", item, None) for index, item in enumerate(value)]
    if isinstance(value, list) or isinstance(extension, list):
        values = value if isinstance(value, list) else []
        extensions = extension if isinstance(extension, list) else []
        return [
            (
                f"{location}[{index}]",
                values[index] if index < len(values) else None,
                extensions[index] if index < len(extensions) else None,
            )
            for index in range(max(len(values), len(extensions)))
        ]
    return [(location, value, extension)]
