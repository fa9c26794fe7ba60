"""The confidence gate (text/regimen/confidence.py): a doubtful dose or day list is withheld with a warning,
and its near misses are kept."""

from __future__ import annotations

from fhir_adapter.text import DrugDose
from fhir_adapter.text.regimen.confidence import days_doubt, dose_doubt
from tests.text.test_regimen import messages, regimen_of

NO_OWN_TEXTS: dict[str, frozenset[str]] = {}


def reading(drug: str, dose: float | None = None, unit: str | None = "mg", **fields: object) -> DrugDose:
    return DrugDose(key=drug.lower(), drug=drug, dose=dose, unit=unit, **fields)  # type: ignore[arg-type]


def test_a_dose_other_than_the_one_the_name_writes_is_withheld() -> None:
    # NCT00739739 at blind time: "PD 0299685 at 15mg BID" read as 5 mg from "5 mg Capsules, 3 to be taken"
    drug = reading("PD 0299685", 5, aliases=("PD 0299685 at 15mg BID",))
    assert dose_doubt(drug, (drug,), NO_OWN_TEXTS) == "the name 'PD 0299685 at 15mg BID' writes another dose"
    # the whole path: the value goes, the words stay, a warning says why
    regimen = regimen_of(None, ("Drugx 150 mg", "Drugx 400 mg orally twice daily"))
    [drug] = regimen.drugs
    assert (drug.dose, drug.unit, drug.dose_text) == (None, None, None)
    assert drug.verbatim == "Drugx 400 mg orally twice daily"
    assert "dose '400 mg' withheld: the name 'Drugx 150 mg' writes another dose" in messages(regimen)


def test_a_whole_number_of_the_named_strength_is_kept() -> None:
    # "TPN171H 2.5mg" tablets given as 5 mg: a name often writes the tablet's strength
    assert dose_doubt(reading("TPN171H", 5, aliases=("TPN171H 2.5mg",)), (), NO_OWN_TEXTS) is None
    # a "0 mg" name labels a placebo group, not a strength
    assert dose_doubt(reading("Prednisone", 5, aliases=("Prednisone 0 mg/day",)), (), NO_OWN_TEXTS) is None
    assert dose_doubt(reading("Clarithromycin", 400, aliases=("Clarithromycin 500 mg",)), (), NO_OWN_TEXTS)
    # NCT06760702: "AUR109 200mg" given at 200, 300 or 400 mg - the text lists the doses, the name's among them
    levels = [reading("AUR109", dose, aliases=("AUR109 200mg",)) for dose in (200, 300, 400)]
    assert [dose_doubt(level, tuple(levels), NO_OWN_TEXTS) for level in levels] == [None, None, None]


def test_one_unit_of_a_counted_strength_is_withheld() -> None:
    # NCT05380245: "Voriconazole 200 mg x 2 Tablets" read as 200 mg from "Tablets Voriconazole Vfend®, 200 mg"
    named = ("Voriconazole 200 mg x 2 Tablets",)
    reason = dose_doubt(reading("Voriconazole", 200, aliases=named), (), NO_OWN_TEXTS)
    assert reason == "the name 'Voriconazole 200 mg x 2 Tablets' gives 2 units of 200"
    assert dose_doubt(reading("Voriconazole", 400, aliases=named), (), NO_OWN_TEXTS) is None
    one = ("Clarithromycin 500 mg x 1Tablets",)  # one unit: the strength is the dose
    assert dose_doubt(reading("Clarithromycin", 500, aliases=one), (), NO_OWN_TEXTS) is None


def test_a_drug_named_by_a_schedule_is_not_dosed() -> None:
    # NCT05692999: "Pembrolizumab 200 mg Q3W or 400 mg Q6W" left a "drug" named "Q6W" with 400 mg
    assert (
        dose_doubt(reading("Q6W", 400), (), NO_OWN_TEXTS) == "'Q6W' is a schedule or a dose, not a drug name"
    )
    assert dose_doubt(reading("BID", 5), (), NO_OWN_TEXTS) is not None
    for name in ("S-1", "5 FU", "5-FU", "AZD2281", "MK-3475"):  # real drug names that start like a dose
        assert dose_doubt(reading(name, 40), (), NO_OWN_TEXTS) is None, name


def test_a_dose_read_in_another_drugs_text_is_withheld_when_the_drugs_own_text_doses_it() -> None:
    # NCT01562210 at blind time: Olaparib's escalation steps (50mg ... 400mg) were read for cisplatin,
    # named in Olaparib's text, while cisplatin's own text gives 6 mg/m2
    regimen = regimen_of(
        None,
        ("Olaparib", "Olaparib 25 mg twice daily, combined with cisplatin 50 mg weekly"),
        ("Cisplatin", "6 mg/m2 (5 days/week) before the irradiation"),
    )
    cisplatin = [(d.dose, d.unit) for d in regimen.drugs if d.drug == "Cisplatin"]
    assert cisplatin == [(None, None), (6.0, "mg/m2")]
    message = "dose '50 mg' withheld: read in another drug's intervention text, while its own text gives another dose"
    assert message in messages(regimen)


def test_a_dose_in_another_drugs_text_is_kept_when_the_drug_has_no_text_of_its_own() -> None:
    # a combination written in one intervention's text: nacubactam's only dose is there
    regimen = regimen_of(None, ("Cefepime", "cefepime 2 g nacubactam 1 g"), ("Nacubactam", None))
    assert [(d.drug, d.dose) for d in regimen.drugs] == [("Cefepime", 2), ("Nacubactam", 1)]


def test_days_written_before_and_after_the_drugs_name_are_withheld() -> None:
    # NCT01841593: "DAYS 1 to 7: amlodipine 5 mg OD DAYS 8" - which heading is the dose's?
    drug = reading(
        "Amlodipine", 5, days=tuple(range(8, 15)), verbatim="DAYS 1 to 7: amlodipine 5 mg OD DAYS 8"
    )
    assert days_doubt(drug) == "days are written both before and after the drug's name"


def test_days_of_a_later_step_are_kept() -> None:
    # NCT05705570: day 0 is the CAR-T infusion, written after fludarabine's own days
    text = "Fludarabine 25mg/m2 IV on days -5 to -3. Followed by infusion of CAR-T cells on day 0"
    assert days_doubt(reading("Fludarabine", 25, "mg/m2", days=(-5, -4, -3), verbatim=text)) is None
    # a dose between day words ("D15, 0.5mg/m2") is no day
    text = "InO 0.8mg/m2 Day 8; 0.5mg/m2 D15"
    assert days_doubt(reading("InO", 0.8, "mg/m2", days=(8,), verbatim=text)) is None


def test_one_dose_split_over_days_read_from_the_same_words_is_withheld() -> None:
    # NCT04747912: "InO 0.8mg/m2 Day 8; 0.5mg/m2 D15, 0.5mg/m2 Day 22" read as 0.5 on day 15 and on day 22
    text = "InO 0.8mg/m2 Day 8; 0.5mg/m2 D15, 0.5mg/m2 Day 22"
    day_15 = reading("InO", 0.5, "mg/m2", days=(15,), verbatim=text)
    day_22 = reading("InO", 0.5, "mg/m2", days=(22,), verbatim=text)
    assert days_doubt(day_15, (day_15, day_22)) == "the same dose is read with other days as well"


def test_one_dose_in_two_courses_keeps_each_courses_days() -> None:
    # NCT02724163: 12 mg/m2 on days 1-4 in course 1 and on days 1-3 in course 2, each in its own words
    first = reading("Mitoxantrone", 12, "mg/m2", days=(1, 2, 3, 4), verbatim="12 mg/m2 on days 1, 2, 3 and 4")
    second = reading("Mitoxantrone", 12, "mg/m2", days=(1, 2, 3), verbatim="12 mg/m2 on days 1, 2 and 3")
    assert days_doubt(first, (first, second)) is None


def test_a_falling_range_is_withheld() -> None:
    # NCT05687032: "inotuzumab ozogamicin 0.8-0.5 mg/m^2 IV, weekly" is 0.8 then 0.5, not a range
    falling = reading("Inotuzumab ozogamicin", 0.8, "mg/m2", dose_high=0.5, dose_text="0.8-0.5 mg/m^2")
    assert dose_doubt(falling, (falling,), NO_OWN_TEXTS) is not None
    rising = reading("Docetaxel", 60, "mg/m2", dose_high=75, dose_text="60-75mg/m2")
    assert dose_doubt(rising, (rising,), NO_OWN_TEXTS) is None


GEFITINIB_TEXT = "protocolSection.armsInterventionsModule.interventions[1].description"
ARM_TEXT = "protocolSection.armsInterventionsModule.armGroups[0].description"


def test_another_drugs_own_dose_read_from_the_arm_text_is_withheld() -> None:
    # NCT03599518: "DS-1205c (at planned doses given orally twice daily: 200 mg, 400 mg, 600 mg, 800 mg) in
    # combination with daily 250 mg oral dose of gefitinib"; gefitinib's own text: "Gefitinib 250 mg tablet"
    own = {GEFITINIB_TEXT: frozenset({"gefitinib"})}
    gefitinib = reading("Gefitinib", 250, fields=(GEFITINIB_TEXT,))
    level = reading("DS-1205c", 200, source="arm", fields=(ARM_TEXT,))
    taken = reading("DS-1205c", 250, source="arm", fields=(ARM_TEXT,), dose_text="250 mg")
    assert dose_doubt(taken, (level, taken, gefitinib), own) == "'250 mg' is Gefitinib's dose in its own text"
    # near miss: two drugs given the same dose, each written once ("A 100 mg and B 100 mg")
    alone = reading("DS-1205c", 250, source="arm", fields=(ARM_TEXT,))
    assert dose_doubt(alone, (alone, gefitinib), own) is None


TRUVADA = "Emtricitabine 200mg/tenofovir disoproxil fumarate 300mg (FTC/TDF, Truvada) administered orally once daily"


def test_a_dose_reached_across_the_names_own_dose_is_withheld() -> None:
    # NCT01380080 at blind time: emtricitabine read as 300 mg, tenofovir's dose, past its own 200mg
    reached = reading("Emtricitabine", 300, verbatim=TRUVADA)
    assert dose_doubt(reached, (reached,), NO_OWN_TEXTS) == "the name is written with '200mg'"
    own = reading("Emtricitabine", 200, verbatim=TRUVADA)
    assert dose_doubt(own, (own,), NO_OWN_TEXTS) is None
    # a drug read with several doses may name itself once before them all ("X 10 mg, then 20 mg")
    first = reading("Drugx", 10, verbatim="Drugx 10 mg on days 1-7, then 20 mg")
    second = reading("Drugx", 20, verbatim="Drugx 10 mg on days 1-7, then 20 mg")
    assert dose_doubt(second, (first, second), NO_OWN_TEXTS) is None
    # names of a combination, then their doses in the same order
    written = "semaglutide 2.4 mg/1.7 mg s.c. once weekly"
    paired = reading("semaglutide", 1.7, verbatim=written, dose_text="2.4 mg/1.7 mg")
    assert dose_doubt(paired, (paired,), NO_OWN_TEXTS) is None
