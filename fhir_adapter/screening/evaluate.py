"""Screening one patient against one trial: a finding per characteristic, a result per criterion, a verdict.

Which rule reads a characteristic:
- `eligibility-logic` any-of / conditional: R4 keeps these as text; never decided, listed for review;
- no coding (criterion text only), or healthy volunteers (not EHR data): never decided, listed for review;
- SNOMED CT 397669002 Age: age at the screening date (demographics.py);
- our `sex` code: Patient.gender (demographics.py);
- a yes/no value (valueBoolean) on a SNOMED CT code: Conditions and tests (statuses.py);
- a Quantity or Range: the latest result in the lookback window (measures.py);
- anything else is coded but has no rule here: unknown, and it counts as an undecided coded criterion.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator

from fhir_adapter.errors import InputError
from fhir_adapter.screening.demographics import evaluate_age, evaluate_sex
from fhir_adapter.screening.evidence import ScreeningContext
from fhir_adapter.screening.findings import CriterionResult, Finding, PatientScreen
from fhir_adapter.screening.measures import evaluate_measure
from fhir_adapter.screening.patients import PatientRecord
from fhir_adapter.screening.statuses import evaluate_status
from fhir_adapter.screening.trial import Characteristic, Criterion, ScreeningTrial
from fhir_adapter.terms import CHARACTERISTIC_SYSTEM, SNOMED_AGE, SNOMED_SYSTEM

logger = logging.getLogger(__name__)

Rule = Callable[[Characteristic, PatientRecord, ScreeningContext], Finding]

REVIEW_LOGIC = {
    "any-of": "its alternatives are kept as text in R4 (eligibility-logic any-of)",
    "conditional": "its threshold holds only for a subgroup or another time (eligibility-logic conditional)",
}


def screen_patient(trial: ScreeningTrial, patient: PatientRecord, context: ScreeningContext) -> PatientScreen:
    """Return the patient's result for every criterion of the trial, and so the verdict."""
    results = tuple(_criterion_result(criterion, patient, context) for criterion in trial.criteria)
    return PatientScreen.of(patient.id, results)


def screen_patients(
    trial: ScreeningTrial, patients: Iterable[PatientRecord | InputError], context: ScreeningContext
) -> Iterator[PatientScreen | InputError]:
    """Yield each patient's screening, or the read error of a patient (which never stops the others)."""
    for patient in patients:
        if isinstance(patient, InputError):
            yield patient
            continue
        if _is_deceased(patient):
            logger.debug("%s: screen: patient %s skipped: deceased", trial.nct_id, patient.id)
            continue
        screen = screen_patient(trial, patient, context)
        logger.debug("%s: screen: patient %s %s", trial.nct_id, patient.id, screen.verdict.value)
        yield screen


def evaluate_characteristic(
    characteristic: Characteristic, patient: PatientRecord, context: ScreeningContext
) -> Finding:
    """Return the finding for one characteristic, by the rule its logic, code and value call for."""
    review = review_reason(characteristic)
    if review is not None:
        return Finding(characteristic, None, review, review=True)
    rule = _rule(characteristic)
    if rule is None:
        codes = ", ".join(f"{system}|{code}" for system, code in characteristic.codes)
        return Finding(characteristic, None, f"no screening rule for {codes} with this kind of value")
    return rule(characteristic, patient, context)


def review_reason(characteristic: Characteristic) -> str | None:
    """Return why the tool never decides this characteristic, or None when a rule may decide it."""
    if characteristic.logic is not None:
        why = REVIEW_LOGIC.get(characteristic.logic, f"unknown eligibility logic {characteristic.logic!r}")
        return f"not decided: {why}; review"
    if not characteristic.codes:
        return "criterion only in text; review"
    if (CHARACTERISTIC_SYSTEM, "healthy-volunteers") in characteristic.codes:
        return "whether a patient is a healthy volunteer is not EHR data; review"
    return None


def _rule(characteristic: Characteristic) -> Rule | None:
    codes, value = characteristic.codes, characteristic.value
    if (CHARACTERISTIC_SYSTEM, "sex") in codes:
        return evaluate_sex
    if (SNOMED_SYSTEM, SNOMED_AGE) in codes:
        return evaluate_age
    if "valueBoolean" in value and any(system == SNOMED_SYSTEM for system, _ in codes):
        return evaluate_status
    if "valueQuantity" in value or "valueRange" in value:
        return evaluate_measure
    return None


def _criterion_result(
    criterion: Criterion, patient: PatientRecord, context: ScreeningContext
) -> CriterionResult:
    findings = tuple(evaluate_characteristic(c, patient, context) for c in criterion.characteristics)
    return CriterionResult.of(criterion, findings)


def _is_deceased(patient: PatientRecord) -> bool:
    record = patient.patient
    return record.get("deceasedBoolean") is True or bool(record.get("deceasedDateTime"))
