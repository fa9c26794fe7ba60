"""benchmarks/expectation_agreement.py scores a second human reading against the reviewed one with the accuracy
benchmarks' keys. Small hand-written files: each disagreement below is one the script must count."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.expectation_agreement import (
    criteria_agreement,
    folder_report,
    is_regimen,
    regimen_agreement,
)


def _fact(criterion: int, value: float, unit: str | None = "mg/dL") -> dict[str, Any]:
    return {"section": "inclusion", "criterion": criterion, "kind": "creatinine", "comparator": "<=",
            "value": value, "unit": unit}  # fmt: skip


def _drug(name: str, dose: float | None, days: list[int]) -> dict[str, Any]:
    return {"drug": name, "aliases": [], "dose": dose, "dose_high": None, "unit": "mg", "days": days,
            "frequency": None}  # fmt: skip


def test_criteria_counts_facts_and_renumbered_facts() -> None:
    reference = {
        "NCT1": {"inclusion": 3, "exclusion": 1, "facts": [_fact(1, 1.5), _fact(3, 2.0)]},
        "NCT2": {"inclusion": 1, "exclusion": 0, "facts": []},
    }
    # NCT1: the second reader counts one more inclusion criterion, so the same 2.0 sits under number 4
    second = {"NCT1": {"inclusion": 4, "exclusion": 1, "facts": [_fact(1, 1.5), _fact(4, 2.0)]}}
    score = criteria_agreement(reference, second)
    assert (score.records, score.counts_right) == (1, 0)  # NCT2 is not in both files
    assert (score.true_positive, score.false_positive, score.false_negative) == (1, 1, 1)
    loose = score.unnumbered
    assert (loose.true_positive, loose.false_positive, loose.false_negative) == (2, 0, 0)


def test_regimen_doses_days_and_an_arm_only_one_reader_wrote() -> None:
    reference = {
        "NCT1": {"arms": {"A": {"drugs": [_drug("Dexamethasone", 40, [1, 8]), _drug("ATRA", None, [])]}}}
    }
    second = {
        "NCT1": {
            "arms": {
                "A": {"drugs": [_drug("dexamethasone", 20, [1, 8])]},
                "B": {"drugs": [_drug("Carfilzomib", 56, [])]},
            }
        }
    }
    assert is_regimen(reference)
    result = regimen_agreement(reference, second)
    assert result.arms == 2
    doses = result.doses
    assert (doses.true_positive, doses.false_positive, doses.false_negative) == (0, 2, 1)
    assert (result.days.true_positive, result.days.false_positive) == (1, 0)


def test_folder_pairs_each_second_reading_with_the_reviewed_file_of_its_name(tmp_path: Path) -> None:
    second_folder = tmp_path / "second_reading"
    second_folder.mkdir()
    reference = {"NCT1": {"inclusion": 1, "exclusion": 0, "facts": [_fact(1, 1.5)]}}
    second = {"NCT1": {"inclusion": 1, "exclusion": 0, "facts": [_fact(1, 2.0)]}}
    (tmp_path / "criteria_a.json").write_text(json.dumps(reference), encoding="utf-8")
    (second_folder / "criteria_a.json").write_text(json.dumps(second), encoding="utf-8")
    (tmp_path / "regimen_a.json").write_text(
        json.dumps({"NCT1": {"arms": {"A": {"drugs": [_drug("x", 5, [])]}}}}), encoding="utf-8"
    )
    (second_folder / "regimen_a.json").write_text(
        json.dumps({"NCT1": {"arms": {"A": {"drugs": [_drug("x", 5, [])]}}}}), encoding="utf-8"
    )
    report = folder_report(second_folder)
    pooled_criteria = report.split("== pooled criteria\n")[1]
    assert "(0 agree, 1 second only, 1 reference only)" in pooled_criteria
    assert "(1 agree, 0 second only, 0 reference only)" in report.split("== pooled regimen\n")[1]
