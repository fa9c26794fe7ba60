"""The regimen steps that need every entry of an arm: anchoring weekly patterns, checking days against the
cycle, marking doses that are alternatives, and turning entries into DrugDose values with their warnings."""

from __future__ import annotations

from typing import Protocol

from fhir_adapter.text.regimen_drugs import Lexicon
from fhir_adapter.text.regimen_merge import signature
from fhir_adapter.text.regimen_model import CycleRange, DoseCondition, DrugDose, Duration, Frequency, Offset
from fhir_adapter.text.regimen_segments import Entry

UNSTATED = "several doses are written; the rule for choosing between them is not stated"


class Reporter(Protocol):
    def add(self, field_path: str, message: str, drug: str | None = None) -> None: ...


def finish_entries(
    entries: list[Entry], cycle_length: int | None, lexicon: Lexicon, report: Reporter
) -> list[Entry]:
    """Return the arm's entries ready to become DrugDoses (see the module docstring)."""
    # A drug the arm does not link is kept only where the text doses it: a bare mention ("placebo (for
    # Dupilumab)", "Post Tx-Cyclophosphamide is used for ...") says nothing to give.
    kept = [e for e in entries if lexicon.drugs[e.key].linked or e.dose is not None]
    for key in dict.fromkeys(e.key for e in kept):
        same = [e for e in kept if e.key == key]
        name = lexicon.drugs[key].display
        _anchor_weekly(same, name, report)
        _mark_alternatives(same, name, report)
    for entry in kept:
        if entry.days and cycle_length and max(entry.days) > cycle_length:
            message = f"day {max(entry.days)} is outside the {cycle_length}-day cycle; days left out"
            report.add(entry.fields[0], message, lexicon.drugs[entry.key].display)
            entry.days = None
    return kept


def _anchor_weekly(entries: list[Entry], name: str, report: Reporter) -> None:
    """Expand "2 consecutive days per week x 3 weeks" to days only when another dose of the same drug gives
    its first days ("20mg/m2 on day 1 and day 2 of cycle 1" anchors the pair to days 1-2, NCT06158412)."""
    for entry in entries:
        if entry.consecutive is None or entry.days is not None:
            continue
        per_week, weeks = entry.consecutive
        anchor = next((e.days for e in entries if e.days and _is_run(e.days, per_week)), None)
        if anchor is None:
            report.add(
                entry.fields[0], "weekly pattern is not tied to a day of the cycle; no days given", name
            )
            continue
        entry.days = tuple(anchor[0] + 7 * week + day for week in range(weeks) for day in range(per_week))


def _is_run(days: tuple[int, ...], length: int) -> bool:
    return len(days) == length and days == tuple(range(days[0], days[0] + length))


def _mark_alternatives(entries: list[Entry], name: str, report: Reporter) -> None:
    """Give a condition to doses written as alternatives, and flag doses whose relation is not stated."""
    for entry in entries:
        if entry.choice is not None and entry.condition is None:
            texts = [e.dose_written or e.dose.text for e in entries if e.choice == entry.choice and e.dose]
            entry.condition = DoseCondition("choice", f"one of {' or '.join(texts)}")
    dosed = [e for e in entries if signature(e)]
    open_doses = [e for e in dosed if e.condition is None]
    if not open_doses or len(dosed) < 2 or _told_apart(dosed):
        return
    for entry in open_doses:
        entry.condition = DoseCondition("unstated", UNSTATED)
    doses = ", ".join(e.dose_written or e.dose.text for e in open_doses if e.dose)
    report.add(open_doses[0].fields[0], f"{UNSTATED} ({doses})", name)


def _told_apart(entries: list[Entry]) -> bool:
    """Return True when doses differ by cycle or by non-overlapping days (both are given, at their times)."""
    if len({e.cycles for e in entries}) == len(entries):
        return True
    dated = [set(e.days) for e in entries if e.days]
    if not dated:
        return False
    return sum(len(d) for d in dated) == len(set().union(*dated))


def to_drug_dose(entry: Entry, lexicon: Lexicon, report: Reporter) -> DrugDose:
    """Return an entry as a DrugDose, reporting what it leaves out."""
    name = lexicon.drugs[entry.key]
    dose = entry.dose
    frequency = entry.frequency if isinstance(entry.frequency, Frequency) else None
    if dose is not None and dose.times and frequency is None:
        frequency = Frequency(dose.times, 1, "d", dose.text)
    offset = None
    if entry.offset:
        value, unit, relation, target, written = entry.offset
        offset = Offset(value, unit, relation, lexicon.drugs[target].display, written)
    drug = DrugDose(
        key=entry.key,
        drug=name.display,
        aliases=name.aliases,
        dose=dose.value if dose else None,
        dose_high=dose.high if dose else None,
        unit=dose.unit if dose else None,
        per_day=dose.per_day if dose else False,
        dose_text=(entry.dose_written or dose.text) if dose and dose.value is not None else None,
        route=entry.route,
        frequency=frequency,
        days=entry.days,
        duration=entry.duration if isinstance(entry.duration, Duration) else None,
        cycles=entry.cycles if isinstance(entry.cycles, CycleRange) else None,
        condition=entry.condition if isinstance(entry.condition, DoseCondition) else None,
        offset=offset,
        verbatim=entry.verbatim,
        source=entry.source,
        fields=entry.fields,
        intervention_type=name.intervention_type,
        choice=name.choice,
    )
    _warn(drug, entry, report)
    return drug


def _warn(drug: DrugDose, entry: Entry, report: Reporter) -> None:
    where = drug.fields[0] if drug.fields else ""
    if entry.dose is not None and entry.dose.ambiguous:
        doubt = entry.dose.doubt or "decimal or thousands?"
        report.add(where, f"dose {entry.dose.text!r} is ambiguous ({doubt}); left out", drug.drug)
    elif entry.dose is not None and drug.dose is None:
        report.add(where, f"dose has no number (text reads {entry.dose.text!r}); no dose given", drug.drug)
    elif drug.dose is None:
        report.add(where, "no dose stated", drug.drug)
    if drug.route is None:
        report.add(where, "no route stated; none given", drug.drug)
    elif " or " in drug.route:
        report.add(where, f"route is a choice ({drug.route}); no single route given", drug.drug)
    if drug.choice:
        report.add(where, f"one of the alternatives {drug.choice!r}; the rule for choosing is not stated",
                   drug.drug)  # fmt: skip
    if drug.offset and drug.days is None:
        report.add(where, f"timing given only relative to {drug.offset.target} ({drug.offset.text!r}); "
                   "no day numbers", drug.drug)  # fmt: skip
