"""Legacy XML values: enum words to API v2 codes, dates to ISO partial dates, text blocks dedented."""

from __future__ import annotations

from pathlib import Path

import pytest

from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.sources.xml_values import (
    LEGACY_CODES,
    dedent_textblock,
    legacy_code,
    normalise_word,
    parse_legacy_date,
    parse_masking,
    parse_phases,
)
from tests.conftest import FIXTURES


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("Active, not recruiting", "ACTIVE_NOT_RECRUITING"),
        ("Enrolling by invitation", "ENROLLING_BY_INVITATION"),
        ("Temporarily not available", "TEMPORARILY_NOT_AVAILABLE"),
        ("Unknown status", "UNKNOWN"),
        ("Placebo Comparator", "PLACEBO_COMPARATOR"),
        ("No Intervention", "NO_INTERVENTION"),
        ("Dietary Supplement", "DIETARY_SUPPLEMENT"),
        ("Combination Product", "COMBINATION_PRODUCT"),
        ("Sub-Investigator", "SUB_INVESTIGATOR"),
        ("U.S. Fed", "FED"),
        ("Other U.S. Federal agency", "FED"),
        ("Individual", "INDIV"),
        ("Non-Randomized", "NON_RANDOMIZED"),
        ("N/A", "NA"),
        ("Single Group Assignment", "SINGLE_GROUP"),
        ("Crossover Assignment", "CROSSOVER"),
        ("Educational/Counseling/Training", "ECT"),
        ("Health Services Research", "HEALTH_SERVICES_RESEARCH"),
        ("Case-Control", "CASE_CONTROL"),
        ("Cross-Sectional", "CROSS_SECTIONAL"),
        ("Observational [Patient Registry]", "OBSERVATIONAL"),
        ("Anticipated", "ESTIMATED"),
        ("Both", "ALL"),
        ("unknown STATUS", "UNKNOWN"),
    ],
)
def test_legacy_words_become_v2_codes(word: str, code: str) -> None:
    assert legacy_code(word) == code


def test_no_exception_is_what_the_rule_gives_anyway() -> None:
    assert [w for w, code in LEGACY_CODES.items() if normalise_word(w) == code] == []


@pytest.mark.parametrize(
    ("text", "phases"),
    [
        ("Phase 1/Phase 2", ("PHASE1", "PHASE2")),
        ("Phase 2/Phase 3", ("PHASE2", "PHASE3")),
        ("Phase 4", ("PHASE4",)),
        ("Early Phase 1", ("EARLY_PHASE1",)),
        ("N/A", ("NA",)),
    ],
    ids=["1-2", "2-3", "4", "early-1", "n-a"],
)
def test_phases_split_on_the_slash_except_n_a(text: str, phases: tuple[str, ...]) -> None:
    assert parse_phases(text) == phases


@pytest.mark.parametrize(
    ("text", "masking", "who"),
    [
        ("None (Open Label)", "NONE", ()),
        ("No masking", "NONE", ()),
        ("Single (Participant)", "SINGLE", ("PARTICIPANT",)),
        ("Double (Participant, Investigator)", "DOUBLE", ("PARTICIPANT", "INVESTIGATOR")),
        (
            "Quadruple (Participant, Care Provider, Investigator, Outcomes Assessor)",
            "QUADRUPLE",
            ("PARTICIPANT", "CARE_PROVIDER", "INVESTIGATOR", "OUTCOMES_ASSESSOR"),
        ),
        ("Triple", "TRIPLE", ()),
    ],
    ids=["open-label", "no-masking", "single", "double", "quadruple", "no-list"],
)
def test_masking_gives_the_level_and_who_is_masked(text: str, masking: str, who: tuple[str, ...]) -> None:
    assert parse_masking(text) == (masking, who)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("May 2008", "2008-05"),
        ("May 11, 2018", "2018-05-11"),
        ("January 1, 1997", "1997-01-01"),
        ("September 2025", "2025-09"),
        ("February 29, 2016", "2016-02-29"),
        ("Unknown", None),
    ],
)
def test_legacy_dates_become_iso_partial_dates(text: str, iso: str | None) -> None:
    assert parse_legacy_date(text) == iso


@pytest.mark.parametrize(
    "text",
    ["2008-05", "May", "Mai 2008", "May 32, 2018", "February 29, 2017", "May 11 2018", "11 May 2018"],
)
def test_other_date_forms_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_legacy_date(text)


def test_textblock_keeps_lines_blank_lines_and_relative_indentation() -> None:
    block = "\n        Inclusion Criteria:\n\n          -  Age 18\n             or older\n\n               -  nested\n      "
    assert dedent_textblock(block) == "Inclusion Criteria:\n\n  -  Age 18\n     or older\n\n       -  nested"


def test_blank_textblock_is_none() -> None:
    assert dedent_textblock("\n      \n    ") is None


# API v2 (OpenAPI 2.0.3) enums that no mapping table holds; test_read_xml.py checks the tabled ones.
V2_CODES = {
    "study_type": {"EXPANDED_ACCESS", "INTERVENTIONAL", "OBSERVATIONAL"},
    "allocation": {"RANDOMIZED", "NON_RANDOMIZED", "NA"},
    "intervention_model": {"SINGLE_GROUP", "PARALLEL", "CROSSOVER", "FACTORIAL", "SEQUENTIAL"},
    "observational_model": {
        "COHORT",
        "CASE_CONTROL",
        "CASE_ONLY",
        "CASE_CROSSOVER",
        "ECOLOGIC_OR_COMMUNITY",
        "FAMILY_BASED",
        "DEFINED_POPULATION",
        "NATURAL_HISTORY",
        "OTHER",
    },
    "time_perspective": {"PROSPECTIVE", "RETROSPECTIVE", "CROSS_SECTIONAL", "OTHER"},
    "masking": {"NONE", "SINGLE", "DOUBLE", "TRIPLE", "QUADRUPLE"},
    "who_masked": {"PARTICIPANT", "CARE_PROVIDER", "INVESTIGATOR", "OUTCOMES_ASSESSOR"},
    "enrollment_type": {"ACTUAL", "ESTIMATED"},
    "contact_role": {
        "CONTACT",
        "PRINCIPAL_INVESTIGATOR",
        "SUB_INVESTIGATOR",
        "STUDY_CHAIR",
        "STUDY_DIRECTOR",
    },
}


@pytest.mark.parametrize("path", sorted((FIXTURES / "ctgov-xml").glob("*.xml")), ids=lambda p: p.stem)
def test_every_design_word_becomes_an_api_v2_code(path: Path) -> None:
    [trial] = list(read_trials([path]))
    assert isinstance(trial, TrialRecord)
    design = trial.design
    values: dict[str, list[str | None]] = {
        "study_type": [trial.study_type],
        "allocation": [design.allocation],
        "intervention_model": [design.intervention_model],
        "observational_model": [design.observational_model],
        "time_perspective": [design.time_perspective],
        "masking": [design.masking],
        "who_masked": list(design.who_masked),
        "enrollment_type": [trial.enrollment_type],
        "contact_role": [c.role for c in trial.central_contacts]
        + [c.role for s in trial.sites for c in s.contacts],
    }
    unknown = {k: v for k, codes in values.items() if (v := {c for c in codes if c} - V2_CODES[k])}
    assert unknown == {}
