"""Causes of the criteria parser's mistakes on held-out set 11, fixed in general (branch critfix12).

Each test reads the real record's words (the record is named) and, where a fix could overreach, a near miss
that must keep its old reading. Wrong facts are worse than missing ones.
"""

from __future__ import annotations

from fhir_adapter.text import EXCLUSION, INCLUSION, parse_criteria

# NCT05692999 (legacy XML): lettered phase labels over numbered lists that restart at 1
_PHASE_LABELS = """
        Inclusion Criteria:

        A) To be checked before the induction phase (only for patient included before induction
        phase) :

          1. Histologically or cytologically confirmed diagnosis of non-squamous non-small cell
             lung cancer (NSCLC).

          2. Age ≥ 18 years old.

        B) To be checked before the maintenance phase (for all patient) :

          1. Received 3 or 4 cycles of induction treatment.

          2. Age ≥ 18 years old.

          3. Performance status 0 or 1.

        Exclusion Criteria:

        A) To be checked before the induction phase (only for patient included before induction
        phase) :

          1. Pregnant or breastfeeding women.

          2. History of HIV or chronic hepatitis B or C.

        B) To be checked before the maintenance phase (for all patient) :

          1. Mixed small-cell, squamous-cell carcinoma.

          2. Active or uncontrolled infection.
"""


def test_lettered_phase_labels_over_numbered_lists_are_no_criteria() -> None:
    criteria = parse_criteria(_PHASE_LABELS)
    inclusion = [c for c in criteria if c.section == INCLUSION]
    exclusion = [c for c in criteria if c.section == EXCLUSION]
    assert [c.index for c in inclusion] == [1, 2, 3, 4, 5]
    assert inclusion[1].text == "Age ≥ 18 years old."
    assert [(f.kind, f.comparator, f.value) for f in inclusion[1].facts] == [("age", ">=", 18.0)]
    assert len(exclusion) == 4
    assert {f.kind for f in exclusion[1].facts} == {"hiv", "hepatitis_b", "hepatitis_c"}


def test_numbered_items_over_bullets_stay_the_criteria() -> None:
    # near miss: numbered items ending ':' over bullets - the numbered items are the criteria
    text = (
        "Inclusion Criteria:\n\n1. Hematology:\n   * ANC >= 1500/uL\n   * Platelets >= 100000/uL\n"
        "2. Liver function:\n   * Bilirubin <= 1.5 x ULN\n   * AST <= 3 x ULN\n"
    )
    criteria = parse_criteria(text)
    assert [c.text for c in criteria] == ["Hematology:", "Liver function:"]
    assert len(criteria[1].sub_items) == 2


def _facts(text: str, section: str = INCLUSION) -> set[tuple[str, str | None, float | None, str | None]]:
    heading = "Inclusion Criteria:" if section == INCLUSION else "Exclusion Criteria:"
    (criterion,) = parse_criteria(f"{heading}\n\n- {text}\n")
    return {(f.kind, f.comparator, f.value, f.unit) for f in criterion.facts}


def test_a_lower_case_name_after_a_comma_ends_the_chain_of_values() -> None:
    # NCT05694130 exclusion 3: "serum creatine > 1.5 mg/dL" is no second AST/ALT limit
    text = (
        "Abnormal laboratory tests such as: white blood cell count <2.5x10^9/L, hemoglobin <80 g/L, "
        "AST/ALT >1.5 ULN, serum creatine > 1.5 mg/dL."
    )
    facts = _facts(text, EXCLUSION)
    assert ("ast", ">", 1.5, "{ULN}") in facts
    assert not {f for f in facts if f[0] in ("ast", "alt") and f[3] == "mg/dL"}
    # near miss: a joining word after the comma keeps the chain
    assert _facts("Age >= 18 years, and <= 75 years") >= {("age", ">=", 18.0, "a"), ("age", "<=", 75.0, "a")}


def test_a_measure_after_a_value_and_when_names_the_subgroup() -> None:
    # NCT05705167 inclusion 5: "total bilirubin is above ULN" says who may use the direct bilirubin limit
    text = "Serum bilirubin ≤1.5 x ULN (or direct bilirubin <1.5 x ULN when total bilirubin is above ULN)."
    assert ("bilirubin", ">", 1.0, "{ULN}") not in _facts(text)
    assert ("bilirubin", "<=", 1.5, "{ULN}") in _facts(text)
    # near miss: "when" opening the criterion states it ("When the QTcF interval exceeds 500 msec")
    assert ("qtc", ">", 500.0, "ms") in _facts("When the QTcF interval exceeds 500 msec", EXCLUSION)


_MENOPAUSE_HEADING = """
Inclusion Criteria:

  1. A woman is eligible if she is no longer likely to procreate.

     Post-menopausal women:

       -  Patients not using hormone replacement therapy should have had a complete
          cessation of menstruation for at least one year and be over 40 years of age.

       -  Patients using hormone replacement therapy must be over 45 years of age.

  2. Signed informed consent.
"""


def test_ages_under_a_menopause_heading_define_the_status() -> None:
    # NCT05692999 inclusion 26: the ages under "Post-menopausal women:" define menopause
    criterion = parse_criteria(_MENOPAUSE_HEADING)[0]
    assert len(criterion.sub_items) == 2
    assert not [f for f in criterion.facts if f.kind == "age"]
    assert not [u for u in criterion.unclear if u.kind == "age"]  # not read at all
    # near miss: under another heading the sub-items' ages are read; the confidence gate then withholds it
    # (an age after the first statement of a criterion about menstruation), with its reason
    other = parse_criteria(_MENOPAUSE_HEADING.replace("Post-menopausal women:", "Adults:"))[0]
    assert "over 40 years of age" in [u.phrase for u in other.unclear if u.kind == "age" and u.reason]


def test_an_age_defining_child_bearing_potential_is_no_limit() -> None:
    # NCT05698524 inclusion 12
    text = (
        "Women of child-bearing potential must have a negative pregnancy test within 7 days of initiating "
        "study. (Non child bearing potential is defined as age 55 years or older and no menses for two years.)"
    )
    assert {f[0] for f in _facts(text)} == {"pregnancy"}
    assert ("age", ">=", 55.0, "a") in _facts("Age 55 years or older; child-bearing potential excluded")


def test_a_band_in_a_subgroup_s_bracket_defines_the_subgroup() -> None:
    # NCT05701215 inclusion 11: the CrCl band says who "mild to moderate renal impairment" is
    text = (
        "For patients with mild to moderate renal impairment (CrCl ≥ 30 mL/min and <90 mL/min) - potassium, "
        "total calcium and magnesium should be within normal limits."
    )
    assert not {f for f in _facts(text) if f[0] == "creatinine_clearance"}
    # near miss: a one-sided value in such a bracket may be the subgroup's own limit, and stays
    one_sided = "ALT ≤ 3 x ULN; for patients with liver metastases (ALT ≤ 5 x ULN) are eligible."
    assert ("alt", "<=", 5.0, "{ULN}") in _facts(one_sided)


def test_a_comparator_written_with_a_space_between_its_signs_is_read() -> None:
    # NCT05697510 inclusion 8
    assert _facts("LVEF> = 50%") == {("lvef", ">=", 50.0, "%")}
    assert _facts("LVEF< = 50%") == {("lvef", "<=", 50.0, "%")}


def test_ages_that_split_the_patients_at_one_age_are_no_limits() -> None:
    # NCT05697510 inclusion 2: "< 60" and ">= 60" both required would admit no one; each names a subgroup
    text = (
        "AML with a poor prognosis defined according to the criteria below: LAM First line: Age <60 years and "
        "unfavorable risk according to the 2017 ELN Age> = 60 years old and intermediate or unfavorable risk "
        "according to the ELN 2017 LAM in Relapse: whatever the age"
    )
    assert not {f for f in _facts(text) if f[0] == "age"}
    # near miss: two ends of one band stay
    assert _facts("Age >= 18 years and < 60 years") == {("age", ">=", 18.0, "a"), ("age", "<", 60.0, "a")}


def test_pregnancy_listed_beside_a_contraception_rule_is_the_status() -> None:
    # NCT05687721 exclusion 23, NCT05697510 exclusion 7
    first = (
        "Pregnant female patients, breastfeeding female patients, female patients of childbearing potential "
        "and male patients who are unwilling or unable to use 2 highly effective methods of contraception"
    )
    assert ("pregnancy", None, None, None) in _facts(first, EXCLUSION)
    second = "Pregnant women or patient unable to take contraception (pill, abstinence, IUD not allowed)"
    assert ("pregnancy", None, None, None) in _facts(second, EXCLUSION)
    # near miss: a contraception rule that only mentions becoming pregnant states no pregnancy status
    rule = "Women who could become pregnant, or men, must agree to use contraception"
    assert ("pregnancy", None, None, None) not in _facts(rule)
