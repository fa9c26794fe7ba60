"""Layer 6: the project's own rules, which FHIR leaves optional but fhir-adapter's users rely on. They run
on fhir-adapter's output (layers.RuleSet).

- Every ResearchStudy carries its NCT number: identifier system https://clinicaltrials.gov, value NCT + 8
  digits (docs/architecture.md, "Identifiers and codes"); that is how a re-sync finds the study on the
  server again.
- Every Group characteristic keeps the verbatim criterion in code.text, coded or not (docs/architecture.md,
  "The eligibility Group"), and states no more and no less than that text (eligibility_rules,
  docs/eligibility-r4.md).
- Every dose (Dosage.doseAndRate doseQuantity, doseRange low and high) has a UCUM unit: system and code; a
  dose per day is a doseQuantity with a once-a-day Timing, never a rate (rate* is the speed of an infusion).
- Every code exists in its code system (codes.py).
- No Markdown escape (`\\>`, `m\\^2`) in a string element; markdown elements keep their Markdown.

The first three are errors. The rest, the semantic self-check of issue 10 (eligibility logic, daily doses,
codes, Markdown escapes), report SELF_CHECK_SEVERITY: warnings for now, so `convert` still writes such a
Bundle and prints the findings, and `validate --strict` (as the project's own tests run it) fails on them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from fhir_adapter.terms import NCT_SYSTEM, UCUM_SYSTEM
from fhir_adapter.validation.codes import check_codings
from fhir_adapter.validation.elements import Element
from fhir_adapter.validation.eligibility_rules import check_group
from fhir_adapter.validation.issues import Severity, ValidationIssue

LAYER = "project"
SELF_CHECK_SEVERITY: Severity = "warning"
NCT_NUMBER = re.compile(r"^NCT\d{8}$")
# CommonMark's backslash escapes: a backslash before ASCII punctuation.
MARKDOWN_ESCAPE = re.compile(r"\\[!-/:-@\[-`{-~]")
# A UCUM unit per day: "/d", "/24.h"; a Ratio's denominator of one day.
PER_DAY = re.compile(r"/(?:d|24\.h|\(24\.h\))$")
DAY_UNITS = frozenset({"d", "24.h"})


def check_rules(elements: list[Element], *, r5: bool = False) -> list[ValidationIssue]:
    """Return where `elements` break the project's rules (`r5`: R5 output, checked with R5's codes)."""
    issues: list[ValidationIssue] = []
    for element in elements:
        value = element.value
        if not isinstance(value, dict):
            if element.type_name == "string" and isinstance(value, str):
                issues += string_rules(element)
            continue
        if value is element.resource:
            issues += resource_rules(element)
        elif element.path == "Group.characteristic":
            issues += characteristic_rules(element)
        elif element.path == "Dosage.doseAndRate":
            issues += dose_rules(element)
    codings = check_codings(elements, r5=r5)
    issues += [coding_finding(element, why) for element, why in codings]
    return issues


# What check_rules checks per element, by kind (self_check.py calls them too, on the elements it picks).


def string_rules(element: Element) -> list[ValidationIssue]:
    """Return the rules' findings on a string element (a Markdown escape)."""
    return _markdown_escape(element) if "\\" in element.value else []


def resource_rules(element: Element) -> list[ValidationIssue]:
    """Return the rules' findings on a resource element itself: a ResearchStudy's NCT number, a Group's
    eligibility logic."""
    if element.type_name == "ResearchStudy":
        return _nct_identifier(element)
    if element.type_name == "Group":
        return [
            _finding(element, f"{element.location}.characteristic[{index}]", message)
            for index, message in check_group(element.value)
        ]
    return []


def characteristic_rules(element: Element) -> list[ValidationIssue]:
    """Return the rules' findings on a Group.characteristic (the verbatim criterion)."""
    return _verbatim_text(element)


def dose_rules(element: Element) -> list[ValidationIssue]:
    """Return the rules' findings on a Dosage.doseAndRate (UCUM units, a daily dose as a rate)."""
    return _dose_units(element) + _daily_dose_as_rate(element)


def coding_finding(element: Element, why: str) -> ValidationIssue:
    """Return the finding on a Coding whose code is not in its system (`why`, from codes.code_problem)."""
    return _finding(element, f"{element.location}.code", why)


def _issue(element: Element, location: str, message: str) -> ValidationIssue:
    return ValidationIssue(str(element.root.get("resourceType", "?")), location, "error", message, LAYER)


def _finding(element: Element, location: str, message: str) -> ValidationIssue:
    """Return a finding of the semantic self-check (severity SELF_CHECK_SEVERITY)."""
    resource = str(element.root.get("resourceType", "?"))
    return ValidationIssue(resource, location, SELF_CHECK_SEVERITY, message, LAYER)


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


def _daily_dose_as_rate(element: Element) -> list[ValidationIssue]:
    message = (
        "a dose per day is a doseQuantity with a once-a-day Timing (repeat frequency 1, period 1 d), not a "
        "rate: rate* is the speed of an infusion"
    )
    return [
        _finding(element, f"{element.location}.{name}", message)
        for name in ("rateRatio", "rateRange", "rateQuantity")
        if any(_is_per_day(unit) for unit in _rate_units(element.value.get(name), name))
    ]


def _rate_units(rate: Any, name: str) -> Iterator[tuple[str, Any]]:
    """Yield (role, quantity) for each quantity of a rate: the Ratio's denominator, or per-time codes."""
    if not isinstance(rate, dict):
        return
    if name == "rateRatio":
        yield "denominator", rate.get("denominator")
        yield "rate", rate.get("numerator")
    elif name == "rateRange":
        yield "rate", rate.get("low")
        yield "rate", rate.get("high")
    else:
        yield "rate", rate


def _is_per_day(unit: tuple[str, Any]) -> bool:
    role, quantity = unit
    if not isinstance(quantity, dict):
        return False
    codes = [str(quantity.get(key, "")) for key in ("code", "unit")]
    if role == "denominator":
        return any(code in DAY_UNITS or code in ("day", "days") for code in codes)
    return any(PER_DAY.search(code) for code in codes)


def _markdown_escape(element: Element) -> list[ValidationIssue]:
    match = MARKDOWN_ESCAPE.search(element.value)
    if match is None:
        return []
    around = element.value[max(0, match.start() - 20) : match.end() + 20]
    message = (
        f"Markdown escape '{match.group(0)}' in plain text ('...{around}...'): write the character alone"
    )
    return [_finding(element, element.location, message)]
