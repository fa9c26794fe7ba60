"""General shapes the held-out set 3 showed the parser misreading (wrong facts first).

Every text here is hand-written in the shape of a real criterion, never a record's own sentence.
"""

from __future__ import annotations

from fhir_adapter.text import EXCLUSION, INCLUSION, Criterion, parse_criteria

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
