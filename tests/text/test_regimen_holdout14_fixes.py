"""The regimen parser on classes of wrong values that recur across held-out sets, found on set 14.

One dose given again on later days (sets 12, 14): "0.25 mg digoxin tablets on Day 1 ... another single oral
dose of 0.25 mg digoxin tablets on Day 35" is one dose on days 1 and 35 (one entry per distinct dose), not
two entries of the same dose."""

from __future__ import annotations

from tests.text.test_regimen import regimen_of

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
