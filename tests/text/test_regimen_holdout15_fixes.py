"""The regimen parser on classes of wrong values found on held-out set 15, each a rule about how registry text
is written (the sets each class occurs in are named on its test).

A unit interrupted by a word (set 15; set 4 had the element-symbol form "mmol Gd/kg"): "0.24 mg hGH/kg/week"
was read as 0.24 mg, a per-kg dose read as a flat one (10-70 times too much for a child in an EHR).

Also: doses in a sentence that only withdraws its drugs (sets 13, 15); a count of units before one unit's
strength (sets 6, 15); a course total (set 15); a diet registered as a supplement (set 15); quinoline
antimalarials known by their INN stem and day labels written before each dose (sets 4, 15); a drug named with
a timing word ("Postoperative methadone", set 15)."""

from __future__ import annotations

import pytest

from fhir_adapter.sources import Arm, Intervention, TrialRecord
from fhir_adapter.text import parse_regimen
from fhir_adapter.text.regimen.doses import find_doses, normalize
from fhir_adapter.text.regimen.names import is_drug_intervention, name_components, without_setting
from tests.text.test_regimen import KNOWN, messages, only, regimen_of

GROWTH_HORMONE_ARM = (
    "Lonapegsomatropin at 0.24 mg hGH/kg/week administered once-weekly by subcutaneous injection"
)


def test_a_word_between_a_unit_and_its_per_kg_is_still_per_kg() -> None:
    # NCT05690386 (set 15): three arms read 0.24 / 0.30 / 0.36 mg instead of mg/kg
    drug = only(regimen_of(GROWTH_HORMONE_ARM, ("Lonapegsomatropin", "Once-weekly subcutaneous injection")))
    assert (drug.dose, drug.unit) == (0.24, "mg/kg")
    assert drug.frequency is not None and (drug.frequency.times, drug.frequency.unit) == (1, "wk")


@pytest.mark.parametrize(
    ("text", "unit"),
    [("10 mg iron/m2 on day 1", "mg/m2"), ("0.04 mmol Gd/kg body weight", "mmol/kg"), ("5 mg/kg", "mg/kg")],
)
def test_the_counted_word_before_per_kg_or_m2_is_read_through(text: str, unit: str) -> None:
    [dose] = find_doses(normalize(text))
    assert dose.unit == unit and dose.value is not None


@pytest.mark.parametrize("text", ["5 mg tablets/kg", "20 g alcohol / day", "2 mg hGH/day"])
def test_a_unit_going_on_past_a_word_is_never_read_as_the_bare_unit(text: str) -> None:
    [dose] = find_doses(normalize(text))
    assert dose.value is None and dose.ambiguous


def test_a_combination_name_after_the_unit_is_no_unit() -> None:
    # "97/103 mg sacubitril/valsartan" names the product; the amount's unit is mg
    [dose] = find_doses(normalize("200 mg sacubitril/valsartan twice daily"))
    assert (dose.value, dose.unit) == (200.0, "mg")


# A dose in a sentence that only stops its drug (set 15's "somatostatin analogs withdrawal" arm; set 13's STOP
# arm withdraws its drugs by the intervention's name, and its written doses are the ones continued).
WITHDRAWAL_ARM = (
    "Somatostatin analog treatment (octreotide LAR 30 mg or lanreotide 120 mg) will be withdrawn for a duration "
    "of 18 months."
)


def test_the_doses_of_a_withdrawn_drug_are_no_doses_given() -> None:
    # NCT05701241 (set 15): 30 mg and 120 mg were read as the withdrawal arm's doses
    assert [d.limit is not None for d in find_doses(normalize(WITHDRAWAL_ARM))] == [True, True]
    regimen = regimen_of("Drugx 20 mg daily will be discontinued at inclusion.", ("Drugx", None))
    assert [d.dose for d in regimen.drugs] == [None]
    assert any("stops or withdraws" in m for m in messages(regimen))


@pytest.mark.parametrize(
    "text",
    [
        "G-CSF 263 ug/day SC, to be started one day after chemotherapy and stopped one day before the next cycle",
        "Drugx 100 mg daily; it will be discontinued if grade 3 toxicity occurs",
        "Drugx 100 mg daily until progression or withdrawal of consent",
        "Patients will continue methotrexate 15 mg weekly; TNF-alpha antagonists are withdrawn",
    ],
)
def test_a_stop_that_is_a_rule_or_beside_a_given_dose_leaves_the_dose(text: str) -> None:
    assert all(d.limit is None for d in find_doses(normalize(text)))


# A count of units before one unit's strength, how often written apart (set 15; "(2 x 150 mg tablets)" with
# the form word after was set 6's class).
def test_a_count_before_a_strength_with_a_frequency_after_is_withheld() -> None:
    # NCT05686629 (set 15): 50 mg (one tablet) was read as the dose; the dose is not written as one number
    [dose] = find_doses(normalize("Jaktinib hydrochloride tablets, 2 x 50mg dosage, BID"))
    assert dose.value is None and dose.ambiguous
    regimen = regimen_of("Jaktinib hydrochloride tablets, 2 x 50mg dosage, BID", ("Jaktinib", None))
    assert [d.dose for d in regimen.drugs] == [None]


@pytest.mark.parametrize(
    ("text", "value"),
    [("3x5 drops on day 1-3", 5.0), ("2x5 mg/kg BW, 1 day", 5.0), ("2x3mg/m2 IV on day 4", 3.0)],
)
def test_a_count_of_administrations_keeps_its_dose(text: str, value: float) -> None:
    assert find_doses(normalize(text))[0].value == value


# A course total as its sentence's subject (set 15; the README's set-15 ruling "prednisolone 150 mg in total").
def test_a_cumulative_course_total_is_no_dose() -> None:
    # NCT05698680 (set 15): prednisolone 150 mg was read as a dose
    text = "The cumulative total dose taken per participant within the clinical trial is 150 mg for prednisolone."
    regimen = regimen_of(text, ("Prednisolone", None))
    assert [d.dose for d in regimen.drugs] == [None]
    [dose] = find_doses(normalize("a total of 6 cycles of cisplatin 75 mg/m2 on day 1"))
    assert dose.limit is None and dose.value == 75.0


# A diet registered as a Dietary Supplement (set 15, NCT05703997): its days -2..2 were read as a drug's.
CALORIE_RESTRICTION_ARM = (
    "triweekly cycles of 5-day calorie restriction (on days -2 through 2 of each cycle) in combination with\n"
    "atezolizumab (at a dose of 1200 mg, administered intravenously on day 0 of each cycle)"
)


def test_a_diet_is_no_drug_and_gets_no_days() -> None:
    linked = (
        Intervention(
            "DIETARY_SUPPLEMENT", "Cyclic, 5-day calorie restriction", "Cyclic, 5-day diet.", ("Arm",)
        ),
        Intervention("DRUG", "Atezolizumab", "Atezolizumab 1200 mg administered intravenously.", ("Arm",)),
    )
    arm = Arm("Arm", "EXPERIMENTAL", CALORIE_RESTRICTION_ARM, tuple(i.label for i in linked))
    trial = TrialRecord("NCT00000000", "test", arms=(arm,), interventions=linked)
    regimen = parse_regimen(trial, arm, known_drugs=KNOWN)
    assert [(d.drug, d.dose, d.days) for d in regimen.drugs] == [("Atezolizumab", 1200.0, (0,))]
    assert not is_drug_intervention(linked[0])
    assert is_drug_intervention(Intervention("DIETARY_SUPPLEMENT", "Dietary supplement GVG 2"))


# Quinoline antimalarials by their INN stem "-quine" (sets 15 and 4: chloroquine, primaquine, tafenoquine,
# piperaquine); a day label written before each dose of a list (set 15).
FMDA_TEXT = (
    "Round 1) Chloroquine (CQ)+ Tafenoquine (TQ) for >= 16y (CQ: Day1 600 mg, Day 2 600 mg, Day 3 300 mg CQ, "
    "TQ 300 mg on Day 1)."
)


def test_doses_of_a_drug_administration_go_to_the_named_quinolines() -> None:
    # NCT05690841 (set 15): 600 and 300 mg were given to "Focal Mass Drug Administration (fMDA)"
    regimen = regimen_of(None, ("Focal Mass Drug Administration (fMDA)", FMDA_TEXT))
    doses = sorted((d.drug, d.dose, d.days) for d in regimen.drugs if d.dose is not None)
    assert doses == [
        ("Chloroquine", 300.0, (3,)),
        ("Chloroquine", 600.0, (1, 2)),
        ("Tafenoquine", 300.0, (1,)),
    ]


def test_a_day_label_before_a_dose_is_that_doses_day() -> None:
    regimen = regimen_of("Drugx: Day 1 100 mg, Day 2 50 mg, Day 3 50 mg.", ("Drugx", None))
    assert sorted((d.dose, d.days) for d in regimen.drugs) == [(50.0, (2, 3)), (100.0, (1,))]
    after = regimen_of("Drugx 15 mg/m2 on day 1, 10 mg/m2 on day 3", ("Drugx", None))
    assert sorted((d.dose, d.days) for d in after.drugs) == [(10.0, (3,)), (15.0, (1,))]


# A name that is one drug with a timing or route word before it (set 15, NCT05693675).
METHADONE_TEXT = (
    "Participants will receive intraoperative methadone (0.2 mg/kg ideal body weight intravenously but not "
    "exceeding 20mg) followed by oral/IV methadone postoperatively according to the following scheme: A) Opioid "
    "naive patients will receive 5mg twice daily dosage of methadone on postoperative days 1 and 2 followed by 5 "
    "mg daily on postoperative days 3, 4, and 5."
)


def test_a_name_with_a_timing_word_is_its_drug() -> None:
    regimen = regimen_of(None, ("Postoperative methadone", METHADONE_TEXT))
    assert all("methadone" in d.aliases for d in regimen.drugs)
    assert sorted((d.dose, d.unit, d.days) for d in regimen.drugs) == [
        (0.2, "mg/kg", None),
        (5.0, "mg", (1, 2)),
        (5.0, "mg", (3, 4, 5)),
    ]
    assert without_setting("Liposomal doxorubicin") is None


def test_per_square_body_surface_area_is_per_m2() -> None:
    # NCT05701436 (set 15): seven drugs' doses "mg per square body surface area" were withheld
    [dose] = find_doses(normalize("Oxaliplatin(130 mg per square body surface area), Leucovorin"))
    assert (dose.value, dose.unit) == (130.0, "mg/m2")
    [other] = find_doses(normalize("5 mg per square inch"))
    assert other.value is None


def test_a_concentration_in_an_intervention_name_is_no_drug() -> None:
    # NCT05702970 (set 15): "Ferric Carboxymaltose 50 MG/ML" was two drugs, "Ferric Carboxymaltose" and "ML",
    # so the text's "FCM (Ferinject) with a dose between 500 and 2000 mg" went to neither
    assert name_components("Ferric Carboxymaltose 50 MG/ML") == ("Ferric Carboxymaltose",)
    text = "administration of FCM (Ferinject) with a dose between 500 and 2000 mg (depending on body weight)"
    regimen = regimen_of(None, ("Ferric Carboxymaltose 50 MG/ML", text))
    assert [(d.drug, d.dose, d.dose_high) for d in regimen.drugs] == [
        ("Ferric Carboxymaltose", 500.0, 2000.0)
    ]


def test_cell_counts_chained_before_a_cell_dose_are_cell_doses() -> None:
    # NCT05686720 (set 15): the middle escalation level 5.0x10^7 was not read (sets 12, 13 write cell doses too)
    text = "the minimum initial dose was 5.0×10^6 cells, then increased to 5.0×10^7 and 2.0×10^8 cells."
    assert [(d.value, d.unit) for d in find_doses(normalize(text))] == [
        (5e6, "cells"),
        (5e7, "cells"),
        (2e8, "cells"),
    ]
    assert [d.value for d in find_doses(normalize("day 5 and 2.0×10^8 cells"))] == [2e8]


def test_an_abbreviation_the_trial_defines_keeps_its_full_name() -> None:
    # NCT05690841 (set 15): the control arm's "+ PQ (0.5mg/kg x 7 days)" was shown as "PQ" alone
    trial_text = "Chloroquine (CQ): Day 1 600 mg. Primaquine (PQ) age-based dosing."
    arm = Arm(
        "Control", "ACTIVE_COMPARATOR", "Treatment of active cases: CQ 10 mg/kg + PQ (0.5mg/kg x 7 days)."
    )
    other = Intervention("DRUG", "Focal Mass Drug Administration", trial_text, ("Other",))
    trial = TrialRecord("NCT00000000", "test", arms=(arm,), interventions=(other,))
    regimen = parse_regimen(trial, arm, known_drugs=KNOWN)
    assert ("PQ", ("Primaquine",), 0.5) in [(d.drug, d.aliases, d.dose) for d in regimen.drugs]


def test_two_products_of_one_drug_by_route_get_no_shared_alias() -> None:
    # NCT03511846: "Oral capsaicin" and "Intranasal capsaicin" are two products; "capsaicin" is neither for sure
    linked = (
        ("Oral capsaicin", "Oral capsaicin 1 mg."),
        ("Intranasal capsaicin", "Intranasal capsaicin 2 mg."),
    )
    regimen = regimen_of(None, *linked)
    assert all("capsaicin" not in d.aliases for d in regimen.drugs)


def test_a_cell_count_whose_per_kg_follows_a_word_is_withheld() -> None:
    # NCT05519384 (set 10): "cells injection /kg" is per kg; read as cells it is a dose 70 times too small
    text = "three dose groups: 10^6, 5x10^6 and 3x10^7 JK500 cells injection /kg/ time, three times a week"
    assert [(d.value, d.ambiguous) for d in find_doses(normalize(text))] == [(None, True)]
