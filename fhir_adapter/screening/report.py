"""The screening's outputs: a readable table, JSON and CSV, written patient by patient as results come.

JSON: `{"trial": {...}, "patients": [{"id", "verdict", "criteria": [{"criterion", "result", ...}]}]}`; each
criterion also has its section, verbatim text, `review` (true: the tool never decides it), the reason and the
data used. The outputs hold the patient's id and the values the criteria read, nothing else about them.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO

from fhir_adapter.screening.evidence import ScreeningContext
from fhir_adapter.screening.findings import CriterionResult, PatientScreen, Verdict
from fhir_adapter.screening.trial import Json, ScreeningTrial

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
        return f"{total} patients screened: {parts}; {len(self.unreadable)} could not be read"


def trial_json(trial: ScreeningTrial, context: ScreeningContext) -> Json:
    return {
        "id": trial.nct_id,
        "title": trial.title,
        "screening_date": context.screening_date.isoformat(),
        "lookback_days": context.lookback_days,
    }


def patient_json(screen: PatientScreen) -> Json:
    """Return one patient's screening as the JSON output's `patients` item."""
    return {
        "id": screen.patient_id,
        "verdict": screen.verdict.value,
        "criteria": [criterion_json(result) for result in screen.results],
    }


def criterion_json(result: CriterionResult) -> Json:
    criterion = result.criterion
    return {
        "criterion": criterion.label,
        "section": criterion.section,
        "result": result.result.value,
        "review": result.review,
        "reason": result.reason,
        "evidence": [e.as_json() for f in result.findings for e in f.evidence],
        "text": criterion.text,
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
        self.review_listed = False

    def write(self, screen: PatientScreen) -> None:
        if not self.review_listed:
            review = [r.criterion.label for r in screen.results if r.review]
            print(f"not decided by the tool, review by hand: {', '.join(review) or 'none'}", file=self.out)
            self.review_listed = True
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
