"""A regimen PlanDefinition read back as a cycle calendar: per cycle phase, a row per dose, a column per day.

Read from the PlanDefinition the converter builds (resources/plan_definition.py, after HL7's KDN5 example),
so the calendar shows what an EHR receives: the cycle actions (`timingTiming`), under them one action per
dose with its days (extension timing-daysOfCycle) and its contained ActivityDefinition (dose, route,
timing), conditional doses as `selectionBehavior exactly-one` groups. Nothing is filled in: a dose without a
number, a route not written or days not given stay None, and the page shows them as missing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fhir_adapter.report.dosage import dose_text, number, schedule_text
from fhir_adapter.resources import Json

EXT_DAYS_OF_CYCLE = "http://hl7.org/fhir/StructureDefinition/timing-daysOfCycle"
MIN_REST_RUN = 3  # dose-free days in a row shown as one column ("23-28")
_OFFSET_UNITS = {"h": "hours", "d": "days", "wk": "weeks"}
_RELATIONS = {"before-start": "before the start of", "after-start": "after the start of"}


@dataclass(frozen=True)
class DoseRow:
    """One dose of one drug in one cycle phase, as the plan states it; None where the plan states nothing."""

    drug: str
    dose: str | None
    route: str | None
    schedule: str | None
    days: tuple[int, ...] | None
    text: str
    condition: str | None = None  # the condition of a conditional dose ("≤75 years")
    choice: str | None = None  # the group of alternatives it is one of
    offset: str | None = None  # timing relative to another drug, when that is all the plan says
    activity: str = ""  # the contained ActivityDefinition, to tell which doses recur in other phases
    only_here: bool = False  # given in this phase only (a cycle-1-only dose)


@dataclass(frozen=True)
class DayColumn:
    """A calendar column: one day (`first == last`) or a run of dose-free days."""

    first: int
    last: int

    @property
    def label(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}–{self.last}"

    def covers(self, day: int) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class Phase:
    """One cycle action (or the whole treatment when the plan has no cycle): its rows and day columns."""

    title: str
    description: str | None
    length_days: int | None
    rows: tuple[DoseRow, ...]
    columns: tuple[DayColumn, ...]


@dataclass(frozen=True)
class ArmCalendar:
    """One arm's regimen: its phases, the stop condition, and the non-drug interventions as written."""

    title: str
    subtitle: str | None
    description: str | None
    phases: tuple[Phase, ...]
    stop: str | None
    others: tuple[tuple[str, str | None], ...]


def read_calendar(plan: Mapping[str, Any]) -> ArmCalendar:
    """Return the calendar of one regimen PlanDefinition."""
    activities = {str(a.get("id")): a for a in plan.get("contained") or [] if isinstance(a, dict)}
    actions = [a for a in plan.get("action") or [] if isinstance(a, dict)]
    regimen = next((a for a in actions if a.get("id") == "regimen"), None)
    others = tuple((str(a.get("title", "")), _str(a.get("description"))) for a in actions if a is not regimen)
    phases = _phases(regimen, activities) if regimen else []
    return ArmCalendar(
        title=str(plan.get("title") or "Arm"),
        subtitle=_str(plan.get("subtitle")),
        description=_str(plan.get("description")),
        phases=tuple(_mark_only_here(phases)),
        stop=_stop(regimen),
        others=others,
    )


def _phases(regimen: Mapping[str, Any], activities: Mapping[str, Json]) -> list[Phase]:
    children = [a for a in regimen.get("action") or [] if isinstance(a, dict)]
    cycles = [a for a in children if _is_phase(a)]
    if not cycles:  # no cycle stated: the drug actions hang off the regimen, days count from the start
        rows = tuple(_rows(children, activities))
        return [Phase("Treatment (no cycle stated)", None, None, rows, day_columns(rows, None))]
    phases = []
    for cycle in cycles:
        repeat = (cycle.get("timingTiming") or {}).get("repeat") or {}
        length = repeat.get("duration") if repeat.get("durationUnit") == "d" else None
        rows = tuple(_rows(cycle.get("action") or [], activities))
        length_days = int(length) if isinstance(length, int | float) else None
        phases.append(
            Phase(str(cycle.get("title", "Cycle")), _str(cycle.get("description")), length_days, rows,
                  day_columns(rows, length_days))
        )  # fmt: skip
    return phases


def _is_phase(action: Mapping[str, Any]) -> bool:
    """Return True for a cycle action: it holds actions and is neither a dose nor a group of alternatives
    (a cycle whose length is not stated has no timingTiming)."""
    return "action" in action and "definitionCanonical" not in action and "selectionBehavior" not in action


def _rows(
    actions: Sequence[Any], activities: Mapping[str, Json], *, choice: str | None = None
) -> Iterator[DoseRow]:
    """Yield a row per dose action, walking into groups of alternatives (conditional doses, choices)."""
    ids = {str(a.get("id")): a for a in actions if isinstance(a, dict)}
    for action in actions:
        if not isinstance(action, dict):
            continue
        if action.get("selectionBehavior") == "exactly-one" or (
            "action" in action and "definitionCanonical" not in action
        ):
            group = str(action.get("title") or "")
            yield from _rows(action.get("action") or [], activities, choice=group or choice)
        elif "definitionCanonical" in action:
            yield _row(action, activities, choice=choice, siblings=ids)


def _row(
    action: Mapping[str, Any],
    activities: Mapping[str, Json],
    *,
    choice: str | None,
    siblings: Mapping[str, Json],
) -> DoseRow:
    activity_id = str(action["definitionCanonical"]).removeprefix("#")
    activity = activities.get(activity_id, {})
    dosage: Json = next(iter(activity.get("dosage") or []), {})
    condition = _condition(action)
    return DoseRow(
        drug=_drug_name(activity, action),
        dose=dose_text(dosage),
        route=_concept_text(dosage.get("route")),
        schedule=schedule_text(dosage.get("timing")),
        days=_days(action),
        text=str(dosage.get("text") or action.get("textEquivalent") or ""),
        condition=condition,
        choice=choice if condition is None else None,
        offset=_offset(action, siblings, activities),
        activity=activity_id,
    )


def _drug_name(activity: Mapping[str, Any], action: Mapping[str, Any]) -> str:
    product = activity.get("productCodeableConcept") or {}
    return str(product.get("text") or _concept_text(product) or action.get("title") or "drug")


def _condition(action: Mapping[str, Any]) -> str | None:
    """Return the words of an applicability condition (its description), or None."""
    for condition in action.get("condition") or []:
        if isinstance(condition, dict) and condition.get("kind") == "applicability":
            expression = condition.get("expression") or {}
            return str(expression.get("description") or expression.get("expression") or "")
    return None


def _days(action: Mapping[str, Any]) -> tuple[int, ...] | None:
    for extension in action.get("extension") or []:
        if isinstance(extension, dict) and extension.get("url") == EXT_DAYS_OF_CYCLE:
            days = [e.get("valueInteger") for e in extension.get("extension") or [] if isinstance(e, dict)]
            return tuple(sorted(d for d in days if isinstance(d, int)))
    return None


def _offset(
    action: Mapping[str, Any], siblings: Mapping[str, Json], activities: Mapping[str, Json]
) -> str | None:
    for related in action.get("relatedAction") or []:
        relation = _RELATIONS.get(str(related.get("relationship")))
        duration = related.get("offsetDuration") or {}
        if relation is None or "value" not in duration:
            continue
        target = siblings.get(str(related.get("actionId")), {})
        activity = activities.get(str(target.get("definitionCanonical", "")).removeprefix("#"), {})
        name = _drug_name(activity, target) if target else str(related.get("actionId"))
        unit = str(duration.get("code") or duration.get("unit") or "")
        return f"{number(duration['value'])} {_OFFSET_UNITS.get(unit, unit)} {relation} {name}"
    return None


def day_columns(rows: Sequence[DoseRow], length_days: int | None) -> tuple[DayColumn, ...]:
    """Return the calendar's columns: every day from the first (day 1, or earlier when a dose is given
    before it) to the cycle's last (or the last dosing day), runs of MIN_REST_RUN or more dose-free days
    as one column.

    >>> [c.label for c in day_columns([DoseRow("x", None, None, None, (1, 2, 8), "")], 10)]
    ['1', '2', '3–7', '8', '9', '10']
    """
    dosed = {day for row in rows for day in row.days or ()}
    if not dosed and length_days is None:
        return ()
    first = min([1, *dosed])
    last = max([length_days or 0, *dosed])
    columns: list[DayColumn] = []
    day = first
    while day <= last:
        if day in dosed:
            columns.append(DayColumn(day, day))
            day += 1
            continue
        end = day
        while end + 1 <= last and end + 1 not in dosed:
            end += 1
        run = end - day + 1
        columns.extend([DayColumn(day, end)] if run >= MIN_REST_RUN else
                       [DayColumn(d, d) for d in range(day, end + 1)])  # fmt: skip
        day = end + 1
    return tuple(columns)


def _mark_only_here(phases: list[Phase]) -> Iterator[Phase]:
    """Yield the phases with each dose given in no other phase marked (the cycle-1-only doses)."""
    if len(phases) < 2:
        yield from phases
        return
    for phase in phases:
        elsewhere = {r.activity for p in phases if p is not phase for r in p.rows}
        rows = tuple(
            DoseRow(**{**vars(row), "only_here": row.activity not in elsewhere}) for row in phase.rows
        )
        yield Phase(phase.title, phase.description, phase.length_days, rows, phase.columns)


def _stop(regimen: Mapping[str, Any] | None) -> str | None:
    for condition in (regimen or {}).get("condition") or []:
        if isinstance(condition, dict) and condition.get("kind") == "stop":
            return _str((condition.get("expression") or {}).get("description"))
    return None


def _concept_text(concept: Any) -> str | None:
    if not isinstance(concept, dict):
        return None
    if concept.get("text"):
        return str(concept["text"])
    return next((str(c["display"]) for c in concept.get("coding") or [] if c.get("display")), None)


def _str(value: Any) -> str | None:
    return str(value) if value else None
