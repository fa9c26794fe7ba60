"""The regimen parser on mistakes seen in held-out set 8, each with the record's own text: a taper's "0 mg"
end read as a dose, a daily amount's split into its doses of the day ("240mg (120mg bid)") read as a second
dose and its "bid" as the daily amount's frequency, an escalation's starting dose in the shared intervention
text taken as a conflict with each arm's level, a drug's own clause given the next drug's days, a days
heading given to the dose before it, the end of a treatment and an open "Days 6 →" read as dosing days, and a
count of CAR T cells given to the chemotherapy named before it."""

from __future__ import annotations

from fhir_adapter.text.regimen.doses import SPLIT_REASON, ZERO_REASON, find_doses, normalize
from fhir_adapter.text.regimen.names import name_components
from fhir_adapter.text.regimen.schedule import find_day_lists, find_frequencies
from tests.text.test_regimen import messages, only, regimen_of


def test_the_zero_end_of_a_taper_is_no_dose() -> None:
    # NCT01940094, arm "0 mg Prednisone"
    text = (
        "Subjects will be randomized to taper their prednisone dose from 5 mg per day to 0 mg per day for a "
        "6 month period."
    )
    regimen = regimen_of(text, ("Prednisone 0 mg/day", None))
    assert [(d.dose, d.unit) for d in regimen.drugs if d.dose is not None] == [(5, "mg")]
    assert any("amount of zero" in m for m in messages(regimen))
    zero = [d for d in find_doses(normalize("reduced from 10 mg to 0 mg")) if d.limit]
    assert [(d.value, d.limit_reason) for d in zero] == [(0, ZERO_REASON)]


def test_a_zero_not_ending_a_taper_is_left_as_written() -> None:
    # a "0mg" written as a dose (NCT05333159, an apparent typo) is not this rule's to drop
    doses = find_doses(normalize("empagliflozin 0mg once daily dose"))
    assert [(d.value, d.limit) for d in doses] == [(0, None)]


def test_a_daily_amount_split_into_its_doses_is_one_dose() -> None:
    # NCT06001671: 240 mg a day, given as 120 mg twice; the "bid" is the split's, not the 240 mg's
    text = "BEBT-109 orally at an initial dose of 240mg (120mg bid) once daily."
    drug = only(regimen_of(text, ("BEBT-109", None)))
    assert (drug.dose, drug.unit) == (240, "mg")
    assert drug.frequency is not None and (drug.frequency.times, drug.frequency.unit) == (1, "d")
    split = [d for d in find_doses(normalize(text)) if d.limit]
    assert [(d.value, d.limit_reason) for d in split] == [(120, SPLIT_REASON)]


def test_a_bracketed_dose_that_is_no_split_stays_a_dose() -> None:
    # 3 x 100 mg is not 240 mg: no split, both doses stay (which one holds is for the merge to say)
    doses = find_doses(normalize("240mg (100mg tid) once daily"))
    assert [(d.value, d.limit) for d in doses] == [(240, None), (100, None)]


def test_an_arm_gives_its_level_of_the_escalation_its_intervention_starts() -> None:
    # NCT06001671: one intervention text for the 120, 180 and 240 mg arms
    intervention = (
        "BEBT-109",
        'BEBT-109 is based on the "3+3" model, with a dose ascent starting from 120mg qd',
    )
    drug = only(regimen_of("BEBT-109 orally at an initial dose of 180 mg once daily.", intervention))
    assert (drug.dose, drug.unit) == (180, "mg")
    # an intervention dose that starts no escalation still disagrees with the arm's: no dose
    plain = ("BEBT-109", "BEBT-109 120mg qd")
    assert only(regimen_of("BEBT-109 orally at an initial dose of 180 mg once daily.", plain)).dose is None


def test_a_drug_given_in_its_own_clause_keeps_no_days_of_the_next() -> None:
    # NCT05879653: the days 1 and 8 are ASG-22CE's; MK-3475 is given "as four cycles of 3-weeks regimen"
    text = (
        "During the induction phase, MK-3475 200 mg will be administered as four cycles of 3-weeks regimen, "
        "with ASG-22CE 1.25 mg/kg administered on Day 1 and Day 8 of each cycle."
    )
    regimen = regimen_of(None, ("MK-3475", text), ("ASG-22CE", None))
    days = {d.names[0]: d.days for d in regimen.drugs}
    assert days == {"MK-3475": None, "ASG-22CE": (1, 8)}
    # with no clause of its own, the drug still shares the sentence's days
    shared = regimen_of(
        None, ("CT-2103", "CT-2103 (175 mg/m2) and carboplatin (AUC 6) on day 1 of each cycle")
    )
    assert [d.days for d in shared.drugs if d.dose is not None] == [(1,), (1,)]


def test_a_days_heading_belongs_to_the_name_after_it() -> None:
    # NCT00739934: "Study Days 8 to 14:" opens the oral dose's sentence, not the end of the IV dose's
    text = (
        "Study Days 1 to 7: IV voriconazole 7 mg/kg q12h. Study Days 8 to 14: Oral voriconazole (POS) 200 mg "
        "q12h\nNotes:\nIf unable to switch to oral medication on Day 8, subjects can continue with IV treatment."
    )
    regimen = regimen_of(None, ("voriconazole (Vfend)", text))
    days = {d.dose: d.days for d in regimen.drugs if d.dose is not None}
    assert days == {7: tuple(range(1, 8)), 200: tuple(range(8, 15))}


def test_the_end_of_a_treatment_after_transplant_is_no_day_of_a_cycle() -> None:
    # NCT01661400: "until at least Day +86" ends the treatment; no dose is given on day 86 alone
    text = (
        "Cyclophosphamide will be given PO once daily at 2.5 mg/kg/day for children < 40kg or 100 mg daily for "
        "children > 40kg beginning Day + 30 (30 days post transplant) and continue until at least Day +86"
    )
    regimen = regimen_of(text, ("Metronomic Cyclophosphamide", None))
    assert [d.days for d in regimen.drugs if d.dose is not None] == [None, None]
    assert find_day_lists("continue until at least Day 86") == []


def test_days_written_with_an_open_end_are_no_day_list() -> None:
    # NCT00070200: "Filgrastim (Days 6 →)" is from day 6 on
    assert find_day_lists("Filgrastim (Days 6 →) weight based") == []
    assert find_day_lists("from day 6 onwards; days 6 and after") == []
    assert [f.value for f in find_day_lists("Filgrastim (Days 6-8) weight based")] == [(6, 7, 8)]


def test_a_count_of_cells_is_the_cell_products_not_the_chemotherapys() -> None:
    # NCT04835519: the lymphodepleting cyclophosphamide is named last before the CAR T cell doses
    text = (
        "the patients who planned to reinfuse CAR T cells were treated with fluorodarabine 30 mg/m\\^2( body "
        "surface area) and cyclophosphamide 250 mg/m\\^2( body surface area) for 3 days. Then this study will "
        "be using the Bayesian optimal interval phase I/II (Boin12) trial design. The protocol preset 2 dose "
        "levels: Dose 1 (DL-1) was 5×10\\^5 (±20%) CAR T cells/kg, and dose 2 (DL-2) was 1×10\\^6 (±20%) CAR T "
        "cells/kg. The lowest dose is 1×10\\^5 CAR T cells/kg (±20%), and the highest dose is 1×10\\^6 CAR T "
        "cells/kg (±20%)."
    )
    regimen = regimen_of(None, ("chimeric antigen receptor T cell", text), kind="BIOLOGICAL")
    doses = sorted((d.names[0], d.dose, d.unit) for d in regimen.drugs if d.dose is not None)
    assert doses == [
        ("chimeric antigen receptor T cell", 500000, "cells/kg"),
        ("chimeric antigen receptor T cell", 1000000, "cells/kg"),
        ("cyclophosphamide", 250, "mg/m2"),
        ("fluorodarabine", 30, "mg/m2"),
    ]


def test_a_count_of_cells_stays_with_a_product_named_by_its_code() -> None:
    # no linked drug is named as cells: the count stays with the name it follows
    drug = only(regimen_of(None, ("NK510", "NK510 1x10^9 cells on day 1")))
    assert (drug.dose, drug.unit) == (1e9, "cells")


def test_a_form_word_before_a_dose_given_so_often_is_no_strength() -> None:
    # NCT00739830: "tablets 200 mg daily" is the dose; "(160 mg daily)" restates 40 mg four times a day
    text = (
        "oral medroxyprogesterone acetate tablets 200 mg daily OR oral megestrol acetate tablets 40 mg 4 times "
        "per day (160 mg daily)"
    )
    doses = find_doses(normalize(text))
    assert [(d.value, d.limit is None) for d in doses] == [(200, True), (40, True), (160, False)]
    regimen = regimen_of(None, ("medroxyprogesterone acetate tablets OR megestrol acetate", text))
    given = {d.dose: d.frequency.times for d in regimen.drugs if d.dose is not None and d.frequency}
    assert given == {200: 1, 40: 4}
    # a counted form, or a form with no frequency after the amount, is still a unit's strength
    assert all(d.limit for d in find_doses(normalize("2 tablets 200 mg daily; film-coated tablet 150 mg")))


def test_times_a_day_in_digits() -> None:
    assert [f.value.times for f in find_frequencies("4 times per day; 2 times a day")] == [4, 2]


def test_an_unnamed_ramp_up_after_a_continuous_dose_is_not_that_drugs() -> None:
    # NCT05268003, arm "Ponatinib": the ramp-up names no drug (it reads as venetoclax's)
    text = (
        "Patients will continue to take ponatinib 30mg daily continuously daily from Day 1. On Day 1, 20mg for "
        "1 day, 50mg for 1 day, 100mg for 1 day, 200mg for 1 day, then 400mg daily"
    )
    regimen = regimen_of(text, ("Ponatinib", None))
    assert [d.dose for d in regimen.drugs] == [30]
    assert any("'400mg' is not written next to a drug name" in m for m in messages(regimen))
    # without "continuously", a later sentence's dose is still the drug's step
    stepped = regimen_of("Drugx 30mg daily from Day 1. On Day 8, 60mg daily.", ("Drugx", None))
    assert sorted(d.dose for d in stepped.drugs if d.dose is not None) == [30, 60]


NCT00070200_TEXT = (
    "Induction Cycles 1 and 2 (CT) (21 days each), Cyclophosphamide (Days 1 thru 5) weight based dosage (> 12 kg "
    "400 mg/m2/day,  < 12 kg 13.3 mg/kg/day,  < 2 years old  N/A.  Topotecan (Days 1 thru 5)  weight based "
    "dosage (> 12 kg 1.2 mg/m2/day,  < 12 kg 0.04 mg/kg/day, < 2 years old 0.04 mg/kg/day).  Filgrastim (Days 6 "
    "→) weight based dosage (> 12 kg 5 micrograms/kg, < 12 kg 5 micrograms /kg, < 2 years old  5 micrograms /kg."
)


def test_a_weight_band_before_a_dose_is_its_condition() -> None:
    # NCT00070200: the age band after 400 mg/m2/day belongs to a later item, not to it
    regimen = regimen_of(
        NCT00070200_TEXT, ("cyclophosphamide", None), ("topotecan", None), ("filgrastim", None)
    )
    conditions = {(d.drug, d.dose): d.condition.text if d.condition else None for d in regimen.drugs}
    assert conditions[("cyclophosphamide", 400)] == "> 12 kg"
    assert conditions[("cyclophosphamide", 13.3)] == "< 12 kg"


def test_a_dose_written_alike_for_several_bands_is_one_dose() -> None:
    # NCT00070200: filgrastim 5 ug/kg for every band, topotecan 0.04 mg/kg for two
    regimen = regimen_of(
        NCT00070200_TEXT, ("cyclophosphamide", None), ("topotecan", None), ("filgrastim", None)
    )
    doses = [(d.drug, d.dose, d.condition.text if d.condition else None) for d in regimen.drugs]
    assert ("filgrastim", 5, "> 12 kg or < 12 kg or < 2 years old") in doses
    assert ("topotecan", 0.04, "< 12 kg or < 2 years old") in doses
    assert len([d for d in doses if d[0] in ("filgrastim", "topotecan")]) == 3


def test_a_cohorts_dose_written_alike_stays_its_own() -> None:
    # NCT03318939: labelled cohorts with the same dose are not bands; each stays
    text = "* Cohorts 1-3: 16 mg QD\n* Cohort 4: 8 mg BID\n* Cohorts 6 and 7: 8 mg BID"
    regimen = regimen_of(None, ("Poziotinib", text))
    assert sorted(d.dose for d in regimen.drugs if d.dose is not None) == [8, 8, 16]


def test_days_written_d_space_number_after_a_dose() -> None:
    # NCT01742767: "Cisplatinum 40 mg/m2 d 1 + d 8 Pemetrexed 500 mg/m2 d 1 q d 21"
    regimen = regimen_of(
        "Cisplatinum 40 mg/m2 d 1 + d 8 Pemetrexed 500 mg/m2 d 1 q d 21",
        ("Cisplatinum", None),
        ("Pemetrexed", None),
    )
    assert {d.drug: d.days for d in regimen.drugs} == {"Cisplatinum": (1, 8), "Pemetrexed": (1,)}
    # "d" with a number of days, or with no dose's unit before it, is no day list
    assert find_day_lists("2,5mg/kg BW/d 3 days; 10 mg d 3 days; d 5; q d 21") == []


def test_an_item_label_before_a_name_opens_that_names_item() -> None:
    # NCT05380882: each "Drug:" item writes its frequency before the name and its doses after the cycle
    text = (
        "Drug:Weekly intravenous infusion of TQB2930 injection,21 days as a treatment cycle. (2.5mg/kg, 5mg/kg, "
        "10mg/kg) Drug:Every two weeks intravenous infusion of TQB2930 injection , 28 days as a treatment "
        "cycle.(20mg/kg) Drug:Every three weeks intravenous infusion of TQB2930 injection, 21 days as a "
        "treatment cycle. (30mg/kg)"
    )
    regimen = regimen_of(text, ("TQB2930 injection", "TQB2930 is an anti-HER2 bispecific antibody."))
    weeks = {d.dose: d.frequency.period for d in regimen.drugs if d.frequency and d.frequency.unit == "wk"}
    assert weeks == {2.5: 1, 5: 1, 10: 1, 20: 2, 30: 3}


def test_a_cycle_heading_is_no_item_label() -> None:
    # NCT05740449: "Cycle 2:" heads a passage on several drugs; the same dose in cycles 1 and 2 is one dose
    text = (
        "Cycle 1: Decitabine is given 10 mg/m2 intravenous, once a day on 5 consecutive days (Day 1 - 5), "
        "venetoclax 400 mg adult equivalent dose, once a day, Day 1 - Day 28 orally.\n\nCycle 2: Decitabine is "
        "given 10 mg/m2 intravenous, once a day on 5 consecutive days (Day 1 - 5), venetoclax 400 mg adult "
        "equivalent dose, once a day, Day 1 - Day 28 orally."
    )
    regimen = regimen_of(text, ("Decitabine", "intravenous"), ("Venetoclax", "oral"))
    assert sorted(d.dose for d in regimen.drugs if d.dose is not None) == [10, 400]


def test_an_amount_per_kg_a_week_is_a_weekly_dose() -> None:
    # NCT00739882: "0.7 mg/kg/week" was left out as a unit read short
    text = (
        "Each subject will receive an initial conditioning dose of 0.7 mg/kg/week and then will continue "
        "treatment at a dose of 1.0 mg/kg/week."
    )
    regimen = regimen_of(None, ("Efalizumab", text))
    weekly = [(d.dose, d.unit, d.frequency.unit if d.frequency else None) for d in regimen.drugs]
    assert weekly == [(0.7, "mg/kg", "wk"), (1.0, "mg/kg", "wk")]
    # "3 times/week" is no "weekly", and "mg/kg/month" still goes on past what is read
    assert find_frequencies("3 times/week") == []
    assert [d.value for d in find_doses(normalize("5 mg/kg/month"))] == [None]


def test_a_description_after_a_spaced_dash_is_no_part_of_the_name() -> None:
    # NCT00739882: the drug is efalizumab; two drugs joined by a dash stay as written
    assert name_components("Efalizumab - anti CD11a recombinant human monoclonal antibody") == ("Efalizumab",)
    assert name_components("Cabotegravir - Injectable Suspension (CAB LA)") == ("Cabotegravir",)
    assert name_components("Fludarabine - Cyclophosphamide") == ("Fludarabine - Cyclophosphamide",)


def test_the_patients_a_drug_is_for_are_no_drug() -> None:
    # NCT05286957: "MRD+ patients" split at its "+" gave a drug named "patients"
    assert name_components("adjuvant tislelizumab and chemotherapy for MRD+ patients") == (
        "adjuvant tislelizumab",
    )
    assert name_components("Paclitaxel + Carboplatin/cisplatin for squamous cell carcinoma") == (
        "Paclitaxel",
        "Carboplatin",
        "cisplatin",
    )


def test_a_salt_misspelt_and_an_escalation_in_the_name_still_name_the_drug() -> None:
    # NCT05282459: "Enasidenib mesylat dose escalation", other name "(Idhifa, AG 221)"; the text's
    # "Enasidenib will be self administered orally and daily" is the drug's
    assert name_components("Enasidenib mesylat dose escalation") == ("Enasidenib mesylat",)
    assert name_components("(Idhifa, AG 221)") == ("Idhifa", "AG 221")
    text = (
        "Subjects will participate dose escalation with a starting dose of 100 mg. Enasidenib will be self "
        "administered orally and daily."
    )
    drug = only(regimen_of(None, ("Enasidenib mesylat dose escalation", text)))
    assert (drug.dose, drug.route) == (100, "oral")
    assert drug.frequency is not None and (drug.frequency.times, drug.frequency.unit) == (1, "d")


def test_an_arm_writing_each_phases_days_agrees_with_the_interventions_doses() -> None:
    # NCT01515527: the arm writes the days of both phases, the intervention the dose of each
    arm = (
        "Induction cycle: Cladribine intravenous (IV) over approximately 1 to 2 hours, daily on days 1-5.\n\n"
        "Consolidation cycle: Cladribine IV over 1 to 2 hours, daily on days 1-3."
    )
    intervention = (
        "Induction cycle: 5 mg/m2 by vein on days 1 - 5 for up to 2, 28 day cycles.\n\nConsolidation cycle: "
        "5 mg/m2 by vein on days 1 - 3 of cycles 2, 5, 6, 9, 10, 13, 14, 17, and 18."
    )
    regimen = regimen_of(arm, ("Cladribine", intervention))
    assert sorted(d.days for d in regimen.drugs if d.days) == [(1, 2, 3), (1, 2, 3, 4, 5)]
    # days the other side never writes for the dose still disagree: left out
    other = regimen_of("Cladribine IV daily on days 1-7.", ("Cladribine", "5 mg/m2 by vein on days 1 - 5"))
    assert [d.days for d in other.drugs] == [None]
