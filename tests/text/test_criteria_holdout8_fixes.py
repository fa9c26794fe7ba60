"""Causes of the criteria parser's mistakes on held-out set 8, fixed in general (branch critfix9).

Each test reads the real record's words (the record is named) and, where a fix could overreach, a near miss
that must keep its old reading. Wrong facts are worse than missing ones.
"""

from __future__ import annotations

from fhir_adapter.text import ANY_OF, CONDITIONAL, EXCLUSION, INCLUSION, parse_criteria

Value = tuple[str, str | None, float | None, float | None, float | None, str | None]


def _counts(text: str) -> tuple[int, int]:
    criteria = parse_criteria(text)
    return (
        sum(1 for c in criteria if c.section == INCLUSION),
        sum(1 for c in criteria if c.section == EXCLUSION),
    )


def _facts(text: str, section: str, index: int) -> list[Value]:
    criterion = next(c for c in parse_criteria(text) if c.section == section and c.index == index)
    return [(f.kind, f.comparator, f.value, f.low, f.high, f.unit) for f in criterion.facts]


# NCT01742767, shortened: a lone bullet wraps each numbered list; a numbered item has paragraphs of its own
_WRAPPED_LISTS = (
    "Inclusion Criteria:\n\n"
    "* Patients are eligible to be included in the study only if they meet all of the following criteria:\n\n"
    "  1. No prior systemic chemotherapy for lung cancer\n"
    "  2. Female patients with childbearing potential must use highly effective methods of contraception\n\n"
    "      A female subject is considered to be of childbearing potential unless she is age ≥ 50 years.\n\n"
    "      Male patients must agree to use condoms during the study.\n"
    "  3. Estimated life expectancy of 12 weeks\n\n"
    "Exclusion Criteria:\n\n"
    "* Patients will be excluded from the study if they meet any of the following criteria:\n\n"
    "  1. Inability to comply with protocol or study procedures\n"
    "  2. Pregnant or breast-feeding patient\n"
    "  3. Yellow fever vaccination within the 30 days previous to study entry.\n"
)


def test_paragraphs_indented_under_a_numbered_sub_item_are_that_item_s() -> None:
    criteria = parse_criteria(_WRAPPED_LISTS)
    assert _counts(_WRAPPED_LISTS) == (3, 3)
    assert criteria[1].text.endswith(
        "contraception A female subject is considered to be of childbearing "
        "potential unless she is age ≥ 50 years. Male patients must agree to use "
        "condoms during the study."
    )


def test_an_exclusion_wrapper_saying_any_of_the_following_is_a_wrapper() -> None:
    # in an exclusion block each item excludes alone: "any of the following" lists criteria, not alternatives
    exclusions = [c for c in parse_criteria(_WRAPPED_LISTS) if c.section == EXCLUSION]
    assert [c.index for c in exclusions] == [1, 2, 3]
    assert {f.kind for f in exclusions[1].facts} == {"pregnancy", "breastfeeding"}
    # an inclusion lone bullet saying "one of the following" stays one criterion of alternatives
    near_miss = "Inclusion Criteria:\n\n* Patients must have one of the following:\n  * ECOG 0-1\n  * Karnofsky >= 80\n"
    assert _counts(near_miss) == (1, 0)


def test_items_nested_under_a_wrapped_item_stay_its_sub_items() -> None:
    # NCT05879653 inclusion 4: "Female participants:", its paragraph, and its own numbered alternatives
    text = (
        "Inclusion Criteria:\n\n"
        "* Participants are eligible to be included in the study only if all of the following criteria apply:\n\n"
        "  1. Male/female participants who are at least 18 years of age\n\n"
        "     Note: Participants with mixed histology are eligible provided the urothelial component is ≥50%.\n"
        "  2. Female participants:\n\n"
        "     A female participant is eligible to participate if she is not pregnant, not breastfeeding, and at "
        "least one of the following conditions applies:\n"
        "     1. Not a woman of childbearing potential (WOCBP) OR\n"
        "     2. A WOCBP who agrees to follow the contraceptive guidance during the treatment period\n"
        "  3. Have an Eastern Cooperative Oncology Group (ECOG) performance status of 0 to 1.\n"
    )
    criteria = parse_criteria(text)
    assert _counts(text) == (3, 0)
    assert criteria[1].text.startswith("Female participants: A female participant is eligible")
    assert criteria[1].sub_items == (
        "Not a woman of childbearing potential (WOCBP) OR",
        "A WOCBP who agrees to follow the contraceptive guidance during the treatment period",
    )
    assert {f.kind for f in criteria[1].facts} == {"pregnancy", "breastfeeding"}
    assert _facts(text, INCLUSION, 3) == [("ecog", None, None, 0.0, 1.0, "1")]


# NCT01515527, shortened: two cohorts, each with its own inclusion and exclusion blocks
_COHORTS = (
    "Cohort 1\n\n"
    "Inclusion Criteria:\n\n"
    "1. Patients with previously untreated AML.\n"
    "2. ECOG performance status of ≤ 2.\n\n"
    "Exclusion Criteria:\n\n"
    "1. Pregnant women are excluded from this study.\n\n"
    "Cohort 2\n\n"
    "Inclusion Criteria:\n\n"
    "3. Patients with previously untreated AML who are not currently eligible for other frontline trials.\n\n"
    "4. Patients must have one of the following:\n\n"
    "* Creatinine >/= 2 mg/dL\n"
    "* ECOG Performance Status equal to 3 or 4\n\n"
    "  5. A negative urine pregnancy test is required within 1 week for all women of childbearing potential.\n\n"
    "  6. Prior therapy with decitabine will be allowed.\n\n"
    "Exclusion Criteria:\n\n"
    "2. Pregnant women are excluded from this study.\n"
)


def test_a_cohort_label_above_a_heading_is_no_criterion_and_conditions_its_blocks() -> None:
    criteria = parse_criteria(_COHORTS)
    assert _counts(_COHORTS) == (6, 2)
    assert all("Cohort" not in c.text for c in criteria)
    ecog = criteria[1]
    assert ecog.logic == CONDITIONAL
    assert [(f.kind, f.value, f.condition) for f in ecog.facts] == [("ecog", 2.0, "Cohort 1")]
    second = next(c for c in criteria if c.section == INCLUSION and c.index == 4)
    assert {f.condition for f in second.facts} == {"Cohort 2"}
    # a short criterion paragraph right above a heading is still a criterion
    near_miss = "Healthy adults\n\nExclusion Criteria:\n\n* Pregnancy\n"
    assert _counts(near_miss) == (1, 1)


def test_an_indented_item_numbered_after_its_parent_is_the_next_criterion() -> None:
    criteria = [c for c in parse_criteria(_COHORTS) if c.section == INCLUSION]
    assert criteria[3].sub_items == ("Creatinine >/= 2 mg/dL", "ECOG Performance Status equal to 3 or 4")
    assert criteria[4].text.startswith("A negative urine pregnancy test")
    assert criteria[5].text == "Prior therapy with decitabine will be allowed."
    # a numbered sub-list under a numbered item stays its sub-items, even where a number is the parent's + 1
    near_miss = (
        "Inclusion Criteria:\n\n"
        "1. Adequate organ function:\n"
        "   1. ANC >= 1500/uL\n"
        "   2. Platelets >= 100000/uL\n"
        "2. ECOG 0-1\n"
    )
    assert _counts(near_miss) == (2, 0)


def test_a_radioisotope_gfr_is_no_estimated_gfr() -> None:
    # NCT00070200 inclusion 9: one threshold for a creatinine clearance or a measured GFR; either is enough
    text = "Inclusion Criteria:\n\n* Creatinine clearance or radioisotope glomerular filtration rate at least 60 mL/min\n"
    criterion = parse_criteria(text)[0]
    assert _facts(text, INCLUSION, 1) == [("creatinine_clearance", ">=", 60.0, None, None, "mL/min")]
    assert criterion.logic == ANY_OF
    # NCT05740449: a measured GFR alone is no eGFR; its threshold stays text
    measured = "Inclusion Criteria:\n\n* radioisotope glomerular filtration rate ≥ 60 mL/min/1.73 m2\n"
    assert _facts(measured, INCLUSION, 1) == []
    # an estimated GFR, or a GFR with no method named, is still read as eGFR
    estimated = "Inclusion Criteria:\n\n* GFR >= 60 mL/min/1.73 m2\n"
    assert _facts(estimated, INCLUSION, 1) == [("egfr", ">=", 60.0, None, None, "mL/min/{1.73_m2}")]


def test_a_band_written_with_its_unit_twice_has_both_limits() -> None:
    # NCT05879653 exclusion 13 writes "HbA1c 7% to <8%": the lower limit carries the unit too
    text = "Inclusion Criteria:\n\n* HbA1c 7% to <8%\n"
    assert sorted(_facts(text, INCLUSION, 1)) == [
        ("hba1c", "<", 8.0, None, None, "%"),
        ("hba1c", ">=", 7.0, None, None, "%"),
    ]
    # a lower number in another unit is no lower limit of the same band
    other_unit = "Inclusion Criteria:\n\n* Hemoglobin 7 g/dL to < 8 mmol/L\n"
    assert _facts(other_unit, INCLUSION, 1) == [("hemoglobin", "<", 8.0, None, None, "mmol/L")]


def test_an_exclusion_band_stays_text() -> None:
    # NCT05879653 exclusion 13: excluding HbA1c >= 7 and, apart, HbA1c < 8 would exclude everyone
    text = (
        "Exclusion Criteria:\n\n* Has uncontrolled diabetes. Uncontrol diabetes is defined as hemoglobin A1c "
        "(HbA1c) ≥8% or HbA1c 7% to <8% with associated diabetes symptoms (polyuria or polydipsia).\n"
    )
    criterion = parse_criteria(text)[0]
    assert _facts(text, EXCLUSION, 1) == [("hba1c", ">=", 8.0, None, None, "%")]
    assert [(u.kind, u.phrase) for u in criterion.unclear] == [("hba1c", "HbA1c 7% to <8%")]
    # an inclusion band is two limits the patient meets together
    inclusion = "Inclusion Criteria:\n\n* Male or female from 2 to <12 years of age.\n"
    assert sorted(_facts(inclusion, INCLUSION, 1)) == [
        ("age", "<", 12.0, None, None, "a"),
        ("age", ">=", 2.0, None, None, "a"),
    ]


def test_a_value_the_patient_is_expected_to_develop_is_no_limit_now() -> None:
    # NCT00739934 inclusion 3: the neutropenia comes after chemotherapy
    text = (
        "Inclusion Criteria:\n\n* Expected to develop neutropenia (ANC <500 cells/μL) lasting more than 10 days "
        "following chemotherapy.\n"
    )
    criterion = parse_criteria(text)[0]
    assert criterion.logic == CONDITIONAL
    assert [(f.kind, f.timing) for f in criterion.facts] == [("anc", "Expected to develop neutropenia")]
    # a limit beside an unrelated "expected to develop" clause is everyone's
    near_miss = (
        "Inclusion Criteria:\n\n* ANC >= 1500/uL; patients expected to develop mucositis are excluded\n"
    )
    assert [f.timing for f in parse_criteria(near_miss)[0].facts] == [None]


def test_a_number_after_stage_is_no_age() -> None:
    # NCT00070200 inclusion 1: "1, 2, or 4S" are INSS stages, not an age range of 1 to 4 years
    text = (
        "Inclusion Criteria:\n\n* At least 1 year of age and initially diagnosed with INSS stage 1, 2, or 4S "
        "disease that progressed to stage 4 without interval chemotherapy\n"
    )
    assert _facts(text, INCLUSION, 1) == [("age", ">=", 1.0, None, None, "a")]
    # a number after the measure's own words is still its level
    near_miss = "Inclusion Criteria:\n\n* Age at enrolment 18-75 years\n"
    assert _facts(near_miss, INCLUSION, 1) == [("age", None, None, 18.0, 75.0, "a")]


def test_a_value_after_another_measure_s_name_ends_the_chain() -> None:
    # NCT05381194 exclusion 19: albumin is no measure the parser codes, and its 3.2 is not bilirubin's
    text = "Exclusion Criteria:\n\n* AST or ALT > 3 X ULN, Total bilirubin >2.0 X ULN, Albumin < 3.2 mg/dL\n"
    assert ("bilirubin", ">", 2.0, None, None, "{ULN}") in _facts(text, EXCLUSION, 1)
    assert all(value[0] != "bilirubin" or value[2] != 3.2 for value in _facts(text, EXCLUSION, 1))
    # a chain of one measure's limits goes on past lower-case joining words
    chained = "Inclusion Criteria:\n\n* Age ≥18 and < 65 years\n"
    assert sorted(_facts(chained, INCLUSION, 1)) == [
        ("age", "<", 65.0, None, None, "a"),
        ("age", ">=", 18.0, None, None, "a"),
    ]


def test_a_sentence_letting_a_subgroup_in_makes_the_threshold_one_way_in() -> None:
    # NCT01515527 inclusion 2: patients under 60 may be eligible after discussion, so ">= 60" is not
    # required of everyone, and "< 60" names whom the permission lets in
    text = (
        "Inclusion Criteria:\n\n* Age >/= 60 years. Patients aged < 60 years who are unsuitable for standard "
        "induction therapy may be eligible after discussion with PI\n"
    )
    criterion = parse_criteria(text)[0]
    assert criterion.logic == ANY_OF
    assert [(f.kind, f.comparator, f.value, f.alternative) for f in criterion.facts] == [
        ("age", ">=", 60.0, True)
    ]
    assert criterion.alternative_words == (
        "Patients aged < 60 years who are unsuitable for standard induction therapy may be eligible after "
        "discussion with PI",
    )
    # a permission about something else leaves the threshold everyone's
    near_miss = (
        "Inclusion Criteria:\n\n* Age >= 18 years. Patients who cannot swallow tablets may be eligible.\n"
    )
    other = parse_criteria(near_miss)[0]
    assert [(f.kind, f.alternative) for f in other.facts] == [("age", False)]
    # in an exclusion nothing changes: no alternatives there
    exclusion = "Exclusion Criteria:\n\n* ECOG >= 3. Patients with ECOG 2 may be eligible after discussion.\n"
    assert parse_criteria(exclusion)[0].logic != ANY_OF


def test_a_numbered_part_of_an_item_is_that_item_s() -> None:
    # NCT01940094: "6.1 ..." and "6.2 ..." paragraphs after item 6 are its parts, not criteria
    text = (
        "Inclusion Criteria:\n\n"
        "  5. Participant age of 18 years or greater.\n\n"
        "  6. If the patient is taking an immunosuppressive medication agent then it must be at a stable dose.\n\n"
        "6.1 Rituximab is an acceptable maintenance agent if the last dose was given at least one month prior.\n\n"
        "6.2 If the patient is regularly taking trimethoprim/sulfamethoxazole then the patient is eligible.\n\n"
        "Exclusion Criteria:\n\n1. Comorbid condition\n"
    )
    criteria = parse_criteria(text)
    assert _counts(text) == (2, 1)
    assert "6.2 If the patient" in criteria[1].text
    # a decimal number opening a paragraph after another item number is no part of it
    near_miss = "Inclusion Criteria:\n\n  1. Age >= 18 years.\n\n2.5 mg of folic acid daily is required.\n"
    assert _counts(near_miss) == (2, 0)


def test_the_nci_women_and_minorities_closing_is_no_section() -> None:
    # NCT01661400: the legacy NCI closing after the exclusions names no section and states no requirement
    text = (
        "Inclusion Criteria:\n\n  -  Age >= 18 years\n\nExclusion Criteria:\n\n  -  Pregnant or breastfeeding.\n\n"
        "Inclusion of Women and Minorities\n\n"
        "-Both men and women and members of all races and ethnic groups are eligible for this\ntrial.\n"
    )
    assert _counts(text) == (1, 1)


def test_a_threshold_written_before_a_duration_or_score_name() -> None:
    # NCT05282459 exclusion 2 and NCT05381194 exclusion 3
    life = "Exclusion Criteria:\n\n* Less than 3 months of life expectancy\n"
    assert _facts(life, EXCLUSION, 1) == [("life_expectancy", "<", 3.0, None, None, "mo")]
    score = "Exclusion Criteria:\n\n* Less than 30 Karnofsky score at enrolment\n"
    assert _facts(score, EXCLUSION, 1) == [("karnofsky", "<", 30.0, None, None, "1")]
    # a duration of something else before the name is not its value
    near_miss = (
        "Inclusion Criteria:\n\n* Less than 3 months of treatment with a life expectancy of 6 months\n"
    )
    assert _facts(near_miss, INCLUSION, 1) == []


def test_neutropenia_and_leukopenia_with_a_limit_are_anc_and_wbc() -> None:
    # NCT05914155 exclusion 9, as "thrombocytopenia" is already platelets
    text = (
        "Exclusion Criteria:\n\n* Patients with leukopenia (less than 2,000 /mm3), neutropenia (less than 1,000 "
        "/mm3), or lymphopenia (less than 500 /mm3) at the time of the screening\n"
    )
    assert _facts(text, EXCLUSION, 1) == [
        ("wbc", "<", 2000.0, None, None, "/mm3"),
        ("anc", "<", 1000.0, None, None, "/mm3"),
    ]
    # a grade of neutropenia is no count
    graded = "Exclusion Criteria:\n\n* Grade >= 3 neutropenia or neutropenia grade 4 lasting > 7 days\n"
    assert _facts(graded, EXCLUSION, 1) == []


def test_a_positive_blood_hcg_is_pregnancy() -> None:
    # NCT04835519 exclusion 12
    text = "Exclusion Criteria:\n\n* Reproductive-aged female patients with positive blood HCG test\n"
    assert [f.kind for f in parse_criteria(text)[0].facts] == ["pregnancy"]


def test_a_list_of_1_of_the_following_with_ages_is_any_of() -> None:
    # NCT00070200 inclusion 1: the branches carry only ages (no measure name), and "1" is the word "one"
    text = (
        "Inclusion Criteria:\n\n"
        "  -  Confirmed neuroblastoma meeting 1 of the following staging criteria:\n\n"
        "       -  Newly diagnosed disease, at least 1 year of age\n\n"
        "       -  Newly diagnosed INSS stage 3 disease AND under 1 year of age with MYCN amplification\n"
    )
    criterion = parse_criteria(text)[0]
    assert criterion.logic == ANY_OF
    assert all(f.alternative for f in criterion.facts if f.kind == "age")
    # a list everyone must meet, with ages, stays all-of
    near_miss = "Inclusion Criteria:\n\n  -  All of the following:\n\n       -  Age >= 18 years\n\n       -  ECOG 0-1\n"
    assert all(c.logic != ANY_OF for c in parse_criteria(near_miss))


def test_a_threshold_defining_what_the_patient_must_not_have_stays_text() -> None:
    # NCT05740449 inclusion 6: "> 450 msec" defines the prolongation that must be absent
    text = (
        "Inclusion Criteria:\n\n* Absence of QTcF prolongation (QTc prolongation is defined as >450 msec on "
        "baseline ECG, using the Friedericia correction), or other clinically significant arrhythmia.\n"
    )
    criterion = parse_criteria(text)[0]
    assert [f.kind for f in criterion.facts if f.is_threshold] == []
    assert [u.kind for u in criterion.unclear] == ["qtc"]
    # a bracket defining what the patient must have is read
    near_miss = "Inclusion Criteria:\n\n* Adequate marrow function (defined as ANC >= 1500/uL)\n"
    assert _facts(near_miss, INCLUSION, 1) == [("anc", ">=", 1500.0, None, None, "/uL")]


def test_an_item_ending_with_or_makes_the_next_its_alternative() -> None:
    # NCT00070200 inclusions 11 and 12: either cardiac measure is enough
    text = (
        "Inclusion Criteria:\n\n"
        "  -  Shortening fraction at least 27% by echocardiogram OR\n\n"
        "  -  Ejection fraction at least 50% by MUGA\n\n"
        "  -  Not pregnant or nursing\n"
    )
    criteria = parse_criteria(text)
    assert criteria[1].logic == ANY_OF
    assert [(f.kind, f.alternative) for f in criteria[1].facts] == [("lvef", True)]
    assert criteria[0].logic != ANY_OF  # no threshold the parser reads: nothing to mark
    assert criteria[2].facts and all(not f.alternative for f in criteria[2].facts)
    # an item that merely mentions "or" inside stays on its own
    near_miss = "Inclusion Criteria:\n\n  -  Histology or cytology confirmed\n\n  -  LVEF >= 50%\n"
    assert parse_criteria(near_miss)[1].logic != ANY_OF


def test_anticipated_to_live_is_a_life_expectancy() -> None:
    # NCT00739934 inclusion 4
    text = "Inclusion Criteria:\n\n* Anticipated to live for more than 3 months.\n"
    assert _facts(text, INCLUSION, 1) == [("life_expectancy", ">", 3.0, None, None, "mo")]
    # where the patient is to live is no limit
    near_miss = "Inclusion Criteria:\n\n* Expected to live in the area for 2 years\n"
    assert _facts(near_miss, INCLUSION, 1) == []


def test_two_scores_named_with_their_own_words_share_one_threshold() -> None:
    # NCT01661400 inclusion 3: either score >= 50 is enough
    text = "Inclusion Criteria:\n\n* Patient must have a Karnofsky performance status or Lansky* play status ≥ 50\n"
    criterion = parse_criteria(text)[0]
    assert criterion.logic == ANY_OF
    assert _facts(text, INCLUSION, 1) == [
        ("karnofsky", ">=", 50.0, None, None, "1"),
        ("lansky", ">=", 50.0, None, None, "1"),
    ]
