"""The regimen parser on wrong values seen in held-out set 11, each with the record's own text and, where it
helps, a small text of our own: an interval code ending an intervention name ("Pembrolizumab 200 mg Q6W")
kept in the drug's name; a day number joined by "and" to a time that is no day number ("on T0 ... and
day 15") read as the only day; a dose range written high to low ("0.8-0.5 mg/m^2") read with its high end
below its low; the day a drug is first taken ("initiate temozolomide on Cycle 1, Day 1") read as its only
dosing day; a cycle's length ("for 28 days cycles") read as how long a drug is given; the last of a list of doses sharing one unit ("7, 9 and 11mg/kg") read
as the only dose; the parts of an other name that is prose ("Supportive management of ARDS (e.g., ...)")
taken as the drug's other names; a long name written with "-ed" or "-s" ("Branched Chain Amino Acids" for
"Branch Chain Amino Acid") not recognised, its dose given to the drug named before."""

from __future__ import annotations

from fhir_adapter.sources import Arm, Intervention, TrialRecord
from fhir_adapter.text import Regimen, parse_regimen
from fhir_adapter.text.regimen.doses import find_doses
from fhir_adapter.text.regimen.names import name_components
from fhir_adapter.text.regimen.schedule import find_day_lists, find_durations
from tests.text.test_regimen import KNOWN, regimen_of


def test_an_interval_code_that_ends_an_intervention_name_is_not_part_of_the_drugs_name() -> None:
    # NCT05692999
    assert name_components("Pembrolizumab 200 mg Q6W") == ("Pembrolizumab",)
    assert name_components("Pemetrexed 500 mg/m^2 Q3W") == ("Pemetrexed",)
    assert name_components("Pembrolizumab 200 mg Q3W or 400 mg Q6W") == ("Pembrolizumab",)
    assert name_components("Nivolumab 240 mg every 2 weeks") == ("Nivolumab",)
    # a drug's own code is not an interval
    assert name_components("QW-1 10 mg") == ("QW-1",)


def test_both_alternative_doses_of_a_named_interval_are_the_drugs() -> None:
    # NCT05692999: the 400 mg was given to a drug named "Q6W"
    regimen = regimen_of(
        None, ("Pembrolizumab 200 mg Q3W or 400 mg Q6W", "Pembrolizumab 200 mg Q3W or 400 mg Q6W")
    )
    doses = sorted((d.drug, d.dose, d.frequency.period if d.frequency else None) for d in regimen.drugs)
    assert doses == [("Pembrolizumab", 200, 3), ("Pembrolizumab", 400, 6)]


def test_a_day_joined_to_a_time_that_is_no_day_number_is_not_read() -> None:
    # NCT05696613: "T0 and day 15" are two infusions; day 15 alone would drop the first
    text = (
        "Patients randomized to the rituximab arm will receive 1 g IV infusion on T0 (after baseline measures "
        "are collected) and day 15."
    )
    assert find_day_lists(text) == []
    assert find_day_lists("on the day of surgery or day 2") == []
    # a day list's own "and" is read
    assert [f.value for f in find_day_lists("on day 1 and day 15; on days 1 and 8")] == [(1, 15), (1, 8)]


def test_a_coating_form_and_length_that_end_an_intervention_name_are_not_part_of_the_drugs_name() -> None:
    # NCT05702463: the drug was "Aspirin EC Tab", a name no expectation or RxNorm row knows
    assert name_components("Aspirin 162 mg EC Tab once daily for 7 days") == ("Aspirin",)
    assert name_components("Aspirin 40Mg Chew Tab twice daily for 7 days") == ("Aspirin",)
    assert name_components("ASA 162 mg EC Tab") == ("ASA",)
    # a drug named after the dose is still its own
    assert name_components("Aspirin 81 mg EC Tab plus clopidogrel 75 mg")[1:] == ("clopidogrel",)


def test_a_range_written_high_to_low_has_its_smaller_number_as_its_low_end() -> None:
    # NCT05687032: read as dose 0.8, high 0.5
    text = "Dose: inotuzumab ozogamicin 0.8-0.5 mg/m^2 IV, weekly, 3 times per cycle"
    assert [(d.value, d.high, d.unit) for d in find_doses(text)] == [(0.5, 0.8, "mg/m2")]
    assert [(d.value, d.high) for d in find_doses("docetaxel 60-75 mg/m2")] == [(60, 75)]


def test_the_day_a_drug_is_first_taken_is_not_its_only_dosing_day() -> None:
    # NCT05698524: temozolomide read as given on day 1 only
    text = (
        "Patients will additionally initiate metronomic temozolomide on Cycle 1, Day 1 at a dose of 50 mg/m2, "
        "taken by mouth twice daily."
    )
    assert find_day_lists(text) == []
    assert find_day_lists("X commenced on day 3") == []
    # a closed range after "initiated on" is the days given
    assert [f.value for f in find_day_lists("X initiated on days 1-5 of each cycle")] == [(1, 2, 3, 4, 5)]


def test_a_cycles_length_is_not_how_long_a_drug_is_given() -> None:
    # NCT05698147: selinexor had duration 28 days
    text = "Selinexor dose escalation: 60,80,100mg respectively on day 1,8,15,22 for 28 days cycles"
    assert find_durations(text) == []
    assert [f.value.value for f in find_durations("X 10 mg daily for 28 days, then rest")] == [28]


def test_each_number_of_a_list_that_shares_one_unit_is_a_dose() -> None:
    # NCT05697510, NCT05698147: only 11 mg/kg and 100 mg were read, as if the only doses
    assert [(d.value, d.chained) for d in find_doses("3 dose levels : 7, 9 and 11mg/kg")] == [
        (7, True),
        (9, True),
        (11, False),
    ]
    text = "ATG-010 dose level (DL) 1, 2 and 3 are 60, 80 and 100mg respectively"
    assert [d.value for d in find_doses(text)] == [60, 80, 100]
    assert [d.value for d in find_doses("5, 10, and 20 mg")] == [5, 10, 20]
    # two numbers joined by "and" alone may be two drugs' doses: not chained
    assert [d.value for d in find_doses("docetaxel and cisplatin 75 and 60 mg/m2")] == [60]
    assert [d.value for d in find_doses("on days 1, 5 and 10 mg")] == [10]


def test_dose_levels_listed_with_one_unit_are_alternatives_of_the_drug() -> None:
    # NCT05697510
    text = "Administration of siltuximab at day 8 of induction; 3 dose levels : 7, 9 and 11mg/kg"
    regimen = regimen_of(None, ("Siltuximab", text))
    assert sorted(d.dose for d in regimen.drugs if d.dose) == [7, 9, 11]
    assert all(d.condition is not None for d in regimen.drugs)


def test_the_parts_of_an_other_name_written_as_prose_are_not_the_drugs_names() -> None:
    # NCT05697016: sivelestat had the aliases "protective ventilation strategy", "prone positioning", "VV-ECMO"
    prose = (
        "Supportive management of ARDS (e.g., protective ventilation strategy, prone positioning and/or "
        "VV-ECMO, etc.) based on currently recommended practice guidelines"
    )
    [drug] = regimen_with_other_names("Sivelestat Sodium for Injection", (prose,)).drugs
    assert not {"VV-ECMO", "prone positioning", "protective ventilation strategy"} & set(drug.aliases)
    # a list of short names stays
    [drug] = regimen_with_other_names("Pembrolizumab", ("Keytruda, MK-3475",)).drugs
    assert {"Keytruda", "MK-3475"} <= set(drug.aliases)


def regimen_with_other_names(name: str, other_names: tuple[str, ...]) -> Regimen:
    intervention = Intervention("DRUG", name, f"{name} 10 mg daily", ("Arm",), other_names=other_names)
    arm = Arm("Arm", "EXPERIMENTAL", None, (intervention.label,))
    trial = TrialRecord("NCT00000000", "test", arms=(arm,), interventions=(intervention,))
    return parse_regimen(trial, arm, known_drugs=KNOWN)


def test_a_long_name_written_with_ed_or_s_is_still_the_drug() -> None:
    # NCT05700695: the 500 mL of branched chain amino acids was read as lactulose's
    arm = (
        "Drug: iv Branch Chain Amino Acid + Lactulose Intravenous Branched Chain Amino Acids - 500mL once "
        "daily for 3 days plus Lactulose"
    )
    regimen = regimen_of(arm, ("Branch Chain Amino Acid", None), ("Lactulose", None))
    doses = {d.drug: (d.dose, d.unit) for d in regimen.drugs}
    assert doses == {"Branch Chain Amino Acid": (500, "mL"), "Lactulose": (None, None)}
    # a short name is matched as written
    regimen = regimen_of("Flu 5 mg; Fluids 100 mL", ("Flu", None))
    assert [(d.drug, d.dose) for d in regimen.drugs] == [("Flu", 5)]
