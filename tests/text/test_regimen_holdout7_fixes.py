"""The regimen parser on mistakes seen in held-out set 7, each with the record's own text: an infusion rate
written "mg/kg.min" read as a mg/kg dose, a vial's fill volume and a gel's amount read as doses, a placebo's
amount given to the drug, a placebo arm given the blinded drug's dose, a sentence about another drug's code
read as the drug before, and days counted back from another event read as days of the cycle."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fhir_adapter.sources import Arm, Intervention, TrialRecord
from fhir_adapter.text import parse_regimen
from fhir_adapter.text.regimen.doses import PLACEBO_REASON, find_doses, normalize
from fhir_adapter.text.regimen.schedule import find_day_lists, find_frequencies
from tests.text.test_regimen import KNOWN, regimen_of


def test_a_rate_per_kg_and_minute_is_no_dose() -> None:
    # NCT03560323: an infusion rate, written with a product sign between kg and min
    text = (
        "Administration of beta-hydroxy-butyrate at 0.4 mg/kg.min for 20 minutes and then at a constant rate "
        "of 0.2 mg/kg.min until study end"
    )
    assert find_doses(text) == []
    assert [d.dose for d in regimen_of(text, ("Beta-hydroxy-butyrate", None)).drugs] == [None]
    # a dose per kg, then a rate written with a slash, stay as they were
    assert [(d.value, d.unit) for d in find_doses("2 mg/kg over 30 min; 1 mg/kg/min")] == [(2, "mg/kg")]


def test_a_vials_fill_volume_is_no_dose() -> None:
    # NCT05896748
    text = (
        "It is a sterile white suspension containing 300 mg/mL of RPV as the free base. The route of "
        "administration is by intramuscular (IM) injection. Each vial contains a nominal fill of 2.0 mL, and "
        "does not require dilution prior to administration."
    )
    regimen = regimen_of(None, ("Rilpivirine - Injectable Suspension (RPV LA)", text))
    assert [d.dose for d in regimen.drugs] == [None]


def test_the_amount_of_a_gel_holding_the_dose_is_no_dose() -> None:
    # NCT00848497: the 50 mg of testosterone is the dose, not the 5 g of gel
    text = (
        "Testim® 5 g of gel (one tube) containing 50 mg of testosterone once daily. This was the dose given "
        "to the patient which he started."
    )
    doses = find_doses(normalize(text))
    assert [(d.value, d.unit) for d in doses if d.limit is None] == [(50, "mg")]
    assert [(d.value, d.unit) for d in doses if d.limit] == [(5, "g")]


@pytest.mark.parametrize(
    "text",
    [
        "10 mg Placebo and 5 mg Placebo for Period 2",  # NCT05388825
        "should be administered with Avanafil 100mg(study group) or placebo 100mg(control group)",  # NCT01705197
    ],
)
def test_a_placebos_amount_is_no_dose(text: str) -> None:
    placebo = [d for d in find_doses(text) if d.limit_reason == PLACEBO_REASON]
    assert placebo and all(d.limit for d in placebo)


def test_doses_written_before_names_around_a_placebos_amount() -> None:
    # NCT05388825, Sequence 2: each TPN171H dose is written before its name; the placebo's are no one's
    text = (
        "N=14 subjects receive 5 mg TPN171H and 10 mg Placebo for Period 1; 10 mg Placebo and 5 mg Placebo for "
        "Period 2 ; 2.5 mg TPN171H and 10 mg Placebo for Period 3."
    )
    regimen = regimen_of(text, ("TPN171H 2.5mg", "TPN171H 2.5mg is recommended to take warm water"))
    assert sorted(d.dose for d in regimen.drugs if d.dose is not None) == [2.5, 5]


def _avanafil_trial() -> tuple[TrialRecord, Arm, Arm]:
    # NCT01705197 (texts shortened)
    avanafil = Intervention(
        "DRUG",
        "Avanafil 100 or 200mg",
        "drugs for each group are provided after randomized to Avanafil 100mg or placebo 100mg at a ratio of 2:1.",
        ("Avanfil 100 or 200mg", "Placebo 100mg or 200mg"),
    )
    active = Arm(
        "Avanfil 100 or 200mg",
        "ACTIVE_COMPARATOR",
        "should be administered with Avanafil 100mg(study group) or placebo 100mg(control group) for the first 4 "
        "weeks after randomization.",
        (avanafil.label,),
    )
    placebo = Arm(
        "Placebo 100mg or 200mg",
        "PLACEBO_COMPARATOR",
        "when it is decided by the researcher that the effect of Avanafil or placebo 100mg against erectile "
        "dysfunction is insufficient, a dosage increase to 200mg is executed.",
        (avanafil.label,),
    )
    trial = TrialRecord("NCT00000000", "test", arms=(active, placebo), interventions=(avanafil,))
    return trial, active, placebo


def test_a_placebo_arm_gets_no_dose_of_the_blinded_drug() -> None:
    trial, active, placebo = _avanafil_trial()
    assert parse_regimen(trial, placebo, known_drugs=KNOWN).drugs == ()
    assert [d.dose for d in parse_regimen(trial, active, known_drugs=KNOWN).drugs] == [100]


def test_a_placebo_arm_whose_text_gives_the_drug_keeps_it() -> None:
    trial, _, placebo = _avanafil_trial()
    given = replace(placebo, description="Placebo run-in, then Avanafil 100mg daily.")
    trial = replace(trial, arms=(trial.arms[0], given))
    assert [d.dose for d in parse_regimen(trial, given, known_drugs=KNOWN).drugs] == [100]


def test_a_sentence_about_another_drugs_code_is_not_the_drug_before() -> None:
    # NCT03983954: NAP is named by no intervention of this arm; its dose is not obinutuzumab's
    text = (
        "Obinutuzumab (1000 mg/day) was administered on days 13 and 12 prior to the first day of NAP. NAP was "
        "administered on the first four days of each 21-day cycle, at daily doses of 10 µg/kg."
    )
    regimen = regimen_of(text, ("Obinutuzumab", None))
    assert [(d.dose, d.unit, d.days) for d in regimen.drugs] == [(1000, "mg", None)]


def test_days_counted_back_before_an_event_are_no_days_of_the_cycle() -> None:
    # NCT03983954
    assert find_day_lists("was administered on days 13 and 12 prior to the first day of NAP") == []
    assert [f.value for f in find_day_lists("dexamethasone on days 1 and 2 before docetaxel")] == [(1, 2)]


def test_every_day_one_is_a_day_of_the_cycle_not_every_day() -> None:
    # NCT02795884
    text = (
        "it is to be administered by intravenous (IV) infusion on every Day 1. Pemetrexed 500 mg/m2 will be"
    )
    assert find_frequencies(text) == []
    assert [f.value.times for f in find_frequencies("150 mg every day for 2 weeks")] == [1]


def test_one_sachet_of_a_strength_is_the_dose() -> None:
    # NCT00244023: one unit given is its content; two sachets' strength stays no dose
    text = (
        "one sachet of 50 mg applied once a day, possibly titrated to two sachets if insufficient improvement"
    )
    assert [(d.value, d.limit) for d in find_doses(text)] == [(50, None)]
    assert all(d.limit for d in find_doses("2 sachets of 50 mg applied once a day"))


def test_volumes_after_a_sentence_on_the_placebo_are_not_the_drugs() -> None:
    # NCT03929601, the placebo arm: rituximab's dose stands; the placebo's volumes are no one's
    text = (
        "Rituximab-pvvr will be given by IV infusion over at least 3 hours, at a dose of 375mg/m2 on four visits "
        "each one week apart, starting at Week 0 of the study.\n\nPlacebo will be given by a subcutaneous "
        "isotonic saline formulation weekly for 20 months, beginning at Week 16 (Month 4) of the study. Dosing "
        "will be match to active comparator, determined by weight: Up to 25 kg: 0.4 mL; 25 to \\<50 kg rec 0.7 "
        "mL, and \\> 50 kg receive 1.0 mL."
    )
    regimen = regimen_of(text, ("Rituximab-pvvr", None))
    assert [(d.dose, d.unit) for d in regimen.drugs] == [(375, "mg/m2")]
