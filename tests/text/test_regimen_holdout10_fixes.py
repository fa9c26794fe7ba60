"""The regimen parser on mistakes seen in held-out set 10, each with the record's own text and, where it
helps, a small text of our own: "2 times daily" and "every other week (qow)" not read as frequencies; a
spelled-out unit followed by its abbreviation ("20 milligrams (mg)/kilogram (kg)") and the square-metre
sign "㎡" not read as units; a dose ending an intervention name kept in the drug's name ("PD 0299685 at
15mg BID"); a strength counted after its form ("5 mg Capsules, 3 to be taken") read as a dose, and a dose
in a bracket after the form word ("capsules(600 mg twice a day)") read as a strength; a drug name that
names an arm ("with and without cisplatin arms") taking the doses after it; days heading an item within a
sentence ("DAYS 8 to 14: raltegravir 400 mg BID PLUS amlodipine 5 mg OD") given to the drug before, and one
dose on runs of days that follow each other kept as two entries; the doses a daily amount is given in
("600 mg daily (2 doses of 300 mg)") read as doses of their own; a dose written before the drug's next
name ("2.5 mg enalapril BID ... 10 mg enalapril BID") given to the drug named before; a maker's product
("Vfend®, 200 mg by Pfizer, Inc.") read as a dose; an arm's starting dose of an escalation taken as its choice
of the levels the intervention lists, and "Cohort3,120mg" read as 3,120 mg."""

from __future__ import annotations

from fhir_adapter.text.regimen.doses import find_doses
from fhir_adapter.text.regimen.names import name_components
from fhir_adapter.text.regimen.schedule import find_frequencies
from tests.text.test_regimen import messages, only, regimen_of


def frequencies_of(text: str) -> list[tuple[int, float, str]]:
    return [(f.value.times, f.value.period, f.value.unit) for f in find_frequencies(text)]


def test_two_times_daily_is_twice_daily() -> None:
    # NCT02152930
    text = "1000 mg of omega-3 fatty acid ethylesters, 2 times daily, for 4 weeks"
    assert frequencies_of(text) == [(2, 1, "d")]
    assert frequencies_of("two times daily; 2 times a day") == [(2, 1, "d"), (2, 1, "d")]


def test_every_other_week_is_every_two_weeks() -> None:
    # NCT00158600
    text = "alglucosidase alfa at 20 mg/kg every other week (qow) for 78 weeks"
    assert frequencies_of(text) == [(1, 2, "wk"), (1, 2, "wk")]
    assert frequencies_of("every week") == [(1, 1, "wk")]


def test_a_spelled_out_unit_followed_by_its_abbreviation_keeps_its_per_kg_part() -> None:
    # NCT00158600: before, the arm's "20 milligrams" disagreed with the intervention's "20mg/kg": no dose
    arm = (
        "Intravenous (IV) infusions of alglucosidase alfa at 20 milligrams (mg)/kilogram (kg) of body weight "
        "every other week (qow) for 78 weeks."
    )
    drug = only(regimen_of(arm, ("alglucosidase alfa", "IV infusion of 20mg/kg; qow for 78 weeks.")))
    assert (drug.dose, drug.unit) == (20, "mg/kg")
    assert drug.frequency is not None and (drug.frequency.times, drug.frequency.period) == (1, 2)
    assert [(d.value, d.unit) for d in find_doses("5 micrograms (mcg) daily; 2 mg (tablet)")] == [
        (5, "ug"),
        (2, "mg"),
    ]


def test_the_square_metre_sign_is_per_m2() -> None:
    # NCT05519384
    text = "intravenous infusion of fludarabine 25mg/㎡/day day -6 to -2 days"
    assert [(d.value, d.unit, d.per_day) for d in find_doses(text)] == [(25, "mg/m2", True)]


def test_a_dose_that_ends_an_intervention_name_is_not_part_of_the_drugs_name() -> None:
    # NCT00739739, NCT05380245, NCT04204473
    assert name_components("PD 0299685 at 15mg BID") == ("PD 0299685",)
    assert name_components("Voriconazole 200 mg x 2 Tablets") == ("Voriconazole",)
    assert name_components("Clarithromycin 500 mg x 1Tablets") == ("Clarithromycin",)
    assert name_components("TY-9591(10mg,40mg) qd. po") == ("TY-9591",)
    # a dose followed by another drug's name is still cut out alone
    assert name_components("DHA-piperaquine + 0.25 mg/kg primaquine") == ("DHA-piperaquine", "primaquine")


def test_capsules_counted_after_their_strength_make_it_a_strength() -> None:
    # NCT00739739: three 5 mg capsules are taken, so 5 mg is no dose (the total is not written)
    text = "5 mg Capsules, 3 to be taken in the morning and at bedtime for the duration of the study"
    regimen = regimen_of(None, ("PD 0299685 at 15mg BID", text))
    assert [d.dose for d in regimen.drugs] == [None]
    assert any("strength" in m for m in messages(regimen))
    # one capsule of a strength taken is still that dose
    assert only(regimen_of(None, ("Drug X", "5 mg capsule, to be taken daily"))).dose == 5


def test_an_amount_in_a_bracket_after_the_form_word_and_given_so_often_is_a_dose() -> None:
    # NCT05480072: before, "capsules(600 mg" was read as the capsule's strength
    arm = "PEA capsules(600 mg twice a day) will be administered for 21 days"
    drug = only(regimen_of(arm, ("Palmitoylethanolamide", None)))
    assert (drug.dose, drug.unit) == (600, "mg")
    assert drug.frequency is not None and drug.frequency.times == 2
    # with no frequency after it, the amount in the bracket stays a strength
    assert only(regimen_of("PEA capsules (600 mg) for 21 days", ("Palmitoylethanolamide", None))).dose is None


def test_a_drug_name_that_names_an_arm_does_not_take_the_doses_after_it() -> None:
    # NCT01562210: before, the escalation steps went to cisplatin
    olaparib = (
        "Olaparib will be given orally BID for 36 days, administrated with a 12 hour interval.\n\n"
        "The first cohort will receive Olaparib with a dose of 25mg BID combined with Cisplatin and RT. "
        "Thereafter in both with and without cisplatin arms dose escalation will follow to 50mg, 100mg, 200mg, "
        "300mg and 400mg BID."
    )
    cisplatin = "6 mg/m2 (5 days/week), 1-1.5 hr before the irradiation (week 1 to 5), given as an infusion."
    regimen = regimen_of(None, ("Olaparib", olaparib), ("Cisplatin", cisplatin))
    doses = sorted((d.drug, d.dose, d.unit) for d in regimen.drugs if d.dose is not None)
    assert doses == [("Cisplatin", 6, "mg/m2"), ("Olaparib", 25, "mg")]
    assert any("not written next to a drug name" in m for m in messages(regimen))
    # the drug named again after the arm's name takes its dose
    regimen = regimen_of("Cisplatin arm: cisplatin 75 mg/m2 on day 1", ("Cisplatin", None))
    assert [(d.dose, d.days) for d in regimen.drugs] == [(75, (1,))]


def test_days_heading_an_item_within_a_sentence_are_its_drugs_and_runs_of_one_dose_join() -> None:
    # NCT01841593, Group A: before, each heading's days went to the drug before it
    arm = (
        "DAYS 1 to 7: raltegravir 400 mg BID DAYS 8 to 14: raltegravir 400 mg BID PLUS amlodipine 5 mg OD "
        "DAYS 15 to 21: amlodipine 5 mg OD"
    )
    regimen = regimen_of(
        arm, ("Raltegravir", "Isentress 400mg tablet taken twice daily"), ("Amlodipine", "generic amlodipine")
    )
    assert [(d.drug, d.dose, d.days) for d in regimen.drugs] == [
        ("Raltegravir", 400, tuple(range(1, 15))),
        ("Amlodipine", 5, tuple(range(8, 22))),
    ]


def test_the_same_dose_on_later_days_that_do_not_follow_is_one_entry_other_doses_stay_apart() -> None:
    # One entry per distinct dose (tests/text/expectations/README.md): days 1-7 and 10-14 of the same 400 mg
    # BID are one dose's days (set 14's NCT05694221 writes "0.25 mg ... on Day 1" and "on Day 35" as one)
    text = "DAYS 1 to 7: X 400 mg BID. DAYS 10 to 14: X 400 mg BID"
    regimen = regimen_of(text, ("X", None))
    assert [d.days for d in regimen.drugs] == [(*range(1, 8), *range(10, 15))]
    # another dose on the next run stays its own entry
    regimen = regimen_of("DAYS 1 to 7: X 400 mg BID. DAYS 8 to 14: X 200 mg BID", ("X", None))
    assert [(d.dose, d.days) for d in regimen.drugs] == [
        (400, tuple(range(1, 8))),
        (200, tuple(range(8, 15))),
    ]


def test_the_doses_a_daily_amount_is_given_in_are_not_doses_of_their_own() -> None:
    # NCT02679963: before, 300 mg was a second olaparib dose
    arm = (
        "Olaparib (experimental arm): 600 mg daily (2 doses of 300 mg (2*2 tablets of 150 mg) taken "
        "approximately 12 hours apart) po, administered until disease progression"
    )
    drug = only(regimen_of(arm, ("Olaparib", None)))
    assert (drug.dose, drug.unit) == (600, "mg")
    assert [(d.value, d.limit is None) for d in find_doses("600 mg daily (2 doses of 300 mg)")] == [
        (600, True),
        (300, False),
    ]
    # a second dose in brackets that is not counted stays a dose
    assert [d.limit is None for d in find_doses("600 mg daily (300 mg on day 1)")] == [True, True]


def test_a_dose_written_before_the_drugs_next_name_is_that_passages_not_the_drug_before() -> None:
    # NCT02970669, arm enalapril: before, 2.5 mg went to the placebo's valsartan named before it
    arm = (
        "Patients randomized to this arm will receive 1 tablet of enalapril and 1 tablet of matching placebo "
        "sacubitril/valsartan twice daily for 8 weeks. All Patients will begin the study on Dose Level 1 (i.e. "
        "2.5 mg enalapril BID). Patients may sequentially up-titrate to achieve desired dose of Dose Level 3 "
        "(i.e. 10 mg enalapril BID)."
    )
    regimen = regimen_of(arm, ("enalapril", "Enalapril tablet taken orally."), ("sacubitril/valsartan", None))
    doses = sorted((d.drug, d.dose) for d in regimen.drugs if d.dose is not None)
    assert doses == [("enalapril", 2.5), ("enalapril", 10)]
    # a run that starts with a name, each dose after its name, is unchanged (NCT06447194)
    regimen = regimen_of("Ropivacaine 0.125g Clonidine 80 mcg", ("Ropivacaine", None), ("Clonidine", None))
    assert [(d.drug, d.dose) for d in regimen.drugs] == [("Ropivacaine", 0.125), ("Clonidine", 80)]


def test_an_amount_of_a_named_makers_product_is_its_strength() -> None:
    # NCT05380245: before, the tablet's 200 mg disagreed with the arm's 400 mg and no dose was given
    product = (
        "Name of medication of Reference Formulation: Tablets Voriconazole Vfend®, 200 mg by Pfizer, Inc. "
        "(USA), (Batch No: 00005505; Mfg. date 09/2016)."
    )
    arm = (
        "On Day-1, Group-A participants first received Voriconazole (alone) (Dose: 400mg, Dosage form: Tablet, "
        "Frequency: Once (OD), Duration of administration: Single Dose, Kind of administration: Oral)."
    )
    drug = only(regimen_of(arm, ("Voriconazole 200 mg x 2 Tablets", product)))
    assert (drug.drug, drug.dose, drug.unit) == ("Voriconazole", 400, "mg")
    assert [d.limit is None for d in find_doses("Tablet Klaricid, 500 mg by Abbott, Lab Pvt. Ltd.")] == [
        False
    ]
    assert [d.limit is None for d in find_doses("200 mg by IV infusion; 5 mg by mouth")] == [True, True]


def test_an_arms_starting_dose_of_an_escalation_leaves_the_levels_the_intervention_lists() -> None:
    # NCT04204473: before, the arm's "starting at 20mg" was taken as the arm's choice of one level
    arm = "Find maximum tolerated dose of TY-9591 given orally. Escalating doses of TY-9591 starting at 20mg daily."
    levels = (
        "Increased dose cohorts from low dose to MTD(20mg Cohort1, 40mg Cohort2, 80mg Cohort3,120mg Cohort4, "
        "160mg Cohort5, 200mg Cohort6)"
    )
    regimen = regimen_of(arm, ("TY-9591(10mg,40mg) qd. po", levels))
    # "Cohort3,120mg" is cohort 3 then 120 mg, never 3,120 mg; its 120 mg is left unread
    assert [d.dose for d in regimen.drugs] == [20, 40, 80, 160, 200]
    # an arm that names one of the intervention's doses, with no escalation, still picks it (NCT04946890)
    regimen = regimen_of("X 80 mg daily", ("X", "X 80mg/d, 120mg/d and 180mg/d respectively"))
    assert [d.dose for d in regimen.drugs] == [80]


def test_each_drug_of_a_combination_quotes_every_dose_and_name() -> None:
    # NCT02970669: sacubitril's 24 mg quoted as "26 mg sacubitril/" (the holder's words began at the last
    # dose), so the EHR showed a dose its text did not hold (benchmarks/values_in_text)
    arm = "All Patients will begin the study on Dose Level 1 (i.e. 24/26 mg sacubitril/valsartan BID)."
    regimen = regimen_of(arm, ("sacubitril/valsartan", "sacubitril/valsartan tablet taken orally."))
    quoted = {d.drug: d.verbatim for d in regimen.drugs if d.dose is not None}
    assert set(quoted) == {"sacubitril", "valsartan"}
    assert all("24/26 mg sacubitril/valsartan" in text for text in quoted.values())
