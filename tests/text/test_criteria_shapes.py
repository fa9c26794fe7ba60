"""General sentence shapes the held-out set 2 showed the parser missing or misreading.

Every text here is hand-written in the shape of a real criterion, never a record's own sentence.
"""

from __future__ import annotations

import pytest

from fhir_adapter.text import ALL_OF, ANY_OF, EXCLUSION, INCLUSION, Criterion, parse_criteria

Values = list[tuple[str, str | None, float | None, float | None, float | None, str | None]]


def _one(section: str, text: str) -> Criterion:
    heading = "Inclusion Criteria" if section == INCLUSION else "Exclusion Criteria"
    [criterion] = parse_criteria(f"{heading}:\n* {text}")
    return criterion


def _values(criterion: Criterion) -> Values:
    return [(f.kind, f.comparator, f.value, f.low, f.high, f.unit) for f in criterion.facts]


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        (
            "Heart-rate corrected QT interval corrected for heart rate (QTc) > 480 ms",
            [("qtc", ">", 480.0, None, None, "ms")],
        ),
        ("QT adjusted for heart rate (QTcF) >= 450 ms", [("qtc", ">=", 450.0, None, None, "ms")]),
    ],
    ids=["corrected-for", "adjusted-for"],
)
def test_corrected_for_heart_rate_is_not_a_subgroup(text: str, facts: Values) -> None:
    assert _values(_one(EXCLUSION, text)) == facts


def test_a_subgroup_introduced_by_for_still_is_one() -> None:
    criterion = _one(INCLUSION, "ALT <= 3 x ULN (for patients with liver involvement <= 5 x ULN)")
    assert ("alt", "<=", 3.0, None, None, "{ULN}") in _values(criterion)
    assert criterion.logic != ALL_OF


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("Men and women over age 21", [("age", ">", 21.0, None, None, "a")]),
        ("Children above the age of 6 years", [("age", ">", 6.0, None, None, "a")]),
        ("Infants older than age 3 months", [("age", ">", 3.0, None, None, "mo")]),
    ],
)
def test_a_comparator_before_the_word_age(text: str, facts: Values) -> None:
    assert _values(_one(INCLUSION, text)) == facts


def test_age_that_closes_a_bracket_does_not_take_the_outer_value() -> None:
    criterion = _one(INCLUSION, "Performance score (chosen by the child's age) >= 60")
    assert [v for v in _values(criterion) if v[0] == "age"] == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("WHO performance 0-2", "ecog"),
        ("Predicted survival of at least 3 months", "life_expectancy"),
        ("Crcl >= 40 mL/min", "creatinine_clearance"),
    ],
)
def test_further_names_of_known_measures(text: str, kind: str) -> None:
    assert [v[0] for v in _values(_one(INCLUSION, text))] == [kind]


def test_two_names_or_one_threshold_is_any_of_with_each_name_coded() -> None:
    criterion = _one(
        INCLUSION, "Creatinine clearance (CrC) or glomerular filtration rate (GFRx) >= 60 mL/min/1.73 m2"
    )
    assert criterion.logic == ANY_OF
    assert ("creatinine_clearance", ">=", 60.0, None, None, "mL/min/{1.73_m2}") in _values(criterion)


def test_synonyms_in_brackets_are_one_measure_not_alternatives() -> None:
    criterion = _one(
        INCLUSION, "Aspartate transaminase (AST or SGOT) and alanine transaminase (ALT or SGPT) <= 2 x ULN"
    )
    assert criterion.logic == ALL_OF
    assert [v[0] for v in _values(criterion)] == ["ast", "alt"]


def test_a_wish_to_become_pregnant_later_is_not_a_pregnancy_criterion() -> None:
    criterion = _one(
        INCLUSION, "Women who would like to become pregnant after the study should ask about egg freezing"
    )
    assert [v[0] for v in _values(criterion)] == []


@pytest.mark.parametrize(
    "text",
    [
        "Pregnancy, lactation, or refusal to use contraception",
        "Women who are or plan on becoming pregnant during the study",
    ],
)
def test_pregnancy_next_to_contraception_words_is_still_a_status(text: str) -> None:
    assert "pregnancy" in [v[0] for v in _values(_one(EXCLUSION, text))]


@pytest.mark.parametrize(
    "text",
    [
        "AST and ALT <= 3 x ULN; <= 5 x ULN in the presence of hepatic metastases",
        "AST and ALT <= 3 x ULN, and for patients with hepatic metastases <= 5 x ULN",
    ],
    ids=["semicolon-then-comparator", "and-for-patients-with"],
)
def test_a_subgroup_value_after_the_general_one_is_read_and_makes_it_conditional(text: str) -> None:
    criterion = _one(INCLUSION, text)
    assert criterion.logic != ALL_OF
    values = _values(criterion)
    assert ("ast", "<=", 3.0, None, None, "{ULN}") in values
    assert ("ast", "<=", 5.0, None, None, "{ULN}") in values


def test_a_semicolon_before_another_measure_still_ends_the_clause() -> None:
    criterion = _one(INCLUSION, "AST <= 3 x ULN; bilirubin <= 1.5 x ULN")
    assert criterion.logic == ALL_OF
    assert _values(criterion) == [
        ("ast", "<=", 3.0, None, None, "{ULN}"),
        ("bilirubin", "<=", 1.5, None, None, "{ULN}"),
    ]


def test_unl_is_the_upper_limit_of_normal_misspelt() -> None:
    assert _values(_one(INCLUSION, "Total bilirubin <= 2 UNL")) == [
        ("bilirubin", "<=", 2.0, None, None, "{ULN}")
    ]


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        ("Platelets >= 75,000/ µ L", ("platelets", ">=", 75000.0, None, None, "/uL")),
        ("Creatinine <= 2 ⋅ ULN", ("creatinine", "<=", 2.0, None, None, "{ULN}")),
        ("ALT <= 3 · upper limit of normal", ("alt", "<=", 3.0, None, None, "{ULN}")),
    ],
    ids=["micro-sign-then-space", "dot-operator", "middle-dot"],
)
def test_unit_spellings_from_word_processors(text: str, fact: tuple[object, ...]) -> None:
    assert _values(_one(INCLUSION, text)) == [fact]
