"""benchmarks/values_in_text.py: every coded threshold and dose is a number its own verbatim text holds."""

from __future__ import annotations

from typing import Any

from benchmarks.values_in_text import count, unwritten_values, written_numbers
from tests.conftest import CTGOV, FIXTURES


def _bundle(criterion: str, value: dict[str, Any], dose_text: str, dose: float) -> dict[str, Any]:
    group = {"resourceType": "Group", "characteristic": [{"code": {"text": criterion}, **value}]}
    activity = {
        "resourceType": "ActivityDefinition",
        "id": "ad-x",
        "dosage": [{"text": dose_text, "doseAndRate": [{"doseQuantity": {"value": dose, "code": "mg"}}]}],
    }
    plan = {"resourceType": "PlanDefinition", "contained": [activity]}
    return {"entry": [{"resource": group}, {"resource": plan}]}


def test_numbers_as_registry_texts_write_them() -> None:
    assert {100000.0, 100.0, 0.0} <= written_numbers("Platelets ≥ 100 000/uL")
    assert 100000.0 in written_numbers("thrombocytopenia < 100.000/µl")
    assert 1500.0 in written_numbers("ANC ≥1,500/mcL")
    assert {0.0, 1.0, 2.0} <= written_numbers("ECOG 0,1 or 2")
    assert 2.0 in written_numbers("less than or equal to two")
    assert 1.0 in written_numbers("bilirubin ≤ institutional upper limit of normal")
    assert 500000.0 in written_numbers("5×10^5 CAR T cells/kg")
    assert 1500000.0 in written_numbers("1.5 x 10e6 cells")
    assert 2e9 in written_numbers("2 × 10⁹ cells")
    assert 1.5 not in written_numbers("creatinine < 15 mg/L")


def test_a_number_its_text_does_not_hold_is_reported_where_it_is() -> None:
    bundle = _bundle(
        "Hemoglobin ≥ 9 g/dL", {"valueQuantity": {"value": 90}}, "dexamethasone 40 mg daily", 4.0
    )
    found = list(unwritten_values(bundle, "NCT00000000"))
    assert [(item.where, item.value) for item in found] == [
        ("Group.characteristic[0].valueQuantity.value", 90.0),
        ("ActivityDefinition/ad-x.dosage[0].doseAndRate[0].doseQuantity.value", 4.0),
    ]
    honest = _bundle(
        "Hemoglobin ≥ 9 g/dL", {"valueRange": {"low": {"value": 9}}}, "dexamethasone 40 mg", 40.0
    )
    assert list(unwritten_values(honest, "NCT00000000")) == []


def test_no_coded_number_of_the_project_records_is_missing_from_its_text() -> None:
    coded, _, unwritten = count([CTGOV, FIXTURES / "ctgov-xml"])
    assert coded > 600  # the thresholds and doses of 113 trials (694 on 2026-12-03): it looked at something
    assert unwritten == []
