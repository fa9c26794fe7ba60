"""Regimen readings made right from held-out set 16's records (after it was scored blind)."""

from __future__ import annotations

from fhir_adapter.text.regimen.doses import find_doses


def test_the_last_digits_of_a_number_grouped_by_spaces_are_no_dose() -> None:
    # NCT05685615: "15 000 IU/kg" left "000 IU/kg" to the dose pattern, which read 0 IU/kg
    [dose] = find_doses("plus Polymyxin B (12 500-15 000 IU/kg) infused over 1h")
    assert dose.value is None and dose.ambiguous and dose.doubt and "grouped by spaces" in dose.doubt


def test_decimals_with_a_leading_zero_are_doses() -> None:
    # near miss: "0.5" and "0,25" start with a zero and are plain doses
    assert [d.value for d in find_doses("0.5 mg daily, then 0,25 mg")] == [0.5, 0.25]
