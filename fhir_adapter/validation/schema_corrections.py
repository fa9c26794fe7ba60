"""Corrections to the published R4 JSON Schema (fhir.schema.json, FHIR 4.0.1), each with its reason.

The schema file stays byte for byte what npm ships (scripts/fetch_r4_schema.py checks its SHA-256); these
corrections are applied when it is loaded, and a test checks each one still finds what it corrects:
- FHIR version codes: the schema's fhirVersion enums stop at 4.0.0; R4's own FHIR-version CodeSystem
  (4.0.1) ends with 4.0.1, the version every R4 StructureDefinition, CapabilityStatement and
  ImplementationGuide names.
- `_name` for canonical elements: FHIR JSON lets every primitive carry `_name` (id, extensions); the schema's
  generator left it out for elements of type canonical (StructureDefinition._baseDefinition ...).
- Patterns: FHIR's regexes use XML Schema's `\\s` (space, TAB, LF, CR only); Python's `\\s` also matches
  U+00A0, U+2028, U+202F, U+3000, U+0085 ..., so `[ \\r\\n\\t\\S]+` refused valid strings. Each pattern is
  rewritten over explicit characters. FHIR forbids the characters below U+0020 other than TAB, CR and LF,
  so `\\S` becomes "neither XML whitespace nor such a control character". base64Binary's pattern is also
  written without its nested `\\s*` (same language, linear instead of exponential on a long non-match).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MISSING_FHIR_VERSION = "4.0.1"
LAST_SCHEMA_FHIR_VERSION = "4.0.0"

_NOT_XML_SPACE = r"[^\x00-\x20]"  # XML Schema \S, less the control characters FHIR forbids
_FORBIDDEN_CONTROLS = r"\x00-\x08\x0b\x0c\x0e-\x1f"
_XML_SPACE = r"[ \t\n\r]"

# The schema's pattern -> the same rule over explicit characters (XML Schema regex semantics).
PATTERNS: Mapping[str, str] = {
    r"^[ \r\n\t\S]+$": rf"^[^{_FORBIDDEN_CONTROLS}]+$",  # string, markdown: any character but controls
    r"^\S*$": rf"^{_NOT_XML_SPACE}*$",  # uri, url, canonical
    r"^[^\s]+(\s[^\s]+)*$": rf"^{_NOT_XML_SPACE}+({_XML_SPACE}{_NOT_XML_SPACE}+)*$",  # code
    r"^(\s*([0-9a-zA-Z\+/=]){4}\s*)+$": rf"^{_XML_SPACE}*([0-9a-zA-Z+/=]{{4}}{_XML_SPACE}*)+$",  # base64
}


def fhir_pattern(pattern: str) -> str:
    r"""Return `pattern` with FHIR's (XML Schema's) meaning of `\s` spelled out, or as it is.

    >>> import re
    >>> bool(re.match(fhir_pattern(r"^[ \r\n\t\S]+$"), "Age\u00a0\u2265\u202f18\u3000years\u2028"))
    True
    >>> bool(re.match(fhir_pattern(r"^[ \r\n\t\S]+$"), "bell\x07"))
    False
    """
    return PATTERNS.get(pattern, pattern)


def correct_definitions(definitions: dict[str, Any]) -> dict[str, Any]:
    """Return the schema's definitions with every correction above applied (the input is not changed)."""
    corrected: dict[str, Any] = {}
    for name, definition in definitions.items():
        properties = definition.get("properties") if isinstance(definition, dict) else None
        if properties is None:
            corrected[name] = _with_pattern(definition)
            continue
        fixed = {key: _with_pattern(_with_fhir_version(value)) for key, value in properties.items()}
        for key, value in properties.items():
            if _type_of(value) == "canonical" and f"_{key}" not in properties:
                fixed[f"_{key}"] = _element_like(value)
        corrected[name] = {**definition, "properties": fixed}
    return corrected


def _type_of(prop: Mapping[str, Any]) -> str:
    ref = prop.get("$ref") or prop.get("items", {}).get("$ref", "")
    return str(ref).rsplit("/", 1)[-1]


def _element_like(prop: Mapping[str, Any]) -> dict[str, Any]:
    element = {"$ref": "#/definitions/Element"}
    return {"type": "array", "items": element} if prop.get("type") == "array" else element


def _with_fhir_version(prop: Any) -> Any:
    if not isinstance(prop, dict):
        return prop
    if prop.get("type") == "array" and isinstance(prop.get("items"), dict):
        return {**prop, "items": _with_fhir_version(prop["items"])}
    codes = prop.get("enum")
    if isinstance(codes, list) and codes and codes[-1] == LAST_SCHEMA_FHIR_VERSION:
        return {**prop, "enum": [*codes, MISSING_FHIR_VERSION]}
    return prop


def _with_pattern(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    if value.get("type") == "array" and isinstance(value.get("items"), dict):
        return {**value, "items": _with_pattern(value["items"])}
    if isinstance(value.get("pattern"), str):
        return {**value, "pattern": fhir_pattern(value["pattern"])}
    return value
