"""The regimen parser on mistakes seen in held-out set 4: doses of a cocktail written after each name,
diluent and total volumes, a dose before its name in a slash-joined mixture, cell counts written "10e6".
Each case is a small hand-written text (the NCT id in a comment where the phrasing comes from)."""

from __future__ import annotations

from fhir_adapter.sources import Arm, Intervention, TrialRecord
from fhir_adapter.text import parse_regimen
from fhir_adapter.text.regimen.doses import find_doses
from fhir_adapter.text.regimen.names import name_components
from tests.text.test_regimen import KNOWN, regimen_of


def dosed(text: str, *names: str) -> list[tuple[str, float | None, str | None]]:
    regimen = regimen_of(text, *((name, None) for name in names))
    return [(d.drug, d.dose, d.unit) for d in regimen.drugs if d.dose is not None]


def test_in_a_run_that_starts_with_a_name_each_dose_follows_its_name() -> None:
    # NCT06447194: "Ropivacaine 0.125g Clonidine 80 mcg Epinephrine 0.5 mg Ketorolac 30 mg"
    text = "Alpha 0.125g Beta 80 mcg Gamma 0.5 mg Delta 30 mg"
    assert dosed(text, "Alpha", "Beta", "Gamma", "Delta") == [
        ("Alpha", 0.125, "g"),
        ("Beta", 80, "ug"),
        ("Gamma", 0.5, "mg"),
        ("Delta", 30, "mg"),
    ]


def test_in_a_run_that_starts_with_a_dose_each_dose_precedes_its_name() -> None:
    # NCT05905055: "2 g cefepime and 1 g nacubactam"
    assert dosed("2 g Alpha and 1 g Beta q8h", "Alpha", "Beta") == [("Alpha", 2, "g"), ("Beta", 1, "g")]


def test_a_diluent_or_total_volume_is_no_drugs_dose() -> None:
    # NCT06447194: "Ketorolac 30 mg In sterile water 73 mL (total volume of compound is 100 mL)"
    text = "Alpha 30 mg In sterile water 73 mL (total volume of compound is 100 mL)"
    assert dosed(text, "Alpha") == [("Alpha", 30, "mg")]
    assert [d.limit is not None for d in find_doses(text)] == [False, True, True]


def test_a_dose_before_its_name_in_a_slash_joined_mixture_is_that_drugs() -> None:
    # NCT05029726: "30mL of 0.25% bupivacaine/1:200,000 epinephrine/50mcg clonidine ... (total 60ml)"
    text = "0.25% Alpha/1:200,000 Beta/50mcg Gamma will be administered bilaterally (total 60ml)"
    assert dosed(text, "Alpha", "Beta", "Gamma") == [("Gamma", 50, "ug")]


def test_a_thousands_separator_or_a_concentration_does_not_split_an_intervention_name() -> None:
    # NCT05029726: "Bupivacaine-Epinephrine 0.25%-1:200,000 Injectable Solution plus clonidine"
    name = "Alpha-Beta 0.25%-1:200,000 Injectable Solution plus gamma"
    assert name_components(name) == ("Alpha-Beta", "gamma")


def test_cell_counts_written_with_e_and_volumes_of_cells_or_medium() -> None:
    # NCT06144970: "Low dose TG-C 1.5 x 10e6 cells"; "A volume of 9 mL CS10 and 1 mL combined TG-C cells"
    assert [(d.value, d.unit) for d in find_doses("Low dose Alpha 1.5 x 10e6 cells")] == [
        (1500000.0, "cells")
    ]
    text = "A volume of 9 mL CS10 and 1 mL combined Alpha cells. 1.0 mL volume of the mixed cells is injected"
    assert all(d.limit is not None for d in find_doses(text))
    assert dosed("Low Dose - 1 mL of the combined Alpha cells", "Alpha") == []


def test_a_contrast_agents_dose_per_kg_in_millimoles_of_its_element() -> None:
    # NCT05915702: "0.1 mmol Gd/kg body weight, solution for intravenous injection, single dose"
    assert dosed("0.1 mmol Gd/kg body weight, single dose", "Alpha") == [("Alpha", 0.1, "mmol/kg")]
    assert [d.unit for d in find_doses("2 mmol/kg; 5 mmol I/mL")] == ["mmol/kg"]


def test_one_injections_strength_is_not_the_dose() -> None:
    # NCT04862663: "500 mg (2 injections of 250 mg) on Day 1"
    assert dosed("Alpha 500 mg (2 injections of 250 mg) on Day 1", "Alpha") == [("Alpha", 500, "mg")]


def test_a_passage_for_another_trial_phase_is_not_the_arms() -> None:
    # NCT04862663: "Phase Ib: Capivasertib 320 mg/ 400 mg ... Phase III: : Capivasertib, ... at the dose confirmed"
    text = "Phase Ib: Alpha 320 mg BD (28 days cycle) Phase III: : Alpha BD at the dose confirmed in phase Ib"
    for description, want in (("Alpha (Ph III)", []), ("Alpha (Ph 1b)", [320.0]), ("Alpha", [320.0])):
        arm = Arm("Arm", "EXPERIMENTAL", description, ("Drug: Alpha",))
        trial = TrialRecord(
            "NCT00000000", "test", arms=(arm,), interventions=(Intervention("DRUG", "Alpha", text, ("Arm",)),)
        )
        regimen = parse_regimen(trial, arm, known_drugs=KNOWN)
        assert [d.dose for d in regimen.drugs if d.dose is not None] == want, description


def frequencies(text: str, *names: str) -> list[tuple[str, float | None, str | None]]:
    regimen = regimen_of(text, *((name, None) for name in names))
    return [(d.drug, d.dose, d.frequency.text if d.frequency else None) for d in regimen.drugs]


def test_a_frequency_between_followed_and_by_is_the_next_doses_and_the_initial_dose_is_given_once() -> None:
    # NCT06038539: "Initial loading dose of PERT-IJS is 840 mg ... followed every 3 weeks by a maintenance
    # dose of 420 mg"
    text = (
        "Initial loading dose of Alpha is 840 mg administered as a 60-minute IV infusion followed every 3 weeks"
        " by a maintenance dose of 420 mg administered as an IV infusion."
    )
    assert frequencies(text, "Alpha") == [
        ("Alpha", 840, "Initial loading dose"),
        ("Alpha", 420, "every 3 weeks"),
    ]
    assert frequencies("Alpha 8 mg/kg followed by 6 mg/kg every 3 weeks", "Alpha") == [
        ("Alpha", 8, None),
        ("Alpha", 6, "every 3 weeks"),
    ]


def test_the_length_of_cycles_in_brackets_is_no_frequency() -> None:
    # NCT05605535: "AUC 5 or 6 IV Day 1 x 6 cycles (every 21 days)"
    [drug] = regimen_of("Alpha AUC 5 IV Day 1 x 6 cycles (every 21 days)", ("Alpha", None)).drugs
    assert (drug.dose, drug.days, drug.frequency) == (5, (1,), None)


def test_a_daily_dose_starting_on_a_cycle_day_has_no_days_of_cycle() -> None:
    # NCT05631795: "300 mg of alpelisib once daily starting on Cycle 1 Day 1"
    [drug] = regimen_of("Alpha 300 mg once daily starting on Cycle 1 Day 1", ("Alpha", None)).drugs
    assert (drug.dose, drug.days) == (300, None)


def test_od_after_a_dose_in_mg_is_once_daily() -> None:
    # NCT06201611: "tablet Epalrestat -150mg OD+ cap Alpha Lipoic Acid 600mg OD for 24 weeks"
    found = frequencies("tablet Alpha -150mg OD+ cap Beta 600mg OD for 24 weeks", "Alpha", "Beta")
    assert found == [("Alpha", 150, "OD"), ("Beta", 600, "OD")]
    # after a drop, "OD" may be the right eye: no frequency (the drop itself is a dose since set 14)
    assert frequencies("Alpha 1 drop OD", "Alpha") == [("Alpha", 1.0, None)]


def test_the_volume_of_a_solution_named_after_it_is_not_another_drugs_dose() -> None:
    # NCT05029726: "ESPB with bupivacaine plus clonidine ... 30mL of 0.25% bupivacaine/1:200,000 epinephrine/
    # 50mcg clonidine"; bupivacaine is no drug of the arm's lexicon here
    text = "Block with Alpha in the holding area. 30mL of 0.25% solvent/1:200,000 epinephrine/50mcg Alpha will be given"
    assert dosed(text, "Alpha") == [("Alpha", 50, "ug")]
    assert dosed("Alpha 30mL of 0.25% Alpha", "Alpha") == [("Alpha", 30, "mL")]


def test_a_list_of_names_ending_with_and_names_each_drug() -> None:
    # NCT06447194: "Ropivacaine, Epinephrine, Clonidine, and Ketorolac Injection Cocktail"
    assert name_components("Alpha, Beta, and Gamma Injection Cocktail") == ("Alpha", "Beta", "Gamma")
