"""`fhir-adapter validate` flags every defect class of issue 10 on real old output (tests/validation/old_output,
written by main's converter before the fixes; see its README), as fhir-adapter's own Bundles; with the base
R4 rules only, the same Bundles pass."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from fhir_adapter.cli import EXIT_OK, EXIT_SOME_FAILED, main

OLD_OUTPUT = Path(__file__).resolve().parent / "old_output"

# defect class -> (Bundle, where in it, words of the finding)
DEFECTS: dict[str, tuple[str, str, str]] = {
    "inclusion 'A or B' as ANDed thresholds": (
        "NCT02513394",
        "Bundle.entry[447].resource.characteristic[23]",
        "inclusion 21 states alternatives",
    ),
    "inclusion 'or' with two thresholds as one coded threshold": (
        "NCT02513394",
        "Bundle.entry[447].resource.characteristic[20]",
        "inclusion 19 states alternatives",
    ),
    "threshold for a subgroup coded for everyone": (
        "NCT04501120",
        "Bundle.entry[16].resource.characteristic[3]",
        "coded threshold from a conditional criterion ('for participants'",
    ),
    "age at diagnosis coded as current age": (
        "NCT01949129",
        "Bundle.entry[130].resource.characteristic[2]",
        "'age at diagnosis' is not the current age",
    ),
    "accepting healthy volunteers coded as requiring them": (
        "NCT00712335",
        "Bundle.entry[3].resource.characteristic[1]",
        "requires every member to be a healthy volunteer",
    ),
    "daily dose as a rate (seed dexamethasone 40 mg/day)": (
        "NCT06158412",
        "Bundle.entry[4].resource.contained[4].dosage[0].doseAndRate[0].rateRatio",
        "a dose per day is a doseQuantity",
    ),
    "daily dose as a rate (2.5 mg/kg/d)": (
        "NCT01949129",
        "Bundle.entry[131].resource.contained[3].dosage[0].doseAndRate[0].rateRatio",
        "a dose per day is a doseQuantity",
    ),
    "Markdown escape in Dosage.text (seed)": (
        "NCT06158412",
        "Bundle.entry[4].resource.contained[4].dosage[0].text",
        "Markdown escape '\\>'",
    ),
    "Markdown escape in Dosage.text (m\\^2)": (
        "NCT04501120",
        "Bundle.entry[19].resource.contained[1].dosage[0].text",
        "Markdown escape '\\^'",
    ),
    "HL7 code that is not in its code system": (
        "NCT02513394",
        "Bundle.entry[450].resource.arm[1].type.coding[0].code",
        "'other-arm' is not a code of http://hl7.org/fhir/research-study-arm-type",
    ),
    "MeSH id not in NLM's form": (
        "NCT02513394",
        "Bundle.entry[450].resource.condition[1].coding[0].code",
        "'D000001943' is not NLM's form of this MeSH id: D001943",
    ),
}


def _validate(*args: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["validate", "--format", "json", *args, str(OLD_OUTPUT)])
    return code, json.loads(out.getvalue())


@pytest.fixture(scope="module")
def findings() -> list[tuple[str, str, str]]:
    """(Bundle, location, text) of every issue `validate --strict` reports on the old output; no --rules:
    they are fhir-adapter's Bundles, so its rules apply by default."""
    code, outcome = _validate("--strict")
    assert code == EXIT_SOME_FAILED
    return [
        (
            issue["diagnostics"].rsplit("/", 1)[-1].split(".")[0],
            issue["expression"][0],
            issue["details"]["text"],
        )
        for issue in outcome["issue"]
    ]


@pytest.mark.parametrize("defect", sorted(DEFECTS), ids=lambda d: d.replace(" ", "-"))
def test_validate_flags_each_defect_class_of_the_old_output(
    findings: list[tuple[str, str, str]], defect: str
) -> None:
    bundle, location, words = DEFECTS[defect]
    assert any(
        (found_bundle, found_location) == (bundle, location) and words in text
        for found_bundle, found_location, text in findings
    ), [f for f in findings if f[0] == bundle]


def test_the_old_output_breaks_only_project_rules(findings: list[tuple[str, str, str]]) -> None:
    """The old Bundles are valid R4: every finding is fhir-adapter's self-check, so base rules pass them."""
    code, outcome = _validate("--strict", "--rules", "base")
    assert code == EXIT_OK
    assert [issue["severity"] for issue in outcome["issue"]] == ["information"]
    assert len(findings) > len(DEFECTS)
