"""The actions of a regimen PlanDefinition, after HL7's KDN5 example (docs/architecture.md, "The regimen
PlanDefinition").

    regimen action (the linked interventions' verbatim texts; "until progression" as a stop condition)
      cycle action: timingTiming.repeat {count, duration, durationUnit, period, periodUnit}
        drug action: timing-daysOfCycle days, verbatim textEquivalent, definitionCanonical "#<activity>"
        drug group: selectionBehavior exactly-one, one action per conditional dose (age: a CQL condition)

Doses that differ by cycle give one cycle action per phase ("Cycle 1", "Cycles 2+"), each after the end of
the one before. Every action's keys are in R4 element order.

"Until disease progression or unacceptable toxicity" is a `condition` of kind `stop` on the regimen action:
the verbatim clause is its description. R4's Expression needs a language and an expression (exp-1), and the
official R4 schema allows only text/cql, text/fhirpath and application/x-fhir-query; no library defines
progression, so the expression is a CQL identifier that names the clause as written: an engine cannot
evaluate it, a clinician judges it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from fhir_adapter.resources.common import Json, compact, slug
from fhir_adapter.resources.regimen_activity import Context, build_activity
from fhir_adapter.terms import UCUM_SYSTEM
from fhir_adapter.text import CyclePhase, DrugDose, Regimen, cycle_phases

EXT_DAYS_OF_CYCLE = "http://hl7.org/fhir/StructureDefinition/timing-daysOfCycle"
CQL = "text/cql"
_NOT_IN_CQL_IDENTIFIER = re.compile(r'["\\\s]+')
_RELATIONS = {"before": "before-start", "after": "after-start"}


@dataclass
class Plan:
    """The actions and contained ActivityDefinitions being built, and the ids already used."""

    ctx: Context
    contained: list[Json] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    activities: dict[tuple[object, ...], str] = field(default_factory=dict)

    def activity(self, drug: DrugDose) -> str:
        """Return the id of the dose's ActivityDefinition, made once: cycle phases share it (days differ
        by phase and belong to the action, not to the definition)."""
        dose = (drug.key, drug.dose, drug.dose_high, drug.unit, drug.per_day, drug.route, drug.frequency,
                drug.duration, drug.condition, drug.offset, drug.verbatim)  # fmt: skip
        if dose not in self.activities:
            self.activities[dose] = self.new_id(f"ad-{short_slug(drug.drug)}")
            self.contained.append(build_activity(drug, self.activities[dose], self.ctx))
        return self.activities[dose]

    def new_id(self, base: str) -> str:
        """Return `base`, numbered when already used: ids must be unique within the PlanDefinition."""
        candidate, n = base, 1
        while candidate in self.ids:
            n += 1
            candidate = f"{base}-{n}"
        self.ids.add(candidate)
        return candidate


@lru_cache(maxsize=2048)
def short_slug(name: str) -> str:
    """Return a slug of at most 32 characters: a resource id allows 64 (R4 `id` pattern), with room for a
    prefix and a counter.

    >>> short_slug("Dihydroartemisinin-piperaquine (DHAP) administered to G6PD-deficient subjects")
    'dihydroartemisinin-piperaquine'
    """
    return slug(name)[:32].rstrip("-").rsplit("-", 1)[0] if len(slug(name)) > 32 else slug(name)


def regimen_action(regimen: Regimen, description: str | None, ctx: Context) -> tuple[Json | None, list[Json]]:
    """Return the regimen action and the ActivityDefinitions it refers to (None when no drug is named)."""
    if not regimen.drugs:
        return None, []
    plan = Plan(ctx)
    phases = cycle_phases(regimen)
    cycled = regimen.cycle_length_days is not None or len(phases) > 1 or regimen.until_progression
    children = (
        _cycle_actions(plan, regimen, phases) if cycled else _drug_actions(plan, phases[0].drugs, "drug")
    )
    action = compact(
        {
            "id": plan.new_id("regimen"),
            "title": "Treatment regimen",
            "description": description,
            "condition": [stop_condition(regimen.until_text)] if regimen.until_text else None,
            "action": children,
        }
    )
    return action, plan.contained


def stop_condition(clause: str) -> Json:
    """Return the condition that stops the regimen, as written ("until disease progression ...").

    >>> stop_condition('until "PD"')["expression"]["expression"]
    '"until PD"'
    """
    identifier = _NOT_IN_CQL_IDENTIFIER.sub(" ", clause).strip()
    return {
        "kind": "stop",
        "expression": {"description": clause, "language": CQL, "expression": f'"{identifier}"'},
    }


def _cycle_actions(plan: Plan, regimen: Regimen, phases: tuple[CyclePhase, ...]) -> list[Json]:
    actions: list[Json] = []
    for phase in phases:
        phase_id = plan.new_id(_phase_id(phase, len(phases)))
        previous = actions[-1]["id"] if actions else None
        actions.append(
            compact(
                {
                    "id": phase_id,
                    "title": _phase_title(phase, len(phases)),
                    "description": _phase_description(regimen, phase),
                    "textEquivalent": regimen.cycle_text,
                    "relatedAction": [{"actionId": previous, "relationship": "after-end"}]
                    if previous
                    else None,
                    "timingTiming": _cycle_timing(regimen, phase),
                    "action": _drug_actions(plan, phase.drugs, phase_id),
                }
            )
        )
    return actions


def _phase_id(phase: CyclePhase, count: int) -> str:
    if count == 1:
        return "cycle"
    if phase.last is None:
        return f"cycles-{phase.first}-plus" if phase.first > 1 else "cycles"
    return f"cycle-{phase.first}" if phase.first == phase.last else f"cycles-{phase.first}-{phase.last}"


def _phase_title(phase: CyclePhase, count: int) -> str:
    if count == 1:
        return "Treatment cycle"
    if phase.last is None:
        return f"Cycles {phase.first}+"
    return f"Cycle {phase.first}" if phase.first == phase.last else f"Cycles {phase.first}-{phase.last}"


def _phase_description(regimen: Regimen, phase: CyclePhase) -> str:
    length = (
        f"{regimen.cycle_length_days}-day cycle" if regimen.cycle_length_days else "Cycle (length not stated)"
    )
    count = _phase_count(regimen, phase)
    repeat = f", {count} cycle{'s' if count != 1 else ''}" if count else ""
    if phase.last is None and regimen.until_progression:
        repeat += ", repeated until disease progression or unacceptable toxicity"
    return f"{length}{repeat}."


def _phase_count(regimen: Regimen, phase: CyclePhase) -> int | None:
    if phase.last is not None:
        return phase.last - phase.first + 1
    return regimen.cycles - phase.first + 1 if regimen.cycles is not None else None


def _cycle_timing(regimen: Regimen, phase: CyclePhase) -> Json | None:
    length = regimen.cycle_length_days
    repeat = compact(
        {
            "count": _phase_count(regimen, phase),
            "duration": length,
            "durationUnit": "d" if length else None,
            "period": length,
            "periodUnit": "d" if length else None,
        }
    )
    return {"repeat": repeat} if repeat else None


def _drug_actions(plan: Plan, drugs: tuple[DrugDose, ...], prefix: str) -> list[Json]:
    """Return the actions of one phase: per drug a single dose, or a group when the drug has conditional
    doses; drugs the record names as alternatives ("X, Y or Z") go together under one choice."""
    actions: list[Json] = []
    leaves: list[tuple[Json, DrugDose]] = []
    keys = list(dict.fromkeys(d.key for d in drugs))
    placed: set[str] = set()
    for key in keys:
        if key in placed:
            continue
        choice = next(d.choice for d in drugs if d.key == key)
        together = [k for k in keys if choice and next(d.choice for d in drugs if d.key == k) == choice]
        if len(together) > 1:
            placed.update(together)
            per_drug = [_one_drug(plan, [d for d in drugs if d.key == k], prefix, leaves) for k in together]
            actions.append(_choice_group(plan, str(choice), per_drug, prefix))
        else:
            placed.add(key)
            actions.extend(_one_drug(plan, [d for d in drugs if d.key == key], prefix, leaves))
    _relate_offsets(plan, leaves)
    return actions


def _one_drug(
    plan: Plan, doses: list[DrugDose], prefix: str, leaves: list[tuple[Json, DrugDose]]
) -> list[Json]:
    conditional = [d for d in doses if d.condition is not None]
    actions = [_alternatives(plan, conditional, prefix, leaves)] if len(conditional) > 1 else []
    for dose in doses:
        if dose not in conditional or len(conditional) == 1:
            actions.append(
                _dose_action(plan, dose, f"{prefix}-{short_slug(dose.drug)}", leaves, alternative=False)
            )
    return actions


def _choice_group(plan: Plan, choice: str, per_drug: list[list[Json]], prefix: str) -> Json:
    options = [a[0] if len(a) == 1 else {"title": a[0].get("title"), "action": a} for a in per_drug]
    return {
        "id": plan.new_id(f"{prefix}-{short_slug(choice)}"),
        "title": choice,
        "textEquivalent": f"One of: {choice} (the rule for choosing is not stated)",
        "selectionBehavior": "exactly-one",
        "action": options,
    }


def _alternatives(
    plan: Plan, doses: list[DrugDose], prefix: str, leaves: list[tuple[Json, DrugDose]]
) -> Json:
    group_id = plan.new_id(f"{prefix}-{short_slug(doses[0].drug)}")
    return compact(
        {
            "id": group_id,
            "title": doses[0].drug,
            "textEquivalent": "\n".join(dict.fromkeys(d.verbatim for d in doses if d.verbatim)),
            "selectionBehavior": "exactly-one",
            "action": [_dose_action(plan, d, group_id, leaves, alternative=True) for d in doses],
        }
    )


def _dose_action(
    plan: Plan, drug: DrugDose, base: str, leaves: list[tuple[Json, DrugDose]], *, alternative: bool
) -> Json:
    action_id = plan.new_id(base)
    activity_id = plan.activity(drug)
    condition = _condition(drug) if alternative else None
    if alternative and condition is None and drug.condition and drug.condition.kind in ("label", "choice"):
        plan.ctx.note(drug, f"dose for {drug.condition.text!r}, a condition written in words; kept as text")
    action = compact(
        {
            "id": action_id,
            "extension": [_days_of_cycle(drug.days)] if drug.days else None,
            "title": f"{drug.drug} {drug.dose_text}" if drug.dose_text else drug.drug,
            "textEquivalent": _alternative_text(drug) if alternative else drug.verbatim or drug.drug,
            "condition": [condition] if condition else None,
            "definitionCanonical": f"#{activity_id}",
        }
    )
    leaves.append((action, drug))
    return action


def _days_of_cycle(days: tuple[int, ...]) -> Json:
    return {"url": EXT_DAYS_OF_CYCLE, "extension": [{"url": "day", "valueInteger": day} for day in days]}


def _alternative_text(drug: DrugDose) -> str:
    condition = drug.condition
    dose = drug.dose_text or "dose not stated"
    if condition is None:
        return dose
    if condition.kind in ("age", "label"):
        return f"{condition.text}: {dose}"
    return f"{dose} ({condition.text})"


def _condition(drug: DrugDose) -> Json | None:
    """Return an applicability condition for an age ("≤75 years": CQL `AgeInYears() <= 75`); a condition
    only written in words (a cohort, a donor type) has no expression and stays in the textEquivalent."""
    condition = drug.condition
    if condition is None or condition.kind != "age" or condition.age_years is None:
        return None
    years = int(condition.age_years) if condition.age_years.is_integer() else condition.age_years
    return {
        "kind": "applicability",
        "expression": {
            "description": condition.text,
            "language": CQL,
            "expression": f"AgeInYears() {condition.comparator} {years}",
        },
    }


def _relate_offsets(plan: Plan, leaves: list[tuple[Json, DrugDose]]) -> None:
    """Give each dose timed from another drug ("two days prior to carfilzomib administration") a
    relatedAction to that drug's first administration in the same cycle phase."""
    for action, drug in leaves:
        offset = drug.offset
        if offset is None:
            continue
        targets = [(a, d) for a, d in leaves if d.drug == offset.target]
        if not targets:
            message = f"{offset.text!r} {offset.target}, which this plan does not list; kept as text"
            plan.ctx.note(drug, message)
            continue
        target, _ = min(targets, key=lambda pair: min(pair[1].days) if pair[1].days else 10**6)
        related = {
            "actionId": target["id"],
            "relationship": _RELATIONS[offset.relation],
            "offsetDuration": {"value": _whole(offset.value), "unit": offset.unit, "system": UCUM_SYSTEM,
                               "code": offset.unit},
        }  # fmt: skip
        items = list(action.items())
        action.clear()
        for name, value in items:
            if name == "definitionCanonical":
                action["relatedAction"] = [related]
            action[name] = value


def _whole(value: float) -> int | float:
    return int(value) if value.is_integer() else value
