"""Split a regimen into cycle phases when doses differ by cycle ("20mg/m2 on day 1 and day 2 of cycle 1").

A dose written for some cycles replaces, in those cycles, the drug's every-cycle dose on the days it
names: the seed's carfilzomib is 20 mg/m2 on days 1-2 of cycle 1 and 27 mg/m2 on its other days, then 27
mg/m2 on days 1, 2, 8, 9, 15, 16 from cycle 2 on. A cycle-specific dose without days replaces the drug's
every-cycle dose in those cycles entirely.
"""

from __future__ import annotations

from dataclasses import replace

from fhir_adapter.text.regimen.model import CyclePhase, DrugDose, Regimen


def cycle_phases(regimen: Regimen) -> tuple[CyclePhase, ...]:
    """Return the regimen's phases in cycle order; a single all-cycles phase when no dose names cycles.

    >>> from fhir_adapter.text.regimen.model import CycleRange
    >>> every = DrugDose("k", "K", dose=27, days=(1, 2, 8, 9))
    >>> first = DrugDose("k", "K", dose=20, days=(1, 2), cycles=CycleRange(1, 1, "of cycle 1"))
    >>> phases = cycle_phases(Regimen(drugs=(every, first)))
    >>> [(p.first, p.last, [(d.dose, d.days) for d in p.drugs]) for p in phases]
    [(1, 1, [(20, (1, 2)), (27, (8, 9))]), (2, None, [(27, (1, 2, 8, 9))])]
    """
    ranges = [d.cycles for d in regimen.drugs if d.cycles]
    if not ranges:
        return (CyclePhase(1, None, regimen.drugs),)  # one phase, the doses as the text orders them
    bounds = sorted({1} | {r.first for r in ranges} | {r.last + 1 for r in ranges if r.last is not None})
    phases = []
    for i, first in enumerate(bounds):
        last = bounds[i + 1] - 1 if i + 1 < len(bounds) else None
        if regimen.cycles is not None and first > regimen.cycles:
            break
        drugs = _phase_drugs(regimen.drugs, first)
        if drugs:
            phases.append(CyclePhase(first, last, drugs))
    return tuple(phases)


def _phase_drugs(drugs: tuple[DrugDose, ...], cycle: int) -> tuple[DrugDose, ...]:
    specific = [d for d in drugs if d.cycles and d.cycles.covers(cycle)]
    kept: list[DrugDose] = []
    for drug in drugs:
        if drug.cycles is not None:
            if drug.cycles.covers(cycle):
                kept.append(drug)
            continue
        replacing = [s for s in specific if s.key == drug.key]
        if not replacing:
            kept.append(drug)
            continue
        if drug.days is None or any(s.days is None for s in replacing):
            continue
        taken = {day for s in replacing for day in s.days or ()}
        remaining = tuple(day for day in drug.days if day not in taken)
        if remaining:
            kept.append(replace(drug, days=remaining))
    order = {key: i for i, key in enumerate(dict.fromkeys(d.key for d in drugs))}
    # Within a drug, doses in the order they are given: cycle 1's day-1 dose before its day-8 dose.
    return tuple(sorted(kept, key=lambda d: (order[d.key], min(d.days) if d.days else 10**6)))
