"""The criteria parser against hand-checked expectations for 71 real records (tests/text/expectations/).

The expectations were written by reading each record, not by running the parser (see the README there).
A regression below the issue's targets (precision >= 0.97, recall >= 0.90) or in any criteria count fails.
"""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.criteria_accuracy import HOLDOUT, RECORDS, record_ages, record_path, score


def test_fact_precision_and_recall_meet_the_targets() -> None:
    result = score()
    assert result.records >= 25
    assert result.precision >= 0.97, f"precision {result.precision:.3f}"
    assert result.recall >= 0.90, f"recall {result.recall:.3f}"


def test_any_of_and_conditional_criteria_are_found() -> None:
    """Every record lists its any-of and conditional criteria (README, 'Logic'): a tuning set, so the bar
    is high; a miss here is a criterion coded as if it held for everyone."""
    result = score()
    assert result.logic_records == result.records
    assert result.logic.precision >= 0.95, f"logic precision {result.logic.precision:.3f}"
    assert result.logic.recall >= 0.95, f"logic recall {result.logic.recall:.3f}"


def test_criteria_counts_match_for_every_record() -> None:
    result = score()
    assert result.counts_right == result.records


def test_held_out_records_stay_above_a_floor() -> None:
    """43 records read by someone who never saw the parser (incl. 21 legacy XML texts). The first, blind
    score was precision 0.649 / recall 0.654, mostly structure of the legacy XML layout, since fixed; the
    floor guards that work, it is not the issue's target. It follows the old fact convention (a subgroup's
    value is not a fact), so the issue-10 branch values count against precision here."""
    result = score(expectations_file=HOLDOUT)
    assert result.records == 43
    assert result.precision >= 0.85, f"precision {result.precision:.3f}"
    assert result.recall >= 0.90, f"recall {result.recall:.3f}"


def test_a_condition_on_the_wrong_fact_counts_as_wrong(tmp_path: Path) -> None:
    """The scorer counts which facts hold for a subgroup: here the text's Gilbert's condition is on the 3x
    value, and an expectation that puts it on the 1.5x value must score the parser's condition wrong."""
    text = "Inclusion Criteria:\n\n* Total bilirubin <= 1.5 x ULN (<= 3 x ULN for Gilbert's syndrome)\n"
    fact = {"section": "inclusion", "criterion": 1, "kind": "bilirubin", "comparator": "<=", "unit": "{ULN}"}
    right = {**fact, "value": 3.0, "condition": "for Gilbert's syndrome"}
    file = tmp_path / "criteria.json"

    def scored(facts: list[dict[str, object]]) -> tuple[int, int, int]:
        record = {"criteria_text": text, "inclusion": 1, "exclusion": 0, "facts": facts}
        file.write_text(json.dumps({"NCT00000000": record}), encoding="utf-8")
        conditions = score(expectations_file=file).conditions
        return conditions.true_positive, conditions.false_positive, conditions.false_negative

    assert scored([{**fact, "value": 1.5}, right]) == (1, 0, 0)
    assert scored(
        [{**fact, "value": 1.5, "condition": "for Gilbert's syndrome"}, {**right, "condition": ""}]
    ) == (
        0,
        1,
        1,
    )


def test_a_renumbered_fact_is_wrong_by_number_and_right_by_value(tmp_path: Path) -> None:
    """A writer who counts the criteria differently renumbers the facts after the split: the strict figure
    counts each wrong and missed, the unnumbered one matches the value in its section."""
    text = "Inclusion Criteria:\n\n* Signed consent\n* ECOG 0-1\n"
    fact = {"section": "inclusion", "kind": "ecog", "low": 0, "high": 1, "unit": "1"}
    record = {"criteria_text": text, "inclusion": 1, "exclusion": 0, "facts": [{**fact, "criterion": 1}]}
    file = tmp_path / "criteria.json"
    file.write_text(json.dumps({"NCT00000000": record}), encoding="utf-8")
    result = score(expectations_file=file)
    assert (result.true_positive, result.false_positive, result.false_negative) == (0, 1, 1)
    loose = result.unnumbered
    assert (loose.true_positive, loose.false_positive, loose.false_negative) == (1, 0, 0)


def test_records_of_held_out_sets_are_found_without_a_records_folder() -> None:
    """A held-out expectation carries its criteria_text but the record's structured age range must still
    reach the parser: the default search covers fixtures/ctgov-holdout*/ beside fixtures/ctgov/."""
    path = record_path("NCT05519085")  # a record of set 16, kept only in fixtures/ctgov-holdout16/
    assert path is not None and path.parent.name == "ctgov-holdout16"
    assert record_ages("NCT05519085") is not None
    assert record_path("NCT05519085", RECORDS) is None  # an explicit folder is the only one
