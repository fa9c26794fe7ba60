"""The validator's table of HL7 codes is exactly what HL7's official npm packages hold."""

from __future__ import annotations

import json
from pathlib import Path

from scripts.build_hl7_codesystems import TARGET, complete_codesystems


def test_r4_codes_match_the_official_r4_package(r4_examples: Path) -> None:
    stored = json.loads(TARGET.read_text(encoding="utf-8"))
    assert stored["r4"] == complete_codesystems(r4_examples)


def test_r5_codes_match_the_official_r5_package(r5_core: Path) -> None:
    stored = json.loads(TARGET.read_text(encoding="utf-8"))
    assert stored["r5"] == complete_codesystems(r5_core)


def test_the_table_knows_the_arm_type_codes_of_r5(r5_core: Path) -> None:
    # The arm-type system exists only in R5; `other-arm-type` is its code for CT.gov's OTHER.
    stored = json.loads(TARGET.read_text(encoding="utf-8"))
    assert "other-arm-type" in stored["r5"]["http://hl7.org/fhir/research-study-arm-type"]
    assert "other-arm" not in stored["r5"]["http://hl7.org/fhir/research-study-arm-type"]
