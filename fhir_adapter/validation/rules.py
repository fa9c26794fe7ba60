"""Layer 6: the project's own rules, which FHIR leaves optional but fhir-adapter's users rely on.

- Every ResearchStudy carries its NCT number: identifier system https://clinicaltrials.gov, value NCT + 8
  digits (DESIGN.md section 4); that is how a re-sync finds the study on the server again.
- Every Group characteristic keeps the verbatim criterion in code.text, coded or not (DESIGN.md section 5).
- Every dose (Dosage.doseAndRate doseQuantity, doseRange low and high) has a UCUM unit: system and code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fhir_adapter.terms import NCT_SYSTEM, UCUM_SYSTEM
from fhir_adapter.validation.elements import Element
from fhir_adapter.validation.issues import ValidationIssue

LAYER = "project"
NCT_NUMBER = re.compile(r"^NCT\d{8}$")


def check_rules(elements: list[Element]) -> list[ValidationIssue]:
    """Return where `elements` break the project's rules."""
    issues: list[ValidationIssue] = []
    for element in elements:
        if not isinstance(element.value, dict):
            continue
        if element.is_resource and element.type_name == "ResearchStudy":
            issues += _nct_identifier(element)
        elif element.path == "Group.characteristic":
            issues += _verbatim_text(element)
        elif element.path == "Dosage.doseAndRate":
            issues += _dose_units(element)
    return issues


def _issue(element: Element, location: str, message: str) -> ValidationIssue:
    return ValidationIssue(str(element.root.get("resourceType", "?")), location, "error", message, LAYER)


def _nct_identifier(element: Element) -> list[ValidationIssue]:
    identifiers = element.value.get("identifier")
    identifiers = identifiers if isinstance(identifiers, list) else []
    nct = [(i, x) for i, x in enumerate(identifiers) if isinstance(x, dict) and x.get("system") == NCT_SYSTEM]
    if not nct:
        text = f"a ResearchStudy needs its NCT number: identifier system {NCT_SYSTEM}, value NCT + 8 digits"
        return [_issue(element, f"{element.location}.identifier", text)]
    return [
        _issue(
            element, f"{element.location}.identifier[{i}].value", f"{x.get('value')!r} is not an NCT number"
        )
        for i, x in nct
        if not NCT_NUMBER.match(str(x.get("value", "")))
    ]


def _verbatim_text(element: Element) -> list[ValidationIssue]:
    code = element.value.get("code")
    text = code.get("text") if isinstance(code, dict) else None
    if isinstance(text, str) and text.strip():
        return []
    message = "a characteristic must keep the verbatim criterion in code.text"
    return [_issue(element, f"{element.location}.code", message)]


def _dose_units(element: Element) -> list[ValidationIssue]:
    doses: list[tuple[str, Any]] = [(f"{element.location}.doseQuantity", element.value.get("doseQuantity"))]
    limits = element.value.get("doseRange")
    if isinstance(limits, dict):
        doses += [(f"{element.location}.doseRange.{end}", limits.get(end)) for end in ("low", "high")]
    return [
        _issue(element, location, f"a dose needs a UCUM unit: system {UCUM_SYSTEM} and a code")
        for location, dose in doses
        if isinstance(dose, Mapping) and not _has_ucum_unit(dose)
    ]


def _has_ucum_unit(quantity: Mapping[str, Any]) -> bool:
    return (
        quantity.get("system") == UCUM_SYSTEM
        and isinstance(quantity.get("code"), str)
        and bool(quantity["code"])
    )
