"""Numeric characteristics (labs, scores, QTc, LVEF, life expectancy) against the latest result in the window.

- Results are matched by the characteristic's code and the equivalents the mapping file declares.
- The latest usable result inside the lookback window decides; an older one is only named (stale).
- Values are converted to the threshold's unit first (units.py); mass <-> molar only with a declared
  molar mass.
- A threshold in `{ULN}` (multiples of the upper limit of normal) is compared with the result divided by its
  own `referenceRange.high`; without one the result is unknown, never compared with a guessed limit.
- Scores (ECOG, Karnofsky) are read from valueInteger, a dimensionless valueQuantity, or a LOINC / SNOMED CT
  answer code (value or interpretation), and compared as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fhir_adapter.screening.evidence import (
    Evidence,
    ScreeningContext,
    codes_of,
    latest_result,
    reference,
    stale_reason,
)
from fhir_adapter.screening.findings import Finding
from fhir_adapter.screening.intervals import INF, Interval, decide, describe
from fhir_adapter.screening.patients import PatientRecord
from fhir_adapter.screening.trial import Characteristic, Code
from fhir_adapter.screening.units import FRACTION, convert, find_unit
from fhir_adapter.terms import UCUM_SYSTEM

ULN = "{ULN}"


@dataclass(frozen=True)
class Reading:
    """A result's value as an interval, in the unit it was recorded in, with how it reads."""

    interval: Interval
    unit: str
    text: str


def evaluate_measure(
    characteristic: Characteristic, patient: PatientRecord, context: ScreeningContext
) -> Finding:
    """Return whether the patient's latest result in the window satisfies the characteristic's value."""
    threshold = read_threshold(characteristic.value)
    if isinstance(threshold, str):
        return Finding(characteristic, None, threshold)
    codes = frozenset().union(*(context.rules.observation_codes(code) for code in characteristic.codes))
    found = latest_result(patient.observations_with(codes), codes, context)
    what = characteristic.display
    if found.in_window is None:
        stale = found.latest
        evidence = (_evidence(stale.observation, str(stale.day), "outside the window"),) if stale else ()
        return Finding(characteristic, None, stale_reason(found, what, context), evidence)
    observation, day = found.in_window.observation, str(found.in_window.day)
    score = any(context.rules.is_score(code) for code in characteristic.codes)
    reading = _read_score(observation, characteristic, context) if score else read_quantity(observation)
    if isinstance(reading, str):
        return Finding(characteristic, None, f"{what} on {day}: {reading}", (_evidence(observation, day),))
    holds, note = _compare(reading, threshold, observation, characteristic, context, score=score)
    evidence = (Evidence(reference(observation), reading.text, day, note),)
    interval, unit = threshold
    against = f"{describe(interval)} x ULN" if unit == ULN else describe(interval, unit)
    measured = reading.text + (f" ({note})" if note else "")
    return Finding(characteristic, holds, f"{what} {measured} on {day}; criterion {against}", evidence)


def read_threshold(value: Mapping[str, Any]) -> tuple[Interval, str] | str:
    """Return the characteristic's value as an interval and unit, or why it is not a number to compare."""
    quantity = value.get("valueQuantity")
    if isinstance(quantity, Mapping) and isinstance(quantity.get("value"), int | float):
        comparator = quantity.get("comparator")
        return Interval.from_comparator(comparator, float(quantity["value"])), _unit_code(quantity)
    bounds = value.get("valueRange")
    if isinstance(bounds, Mapping):
        low, high = bounds.get("low") or {}, bounds.get("high") or {}
        unit = _unit_code(low) if low else _unit_code(high)
        low_value = _bound(low, unit, -INF)
        high_value = _bound(high, unit, INF)
        if low_value is None or high_value is None:
            return "the criterion's range has bounds in units that do not convert"
        return Interval(low_value, high_value), unit
    return "the criterion's value is not a quantity or range"


def read_quantity(observation: Mapping[str, Any]) -> Reading | str:
    """Return an Observation's numeric value, or why it has none that can be compared."""
    quantity = observation.get("valueQuantity")
    if isinstance(quantity, Mapping) and isinstance(quantity.get("value"), int | float):
        system = quantity.get("system")
        if system not in (None, UCUM_SYSTEM):
            return f"its unit {system}|{quantity.get('code')} is not UCUM"
        unit = _unit_code(quantity)
        number = float(quantity["value"])
        comparator = quantity.get("comparator")
        text = f"{comparator or ''}{number:g} {unit}".strip()
        return Reading(Interval.from_comparator(comparator, number), unit, text)
    if isinstance(observation.get("valueInteger"), int):
        return Reading(
            Interval.point(float(observation["valueInteger"])), "1", str(observation["valueInteger"])
        )
    absent = observation.get("dataAbsentReason")
    if isinstance(absent, Mapping):
        why = (
            absent.get("text") or ", ".join(sorted(code for _, code in codes_of(absent))) or "no reason given"
        )
        return f"no value ({why})"
    kinds = [key for key in observation if key.startswith("value")]
    return f"the value is {kinds[0]}, not a number" if kinds else "the result has no value"


def _read_score(
    observation: Mapping[str, Any], characteristic: Characteristic, context: ScreeningContext
) -> Reading | str:
    number = read_quantity(observation)
    if isinstance(number, Reading):
        unit = find_unit(number.unit or "1")
        if unit is None or unit.dimension != FRACTION:
            return f"a score recorded in {number.unit!r}"
        return number
    answers = codes_of(observation.get("valueCodeableConcept"))
    for interpretation in observation.get("interpretation") or []:
        answers |= codes_of(interpretation)
    for score_code in characteristic.codes:
        for answer in sorted(answers):
            score = context.rules.score(score_code, answer)
            if score is not None:
                return Reading(Interval.point(score), "1", f"{answer[1]} (= {score:g})")
    return number if not answers else f"the answer {sorted(answers)[0][1]} is not a known score"


def _compare(
    reading: Reading,
    threshold: tuple[Interval, str],
    observation: Mapping[str, Any],
    characteristic: Characteristic,
    context: ScreeningContext,
    *,
    score: bool,
) -> tuple[bool | None, str | None]:
    """Return (holds, a note on how the value was compared) for a reading against the threshold."""
    interval, unit = threshold
    if unit == ULN:
        return _compare_uln(reading, interval, observation, characteristic, context)
    if score:
        return decide(reading.interval, interval), None
    mass = _molar_mass(characteristic.codes, context)
    converted = _convert_interval(reading.interval, reading.unit, unit, mass)
    if converted is None:
        why = "no molar mass is declared for it" if mass is None else "they measure different things"
        return None, f"{reading.unit} does not convert to {unit}: {why}"
    note = None if reading.unit == unit else f"= {describe(converted, unit)}"
    return decide(converted, interval), note


def _compare_uln(
    reading: Reading,
    interval: Interval,
    observation: Mapping[str, Any],
    characteristic: Characteristic,
    context: ScreeningContext,
) -> tuple[bool | None, str | None]:
    highs = {
        (float(r["high"]["value"]), _unit_code(r["high"]))
        for r in observation.get("referenceRange") or []
        if isinstance(r, Mapping)
        and isinstance(r.get("high"), Mapping)
        and isinstance(r["high"].get("value"), int | float)
    }
    if len(highs) != 1:
        why = (
            "no referenceRange.high (upper limit of normal)"
            if not highs
            else "several upper limits of normal"
        )
        return None, f"the result has {why}; a multiple of ULN cannot be computed"
    ((limit, limit_unit),) = highs
    mass = _molar_mass(characteristic.codes, context)
    uln = convert(limit, limit_unit, reading.unit, molar_mass=mass)
    if uln is None or uln <= 0:
        return None, f"the upper limit of normal {limit:g} {limit_unit} does not convert to {reading.unit}"
    ratio = reading.interval.scaled(1 / uln)
    return decide(ratio, interval), f"= {describe(ratio)} x ULN, ULN {limit:g} {limit_unit}".rstrip()


def _convert_interval(interval: Interval, source: str, target: str, mass: float | None) -> Interval | None:
    ends = []
    for end in (interval.low, interval.high):
        if end in (INF, -INF):
            ends.append(end)
            continue
        converted = convert(end, source, target, molar_mass=mass)
        if converted is None:
            return None
        ends.append(converted)
    return Interval(ends[0], ends[1], interval.low_closed, interval.high_closed)


def _molar_mass(codes: tuple[Code, ...], context: ScreeningContext) -> float | None:
    return next((m for code in codes if (m := context.rules.molar_mass(code)) is not None), None)


def _bound(quantity: Mapping[str, Any], unit: str, default: float) -> float | None:
    if not quantity or not isinstance(quantity.get("value"), int | float):
        return default
    own = _unit_code(quantity)
    return float(quantity["value"]) if own == unit else convert(float(quantity["value"]), own, unit)


def _unit_code(quantity: Mapping[str, Any]) -> str:
    return str(quantity.get("code") or quantity.get("unit") or "")


def _evidence(observation: Mapping[str, Any], day: str, note: str | None = None) -> Evidence:
    reading = read_quantity(observation)
    value = reading.text if isinstance(reading, Reading) else reading
    return Evidence(reference(observation), value, day, note)
