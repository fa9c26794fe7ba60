"""An age read from the text that is no end of the record's own structured age range is withheld
(text/criteria/registry_ages.py), when the text states that range elsewhere; the real records that showed
the cause (held-out sets 7 and 12), and near misses that must keep their ages."""

from __future__ import annotations

from fhir_adapter.sources import Eligibility
from fhir_adapter.text import AgeRange, age_range, parse_criteria, parse_eligibility
from fhir_adapter.text.criteria import EXCLUSION, INCLUSION, Criterion
from fhir_adapter.text.criteria.statement import read_statement

# NCT05658640 (set 12 even, registry 1 Year to 21 Years): weight rows for two age subgroups
_WEIGHT_ROWS = """Inclusion Criteria:

1. Children between 1 year (≥ 12 months) and 18 years of age at the time of first diagnosis and less than 21 years at the time of inclusion. Patients under 6 years old must weigh at least 7 kg at the time of enrollment. Patients over 6 years old must weigh at least 10 kg at the time of enrollment.
2. Written informed consent.
"""
# NCT05700266 (set 12 even, registry 30 Years to 75 Years): a band that asks more of younger patients
_YOUNGER_BAND = """Inclusion Criteria:

1. Age ≥ 30 years and ≤ 75 years.
2. To increase the likelihood that the symptomatic intracranial stenosis is atherosclerotic, patients aged 30-49 years are required to meet at least one additional criteria (i-vi) below:
"""
# NCT06672068 (set 7 even, registry 18 Years to 80 Years): an age in a disease's definition
_DISEASE_ONSET = """Inclusion Criteria:

* Male or female ≥18 years old and <80 years old.

Exclusion Criteria:

* Clinically significant gastrointestinal abnormalities, such as atrophic gastritis (onset age less than 60 years).
"""


def _ages(criteria: tuple[Criterion, ...]) -> dict[tuple[str, int], list[tuple[str | None, float | None]]]:
    found: dict[tuple[str, int], list[tuple[str | None, float | None]]] = {}
    for c in criteria:
        found[(c.section, c.index)] = [(f.comparator, f.value or f.high) for f in c.facts if f.kind == "age"]
    return found


def _withheld(criteria: tuple[Criterion, ...]) -> list[str]:
    return [u.phrase for c in criteria for u in c.unclear if u.reason and "age range" in u.reason]


def test_the_record_s_range_is_read_in_years() -> None:
    assert age_range("1 Year", "21 Years") == AgeRange(1.0, 21.0)
    assert age_range("6 Months", "N/A") == AgeRange(0.5, None)
    assert age_range(None, "N/A") is None


def test_a_subgroup_s_age_row_is_withheld() -> None:
    # "under 6" and "over 6" cannot both hold for one patient: the confidence gate withholds them even without
    # the record's range (critfix15); with it, the range's own limit stays
    for criteria in (parse_criteria(_WEIGHT_ROWS), parse_criteria(_WEIGHT_ROWS, AgeRange(1.0, 21.0))):
        assert ("<", 6.0) not in _ages(criteria)[(INCLUSION, 1)]
        assert [u.phrase for c in criteria for u in c.unclear if u.kind == "age"] == [
            "Patients under 6 years old",
            "Patients over 6 years old",
        ]
        assert ("<", 21.0) in _ages(criteria)[(INCLUSION, 1)]


def test_a_band_inside_the_range_is_withheld_and_the_range_kept() -> None:
    criteria = parse_criteria(_YOUNGER_BAND, AgeRange(30.0, 75.0))
    assert _ages(criteria)[(INCLUSION, 1)] == [(">=", 30.0), ("<=", 75.0)]
    assert _ages(criteria)[(INCLUSION, 2)] == []
    assert _withheld(criteria) == ["patients aged 30-49 years"]


def test_an_exclusion_age_that_is_no_complement_of_the_range_is_withheld() -> None:
    criteria = parse_criteria(_DISEASE_ONSET, AgeRange(18.0, 80.0))
    assert _ages(criteria)[(EXCLUSION, 1)] == []
    assert _withheld(criteria) == ["age less than 60 years"]


def test_near_misses_keep_their_ages() -> None:
    # the text never states the registry's range: its own age may be the real limit ("Age >= 60" vs 18 Years)
    alone = "Inclusion Criteria:\n\n* Age ≥ 60 years\n* Untreated leukemia\n"
    assert _ages(parse_criteria(alone, AgeRange(18.0, None)))[(INCLUSION, 1)] == [(">=", 60.0)]
    # an exclusion's "< 18" is the lower limit, and "< 76" is 75 Years rounded
    both = "Inclusion Criteria:\n\n* Aged 18 to 75\n\nExclusion Criteria:\n\n* Age < 18 years or > 76 years\n"
    criteria = parse_criteria(both, AgeRange(18.0, 75.0))
    assert not _withheld(criteria)
    # an end the record does not state checks nothing
    open_ended = "Inclusion Criteria:\n\n* Age ≥ 18 years\n* Age under 65 years for the transplant arm\n"
    assert not _withheld(parse_criteria(open_ended, AgeRange(18.0, None)))
    # without a range nothing changes
    assert parse_criteria(_WEIGHT_ROWS, None) == parse_criteria(_WEIGHT_ROWS)


def test_builders_read_the_range_from_the_record() -> None:
    # the disease-onset age, not the weight rows: the confidence gate withholds those before the range is read
    eligibility = Eligibility(criteria=_DISEASE_ONSET, minimum_age="18 Years", maximum_age="80 Years")
    assert _withheld(parse_eligibility(eligibility)) == ["age less than 60 years"]
    assert _withheld(parse_criteria(_DISEASE_ONSET)) == []


def test_a_piece_read_alone_withholds_what_its_criterion_withheld() -> None:
    [criterion, _] = parse_criteria(_WEIGHT_ROWS, AgeRange(1.0, 21.0))
    words = "Patients under 6 years old must weigh at least 7 kg at the time of enrollment."
    assert [f.kind for f in read_statement(INCLUSION, 1, words).facts] == ["age"]
    piece = read_statement(INCLUSION, 1, words, criterion.unclear)
    assert not piece.facts and [u.phrase for u in piece.unclear] == ["Patients under 6 years old"]
