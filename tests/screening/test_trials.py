"""The real trials (Group from the converter at test time) against the hand-built patients in fixtures/patients/.

Expected verdicts and criterion results are written from the criterion text: see trial_expectations.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fhir_adapter.errors import InputError
from fhir_adapter.screening import (
    CriterionResult,
    PatientScreen,
    read_patient_folder,
    read_trial_file,
    screen_patients,
)
from fhir_adapter.terms import load_terms
from tests.conftest import CTGOV, FIXTURES
from tests.screening.groups import context
from tests.screening.trial_expectations import EXPECTED

PATIENTS = FIXTURES / "patients"


def screen_folder(nct_id: str, folder: Path | None = None) -> dict[str, PatientScreen]:
    trial = read_trial_file(CTGOV / f"{nct_id}.json", load_terms())
    screens = {}
    for item in screen_patients(trial, read_patient_folder(folder or PATIENTS / nct_id), context()):
        assert not isinstance(item, InputError), str(item)
        screens[item.patient_id] = item
    return screens


def criterion_for(screen: PatientScreen, selector: str) -> CriterionResult:
    """Return the criterion a check names: CT.gov's structured age, or the written criterion with that code."""
    wanted = set(selector.split("|"))
    for result in screen.results:
        if selector == "age" and result.criterion.label == "age":
            return result
        if result.criterion.label.startswith(("inclusion", "exclusion")) and any(
            code in wanted for c in result.criterion.characteristics for _, code in c.codes
        ):
            return result
    raise AssertionError(f"{screen.patient_id}: no criterion coded {selector}")


CASES = [(nct_id, patient_id) for nct_id, table in EXPECTED.items() for patient_id in table]


@pytest.fixture(scope="module")
def screened() -> dict[str, dict[str, PatientScreen]]:
    return {nct_id: screen_folder(nct_id) for nct_id in EXPECTED}


@pytest.mark.parametrize(("nct_id", "patient_id"), CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_patient_screens_as_the_criterion_text_says(
    screened: dict[str, dict[str, PatientScreen]], nct_id: str, patient_id: str
) -> None:
    verdict, checks = EXPECTED[nct_id][patient_id]
    screen = screened[nct_id][patient_id]
    assert screen.verdict is verdict, _explain(screen)
    for selector, result in checks:
        assert criterion_for(screen, selector).result is result, _explain(screen)


@pytest.mark.parametrize("nct_id", sorted(EXPECTED))
def test_every_fixture_patient_has_an_expectation(
    screened: dict[str, dict[str, PatientScreen]], nct_id: str
) -> None:
    assert set(screened[nct_id]) == set(EXPECTED[nct_id])


def test_every_decided_criterion_names_the_data_it_used(
    screened: dict[str, dict[str, PatientScreen]],
) -> None:
    for screens in screened.values():
        for screen in screens.values():
            for result in screen.results:
                if result.passed is not None:
                    assert any(f.evidence for f in result.findings), (
                        screen.patient_id,
                        result.criterion.label,
                    )


def _explain(screen: PatientScreen) -> str:
    lines = [f"{screen.patient_id}: {screen.verdict.value}"]
    lines += [f"  {r.criterion.label}: {r.result.value} {r.reason}" for r in screen.results if not r.review]
    return "\n".join(lines)
