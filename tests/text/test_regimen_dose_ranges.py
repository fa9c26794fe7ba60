"""A dose range written "between N and M": the number before "and" has no unit of its own, so it was dropped and
the range read as its top alone ("between 100 and 250 mg" as 250 mg: a wrong dose). Hand-written texts; no
expectation file has this wording yet (noticed by regfix14, stop 23)."""

from __future__ import annotations

from fhir_adapter.text.regimen.doses import find_doses
from tests.text.test_regimen import regimen_of


def test_between_n_and_m_is_a_range() -> None:
    [dose] = find_doses("Rituximab at a dose between 100 and 250 mg IV on day 1")
    assert (dose.value, dose.high, dose.unit, dose.text) == (100.0, 250.0, "mg", "100 and 250 mg")


def test_between_written_high_to_low_is_the_same_range() -> None:
    [dose] = find_doses("a dose between 250 and 100 mg")
    assert (dose.value, dose.high) == (100.0, 250.0)


def test_between_days_gives_the_dose_no_low_end() -> None:
    # near miss: "between days 1 and 5" names days, and the dose after it has no range
    [dose] = find_doses("between days 1 and 5, 20 mg daily")
    assert (dose.value, dose.high) == (20.0, None)


def test_the_drug_gets_the_range_not_its_top() -> None:
    regimen = regimen_of(None, ("Rituximab", "Rituximab at a dose between 375 and 500 mg/m2 IV on day 1."))
    [drug] = regimen.drugs
    assert (drug.dose, drug.dose_high, drug.unit) == (375.0, 500.0, "mg/m2")
