"""Write the report: a page per trial (`<NCT>.html`) and `index.html`, one result per record, nothing lost.

Every record ends with a page, failed (with the reason), or left out as a duplicate of a newer record of
the same study, as `convert` treats them. With `patients`, each trial's page also screens the patients asked
for, through the screening stage's own evaluation (`screening.screen_patients`).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from fhir_adapter.convert import make_out_dir
from fhir_adapter.errors import FhirAdapterError, InputError
from fhir_adapter.report.html_page import IndexEntry, index_html, page_html
from fhir_adapter.report.model import PatientSection, TrialPage, build_page
from fhir_adapter.screening import PatientRecord, ScreeningContext, ScreeningTrial, screen_patients
from fhir_adapter.sources import DuplicateRecord, TrialRecord, read_trials
from fhir_adapter.terms import Terms

log = logging.getLogger(__name__)

INDEX_FILE = "index.html"
_NCT_ID = re.compile(r"^NCT\d{8}$")

PatientSource = Callable[[ScreeningTrial], Iterable[PatientRecord | InputError]]


@dataclass(frozen=True)
class PatientOptions:
    """Where the patients come from (per trial, as a server query depends on the trial's codes), which
    of them to show (all when `ids` is empty), and the screening's date, window and rules."""

    source: PatientSource
    context: ScreeningContext
    ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ReportResult:
    """What became of one record: its page, or the error, or the duplicate it was."""

    source: str
    nct_id: str | None
    page: Path | None = None
    entry: IndexEntry | None = None
    error: str | None = None
    duplicate: DuplicateRecord | None = None

    @property
    def outcome(self) -> str:
        """Return 'written', 'failed' or 'duplicate'."""
        if self.duplicate is not None:
            return "duplicate"
        return "failed" if self.error else "written"


def write_reports(
    inputs: Iterable[str | Path], out_dir: Path, terms: Terms, *, patients: PatientOptions | None = None
) -> Iterator[ReportResult]:
    """Yield a ReportResult per record in `inputs`, writing its page into `out_dir`; write the index last.

    Raises SettingsError, before reading any record, when `out_dir` is a file or cannot be made.
    """
    make_out_dir(out_dir)
    entries: list[IndexEntry] = []
    for item in read_trials(inputs):
        if isinstance(item, DuplicateRecord):
            result = ReportResult(item.file, item.nct_id, duplicate=item)
        elif isinstance(item, InputError):
            result = ReportResult(item.file or "?", item.nct_id, error=str(item))
        else:
            result = write_trial_page(item, out_dir, terms, patients=patients)
        if result.duplicate is None:
            entries.append(result.entry or IndexEntry(result.source, result.nct_id, error=result.error))
        yield result
    (out_dir / INDEX_FILE).write_text(index_html(entries), encoding="utf-8")


def write_trial_page(
    trial: TrialRecord, out_dir: Path, terms: Terms, *, patients: PatientOptions | None = None
) -> ReportResult:
    """Build and write one trial's page; return what happened."""
    if not _NCT_ID.match(trial.nct_id):  # the file name comes from it: never a path
        return ReportResult(trial.source, trial.nct_id, error="not an NCT number; no page written")
    try:
        page = build_page(trial, terms)
    except FhirAdapterError as exc:
        log.warning("%s: report: %s", trial.nct_id, exc)
        return ReportResult(trial.source, trial.nct_id, error=str(exc))
    if patients is not None:
        page = replace(page, patients=screen_section(page.screening, patients))
    path = out_dir / f"{trial.nct_id}.html"
    path.write_text(page_html(page), encoding="utf-8")
    log.info("%s: report: page written to %s", trial.nct_id, path)
    return ReportResult(trial.source, trial.nct_id, page=path, entry=index_entry(page, path.name))


def screen_section(trial: ScreeningTrial, options: PatientOptions) -> PatientSection:
    """Return the screening of the patients asked for (all the source holds when none are named)."""
    wanted = options.ids
    chosen = (p for p in options.source(trial) if isinstance(p, InputError) or not wanted or p.id in wanted)
    screens, unreadable = [], []
    try:
        for item in screen_patients(trial, chosen, options.context):
            if isinstance(item, InputError):
                unreadable.append(str(item))
            else:
                screens.append(item)
    except FhirAdapterError as exc:  # the server went away: show who was screened, and why the rest is not
        unreadable.append(f"the patients cannot be read any further: {exc}")
    missing = sorted(wanted - {s.patient_id for s in screens})
    unreadable.extend(f"patient {patient_id}: not found in the sources given" for patient_id in missing)
    context = options.context
    return PatientSection(
        tuple(screens), tuple(unreadable), context.screening_date.isoformat(), context.lookback_days
    )


def index_entry(page: TrialPage, file_name: str) -> IndexEntry:
    """Return the index line of a written page."""
    verdicts = Counter(s.verdict.value for s in page.patients.screens) if page.patients else Counter()
    return IndexEntry(
        source=page.summary.nct_id,
        nct_id=page.summary.nct_id,
        page=file_name,
        title=page.summary.title,
        status=page.summary.status,
        criteria=len(page.criteria),
        coded=sum(row.r4 == "coded" for row in page.criteria),
        warnings=sum(f.severity == "warning" for f in page.findings),
        verdicts=", ".join(f"{n} {v}" for v, n in sorted(verdicts.items())),
    )
