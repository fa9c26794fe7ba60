"""Stage 9: a report a person reads (`fhir-adapter report`): a static HTML page per trial and an index.

Each page shows what the converter makes of the trial, read back from its resources: the study summary, the
regimen as a cycle calendar, the eligibility criteria with their codes, and the data-quality findings; with
patients, their per-criterion screening results (screening's own evaluation).
"""

from fhir_adapter.report.model import TrialPage, build_page
from fhir_adapter.report.write import (
    INDEX_FILE,
    PatientOptions,
    PatientSource,
    ReportResult,
    write_reports,
    write_trial_page,
)

__all__ = [
    "INDEX_FILE",
    "PatientOptions",
    "PatientSource",
    "ReportResult",
    "TrialPage",
    "build_page",
    "write_reports",
    "write_trial_page",
]
