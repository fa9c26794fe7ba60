"""The regimen parser on classes of wrong values that recur across held-out sets 9-13, each with the record's
own text and, where it helps, a small text of our own.

A dose given to the wrong drug of a sentence that names several (every blind set, 9-13): with each dose
written before its name ("200 mg pembrolizumab plus 500 mg/m2 pemetrexed plus either AUC 5 mg/mL/minute
carboplatin"), a dose whose unit was read short ("AUC 5 mg/mL/min" of "mg/mL/minute") left letters between
it and its name, so it no longer opened that name's item and every later drug took its neighbour's dose."""

from __future__ import annotations

from fhir_adapter.text.regimen.doses import find_doses
from tests.text.test_regimen import regimen_of

HISTOLOGIC_ARM = (
    "Non-squamous NSCLC participants will be randomized to receive 200 mg pembrolizumab plus 500 mg/m2 "
    "pemetrexed plus either AUC 5 mg/mL/minute carboplatin or 75 mg/m2 cisplatin.\n"
    "Squamous NSCLC participants will be randomized to receive 200 mg of pembrolizumab plus 200 mg/m2 "
    "paclitaxel plus AUC 5 or 6 mg/mL/minute carboplatin."
)


def test_an_auc_unit_written_in_full_is_read_to_its_end() -> None:
    [dose] = find_doses("AUC 5 mg/mL/minute carboplatin")
    assert (dose.value, dose.unit, dose.end) == (5.0, "AUC", len("AUC 5 mg/mL/minute"))
    [dose] = find_doses("AUC 6 mg/mL/min carboplatin")
    assert dose.end == len("AUC 6 mg/mL/min")
    # a word that only starts like the unit is not read as it
    [dose] = find_doses("AUC 5 mg/mL/mink")
    assert dose.end == len("AUC 5")


def test_a_second_auc_target_takes_the_unit_written_after_it() -> None:
    doses = find_doses("AUC 5 or 6 mg/mL/minute carboplatin")
    assert [(d.value, d.unit, d.chained) for d in doses] == [(5.0, "AUC", True), (6.0, "AUC", False)]
    assert doses[1].end == len("AUC 5 or 6 mg/mL/minute")
    # another unit after the second number is no AUC target
    other_unit = find_doses("AUC 5 or 6 mg carboplatin")
    assert (other_unit[0].value, other_unit[0].unit) == (5.0, "AUC")
    assert all(d.unit != "AUC" or d.value != 6.0 for d in other_unit)


def test_each_dose_written_before_its_name_is_that_names() -> None:
    # NCT05687266 (set 13): every drug got its neighbour's dose
    regimen = regimen_of(
        HISTOLOGIC_ARM,
        ("Pembrolizumab", None),
        ("Pemetrexed", None),
        ("Carboplatin", None),
        ("Cisplatin", None),
        ("Paclitaxel", None),
    )
    got = sorted((d.drug, d.dose, d.unit) for d in regimen.drugs if d.dose is not None)
    assert got == [
        ("Carboplatin", 5.0, "AUC"),
        ("Carboplatin", 6.0, "AUC"),
        ("Cisplatin", 75.0, "mg/m2"),
        ("Paclitaxel", 200.0, "mg/m2"),
        ("Pembrolizumab", 200.0, "mg"),
        ("Pemetrexed", 500.0, "mg/m2"),
    ]


def test_doses_before_names_in_a_small_text() -> None:
    regimen = regimen_of(
        "Patients receive 100 mg/m2 docetaxel plus AUC 6 mg/mL/minute carboplatin.",
        ("Docetaxel", None),
        ("Carboplatin", None),
    )
    got = sorted((d.drug, d.dose, d.unit) for d in regimen.drugs if d.dose is not None)
    assert ("Docetaxel", 100.0, "mg/m2") in got and ("Carboplatin", 6.0, "AUC") in got
    assert ("Docetaxel", 6.0, "AUC") not in got


PLD_TEXT = (
    "six cycles of bevacizumab [10 mg/kg, days 1 and 15] plus carboplatin [AUC 5, day 1] plus pegylated "
    "liposomal doxorubicin [30 mg/m2, day 1] every 4 weeks, followed by maintenance bevacizumab [15 mg/kg "
    "every 3 weeks]"
)


def test_a_formulation_written_before_an_ingredient_names_another_product() -> None:
    # NCT05704621 (set 13): pegylated liposomal doxorubicin was recorded as doxorubicin
    regimen = regimen_of(None, ("chemotherapy", PLD_TEXT))
    named = {d.drug.lower(): d for d in regimen.drugs if d.dose is not None}
    assert "doxorubicin" not in named
    pld = named["pegylated liposomal doxorubicin"]
    assert (pld.dose, pld.unit, pld.days) == (30.0, "mg/m2", (1,))


def test_nab_paclitaxel_is_not_paclitaxel_and_plain_names_stay() -> None:
    regimen = regimen_of(None, ("chemotherapy", "nab-paclitaxel 125 mg/m2 on days 1, 8 and 15"))
    assert [d.drug.lower() for d in regimen.drugs if d.dose is not None] == ["nab-paclitaxel"]
    regimen = regimen_of(None, ("chemotherapy", "doxorubicin 60 mg/m2 on day 1"))
    assert [d.drug.lower() for d in regimen.drugs if d.dose is not None] == ["doxorubicin"]
