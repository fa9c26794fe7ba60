"""`convert --check self` in one pass over each resource: references, UCUM units and the project rules.

The layers (references.py, units.py, rules.py with codes.py) each take the list of Elements that
elements.walk_resource makes, and each looks at every Element again for the few it checks: on Bundles of
hundreds of sites, that was most of the self-check's time, for Locations in which none of them ever finds
anything. Here the same elements are visited in the same order, through walk_resource's child tables, and
each goes only to the check of its kind (the layers' own functions); an Element is made only for the few
those functions take (a Group characteristic, a dose, a string with a backslash). A string is looked at
only when it holds a backslash, the start of any Markdown escape.

The findings are the layers' own, in their order: references, units, the rules, the rules' codes last.
tests/validation/test_self_check.py checks them equal to the layers' findings over walk_resource's Elements.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from fhir_adapter.terms import UCUM_SYSTEM
from fhir_adapter.validation.codes import R5_EXTENSION, code_problem
from fhir_adapter.validation.elements import (
    COMPLEX,
    LEAF,
    Child,
    Element,
    Tables,
    child_element,
    child_items,
    children_of,
)
from fhir_adapter.validation.issues import ValidationIssue
from fhir_adapter.validation.references import (
    BundleTargets,
    ReferenceSite,
    contained_ids,
    local_canonical_issue,
    reference_issue,
)
from fhir_adapter.validation.rules import (
    MARKDOWN_ESCAPE,
    characteristic_rules,
    coding_finding,
    dose_rules,
    resource_rules,
    string_rules,
)
from fhir_adapter.validation.units import QUANTITY_TYPES, TIME_TYPES, age_issues, code_issues

# What the self-check does with an element (Child.check), from what its child table says it is.
SKIP = 0  # a primitive none of these layers reads (uri, code, dateTime ...)
STRING = 1  # Markdown escapes
CANONICAL = 2  # a local '#id' must name a contained resource
PLAIN = 3  # a datatype or backbone element none of them checks itself: only its children
REFERENCE = 4
QUANTITY = 5  # Quantity, SimpleQuantity, Count, Distance: a valid UCUM code
TIME_QUANTITY = 6  # Age, Duration: a UCUM unit of time
CODING = 7  # a valid UCUM code; a code that exists in its system
EXTENSION = 8  # an R5 cross-version extension makes the codes inside it R5's
CHARACTERISTIC = 9  # Group.characteristic: the verbatim criterion, an age's unit of time
DOSE_AND_RATE = 10  # Dosage.doseAndRate: dose units, a daily dose as a rate
RESOURCE = 11  # a contained resource
RULED_RESOURCES = frozenset({"ResearchStudy", "Group"})  # the resources rules.resource_rules checks


def self_check_issues(
    resource: Mapping[str, Any], targets: BundleTargets, tables: Tables, *, r5: bool
) -> list[ValidationIssue]:
    """Return what check_references, check_units and check_rules (`r5`: with R5's codes) find in the
    elements walk_resource finds in `resource` with `tables`, in that order."""
    check = _Check(resource, targets, tables, r5, strings=_may_hold_backslash(resource))
    check.resource(resource, check.root_type)
    return check.references + check.units + check.rules + check.codings


def _may_hold_backslash(resource: Mapping[str, Any]) -> bool:
    """Return False when no string of `resource` holds a backslash (so none holds a Markdown escape): its
    JSON, a few microseconds to write, has none. Most resources (sites, people) have none, and their strings
    are then not visited at all."""
    try:
        return b"\\\\" in orjson.dumps(resource)  # JSON writes a backslash as two
    except orjson.JSONEncodeError:  # what orjson cannot write (a key that is not a string): every string
        return True


def check_of(child: Child) -> int:
    """Return what the self-check does with the elements `child` describes (worked out once per child)."""
    if child.check < 0:
        child.check = _check_of(child)
    return child.check


def _check_of(child: Child) -> int:  # noqa: PLR0911 - one answer per kind
    if child.category == LEAF:
        return {"string": STRING, "canonical": CANONICAL}.get(child.kind, SKIP)
    if child.category != COMPLEX:
        return RESOURCE
    type_name, path = child.type_name, child.element_path
    if type_name == "Reference":
        return REFERENCE
    if type_name in TIME_TYPES:
        return TIME_QUANTITY
    if type_name in QUANTITY_TYPES:
        return QUANTITY
    if type_name == "Coding":
        return CODING
    if type_name == "Extension":
        return EXTENSION
    if path == "Group.characteristic":
        return CHARACTERISTIC
    if path == "Dosage.doseAndRate":
        return DOSE_AND_RATE
    return PLAIN


class _Check:
    """One resource's self-check: its findings per layer, in document order."""

    def __init__(
        self, root: Mapping[str, Any], targets: BundleTargets, tables: Tables, r5: bool, *, strings: bool
    ) -> None:
        self.root = root
        self.strings = strings  # whether strings need looking at: False when none holds a backslash
        self.root_type = str(root.get("resourceType", "?"))
        self.targets = targets
        self.tables = tables
        self.r5 = r5
        self.current: Mapping[str, Any] = root  # the resource (root or contained) being walked
        self.r5_extensions = 0  # how many R5 cross-version extensions the element checked is inside
        self.contained: set[Any] | None = None  # the root's contained ids, once a '#id' needs them
        self.references: list[ValidationIssue] = []
        self.units: list[ValidationIssue] = []
        self.rules: list[ValidationIssue] = []
        self.codings: list[ValidationIssue] = []

    def resource(self, resource: Mapping[str, Any], location: str) -> None:
        """Check a resource (the root or a contained one), then its elements."""
        resource_type = str(resource.get("resourceType", "?"))
        outer, self.current = self.current, resource
        if resource_type in RULED_RESOURCES:
            element = Element(location, *(resource_type,) * 3, resource, None, resource, self.root)
            self.rules += resource_rules(element)
        definition = self.tables.definitions.get(resource_type)
        if definition is not None and "properties" in definition:
            self.children(resource, children_of(self.tables, resource_type, resource_type), location)
        self.current = outer

    def children(self, obj: Mapping[str, Any], children: Mapping[str, Child], location: str) -> None:
        """Check the elements of `obj` (whose child table is `children`), in walk_resource's order."""
        if "_" in "".join(obj):  # a primitive's `_name` object: walk_resource's general case
            for item, where, value, _ in child_items(obj, children, location):
                self.element(item, where, value)
            return
        for name, value in obj.items():
            child = children.get(name)
            if child is None:
                continue
            check = child.check if child.check >= 0 else check_of(child)
            if check == SKIP:
                continue
            if check == STRING:  # half of all elements, and almost never a finding
                if self.strings:
                    self.strings_of(child, f"{location}.{name}", value)
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    self.element(child, f"{location}.{name}[{index}]", item)
            else:
                self.element(child, f"{location}.{name}", value)

    def element(self, child: Child, location: str, value: Any) -> None:
        """Check one element and, for a datatype or backbone element, its children."""
        check = child.check if child.check >= 0 else check_of(child)
        if check <= CANONICAL:
            if check == STRING and isinstance(value, str) and "\\" in value:
                self.string(child, location, value)
            elif check == CANONICAL and isinstance(value, str) and value.startswith("#"):
                self.canonical(location, value)
            return
        if not isinstance(value, dict):
            return
        if check == RESOURCE:
            self.resource(value, location)
            return
        if check != PLAIN:
            self.checked(check, child, location, value)
        inside = child.checked_children
        if inside is None:
            inside = self.checked_children(child)
        if not self.strings and inside.isdisjoint(value):
            return  # only strings and primitives none of the layers reads (a site's address, a Coding)
        children = child.children
        if children is None:
            children = child.children = children_of(self.tables, child.kind, child.base)
        if check == EXTENSION and str(value.get("url", "")).startswith(R5_EXTENSION):
            self.r5_extensions += 1
            self.children(value, children, location)
            self.r5_extensions -= 1
        else:
            self.children(value, children, location)

    def checked_children(self, child: Child) -> frozenset[str]:
        """Return the names of the children of `child`'s elements that are more than strings and primitives
        the layers do not read (worked out once per child)."""
        children = children_of(self.tables, child.kind, child.base)
        child.checked_children = frozenset(
            # The schema's `_name` properties (type Element) are never walked: a `_name` object is taken
            # with its primitive (elements.child_items), and its extensions are not visited.
            name
            for name, grandchild in children.items()
            if check_of(grandchild) not in (SKIP, STRING) and not name.startswith("_")
        )
        return child.checked_children

    def checked(self, check: int, child: Child, location: str, value: Mapping[str, Any]) -> None:
        """Check a datatype or backbone element of a kind some layer checks (not its children)."""
        if check == REFERENCE:
            reference = value.get("reference")
            if isinstance(reference, str):
                self.reference(f"{location}.reference", reference)
        elif check in (QUANTITY, TIME_QUANTITY):
            if value.get("system") == UCUM_SYSTEM:
                self.units += code_issues(self.root_type, value, location, time=check == TIME_QUANTITY)
        elif check == CODING:
            self.coding(child, location, value)
        elif check == CHARACTERISTIC:
            self.units += age_issues(self.root_type, location, value)
            self.rules += characteristic_rules(self._element(child, location, value))
        elif check == DOSE_AND_RATE:
            self.rules += dose_rules(self._element(child, location, value))

    def coding(self, child: Child, location: str, value: Mapping[str, Any]) -> None:
        system, code = value.get("system"), value.get("code")
        if system == UCUM_SYSTEM:
            self.units += code_issues(self.root_type, value, location, time=False)
        if isinstance(system, str) and isinstance(code, str):
            problem = code_problem(system, code, in_r5_extension=self.r5 or self.r5_extensions > 0)
            if problem is not None:
                self.codings.append(coding_finding(self._element(child, location, value), problem))

    def strings_of(self, child: Child, location: str, value: Any) -> None:
        """Check a string element, or each of a list of them, at `location`."""
        if isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, str) and "\\" in item:
                    self.string(child, f"{location}[{index}]", item)
        elif isinstance(value, str) and "\\" in value:
            self.string(child, location, value)

    def string(self, child: Child, location: str, value: str) -> None:
        if MARKDOWN_ESCAPE.search(value):
            self.rules += string_rules(self._element(child, location, value))

    def canonical(self, location: str, value: str) -> None:
        if self.contained is None:
            self.contained = contained_ids(self.root)
        issue = local_canonical_issue(self.root, location, value, self.contained)
        if issue is not None:
            self.references.append(issue)

    def reference(self, location: str, reference: str) -> None:
        if reference.startswith("urn:uuid:") and reference in self.targets.full_urls:
            return  # the usual case: an entry's fullUrl
        issue = reference_issue(ReferenceSite(self.root_type, location, reference), reference, self.targets)
        if issue is not None:
            self.references.append(issue)

    def _element(self, child: Child, location: str, value: Any) -> Element:
        """Return the Element walk_resource makes for this child, for the layers' functions."""
        return child_element(child, location, value, extension=None, resource=self.current, root=self.root)
