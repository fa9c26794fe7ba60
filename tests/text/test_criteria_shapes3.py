"""General shapes the held-out set 3 showed the parser misreading (wrong facts first).

Every text here is hand-written in the shape of a real criterion, never a record's own sentence.
"""

from __future__ import annotations

from fhir_adapter.text import ALL_OF, ANY_OF, EXCLUSION, INCLUSION, Criterion, parse_criteria

Values = list[tuple[str, str | None, float | None, float | None, float | None, str | None]]


def _values(criterion: Criterion) -> Values:
    return [(f.kind, f.comparator, f.value, f.low, f.high, f.unit) for f in criterion.facts]


def test_a_heading_followed_on_its_line_by_an_introduction_still_opens_its_section() -> None:
    criteria = parse_criteria(
        "Inclusion Criteria: Persons who meet all the following criteria may take part\n\n"
        "1. Adults aged 21 years or older\n2. Written consent\n\n"
        "Exclusion Criteria: Persons who meet any of the following criteria are excluded.\n\n"
        "1. Pregnant women\n2. Active infection\n"
    )
    assert [(c.section, c.index) for c in criteria] == [
        (INCLUSION, 1),
        (INCLUSION, 2),
        (EXCLUSION, 1),
        (EXCLUSION, 2),
    ]
    assert _values(criteria[0]) == [("age", ">=", 21.0, None, None, "a")]


def test_a_heading_followed_on_its_line_by_a_criterion_keeps_that_criterion() -> None:
    criteria = parse_criteria(
        "Inclusion Criteria: adults aged 21 years or older\nExclusion Criteria:\n* Pregnancy"
    )
    assert [(c.section, c.text) for c in criteria] == [
        (INCLUSION, "adults aged 21 years or older"),
        (EXCLUSION, "Pregnancy"),
    ]


def test_a_bare_dash_line_is_an_empty_bullet_not_a_criterion() -> None:
    criteria = parse_criteria("Inclusion Criteria:\n\n-\n\nAdults with asthma\n")
    assert [c.text for c in criteria] == ["Adults with asthma"]


def _one(section: str, text: str) -> Criterion:
    heading = "Inclusion Criteria" if section == INCLUSION else "Exclusion Criteria"
    [criterion] = parse_criteria(f"{heading}:\n* {text}")
    return criterion


def test_a_unit_read_only_in_part_gives_no_fact() -> None:
    # "ml/min/1.75m2" is not a unit this parser knows: "mL/min" alone would be a different threshold.
    assert _values(_one(EXCLUSION, "Kidney failure (eGFR < 45 ml/min/1.75m2)")) == []
    assert _values(_one(EXCLUSION, "Kidney failure (eGFR < 45 ml/min/1.73m2)")) == [
        ("egfr", "<", 45.0, None, None, "mL/min/{1.73_m2}")
    ]


def test_a_value_in_another_measures_unit_is_not_an_age() -> None:
    criterion = _one(INCLUSION, "Boys and girls, 6 months of age or older with a body weight >= 12 kg")
    assert _values(criterion) == [("age", ">=", 6.0, None, None, "mo")]


def test_a_change_of_a_measure_is_not_its_level() -> None:
    text = (
        "Kidney injury: a rise in serum creatinine by >= 0.5 mg/dL within 2 days, or a >= 0.5 mg/dL "
        "(>= 44 umol/L) increase over baseline"
    )
    assert _values(_one(INCLUSION, text)) == []
    assert _values(_one(INCLUSION, "Serum creatinine >= 0.5 mg/dL")) == [
        ("creatinine", ">=", 0.5, None, None, "mg/dL")
    ]


def test_an_hba1c_range_in_a_unit_not_understood_is_not_unitless() -> None:
    criterion = _one(INCLUSION, "HbA1c 6.5-9.0 percent (48-75 millimoles per mole) at screening")
    assert _values(criterion) == [("hba1c", None, None, 6.5, 9.0, "%")]


def test_a_lower_age_limit_or_the_legal_age_whichever_is_older_must_meet_both() -> None:
    stricter = _one(
        INCLUSION, "Adults at least 21 years of age (or the legal age of consent, whichever is older)"
    )
    assert (stricter.logic, _values(stricter)) == (ALL_OF, [("age", ">=", 21.0, None, None, "a")])
    either = _one(INCLUSION, "Adults at least 21 years of age (or the legal age of consent in the country)")
    assert either.logic == ANY_OF


def test_short_labels_between_lists_are_sub_headings_without_their_colon() -> None:
    criteria = parse_criteria(
        "Exclusion Criteria:\n\nWeight-related\n\n- Weight-loss drugs within 90 days\n\n"
        "Kidney-related for participants with diabetes\n\n* Dialysis\n* Kidney transplant\n"
    )
    assert [c.text for c in criteria] == ["Weight-loss drugs within 90 days", "Dialysis", "Kidney transplant"]


def test_short_paragraphs_among_prose_criteria_stay_criteria() -> None:
    criteria = parse_criteria(
        "Exclusion Criteria:\n\nOther types of arthritis\n\n* Pregnancy\n\n"
        "Joint surgery within the last 3 months and any plan for further surgery\n\n* Active infection\n"
    )
    assert len(criteria) == 4


def test_a_lone_short_paragraph_above_the_only_list_is_a_criterion() -> None:
    criteria = parse_criteria("Inclusion Criteria:\n\nHealthy adults\n\n* Aged 18 to 40 years\n* Consent\n")
    assert [c.text for c in criteria] == ["Healthy adults", "Aged 18 to 40 years", "Consent"]


def _kinds(section: str, text: str) -> list[str]:
    return [f.kind for f in _one(section, text).facts]


def test_further_spellings_of_statuses_and_measures() -> None:
    assert _kinds(EXCLUSION, "Active infection with hepatitis type B or C") == ["hepatitis_b", "hepatitis_c"]
    assert _kinds(EXCLUSION, "Carriers of HBs Ag") == ["hepatitis_b"]
    assert _kinds(EXCLUSION, "Acquired immunodeficiency syndrome or other immune disease") == ["hiv"]
    assert _values(_one(INCLUSION, "Lanksy play score at least 60%")) == [
        ("lansky", ">=", 60.0, None, None, "%")
    ]
    assert _values(_one(INCLUSION, "Expected life span more than 6 months")) == [
        ("life_expectancy", ">", 6.0, None, None, "mo")
    ]


def test_an_age_range_with_a_hyphen_before_its_unit() -> None:
    assert _values(_one(INCLUSION, "Young people (12-30-years-old) with asthma")) == [
        ("age", None, None, 12.0, 30.0, "a")
    ]


def test_a_sex_labelled_value_after_a_semicolon_is_read_too() -> None:
    criterion = _one(EXCLUSION, "Prolonged QTc (men > 440 ms; women > 460 ms) at screening")
    assert _values(criterion) == [
        ("qtc", ">", 440.0, None, None, "ms"),
        ("qtc", ">", 460.0, None, None, "ms"),
    ]


def test_cells_between_the_power_of_ten_and_the_litre() -> None:
    assert _values(_one(INCLUSION, "Platelets >= 75 x 10^9 cells/L")) == [
        ("platelets", ">=", 75.0, None, None, "10*9/L")
    ]


def test_and_less_than_starts_the_upper_limit_of_a_pair() -> None:
    criterion = _one(INCLUSION, "eGFR greater than 20 mL/min/1.73 m2 and less than 75 mL/min/1.73 m2")
    assert _values(criterion) == [
        ("egfr", ">", 20.0, None, None, "mL/min/{1.73_m2}"),
        ("egfr", "<", 75.0, None, None, "mL/min/{1.73_m2}"),
    ]
    assert _values(_one(INCLUSION, "Aged 40 years and less")) == [("age", "<=", 40.0, None, None, "a")]


def test_pregnant_women_listed_with_lactating_women_and_a_contraception_refusal() -> None:
    text = "Pregnant women, nursing women, and women who refuse effective contraception"
    assert _kinds(EXCLUSION, text) == ["pregnancy", "breastfeeding"]


def test_a_list_marker_glued_to_the_heading_is_not_a_criterion() -> None:
    # "Inclusion Criteria:a." - the marker of a list that never comes, with no words of its own
    criteria = parse_criteria(
        "Inclusion Criteria:a.\n\n1. Adults aged 18 years or older.\n2. Signed consent.\n"
    )
    assert [c.text for c in criteria] == ["Adults aged 18 years or older.", "Signed consent."]


def test_a_count_of_listed_items_is_not_a_threshold() -> None:
    # "at least 1 of the following" counts the comorbidities below it: no BMI of 1 kg/m2
    text = "BMI ≥25.0 kg/m2 and at least 1 of the following weight-related comorbidities:"
    assert _values(_one(INCLUSION, text)) == [("bmi", ">=", 25.0, None, None, "kg/m2")]


def test_a_range_followed_by_of_is_still_a_range() -> None:
    text = "Males aged 18-65 of any racial or ethnic background"
    assert _values(_one(INCLUSION, text)) == [("age", None, None, 18.0, 65.0, "a")]


def test_a_paragraph_after_an_item_ending_with_a_colon_belongs_to_it() -> None:
    text = (
        "Inclusion Criteria:\n\n* Age >= 18 years\n* Adequate organ function as described below:\n\n"
        "ANC ≥ 1500/μL Platelet count ≥ 100,000/μL\n\n* Signed consent\n"
    )
    criteria = parse_criteria(text)
    assert len(criteria) == 3
    assert _values(criteria[1]) == [
        ("anc", ">=", 1500.0, None, None, "/uL"),
        ("platelets", ">=", 100000.0, None, None, "/uL"),
    ]


def test_a_label_above_a_list_numbered_from_one_is_a_sub_heading() -> None:
    text = (
        "Inclusion Criteria:\n\nAge\n\n1. Participant must be ≥ 18 years.\n2. Confirmed NSCLC.\n\n"
        "Exclusion Criteria:\n\nMedical Conditions\n\n1. Another primary malignancy.\n2. Known HIV infection.\n"
    )
    criteria = parse_criteria(text)
    assert [(c.section, c.text) for c in criteria] == [
        (INCLUSION, "Participant must be ≥ 18 years."),
        (INCLUSION, "Confirmed NSCLC."),
        (EXCLUSION, "Another primary malignancy."),
        (EXCLUSION, "Known HIV infection."),
    ]


def test_a_short_paragraph_above_a_bulleted_list_stays_a_criterion() -> None:
    criteria = parse_criteria("Inclusion Criteria:\n\nHealthy adults\n\n* Age >= 18\n* Signed consent\n")
    assert [c.text for c in criteria] == ["Healthy adults", "Age >= 18", "Signed consent"]


def test_a_comma_between_whole_scores_lists_them() -> None:
    # "0,1 or 2" on the ECOG scale: three scores, not 0.1 or 2
    assert _values(_one(INCLUSION, "ECOG performance status 0,1 or 2")) == [
        ("ecog", None, None, 0.0, 2.0, "1")
    ]


def test_an_if_clause_ends_with_the_bracket_it_is_in() -> None:
    text = "AST ≤ 3 x ULN (≤ 5 × ULN if known liver metastases) ALT ≤ 3 x ULN"
    facts = [(f.kind, f.value, f.condition) for f in _one(INCLUSION, text).facts]
    assert facts == [("ast", 3.0, None), ("ast", 5.0, "if known liver metastases"), ("alt", 3.0, None)]
