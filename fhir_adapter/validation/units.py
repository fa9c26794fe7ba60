"""Layer 5: units. Every UCUM unit code is valid UCUM, and a unit of time wherever a duration is meant.

Checked: every Quantity (and SimpleQuantity, Age, Duration, Distance, Count) and every Coding whose system
is UCUM. A unit of time is required in an Age, a Duration (relatedAction.offsetDuration,
Timing.repeat.boundsDuration, ...) and the value of a Group characteristic coded as age (SNOMED 397669002).
Timing.repeat.durationUnit/periodUnit are codes with a required binding, so the schema layer checks them.
`10^` is valid UCUM (the atom exists beside `10*`), so `10^9/L` is a warning, not an error: LOINC, FHIR's
examples and many EHR unit tables know only `10*9/L`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from fhir_adapter.terms import SNOMED_AGE, SNOMED_SYSTEM, UCUM_SYSTEM
from fhir_adapter.validation.elements import Element
from fhir_adapter.validation.issues import ValidationIssue
from fhir_adapter.validation.ucum import UcumError, UcumUnit, atom, parse_ucum

LAYER = "ucum"
QUANTITY_TYPES = frozenset({"Quantity", "SimpleQuantity", "Age", "Duration", "Distance", "Count"})
TIME_TYPES = frozenset({"Age", "Duration"})
# Valid UCUM, but not what was meant where a time is due.
TIME_HINTS = {"m": "a month is 'mo'", "ar": "a year is 'a'", "mm": "a minute is 'min'"}


def check_units(elements: list[Element]) -> list[ValidationIssue]:
    """Return the invalid UCUM codes in `elements`, and the codes that should be units of time but are not."""
    issues: list[ValidationIssue] = []
    for element in elements:
        value = element.value
        if not isinstance(value, dict):
            continue
        if element.type_name in QUANTITY_TYPES or element.type_name == "Coding":
            resource = str(element.root.get("resourceType", "?"))
            issues += code_issues(resource, value, element.location, time=element.type_name in TIME_TYPES)
        elif element.path == "Group.characteristic":
            issues += age_issues(str(element.root.get("resourceType", "?")), element.location, value)
    return issues


def age_issues(resource: str, location: str, characteristic: Mapping[str, Any]) -> list[ValidationIssue]:
    """Return the issues of a Group characteristic at `location` in a `resource` (its root's type): when it
    is coded as an age, its quantities' UCUM codes must be units of time."""
    if not _is_age(characteristic.get("code")):
        return []
    return [
        issue
        for where, quantity in _characteristic_quantities(location, characteristic)
        for issue in code_issues(resource, quantity, where, time=True, syntax=False)
    ]


def code_issues(
    resource: str, value: Mapping[str, Any], location: str, *, time: bool, syntax: bool = True
) -> list[ValidationIssue]:
    """Return the issues of a Quantity or Coding at `location` in a `resource` (its root's type): a UCUM
    code that is not valid UCUM (`syntax`), or (`time`) not a unit of time."""
    code = value.get("code")
    if value.get("system") != UCUM_SYSTEM or not isinstance(code, str):
        return []
    where = f"{location}.code"
    try:
        unit = parse_ucum(code)
    except UcumError as error:
        return [ValidationIssue(resource, where, "error", str(error), LAYER)] if syntax else []
    issues = []
    if syntax and unit.caret:
        better = code.replace("10^", "10*")
        text = f"{code!r} is valid UCUM, but few systems know its 10^ spelling: write {better!r}"
        issues.append(ValidationIssue(resource, where, "warning", text, LAYER))
    if time and not unit.is_time:
        issues.append(ValidationIssue(resource, where, "error", _not_time(unit), LAYER))
    return issues


def _not_time(unit: UcumUnit) -> str:
    row = atom(unit.code)
    meaning = f"UCUM {unit.code!r} is a unit of {row['property']}" if row else "its dimension is not time"
    hint = TIME_HINTS.get(unit.code, "use s, min, h, d, wk, mo or a")
    return f"{unit.code!r} is not a unit of time ({meaning}); {hint}"


def _is_age(code: Any) -> bool:
    codings = code.get("coding", []) if isinstance(code, dict) else []
    return any(
        isinstance(c, dict) and c.get("system") == SNOMED_SYSTEM and c.get("code") == SNOMED_AGE
        for c in codings
    )


def _characteristic_quantities(
    location: str, characteristic: Mapping[str, Any]
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    quantity = characteristic.get("valueQuantity")
    if isinstance(quantity, dict):
        yield f"{location}.valueQuantity", quantity
    limits = characteristic.get("valueRange")
    if isinstance(limits, dict):
        for end in ("low", "high"):
            if isinstance(limits.get(end), dict):
                yield f"{location}.valueRange.{end}", limits[end]
