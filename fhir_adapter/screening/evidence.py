"""Reading a patient's resources as evidence: codes, dates, usable results, the lookback window.

An Observation counts when its status is final, amended or corrected (a preliminary, cancelled or
entered-in-error result never decides anything) and it has a date: effective[x] (dateTime, the end of a
Period, instant), else `issued`. Results dated after the screening date are ignored, so a screening run
for a past date uses only what was known then.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from fhir_adapter.screening.rules import ScreeningRules
from fhir_adapter.screening.trial import Code, Json

USABLE_OBSERVATION_STATUS = frozenset({"final", "amended", "corrected"})
DEFAULT_LOOKBACK_DAYS = 30


@dataclass(frozen=True)
class ScreeningContext:
    """What every evaluation needs: the rules, the screening date and the lookback window in days."""

    rules: ScreeningRules
    screening_date: date
    lookback_days: int = DEFAULT_LOOKBACK_DAYS

    def in_window(self, day: date) -> bool:
        return 0 <= (self.screening_date - day).days <= self.lookback_days


@dataclass(frozen=True)
class Evidence:
    """One piece of data a finding used: the resource, the value as recorded, its date, and what it meant."""

    resource: str
    value: str
    date: str | None = None
    note: str | None = None

    def as_json(self) -> Json:
        return {k: v for k, v in vars(self).items() if v is not None}


def codes_of(concept: Any) -> set[Code]:
    """Return the (system, code) pairs of a CodeableConcept.

    >>> sorted(codes_of({"coding": [{"system": "http://loinc.org", "code": "777-3"}, {"code": "x"}]}))
    [('', 'x'), ('http://loinc.org', '777-3')]
    """
    if not isinstance(concept, Mapping):
        return set()
    return {
        (str(c.get("system", "")), str(c["code"]))
        for c in concept.get("coding") or []
        if isinstance(c, Mapping) and c.get("code")
    }


def parse_day(text: Any) -> date | None:
    """Return the calendar day of a FHIR date or dateTime; a year or year-month alone is not a day.

    >>> parse_day("2025-01-31T08:00:00+01:00"), parse_day("2025-01"), parse_day(None)
    (datetime.date(2025, 1, 31), None, None)
    """
    if not isinstance(text, str) or len(text) < 10:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def observation_day(observation: Mapping[str, Any]) -> date | None:
    """Return the day an Observation is about: effective[x], else when it was issued."""
    period = observation.get("effectivePeriod")
    candidates = [
        observation.get("effectiveDateTime"),
        observation.get("effectiveInstant"),
        period.get("end") or period.get("start") if isinstance(period, Mapping) else None,
        observation.get("issued"),
    ]
    return next((day for day in map(parse_day, candidates) if day is not None), None)


def reference(resource: Mapping[str, Any]) -> str:
    return f"{resource.get('resourceType')}/{resource.get('id', '?')}"


@dataclass(frozen=True)
class Dated:
    """An Observation with its day."""

    day: date
    observation: Json


@dataclass(frozen=True)
class Latest:
    """The latest usable result in the window (if any) and the latest one at all (to say how stale it is)."""

    in_window: Dated | None
    latest: Dated | None


def latest_result(observations: Iterable[Json], codes: frozenset[Code], context: ScreeningContext) -> Latest:
    """Return the latest usable Observation with one of `codes`, inside the window and overall."""
    dated = [
        Dated(day, observation)
        for observation in observations
        if observation.get("status") in USABLE_OBSERVATION_STATUS
        and codes_of(observation.get("code")) & codes
        for day in [observation_day(observation)]
        if day is not None and day <= context.screening_date
    ]
    if not dated:
        return Latest(None, None)
    ordered = sorted(dated, key=lambda d: (d.day, str(d.observation.get("id", ""))))
    in_window = [d for d in ordered if context.in_window(d.day)]
    return Latest(in_window[-1] if in_window else None, ordered[-1])


def stale_reason(found: Latest, what: str, context: ScreeningContext) -> str:
    """Return why no result counts: none at all, or the latest is older than the window."""
    if found.latest is None:
        return f"no {what} result on record"
    return (
        f"no {what} result in the {context.lookback_days} days before {context.screening_date}; "
        f"the latest is from {found.latest.day}"
    )
