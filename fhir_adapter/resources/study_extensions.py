"""What R4's ResearchStudy has no element for, in HL7's R5 cross-version extensions.

Each extension is named `http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.<element>`; a
backbone element is a complex extension whose sub-extensions carry its children under their R5 names and
types (checked against R5's ResearchStudy StructureDefinition in npm hl7.fhir.r5.core 5.0.0):

- label {type CodeableConcept, value string}: official title and acronym;
- date dateTime: when the registry record last changed (CT.gov last update posted);
- progressStatus {state CodeableConcept, actual boolean, period Period}: the current status, the overall
  study period and the primary completion date, each marked actual or anticipated as CT.gov marks it;
- recruitment {targetNumber | actualNumber unsignedInt}: the enrollment, estimated or actual;
- associatedParty {name string, role CodeableConcept, classifier CodeableConcept, party Reference};
- outcomeMeasure {name string, type CodeableConcept, description markdown}: R5 has no time frame element,
  so the description ends with the registry's time frame, labelled.
"""

from __future__ import annotations

from fhir_adapter.resources.common import Json, compact, ctgov_coding, humanize, text_concept
from fhir_adapter.sources import Outcome, TrialRecord
from fhir_adapter.terms import (
    EXT_R5_ASSOCIATED_PARTY,
    EXT_R5_DATE,
    EXT_R5_LABEL,
    EXT_R5_OUTCOME_MEASURE,
    EXT_R5_PROGRESS_STATUS,
    EXT_R5_RECRUITMENT,
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


def label(title_type: str, value: str) -> Json:
    return _complex(
        EXT_R5_LABEL,
        ("type", "valueCodeableConcept", {"coding": [{"system": TITLE_TYPE_SYSTEM, "code": title_type}]}),
        ("value", "valueString", value),
    )


def last_changed(trial: TrialRecord) -> Json | None:
    return {"url": EXT_R5_DATE, "valueDateTime": trial.last_update_date} if trial.last_update_date else None


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
    return _complex(
        EXT_R5_PROGRESS_STATUS,
        ("state", "valueCodeableConcept", state),
        ("actual", "valueBoolean", actual),
        ("period", "valuePeriod", period),
    )


def _is_actual(date_type: str | None) -> bool | None:
    """Return True for ACTUAL, False for ESTIMATED, None when the registry does not say."""
    return {ACTUAL: True, ESTIMATED: False}.get(date_type or "")


def recruitment(trial: TrialRecord) -> Json | None:
    """Return the enrollment as R5 recruitment: actualNumber when CT.gov says ACTUAL, targetNumber when
    ESTIMATED; None when it says neither (the count then stays the Group's quantity alone)."""
    child = {ACTUAL: "actualNumber", ESTIMATED: "targetNumber"}.get(trial.enrollment_type or "")
    if trial.enrollment_count is None or child is None:
        return None
    return _complex(EXT_R5_RECRUITMENT, (child, "valueUnsignedInt", trial.enrollment_count))


def associated_party(
    name: str, role: Json | None, party: Json | None, *, classifier: Json | None = None
) -> Json:
    return _complex(
        EXT_R5_ASSOCIATED_PARTY,
        ("name", "valueString", name),
        ("role", "valueCodeableConcept", role or {"text": "unspecified role"}),
        ("classifier", "valueCodeableConcept", classifier),
        ("party", "valueReference", party),
    )


def outcome_measure(outcome: Outcome) -> Json:
    type_coding = {"system": R5_OBJECTIVE_TYPE_SYSTEM, "code": OBJECTIVE_TYPES[outcome.kind]}
    parts = [outcome.description, f"Time frame: {outcome.time_frame}" if outcome.time_frame else None]
    return _complex(
        EXT_R5_OUTCOME_MEASURE,
        ("name", "valueString", outcome.measure),
        ("type", "valueCodeableConcept", {"coding": [type_coding]}),
        ("description", "valueMarkdown", "\n\n".join(p for p in parts if p) or None),
    )


def _complex(url: str, *children: tuple[str, str, object]) -> Json:
    """Return a complex extension with one sub-extension per child whose value is not None."""
    return {
        "url": url,
        "extension": [
            compact({"url": name, kind: value}) for name, kind, value in children if value is not None
        ],
    }
