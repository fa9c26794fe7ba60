"""Regimen readings made right from held-out set 16's records (after it was scored blind)."""

from __future__ import annotations

import pytest

from fhir_adapter.sources import Arm, Intervention, TrialRecord
from fhir_adapter.text import parse_regimen
from fhir_adapter.text.regimen.doses import find_doses
from fhir_adapter.text.regimen.names import name_components
from tests.text.test_regimen import KNOWN, messages, only, regimen_of


def test_the_last_digits_of_a_number_grouped_by_spaces_are_no_dose() -> None:
    # NCT05685615: "15 000 IU/kg" left "000 IU/kg" to the dose pattern, which read 0 IU/kg
    [dose] = find_doses("plus Polymyxin B (12 500-15 000 IU/kg) infused over 1h")
    assert dose.value is None and dose.ambiguous and dose.doubt and "grouped by spaces" in dose.doubt


def test_decimals_with_a_leading_zero_are_doses() -> None:
    # near miss: "0.5" and "0,25" start with a zero and are plain doses
    assert [d.value for d in find_doses("0.5 mg daily, then 0,25 mg")] == [0.5, 0.25]


@pytest.mark.parametrize(
    ("name", "drug"),
    [
        ("Vericiguat Oral Tablet", "Vericiguat"),  # NCT05697640 (set 16): was the drug "Vericiguat Oral"
        ("Semaglutide Pen Injector", "Semaglutide"),  # NCT06411210 (set 16): was "Semaglutide Pen Injector"
        ("Abc-123 film-coated tablets", "Abc-123"),  # hand-written
        ("Insulin Glargine Prefilled Pen", "Insulin Glargine"),  # hand-written
    ],
)
def test_a_route_or_device_after_a_drug_name_is_no_part_of_it(name: str, drug: str) -> None:
    assert name_components(name) == (drug,)


def test_a_route_alone_is_still_no_drug() -> None:
    # near miss: the first word is never stripped, and a route alone names no drug
    assert name_components("Oral") == ()
    assert name_components("Placebo Oral Tablet") == ()


def test_the_dose_of_a_tablet_named_by_its_form_goes_to_the_drug() -> None:
    regimen = regimen_of(None, ("Vericiguat Oral Tablet", "starting with 2.5 mg for two weeks"))
    assert only(regimen).key == "vericiguat" and only(regimen).dose == 2.5


@pytest.mark.parametrize(
    ("name", "drugs"),
    [
        # NCT01534533 (set 17): "Lutein group" was read as the drug "luteingroup" with lutein's 20 mg
        ("Lutein group", ("Lutein",)),
        ("Lazertinib group", ("Lazertinib",)),  # NCT05463224 (set 2)
        ("Combination group", ()),
        ("Normal lutein control group", ()),
        ("Control Group", ()),
    ],
)
def test_an_intervention_named_as_a_group_names_its_one_drug_or_none(
    name: str, drugs: tuple[str, ...]
) -> None:
    assert name_components(name) == drugs


def test_a_group_name_gives_its_dose_to_no_drug_named_after_the_group() -> None:
    text = "one gelatine capsule containing 20mg lutein and 20 mg lycopene per day, for 12 months"
    regimen = regimen_of(None, ("Combination group", text), kind="DIETARY_SUPPLEMENT")
    assert all("group" not in drug.key for drug in regimen.drugs)


def test_a_drug_group_gives_its_dose_to_the_drug() -> None:
    regimen = regimen_of(
        "early atherosclerosis cases, received 20mg lutein, once a day", ("Lutein group", None)
    )
    assert (only(regimen).key, only(regimen).dose, only(regimen).unit) == ("lutein", 20, "mg")


_CROSSOVER = (
    "Each participant will receive 12-week insulin-adjunctive treatment with both: (1) SGLTi (sotagliflozin 200 mg"
    " PO each day) + Placebo and (2) SGLTi + GRA (volagidemab 35 mg subcutaneously each week), in a random-order,"
    " cross-over design with a 14-week washout period between treatment periods."
)


def _two_arm_trial(first: str, second: str, names: tuple[str, str]) -> TrialRecord:
    """Two arms with their own texts; names[0] links only to arm A, names[1] only to arm B."""
    arms = (Arm("A", "ACTIVE_COMPARATOR", first, ()), Arm("B", "ACTIVE_COMPARATOR", second, ()))
    interventions = (
        Intervention("DRUG", names[0], None, ("A",)),
        Intervention("DRUG", names[1], None, ("B",)),
    )
    return TrialRecord("NCT00000000", "test", arms=arms, interventions=interventions)


def test_a_passage_copied_into_both_arms_doses_each_arm_its_own_drug_only() -> None:
    # NCT05696366 (set 16): the cross-over passage in every arm gave each arm the other arm's drug's dose
    trial = _two_arm_trial(
        _CROSSOVER + "\nSotagliflozin is an inhibitor.", _CROSSOVER, ("Sotagliflozin", "Volagidemab")
    )
    first = parse_regimen(trial, trial.arms[0], known_drugs=KNOWN)
    doses = {d.key: d.dose for d in first.drugs}
    assert doses == {"sotagliflozin": 200, "volagidemab": None}
    assert any("links this drug's intervention to other arms" in m for m in messages(first))


def test_a_shared_sentence_dosing_only_the_unlinked_drug_is_kept() -> None:
    # near miss (NCT05687981, set 17): "A 2mg dexamethasone will be added" in both arms, dexamethasone linked to
    # one of them: the sentence names no drug of the other arm, so it is that arm's own statement
    text = "A 2mg dexamethasone will be added"
    trial = _two_arm_trial(text, text, ("Bupivacaine", "Dexamethasone"))
    first = parse_regimen(trial, trial.arms[0], known_drugs=KNOWN)
    assert [(d.key, d.dose) for d in first.drugs if d.key == "dexamethasone"] == [("dexamethasone", 2)]


def test_an_arm_text_of_its_own_keeps_an_unlinked_drugs_dose() -> None:
    # near miss: the arm's own words (not copied into the other arm) give the unlinked drug's dose
    trial = _two_arm_trial(
        "sotagliflozin 200 mg PO each day plus volagidemab 35 mg weekly",
        "volagidemab 35 mg weekly",
        ("Sotagliflozin", "Volagidemab"),
    )
    first = parse_regimen(trial, trial.arms[0], known_drugs=KNOWN)
    assert {d.key: d.dose for d in first.drugs} == {"sotagliflozin": 200, "volagidemab": 35}


def test_a_drug_named_right_after_placebo_is_the_placebo_and_gets_no_dose() -> None:
    # NCT05690048 (set 17): the placebo arm was given vancomycin 125 mg on days -3 to 0
    text = (
        "Atezolizumab 1200mg i.v. as standard of care (SOC).\n"
        "Placebo Vancomycin orally (125 mg 4xd, day -3 to 0) for reduction of original patient gut microbiota."
    )
    regimen = regimen_of(text, ("Vancomycin", None), ("Atezolizumab", None))
    [vancomycin] = [d for d in regimen.drugs if d.key == "vancomycin"]
    assert (vancomycin.dose, vancomycin.days) == (None, None)
    assert any("right after 'placebo'" in m for m in messages(regimen))


def test_a_drug_after_placebo_and_a_joining_word_keeps_its_dose() -> None:
    # near miss: "placebo and vancomycin 125 mg" gives vancomycin its own dose
    regimen = regimen_of("Placebo and vancomycin 125 mg orally 4 times a day", ("Vancomycin", None))
    assert only(regimen).dose == 125
