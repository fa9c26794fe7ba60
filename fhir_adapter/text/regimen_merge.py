"""Merge what the arm text and the intervention texts say about one drug, keeping only what is certain.

The side that states doses is the base; the other side may add a fact the base lacks (a route, a day) when
it states that fact once and for the same dose. Doses that disagree ("50 mcg BID" in the arm, "50mg BID" in
the intervention, NCT00712335) are not chosen between: the drug keeps no dose and the report says why. An
arm may pick one of the doses its shared intervention lists ("80 mg" of "80mg/d, 120mg/d and 180mg/d
respectively", NCT04946890): that is a choice, not a conflict.
"""

from __future__ import annotations

from dataclasses import replace

from fhir_adapter.text.regimen_segments import Entry

_FACTS = ("route", "frequency", "days", "duration", "offset")
DoseSignature = tuple[float | None, float | None, str]


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
    if arm_doses and intervention_doses and not arm_doses <= intervention_doses:
        return [_without_dose(arm[0], interventions[0])], [_conflict(arm, interventions)]
    if arm_doses and intervention_doses:
        base, other = arm, interventions  # the arm's doses are among the intervention's: the arm chose
    elif _weight(arm) >= _weight(interventions):
        base, other = arm, interventions
    else:
        base, other = interventions, arm
    messages: list[str] = []
    merged = [_fill(entry, other, messages) for entry in base]
    return merged, messages


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
    for mention in (e for e in entries if not signature(e) and not _unreadable(e)):
        for entry in with_dose:
            _fill_missing(entry, mention)
    return _dedupe(with_dose) + unreadable


def _unreadable(entry: Entry) -> bool:
    return entry.dose is not None and entry.dose.ambiguous


def _dedupe(entries: list[Entry]) -> list[Entry]:
    """Merge repeats of one dose ("with Osimertinib 80 mg" three times) and of a doseless mention; doseless
    mentions with their own days stay apart (NCT04267848 gives pembrolizumab on day 1 in its initial and
    in its continuance therapy)."""
    kept: list[Entry] = []
    for entry in entries:
        twin = next((k for k in kept if _same(k, entry) and (signature(entry) or not entry.days)), None)
        if twin is None:
            kept.append(entry)
        else:
            _fill_missing(twin, entry)
    return kept


def _same(a: Entry, b: Entry) -> bool:
    if signature(a) != signature(b) or a.condition != b.condition or a.cycles != b.cycles:
        return False
    if (a.dose is None) != (b.dose is None) or (a.dose and b.dose and a.dose.unit != b.dose.unit):
        return False
    return a.days == b.days


def _fill_missing(entry: Entry, other: Entry) -> None:
    for name in _FACTS:
        if getattr(entry, name) is None and getattr(other, name) is not None:
            setattr(entry, name, getattr(other, name))
    if entry.consecutive is None:
        entry.consecutive = other.consecutive
    if other.verbatim and other.verbatim not in entry.verbatim:
        entry.verbatim = f"{entry.verbatim}\n{other.verbatim}".strip()


def _fill(entry: Entry, others: list[Entry], messages: list[str]) -> Entry:
    same_dose = [o for o in others if signature(o) and signature(o) == signature(entry)]
    candidates = same_dose or (others if len(others) == 1 else [o for o in others if not signature(o)])
    merged = replace(entry, source="both")
    contributed: list[Entry] = []
    for name in ("route", "days", "frequency"):
        givers = [c for c in candidates if getattr(c, name) is not None]
        values = {_comparable(getattr(c, name)) for c in givers}
        mine = getattr(entry, name)
        if mine is None and len(values) == 1:
            setattr(merged, name, getattr(givers[0], name))
            contributed.extend(givers)
        elif mine is not None and values and values != {_comparable(mine)}:
            messages.append(f"{name} differs between the arm and the intervention text; left out")
            setattr(merged, name, None)
    for name in ("dose", "duration", "offset", "consecutive", "cycles"):
        giver = next((c for c in candidates if getattr(c, name)), None)
        if getattr(merged, name) is None and giver is not None:
            setattr(merged, name, getattr(giver, name))
            contributed.append(giver)
    extra = [c.verbatim for c in contributed if c.verbatim and c.verbatim not in merged.verbatim]
    merged.verbatim = "\n".join([merged.verbatim, *dict.fromkeys(extra)]).strip()
    merged.fields = tuple(dict.fromkeys([*entry.fields, *(f for c in contributed for f in c.fields)]))
    if not contributed and not same_dose:
        merged.source = entry.source
    return merged


def _comparable(value: object) -> object:
    times = getattr(value, "times", None)
    if times is not None:  # a Frequency: compare what it means, not how it was written
        return (times, getattr(value, "period", None), getattr(value, "unit", None))
    return value


def _without_dose(arm: Entry, intervention: Entry) -> Entry:
    route = arm.route if arm.route == intervention.route or intervention.route is None else intervention.route
    if arm.route and intervention.route and arm.route != intervention.route:
        route = None
    merged = replace(arm, dose=None, days=None, frequency=None, choice=None, condition=None, route=route)
    merged.source = "both"
    merged.verbatim = f"{arm.verbatim}\n{intervention.verbatim}".strip()
    merged.fields = (*arm.fields, *intervention.fields)
    return merged


def _conflict(arm: list[Entry], interventions: list[Entry]) -> str:
    def written(entries: list[Entry]) -> str:
        return ", ".join(dict.fromkeys(e.dose.text for e in entries if e.dose and signature(e)))

    return (
        f"arm text gives {written(arm)!r} but the intervention text gives {written(interventions)!r}; "
        "no dose emitted"
    )
