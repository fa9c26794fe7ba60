"""The screening's outputs: a readable table, JSON and CSV, written patient by patient as results come.

JSON: `{"trial": {...}, "patients": [{"id", "verdict", "criteria": [{"criterion", "result", ...}]}]}`; each
patient's criterion also has `review` (true: the tool never decides it), the reason and the data used; the
criteria's section and verbatim text are given once, in `trial.criteria`. The outputs hold the patient's id
and the values the criteria read, nothing else about them.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO

from fhir_adapter.errors import counted
from fhir_adapter.screening.evaluate import review_reason
from fhir_adapter.screening.evidence import ScreeningContext
from fhir_adapter.screening.findings import CriterionResult, PatientScreen, Verdict
from fhir_adapter.screening.trial import Criterion, Json, ScreeningTrial

CSV_COLUMNS = (
    "trial",
    "patient",
    "verdict",
    "criterion",
    "section",
    "result",
    "review",
    "reason",
    "evidence",
    "text",
)
_MARK = {True: "ok", False: "FAIL", None: "?"}


@dataclass
class Tally:
    """Counts for the closing line: verdicts, and patients whose data could not be read."""

    verdicts: Counter[str] = field(default_factory=Counter)
    unreadable: list[str] = field(default_factory=list)

    def line(self) -> str:
        total = sum(self.verdicts.values())
        parts = ", ".join(
            f"{self.verdicts[v.value]} {v.value}"
            for v in (Verdict.LIKELY, Verdict.POSSIBLE, Verdict.EXCLUDED)
        )
        return f"{counted(total, 'patient')} screened: {parts}; {len(self.unreadable)} could not be read"


def trial_json(trial: ScreeningTrial, context: ScreeningContext) -> Json:
    """Return the JSON output's `trial`: the run's date and window, and each criterion's text once."""
    return {
        "id": trial.nct_id,
        "title": trial.title,
        "screening_date": context.screening_date.isoformat(),
        "lookback_days": context.lookback_days,
        "criteria": [
            {"criterion": c.label, "section": c.section, "review": is_review(c), "text": c.text}
            for c in trial.criteria
        ],
    }


def is_review(criterion: Criterion) -> bool:
    """Return True for a criterion the tool never decides (text only, logic kept as text, not EHR data)."""
    return all(review_reason(c) is not None for c in criterion.characteristics)


def patient_json(screen: PatientScreen) -> Json:
    """Return one patient's screening as the JSON output's `patients` item."""
    return {
        "id": screen.patient_id,
        "verdict": screen.verdict.value,
        "criteria": [criterion_json(result) for result in screen.results],
    }


def criterion_json(result: CriterionResult) -> Json:
    """Return one criterion's result for one patient (its text is in the trial's `criteria`, once)."""
    return {
        "criterion": result.criterion.label,
        "result": result.result.value,
        "review": result.review,
        "reason": result.reason,
        "evidence": [e.as_json() for f in result.findings for e in f.evidence],
    }


class JsonWriter:
    """Writes the JSON document one patient at a time, so a large run never holds every result."""

    def __init__(self, out: TextIO, trial: ScreeningTrial, context: ScreeningContext) -> None:
        self.out = out
        self.count = 0
        head = json.dumps(trial_json(trial, context), ensure_ascii=False)
        out.write(f'{{"trial": {head}, "patients": [')

    def write(self, screen: PatientScreen) -> None:
        separator = "," if self.count else ""
        self.out.write(f"{separator}\n  {json.dumps(patient_json(screen), ensure_ascii=False)}")
        self.count += 1

    def close(self) -> None:
        self.out.write("\n]}\n")


class CsvWriter:
    """Writes one CSV row per patient and criterion."""

    def __init__(self, out: TextIO, trial: ScreeningTrial) -> None:
        self.trial = trial
        self.writer = csv.writer(out, lineterminator="\n")
        self.writer.writerow(CSV_COLUMNS)

    def write(self, screen: PatientScreen) -> None:
        for result in screen.results:
            evidence = "; ".join(
                " ".join(part for part in (e.resource, e.value, e.date or "", e.note or "") if part)
                for f in result.findings
                for e in f.evidence
            )
            criterion = result.criterion
            self.writer.writerow(
                (
                    self.trial.nct_id,
                    screen.patient_id,
                    screen.verdict.value,
                    criterion.label,
                    criterion.section,
                    result.result.value,
                    "yes" if result.review else "no",
                    result.reason,
                    evidence,
                    criterion.text,
                )
            )

    def close(self) -> None:
        return None


class TableWriter:
    """Writes a readable report: the criteria left for review once, then each patient's coded criteria."""

    def __init__(self, out: TextIO, trial: ScreeningTrial, context: ScreeningContext) -> None:
        self.out = out
        title = f"  {trial.title}" if trial.title else ""
        print(f"{trial.nct_id}{title}", file=out)
        print(
            f"screened on {context.screening_date}; "
            f"results from the {context.lookback_days} days before it count",
            file=out,
        )
        review = [c.label for c in trial.criteria if is_review(c)]
        print(f"not decided by the tool, review by hand: {', '.join(review) or 'none'}", file=out)

    def write(self, screen: PatientScreen) -> None:
        coded = [r for r in screen.results if not r.review]
        counts = Counter(r.passed for r in coded)
        print(
            f"\nPatient {screen.patient_id}: {screen.verdict.value.upper()}  "
            f"({counts[True]} passed, {counts[False]} failed, {counts[None]} unknown)",
            file=self.out,
        )
        for result in coded:
            label = _short_label(result.criterion.label)
            word = result.result.value.replace("-", " ")
            print(f"  {_MARK[result.passed]:<4}  {label:<8} {word:<8} {result.reason}", file=self.out)

    def close(self) -> None:
        return None


def _short_label(label: str) -> str:
    """Return 'INC 4' for 'inclusion 4'; structured fields keep their name.

    >>> _short_label("inclusion 4"), _short_label("exclusion 13"), _short_label("age")
    ('INC 4', 'EXC 13', 'age')
    """
    head, _, number = label.partition(" ")
    if head in ("inclusion", "exclusion") and number.isdigit():
        return f"{head[:3].upper()} {number}"
    return label
