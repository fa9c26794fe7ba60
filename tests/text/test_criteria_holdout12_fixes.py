"""Causes of the criteria parser's structure mistakes on held-out set 12, fixed in general (branch critfix13).

Each test reads the real record's words (the record is named) and a near miss that must keep its old reading.
"""

from __future__ import annotations

from fhir_adapter.text import EXCLUSION, INCLUSION, Fact, parse_criteria
from fhir_adapter.text.criteria import _without_complementary_ages

# NCT05704361 (legacy XML): an item's wrapped line "meeting eligibility for the trial" under the exclusion
# sub-heading "Prior/Concomitant Therapy:" was read as an inclusion heading
_WRAPPED_ELIGIBILITY = """
        Exclusion Criteria:

          -  Evidence of recent MRI activity

        Prior/Concomitant Therapy:

          -  Treatment with any approved MS treatment at Screening. Participants may become
             eligible after completion of a washout period prior to acquiring any screening
             laboratory tests but should not be withdrawn from therapies for the sole purpose of
             meeting eligibility for the trial

          -  Previous treatment with alemtuzumab, cladribine, mitoxantrone, cyclophosphamide, total
             body irradiation, bone marrow transplantation, and hematopoietic stem cell
             transplantation

        Diagnostic Assessments:

          -  Positive result on human immunodeficiency virus (HIV1) and HIV2, hepatitis C, or
             hepatitis B
"""

# NCT05705687 (legacy XML): a "Non inclusion criteria specific to ..." heading wrapped over three lines
_WRAPPED_HEADING = """
        Exclusion Criteria:

          -  Known allergy or hypersensitivity to any of the study drugs

        Non inclusion criteria specific to the phase 2 study in patients with unfavorable serum
        marker decrease and mediastinal primary tumor (to be confirmed before the end of the 1st
        BEP cycle)

          -  Patient with Hepatitis B surface antigen

          -  Patient with Hepatitis C antibody
"""


def test_a_wrapped_line_of_an_item_is_no_heading() -> None:
    criteria = parse_criteria(_WRAPPED_ELIGIBILITY)
    assert [c.section for c in criteria] == [EXCLUSION] * 4
    assert criteria[1].text.endswith("meeting eligibility for the trial")
    assert {f.kind for f in criteria[3].facts} == {"hiv", "hepatitis_b", "hepatitis_c"}


def test_a_heading_at_its_own_indent_after_an_item_still_opens_its_section() -> None:
    # near miss: no blank line, but the heading is not indented past the item's marker
    text = "Inclusion Criteria:\n\n  -  Adults aged 18 or over\nExclusion Criteria:\n\n  -  Pregnancy\n"
    assert [c.section for c in parse_criteria(text)] == [INCLUSION, EXCLUSION]


def test_a_wrapped_non_inclusion_heading_opens_the_exclusions_and_counts_nothing() -> None:
    criteria = parse_criteria(_WRAPPED_HEADING)
    assert [(c.section, c.index) for c in criteria] == [(EXCLUSION, 1), (EXCLUSION, 2), (EXCLUSION, 3)]
    assert [f.kind for f in criteria[1].facts] == ["hepatitis_b"]


def test_a_paragraph_right_below_a_heading_without_colon_stays_a_criterion() -> None:
    # near miss: a sentence (capital, no open bracket) right below "Inclusion Criteria" is a criterion
    text = "Inclusion Criteria\nAge 18 years or older.\nSigned informed consent.\n"
    criteria = parse_criteria(text)
    assert criteria and criteria[0].section == INCLUSION
    assert any(f.kind == "age" for c in criteria for f in c.facts)


# NCT02650414 (legacy XML): a creatinine table keyed by age bands; the first band's "Age 1" was read as age >= 1
_AGE_TABLE = """Inclusion Criteria:

1. Adequate organ function defined as:

   a. A serum creatinine based on age/gender as follows: Maximum Serum Creatinine (mg/dL) Age 1 to < 2 years Male 0.6 Female 0.6 Age 2 to < 6 years Male 0.8 Female 0.8 Age 6 to < 10 years Male 1.0 Female 1.0 Age 10 to < 13 years Male 1.2 Female 1.2 Age 13 to < 16 years Male 1.5 Female 1.4 Age ≥ 16 years Male 1.7 Female 1.4
"""


def test_the_bands_of_a_table_keyed_by_age_are_no_age_limits() -> None:
    [criterion] = parse_criteria(_AGE_TABLE)
    assert not [f for f in criterion.facts if f.kind == "age"]


def test_one_split_keeps_the_limit_beside_it() -> None:
    # near miss: one split ("< 60" / ">= 60") names two subgroups and is dropped; the ">= 18" beside it stays
    ages = (
        Fact("age", "Age >= 18 years", ">=", 18.0, unit="a"),
        Fact("age", "Age < 60 years", "<", 60.0, unit="a"),
        Fact("age", "Age >= 60 years", ">=", 60.0, unit="a"),
    )
    assert [f.value for f in _without_complementary_ages(ages)] == [18.0]
    # two splits are a table: none is a limit
    table = (*ages, Fact("age", "Age < 18 years", "<", 18.0, unit="a"))
    assert _without_complementary_ages(table) == ()
