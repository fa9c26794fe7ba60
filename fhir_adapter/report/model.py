"""What one trial's page shows, read from the resources the converter builds for it (and nothing else).

`build_page` makes the trial's R4 resources (`validation.eligibility_guard.guarded_resources`, the call
`convert` makes), its R5 EvidenceVariable (for the "A or B" and conditional criteria R4 keeps as text), and
reads them back: the ResearchStudy for the summary, each regimen PlanDefinition as a calendar, the Group (as
the screening reads it) and the parsed criteria for the criteria table, and the data-quality findings of the
build.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fhir_adapter.errors import FhirAdapterError
from fhir_adapter.report.calendar import ArmCalendar, read_calendar
from fhir_adapter.report.criteria import CriterionRow, criterion_rows
from fhir_adapter.resources import FhirVersion, Json, TrialResources
from fhir_adapter.screening import PatientScreen, ScreeningTrial, trial_from_group
from fhir_adapter.sources import DataQualityIssue, TrialRecord
from fhir_adapter.terms import Terms
from fhir_adapter.text import parse_eligibility
from fhir_adapter.validation.eligibility_guard import guarded_resources

EXT_CTGOV_STATUS = "/StructureDefinition/ctgov-overall-status"


@dataclass(frozen=True)
class StudySummary:
    """The ResearchStudy's facts a reader wants first; None where the record states nothing."""

    nct_id: str
    title: str
    status: str | None
    phase: str | None
    purpose: str | None
    design: tuple[str, ...]
    conditions: tuple[str, ...]
    sponsor: str | None
    investigator: str | None
    enrollment: int | None
    start: str | None
    end: str | None
    description: str | None
    arms: tuple[tuple[str, str | None], ...]
    registry_url: str | None


@dataclass(frozen=True)
class PatientSection:
    """The screening of the patients asked for: each one's results, and the patients that could not be
    read (their errors)."""

    screens: tuple[PatientScreen, ...]
    unreadable: tuple[str, ...] = ()
    screening_date: str = ""
    lookback_days: int = 0


@dataclass(frozen=True)
class TrialPage:
    """Everything one trial's page shows."""

    summary: StudySummary
    calendars: tuple[ArmCalendar, ...]
    criteria: tuple[CriterionRow, ...]
    findings: tuple[DataQualityIssue, ...]
    screening: ScreeningTrial
    patients: PatientSection | None = None
    unsplit_criteria: str | None = None  # the criteria text when the parser read no criterion in it


def build_page(trial: TrialRecord, terms: Terms) -> TrialPage:
    """Return the page of `trial`. Raises FhirAdapterError (MappingError) when it cannot be converted."""
    built = guarded_resources(trial, terms, version=FhirVersion.R4)
    study = _first(built, "ResearchStudy")
    group = _first(built, "Group")
    title = trial.brief_title or trial.official_title
    screening = trial_from_group(group, nct_id=trial.nct_id, title=title)
    parsed = parse_eligibility(trial.eligibility)
    return TrialPage(
        summary=study_summary(trial, study, group),
        calendars=tuple(read_calendar(p) for p in _all(built, "PlanDefinition")),
        criteria=criterion_rows(screening, parsed, _evidence_variable(trial, terms)),
        findings=tuple(built.issues),
        screening=screening,
        unsplit_criteria=None if parsed else trial.eligibility.criteria,
    )


def _evidence_variable(trial: TrialRecord, terms: Terms) -> Json | None:
    """Return the trial's R5 EvidenceVariable, or None when the R5 build fails (the page then shows how
    R4 states each criterion only)."""
    try:
        r5 = guarded_resources(trial, terms, version=FhirVersion.R5)
    except FhirAdapterError:
        return None
    return next(iter(_all(r5, "EvidenceVariable")), None)


def _all(built: TrialResources, resource_type: str) -> list[Json]:
    return [b.resource for b in built.resources if b.key.resource_type == resource_type]


def _first(built: TrialResources, resource_type: str) -> Json:
    return _all(built, resource_type)[0]


def study_summary(trial: TrialRecord, study: Mapping[str, Any], group: Mapping[str, Any]) -> StudySummary:
    """Return the summary of a ResearchStudy (and its Group's target enrolment)."""
    period = study.get("period") or {}
    quantity = group.get("quantity")
    return StudySummary(
        nct_id=trial.nct_id,
        title=str(study.get("title") or trial.nct_id),
        status=_ctgov_status(study) or _str(study.get("status")),
        phase=_text(study.get("phase")),
        purpose=_text(study.get("primaryPurposeType")),
        design=_texts(study.get("category")),
        conditions=_texts(study.get("condition")),
        sponsor=_str((study.get("sponsor") or {}).get("display")),
        investigator=_str((study.get("principalInvestigator") or {}).get("display")),
        enrollment=quantity if isinstance(quantity, int) else None,
        start=_str(period.get("start")),
        end=_str(period.get("end")),
        description=_str(study.get("description")),
        arms=tuple((str(a.get("name", "")), _str(a.get("description"))) for a in study.get("arm") or []),
        registry_url=next((str(r["url"]) for r in study.get("relatedArtifact") or [] if r.get("url")), None),
    )


def _ctgov_status(study: Mapping[str, Any]) -> str | None:
    """Return the registry's own status (kept in an extension), which says more than R4's code."""
    for extension in study.get("extension") or []:
        if str(extension.get("url", "")).endswith(EXT_CTGOV_STATUS):
            coding = extension.get("valueCoding") or {}
            return _str(coding.get("display") or coding.get("code"))
    return None


def _text(concept: Any) -> str | None:
    if not isinstance(concept, dict):
        return None
    codings: Sequence[Any] = concept.get("coding") or []
    return _str(concept.get("text") or next((c.get("display") for c in codings if isinstance(c, dict)), None))


def _texts(concepts: Iterable[Any] | None) -> tuple[str, ...]:
    return tuple(t for t in (_text(c) for c in concepts or []) if t)


def _str(value: Any) -> str | None:
    return str(value) if value else None
