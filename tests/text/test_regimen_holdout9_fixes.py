"""The regimen parser on mistakes seen in held-out set 9, each with the record's own text and, where it
helps, a small text of our own: a common abbreviation of a linked drug ("InO") not read, so its doses went
to the drug of the item before; day ranges written "Day 15-Day 22" or "from Day 1 to 14", a day in words
("day one"), signed days before an event ("Day -12 and Day -5 prior to") left out; an ingredient named
"co-formulated with" the drug, and an event drug ("after each FT538 infusion"), taking the drug's days; and
a second passage's days taken as a conflict with the other entry of the same dose."""

from __future__ import annotations

from fhir_adapter.sources import Arm, Intervention, TrialRecord
from fhir_adapter.text import parse_regimen
from fhir_adapter.text.regimen.doses import find_doses
from fhir_adapter.text.regimen.schedule import find_day_lists
from tests.text.test_regimen import messages, regimen_of


def days_of(text: str) -> list[tuple[int, ...]]:
    return [found.value for found in find_day_lists(text)]


def test_a_common_abbreviation_of_a_linked_drug_doses_that_drug_not_the_drug_before() -> None:
    # NCT04747912, Treatment Course I: before, the InO doses went to dexamethasone
    arm = (
        "* Dexamethasone 10mg/m\\^2 PO or IV Days 1-7 and Day 15-Day 22\n"
        "* InO 0.8mg/m2 Day 8; 0.5mg/m2 D15, 0.5mg/m2 Day 22\n"
        "* Intrathecal methotrexate 15mg Day 1, Day 28"
    )
    regimen = regimen_of(
        arm, ("Inotuzumab ozogamicin", None), ("Dexamethasone", None), ("Methotrexate", None)
    )
    doses = [(d.drug, d.dose) for d in regimen.drugs if d.dose is not None]
    assert ("Dexamethasone", 10) in doses and ("Methotrexate", 15) in doses
    assert sorted(dose for drug, dose in doses if drug == "Inotuzumab ozogamicin") == [0.5, 0.8]
    assert not [d for d in regimen.drugs if d.drug == "Dexamethasone" and d.dose != 10]


def test_an_abbreviation_of_a_drug_the_record_does_not_name_stays_unread() -> None:
    regimen = regimen_of("* Dexamethasone 10 mg days 1-4\n* TDF 300 mg daily", ("Dexamethasone", None))
    assert [(d.drug, d.dose) for d in regimen.drugs if d.dose is not None] == [("Dexamethasone", 10)]


def test_a_range_written_day_to_day_with_a_hyphen_is_a_range() -> None:
    assert days_of("Dexamethasone 10mg/m2 PO or IV Days 1-7 and Day 15-Day 22") == [
        (1, 2, 3, 4, 5, 6, 7, 15, 16, 17, 18, 19, 20, 21, 22)
    ]
    assert days_of("on a 21-day cycle") == []  # a length, still


def test_a_closed_range_after_from_is_the_days_given() -> None:
    # NCT05773092
    text = "S-1 (40mg) will be given orally twice a day (daily) from Day 1 to 14 (21 day cycle)"
    assert days_of(text) == [tuple(range(1, 15))]
    assert days_of("X 100 mg daily from day 8") == []  # an open start, still no day list
    assert days_of("starting on Cycle 1 Day 1") == []


def test_a_day_written_in_words_is_that_day() -> None:
    # NCT03058094: both drugs of the sentence are given on day one
    regimen = regimen_of(
        "pemetrexed 500 mg/m2 + cisplatin 75 mg/m2 on day one of 21-day cycle, with total of 4-6 cycles.",
        ("Pemetrexed", None),
        ("Cisplatin", None),
    )
    assert [(d.drug, d.days) for d in regimen.drugs] == [("Pemetrexed", (1,)), ("Cisplatin", (1,))]
    assert days_of("from day one; day two or three; day one-two") == []


def test_signed_days_before_an_event_are_not_counted_back() -> None:
    # NCT04714372: "Day -12 and Day -5 prior to the 1st FT538 infusion" are days -12 and -5
    text = "on Day -12 and Day -5 prior to the 1st FT538 infusion, and on Day +3, Day+10, and Day+17"
    assert days_of(text) == [(-12, -5), (3, 10, 17)]
    # unsigned days written falling before an event are counted back from it, and left out (NCT03983954)
    assert days_of("on days 13 and 12 prior to the first day of NAP") == []


def test_a_coformulated_ingredient_and_an_event_drug_do_not_take_the_drugs_days() -> None:
    # NCT04714372
    text = (
        "Daratumumab 1800 mg co-formulated with 30,000 units of hyaluronidase (rHuPH20) given subcutaneously "
        "on Day -12 and Day -5 prior to the 1st FT538 infusion, and on Day +3, Day+10, and Day+17 approximately "
        "48 hours after each FT538 infusion."
    )
    regimen = regimen_of(None, ("Daratumumab/rHuPH20", text), ("FT538", "FT538 on Day 1, Day 8, and Day 15"))
    days = {d.drug: d.days for d in regimen.drugs}
    assert days["Daratumumab"] == (-12, -5, 3, 10, 17)
    assert days["FT538"] == (1, 8, 15)
    assert days["rHuPH20"] is None


def test_the_other_sides_days_of_one_entry_are_no_conflict_with_the_other_entry_of_that_dose() -> None:
    # NCT02795884 (set 7): the intervention's days 8 to 21 are the first erlotinib entry's
    arm = (
        "* Intercalation phase (Duration: 3wks x 4 cycles = 12 wks) Pemetrexed 500mg/m2 D1, Cisplatin 75mg/m2 "
        "D1, Erlotinib 150mg D8-21 q3wks\n* Maintenance phase (Duration: 1 year) Erlotinib 150mg D1-28"
    )
    text = (
        "During the intercalation phase of the initial 12-week period, erlotinib is to be orally administered at "
        "the dose of 150 mg daily from Day 8 to Day 21 at every cycle of 21 days. During the maintenance phase "
        "after 12 weeks, it is orally administered at the cycle of 28 days without a wash-out period at the dose "
        "of 150 mg daily for one year."
    )
    regimen = regimen_of(arm, ("Erlotinib", text), ("Pemetrexed", None), ("Cisplatin", None))
    erlotinib = [d.days for d in regimen.drugs if d.drug == "Erlotinib"]
    assert erlotinib == [tuple(range(8, 22)), tuple(range(1, 29))]


def test_a_fixed_combinations_components_each_keep_their_own_amount() -> None:
    # NCT01380080: before, "600 mg/" and "200 mg/" were unreadable and the 300 mg went to emtricitabine
    text = (
        "Patients are administered one tablet of Efavirenz 600 mg/emtricitabine 200 mg/tenofovir disoproxil "
        "fumarate 300 mg (EFV/FTC/TDF, Atripla) to taken be taken orally once daily at bedtime without food."
    )
    regimen = regimen_of(None, ("Efavirenz", None), ("Emtricitabine", None), ("Atripla (r)", text))
    doses = [(d.drug, d.dose) for d in regimen.drugs if d.dose is not None]
    assert doses == [("Efavirenz", 600), ("Emtricitabine", 200)]  # tenofovir is no drug of this lexicon
    assert any("'300 mg' is not written next to a drug name" in m for m in messages(regimen))


def test_a_unit_going_on_past_a_slash_without_a_named_amount_stays_unread() -> None:
    assert [d.value for d in find_doses("X 4 ug/disc 2 times; Y 5 mg/day")] == [None, 5]


def test_one_unit_given_as_a_single_dose_is_the_dose_not_a_strength() -> None:
    # NCT01035515: two interventions of one drug at two doses, each "Single dose oral capsule <n>mg BIIB014"
    regimen = regimen_of(
        "Arm 1 of 6 cross-over arms",
        ("BIIB014 50mg", "Single dose oral capsule 50mg BIIB014"),
        ("BIIB014 100mg", "Single dose oral capsule 100mg BIIB014"),
    )
    assert sorted(d.dose for d in regimen.drugs if d.dose is not None) == [50, 100]
    # a capsule's content with no "single dose" before it is still its strength
    assert [d.limit is not None for d in find_doses("oral capsule 50mg BIIB014")] == [True]


def test_an_amount_per_square_metre_before_a_preparation_word_is_a_dose() -> None:
    # NCT01642004: "concentrate for solution" names the product's form; 75 mg/m^2 is worked out per patient
    text = "Docetaxel 75 mg/m^2 concentrate for solution for intravenous infusion every 3 weeks"
    drug = next(d for d in regimen_of(text, ("Docetaxel", None)).drugs)
    assert (drug.dose, drug.unit) == (75, "mg/m2")
    # a product's strength in mg is still one
    assert [d.limit is not None for d in find_doses("Docetaxel 20 mg concentrate for solution")] == [True]


def test_a_dose_written_as_a_route_dose_of_the_next_drug_is_that_drugs_with_its_frequency() -> None:
    # NCT03599518: before, 250 mg went to DS-1205c and "daily" to its 800 mg level
    text = (
        "Participants receive DS-1205c (at planned doses given orally twice daily: 200 mg, 400 mg, 600 mg, "
        "800 mg) in combination with daily 250 mg oral dose of gefitinib"
    )
    regimen = regimen_of(text, ("DS-1205c", None), ("Gefitinib", None))
    read = [(d.drug, d.dose, d.frequency.times if d.frequency else None) for d in regimen.drugs]
    assert read == [
        ("DS-1205c", 200, 2),
        ("DS-1205c", 400, 2),
        ("DS-1205c", 600, 2),
        ("DS-1205c", 800, 2),
        ("Gefitinib", 250, 1),
    ]


def test_a_later_sentence_about_another_substance_gives_the_drug_no_schedule() -> None:
    # NCT03058094: "then daily" is folic acid's; before, pemetrexed was read as given daily
    text = (
        "Pemetrexed will be administered as an intravenous infusion over 10 minutes on Day 1 of each 21-day "
        "cycle. Folic acid will be administered 1-2 weeks prior to the 1st dose, then daily during the "
        "treatment period until 21days post the last dose."
    )
    drug = next(d for d in regimen_of(None, ("Pemetrexed", text)).drugs)
    assert (drug.days, drug.frequency) == ((1,), None)
    # a later sentence on the drug itself, or in generic words, still speaks of it
    for later in ("Pemetrexed will be given daily.", "It will be given daily.", "Infusions are given daily."):
        drug = next(d for d in regimen_of(None, ("Pemetrexed", f"Pemetrexed on Day 1. {later}")).drugs)
        assert drug.frequency is not None and drug.frequency.times == 1, later


def test_a_dose_given_on_the_same_days_as_another_drug_takes_that_drugs_days() -> None:
    # NCT04714372: the days are written only in the fludarabine intervention's text
    regimen = regimen_of(
        None,
        (
            "Fludarabine",
            "Fludarabine 25 mg/m\\^2 is administered as a 1 hour intravenous (IV) infusion per institutional "
            "guidelines once a day on 2 consecutive days (Day -4, and Day -3).",
        ),
        (
            "Cyclophosphamide",
            "Cyclophosphamide 300 mg/m\\^2 is administered as a 2 hour intravenous (IV) infusion per "
            "institutional guidelines once a day on the same days that fludarabine is given.",
        ),
    )
    assert [(d.drug, d.days) for d in regimen.drugs] == [
        ("Fludarabine", (-4, -3)),
        ("Cyclophosphamide", (-4, -3)),
    ]


def test_the_same_days_as_a_drug_with_no_single_list_of_days_stay_unread() -> None:
    regimen = regimen_of(
        None,
        ("Fludarabine", "Fludarabine 25 mg/m2 on days -6 to -4. Fludarabine 30 mg/m2 on day -2."),
        ("Cyclophosphamide", "Cyclophosphamide 300 mg/m2 on the same days as fludarabine."),
    )
    assert next(d for d in regimen.drugs if d.drug == "Cyclophosphamide").days is None


def test_a_dose_written_again_right_after_its_days_is_one_dose_on_all_those_days() -> None:
    # NCT04747912: "0.5mg/m2 D15, 0.5mg/m2 Day 22" is 0.5 mg/m2 on days 15 and 22
    regimen = regimen_of(
        "* InO 0.8mg/m2 Day 8; 0.5mg/m2 D15, 0.5mg/m2 Day 22", ("Inotuzumab ozogamicin", None)
    )
    assert [(d.dose, d.days) for d in regimen.drugs] == [(0.8, (8,)), (0.5, (15, 22))]
    # another dose, or another schedule (the route "orally" of the second sentence), keep them apart; the same
    # dose again on a later day is one entry (one entry per distinct dose, expectations README; set 14)
    regimen = regimen_of("X 5 mg day 1, 10 mg day 8; X 5 mg day 15 then 5 mg day 22 orally", ("X", None))
    assert [(d.dose, d.days) for d in regimen.drugs] == [(5, (1,)), (10, (8,)), (5, (15, 22))]


def test_saline_in_a_placebo_comparator_arm_is_the_placebo_not_a_dose() -> None:
    # NCT00840671: the saline arm copies the active arm's volume and schedule
    text = "0.9% Saline Solution, 30 ml/day as intravenous infusion. Daily infusion for 10 consecutive days."
    saline = Intervention("DRUG", "0.9% Saline Solution", text, ("Saline",), ("NaCl",))
    active = Intervention(
        "DRUG", "Cerebrolysin", text.replace("0.9% Saline Solution", "Cerebrolysin"), ("Active",)
    )
    arms = (
        Arm("Active", "EXPERIMENTAL", None, (active.label,)),
        Arm("Saline", "PLACEBO_COMPARATOR", None, (saline.label,)),
    )
    trial = TrialRecord("NCT00000000", "test", arms=arms, interventions=(active, saline))
    assert parse_regimen(trial, arms[1]).drugs == ()
    assert [d.dose for d in parse_regimen(trial, arms[0]).drugs] == [30]
    # saline in an arm of another type is still read (hypertonic saline can be the treatment studied)
    experimental = Arm("Saline", "EXPERIMENTAL", None, (saline.label,))
    trial = TrialRecord("NCT00000000", "test", arms=(experimental,), interventions=(saline,))
    assert [d.dose for d in parse_regimen(trial, experimental).drugs] == [30]


def test_a_list_item_opening_with_a_dosing_code_stays_the_drugs() -> None:
    arm = "* Carboplatin\n* AUC 5 IV on day 1\n* RP2D 10 mg"
    regimen = regimen_of(arm, ("Carboplatin", None))
    assert [(d.dose, d.unit) for d in regimen.drugs] == [(5, "AUC"), (10, "mg")]
