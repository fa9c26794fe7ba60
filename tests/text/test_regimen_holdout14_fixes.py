"""The regimen parser on classes of wrong values that recur across held-out sets, found on set 14.

One dose given again on later days (sets 12, 14): "0.25 mg digoxin tablets on Day 1 ... another single oral
dose of 0.25 mg digoxin tablets on Day 35" is one dose on days 1 and 35 (one entry per distinct dose), not
two entries of the same dose.

A cap read as a dose (sets 9, 14: maxima, "not to exceed"): a limit written AFTER its doses, "15mg
glibenclamide and 2500 mg metformin will not be exceeded daily", gave metformin 15 mg and 2500 mg; its
"daily" gave other doses a frequency.

Drops (a miss in set 14; the brief lists it as recurring): "3x5 drops on day 1-3, 3x10 drops on days 4-6, and
1x10 drops on day 7" had no dose read; its multipliers' counts were read as days ("day 1-3, 3")."""

from __future__ import annotations

from fhir_adapter.sources import Arm, Intervention, TrialRecord
from fhir_adapter.text import parse_regimen
from fhir_adapter.text.regimen.doses import CAP_REASON, find_doses
from fhir_adapter.text.regimen.schedule import find_day_lists, find_frequencies
from tests.text.test_regimen import messages, only, regimen_of

DIGOXIN_ARM = (
    "Subjects will receive a single oral dose of 0.25 mg digoxin tablets on Day 1. And will received "
    "subcutaneous injection of sulpalutide QW for five weeks（D5-D33）.\n"
    "Then receive another single oral dose of 0.25 mg digoxin tablets on Day 35."
)
METFORMIN_ARM = (
    "Subjects will receive multiple oral dose of Metformin tablets on Day 1-3. And will received subcutaneous "
    "injection of sulpalutide QW for five weeks（D5-D33）.\n"
    "Then receive another round of Metformin tablets on Day 32-34."
)


def test_the_same_dose_on_later_days_is_one_entry_on_all_its_days() -> None:
    # NCT05694221 (set 14): two entries of 0.25 mg, one scored wrong, and days split in two
    regimen = regimen_of(DIGOXIN_ARM, ("Supaglutide injection", None), ("Digoxin", None))
    digoxin = [(d.dose, d.unit, d.days) for d in regimen.drugs if d.drug == "Digoxin"]
    assert digoxin == [(0.25, "mg", (1, 35))]


def test_an_undosed_drug_on_later_days_is_one_entry_on_all_its_days() -> None:
    regimen = regimen_of(METFORMIN_ARM, ("Supaglutide injection", None), ("Metformin", None))
    metformin = [(d.dose, d.days) for d in regimen.drugs if d.drug == "Metformin"]
    assert metformin == [(None, (1, 2, 3, 32, 33, 34))]


def test_other_doses_or_earlier_days_stay_their_own_entries() -> None:
    other_dose = regimen_of("Drugx 10 mg on day 1. Then drugx 20 mg on day 8.", ("Drugx", None))
    assert sorted((d.dose, d.days) for d in other_dose.drugs) == [(10.0, (1,)), (20.0, (8,))]
    other_frequency = regimen_of(
        "Drugx 10 mg once daily on days 1-3. Then drugx 10 mg twice daily on days 8-10.", ("Drugx", None)
    )
    assert len(other_frequency.drugs) == 2


GLIBENCLAMIDE_ARM = (
    "In treatment group A, 59 participants will be randomly allocated to the glibenclamide 5mg O.D + metformin "
    "500mg TDS regimen.\nIn this study, 15mg glibenclamide and 2500 mg metformin will not be exceeded daily."
)


def test_doses_that_will_not_be_exceeded_are_caps_not_doses() -> None:
    # NCT05688332 (set 14): metformin 15 mg (glibenclamide's cap) and 2500 mg were read as doses
    regimen = regimen_of(GLIBENCLAMIDE_ARM, ("Glibenclamide + Metformin", None))
    got = sorted((d.drug, d.dose, d.unit) for d in regimen.drugs if d.dose is not None)
    assert got == [("Glibenclamide", 5.0, "mg"), ("Metformin", 500.0, "mg")]
    metformin = next(d for d in regimen.drugs if d.drug == "Metformin")
    assert metformin.frequency is not None and metformin.frequency.times == 3  # not the cap's "daily"
    caps = find_doses("Drugx 0.9mg and 2500 mg metformin will not be exceeded daily.")
    assert [(d.value, d.limit_reason) for d in caps] == [(0.9, CAP_REASON), (2500.0, CAP_REASON)]


def test_a_dose_given_before_a_cap_stays_a_dose() -> None:
    # the schedule word "daily" (or "which", another clause) stands between: the 100 mg is given
    doses = find_doses("Drugx 100 mg daily, and 400 mg will not be exceeded.")
    assert [(d.value, d.limit is None) for d in doses] == [(100.0, True), (400.0, False)]
    doses = find_doses("Drugx 100 mg, which will not be exceeded.")
    assert [d.limit is None for d in doses] == [True]
    # another sentence's cap is not this dose's
    assert [d.limit is None for d in find_doses("Drugx 100 mg. The maximum will not be exceeded.")] == [True]


def test_tds_right_after_a_dose_is_three_times_daily() -> None:
    [frequency] = find_frequencies("metformin 500mg TDS regimen")
    assert (frequency.value.times, frequency.value.period, frequency.value.unit) == (3, 1, "d")
    # a transdermal system is no frequency
    assert find_frequencies("Fentanyl TDS patch applied") == []


OPIUM_TINCTURE = (
    "Self-administration of opium tincture (10 mg/ml) as 3x5 drops on day 1-3, 3x10 drops on days 4-6, "
    "and 1x10 drops on day 7 in each study period"
)


def test_drops_are_doses_each_on_its_own_days_and_times_a_day() -> None:
    # NCT05690321 (set 14): no dose read, and days [1, 2, 3] for the drug as a whole
    regimen = regimen_of("Administration of opium tincture (Dropizol)", ("Opium tincture", OPIUM_TINCTURE))
    got = [(d.dose, d.unit, d.frequency.times if d.frequency else None, d.days) for d in regimen.drugs]
    assert got == [(5.0, "drop", 3, (1, 2, 3)), (10.0, "drop", 3, (4, 5, 6)), (10.0, "drop", 1, (7,))]
    assert [(d.value, d.unit) for d in find_doses("2 gtts in each eye")] == [(2.0, "drop")]


def test_a_multiplier_is_no_day_but_a_count_of_cycles_after_a_day_is_read_as_before() -> None:
    text = "on day 1-3, 3x10 drops on days 4-6"
    assert [text[f.start : f.end] for f in find_day_lists(text)] == ["day 1-3", "days 4-6"]
    assert [f.value for f in find_day_lists("AUC 5 IV Day 1 x 6 cycles")] == [(1,)]


def test_the_days_a_dose_is_titrated_or_assessed_on_are_no_dosing_days() -> None:
    # NCT05688332 (set 14): metformin had days [6, 12] from "dose titration at day 6 and 12"
    text = (
        "voglibose 0.2mg + metformin 500mg treatment combination to be taken orally 3 times daily (TDS), during "
        "or after meals with dose titration at day 6 and 12 if the average fasting blood glucose (FBG) level is "
        ">=7 mmol/L"
    )
    regimen = regimen_of(None, ("Voglibose + Metformin", text))
    assert [d.days for d in regimen.drugs] == [None, None]
    assert [
        d.days for d in regimen_of("Drugx 10 mg on days 1 and 8, assessed on day 15", ("Drugx", None)).drugs
    ] == [(1, 8)]
    # the days a dose is given stay days
    assert [d.days for d in regimen_of("Drugx 10 mg daily on days 6 and 12", ("Drugx", None)).drugs] == [
        (6, 12)
    ]


def test_once_daily_glued_to_its_dose_is_once_daily() -> None:
    # NCT05694260 (set 14): "receiving once daily120 mg bempedoic acid" was read as a single dose ("once")
    [frequency] = find_frequencies("receiving once daily120 mg bempedoic acid for 8 weeks")
    assert (frequency.value.times, frequency.value.once) == (1, False)
    assert [f.value.once for f in find_frequencies("given once on day 1")] == [True]


def test_a_single_dose_given_on_several_days_is_no_single_dose() -> None:
    # "single dose" with days 1, 8 and 15: one dose on each of those days; the days say the schedule
    drug = only(regimen_of("Drugx given as a single dose of 40 mg on days 1, 8 and 15", ("Drugx", None)))
    assert (drug.dose, drug.days, drug.frequency) == (40.0, (1, 8, 15), None)
    drug = only(regimen_of("Drugx given as a single dose of 40 mg on day 1", ("Drugx", None)))
    assert drug.frequency is not None and drug.frequency.once


LENIOLISIB_ARM = (
    "Leniolisib film-coated granules in 10, 15 and 20 mg strengths administered orally BID by body weight for 12 "
    "weeks for Part I and for 1 year for Part II."
)
LENIOLISIB_INTERVENTION = (
    "The doses selected will range from 10 to 50 mg twice daily (BID) (resulting in total daily doses ranging "
    "from 20 to 100 mg per day)."
)


def test_every_number_of_a_list_of_strengths_is_a_strength_and_a_restated_daily_total_no_dose() -> None:
    # NCT05693129 (set 14): "10, 15" were doses of the arm, so arm and intervention disagreed: no dose at all
    regimen = regimen_of(LENIOLISIB_ARM, ("Leniolisib", LENIOLISIB_INTERVENTION))
    assert [(d.dose, d.dose_high, d.unit) for d in regimen.drugs] == [(10.0, 50.0, "mg")]
    assert [d.limit is None for d in find_doses("granules in 10, 15 and 20 mg strengths")] == [False] * 3
    # a list chained to a dose with no such words stays doses
    assert [d.limit is None for d in find_doses("Drugx 10, 15 and 20 mg by weight")] == [True] * 3


DK210_ARM = (
    "DK210 (EGFR) will be administered as monotherapy three times per week via subcutaneous (SC) administration. "
    "Dose will be escalated from 0.025 mg/kg to 0.3 mg/kg or until unacceptable toxicity, disease progression, "
    "or withdrawal of consent."
)


def test_an_escalation_from_one_dose_to_another_is_one_range_of_doses() -> None:
    # NCT05704985 (set 14): 0.025 and 0.3 mg/kg were two doses, both wrong
    drug = only(regimen_of(DK210_ARM, ("DK210 (EGFR)", None), kind="BIOLOGICAL"))
    assert (drug.dose, drug.dose_high, drug.unit) == (0.025, 0.3, "mg/kg")
    # a titration or a change from one dose to the next stays two doses; so do two units
    assert len(find_doses("the dose will be increased from 10 mg to 20 mg")) == 2
    assert len(find_doses("escalated from 1 mg/kg to 2 mg/m2")) == 2


def _arms_regimen(arm: Arm, *interventions: Intervention) -> list[tuple[str, float | None, float | None]]:
    other = Arm("Active", "EXPERIMENTAL", None, ("Drug: Drugx",))
    drugx = Intervention("DRUG", "Drugx", "Drugx 10 mg daily", ("Active",))
    trial = TrialRecord("NCT00000000", "test", arms=(other, arm), interventions=(drugx, *interventions))
    regimen = parse_regimen(trial, arm, known_drugs=frozenset({"temozolomide", "paclitaxel"}))
    return [(d.drug.lower(), d.dose, d.dose_high) for d in regimen.drugs]


def test_an_arm_with_no_drug_intervention_of_its_own_reads_the_doses_its_text_gives_known_drugs() -> None:
    # NCT05694416 (set 14): a NO_INTERVENTION arm linking nothing, "Temozolomide 150-200mg/m2 d1-5"
    arm = Arm("Temozolomide group", "NO_INTERVENTION", "Temozolomide 150-200mg/m2 d1-5", ())
    assert _arms_regimen(arm) == [("temozolomide", 150.0, 200.0)]
    # NCT05705687 (set 12): chemotherapy written in an arm that links only a procedure
    surgery = Intervention("PROCEDURE", "Early tumor resection", None, ("Phase II",))
    text = "1 additional cycle of\nPaclitaxel 250 mg/m2 on Day 1"
    arm = Arm("Phase II", "EXPERIMENTAL", text, ("Procedure: Early tumor resection",))
    assert _arms_regimen(arm, surgery) == [("paclitaxel", 250.0, None)]


def test_a_placebo_arm_reads_no_dose_from_its_text() -> None:
    # NCT05803083 (set 8): "Take 0 mg/day of hyaluronic acid." in the placebo arm
    placebo = Intervention("DIETARY_SUPPLEMENT", "Placebo", None, ("Placebo",))
    arm = Arm(
        "Placebo", "PLACEBO_COMPARATOR", "Take 0 mg/day of temozolomide.", ("Dietary Supplement: Placebo",)
    )
    assert _arms_regimen(arm, placebo) == []
    arm = Arm(
        "Placebo", "SHAM_COMPARATOR", "Take 0 mg/day of temozolomide.", ("Dietary Supplement: Placebo",)
    )
    assert _arms_regimen(arm, placebo) == []


def test_a_dose_denied_right_before_it_is_no_dose_of_an_arm_without_drug_interventions() -> None:
    arm = Arm("Control", "OTHER", "Patients will not receive temozolomide 150 mg/m2.", ())
    assert _arms_regimen(arm) == []
    # a denial of something else stays no denial of the dose
    arm = Arm("Control", "OTHER", "if surgery is not possible: paclitaxel 250 mg/m2 on day 1", ())
    assert _arms_regimen(arm) == [("paclitaxel", 250.0, None)]


def test_a_cap_is_reported_in_the_order_it_is_written() -> None:
    regimen = regimen_of(GLIBENCLAMIDE_ARM, ("Glibenclamide + Metformin", None))
    written = "'15mg glibenclamide and 2500 mg metformin will not be exceeded daily' is a cap"
    assert any(m.startswith(written) for m in messages(regimen))
