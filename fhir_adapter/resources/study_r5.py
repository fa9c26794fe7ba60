"""The elements R5 gave ResearchStudy that R4 lacks, built once in their R5 shape.

R5 writes them as elements; R4 carries each as HL7's cross-version extension made from the same value
(resources/versions.py, `cross_version_extension`). Their R5 definitions (hl7.fhir.r5.core 5.0.0):

- label {type CodeableConcept, value string}: official title and acronym;
- date dateTime: when the registry record last changed (CT.gov last update posted);
- progressStatus {state CodeableConcept, actual boolean, period Period}: the current status, the overall
  study period and the primary completion date, each marked actual or anticipated as CT.gov marks it;
- recruitment {targetNumber | actualNumber unsignedInt, eligibility Reference}: the enrollment, estimated or
  actual, and (R5) who may enrol;
- classifier CodeableConcept: research-study-classifiers codes for what CT.gov's oversight module flags
  (an FDA-regulated drug or device product); a flag that is false or absent adds nothing;
- outcomeMeasure {name string, type CodeableConcept, description markdown}: R5 has no time frame element,
  so the description ends with the registry's time frame, labelled.
"""

from __future__ import annotations

from fhir_adapter.resources.common import Json, compact, ctgov_coding, humanize, text_concept
from fhir_adapter.sources import Outcome, TrialRecord
from fhir_adapter.terms import (
    R5_CLASSIFIER_SYSTEM,
    R5_OBJECTIVE_TYPE_SYSTEM,
    R5_STUDY_STATUS_SYSTEM,
    TITLE_TYPE_SYSTEM,
    Terms,
)

ACTUAL = "ACTUAL"
ESTIMATED = "ESTIMATED"
# CT.gov outcome kinds -> research-study-objective-type codes (R4 and R5 share the codes). Fixed by the two
# specifications, not a table a hospital would edit: "other" outcomes are the registry's exploratory ones.
OBJECTIVE_TYPES = {"primary": "primary", "secondary": "secondary", "other": "exploratory"}
PRIMARY_COMPLETION = "PRIMARY_COMPLETION"
OVERALL_STUDY = "overall-study"
# research-study-classifiers (hl7.fhir.r5.core 5.0.0) code and display for each CT.gov oversight flag.
FDA_DRUG = ("fda-regulated-drug", "FDA regulated drug")
FDA_DEVICE = ("fda-regulated-device", "FDA regulated device")


def labels(trial: TrialRecord) -> list[Json]:
    """Return the official title and the acronym, each typed by R5's title-type."""
    titles = (("official", trial.official_title), ("acronym", trial.acronym))
    return [
        {"type": {"coding": [{"system": TITLE_TYPE_SYSTEM, "code": title_type}]}, "value": value}
        for title_type, value in titles
        if value
    ]


def progress_statuses(trial: TrialRecord, terms: Terms) -> list[Json]:
    """Return the current status, the study period and the primary completion, as R5 progressStatus."""
    entries: list[Json] = []
    if trial.overall_status and (codings := terms.codings("ctgov-status-r5", trial.overall_status)):
        entries.append(_progress(text_concept(humanize(trial.overall_status), codings), True, None))
    overall_coding = {"system": R5_STUDY_STATUS_SYSTEM, "code": OVERALL_STUDY, "display": "Overall study"}
    overall = text_concept("Overall study", [overall_coding])
    start, end = (
        (trial.start_date, trial.start_date_type),
        (trial.completion_date, trial.completion_date_type),
    )
    if start[0] and end[0] and start[1] == end[1]:
        entries.append(_progress(overall, _is_actual(start[1]), {"start": start[0], "end": end[0]}))
    else:
        for bound, (date, date_type) in (("start", start), ("end", end)):
            if date:
                entries.append(_progress(overall, _is_actual(date_type), {bound: date}))
    if trial.primary_completion_date:
        state = text_concept("Primary completion", [ctgov_coding("milestone", PRIMARY_COMPLETION)])
        actual = _is_actual(trial.primary_completion_date_type)
        entries.append(_progress(state, actual, {"end": trial.primary_completion_date}))
    return entries


def _progress(state: Json | None, actual: bool | None, period: Json | None) -> Json:
    return compact({"state": state, "actual": actual, "period": period})


def _is_actual(date_type: str | None) -> bool | None:
    """Return True for ACTUAL, False for ESTIMATED, None when the registry does not say."""
    return {ACTUAL: True, ESTIMATED: False}.get(date_type or "")


def recruitment(trial: TrialRecord, eligibility: Json | None = None) -> Json | None:
    """Return the enrollment as R5 recruitment: actualNumber when CT.gov says ACTUAL, targetNumber when
    ESTIMATED, neither when it says neither (the count then stays the Group's quantity alone); and
    `eligibility`, the reference to who may enrol (R5; R4 has `enrollment`)."""
    child = {ACTUAL: "actualNumber", ESTIMATED: "targetNumber"}.get(trial.enrollment_type or "")
    numbers = {child: trial.enrollment_count} if child else {}
    return compact({**numbers, "eligibility": eligibility}) or None


def classifiers(trial: TrialRecord) -> list[Json]:
    """Return a classifier for each FDA regulation CT.gov flags as true."""
    flagged = ((trial.fda_regulated_drug, FDA_DRUG), (trial.fda_regulated_device, FDA_DEVICE))
    return [
        {"coding": [{"system": R5_CLASSIFIER_SYSTEM, "code": code, "display": display}]}
        for flag, (code, display) in flagged
        if flag
    ]


def outcome_measure(outcome: Outcome) -> Json:
    type_coding = {"system": R5_OBJECTIVE_TYPE_SYSTEM, "code": OBJECTIVE_TYPES[outcome.kind]}
    parts = [outcome.description, f"Time frame: {outcome.time_frame}" if outcome.time_frame else None]
    return compact(
        {
            "name": outcome.measure,
            "type": [{"coding": [type_coding]}],
            "description": "\n\n".join(p for p in parts if p) or None,
        }
    )
