"""An optional publication filter (`strict_doses`): keep only dose readings whose evidence is plain.

The confidence gate (confidence.py) withholds a dose the arm's words contradict. This filter goes further:
it withholds a dose whenever the way it was read leaves room for doubt, whether or not the parser erred,
trading recall for precision. It was chosen on the parser's blind-time outputs of held-out sets 9-15 (see
docs/regimen-filter.md); every reason holds for any trial:

- several readings give the same drug a dose in one arm, and no written group or choice tells them apart:
  which one a patient gets is the reader's inference, not the text's;
- the drug is named by an intervention title that carries schedule, form or count words ("Voriconazole x
  2", "Aspirin EC Tab", "Pembrolizumab Q6W"): the name is a label, the dose may belong to a part of it;
- the dose is written as one of alternatives or as a multiple ("5 or 6", "2 x 50mg", "MTD=2.5 mg/kg");
- the written unit goes on past what was read ("0.24 mg hGH/kg/week", "200 mg/tenofovir"): the unit read
  is not the unit written;
- the dose is written far (30 characters or more) from the nearest mention of its drug's name in the
  passage it was read from: other words, often another drug's, stand between them.

A withheld dose keeps its verbatim text, and a warning names the reason, as the confidence gate does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from fhir_adapter.text.regimen.confidence import Reporter
from fhir_adapter.text.regimen.model import DrugDose

# Words that make a name an intervention title, not a drug name: counts, schedules, dose forms, groups.
_TITLE_WORD = re.compile(
    r"(?i)(?:^|[\s(/-])(?:\d+|x|at|q\d*[dhw]|qd|bid|tid|qid|od|daily|weekly|monthly|thrice|twice|once|tabs?"
    r"|tablets?|capsules?|chew|chewable|ec|dose|doses|dosing|low|high|group|arm|cohort|regimen|treatment"
    r"|therapy|analog|analogue)(?=$|[\s)/-])"
)
# Right before the dose: "or", "either", a count "2 x", "=", "vs": the dose is one of several or a multiple.
# (Patterns are matched on text stripped of its edge spaces, and their runs are bounded: linear on any line.)
_ALTERNATIVE_BEFORE = re.compile(r"(?i)(?:\bor|\beither|\d\s{0,3}[x×*]|=|\bvs\.?|\bversus)$")
_ALTERNATIVE_AFTER = re.compile(r"(?i)or\b")
# Right after the dose: "/kg" or "hGH/kg": the written unit goes on past the unit read.
_UNIT_GOES_ON = re.compile(r"(?i)/\s{0,3}[a-z]|[a-z]{2,12}\s{0,3}/")
_BEFORE_CHARS = 12  # how far before the dose an "or" or a count is looked for
_FAR_FROM_NAME = 30  # characters between a dose and its drug's nearest name that make the pair doubtful
_SHORTEST_NAME = 3  # shorter names ("IL") match inside other words


def withhold_unproven(drugs: Iterable[DrugDose], report: Reporter) -> tuple[DrugDose, ...]:
    """Return the arm's readings with each dose whose evidence is not plain withheld and reported."""
    arm = tuple(drugs)
    return tuple(_filtered(drug, arm, report) for drug in arm)


def _filtered(drug: DrugDose, arm: tuple[DrugDose, ...], report: Reporter) -> DrugDose:
    if drug.dose is None:
        return drug
    reason = strict_doubt(drug, arm)
    if reason is None:
        return drug
    where = drug.fields[0] if drug.fields else "arm"
    report.add(where, f"dose {drug.dose_text!r} withheld (strict doses): {reason}", drug.drug)
    return drug.without_dose()


def strict_doubt(drug: DrugDose, arm: tuple[DrugDose, ...]) -> str | None:
    """Return why the strict filter does not publish this reading's dose, or None to keep it."""
    if _several_doses(drug, arm):
        return "several doses are read for this drug in the arm and nothing written tells them apart"
    if _TITLE_WORD.search(drug.drug):
        return "the drug is named by an intervention title with schedule, form or count words"
    written = _written_at(drug)
    if written is not None:
        before, after = written
        if _ALTERNATIVE_BEFORE.search(before) or _ALTERNATIVE_AFTER.match(after):
            return "the dose is written as one of alternatives or as a multiple"
        if _UNIT_GOES_ON.match(after):
            return "the written unit goes on past the unit read"
    distance = _distance_to_name(drug)
    if distance is not None and distance >= _FAR_FROM_NAME:
        return "the dose is written far from its drug's name"
    return None


def _several_doses(drug: DrugDose, arm: tuple[DrugDose, ...]) -> bool:
    """Two or more dosed readings of the drug that no written group or choice tells apart."""
    untold = [
        d
        for d in arm
        if d.key == drug.key
        and d.dose is not None
        and (d.condition is None or d.condition.kind not in ("label", "choice"))
    ]
    return len(untold) >= 2


def _written_at(drug: DrugDose) -> tuple[str, str] | None:
    """Return the few characters before the dose text in its passage and the rest after it, each without
    the spaces next to the dose."""
    if not drug.dose_text:
        return None
    at = drug.verbatim.lower().find(drug.dose_text.lower())
    if at < 0:
        return None
    before = drug.verbatim[max(0, at - _BEFORE_CHARS) : at].rstrip()
    return before, drug.verbatim[at + len(drug.dose_text) :].lstrip()


def _squeezed(text: str) -> str:
    return " ".join(text.lower().split())


def _distance_to_name(drug: DrugDose) -> int | None:
    """Return the characters between the dose text and the drug's name in its passage: the nearest mention
    written before the dose (or around it: 0), else the nearest after it, as a dose is read for the name
    that precedes it; None when either is not found there."""
    passage = _squeezed(drug.verbatim)
    dose = _squeezed(drug.dose_text or "")
    start = passage.find(dose) if dose else -1
    if start < 0:
        return None
    end = start + len(dose)
    mentions = [
        (found.start(), found.end())
        for name in drug.names
        if len(_squeezed(name)) >= _SHORTEST_NAME
        for found in re.finditer(re.escape(_squeezed(name)), passage)
    ]
    # a mention overlapping the dose text counts as written right before it
    preceding = [max(0, start - name_end) for name_start, name_end in mentions if name_start < end]
    following = [name_start - end for name_start, _ in mentions if name_start >= end]
    return min(preceding, default=None) if preceding else min(following, default=None)
