"""Issue 10, parser side: "or" is not "and", subgroup thresholds are not everyone's, methods and list shapes.

Built from the real records the issue names (fixtures/ctgov/) and small hand-written texts.
"""

from __future__ import annotations

import pytest

from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.text import (
    ALL_OF,
    ANY_OF,
    CONDITIONAL,
    EXCLUSION,
    INCLUSION,
    MAX_CRITERIA_CHARS,
    Criterion,
    parse_criteria,
)
from tests.conftest import CTGOV, SEED


def _criteria(nct_id: str) -> tuple[Criterion, ...]:
    [trial] = list(read_trials([SEED if nct_id == "NCT06158412" else CTGOV / f"{nct_id}.json"]))
    assert isinstance(trial, TrialRecord)
    return parse_criteria(trial.eligibility.criteria or "")


def _criterion(nct_id: str, section: str, index: int) -> Criterion:
    [criterion] = [c for c in _criteria(nct_id) if (c.section, c.index) == (section, index)]
    return criterion


def _values(criterion: Criterion) -> list[tuple[str, str | None, float | None, float | None, float | None]]:
    return [(f.kind, f.comparator, f.value, f.low, f.high) for f in criterion.facts]


@pytest.mark.parametrize(
    ("nct_id", "index"),
    [("NCT02513394", 21), ("NCT02513394", 19), ("NCT02513394", 2), ("NCT06158412", 2)],
    ids=["creatinine-or-clearance", "bilirubin-or-gilbert", "age-or-national-guidelines", "seed-measurable"],
)
def test_inclusion_or_between_different_facts_is_any_of(nct_id: str, index: int) -> None:
    criterion = _criterion(nct_id, INCLUSION, index)
    assert criterion.logic == ANY_OF
    assert all(f.alternative for f in criterion.facts if f.is_threshold)


def test_creatinine_or_clearance_keeps_both_facts_each_as_if_alone() -> None:
    criterion = _criterion("NCT02513394", INCLUSION, 21)
    assert _values(criterion) == [
        ("creatinine", "<", 1.0, None, None),
        ("creatinine_clearance", ">=", 60.0, None, None),
    ]


def test_gilbert_value_is_a_fact_of_its_own_branch() -> None:
    criterion = _criterion("NCT02513394", INCLUSION, 19)
    assert _values(criterion) == [("bilirubin", "<=", 1.0, None, None), ("bilirubin", "<=", 3.0, None, None)]


def test_exclusion_or_asks_for_neither_so_it_is_all_of() -> None:
    criterion = _criterion("NCT06158412", EXCLUSION, 6)  # platelet count <30 x 109/L or ANC <1.0 x 109/L
    assert criterion.logic == ALL_OF
    assert [f.kind for f in criterion.facts] == ["platelets", "anc"]


def test_same_text_in_inclusion_and_exclusion() -> None:
    text = "Inclusion Criteria:\n* Creatinine ≤ 1.5 mg/dL or CrCl ≥ 60 mL/min\nExclusion Criteria:\n* Creatinine > 1.5 mg/dL or CrCl < 60 mL/min"
    inclusion, exclusion = parse_criteria(text)
    assert (inclusion.logic, exclusion.logic) == (ANY_OF, ALL_OF)


def test_ecog_with_a_subgroup_value_is_conditional_and_keeps_both_values() -> None:
    criterion = _criterion("NCT04501120", INCLUSION, 2)
    assert criterion.logic == CONDITIONAL
    assert _values(criterion) == [("ecog", None, None, 0.0, 2.0), ("ecog", None, None, 0.0, 3.0)]
    general, subgroup = criterion.facts  # each branch its own condition: 0-2 for everyone else
    assert general.condition is None
    assert subgroup.condition and subgroup.condition.startswith("for participants >= 60 to 74 years of age")


def test_age_at_diagnosis_and_at_hsct_are_conditional_not_current_age() -> None:
    criterion = _criterion("NCT01949129", INCLUSION, 1)
    assert criterion.logic == CONDITIONAL
    assert _values(criterion) == [("age", "<=", 18.0, None, None), ("age", "<=", 21.0, None, None)]
    timings = [f.timing or "" for f in criterion.facts]
    assert "diagnosis" in timings[0] and "HSCT" in timings[1]
    assert all(f.condition is None for f in criterion.facts)  # a time point, not a subgroup


def test_subgroup_ages_are_not_facts_and_other_sentences_stay_unconditional() -> None:
    criterion = _criterion("NCT05464836", INCLUSION, 4)  # ECOG <= 2 for >= 16 y, Lansky > 50 for < 16 y
    assert criterion.logic == CONDITIONAL
    by_kind = {f.kind: f for f in criterion.facts}
    assert set(by_kind) == {"ecog", "lansky", "life_expectancy", "age"}
    assert by_kind["ecog"].condition and by_kind["lansky"].condition
    assert by_kind["life_expectancy"].condition is None
    assert (by_kind["age"].low, by_kind["age"].high, by_kind["age"].condition) == (12.0, 40.0, None)


def test_parenthetical_age_band_names_the_subgroup_it_is_not_an_age_limit() -> None:
    criterion = _criterion("NCT05480501", INCLUSION, 6)  # ECOG 0 or 1 (age >= 16 years) or Lansky (age < 16)
    assert [f.kind for f in criterion.facts] == ["ecog"]
    assert criterion.logic == ANY_OF


@pytest.mark.parametrize(
    "text",
    [
        "for patients with liver metastases AST ≤ 5 x ULN",
        "AST ≤ 2.5 x ULN (≤ 5 x ULN for participants with liver metastases)",
        "Total bilirubin ≤1.5x ULN (< 3x the ULN if Gilbert's disease is present)",
        "QTc prolongation (Male: >450ms, Female: >470ms)",
        "eGFR < 30 mL/min/1.73m^2 using Schwartz formula for individuals ≥ 1 year of age",
    ],
)
def test_subgroup_thresholds_are_conditional(text: str) -> None:
    [criterion] = parse_criteria(f"Inclusion Criteria:\n* {text}")
    assert criterion.logic == CONDITIONAL
    assert criterion.facts[-1].condition  # the subgroup's threshold, written last


@pytest.mark.parametrize(
    ("text", "conditions"),
    [
        ("AST ≤ 2.5 x ULN (≤ 5 x ULN for participants with liver metastases)", [None, "for participants"]),
        ("Total bilirubin ≤1.5x ULN (< 3x the ULN if Gilbert's disease is present)", [None, "if Gilbert"]),
        ("QTc prolongation (Male: >450ms, Female: >470ms)", ["Male", "Female"]),
        ("QTc > 450 ms for males or > 470 ms for females", ["for males", "for females"]),
        ("QTcF > 450 ms (males) or > 470 ms (females)", ["males", "females"]),
        ("AST ≤ 2.5 x ULN, or for patients with liver metastases AST ≤ 5 x ULN", [None, "for patients"]),
        ("≤ 25 years old at the time of original diagnosis", [None]),
    ],
)
def test_each_branch_carries_its_own_condition(text: str, conditions: list[str | None]) -> None:
    [criterion] = parse_criteria(f"Inclusion Criteria:\n* {text}")
    got = [f.condition for f in criterion.facts]
    assert len(got) == len(conditions)
    assert all(c == w if w is None else c and c.startswith(w) for c, w in zip(got, conditions, strict=True))


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("ANC ≥ 1,500/mm3 or ≥ 1.5 x 10^9/L", [("anc", ">=", 1500.0, None, None)]),
        ("ECOG 0, 1 or 2", [("ecog", None, None, 0.0, 2.0)]),
        ("Pregnant or breastfeeding women are excluded", []),
    ],
    ids=["same-threshold-another-unit", "range-on-one-measure", "statuses"],
)
def test_or_that_is_not_a_choice_between_facts_stays_all_of(
    text: str, facts: list[tuple[object, ...]]
) -> None:
    [criterion] = parse_criteria(f"Inclusion Criteria:\n* {text}")
    assert criterion.logic == ALL_OF
    assert [v for v in _values(criterion) if v[1] or v[3] is not None] == facts


def test_one_of_the_following_thresholds_is_any_of_and_a_list_without_measures_is_not() -> None:
    with_thresholds = (
        "Inclusion Criteria:\n* Must meet one of the following:\n  * ECOG ≤ 1\n  * Karnofsky ≥ 80%"
    )
    without = "Inclusion Criteria:\n* Female patients who:\n  * are postmenopausal, OR\n  * are surgically sterile, OR\n  * agree to contraception"
    assert parse_criteria(with_thresholds)[0].logic == ANY_OF
    assert parse_criteria(without)[0].logic == ALL_OF


def test_lab_list_codes_every_unconditional_sub_item() -> None:
    criterion = _criterion("NCT04318938", INCLUSION, 7)  # bilirubin (Gilbert's), ALT/AST (NOTE: liver mets)
    conditional = {f.kind for f in criterion.facts if f.condition}
    assert conditional == {"bilirubin", "alt", "ast"}
    general = {f.kind for f in criterion.facts if not f.condition} - conditional
    assert general == {"egfr", "platelets", "hemoglobin", "anc"}
    # the threshold for everyone else keeps no condition: bilirubin <= 1.5 x ULN, ALT/AST <= 2.5 x ULN
    assert {(f.kind, f.value) for f in criterion.facts if f.kind in conditional and not f.condition} == {
        ("bilirubin", 1.5),
        ("alt", 2.5),
        ("ast", 2.5),
    }


@pytest.mark.parametrize(
    ("text", "measure"),
    [
        (
            "Screening ECG showing a baseline QT interval (QTcF) corrected by the Friedreichian formula >470 ms",
            "qtc.fridericia",
        ),
        ("QTc (Bazett) > 450 ms", "qtc.bazett"),
        ("QTc > 470 ms", "qtc"),
        ("Creatinine clearance <20 mL/min", "creatinine_clearance"),
        ("Creatinine clearance ≥ 60 mL/min (Cockcroft-Gault)", "creatinine_clearance.cockcroft-gault"),
        ("Creatinine clearance ≥ 50 mL/min on a 24-hour urine collection", "creatinine_clearance.24h-urine"),
    ],
)
def test_the_method_written_picks_the_measure(text: str, measure: str) -> None:
    [criterion] = parse_criteria(f"Exclusion Criteria:\n* {text}")
    assert [f.measure for f in criterion.facts] == [measure]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Inclusion Criteria:\n\n* •\n    * Age ≥ 18 years\n    * ECOG 0-1\n\nExclusion Criteria:\n\n* HIV",
            2,
        ),
        ("Inclusion Criteria:\n\n*\n    * Age ≥ 18 years\n    * ECOG 0-1", 2),
        (
            "Inclusion Criteria:\n\n* Patients must meet all of the following criteria:\n    * Age ≥ 18 years\n"
            "    * ECOG 0-1\n    * Signed consent\n\nExclusion Criteria:\n\n* HIV",
            3,
        ),
        ("Inclusion Criteria:\n\n* • Age ≥ 18 years\n* • ECOG 0-1", 2),
        (
            "Inclusion Criteria:\n\n* Patients must have one of the following:\n    * ECOG ≤ 1\n    * KPS ≥ 80%",
            1,
        ),
    ],
    ids=[
        "stray-bullet-wrapper",
        "empty-bullet-wrapper",
        "lone-all-of-wrapper",
        "stray-bullets",
        "one-of-is-kept",
    ],
)
def test_a_bullet_that_only_wraps_the_criteria_is_not_one(text: str, expected: int) -> None:
    inclusion = [c for c in parse_criteria(text) if c.section == INCLUSION]
    assert len(inclusion) == expected
    assert all(c.text and "•" not in c.text for c in inclusion)


def test_markdown_escapes_never_reach_the_criteria_of_any_fixture() -> None:
    """Issue 10 defect 7: CT.gov escapes (\\< \\> \\[ \\^ \\&) are removed from every criterion (NCT06022848 has
    'D\\&C', the seed '\\<30')."""
    for path in sorted(CTGOV.glob("*.json")):
        for item in read_trials([path]):
            assert isinstance(item, TrialRecord)
            for criterion in parse_criteria(item.eligibility.criteria or ""):
                assert "\\" not in criterion.full_text, f"{path.name} {criterion.section} {criterion.index}"


def test_text_over_the_bound_is_not_parsed() -> None:
    assert parse_criteria("Inclusion Criteria:\n* Age ≥ 18 years\n" + "x" * MAX_CRITERIA_CHARS) == ()
    assert len(parse_criteria("Inclusion Criteria:\n* Age ≥ 18 years\n")) == 1


def test_a_permissions_condition_is_not_a_limit() -> None:
    # NCT03799601 exclusion 9: coding INR <= 1.5 in an exclusion would exclude every normal INR.
    text = (
        "Exclusion Criteria:\n* Abnormal coagulation (INR > 1.5); Note: Under the condition of INR ≤ 1.5, "
        "low-dose heparin is allowed for preventive purposes;"
    )
    [criterion] = parse_criteria(text)
    assert [(f.kind, f.comparator, f.value) for f in criterion.facts] == [("inr", ">", 1.5)]


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        (
            "a performance status of 0 or 2 on the Eastern Cooperative Oncology Group (ECOG) Performance Status.",
            ("ecog", None, None, 0.0, 2.0),
        ),
        ("Performance status of 70 or higher on the Karnofsky scale", ("karnofsky", ">=", 70.0, None, None)),
        ("Male or female subjects greater than 18 years old, inclusive.", ("age", ">=", 18.0, None, None)),
    ],
    ids=["ecog-named-after-the-value", "karnofsky-named-after-the-value", "greater-than-inclusive"],
)
def test_values_written_before_the_scale_and_inclusive_limits(text: str, fact: tuple[object, ...]) -> None:
    [criterion] = parse_criteria(f"Inclusion Criteria:\n* {text}")
    assert _values(criterion) == [fact]


@pytest.mark.parametrize(
    "text",
    [
        "QTcF: female > 470 ms, male > 450 ms",
        "QTc interval ≥ 450 ms in men, women ≥ 470 ms",
        "QTc > 450 ms for males, > 470 ms for females",
    ],
)
def test_sex_specific_qtc_limits_each_name_their_sex(text: str) -> None:
    [criterion] = parse_criteria(f"Exclusion Criteria:\n* {text}")
    assert criterion.logic == CONDITIONAL
    assert sorted(
        (f.value, (f.condition or "").split()[-1].rstrip("s").lower()) for f in criterion.facts
    ) == [
        (450.0, "men" if "men" in text else "male"),
        (470.0, "women" if "women" in text else "female"),
    ]


def test_male_or_female_and_women_of_an_age_are_who_may_enrol_not_subgroups() -> None:
    for text in ("Male or female ≥ 18 years of age", "Women ≥ 18 years"):
        [criterion] = parse_criteria(f"Inclusion Criteria:\n* {text}")
        assert criterion.logic == ALL_OF and criterion.facts[0].condition is None


@pytest.mark.parametrize(
    "text",
    [
        "Hemoglobin < 9 g/dL and platelet count < 75 x 10^9/L",
        "ANC < 1.5 x 10^9/L, platelets < 100 x 10^9/L and hemoglobin < 9 g/dL",
    ],
)
def test_an_exclusion_a_and_b_is_not_split_into_two_exclusions(text: str) -> None:
    [criterion] = parse_criteria(f"Exclusion Criteria:\n* {text}")
    assert criterion.logic == CONDITIONAL  # kept whole: excluding each alone would be stricter
    assert all(f.condition and f.condition.startswith("together with") for f in criterion.facts)


def test_an_exclusion_a_or_b_and_a_plain_list_stay_split() -> None:
    for text in ("Platelets < 30 x 10^9/L or ANC < 1.0 x 10^9/L", "ANC < 1.5 x 10^9/L and/or Hb < 9 g/dL"):
        [criterion] = parse_criteria(f"Exclusion Criteria:\n* {text}")
        assert criterion.logic == ALL_OF and all(f.condition is None for f in criterion.facts)


def test_age_bands_that_name_subgroups_are_not_limits() -> None:
    criterion = _criterion("NCT02967393", INCLUSION, 5)  # children aged 5-8 ... 2 doses; 9-11 ... 1 dose
    assert [f for f in criterion.facts if f.kind == "age"] == []


def test_a_value_before_a_named_drug_is_a_value_then() -> None:
    [criterion] = parse_criteria("Inclusion Criteria:\n* WBC > 20 x 10^9/L before using hydroxyurea")
    [fact] = criterion.facts
    assert (fact.timing, criterion.logic) == ("before using hydroxyurea", CONDITIONAL)
    [everyone] = parse_criteria(
        "Inclusion Criteria:\n* ANC >= 1.5 x 10^9/L before using the study drug"
    ).__iter__()
    assert everyone.logic == ALL_OF


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Age ≥18 years (or per national guidelines).", ("per national guidelines",)),  # NCT02513394
        (  # NCT05480501
            "ECOG performance status of 0 or 1(age ≥ 16 years) or Lansky (age < 16 years).",
            ("Lansky (age < 16 years)",),
        ),
        ("Karnofsky; or ECOG 0-1", ("Karnofsky",)),
        ("ECOG 0-1 or Lansky (age < 16 years); ANC >= 1.5 x 10^9/L", ("Lansky (age < 16 years)",)),
        ("Creatinine < ULN or creatinine clearance >= 60 mL/min", ()),  # both read: nothing in words
        ("at least 18 years (or the age of legal consent, whichever is older)", ()),  # not an alternative
    ],
)
def test_an_alternative_read_without_a_threshold_keeps_its_words(text: str, words: tuple[str, ...]) -> None:
    [criterion] = parse_criteria(f"Inclusion Criteria:\n* {text}")
    assert criterion.alternative_words == words


def test_only_an_inclusion_a_or_b_has_alternative_words() -> None:
    text = "Inclusion Criteria:\n* ANC >= 1.5 x 10^9/L\nExclusion Criteria:\n* ECOG 2 or more or Lansky < 50"
    assert [c.alternative_words for c in parse_criteria(text)] == [(), ()]


def test_the_value_for_which_a_subgroup_is_permitted_is_read() -> None:
    [criterion] = parse_criteria(  # NCT02465060 inclusion 19
        "Inclusion Criteria:\n* Total bilirubin =< 1.5 X institutional upper limit of normal (ULN) (unless "
        "documented Gilbert's syndrome, for which bilirubin =< 3 x institutional ULN is permitted)"
    )
    assert _values(criterion) == [("bilirubin", "<=", 1.5, None, None), ("bilirubin", "<=", 3.0, None, None)]
    assert criterion.logic == CONDITIONAL
    # the 1.5 x ULN holds for everyone without Gilbert's; the 3 x ULN after "unless X" is X's own
    assert [f.condition for f in criterion.facts] == [None, "documented Gilbert's syndrome"]


def test_unless_x_without_a_value_of_its_own_conditions_the_value_before_it() -> None:
    [criterion] = parse_criteria(
        "Inclusion Criteria:\n* Total bilirubin <= 1.5 x ULN unless Gilbert's syndrome"
    )
    assert [f.condition for f in criterion.facts] == ["unless Gilbert's syndrome"]


def test_unless_x_before_another_measure_is_not_x_s_own_value() -> None:
    [criterion] = parse_criteria(
        "Inclusion Criteria:\n* Total bilirubin <= 1.5 x ULN (unless Gilbert's syndrome, for which ALT <= 3 x ULN)"
    )
    assert [(f.kind, f.condition) for f in criterion.facts] == [
        ("bilirubin", None),
        ("alt", "unless Gilbert's syndrome"),
    ]


def test_age_bands_per_study_phase_keep_both_limits_and_their_phase() -> None:
    criterion = _criterion(
        "NCT02782117", INCLUSION, 1
    )  # "Age 4 to <8 years (phase 1) or age 4 to <13 years (phase 2)"
    assert criterion.logic == ANY_OF
    assert [(f.comparator, f.value, f.unit, f.condition, f.alternative) for f in criterion.facts] == [
        ("<", 8.0, "a", "phase 1", True),
        (">=", 4.0, "a", "phase 1", True),
        ("<", 13.0, "a", "phase 2", True),
        (">=", 4.0, "a", "phase 2", True),
    ]


@pytest.mark.parametrize(
    ("text", "limits"),
    [
        ("Age 12 to <18 years", [("<", 18.0), (">=", 12.0)]),
        ("Platelets 100 to <= 400 x 10^9/L", [("<=", 400.0), (">=", 100.0)]),
        ("Age 4 to 8 years", [(None, None)]),  # a closed range stays one fact
        ("Age 8 to <4 years", [("<", 4.0)]),  # not a range: only what is stated
    ],
)
def test_a_range_open_at_its_top_is_two_limits(
    text: str, limits: list[tuple[str | None, float | None]]
) -> None:
    [criterion] = parse_criteria(f"Inclusion Criteria:\n* {text}")
    assert [(f.comparator, f.value) for f in criterion.facts] == limits
    assert criterion.logic == ALL_OF


def test_a_study_part_in_brackets_names_the_subgroup_of_the_threshold_before_it() -> None:
    [criterion] = parse_criteria("Inclusion Criteria:\n* ANC >= 1.5 x 10^9/L (cohort 2)")
    assert [f.condition for f in criterion.facts] == ["cohort 2"] and criterion.logic == CONDITIONAL
    [criterion] = parse_criteria("Inclusion Criteria:\n* Stage IV disease (stage IV)")
    assert criterion.logic == ALL_OF  # a disease stage is not a study part


def test_a_repeated_value_is_one_fact_unless_it_holds_for_another_subgroup() -> None:
    [repeat] = parse_criteria("Inclusion Criteria:\n* ANC >= 1.5 x 10^9/L; check again: ANC >= 1.5 x 10^9/L")
    assert len(repeat.facts) == 1
