"""The regimen parser on classes of wrong values that recur across held-out sets 9-13, each with the record's
own text and, where it helps, a small text of our own.

A dose given to the wrong drug of a sentence that names several (every blind set, 9-13): with each dose
written before its name ("200 mg pembrolizumab plus 500 mg/m2 pemetrexed plus either AUC 5 mg/mL/minute
carboplatin"), a dose whose unit was read short ("AUC 5 mg/mL/min" of "mg/mL/minute") left letters between
it and its name, so it no longer opened that name's item and every later drug took its neighbour's dose."""

from __future__ import annotations

from fhir_adapter.text.regimen import DrugDose
from fhir_adapter.text.regimen.confidence import withhold_doubtful
from fhir_adapter.text.regimen.doses import find_doses
from fhir_adapter.text.regimen.schedule import find_day_lists, find_frequencies
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


MRG003_ARM = (
    "MRG003 will be administrated via intravenous infusion at 1.5, 2.0 mg/kg (MTD=2.5 mg/kg) once on Day 1 of "
    "every 3 weeks (21-day cycle).\nHX008 will be administrated via intravenous infusion at 3 mg/kg once on "
    "Day 1 of every 3 weeks (21-day cycle)."
)


def test_a_maximum_tolerated_dose_in_brackets_is_no_dose_given() -> None:
    # NCT05688605 (set 13): "(MTD=2.5 mg/kg)" was read as a third dose of MRG003
    limits = [(d.value, d.limit is not None) for d in find_doses("at 1.5, 2.0 mg/kg (MTD=2.5 mg/kg) once")]
    assert limits == [(1.5, False), (2.0, False), (2.5, True)]
    assert find_doses("(maximum tolerated dose: 3 mg/kg)")[0].limit is not None
    # the MTD given as the dose of a cohort stays a dose
    assert find_doses("expansion cohort receives X at the MTD of 2.5 mg/kg")[0].limit is None


def test_once_on_a_day_of_every_cycle_is_no_single_dose() -> None:
    regimen = regimen_of(MRG003_ARM, ("MRG003", None), ("HX008", None))
    doses = sorted((d.drug, d.dose) for d in regimen.drugs if d.dose is not None)
    assert doses == [("HX008", 3.0), ("MRG003", 1.5), ("MRG003", 2.0)]
    assert all(d.frequency is None or not d.frequency.once for d in regimen.drugs)
    [single] = find_frequencies("given once on day 1")
    assert single.value.once


def test_a_limit_written_with_or_equal_apart_is_no_dose() -> None:
    # NCT05689879 (set 13): "steroids < or = 10 mg/d" was read as a 10 mg dose of the drug before
    [dose] = find_doses("steroids < or = 10 mg/d")
    assert dose.limit is not None


def test_a_bolus_that_is_part_of_a_stated_total_is_no_second_dose() -> None:
    # NCT05700591 (set 13): the 15 mg bolus of a 35 mg total was read as a dose of its own
    text = (
        "35 mg, administered intravenously with a bolus of 15 mg within 3 minutes and the remainder by "
        "continuous infusion within 30 minutes"
    )
    assert [(d.value, d.limit is None) for d in find_doses(text)] == [(35.0, True), (15.0, False)]
    regimen = regimen_of(None, ("rhPro-UK", text))
    assert [(d.dose, d.unit) for d in regimen.drugs if d.dose is not None] == [(35.0, "mg")]
    # a bolus with no remainder after it, or larger than the dose before, stays a dose
    assert all(d.limit is None for d in find_doses("X 35 mg on day 1, then a bolus of 15 mg on day 8"))
    assert all(d.limit is None for d in find_doses("X 5 mg with a bolus of 15 mg and the remainder later"))


def test_the_day_a_titration_reaches_its_target_is_no_dosing_day() -> None:
    # NCT05694936 (set 13): valproate given continuously was read as given on day 13 only
    text = (
        "Sodium valproate oral continuously in a twice daily dose (Initial dose of 600mg/d up-titrated to "
        "target daily dose of 20 mg/kg/d at Cycle 1 Day 13, then dose adjusted to maintain serum VPA levels)"
    )
    assert find_day_lists(text) == []
    assert [f.value for f in find_day_lists("X 10 mg on Day 1 and day 8")] == [(1, 8)]
    assert [f.value for f in find_day_lists("titrated weekly; 5 mg on days 1-5")] == [(1, 2, 3, 4, 5)]
    assert [f.value for f in find_day_lists("target dose of 10 mg on days 1-5")] == [(1, 2, 3, 4, 5)]


def test_a_dose_after_or_and_an_unknown_name_is_not_the_drug_befores() -> None:
    # NCT05689879 (set 13): azathioprine (a name the lexicon does not know) lent its doses to methotrexate
    text = (
        "Methotrexate 0.3 mg/kg/week (or azathioprine 2 mg/kg/day (or 1 mg/kg/day if intermediary metabolism "
        "TMPT) (the dose of methotrexate will not exceed 25mg/kg/week wathever the weight of the patient), "
        "steroids < or = 10 mg/d"
    )
    regimen = regimen_of(text, ("Methotrexate", None))
    assert [(d.dose, d.unit) for d in regimen.drugs if d.dose is not None] == [(0.3, "mg/kg")]
    # a second dose of the same drug after "or" stays its own
    regimen = regimen_of("Methotrexate 10 mg or 15 mg weekly", ("Methotrexate", None))
    assert sorted(d.dose for d in regimen.drugs if d.dose is not None) == [10.0, 15.0]


def test_the_gate_withholds_a_dose_written_right_before_another_drugs_name() -> None:
    # the pairing NCT05687266 got before its fix: pembrolizumab read with pemetrexed's 500 mg/m2
    arm = (
        DrugDose(
            key="pembrolizumab",
            drug="Pembrolizumab",
            dose=500.0,
            unit="mg/m2",
            dose_text="500 mg/m2",
            verbatim="200 mg pembrolizumab plus 500 mg/m2",
        ),
        DrugDose(key="pemetrexed", drug="Pemetrexed", verbatim="pemetrexed plus either"),
    )
    sources = ("Receive 200 mg pembrolizumab plus 500 mg/m2 pemetrexed plus either AUC 5 carboplatin",)
    [pembrolizumab, _] = withhold_doubtful(arm, {}, _Report(), source_texts=sources)
    assert pembrolizumab.dose is None and pembrolizumab.verbatim == arm[0].verbatim
    # the same dose right after the drug's own name stays ("Ropivacaine 0.125g Clonidine 80 mcg")
    own = (
        DrugDose(
            key="ropivacaine",
            drug="Ropivacaine",
            dose=0.125,
            unit="g",
            dose_text="0.125g",
            verbatim="Ropivacaine 0.125g",
        ),
        DrugDose(
            key="clonidine",
            drug="Clonidine",
            dose=80.0,
            unit="ug",
            dose_text="80 mcg",
            verbatim="Clonidine 80 mcg",
        ),
    )
    kept = withhold_doubtful(own, {}, _Report(), source_texts=("Ropivacaine 0.125g Clonidine 80 mcg",))
    assert [d.dose for d in kept] == [0.125, 80.0]


class _Report:
    def add(self, field_path: str, message: str, drug: str | None = None, severity: str = "warning") -> None:
        del field_path, message, drug, severity
