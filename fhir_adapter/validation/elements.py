"""Every element of a resource with its location, FHIR type and element path, found through the R4 schema.

The layers that work element by element (FHIRPath invariants, UCUM units, project rules) need to know that
`Group.characteristic[0].valueRange.low` is a SimpleQuantity inside a Range: the R4 JSON Schema (already
loaded for the schema layer) names each property's type, and the invariant table names the elements whose
Quantity is profiled. Elements the schema does not know are skipped here; the model and schema layers
report them.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from fhir_adapter.validation.schema import definitions

INVARIANTS_FILE = "r4-invariants.json"
FHIRPATH_TYPE_TABLES = ("path2Type", "pathsDefinedElsewhere")


@cache
def fhirpath_type_tables(release: str) -> Mapping[str, Any]:
    """Return fhirpathpy's type tables of a release ("r4", "r5"): path2Type and pathsDefinedElsewhere, read
    from fhirpathpy's package data without importing it. Its FHIRPath parser takes a third of a second to
    import, in every worker of `convert --check self`, which walks elements but evaluates no FHIRPath."""
    spec = importlib.util.find_spec("fhirpathpy")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("fhirpathpy")
    folder = Path(spec.origin).parent / "models" / release
    return {name: json.loads((folder / f"{name}.json").read_text("utf-8")) for name in FHIRPATH_TYPE_TABLES}


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
    return Tables(definitions(), fhirpath_type_tables("r4"), quantity_profiles())


def walk_resource(
    resource: Mapping[str, Any],
    *,
    skip_entry_resources: bool = False,
    tables: Tables | None = None,
) -> list[Element]:
    """Return the resource and every element in it, contained resources included, in document order.

    With `skip_entry_resources`, a Bundle's entry resources are left out (they are checked one by one).
    `tables` types the elements: R4's by default (validation/release.py has R5's).
    """
    walk = _Walk([], resource, skip_entry_resources, tables or r4_tables())
    walk.add_resource(resource, str(resource.get("resourceType", "?")))
    return walk.out


# What a child element is: a resource (contained, entry), a primitive, a datatype or backbone element.
RESOURCE, LEAF, COMPLEX = 0, 1, 2


@dataclass(slots=True)  # not frozen: `children` is filled in when first needed
class Child:
    """A child element of a definition: its element path, its type's name and what kind of element it is;
    for a datatype or backbone element (schema names like Group_Characteristic), what its Element says and
    the base of its own children's paths (worked out once, not per element)."""

    path: str
    kind: str
    category: int
    element_path: str = ""  # a recursive backbone (PlanDefinition.action.action): its first path's
    type_name: str = ""  # BackboneElement, or the datatype (SimpleQuantity where the Quantity is profiled)
    node_path: str = ""
    base: str = ""
    children: Mapping[str, Child] | None = None  # a complex element's own children (its _children table)
    # What self_check.py does with such an element, and which of its children it may find something in
    # besides strings: worked out when it first needs to know.
    check: int = -1
    checked_children: frozenset[str] | None = None


_CHILDREN: dict[tuple[int, str, str], Mapping[str, Child]] = {}


def children_of(tables: Tables, definition_name: str, base: str) -> Mapping[str, Child]:
    """Return the children a definition's properties declare, with their paths under `base` (worked out
    once per release, definition and base)."""
    key = (id(tables), definition_name, base)
    found = _CHILDREN.get(key)
    if found is None:
        found = _CHILDREN[key] = _child_table(tables, definition_name, base)
    return found


def _child_table(tables: Tables, definition_name: str, base: str) -> Mapping[str, Child]:
    table: dict[str, Child] = {}
    for name, prop in tables.definitions[definition_name].get("properties", {}).items():
        if name == "resourceType":  # no element: the walk does not visit it
            continue
        ref = str(prop.get("$ref") or prop.get("items", {}).get("$ref", ""))
        path = f"{base}.{name}"
        # The schema spells many primitives inline (choice types, codes); FHIR's model names their type.
        kind = ref.rsplit("/", 1)[-1] if ref else tables.model["path2Type"].get(path, "")
        if kind == "ResourceList":
            category = RESOURCE
        elif "properties" not in tables.definitions.get(kind, {}):
            category = LEAF
        else:
            table[name] = _complex_child(tables, path, kind)
            continue
        table[name] = Child(path, kind, category)
    return table


def _complex_child(tables: Tables, path: str, kind: str) -> Child:
    backbone = "_" in kind
    if backbone:  # a recursive backbone (PlanDefinition.action.action) has its first path's definition
        element_path = tables.model["pathsDefinedElsewhere"].get(path, path)
        return Child(path, kind, COMPLEX, element_path, "BackboneElement", element_path, element_path)
    type_name = tables.quantity_profiles.get(path, kind)
    return Child(path, kind, COMPLEX, path, type_name, kind, kind)


def child_element(
    child: Child,
    location: str,
    value: Any,
    *,
    extension: Any,
    resource: Mapping[str, Any],
    root: Mapping[str, Any],
) -> Element:
    """Return the Element of a child element: a primitive typed by its kind, a complex one by its type."""
    if child.category == LEAF:
        return Element(location, child.path, child.kind, child.kind, value, extension, resource, root)
    return Element(
        location, child.element_path, child.type_name, child.node_path, value, extension, resource, root
    )


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
            children = children_of(self.tables, resource_type, resource_type)
            self.add_children(resource, children, location, resource)

    def add_children(
        self,
        obj: Mapping[str, Any],
        children: Mapping[str, Child],
        location: str,
        resource: Mapping[str, Any],
    ) -> None:
        """Add the elements of `obj` (a resource, datatype or backbone element) whose children are
        `children`, and theirs, in document order."""
        # An underscore in any name (one joined string, tested in C): a primitive's `_name` object, the
        # general case of _child_items (an unknown name with an underscore inside takes it too, alike).
        if "_" in "".join(obj):
            for item in child_items(obj, children, location):
                self.add(*item, resource)
            return
        for name, value in obj.items():  # the usual case: every element is `name` alone
            child = children.get(name)  # resourceType is not in the table
            if child is None:
                continue
            if isinstance(value, list):
                for index, item in enumerate(value):
                    self.add(child, f"{location}.{name}[{index}]", item, None, resource)
            else:
                self.add(child, f"{location}.{name}", value, None, resource)

    def add(
        self, child: Child, location: str, value: Any, extension: Any, resource: Mapping[str, Any]
    ) -> None:
        """Add one element (a resource, a primitive, or a datatype or backbone element and its children)."""
        category = child.category
        if category == LEAF:
            self.out.append(
                child_element(child, location, value, extension=extension, resource=resource, root=self.root)
            )
        elif category == COMPLEX:
            if isinstance(value, dict):
                self.out.append(
                    child_element(child, location, value, extension=None, resource=resource, root=self.root)
                )
                children = child.children
                if children is None:
                    children = child.children = children_of(self.tables, child.kind, child.base)
                self.add_children(value, children, location, resource)
        elif isinstance(value, dict) and not (
            self.skip_entry_resources and child.path == "Bundle.entry.resource"
        ):
            self.add_resource(value, location)


def child_items(
    obj: Mapping[str, Any], children: Mapping[str, Child], location: str
) -> list[tuple[Child, str, Any, Any]]:
    """Return (child, location, value, `_name` object) for every known element of `obj`, one per array item
    for a repeating one, in document order, `name` and `_name` taken together."""
    found: list[tuple[Child, str, Any, Any]] = []
    for name in _element_names(obj):
        child = children.get(name)
        if child is not None:
            found += [(child, *item) for item in _items(obj, name, f"{location}.{name}")]
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
