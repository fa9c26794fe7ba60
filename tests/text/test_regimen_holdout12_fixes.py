"""The regimen parser on classes of wrong values that recur across held-out sets 9-12, each with the record's
own text and, where it helps, a small text of our own: an intervention name that writes a dose and then how
it is given ("Empagliflozin 25 mg thrice-weekly post-hemodialysis dosing") kept as the drug's name; the day
a drug is given before ("prior to study day 0") read as its dosing day; days written in another drug's
intervention text ("before Fludarabine Days -5, -4, - 3") read as the drug's own; a dose whose number may be
a decimal or a thousands figure ("3.125mg") left unread although its daily total in brackets settles it; a
dose in the arm's text that is another (non-drug) intervention's own text given to the arm's drug; the volume
a vial's strength comes in ("vials 20 mg 1 ml") and the top of a band of doses a dilution rule applies to
("for dosage between 100 and 250 mg ... diluted in 100 ml") read as doses; the first day of a schedule that
goes on from a later day with no end ("Day 1 ... from Day 8 of Cycle 1 and thereafter") read as its days."""

from __future__ import annotations

from fhir_adapter.sources import Arm, Intervention, TrialRecord
from fhir_adapter.text import parse_regimen
from fhir_adapter.text.regimen.doses import find_doses
from fhir_adapter.text.regimen.names import name_components
from fhir_adapter.text.regimen.schedule import find_day_lists
from tests.text.test_regimen import KNOWN, regimen_of


def test_the_words_after_a_dose_in_a_name_that_name_no_drug_are_not_part_of_the_drugs_name() -> None:
    # NCT05687058 (set 12); the same class as "PD 0299685 at 15mg BID" (set 9), "Aspirin 162 mg EC Tab once
    # daily for 7 days" and "Pembrolizumab 200 mg Q6W" (set 11)
    assert name_components("Empagliflozin 25 mg thrice-weekly post-hemodialysis dosing") == ("Empagliflozin",)
    assert name_components("Empagliflozin 10 mg daily dosing") == ("Empagliflozin",)
    assert name_components("Milciclib Dose: 150 mg/day Mode of administration: oral") == ("Milciclib",)
    assert name_components("Sumatriptan 4mg Statdose injection") == ("Sumatriptan",)
    # words after the dose that name another drug (a list word, a drug stem, a product code) stay
    assert name_components("Aspirin 81 mg with clopidogrel") == ("Aspirin", "clopidogrel")
    assert "gemcitabine" in name_components("Drug A 10 mg gemcitabine")[0]
    assert "ABC-123" in name_components("Drug A 10 mg ABC-123")[0]


def test_a_drug_named_with_its_dose_and_schedule_gets_its_dose() -> None:
    # NCT05687058: the dose was given to a drug named "Empagliflozin thrice-weekly post-hemodialysis"
    name = "Empagliflozin 25 mg thrice-weekly post-hemodialysis dosing"
    text = (
        "Participants in Group I will be asked to take empagliflozin 25 mg after each hemodialysis session."
    )
    [drug] = [d for d in regimen_of(None, (name, text)).drugs if d.dose is not None]
    assert (drug.drug, drug.dose, drug.unit) == ("Empagliflozin", 25, "mg")


def test_the_day_a_drug_is_given_before_is_not_its_dosing_day() -> None:
    # NCT05694364: fludarabine and cyclophosphamide were read as given on day 0
    text = (
        "Lymphodepletion will include 3 days of treatment with fludarabine (30 mg/m^2) and cyclophosphamide "
        "(500 mg/m^2) prior to study day 0."
    )
    assert find_day_lists(text) == []
    assert find_day_lists("X 10 mg given before Day 1") == []
    # a time before a day's dosing is given on that day; days counted back from an event stay theirs
    assert [f.value for f in find_day_lists("30 minutes before Day 1 dosing")] == [(1,)]
    assert [f.value for f in find_day_lists("on Day -12 and Day -5 prior to the 1st infusion")] == [(-12, -5)]
    regimen = regimen_of(None, ("Fludarabine", text), ("Cyclophosphamide", text))
    assert all(d.days is None for d in regimen.drugs)


CYCLOPHOSPHAMIDE_TEXT = "500 mg/m2 IV over 30-60 minutes +/- 10 minutes before Fludarabine Days -5, -4, - 3"


def test_days_written_only_in_another_drugs_text_are_withheld_when_the_drugs_own_text_writes_days() -> None:
    # NCT05702853: fludarabine was read as given on days -5 and -4 from cyclophosphamide's text
    fludarabine_text = (
        "30 mg/m2 IV over 30-60 minutes +/- 10 minutes after cyclo- phosphamide infusion Days -5, 4, -3"
    )
    regimen = regimen_of(None, ("Cyclophosphamide", CYCLOPHOSPHAMIDE_TEXT), ("Fludarabine", fludarabine_text))
    fludarabine = [d for d in regimen.drugs if d.drug == "Fludarabine"]
    assert fludarabine and all(d.days is None for d in fludarabine)
    assert any("read in another drug's intervention text" in issue.message for issue in regimen.issues)


def test_days_in_another_drugs_text_stay_when_the_drugs_own_text_writes_none() -> None:
    regimen = regimen_of(None, ("Cyclophosphamide", CYCLOPHOSPHAMIDE_TEXT), ("Fludarabine", "30 mg/m2 IV"))
    assert not any("read in another drug's intervention text" in issue.message for issue in regimen.issues)


def test_a_daily_total_in_brackets_settles_a_number_written_with_three_decimals() -> None:
    # NCT05699824: 3.125 mg was left unread and the daily total 6.25 mg read as the dose
    text = "Carvedilol will be initiated on day 2, at a dose of 3.125mg twice a day (6.25mg/day), along with care."
    [dose, total] = find_doses(text)
    assert (dose.value, dose.ambiguous, total.limit is not None) == (3.125, False, True)
    assert [(d.drug, d.dose) for d in regimen_of(None, ("Carvedilol", text)).drugs if d.dose] == [
        ("Carvedilol", 3.125)
    ]
    # a total that does not agree, or no total, settles nothing
    assert find_doses("2.670 mg twice daily (5340 mg/day)")[0].value is None
    assert find_doses("3.125mg twice a day")[0].value is None


STANDARD_CARE = "All patients to receive Inj. Terlipressin, 1 mg at 4 hours along with standard management"


def carvedilol_arm(standard_care_text: str) -> list[tuple[str, float | None]]:
    """Return (drug, dose) of NCT05699824's arm A, its standard care intervention given `standard_care_text`."""
    carvedilol = "Carvedilol will be initiated on day 2, at a dose of 3.125mg twice a day (6.25mg/day)."
    interventions = (
        Intervention("DRUG", "Carvedilol", carvedilol, ("Arm A",)),
        Intervention("OTHER", "Standard Medical Treatment", standard_care_text, ("Arm A",)),
    )
    arm = Arm(
        "Arm A",
        "EXPERIMENTAL",
        f"{carvedilol}\n{STANDARD_CARE}",
        ("Carvedilol", "Standard Medical Treatment"),
    )
    trial = TrialRecord("NCT00000000", "test", arms=(arm,), interventions=interventions)
    return sorted((d.drug, d.dose) for d in parse_regimen(trial, arm, known_drugs=KNOWN).drugs if d.dose)


def test_a_dose_that_is_another_interventions_own_text_is_not_the_arms_drugs() -> None:
    # NCT05699824: terlipressin's 1 mg, written in the arm's text and in "Standard Medical Treatment"'s own
    # text, was read as carvedilol's
    assert carvedilol_arm(f"{STANDARD_CARE}. Standard Medical Treatment") == [("Carvedilol", 3.125)]
    # the same words written in the arm's text alone are still read (nothing else says whose they are)
    assert ("Carvedilol", 1.0) in carvedilol_arm("Standard care as per institutional protocol")


def test_the_volume_written_right_after_a_strength_is_no_dose() -> None:
    # NCT05704400: daratumumab was given 1 mL
    text = "Daratumumab vials 20 mg 1 ml will be collected to reach the desired dose of 16 mg /Kg"
    assert [(d.value, d.unit) for d in find_doses(text) if d.limit is None] == [(16.0, "mg/kg")]
    assert [(d.drug, d.dose, d.unit) for d in regimen_of(None, ("Daratumumab", text)).drugs if d.dose] == [
        ("Daratumumab", 16.0, "mg/kg")
    ]
    # a volume after a dose that is no strength is still read
    assert (1.0, "mL") in [(d.value, d.unit) for d in find_doses("20 mg 1 ml")]


def test_the_top_of_a_band_of_doses_a_rule_applies_to_is_no_dose() -> None:
    # NCT05704400: rituximab was given 250, 500 and 1000 mg, the bands of its dilution rules
    text = (
        "Rituximab IV: the dose is standard for pediatric nephrotic syndrome; for dosage between 100 and 250 mg "
        "rituximab will be diluted in 100 ml of normal saline. For dosage between 260 and 500 mg rituximab will "
        "be diluted in 250 ml of normal saline."
    )
    assert [d.value for d in find_doses(text) if d.limit is None] == []
    assert all(d.dose is None for d in regimen_of(None, ("Rituximab", text)).drugs)


def test_days_of_a_sentence_that_goes_on_from_a_later_day_with_no_end_are_withheld() -> None:
    # NCT05704049: isatuximab was read as given on day 1 only
    text = (
        "Isatuximab will be administered manually for 8 minutes on Day 1 of Cycle 1 followed by 6 minutes from "
        "Day 8 of Cycle 1 and thereafter."
    )
    regimen = regimen_of(text, ("Isatuximab", None))
    assert all(d.days is None for d in regimen.drugs)
    assert any("with no end written" in issue.message for issue in regimen.issues)
    # an open start in the next sentence, about another drug, leaves the days (NCT05685719)
    other = "STI-1558 200mg/capsule on Day 1. Starting from Day 4, subjects will orally take itraconazole."
    assert any(d.days == (1,) for d in regimen_of(other, ("STI-1558", None)).drugs)
