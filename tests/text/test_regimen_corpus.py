"""The regimen parser against hand-checked expectations for 28 real records (tests/text/expectations/).

The expectations were written by reading each record, not by running the parser (see the README there).
A wrong dose is the worst error a converter can make, so precision must stay at or above 0.97; recall at or
above 0.85, for (drug, dose, unit) and for days of the cycle. A regression below either fails.
"""

from __future__ import annotations

import pytest

from benchmarks.regimen_accuracy import Result, score
from fhir_adapter.terms import Terms


@pytest.fixture(scope="module")
def result(terms: Terms) -> Result:
    return score(terms=terms)


def test_the_corpus_covers_at_least_15_oncology_records(result: Result) -> None:
    assert result.records >= 15 and result.arms >= 50


def test_dose_precision_and_recall_meet_the_targets(result: Result) -> None:
    assert result.doses.precision >= 0.97, f"precision {result.doses.precision:.3f}"
    assert result.doses.recall >= 0.85, f"recall {result.doses.recall:.3f}"


def test_days_of_cycle_precision_and_recall_meet_the_targets(result: Result) -> None:
    assert result.days.precision >= 0.97, f"precision {result.days.precision:.3f}"
    assert result.days.recall >= 0.85, f"recall {result.days.recall:.3f}"
