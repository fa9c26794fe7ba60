"""The criteria parser: structure (sections, items, nesting, prose) and facts in real phrasing."""

from __future__ import annotations

import pytest

from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.text import EXCLUSION, INCLUSION, Fact, parse_criteria
from fhir_adapter.text.criteria.facts import find_facts
from tests.conftest import SEED


def _seed_criteria() -> list[tuple[str, int, list[Fact]]]:
    [trial] = list(read_trials([SEED]))
    assert isinstance(trial, TrialRecord)
    return [(c.section, c.index, list(c.facts)) for c in parse_criteria(trial.eligibility.criteria or "")]


def _facts(text: str) -> list[tuple[str, str | None, float | None, float | None, float | None, str | None]]:
    return [(f.kind, f.comparator, f.value, f.low, f.high, f.unit) for f in find_facts(text)]


def test_seed_has_6_inclusion_and_17_exclusion_criteria() -> None:
    sections = [section for section, _, _ in _seed_criteria()]
    assert sections.count(INCLUSION) == 6
    assert sections.count(EXCLUSION) == 17


def test_seed_facts_are_the_ones_the_issue_names() -> None:
    """Issue 10 defect 4: the measurable-disease thresholds of inclusion 2 are read, not silently left."""
    found = {
        (section, index, f.kind, f.comparator, f.value, f.low, f.high, f.unit)
        for section, index, facts in _seed_criteria()
        for f in facts
    }
    assert found == {
        (INCLUSION, 1, "age", ">=", 18.0, None, None, "a"),
        (INCLUSION, 2, "m_protein", ">=", 5.0, None, None, "g/L"),
        (INCLUSION, 2, "urine_m_protein", ">=", 200.0, None, None, "mg/(24.h)"),
        (INCLUSION, 2, "free_light_chain", ">=", 100.0, None, None, "mg/L"),
        (INCLUSION, 4, "ecog", None, None, 0.0, 2.0, "1"),
        (INCLUSION, 5, "life_expectancy", ">=", 3.0, None, None, "mo"),
        (EXCLUSION, 6, "platelets", "<", 30.0, None, None, "10*9/L"),
        (EXCLUSION, 6, "anc", "<", 1.0, None, None, "10*9/L"),
        (EXCLUSION, 8, "qtc", ">", 470.0, None, None, "ms"),
        (EXCLUSION, 10, "creatinine_clearance", "<", 20.0, None, None, "mL/min"),
        (EXCLUSION, 13, "hiv", None, None, None, None, None),
        (EXCLUSION, 13, "hepatitis_b", None, None, None, None, None),
        (EXCLUSION, 13, "hepatitis_c", None, None, None, None, None),
        (EXCLUSION, 16, "pregnancy", None, None, None, None, None),
        (EXCLUSION, 16, "breastfeeding", None, None, None, None, None),
    }


def test_seed_three_times_normal_is_unclear_not_a_fact() -> None:
    [trial] = list(read_trials([SEED]))
    assert isinstance(trial, TrialRecord)
    criterion = [c for c in parse_criteria(trial.eligibility.criteria or "") if c.section == EXCLUSION][8]
    assert criterion.facts == ()
    assert [u.phrase for u in criterion.unclear] == [
        "total bilirubin 3 times normal",
        "transaminases 3 times normal",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Inclusion Criteria:\n\n* a\n* b\n\nExclusion Criteria:\n\n* c",
            [(INCLUSION, "a"), (INCLUSION, "b"), (EXCLUSION, "c")],
        ),
        (
            "Key Inclusion Criteria:\n1. a\n2. b\nKey Exclusion Criteria:\n1. c",
            [(INCLUSION, "a"), (INCLUSION, "b"), (EXCLUSION, "c")],
        ),
        ("INCLUSION CRITERIA\n- a\nIneligibility criteria:\n- c", [(INCLUSION, "a"), (EXCLUSION, "c")]),
        ("* a\n* b", [(INCLUSION, "a"), (INCLUSION, "b")]),
        (
            "Patients aged 18 or more.\n\nSigned consent.",
            [(INCLUSION, "Patients aged 18 or more."), (INCLUSION, "Signed consent.")],
        ),
        ("Inclusion Criteria:\n\n1) a\n2) b", [(INCLUSION, "a"), (INCLUSION, "b")]),
        ("Inclusion Criteria:\n\n(1) a\n(2) b", [(INCLUSION, "a"), (INCLUSION, "b")]),
        (
            "• Inclusion Criteria:\n\nProse criterion one.\n\nProse criterion two.",
            [(INCLUSION, "Prose criterion one."), (INCLUSION, "Prose criterion two.")],
        ),
    ],
    ids=[
        "bullets-with-headings",
        "numbered-key-criteria",
        "upper-case-and-ineligibility",
        "no-headings",
        "prose-only",
        "number-paren",
        "paren-number",
        "bulleted-heading-and-prose",
    ],
)
def test_sections_and_items(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(c.section, c.text) for c in parse_criteria(text)] == expected


def test_indented_sub_items_stay_with_their_parent() -> None:
    text = "Inclusion Criteria:\n\n* Adequate organ function:\n\n  * ANC >= 1.5 x 10^9/L\n  * Platelets >= 100 x 10^9/L\n* Signed consent"
    first, second = parse_criteria(text)
    assert first.sub_items == ("ANC >= 1.5 x 10^9/L", "Platelets >= 100 x 10^9/L")
    assert [f.kind for f in first.facts] == ["anc", "platelets"]
    assert second.text == "Signed consent"


def test_other_list_style_after_a_colon_is_nested() -> None:
    text = "Inclusion Criteria:\n1. Labs:\n* ANC >= 1500/mm3\n* Hb >= 9 g/dL\n2. Consent"
    criteria = parse_criteria(text)
    assert [c.text for c in criteria] == ["Labs:", "Consent"]
    assert len(criteria[0].sub_items) == 2


def test_introducing_paragraph_and_boilerplate_are_not_criteria() -> None:
    text = (
        "Inclusion Criteria:\n\nPatients must meet all of the following:\n\n* a\n* b\n\n"
        "Exclusion Criteria:\n\n* None\n\nOther protocol-defined exclusion criteria may apply."
    )
    assert [(c.section, c.text) for c in parse_criteria(text)] == [(INCLUSION, "a"), (INCLUSION, "b")]


def test_note_paragraph_continues_the_item_above() -> None:
    criteria = parse_criteria(
        "Exclusion Criteria:\n\n* Prior therapy\n\nNote: hormone therapy is allowed\n* Pregnancy"
    )
    assert [c.text for c in criteria] == ["Prior therapy Note: hormone therapy is allowed", "Pregnancy"]


def test_markdown_escapes_are_removed_from_the_verbatim_text() -> None:
    [criterion] = parse_criteria("Exclusion Criteria:\n\n* Platelets \\<50 x 10^9/L \\[CTCAE\\]")
    assert criterion.text == "Platelets <50 x 10^9/L [CTCAE]"
    assert [(f.kind, f.comparator, f.value) for f in criterion.facts] == [("platelets", "<", 50.0)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ANC >= 1,500/mm3", [("anc", ">=", 1500.0, None, None, "/mm3")]),
        ("platelet count < 30 x 10^9/L", [("platelets", "<", 30.0, None, None, "10*9/L")]),
        ("total bilirubin <= 1.5 x ULN", [("bilirubin", "<=", 1.5, None, None, "{ULN}")]),
        ("ECOG 0-2", [("ecog", None, None, 0.0, 2.0, "1")]),
        ("QTcF > 470 ms", [("qtc", ">", 470.0, None, None, "ms")]),
        ("creatinine clearance < 20 mL/min", [("creatinine_clearance", "<", 20.0, None, None, "mL/min")]),
        ("life expectancy of at least 3 months", [("life_expectancy", ">=", 3.0, None, None, "mo")]),
        ("LVEF >= 50%", [("lvef", ">=", 50.0, None, None, "%")]),
        (
            "AST/ALT ≤ 2.5 x ULN",
            [("ast", "<=", 2.5, None, None, "{ULN}"), ("alt", "<=", 2.5, None, None, "{ULN}")],
        ),
        ("Hemoglobin ≥ 9.0 g/dL", [("hemoglobin", ">=", 9.0, None, None, "g/dL")]),
        ("WBC ≥ 3.0 x 10^9/L", [("wbc", ">=", 3.0, None, None, "10*9/L")]),
        ("Serum creatinine ≤ 1.5 mg/dL", [("creatinine", "<=", 1.5, None, None, "mg/dL")]),
        ("eGFR ≥ 30 mL/min/1.73 m2", [("egfr", ">=", 30.0, None, None, "mL/min/{1.73_m2}")]),
        ("alkaline phosphatase ≤ 2.5 × ULN", [("alkaline_phosphatase", "<=", 2.5, None, None, "{ULN}")]),
        ("INR ≤ 1.5", [("inr", "<=", 1.5, None, None, "1")]),
        ("Karnofsky performance status ≥ 70%", [("karnofsky", ">=", 70.0, None, None, "%")]),
        ("BMI between 18.5 and 30 kg/m2", [("bmi", None, None, 18.5, 30.0, "kg/m2")]),
        ("HbA1c < 8%", [("hba1c", "<", 8.0, None, None, "%")]),
        ("18 years of age or older", [("age", ">=", 18.0, None, None, "a")]),
        ("Aged 18 to 75 years", [("age", None, None, 18.0, 75.0, "a")]),
        (
            "Adults ≥18 and < 65 years of age",
            [("age", ">=", 18.0, None, None, "a"), ("age", "<", 65.0, None, None, "a")],
        ),
        ("platelets ≥ 100.000/µl", [("platelets", ">=", 100000.0, None, None, "/uL")]),
        (
            "Hb ≥ 9 g/dL; for patients with bone marrow involvement Hb ≥ 8 g/dL",
            [("hemoglobin", ">=", 9.0, None, None, "g/dL"), ("hemoglobin", ">=", 8.0, None, None, "g/dL")],
        ),
        (
            "AST ≤ 2.5 x ULN (≤ 5 x ULN if liver metastases)",
            [("ast", "<=", 2.5, None, None, "{ULN}"), ("ast", "<=", 5.0, None, None, "{ULN}")],
        ),
        ("Pittsburgh Sleep Quality Index (PSQI) score 10 or higher", [("psqi", ">=", 10.0, None, None, "1")]),
        (
            "Patient Health Questionnaire-9 (PHQ-9) score greater than or equal to 20",
            [("phq9", ">=", 20.0, None, None, "1")],
        ),
        (
            "Alcohol Use Disorders Inventory Test (AUDIT) (score of 8 or higher)",
            [("audit", ">=", 8.0, None, None, "1")],
        ),
        (
            "Karnofsky / Lansky score < 50%",
            [("karnofsky", "<", 50.0, None, None, "%"), ("lansky", "<", 50.0, None, None, "%")],
        ),
        (
            "urinary M protein level ≥ 200 mg/24 hours",
            [("urine_m_protein", ">=", 200.0, None, None, "mg/(24.h)")],
        ),
        (
            "serum free light chain ≥ 100 mg/L (10 mg/dL)",
            [("free_light_chain", ">=", 100.0, None, None, "mg/L")],
        ),
        ("HIV positive", [("hiv", None, None, None, None, None)]),
        (
            "active hepatitis B or C",
            [("hepatitis_b", None, None, None, None, None), ("hepatitis_c", None, None, None, None, None)],
        ),
        (
            "Pregnant or breastfeeding women",
            [("pregnancy", None, None, None, None, None), ("breastfeeding", None, None, None, None, None)],
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_facts_in_real_phrasing(
    text: str, expected: list[tuple[str, str | None, float | None, float | None, float | None, str | None]]
) -> None:
    assert _facts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "total bilirubin 3 times normal",
        "adequate organ function",
        "Women of childbearing potential must use contraception to avoid pregnancy",
        "platelet transfusion within 7 days",
        "EGFR mutation positive",
        "Received at least 2 prior lines of therapy within 6 months",
        "postmenopausal, defined as age > 55 years with no menses",
    ],
)
def test_phrases_that_are_not_facts(text: str) -> None:
    assert _facts(text) == []
