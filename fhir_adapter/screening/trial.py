"""A trial's eligibility as the screening reads it: criteria, each with the Group characteristics it became.

The Group follows the project's R4 representation (docs/eligibility-r4.md): every characteristic from a
written criterion carries the `eligibility-criterion` extension ("inclusion 4") and the verbatim text in
`code.text`; alternatives and conditions R4 cannot state are one characteristic with the
`eligibility-logic` extension (`any-of`, `conditional`) and no coded value. Characteristics from CT.gov's
structured fields (age range, sex, healthy volunteers) have no criterion number and are named by their code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fhir_adapter.errors import InputError
from fhir_adapter.terms import (
    CHARACTERISTIC_SYSTEM,
    PROJECT_BASE,
    SNOMED_AGE,
    SNOMED_SYSTEM,
    in_default_namespace,
)

EXT_CRITERION = f"{PROJECT_BASE}/StructureDefinition/eligibility-criterion"
EXT_LOGIC = f"{PROJECT_BASE}/StructureDefinition/eligibility-logic"
_AXES = re.compile(r" \[| in | by | \(")
INCLUSION = "inclusion"
EXCLUSION = "exclusion"
VALUE_KEYS = ("valueCodeableConcept", "valueBoolean", "valueQuantity", "valueRange", "valueReference")

Json = dict[str, Any]
Code = tuple[str, str]


@dataclass(frozen=True)
class Characteristic:
    """One Group.characteristic: its codes, value[x] (as {"valueQuantity": {...}}), exclude and logic."""

    label: str
    text: str
    codes: tuple[Code, ...]
    value: Mapping[str, Any]
    exclude: bool
    logic: str | None = None
    code_display: str | None = None

    @property
    def display(self) -> str:
        """Return a short name for the characteristic's measure: its coding's display, or its code."""
        return (
            short_name(self.code_display)
            if self.code_display
            else (self.codes[0][1] if self.codes else "text")
        )


@dataclass(frozen=True)
class Criterion:
    """One written criterion (or one structured field) and the characteristics that state it, in order."""

    label: str
    section: str
    text: str
    characteristics: tuple[Characteristic, ...]


@dataclass(frozen=True)
class ScreeningTrial:
    """The trial being screened: NCT id, title, criteria, and the study's reference on a server if known."""

    nct_id: str
    title: str | None
    criteria: tuple[Criterion, ...]
    study_reference: str | None = None


def short_name(display: str) -> str:
    """Return a LOINC or SNOMED CT display without its axes: what a clinician calls the measure.

    >>> short_name("Platelets [#/volume] in Blood by Automated count")
    'Platelets'
    >>> short_name("Life expectancy [Time] Estimated")
    'Life expectancy'
    >>> short_name("Creatinine renal clearance in 24 hour Urine and Serum or Plasma")
    'Creatinine renal clearance'
    >>> short_name("Viral hepatitis type C (disorder)"), short_name("Q-T interval corrected")
    ('Viral hepatitis type C', 'Q-T interval corrected')
    """
    return _AXES.split(display, maxsplit=1)[0].strip() or display


def trial_from_group(
    group: Mapping[str, Any], *, nct_id: str, title: str | None = None, study_reference: str | None = None
) -> ScreeningTrial:
    """Return the trial's criteria read from its eligibility Group (any resource following our contract)."""
    if group.get("resourceType") != "Group":
        raise InputError("the eligibility resource is not a Group", nct_id=nct_id, field="resourceType")
    group = in_default_namespace(group)  # a Group written under a deployment's identifier base
    raw = group.get("characteristic") or []
    if not isinstance(raw, list):
        raise InputError("Group.characteristic is not a list", nct_id=nct_id, field="Group.characteristic")
    characteristics = [read_characteristic(item, index) for index, item in enumerate(raw, start=1)]
    return ScreeningTrial(nct_id, title, group_criteria(characteristics), study_reference)


def read_characteristic(item: Any, index: int) -> Characteristic:
    """Return one Group.characteristic as a Characteristic (`index` names it when nothing else does)."""
    if not isinstance(item, dict):
        raise InputError(f"characteristic {index} is not an object", field="Group.characteristic")
    code: dict[str, Any] = item["code"] if isinstance(item.get("code"), dict) else {}
    codings = [c for c in code.get("coding") or [] if isinstance(c, dict) and c.get("code")]
    codes = tuple((str(c.get("system", "")), str(c["code"])) for c in codings)
    value = {key: item[key] for key in VALUE_KEYS if key in item}
    text = str(code.get("text") or "")
    return Characteristic(
        label=_extension(item, EXT_CRITERION) or _structured_label(codes, index),
        text=" ".join(text.split()),
        codes=codes,
        value=value,
        exclude=item.get("exclude") is True,
        logic=_extension(item, EXT_LOGIC),
        code_display=next((str(c["display"]) for c in codings if c.get("display")), None),
    )


def group_criteria(characteristics: Iterable[Characteristic]) -> tuple[Criterion, ...]:
    """Return the criteria in order of first appearance, each with all its characteristics."""
    order: dict[str, list[Characteristic]] = {}
    for characteristic in characteristics:
        order.setdefault(characteristic.label, []).append(characteristic)
    return tuple(
        Criterion(label, _section(label, items), _criterion_text(items), tuple(items))
        for label, items in order.items()
    )


def _extension(item: Mapping[str, Any], url: str) -> str | None:
    for extension in item.get("extension") or []:
        if isinstance(extension, dict) and extension.get("url") == url:
            value = extension.get("valueString") or extension.get("valueCode")
            return str(value) if value else None
    return None


def _structured_label(codes: tuple[Code, ...], index: int) -> str:
    for system, code in codes:
        if system == SNOMED_SYSTEM and code == SNOMED_AGE:
            return "age"
        if system == CHARACTERISTIC_SYSTEM:
            return code.replace("-", " ")
    return f"characteristic {index}"


def _section(label: str, items: list[Characteristic]) -> str:
    first = label.split(" ", 1)[0]
    if first in (INCLUSION, EXCLUSION):
        return first
    return EXCLUSION if all(c.exclude for c in items) else INCLUSION


def _criterion_text(items: list[Characteristic]) -> str:
    return next((c.text for c in items if c.text), "")
