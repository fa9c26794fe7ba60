"""Criterion results and verdicts from hand-written Groups that follow the decided R4 representation."""

from __future__ import annotations

import pytest

from fhir_adapter.screening import PatientScreen, Result, Verdict, screen_patient, screen_patients
from fhir_adapter.terms import CHARACTERISTIC_SYSTEM, SNOMED_AGE, SNOMED_SYSTEM
from tests.screening.groups import (
    NEGATIVE,
    POSITIVE,
    Json,
    context,
    criterion,
    healthy_volunteers_not_accepted,
    loinc,
    observation,
    patient,
    quantity,
    snomed,
    trial,
    with_logic,
)

# inclusion 1: "Age >= 18 years"; inclusion 2: "ANC >= 1.5 x 10^9/L and platelets >= 100 x 10^9/L" (two facts,
# ANDed); exclusion 1: "QTc > 470 ms or HIV infection" (rule 2: one excluded characteristic per fact).
AGE = criterion(
    "inclusion 1", "Age >= 18 years", code=(SNOMED_SYSTEM, SNOMED_AGE), valueQuantity=quantity(18, "a", ">=")
)
ANC = criterion("inclusion 2", "ANC >= 1.5 x 10^9/L and platelets >= 100 x 10^9/L", code=loinc("751-8"),
                valueQuantity=quantity(1.5, "10*9/L", ">="))  # fmt: skip
PLATELETS = criterion("inclusion 2", "ANC >= 1.5 x 10^9/L and platelets >= 100 x 10^9/L", code=loinc("777-3"),
                      valueQuantity=quantity(100, "10*9/L", ">="))  # fmt: skip
QTC = criterion("exclusion 1", "QTc > 470 ms or HIV infection", code=loinc("8636-3"),
                valueQuantity=quantity(470, "ms", ">"), exclude=True)  # fmt: skip
HIV = criterion("exclusion 1", "QTc > 470 ms or HIV infection", code=snomed("86406008"), exclude=True)
TEXT_ONLY = criterion("inclusion 3", "Able to swallow tablets")
ANY_OF = with_logic(
    criterion("inclusion 4", "Creatinine < ULN or CrCl >= 60 mL/min", code=loinc("2160-0"),
              valueQuantity=quantity(1, "{ULN}", "<")),
    "any-of",
)  # fmt: skip
CONDITIONAL = with_logic(
    criterion("inclusion 5", "ECOG 0-2 (0 to 3 for participants >= 60 to 74 years)", code=loinc("89247-1"),
              valueRange={"low": quantity(0, "1"), "high": quantity(2, "1")}),
    "conditional",
)  # fmt: skip
SEX = {"code": {"coding": [{"system": CHARACTERISTIC_SYSTEM, "code": "sex"}], "text": "Sex: FEMALE"},
       "valueCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/administrative-gender", "code": "female"}]},
       "exclude": False}  # fmt: skip
TRIAL = trial(
    SEX, AGE, ANC, PLATELETS, QTC, HIV, TEXT_ONLY, ANY_OF, CONDITIONAL, healthy_volunteers_not_accepted()
)


def _labs(anc: float = 2.0, platelets: float = 150, qtc: float = 420, hiv: Json = NEGATIVE) -> list[Json]:
    return [
        observation(loinc("751-8"), oid="anc", valueQuantity=quantity(anc, "10*9/L")),
        observation(loinc("777-3"), oid="plt", valueQuantity=quantity(platelets, "10*9/L")),
        observation(loinc("8636-3"), oid="qtc", valueQuantity=quantity(qtc, "ms")),
        observation(loinc("9836-8"), oid="hiv", valueCodeableConcept=hiv),
    ]


def _results(screen: PatientScreen) -> dict[str, Result]:
    return {r.criterion.label: r.result for r in screen.results}


def test_all_coded_criteria_passing_is_likely_whatever_the_text_only_ones_say() -> None:
    screen = screen_patient(TRIAL, patient(*_labs()), context())
    assert screen.verdict is Verdict.LIKELY
    assert _results(screen) == {
        "sex": Result.MET, "inclusion 1": Result.MET, "inclusion 2": Result.MET, "exclusion 1": Result.NOT_MET,
        "inclusion 3": Result.UNKNOWN, "inclusion 4": Result.UNKNOWN, "inclusion 5": Result.UNKNOWN,
        "healthy volunteers": Result.UNKNOWN,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("labs", "label", "result"),
    [(_labs(anc=1.4), "inclusion 2", Result.NOT_MET), (_labs(platelets=99), "inclusion 2", Result.NOT_MET),
     (_labs(qtc=471), "exclusion 1", Result.MET), (_labs(hiv=POSITIVE), "exclusion 1", Result.MET)],
    ids=["anc-low", "platelets-low", "qtc-long", "hiv-positive"],
)  # fmt: skip
def test_one_failing_fact_fails_its_criterion_and_excludes(
    labs: list[Json], label: str, result: Result
) -> None:
    screen = screen_patient(TRIAL, patient(*labs), context())
    assert _results(screen)[label] is result
    assert screen.verdict is Verdict.EXCLUDED


def test_one_unknown_fact_of_an_anded_inclusion_makes_it_unknown_and_the_patient_possible() -> None:
    labs = [lab for lab in _labs() if lab["id"] != "plt"]
    screen = screen_patient(TRIAL, patient(*labs), context())
    assert _results(screen)["inclusion 2"] is Result.UNKNOWN
    assert screen.verdict is Verdict.POSSIBLE


def test_an_exclusion_with_one_fact_present_is_met_even_if_the_other_is_unknown() -> None:
    labs = [lab for lab in _labs(qtc=480) if lab["id"] != "hiv"]
    assert _results(screen_patient(TRIAL, patient(*labs), context()))["exclusion 1"] is Result.MET


def test_any_of_and_conditional_criteria_are_listed_for_review_never_decided() -> None:
    # Even with data that would decide the coded form, R4 keeps these as text: the tool does not decide them.
    creatinine = observation(loinc("2160-0"), oid="cr", valueQuantity=quantity(5, "mg/dL"),
                             referenceRange=[{"high": quantity(1.2, "mg/dL")}])  # fmt: skip
    ecog = observation(loinc("89247-1"), oid="ecog", valueInteger=3)
    screen = screen_patient(TRIAL, patient(*_labs(), creatinine, ecog), context())
    review = {r.criterion.label: r for r in screen.results if r.review}
    assert set(review) == {"inclusion 3", "inclusion 4", "inclusion 5", "healthy volunteers"}
    assert "any-of" in review["inclusion 4"].reason and "conditional" in review["inclusion 5"].reason
    assert screen.verdict is Verdict.LIKELY


@pytest.mark.parametrize(
    ("birth", "gender", "verdict"),
    [("2007-01-31", "female", Verdict.LIKELY), ("2007-02-01", "female", Verdict.EXCLUDED),
     ("2007", "female", Verdict.POSSIBLE), ("1970-01-01", "male", Verdict.EXCLUDED),
     ("1970-01-01", "unknown", Verdict.POSSIBLE)],
    ids=["18-today", "17", "year-only", "male", "gender-unknown"],
)  # fmt: skip
def test_age_and_sex(birth: str, gender: str, verdict: Verdict) -> None:
    assert screen_patient(TRIAL, patient(*_labs(), birth=birth, gender=gender), context()).verdict is verdict


def test_a_trial_with_no_coded_criterion_is_never_likely() -> None:
    only_text = trial(TEXT_ONLY, healthy_volunteers_not_accepted())
    assert screen_patient(only_text, patient(), context()).verdict is Verdict.POSSIBLE


def test_a_coded_characteristic_without_a_rule_is_unknown_and_counts() -> None:
    transaminases = criterion("inclusion 1", "Transaminases <= 2.5 x ULN", code=(CHARACTERISTIC_SYSTEM, "transaminases"),
                              valueCodeableConcept={"text": "x"})  # fmt: skip
    screen = screen_patient(trial(transaminases), patient(), context())
    assert screen.results[0].review is False
    assert "no screening rule" in screen.results[0].reason
    assert screen.verdict is Verdict.POSSIBLE


def test_deceased_patients_are_not_screened() -> None:
    alive = patient(*_labs())
    deceased = patient(*_labs(), extra={"deceasedDateTime": "2024-12-01"})
    deceased.id = "p2"
    screened = list(screen_patients(TRIAL, [alive, deceased], context()))
    assert [s.patient_id for s in screened if isinstance(s, PatientScreen)] == ["p1"]


ONE_MONTH_TO_18_YEARS = {
    "code": {
        "coding": [{"system": SNOMED_SYSTEM, "code": SNOMED_AGE}],
        "text": "Minimum age 1 Month; Maximum age 18 Years",
    },
    "valueRange": {"low": quantity(1, "mo"), "high": quantity(18, "a")},
    "exclude": False,
}


@pytest.mark.parametrize(
    ("birth", "verdict"),
    [("2006-03-01", Verdict.LIKELY), ("2006-01-31", Verdict.EXCLUDED), ("2025-01-10", Verdict.EXCLUDED),
     ("2024-12-31", Verdict.LIKELY)],
    ids=["18-years-11-months", "19", "3-weeks", "1-month"],
)  # fmt: skip
def test_an_age_range_counts_each_bound_in_its_own_unit(birth: str, verdict: Verdict) -> None:
    # CT.gov "1 Month" to "18 Years": at least one completed month, at most 18 completed years.
    assert screen_patient(trial(ONE_MONTH_TO_18_YEARS), patient(birth=birth), context()).verdict is verdict
