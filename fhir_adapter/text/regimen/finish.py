"""The regimen steps that need every entry of an arm: anchoring weekly patterns, checking days against the
cycle, marking doses that are alternatives, and turning entries into DrugDose values with their warnings."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from fhir_adapter.text.regimen.doses import normalize
from fhir_adapter.text.regimen.entries import Entry
from fhir_adapter.text.regimen.lexicon import Lexicon
from fhir_adapter.text.regimen.merge import signature
from fhir_adapter.text.regimen.model import DoseCondition, DrugDose, Frequency, Offset

UNSTATED = "several doses are written; the rule for choosing between them is not stated"


class Reporter(Protocol):
    def add(
        self, field_path: str, message: str, drug: str | None = None, severity: str = "warning"
    ) -> None: ...

    def note(self, field_path: str, message: str, drug: str | None = None) -> None: ...


def finish_entries(
    entries: list[Entry], cycle_length: int | None, lexicon: Lexicon, report: Reporter
) -> list[Entry]:
    """Return the arm's entries ready to become DrugDoses (see the module docstring)."""
    # A drug the arm does not link is kept only where the text doses it: a bare mention ("placebo (for
    # Dupilumab)", "Post Tx-Cyclophosphamide is used for ...") says nothing to give.
    kept = [e for e in entries if lexicon.drugs[e.key].linked or e.dose is not None]
    kept = _same_days_as_named(kept, lexicon)
    finished: dict[int, Entry] = {}
    for key in dict.fromkeys(e.key for e in kept):
        same = [(i, e) for i, e in enumerate(kept) if e.key == key]
        name = lexicon.drugs[key].display
        anchored = _anchor_weekly([e for _, e in same], name, report)
        joined = [_not_once_on_several_days(e) for e in _joined_runs(_one_per_dose(anchored))]
        marked = _mark_alternatives(joined, name, report)
        # doses kept once leave the drug fewer entries: they take its first places, in order
        finished.update(zip((i for i, _ in same), marked, strict=False))
    return [_within_cycle(finished[i], cycle_length, lexicon, report) for i in sorted(finished)]


# "Cyclophosphamide 300 mg/m^2 ... once a day on the same days that fludarabine is given" (NCT04714372).
_SAME_DAYS_AS = re.compile(
    r"\bon[ \t]++the[ \t]++same[ \t]++days?[ \t]++(?:that|as)[ \t]++(?:the[ \t]++)?(?=[A-Za-z])",
    re.IGNORECASE,
)


def _same_days_as_named(entries: list[Entry], lexicon: Lexicon) -> list[Entry]:
    """Return the entries with the days of the drug their text says they share: an entry with no days of
    its own, whose words say "on the same days that <drug> is given", takes that drug's days when the arm
    gives it one list of days. Anything else (no days, several lists) stays unread."""
    days_of: dict[str, set[tuple[int, ...]]] = {}
    for entry in entries:
        if entry.days:
            days_of.setdefault(entry.key, set()).add(entry.days)
    shared: list[Entry] = []
    for entry in entries:
        same = None if entry.days else _SAME_DAYS_AS.search(entry.verbatim)
        mentions = lexicon.find(normalize(entry.verbatim[same.end() : same.end() + 60])) if same else ()
        other = mentions[0].key if mentions and mentions[0].start == 0 else None
        days = days_of.get(other, set()) if other and other != entry.key else set()
        shared.append(replace(entry, days=next(iter(days))) if len(days) == 1 else entry)
    return shared


_GROUP_KINDS = ("age", "label")
# A band of weight or age, written with its comparator: "> 12 kg", "< 2 years old".
_BAND = re.compile(r"(?:[<>≤≥]|(?:over|under|older\s+than|younger\s+than)\b)", re.IGNORECASE)
_SCHEDULE = ("days", "frequency", "route", "cycles", "duration", "offset", "weekly", "times", "choice")


def _one_per_dose(entries: list[Entry]) -> list[Entry]:
    """Return one drug's entries with a dose written alike for several groups kept once, for all of them:
    "Filgrastim ... (> 12 kg 5 micrograms/kg, < 12 kg 5 micrograms /kg, < 2 years old 5 micrograms /kg"
    (NCT00070200) is 5 ug/kg for > 12 kg or < 12 kg or < 2 years old - one dose, not three. Only bands of
    weight or age, written with a comparator, are joined; a cohort's or a phase's dose stays its own."""
    return _folded(entries, _same_dose_other_group, _for_both_groups)


def _for_both_groups(first: Entry, later: Entry) -> Entry:
    assert first.condition is not None and later.condition is not None  # by _same_dose_other_group
    joined = f"{first.condition.text} or {later.condition.text}"
    return replace(first, condition=DoseCondition("label", joined))


def _joined_runs(entries: list[Entry]) -> list[Entry]:
    """Return one drug's entries with the same dose given alike on later days kept once, on all those days:
    "DAYS 1 to 7: raltegravir 400 mg BID DAYS 8 to 14: raltegravir 400 mg BID" (NCT01841593) is 400 mg twice
    daily on days 1 to 14; "0.25 mg digoxin tablets on Day 1 ... another single oral dose of 0.25 mg digoxin
    tablets on Day 35" (NCT05694221) is one dose on days 1 and 35 (one entry per distinct dose). Only when
    the later days all come after the earlier ones and everything else written (dose, schedule, condition,
    phase) is the same."""
    return _folded(entries, _continues_days, _on_both_runs)


def _on_both_runs(first: Entry, later: Entry) -> Entry:
    assert first.days is not None and later.days is not None  # by _continues_days
    verbatim = f"{first.verbatim}\n{later.verbatim}"
    return replace(first, days=first.days + later.days, verbatim=verbatim)


def _not_once_on_several_days(entry: Entry) -> Entry:
    """Return the entry without its frequency "once" when it is given on several days: "dexamethasone will be
    given as a single oral dose of 40 mg" on "Days 8, 15, 22" (NCT05690984), "a single oral dose of 0.25 mg
    digoxin ... on Day 1 ... another single oral dose ... on Day 35" (NCT05694221) are one dose a day on
    each of those days, no single dose; the days say the schedule."""
    if entry.frequency and entry.frequency.once and entry.days and len(entry.days) > 1:
        return replace(entry, frequency=None)
    return entry


def _folded(
    entries: list[Entry], joins: Callable[[Entry, Entry], bool], join: Callable[[Entry, Entry], Entry]
) -> list[Entry]:
    """Return `entries` with each one that `joins` an entry kept before it merged into that entry."""
    kept: list[Entry] = []
    for entry in entries:
        index = next((i for i, k in enumerate(kept) if joins(k, entry)), None)
        if index is None:
            kept.append(entry)
        else:
            kept[index] = join(kept[index], entry)
    return kept


def _continues_days(a: Entry, b: Entry) -> bool:
    """Return True when `b` gives `a`'s dose (or, neither dosed, the same drug alike) on later days."""
    if signature(a) != signature(b) or a.condition != b.condition:
        return False
    if signature(a) is None and (a.dose is not None or b.dose is not None):
        return False  # a dose whose number is not read is not known to be the other's
    if a.dose is not None and b.dose is not None and a.dose.times != b.dose.times:
        return False  # "3x10 drops on days 4-6, and 1x10 drops on day 7": three times a day, then once
    if not a.days or not b.days or b.days[0] <= a.days[-1]:
        return False
    return all(getattr(a, name) == getattr(b, name) for name in _SCHEDULE if name != "days")


def _is_band(condition: DoseCondition) -> bool:
    return condition.kind in _GROUP_KINDS and _BAND.match(condition.text) is not None


def _same_dose_other_group(a: Entry, b: Entry) -> bool:
    if signature(a) is None or signature(a) != signature(b) or a.condition is None or b.condition is None:
        return False
    if not _is_band(a.condition) or not _is_band(b.condition):
        return False  # "Cohort 4: 8 mg BID ... Cohorts 6 and 7: 8 mg BID" (NCT03318939): each cohort's own
    return all(getattr(a, name) == getattr(b, name) for name in _SCHEDULE)


def _within_cycle(entry: Entry, cycle_length: int | None, lexicon: Lexicon, report: Reporter) -> Entry:
    if entry.days and cycle_length and max(entry.days) > cycle_length:
        message = f"day {max(entry.days)} is outside the {cycle_length}-day cycle; days left out"
        report.add(entry.fields[0], message, lexicon.drugs[entry.key].display)
        return replace(entry, days=None)
    if _repeats_the_days(entry) and entry.frequency is not None:
        message = (
            f"{entry.frequency.text!r} repeats the days, not each dose; not read as the dose's frequency"
        )
        report.note(entry.fields[0], message, lexicon.drugs[entry.key].display)
        return replace(entry, frequency=None)
    return entry


def _repeats_the_days(entry: Entry) -> bool:
    """Return True when the entry's "every N weeks" is longer than the run of days it follows: "75 mg/m2
    day 1 to day 7, every 4 weeks" (NCT03895671) gives a dose each of days 1-7, the block every 4 weeks;
    "days 1, 8, 15 weekly" is a dose a week."""
    frequency, days = entry.frequency, entry.days
    if frequency is None or not days or len(days) < 2 or frequency.once or frequency.unit != "wk":
        return False
    return frequency.times == 1 and frequency.period * 7 > max(days) - min(days)


def _anchor_weekly(entries: list[Entry], name: str, report: Reporter) -> list[Entry]:
    """Expand "2 consecutive days per week x 3 weeks" to days only when another dose of the same drug gives
    its first days ("20mg/m2 on day 1 and day 2 of cycle 1" anchors the pair to days 1-2, NCT06158412)."""
    anchored = list(entries)
    for i, entry in enumerate(entries):
        if entry.weekly is None or entry.days is not None:
            continue
        per_week, weeks = entry.weekly.days_per_week, entry.weekly.weeks
        anchor = next((e.days for e in anchored if e.days and _is_run(e.days, per_week)), None)
        if anchor is None:
            report.add(
                entry.fields[0], "weekly pattern is not tied to a day of the cycle; no days given", name
            )
            continue
        days = tuple(anchor[0] + 7 * week + day for week in range(weeks) for day in range(per_week))
        anchored[i] = replace(entry, days=days)
    return anchored


def _is_run(days: tuple[int, ...], length: int) -> bool:
    return len(days) == length and days == tuple(range(days[0], days[0] + length))


def _mark_alternatives(entries: list[Entry], name: str, report: Reporter) -> list[Entry]:
    """Give a condition to doses written as alternatives, and flag doses whose relation is not stated."""
    marked = [_as_choice(entry, entries) for entry in entries]
    dosed = [e for e in marked if signature(e)]
    open_doses = [e for e in dosed if e.condition is None]
    if not open_doses or len(dosed) < 2 or _told_apart(dosed):
        return marked
    doses = ", ".join(e.dose_written or e.dose.text for e in open_doses if e.dose)
    report.add(open_doses[0].fields[0], f"{UNSTATED} ({doses})", name)
    unstated = DoseCondition("unstated", UNSTATED)
    return [replace(e, condition=unstated) if signature(e) and e.condition is None else e for e in marked]


def _as_choice(entry: Entry, entries: list[Entry]) -> Entry:
    if entry.choice is None or entry.condition is not None:
        return entry
    texts = [e.dose_written or e.dose.text for e in entries if e.choice == entry.choice and e.dose]
    return replace(entry, condition=DoseCondition("choice", f"one of {' or '.join(texts)}"))


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
    frequency = entry.frequency
    if dose is not None and dose.times and frequency is None:
        frequency = Frequency(dose.times, 1, "d", dose.text)
    offset = None
    if entry.offset:
        phrase = entry.offset.phrase
        target = lexicon.drugs[entry.offset.target].display
        offset = Offset(phrase.value, phrase.unit, phrase.relation, target, phrase.text)
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
        times=entry.times or (),
        days=entry.days,
        duration=entry.duration,
        cycles=entry.cycles,
        condition=entry.condition,
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
    where = drug.field_path
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
