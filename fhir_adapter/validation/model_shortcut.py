"""A plain-Python "the model surely accepts this resource", so the model layer runs only where it may report.

The fhir.resources R4B models cost about 0.2 ms a resource, most of the time of full validation on
fhir-adapter's Bundles (issue 16), and they report nothing on almost every resource. What they check beyond
the R4 JSON Schema is known: they are built from the same definitions, and the schema layer already rejects
unknown elements and wrong primitive values. `surely_accepted` answers True only when, besides a clean schema
result, every object of the resource has the shape the model asks for, read from the model classes
themselves:

- each key is an element of the model (its alias), with a value that is not null, a non-empty list for a
  repeating element and no list for another, and an object for a complex one;
- each primitive value passes the model's own type for that element (pydantic's validator of the field's
  annotation, with a bounded cache of values already seen);
- every required element is there (the model's required fields and get_required_fields()), and of each
  choice group (value[x]) at most one, and one when the group is required (get_one_of_many_fields());
- a primitive's `_name` object has an `id` or an `extension` (FHIRPrimitiveExtension's own rule);
- a contained resource has its own type's model, and passes the same test.

Anything else (a null, an empty list, a `_name` list, a type without R4 elements in R4B ...) answers False,
and the model runs as before: the model's findings stay exactly the model's. It is used only after the
schema layer found nothing (layers.py). tests/validation/test_model_shortcut.py checks, on every resource of
HL7's R4 examples, the fixtures and broken variants of them, that the model finds nothing wherever this says
True.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pydantic
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.resource import Resource

from fhir_adapter.validation.model import r4_model_class

PRIMITIVE, COMPLEX, RESOURCE = 0, 1, 2  # what an element of a model holds
_MODEL_TYPE = re.compile(r"\.(\w+)Type\b")
MAX_CACHED_VALUES = 4_096  # primitive values remembered as valid per element; started over when full
_SCALARS = (str, int, float, bool)


@dataclass(slots=True)
class _Element:
    """One element of a model: whether it repeats, what it holds, and how its values are checked."""

    repeats: bool
    kind: int
    type_name: str  # the model class of a complex element ("" otherwise)
    adapter: pydantic.TypeAdapter[Any] | None  # a primitive element's item type
    shape: _Shape | None = None  # a complex element's shape, filled in when first needed
    # a primitive element's values known valid (a string as itself, another scalar as (type, value): 1 and
    # True are equal keys, not equal values); started over when full, so memory stays flat
    valid: dict[Any, None] = field(default_factory=dict)


@dataclass(slots=True)
class _Shape:
    """What the model asks of one object: its elements by JSON name, the elements it requires, its choice
    groups (aliases, required), its resourceType (a resource) and whether it is a `_name` object."""

    elements: dict[str, _Element]
    required: frozenset[str]
    choices: tuple[tuple[frozenset[str], bool], ...]
    resource_type: str | None  # a resource's type (its resourceType), None for a datatype or backbone
    primitive_extension: bool = False


def surely_accepted(resource: Mapping[str, Any]) -> bool:
    """Return True when the R4B model (validation/model.py) surely reports nothing on `resource`, whose R4
    schema check found nothing; False when it may report something (then the model must run)."""
    resource_type = str(resource.get("resourceType", "?"))
    cls = r4_model_class(resource_type)
    if cls is None:
        return True  # no model with R4's elements: the model layer does not run on this type
    try:
        return _accepts(resource, _shape(resource_type))
    except RecursionError:  # nested deeper than Python recurses: the model decides, as before
        return False


def _accepts(data: Any, shape: _Shape) -> bool:
    return isinstance(data, dict) and _elements_accepted(data, shape) and _rules_hold(data, shape)


def _elements_accepted(data: dict[str, Any], shape: _Shape) -> bool:
    """Return True when every key of `data` is an element of the model, with a value the model accepts."""
    elements = shape.elements
    for key, value in data.items():
        element = elements.get(key)
        if element is None:
            if key != "resourceType" or value != shape.resource_type:
                return False
        elif not _value_accepted(element, value):
            return False
    return True


def _value_accepted(element: _Element, value: Any) -> bool:
    if value is None:
        return False
    if not element.repeats:
        return type(value) is not list and _item_accepted(element, value)
    if type(value) is not list or not value:
        return False
    for item in value:  # noqa: SIM110 - a loop, not all(): this runs on every element
        if not _item_accepted(element, item):
            return False
    return True


def _rules_hold(data: dict[str, Any], shape: _Shape) -> bool:
    """Return True when `data` has every required element, and at most one of each choice group (one when
    the group is required)."""
    keys = data.keys()
    if not keys >= shape.required:
        return False
    for group, required in shape.choices:
        present = len(keys & group)
        if present > 1 or (required and present == 0):
            return False
    return not shape.primitive_extension or "id" in data or "extension" in data


def _item_accepted(element: _Element, value: Any) -> bool:
    kind = element.kind
    if kind == PRIMITIVE:
        return _primitive_accepted(element, value)
    if not isinstance(value, dict):
        return False
    if kind == COMPLEX:
        shape = element.shape
        if shape is None:
            shape = element.shape = _shape(element.type_name)
        return _accepts(value, shape)
    resource_type = value.get("resourceType")
    if not isinstance(resource_type, str) or r4_model_class(resource_type) is None:
        return False
    return _accepts(value, _shape(resource_type))


def _primitive_accepted(element: _Element, value: Any) -> bool:
    kind = type(value)
    if kind is str:
        key: Any = value
    elif kind in _SCALARS:
        key = (kind, value)
    else:
        return False
    if key in element.valid:
        return True
    if element.adapter is None:
        return False
    try:
        element.adapter.validate_python(value)
    except (pydantic.ValidationError, ValueError, TypeError):
        return False
    if len(element.valid) >= MAX_CACHED_VALUES:
        element.valid.clear()
    element.valid[key] = None
    return True


@cache
def _shape(type_name: str) -> _Shape:
    """Return what the R4B model class `type_name` asks of an object (worked out once per class)."""
    cls = get_fhir_model_class(type_name)
    instance = cls.model_construct()
    elements: dict[str, _Element] = {}
    aliases: dict[str, str] = {}
    required: list[str] = []
    for name, info in cls.model_fields.items():
        alias = info.alias or name
        aliases[name] = alias
        elements[alias] = _element(info.annotation)
        if info.is_required():
            required.append(alias)
    for name, _extension in instance.get_required_fields():
        required.append(aliases.get(name, name))
    choices = tuple(
        (frozenset(aliases.get(name, name) for name in names), _choice_required(cls, names))
        for names in instance.get_one_of_many_fields().values()
    )
    return _Shape(
        elements,
        frozenset(required),
        choices,
        type_name if issubclass(cls, Resource) else None,
        primitive_extension=type_name == "FHIRPrimitiveExtension",
    )


def _choice_required(cls: Any, names: list[str]) -> bool:
    extra = cls.model_fields[names[0]].json_schema_extra or {}
    return extra.get("one_of_many_required") is True


def _element(annotation: Any) -> _Element:
    """Return how an element with this annotation is checked."""
    item, repeats = _item_type(annotation)
    text = str(item)
    match = _MODEL_TYPE.search(text) if "Annotated" not in text else None
    if match is None:
        adapter = pydantic.TypeAdapter(item) if item is not None else None
        return _Element(repeats, PRIMITIVE, "", adapter)
    if match.group(1) == "Resource":
        return _Element(repeats, RESOURCE, "", None)
    return _Element(repeats, COMPLEX, match.group(1), None)


def _item_type(annotation: Any) -> tuple[Any, bool]:
    """Return (the type of one value, whether the element repeats) from a field's annotation; None for a type
    that is neither one item nor a list of them (fhir_comments)."""
    inner = _without_none(annotation)
    if typing.get_origin(inner) is list:
        return _without_none(typing.get_args(inner)[0]), True
    if typing.get_origin(inner) in (typing.Union, types.UnionType):
        return None, False
    return inner, False


def _without_none(annotation: Any) -> Any:
    """Return `annotation` without its `| None` (Optional[X] -> X); a union of several types as it is."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [arg for arg in args if arg is not type(None)]
        return rest[0] if len(rest) == 1 else annotation
    return annotation
