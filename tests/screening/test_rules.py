"""The screening's mapping file: what it declares, and how a hospital overrides a row."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from fhir_adapter.errors import SettingsError
from fhir_adapter.screening import evaluate_characteristic, load_screening_rules
from fhir_adapter.screening.evidence import ScreeningContext
from fhir_adapter.screening.rules import MOLAR_MASS, RULES_ID
from tests.screening.groups import SCREENING_DATE, criterion, loinc, observation, one, patient, quantity

LOINC = "http://loinc.org"


def test_creatinine_has_a_declared_molar_mass_and_bilirubin_none() -> None:
    rules = load_screening_rules()
    assert rules.molar_mass(loinc("2160-0")) == 113.12
    assert rules.molar_mass(loinc("1975-2")) is None
    assert loinc("14682-9") in rules.observation_codes(loinc("2160-0"))


def test_la9627_6_is_ecog_5_and_karnofsky_0() -> None:
    rules = load_screening_rules()
    assert rules.score(loinc("89247-1"), loinc("LA9627-6")) == 5
    assert rules.score(loinc("89243-0"), loinc("LA9627-6")) == 0


def _hospital_rules(tmp_path: Path, element: Mapping[str, object]) -> Path:
    folder = tmp_path / "maps"
    folder.mkdir()
    document = {"resourceType": "ConceptMap", "id": RULES_ID,
                "group": [{"source": LOINC, "target": LOINC, "element": [element]}]}  # fmt: skip
    (folder / "local.json").write_text(json.dumps(document), encoding="utf-8")
    return folder


def test_a_hospital_declares_bilirubins_molar_mass_and_umol_results_then_convert(tmp_path: Path) -> None:
    element = {"code": "1975-2", "target": [{"code": "1975-2", "equivalence": "equal",
               "product": [{"property": MOLAR_MASS, "value": "584.66 g/mol"}]}]}  # fmt: skip
    rules = load_screening_rules([_hospital_rules(tmp_path, element)])
    bilirubin = criterion("inclusion 1", "Total bilirubin <= 1.5 mg/dL", code=loinc("1975-2"),
                          valueQuantity=quantity(1.5, "mg/dL", "<="))  # fmt: skip
    result = observation(loinc("1975-2"), valueQuantity=quantity(25, "umol/L"))  # 1.46 mg/dL
    finding = evaluate_characteristic(
        one(bilirubin), patient(result), ScreeningContext(rules, SCREENING_DATE)
    )
    assert finding.holds is True
    assert rules.molar_mass(loinc("2160-0")) == 113.12  # rows the hospital did not give stay


def test_a_molar_mass_not_in_g_per_mol_is_refused(tmp_path: Path) -> None:
    element = {"code": "1975-2", "target": [{"code": "1975-2", "equivalence": "equal",
               "product": [{"property": MOLAR_MASS, "value": "17.1"}]}]}  # fmt: skip
    with pytest.raises(SettingsError, match=r"molar mass '17\.1' is not written as '<number> g/mol'"):
        load_screening_rules([_hospital_rules(tmp_path, element)])
