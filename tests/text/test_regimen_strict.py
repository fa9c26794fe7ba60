"""The optional strict dose filter (strict.py): each reason withholds a dose, a plain reading is kept, and the
filter is off unless asked for. Texts are hand-written, shaped like the blind-set readings it was chosen on."""

from __future__ import annotations

from fhir_adapter.sources import Arm, Intervention, TrialRecord
from fhir_adapter.text import DrugDose, parse_regimen
from fhir_adapter.text.regimen.model import DoseCondition
from fhir_adapter.text.regimen.strict import strict_doubt


def reading(
    verbatim: str, dose_text: str, drug: str = "Drugx", dose: float = 10.0, key: str = "drugx"
) -> DrugDose:
    return DrugDose(key, drug, dose=dose, unit="mg", dose_text=dose_text, verbatim=verbatim)


def doubt(drug: DrugDose, *others: DrugDose) -> str | None:
    return strict_doubt(drug, (drug, *others))


def test_a_plain_reading_is_kept() -> None:
    assert doubt(reading("Drugx 10 mg orally once daily", "10 mg")) is None
    assert doubt(reading("10 mg of drugx on day 1", "10 mg")) is None


def test_several_doses_of_one_drug_that_nothing_tells_apart_are_withheld() -> None:
    first = reading("Drugx 10 mg daily. Drugx 20 mg daily.", "10 mg")
    second = reading("Drugx 10 mg daily. Drugx 20 mg daily.", "20 mg", dose=20.0)
    assert doubt(first, second) is not None
    # a written group tells them apart
    cohort = DoseCondition("label", "Cohort 1")
    told = [
        DrugDose("drugx", "Drugx", dose=10.0, unit="mg", dose_text="10 mg", verbatim="Cohort 1: Drugx 10 mg",
                 condition=cohort),
        DrugDose("drugx", "Drugx", dose=20.0, unit="mg", dose_text="20 mg", verbatim="Cohort 2: Drugx 20 mg",
                 condition=DoseCondition("label", "Cohort 2")),
    ]  # fmt: skip
    assert doubt(told[0], told[1]) is None
    # another drug's dose is not this drug's second dose
    other = reading("Drugy 5 mg", "5 mg", drug="Drugy", dose=5.0, key="drugy")
    assert doubt(first, other) is None


def test_a_drug_named_by_an_intervention_title_is_withheld() -> None:
    for title in ("Drugx x 2", "Drugx EC Tab", "Drugx Q6W", "Drugx thrice-weekly", "Low dose drugx"):
        assert doubt(reading("Drugx 10 mg daily", "10 mg", drug=title)) is not None, title
    assert doubt(reading("Drugx hydrochloride 10 mg daily", "10 mg", drug="Drugx hydrochloride")) is None


def test_a_dose_written_as_an_alternative_or_a_multiple_is_withheld() -> None:
    assert doubt(reading("drugx AUC 5 or 6 mg/mL/min", "AUC 5")) is not None
    assert doubt(reading("drugx 2 x 10mg tablets", "10mg")) is not None
    assert doubt(reading("drugx 10 mg or none", "10 mg")) is not None
    assert doubt(reading("drugx at 1.5 mg/kg (MTD=10 mg)", "10 mg")) is not None


def test_a_unit_that_goes_on_past_what_was_read_is_withheld() -> None:
    assert doubt(reading("drugx at 10 mg hGH/kg/week", "10 mg")) is not None
    assert doubt(reading("drugx 10 mg/drugy 300 mg", "10 mg")) is not None


def test_a_dose_far_from_its_drugs_name_is_withheld() -> None:
    far = "Drugx intravenous branched chain amino acids - 10 mg once daily"
    assert doubt(reading(far, "10 mg")) is not None
    # the name written just before the dose counts, even when it is also written far after it
    assert doubt(reading("drugx 10 mg once daily for seven days, then stop drugx", "10 mg")) is None


def _trial(arm_text: str) -> tuple[TrialRecord, Arm]:
    drug = Intervention("DRUG", "Drugx", None, ("Arm",))
    arm = Arm("Arm", "EXPERIMENTAL", arm_text, (drug.label,))
    return TrialRecord("NCT00000000", "test", arms=(arm,), interventions=(drug,)), arm


def test_the_filter_is_off_by_default_and_withholds_with_a_warning_when_asked() -> None:
    # two doses of one drug, and nothing written says who gets which
    trial, arm = _trial("Drugx 10 mg orally once daily. Drugx 20 mg orally once daily at night.")
    loose = parse_regimen(trial, arm)
    assert [d.dose for d in loose.drugs] == [10.0, 20.0]
    strict = parse_regimen(trial, arm, strict_doses=True)
    assert [(d.dose, d.unit, d.dose_text) for d in strict.drugs] == [(None, None, None)] * 2
    assert [d.verbatim for d in strict.drugs] == [d.verbatim for d in loose.drugs]
    assert any("strict doses" in issue.message for issue in strict.issues)


def test_a_plain_dose_survives_the_filter_in_a_parse() -> None:
    trial, arm = _trial("Drugx 10 mg orally once daily")
    assert [d.dose for d in parse_regimen(trial, arm, strict_doses=True).drugs] == [10.0]
