"""Merge what the arm text and the intervention texts say about one drug, keeping only what is certain.

The side that states doses is the base; the other side may add a fact the base lacks (a route, a day) when
it states that fact once and for the same dose. An arm that writes the intervention's doses and more of
the same unit (an escalation, NCT05813925) is the base. Doses that disagree ("50 mcg BID" in the arm,
"50mg BID" in the intervention, NCT00712335) are not chosen between: the drug keeps no dose and the
report says why. An
arm may pick one of the doses its shared intervention lists ("80 mg" of "80mg/d, 120mg/d and 180mg/d
respectively", NCT04946890): that is a choice, not a conflict.
"""

from __future__ import annotations

import re
from dataclasses import replace

from fhir_adapter.text.regimen.entries import Entry
from fhir_adapter.text.regimen.model import Frequency

_FACTS = ("route", "frequency", "times", "days", "duration", "offset")
_LENT = ("dose", "duration", "offset", "weekly", "cycles")  # facts the other side may add when missing
_CHECKED = ("route", "days", "frequency", "times")  # facts the other side may add, or contradict
DoseSignature = tuple[float | None, float | None, str]
# "with a dose ascent starting from 120mg qd" (NCT06001671): the first level of an escalation whose other
# levels are the arms; the words right before the dose, within its clause.
_ESCALATION_START = re.compile(
    r"\b(?:ascent|escalation|escalating|titration)\b[^.;\n]{0,40}?\bstart(?:ing|s)?\s++(?:dose\s++)?"
    r"(?:from|at|with|of)\s*+$",
    re.IGNORECASE,
)
_ESCALATION_REACH = 80


def signature(entry: Entry) -> DoseSignature | None:
    """Return what identifies an entry's dose: value, high value and unit; None without a number."""
    dose = entry.dose
    if dose is None or dose.value is None:
        return None
    return (dose.value, dose.high, dose.unit)


def merge_sides(arm: list[Entry], interventions: list[Entry]) -> tuple[list[Entry], list[str]]:
    """Return one drug's entries from both texts, and the disagreements found (as messages)."""
    arm, interventions = tidy(arm), tidy(interventions)
    if not arm or not interventions:
        return arm or interventions, []
    arm_doses = {s for e in arm if (s := signature(e))}
    intervention_doses = {s for e in interventions if (s := signature(e))}
    if arm_doses and intervention_doses and _escalation_level(arm_doses, interventions):
        intervention_doses = set()  # the arm's dose is one level of the escalation the intervention starts
    if arm_doses and intervention_doses and not _agree(arm_doses, intervention_doses):
        return [_without_dose(arm[0], interventions[0])], [_conflict(arm, interventions)]
    if arm_doses and intervention_doses and arm_doses < intervention_doses and _all_start_escalation(arm):
        # "Escalating doses of TY-9591 starting at 20mg daily" with the intervention's "20mg Cohort1, 40mg
        # Cohort2, ..." (NCT04204473): the arm names the first level of the levels the intervention lists.
        base, other = interventions, arm
    elif arm_doses and intervention_doses:
        # The arm's doses are among the intervention's (the arm chose), or the arm writes the
        # intervention's doses and more of the same unit (its escalation steps): the arm's are given.
        base, other = arm, interventions
    elif _weight(arm) >= _weight(interventions):
        base, other = arm, interventions
    else:
        base, other = interventions, arm
    merged: list[Entry] = []
    messages: list[str] = []
    for entry in base:
        filled, found = _fill(entry, _others_for(entry, base, other))
        merged.append(filled)
        messages.extend(found)
    return merged, messages


def _agree(arm: set[DoseSignature], intervention: set[DoseSignature]) -> bool:
    """Return True when the sides' doses agree: the arm's are among the intervention's ("80 mg" of "80mg/d,
    120mg/d and 180mg/d", NCT04946890), or the arm writes all of the intervention's and more in the same
    unit ("2.4 mg ... after a dose escalation period (0.25 mg ..., 0.5 mg ...)" where the intervention
    writes "2.4 mg", NCT05813925)."""
    if arm <= intervention:
        return True
    units = {unit for _, _, unit in intervention}
    return intervention < arm and all(unit in units for _, _, unit in arm)


def _escalation_level(arm: set[DoseSignature], interventions: list[Entry]) -> bool:
    """Return True when every intervention dose is the starting dose of an escalation, in the unit of every
    arm dose: "BEBT-109 ... with a dose ascent starting from 120mg qd" shared by the 120, 180 and 240 mg
    arms (NCT06001671). Each arm's own dose is that arm's level, not a conflict with the start."""
    units = {e.dose.unit for e in interventions if signature(e) and e.dose}
    return units == {unit for _, _, unit in arm} and _all_start_escalation(interventions)


def _all_start_escalation(entries: list[Entry]) -> bool:
    """Return True when the entries have a dose and every dose starts an escalation."""
    dosed = [e for e in entries if signature(e)]
    return bool(dosed) and all(_starts_escalation(e) for e in dosed)


def _starts_escalation(entry: Entry) -> bool:
    written = entry.dose.text if entry.dose else ""
    at = entry.verbatim.find(written) if written else -1
    start = max(0, at - _ESCALATION_REACH)
    return at >= 0 and _ESCALATION_START.search(entry.verbatim, start, at) is not None


def _weight(entries: list[Entry]) -> tuple[int, int, int]:
    """Rank a side as the base: doses with numbers first, then written units, then stated facts."""
    facts = sum(getattr(e, name) is not None for e in entries for name in _FACTS)
    return (sum(1 for e in entries if signature(e)), sum(1 for e in entries if e.dose), facts)


def tidy(entries: list[Entry]) -> list[Entry]:
    """Return one text side's entries with repeats merged and doseless mentions folded into the doses."""
    with_dose = [e for e in entries if signature(e)]
    if not with_dose:
        return _dedupe(entries)
    # A dose whose number cannot be read ("300 mg (for a total of 600 mg)") is a dose of its own, left
    # out: its days and timing are not lent to the other doses, and its warning is kept.
    unreadable = [e for e in entries if _unreadable(e)]
    mentions = [e for e in entries if not signature(e) and not _unreadable(e)]
    return _dedupe([_with_all_missing(entry, mentions) for entry in with_dose]) + unreadable


def _with_all_missing(entry: Entry, others: list[Entry]) -> Entry:
    for other in others:
        entry = _with_missing(entry, other)
    return entry


def _unreadable(entry: Entry) -> bool:
    return entry.dose is not None and entry.dose.ambiguous


def _dedupe(entries: list[Entry]) -> list[Entry]:
    """Merge repeats of one dose ("with Osimertinib 80 mg" three times) and of a doseless mention; doseless
    mentions with their own days stay apart (NCT04267848 gives pembrolizumab on day 1 in its initial and
    in its continuance therapy), unless they repeat the same schedule word for word as well ("Dato-DXd ...
    every 3 weeks (Q3W) on Day 1" read once from the arm's name and once from its sentence)."""
    kept: list[Entry] = []
    for entry in entries:
        repeatable = signature(entry) is not None or not entry.days
        twin = next(
            (i for i, k in enumerate(kept) if (repeatable or _same_schedule(k, entry)) and _same(k, entry)),
            None,
        )
        if twin is None:
            kept.append(entry)
        else:
            kept[twin] = _with_missing(kept[twin], entry)
    return kept


def _same_schedule(a: Entry, b: Entry) -> bool:
    """Return True when two doseless mentions state the same frequency and the same route."""
    return a.frequency is not None and a.frequency == b.frequency and a.route == b.route


def _same(a: Entry, b: Entry) -> bool:
    if signature(a) != signature(b) or a.condition != b.condition or a.cycles != b.cycles:
        return False
    if (a.dose is None) != (b.dose is None) or (a.dose and b.dose and a.dose.unit != b.dose.unit):
        return False
    return a.days == b.days


def _with_missing(entry: Entry, other: Entry) -> Entry:
    """Return `entry` with the facts it lacks taken from `other`, and `other`'s text when it adds some."""
    missing = {
        name: getattr(other, name)
        for name in (*_FACTS, "weekly")
        if getattr(entry, name) is None and getattr(other, name) is not None
    }
    if other.verbatim and other.verbatim not in entry.verbatim:
        missing["verbatim"] = f"{entry.verbatim}\n{other.verbatim}".strip()
    return replace(entry, **missing) if missing else entry


def _others_for(entry: Entry, base: list[Entry], others: list[Entry]) -> list[Entry]:
    """Return the other side's entries that may speak of `entry`: not those of the same dose whose days are
    another base entry's. "Erlotinib 150mg D8-21 ... Erlotinib 150mg D1-28" beside "150 mg daily from Day 8
    to Day 21 ... 150 mg daily for one year" (NCT02795884): the days 8-21 are the first entry's, and say
    nothing against the second's days 1-28."""
    taken = {e.days for e in base if e is not entry and e.days and signature(e) == signature(entry)}
    if not taken:
        return others
    return [o for o in others if o.days is None or o.days == entry.days or o.days not in taken]


def _fill(entry: Entry, others: list[Entry]) -> tuple[Entry, list[str]]:
    """Return `entry` with what the other side adds for the same dose, and the facts the sides dispute."""
    same_dose = [o for o in others if signature(o) and signature(o) == signature(entry)]
    candidates = same_dose or [o for o in others if not signature(o)]
    if not same_dose and len(others) == 1 and not (signature(entry) and signature(others[0])):
        candidates = others  # one statement on the other side, about the drug and not another of its doses
    changes: dict[str, object] = {}
    messages: list[str] = []
    contributed: list[Entry] = []
    for name in _CHECKED:
        givers = [c for c in candidates if getattr(c, name) is not None]
        values = {_comparable(getattr(c, name)) for c in givers}
        mine = getattr(entry, name)
        if mine is None and len(values) == 1:
            changes[name] = getattr(givers[0], name)
            contributed.extend(givers)
        elif mine is not None and values and _comparable(mine) not in values:
            # "Induction cycle: Cladribine ... daily on days 1-5 ... Consolidation cycle: Cladribine ... days
            # 1-3" beside "5 mg/m2 ... on days 1 - 5" and "5 mg/m2 ... on days 1 - 3" (NCT01515527): the
            # other side writing this entry's days among others agrees with it
            messages.append(f"{name} differs between the arm and the intervention text; left out")
            changes[name] = None
    for name in _LENT:
        giver = next((c for c in candidates if getattr(c, name)), None)
        if getattr(entry, name) is None and giver is not None:
            changes[name] = getattr(giver, name)
            contributed.append(giver)
    extra = [c.verbatim for c in contributed if c.verbatim and c.verbatim not in entry.verbatim]
    changes["verbatim"] = "\n".join([entry.verbatim, *dict.fromkeys(extra)]).strip()
    changes["fields"] = tuple(dict.fromkeys([*entry.fields, *(f for c in contributed for f in c.fields)]))
    changes["source"] = entry.source if not contributed and not same_dose else "both"
    return replace(entry, **changes), messages  # type: ignore[arg-type]


def _comparable(value: object) -> object:
    if isinstance(value, Frequency):  # compare what it means, not how it was written
        return (value.times, value.period, value.unit)
    return value


def _without_dose(arm: Entry, intervention: Entry) -> Entry:
    route = arm.route if arm.route == intervention.route or intervention.route is None else intervention.route
    if arm.route and intervention.route and arm.route != intervention.route:
        route = None
    return replace(
        arm,
        dose=None,
        days=None,
        frequency=None,
        times=None,
        choice=None,
        condition=None,
        route=route,
        source="both",
        verbatim=f"{arm.verbatim}\n{intervention.verbatim}".strip(),
        fields=(*arm.fields, *intervention.fields),
    )


def _conflict(arm: list[Entry], interventions: list[Entry]) -> str:
    def written(entries: list[Entry]) -> str:
        return ", ".join(dict.fromkeys(e.dose.text for e in entries if e.dose and signature(e)))

    return (
        f"arm text gives {written(arm)!r} but the intervention text gives {written(interventions)!r}; "
        "no dose emitted"
    )
