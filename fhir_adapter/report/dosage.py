"""A dosage read back into words: the amount ('20 mg/m2') and the timing ('twice a day, for 3 days').

Only what the ActivityDefinition's Dosage states: no amount, no words (the calendar then says "dose missing").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def dose_text(dosage: Mapping[str, Any]) -> str | None:
    """Return the dose as '20 mg/m2' (a range as '1–2 mg'); None when the plan states no amount.

    >>> dose_text({"doseAndRate": [{"doseQuantity": {"value": 20, "unit": "mg/m2"}}]})
    '20 mg/m2'
    >>> dose_text({"text": "ATRA mg/m2/day in 2 oral doses"}) is None
    True
    """
    for dose_and_rate in dosage.get("doseAndRate") or []:
        quantity = dose_and_rate.get("doseQuantity")
        if isinstance(quantity, dict) and "value" in quantity:
            return f"{number(quantity['value'])} {quantity.get('unit') or quantity.get('code') or ''}".strip()
        span = dose_and_rate.get("doseRange") or dose_and_rate.get("rateRange")
        if isinstance(span, dict) and "low" in span and "high" in span:
            low, high = span["low"], span["high"]
            unit = high.get("unit") or high.get("code") or ""
            return f"{number(low.get('value'))}–{number(high.get('value'))} {unit}".strip()
    return None


def schedule_text(timing: Any) -> str | None:
    """Return how often and how long, as the Timing says: 'twice a day, morning and evening, for 3 days'.

    >>> schedule_text({"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}})
    'once a day'
    """
    repeat = timing.get("repeat") if isinstance(timing, dict) else None
    if not isinstance(repeat, dict):
        return None
    parts = []
    if "frequency" in repeat and "period" in repeat:
        period = repeat["period"]
        every = "a" if period == 1 else f"every {number(period)}"
        times = _TIMES.get(repeat["frequency"], f"{repeat['frequency']} times")
        parts.append(f"{times} {every} {_UNITS.get(str(repeat.get('periodUnit')), 'period')}")
    when = [_WHEN.get(w, str(w).lower()) for w in repeat.get("when") or []]
    if when:
        parts.append(" and ".join(when))
    bounds = repeat.get("boundsDuration")
    if isinstance(bounds, dict) and "value" in bounds:
        parts.append(f"for {number(bounds['value'])} {bounds.get('unit', '')}".strip())
    return ", ".join(parts) or None


_TIMES = {1: "once", 2: "twice"}
_UNITS = {"h": "hour", "d": "day", "wk": "week", "mo": "month"}
_WHEN = {"MORN": "morning", "AFT": "afternoon", "EVE": "evening", "NIGHT": "night", "HS": "bedtime"}


def number(value: Any) -> str:
    """Return a number as written by a person: 20 not 20.0.

    >>> number(20.0), number(2.5), number(3)
    ('20', '2.5', '3')
    """
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
