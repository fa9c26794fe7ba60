"""benchmarks/eligibility_exact.py: criteria reviewed "not statable" are counted apart only while kept as text.

A reviewed criterion is one no reader can state exactly without guessing (benchmarks/eligibility_not_statable.json);
if the converter ever states one, the benchmark counts what it stated and warns, since that would be a guess.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from benchmarks.eligibility_exact import count, criteria, not_statable, reviewed_why
from fhir_adapter.resources import r5_statement
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.terms import Terms
from fhir_adapter.text import ALL_OF, parse_criteria
from tests.conftest import CTGOV, FIXTURES


def _criteria_text(path: Path) -> str:
    [trial] = read_trials([path])
    assert isinstance(trial, TrialRecord)
    return trial.eligibility.criteria or ""


def test_every_reviewed_criterion_is_in_the_fixtures_kept_as_text_with_why(terms: Terms) -> None:
    reviewed = not_statable()
    assert {(nct_id, section) for nct_id, section, _ in reviewed} == {
        ("NCT02526537", "inclusion"),
        ("NCT02028676", "inclusion"),
    }
    found = {
        (nct_id, criterion.section, criterion.index): r5_statement(criterion, terms, among)
        for nct_id, criterion, among in criteria([CTGOV, FIXTURES / "ctgov-xml"])
        if reviewed_why(reviewed, nct_id, criterion)
    }
    assert found == {("NCT02526537", "inclusion", 7): "kept as text (conditional), as in R4"}
    # The WHO table's heading is no longer read as a choice since a parser change of main (its "CD4
    # percent or count" chooses nothing the parser codes): all-of with no fact, it is its words, with no
    # threshold stated, and so not among the criteria the benchmark counts.
    [table] = [
        c
        for c in parse_criteria(_criteria_text(FIXTURES / "ctgov-xml" / "NCT02028676.xml"))
        if reviewed_why(reviewed, "NCT02028676", c)
    ]
    assert (table.section, table.index, table.logic, table.facts) == ("inclusion", 6, ALL_OF, ())
    assert r5_statement(table, terms) is None
    assert all(len(why) > 100 for why in reviewed.values())  # each says why, not just that


def test_a_reviewed_criterion_kept_as_text_counts_not_statable(
    terms: Terms, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(CTGOV / "NCT02526537.json", tmp_path)
    counts = count([tmp_path], terms, show=True)
    assert counts[("inclusion", "conditional", "not statable")] == 1
    assert counts[("inclusion", "conditional", "text")] == 0
    assert "why: A translation" in capsys.readouterr().out


def test_a_reviewed_criterion_that_is_stated_is_counted_as_stated_with_a_warning(
    terms: Terms, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # pretend a reviewer had judged NCT02513394 inclusion 21 (creatinine below ULN or clearance >= 60 for
    # patients above ULN) not statable: the converter states it exactly, which the benchmark must show
    shutil.copy(CTGOV / "NCT02513394.json", tmp_path)
    reviewed = {("NCT02513394", "inclusion", "Serum creatinine below the upper limit"): "for the test"}
    counts = count([tmp_path], terms, show=False, reviewed=reviewed)
    assert counts[("inclusion", "any-of", "not statable")] == 0
    assert counts[("inclusion", "any-of", "exact")] >= 1
    assert (
        "WARNING NCT02513394 inclusion 21: stated (exact), reviewed not statable" in capsys.readouterr().out
    )
