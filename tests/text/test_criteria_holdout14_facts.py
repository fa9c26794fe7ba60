"""Wrong facts of the criteria parser on held-out set 14, fixed in general (branch critfix15).

Each test reads the real record's words (the record is named) and a near miss that must keep its old reading.
"""

from __future__ import annotations

from fhir_adapter.text import parse_criteria


def _kinds(text: str) -> list[str]:
    return [f.kind for c in parse_criteria(text) for f in c.facts]


# NCT05695898: "Hemoglobin >=9 g/dL or >5.6 mmol/L" - the same limit in another unit, rounded, with ">"
def test_a_limit_restated_in_another_unit_with_the_strict_comparator_is_one_fact() -> None:
    facts = [
        f
        for c in parse_criteria("Inclusion Criteria:\n\n* Hemoglobin >=9 g/dL or >5.6 mmol/L\n")
        for f in c.facts
    ]
    assert [(f.kind, f.comparator, f.value, f.unit) for f in facts] == [("hemoglobin", ">=", 9.0, "g/dL")]


def test_limits_from_opposite_sides_in_two_units_are_both_kept() -> None:
    text = "Inclusion Criteria:\n\n* Hemoglobin >= 9 g/dL or < 12 mmol/L\n"
    assert _kinds(text) == ["hemoglobin", "hemoglobin"]


# NCT05695898 inclusion 11 and 17: "the developing human fetus and nursing infant", "exposing the nursing infant"
def test_a_nursing_infant_is_no_breastfeeding_status() -> None:
    text = (
        "Inclusion Criteria:\n\n1. The effects of XmAb23104 and XmAb22841 on the developing human fetus and "
        "nursing infant are unknown. Therefore, participants who enroll in this trial must agree to follow the "
        "below contraception requirements.\n"
    )
    assert "breastfeeding" not in _kinds(text)
    assert _kinds("Exclusion Criteria:\n\n1. Pregnant or nursing women\n") == ["pregnancy", "breastfeeding"]


# NCT05694715 inclusion 12: the reason for the contraception rules, not a requirement to be (non)pregnant
_FETAL_HARM = (
    "Inclusion Criteria:\n\n1. Based on its mechanism of action and pre-clinical findings, irinotecan can cause "
    "fetal harm when administered to a pregnant woman. Additionally, the effects of niraparib on the developing "
    "fetus are unknown. Therefore:\n\n   a. Females of childbearing potential are advised to practice a highly "
    "effective method of contraception.\n"
)


def test_pregnancy_named_only_in_a_sentence_on_a_drugs_fetal_risk_is_withheld() -> None:
    assert "pregnancy" not in _kinds(_FETAL_HARM)
    assert "pregnancy" in [u.kind for c in parse_criteria(_FETAL_HARM) for u in c.unclear]


def test_a_required_test_or_an_exclusion_in_the_risk_sentence_keeps_the_status() -> None:
    test = (
        "Inclusion Criteria:\n\n1. A negative pregnancy test is required because of the risk of fetal harm.\n"
    )
    excluded = (
        "Inclusion Criteria:\n\n1. Pregnant and nursing patients are excluded because the effects of tosedostat "
        "on a fetus or nursing child are unknown.\n"
    )
    exclusion = "Exclusion Criteria:\n\n1. Pregnant women, as X can cause fetal harm.\n"
    assert "pregnancy" in _kinds(test)
    assert {"pregnancy", "breastfeeding"} <= set(_kinds(excluded))
    assert "pregnancy" in _kinds(exclusion)


# NCT05693129 inclusion 7: pulse-rate ranges by age band, "Age <2 years: 100 to 190 bpm ii. Age 2 to 6 years: ..."
def test_an_age_that_labels_a_row_of_another_measures_values_is_withheld() -> None:
    text = (
        "Inclusion Criteria:\n\n1. Patient's sitting vital signs should be within the following ranges:\n"
        "   * Pulse rate (Fleming 2011):\n   * Age <2 years: 100 to 190 bpm ii. Age 2 to 6 years: 60 to 140 bpm\n"
    )
    criteria = parse_criteria(text)
    assert "age" not in [f.kind for c in criteria for f in c.facts]
    assert [u.kind for c in criteria for u in c.unclear].count("age") == 2
    assert _kinds("Inclusion Criteria:\n\n1. Age 2 to 6 years: both sexes\n") == ["age"]


# NCT05693129 exclusion 2: "QTc >460 msec if the measurement is confirmed with an additional ECG"
def test_an_if_clause_that_confirms_the_measurement_is_no_condition() -> None:
    text = (
        "Exclusion Criteria:\n\n1. Resting QTc (Fridericia preferred, but Bazett acceptable) >460 msec if the "
        "measurement is confirmed with an additional ECG repeated as soon as possible.\n"
    )
    (criterion,) = parse_criteria(text)
    assert [(f.kind, f.condition) for f in criterion.facts] == [("qtc", None)]
    subgroup = "Exclusion Criteria:\n\n1. QTc > 500 msec if bundle branch block is confirmed\n"
    assert [f.condition is not None for c in parse_criteria(subgroup) for f in c.facts] == [True]


# NCT05690425 "Serum creatinine ≤ 1.5 × Upper limit of normal value (ULN)", NCT05694715 "AST and ALT <=2.5 x
# Upper Limit Normal (ULN)": the spelled-out upper limit of normal with capitals
def test_the_upper_limit_of_normal_spelled_with_capitals_is_uln() -> None:
    for text, value in (
        ("Inclusion Criteria:\n\n* Serum creatinine ≤ 1.5 × Upper limit of normal value (ULN)\n", 1.5),
        ("Inclusion Criteria:\n\n* Creatinine <=2.5 x Upper Limit Normal (ULN)\n", 2.5),
    ):
        facts = [f for c in parse_criteria(text) for f in c.facts]
        assert [(f.kind, f.value, f.unit) for f in facts] == [("creatinine", value, "{ULN}")]


# NCT05687682: "Platelet ≥ 80,000 counts/μL"
def test_counts_per_microlitre_is_per_microlitre() -> None:
    facts = [
        f for c in parse_criteria("Inclusion Criteria:\n\n* Platelet ≥ 80,000 counts/μL\n") for f in c.facts
    ]
    assert [(f.kind, f.value, f.unit) for f in facts] == [("platelets", 80000.0, "/uL")]


# NCT05690321 inclusion 1: the age is its own sub-item's; a sibling sub-item is about pregnancy tests
def test_an_age_in_a_sub_item_is_not_doubted_for_a_siblings_pregnancy_words() -> None:
    text = (
        "Inclusion Criteria:\n\n1. Signed informed consent before any study specific procedures\n"
        "   1. Male or female with an age of 20 years or more\n"
        "   2. The investigator will ensure that fertile female participants have a negative pregnancy test.\n"
    )
    assert "age" in _kinds(text)
    under_heading = (
        "Inclusion Criteria:\n\n1. Sex and Contraceptive/Barrier Requirements: female participants must use "
        "contraception.\n   1. Patients under 55 years\n"
    )
    assert "age" not in _kinds(under_heading)


# NCT02120703 inclusion 1: "30-60 years age", "of" left out
def test_an_age_range_with_years_age_is_the_age() -> None:
    facts = [f for c in parse_criteria("Inclusion Criteria:\n\n* 30-60 years age\n") for f in c.facts]
    assert [(f.kind, f.low, f.high, f.unit) for f in facts] == [("age", 30.0, 60.0, "a")]
    assert _kinds("Inclusion Criteria:\n\n* Disease for 3-5 years\n") == []


# NCT06208150 inclusion 1: "urine M-protein level >= 200 milligram (mg) per 24 hours"
def test_milligram_with_its_symbol_per_24_hours_is_mg_per_24_h() -> None:
    text = "Inclusion Criteria:\n\n* urine M-protein level >= 200 milligram (mg) per 24 hours\n"
    facts = [f for c in parse_criteria(text) for f in c.facts]
    assert [(f.kind, f.value, f.unit) for f in facts] == [("urine_m_protein", 200.0, "mg/(24.h)")]


# NCT05658640 (set 12): "Patients under 6 years old must weigh at least 7 kg ... Patients over 6 years old must
# weigh at least 10 kg" - two ages no patient can have at once
def test_age_limits_no_patient_can_meet_together_are_withheld() -> None:
    text = (
        "Inclusion Criteria:\n\n* Patients under 6 years old must weigh at least 7 kg at the time of enrollment. "
        "Patients over 6 years old must weigh at least 10 kg at the time of enrollment.\n"
    )
    criteria = parse_criteria(text)
    assert "age" not in [f.kind for c in criteria for f in c.facts]
    assert [u.kind for c in criteria for u in c.unclear].count("age") == 2
    both = [
        f
        for c in parse_criteria("Inclusion Criteria:\n\n* Age >= 18 years and < 75 years\n")
        for f in c.facts
    ]
    assert [(f.kind, f.comparator) for f in both] == [("age", ">="), ("age", "<")]


# NCT05695898 inclusion 9: the ALT item after "g)" took the AST item's "For participants with liver metastasis:"
def test_an_inline_item_marker_ends_the_subgroup_words_before_it() -> None:
    text = (
        "Inclusion Criteria:\n\n* Aspartate aminotransferase (AST) <=2.5 x ULN or For participants with liver "
        "metastasis: <=5 x ULN g) Alanine aminotransferase (ALT) <=2.5 x ULN or For participants with liver "
        "metastasis: <= 5 x ULN\n"
    )
    facts = [f for c in parse_criteria(text) for f in c.facts]
    assert [(f.kind, f.value, f.condition is not None) for f in facts] == [
        ("ast", 2.5, False),
        ("ast", 5.0, True),
        ("alt", 2.5, False),
        ("alt", 5.0, True),
    ]
