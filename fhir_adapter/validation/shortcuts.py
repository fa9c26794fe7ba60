"""Plain-Python answers to the FHIRPath invariants evaluated most often, where the answer is sure.

fhirpathpy costs 0.1-3 ms an evaluation; over fhir-adapter's Bundles it was most of the time of full
validation (issue 16): ref-1 on every Reference, ext-1 on every Extension, cpt-2 on every ContactPoint, and
the Bundle rules bdl-3/4/5/7/8, which walk every entry. Each function here says only "this invariant surely
holds on this element" (True), for the plain shapes fhir-adapter and most servers write; anything else
(False: a failure, a primitive's `_name` object, an empty value, an unusual type) still goes to fhirpathpy,
so a finding is always fhirpathpy's own. Each is keyed by the exact FHIRPath expression it answers, as
fhirpathpy evaluates it (after invariants.REWRITES): an invariant whose expression differs (a new release, a
changed rewrite) is never answered here.
tests/validation/test_shortcuts.py checks, on every element of HL7's R4 examples and of the fixtures'
Bundles, that fhirpathpy finds nothing wherever a function here says "holds".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from fhir_adapter.validation.elements import Element

Shortcut = Callable[[Element], bool]

UCUM = "http://unitsofmeasure.org"
_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_REQUEST_TYPES = frozenset({"batch", "transaction", "history"})
_RESPONSE_TYPES = frozenset({"batch-response", "transaction-response", "history"})


def is_plain(data: Any) -> bool:
    """Return True for an object whose elements all have an unambiguous presence: no `_name` object, no
    null, empty string, empty list or empty object (FHIRPath's exists() on those depends on the engine).

    >>> is_plain({"system": "phone", "value": "1"}), is_plain({"value": ""}), is_plain({"_value": {}})
    (True, False, False)
    """
    if not isinstance(data, dict):
        return False
    for key, value in data.items():  # noqa: SIM110 - a loop, not all(): runs on most elements of a Bundle
        if key[:1] == "_" or value is None or value in ("", [], {}):
            return False
    return True


def _absent_or_plain_str(data: Mapping[str, Any], name: str) -> bool:
    return name not in data or isinstance(data[name], str)


def _ref_1(element: Element) -> bool:
    """reference.startsWith('#').not() or (reference.substring(1) in %rootResource.contained.id)"""
    data = element.value
    if not is_plain(data):
        return False
    reference = data.get("reference")
    return reference is None or (isinstance(reference, str) and not reference.startswith("#"))


def _ext_1(element: Element) -> bool:
    """extension.exists() != value.exists()"""
    data = element.value
    if not is_plain(data) or not isinstance(data.get("extension", []), list):
        return False
    has_value = any(key.startswith("value") for key in data)
    return ("extension" in data) != has_value


def _empty_or_exists(empty: str, exists: str) -> Shortcut:
    """`empty.empty() or exists.exists()` (cpt-2, qty-3, tim-1, tim-2, tim-6, tim-7, tim-8)."""

    def holds(element: Element) -> bool:
        data = element.value
        return is_plain(data) and (empty not in data or exists in data)

    return holds


def _absent(*names: str) -> Shortcut:
    """`name.empty()` for each name (sqty-1, grp-1 when no member, tim-10 ...): holds when none is there."""

    def holds(element: Element) -> bool:
        data = element.value
        return is_plain(data) and not any(name in data for name in names)

    return holds


def _either_absent(first: str, second: str) -> Shortcut:
    """`first.empty() or second.empty() or ...`: holds when one of the two is not there (rng-2, tim-10)."""

    def holds(element: Element) -> bool:
        data = element.value
        return is_plain(data) and (first not in data or second not in data)

    return holds


def _per_1(element: Element) -> bool:
    """start.hasValue().not() or end.hasValue().not() or (start <= end): sure for dates of one precision."""
    data = element.value
    if not is_plain(data):
        return False
    start, end = data.get("start"), data.get("end")
    if start is None or end is None:
        return True
    return (
        isinstance(start, str)
        and isinstance(end, str)
        and len(start) == len(end)
        and _DATE.fullmatch(start) is not None
        and _DATE.fullmatch(end) is not None
        and start <= end
    )


def _org_1(element: Element) -> bool:
    """(identifier.count() + name.count()) > 0"""
    data = element.value
    return is_plain_resource(data) and ("identifier" in data or "name" in data)


def _non_negative(name: str) -> Shortcut:
    """`name.exists() implies name >= 0` (tim-4, tim-5)."""

    def holds(element: Element) -> bool:
        data = element.value
        if not is_plain(data):
            return False
        number = data.get(name)
        return number is None or (type(number) in (int, float) and number >= 0)

    return holds


def _matches(name: str, pattern: str) -> Shortcut:
    """`name.matches(pattern)` (adf-0, pdf-0 ...): fhirpathpy's matches() is re.search, empty when `name` is
    absent (the invariant holds)."""
    compiled = re.compile(pattern, re.DOTALL)

    def holds(element: Element) -> bool:
        data = element.value
        if not isinstance(data, dict) or f"_{name}" in data:
            return False
        value = data.get(name)
        if value is None:
            return name not in data
        return isinstance(value, str) and compiled.search(value) is not None

    return holds


def _rng_2(element: Element) -> bool:
    """rng-2 as rewritten (invariants.REWRITES): sure when low or high or a value is absent, or both values
    are numbers with the same unit code, in order."""
    data = element.value
    if not is_plain(data):
        return False
    low, high = data.get("low"), data.get("high")
    if low is None or high is None:
        return True
    if not (is_plain(low) and is_plain(high)):
        return False
    low_value, high_value = low.get("value"), high.get("value")
    if low_value is None or high_value is None:
        return True
    if type(low_value) not in (int, float) or type(high_value) not in (int, float):
        return False
    code = low.get("code")
    return isinstance(code, str) and code == high.get("code") and low_value <= high_value


def _contained_without(name: str) -> Shortcut:
    """`contained.<name>...empty()` (dom-2: contained.contained, dom-4 and dom-5: contained.meta...): holds
    when no contained resource has `name`."""

    def holds(element: Element) -> bool:
        contained = element.value.get("contained") if isinstance(element.value, dict) else None
        return isinstance(contained, list) and all(
            isinstance(resource, dict) and name not in resource for resource in contained
        )

    return holds


def _drt_1(element: Element) -> bool:
    """code.exists() implies ((system = %ucum) and value.exists())"""
    data = element.value
    return is_plain(data) and ("code" not in data or (data.get("system") == UCUM and "value" in data))


def _dom_6(element: Element) -> bool:
    """text.`div`.exists()"""
    text = element.value.get("text") if isinstance(element.value, dict) else None
    return isinstance(text, dict) and is_plain(text) and isinstance(text.get("div"), str)


def is_plain_resource(data: Any) -> bool:
    """Return True for a resource whose top-level elements are all plain (see is_plain); its resourceType
    aside, which is no element."""
    return isinstance(data, dict) and is_plain({k: v for k, v in data.items() if k != "resourceType"})


def _bundle_type(element: Element) -> str | None:
    kind = element.value.get("type") if isinstance(element.value, dict) else None
    return kind if isinstance(kind, str) and kind else None


def _plain_entries(bundle: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """Return a Bundle's entries when every one is a plain object (see is_plain), else None."""
    entries = bundle.get("entry", [])
    if not isinstance(entries, list) or "_entry" in bundle:
        return None
    return entries if all(is_plain(entry) for entry in entries) else None


def _entries_have(part: str, types: frozenset[str]) -> Shortcut:
    """entry.all(part.exists() = (%resource.type in types)) (bdl-3: request, bdl-4: response)."""

    def holds(element: Element) -> bool:
        kind = _bundle_type(element)
        entries = _plain_entries(element.value) if kind is not None else None
        if entries is None:
            return False
        expected = kind in types
        return all(isinstance(entry.get(part, {}), dict) and (part in entry) == expected for entry in entries)

    return holds


def _bdl_7(element: Element) -> bool:
    """(type = 'history') or entry.where(fullUrl.exists()).select(fullUrl&resource.meta.versionId)
    .isDistinct(). Sure when no entry's resource has a meta (the usual case): then the keys are the fullUrls.
    """
    kind = _bundle_type(element)
    entries = _plain_entries(element.value) if kind is not None else None
    if entries is None:
        return False
    if kind == "history":
        return True
    urls = []
    for entry in entries:
        resource = entry.get("resource")
        if isinstance(resource, dict) and "meta" in resource:
            return False
        if "fullUrl" in entry:
            if not isinstance(entry["fullUrl"], str):
                return False
            urls.append(entry["fullUrl"])
    return len(set(urls)) == len(urls)


def _bdl_5(element: Element) -> bool:
    """resource.exists() or request.exists() or response.exists()"""
    data = element.value
    return is_plain(data) and any(part in data for part in ("resource", "request", "response"))


def _bdl_8(element: Element) -> bool:
    """fullUrl.exists() implies fullUrl.contains('/_history/').not()"""
    data = element.value
    return (
        is_plain(data)
        and _absent_or_plain_str(data, "fullUrl")
        and "/_history/" not in data.get("fullUrl", "")
    )


def _unless_type(*types: str) -> Shortcut:
    """`type = X implies ...` (bdl-9 to bdl-12): holds for a Bundle whose type is another one."""

    def holds(element: Element) -> bool:
        kind = _bundle_type(element)
        return kind is not None and kind not in types

    return holds


def _bdl_1(element: Element) -> bool:
    """total.empty() or (type = 'searchset') or (type = 'history')"""
    data = element.value
    return _bundle_type(element) is not None and "total" not in data and "_total" not in data


def _bdl_2(element: Element) -> bool:
    """entry.search.empty() or (type = 'searchset')"""
    entries = _plain_entries(element.value) if _bundle_type(element) else None
    return entries is not None and not any("search" in entry for entry in entries)


# FHIRPath expression (as in the StructureDefinitions) -> the Python shortcut that answers it.
SHORTCUTS: Mapping[str, Shortcut] = {
    "reference.startsWith('#').not() or (reference.substring(1).trace('url') in "
    "%rootResource.contained.id.trace('ids'))": _ref_1,
    "extension.exists() != value.exists()": _ext_1,
    "value.empty() or system.exists()": _empty_or_exists("value", "system"),
    "code.empty() or system.exists()": _empty_or_exists("code", "system"),
    "duration.empty() or durationUnit.exists()": _empty_or_exists("duration", "durationUnit"),
    "period.empty() or periodUnit.exists()": _empty_or_exists("period", "periodUnit"),
    "periodMax.empty() or period.exists()": _empty_or_exists("periodMax", "period"),
    "durationMax.empty() or duration.exists()": _empty_or_exists("durationMax", "duration"),
    "countMax.empty() or count.exists()": _empty_or_exists("countMax", "count"),
    "timeOfDay.empty() or when.empty()": _either_absent("timeOfDay", "when"),
    "low.empty() or high.empty() or (low <= high)": _either_absent("low", "high"),
    "low.empty() or high.empty() or low.value.empty() or high.value.empty() or (low.code ~ high.code).not() "
    "or (low.value <= high.value)": _rng_2,
    "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')": _matches("name", "[A-Z]([A-Za-z0-9_]){0,254}"),
    "contained.contained.empty()": _contained_without("contained"),
    "contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()": _contained_without("meta"),
    "contained.meta.security.empty()": _contained_without("meta"),
    "duration.exists() implies duration >= 0": _non_negative("duration"),
    "period.exists() implies period >= 0": _non_negative("period"),
    "offset.empty() or (when.exists() and when.select($this in ('C' | 'CM' | 'CD' | 'CV')).allFalse())": (
        _absent("offset")
    ),
    "comparator.empty()": _absent("comparator"),
    "member.empty() or (actual = true)": _absent("member"),
    "start.hasValue().not() or end.hasValue().not() or (start <= end)": _per_1,
    "(identifier.count() + name.count()) > 0": _org_1,
    "code.exists() implies ((system = %ucum) and value.exists())": _drt_1,
    "text.`div`.exists()": _dom_6,
    "total.empty() or (type = 'searchset') or (type = 'history')": _bdl_1,
    "entry.search.empty() or (type = 'searchset')": _bdl_2,
    "entry.all(request.exists() = (%resource.type = 'batch' or %resource.type = 'transaction' or "
    "%resource.type = 'history'))": _entries_have("request", _REQUEST_TYPES),
    "entry.all(response.exists() = (%resource.type = 'batch-response' or "
    "%resource.type = 'transaction-response' or %resource.type = 'history'))": _entries_have(
        "response", _RESPONSE_TYPES
    ),
    "resource.exists() or request.exists() or response.exists()": _bdl_5,
    "fullUrl.exists() implies fullUrl.contains('/_history/').not()": _bdl_8,
    "(type = 'history') or entry.where(fullUrl.exists()).select(fullUrl&resource.meta.versionId)"
    ".isDistinct()": _bdl_7,
    "type = 'document' implies (identifier.system.exists() and identifier.value.exists())": _unless_type(
        "document"
    ),
    "type = 'document' implies (timestamp.hasValue())": _unless_type("document"),
    "type = 'document' implies entry.first().resource.is(Composition)": _unless_type("document"),
    "type = 'message' implies entry.first().resource.is(MessageHeader)": _unless_type("message"),
}


def shortcut_for(expression: str) -> Shortcut | None:
    """Return the Python shortcut that answers `expression` where it surely holds, None when there is none."""
    return SHORTCUTS.get(expression)
