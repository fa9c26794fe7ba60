"""The regimen parser says exactly what the trial says (issue 10, defects 7 to 13), on the real records that
showed each defect and on small records made here.

Each real record is named by its NCT id (fixtures/ctgov/, fixtures/ctgov-xml/, copies of shared/ctgov/). The
builders' side of the same defects (FHIR elements) is in tests/resources/test_plan_definition.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fhir_adapter.sources import Arm, Intervention, TrialRecord, read_trials
from fhir_adapter.text import DrugDose, Regimen, parse_regimen
from fhir_adapter.text.regimen.doses import find_doses
from tests.conftest import CTGOV, FIXTURES, SEED

KNOWN = frozenset({"carboplatin", "cyclophosphamide", "docetaxel", "capecitabine", "paclitaxel"})


def trial_of(nct_id: str) -> TrialRecord:
    path = CTGOV / f"{nct_id}.json"
    [trial] = list(read_trials([path if path.exists() else FIXTURES / "ctgov-xml" / f"{nct_id}.xml"]))
    assert isinstance(trial, TrialRecord)
    return trial


def arm_regimen(nct_id: str, label: str | None = None) -> Regimen:
    trial = trial_of(nct_id)
    arm = next(a for a in trial.arms if label is None or a.label == label)
    return parse_regimen(trial, arm, known_drugs=KNOWN)


def regimen_of(arm_text: str | None, *interventions: tuple[str, str | None]) -> Regimen:
    linked = tuple(Intervention("DRUG", name, text, ("Arm",)) for name, text in interventions)
    arm = Arm("Arm", "EXPERIMENTAL", arm_text, tuple(i.label for i in linked))
    trial = TrialRecord("NCT00000000", "test", arms=(arm,), interventions=linked)
    return parse_regimen(trial, arm, known_drugs=KNOWN)


def dose_of(regimen: Regimen, name: str, dose: float | None = None) -> DrugDose:
    found = [d for d in regimen.drugs if name in (n.lower() for n in d.names) and dose in (None, d.dose)]
    assert len(found) == 1, [(d.drug, d.dose) for d in regimen.drugs]
    return found[0]


def texts(regimen: Regimen) -> list[str]:
    drugs = [
        t for d in regimen.drugs for t in (d.verbatim, d.dose_text or "", d.condition and d.condition.text)
    ]
    return [t for t in (*drugs, regimen.cycle_text, regimen.until_text) if t]


# Defect 7: CT.gov's Markdown escapes never reach a text the builders write.


def test_seed_dexamethasone_text_reads_greater_than_75_years_without_the_escape() -> None:
    [trial] = list(read_trials([SEED]))
    assert isinstance(trial, TrialRecord) and "\\>75 years" in (trial.interventions[0].description or "")
    regimen = parse_regimen(trial, trial.arms[0])
    dexamethasone = dose_of(regimen, "dexamethasone", 20)
    assert ">75 years: 20 mg/day" in dexamethasone.verbatim
    assert all("\\" not in text for text in texts(regimen))


@pytest.mark.parametrize(("nct_id", "written"), [("NCT04501120", "2mg/m^2"), ("NCT05378763", "75 mg/m^2")])
def test_escaped_caret_is_read_and_written_plain(nct_id: str, written: str) -> None:
    regimens = [parse_regimen(trial_of(nct_id), arm) for arm in trial_of(nct_id).arms]
    all_texts = [t for r in regimens for t in texts(r)]
    assert any(written in t for t in all_texts) and all("\\" not in t for t in all_texts)


# Defect 9: a length of treatment written right after the dose.


@pytest.mark.parametrize(
    ("drug", "dose", "unit", "per_day", "days"),
    [
        ("treosulfan", 14, "g/m2", False, 3),  # "14g/m² BS, 3 days"
        ("fludarabine", 30, "mg/m2", False, 5),  # "30 mg/m² BS, 5 days"
        ("atg thymo", 2.5, "mg/kg", True, 3),  # "MD: ATG Thymo: 2,5mg/kg BW/d 3 days."
    ],
)
def test_nct01949129_doses_keep_their_days_of_treatment(
    drug: str, dose: float, unit: str, per_day: bool, days: int
) -> None:
    found = dose_of(arm_regimen("NCT01949129", "Flu/Thio/Treo"), drug, dose)
    assert (found.unit, found.per_day) == (unit, per_day)
    assert found.duration and (found.duration.value, found.duration.unit) == (days, "d")


def test_nct01949129_cyclophosphamide_is_50_mg_kg_a_day_for_2_days() -> None:
    # "50mg/kg BW/d 2 days with Mesna"
    cyclophosphamide = dose_of(arm_regimen("NCT01949129", "Flu/Thio/ivBu"), "cyclophosphamide")
    assert (cyclophosphamide.dose, cyclophosphamide.unit, cyclophosphamide.per_day) == (50, "mg/kg", True)
    assert cyclophosphamide.duration and cyclophosphamide.duration.value == 2


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("X 100 mg/m2/day x 5 days", (5, "d")),
        ("X 20 mg, 2 weeks", (2, "wk")),
        ("X 20 mg 2 days per week", None),
        ("X 40 mg 2 days before surgery", None),
        ("X 40 mg on days 1-5", None),
    ],
    ids=["times_days", "comma_weeks", "days_per_week_is_a_pattern", "days_before_is_an_offset", "day_list"],
)
def test_a_length_of_treatment_right_after_a_dose_is_read(
    text: str, duration: tuple[int, str] | None
) -> None:
    found = dose_of(regimen_of(text, ("X", None)), "x").duration
    assert ((found.value, found.unit) if found else None) == duration


# Defect 10: the clause that stops treatment, as written.


def test_seed_stops_until_disease_progression_or_intolerable_toxicity() -> None:
    [trial] = list(read_trials([SEED]))
    assert isinstance(trial, TrialRecord)
    regimen = parse_regimen(trial, trial.arms[0])
    assert regimen.until_progression
    assert regimen.until_text == "until disease progression or intolerable toxicity occurs"


def test_nct04267848_stops_in_the_absence_of_progression_or_unacceptable_toxicity() -> None:
    regimen = arm_regimen("NCT04267848", "Arm B (platinum doublet, sequential pembrolizumab)")
    assert regimen.until_text == "in the absence of disease progression or unacceptable toxicity"


def test_no_stop_clause_when_none_is_written() -> None:
    regimen = regimen_of("X 10 mg daily on days 1-21 of each 28-day cycle", ("X", None))
    assert (regimen.until_progression, regimen.until_text) == (False, None)


# Defect 11: target AUC, volumes, flows, cell doses and international units are read as written.


@pytest.mark.parametrize(
    ("text", "dose", "high", "unit"),
    [
        ("carboplatin AUC 6 IV on day 1", 6, None, "AUC"),
        ("carboplatin (AUC 5 mg/mL/min) IV on day 1", 5, None, "AUC"),
        ("carboplatin AUC 5-6 IV on day 1", 5, 6, "AUC"),
        ("X 0.5 mL intramuscular injection", 0.5, None, "mL"),
        ("X 15 mL/kg IV", 15, None, "mL/kg"),
        ("X between 1-9 L/min", 1, 9, "L/min"),
        ("X 2 x 10^6 CAR+ T cells/kg IV on day 0", 2e6, None, "cells/kg"),
        ("X 1-5 x 10^6 cells per kg IV", 1e6, 5e6, "cells/kg"),
        ("X 2500 IU/m2 IM on day 4", 2500, None, "IU/m2"),
        ("X 5000 international units SC", 5000, None, "IU"),
    ],
    ids=[
        "auc",
        "auc_with_unit",
        "auc_range",
        "ml",
        "ml_per_kg",
        "flow",
        "cells_per_kg",
        "cells_per_kg_words",
        "iu_per_m2",
        "international_units",
    ],
)
def test_dose_units_beyond_mass_are_read_as_written(
    text: str, dose: float, high: float | None, unit: str
) -> None:
    name = "carboplatin" if text.startswith("carboplatin") else "x"
    found = dose_of(regimen_of(text, ("Carboplatin" if name == "carboplatin" else "X", None)), name)
    assert (found.dose, found.dose_high, found.unit) == (dose, high, unit)
    assert found.is_rate == (unit == "L/min")


def test_auc_6_is_never_6_mg_in_any_fixture() -> None:
    trial = trial_of("NCT00576225")  # "carboplatin (AUC 6, 30 min IV infusion) on day 1 of each 21-day cycle"
    for arm in trial.arms:
        carboplatin = dose_of(parse_regimen(trial, arm, known_drugs=KNOWN), "carboplatin")
        assert (carboplatin.dose, carboplatin.unit) == (6, "AUC")


def test_nct02967393_vaccine_is_half_a_millilitre() -> None:
    found = dose_of(arm_regimen("NCT02967393", "IIV4"), "iiv4")
    assert (found.dose, found.unit, found.route) == (0.5, "mL", "intramuscular")


def test_nct03511846_oxygen_flow_is_a_rate() -> None:
    found = dose_of(arm_regimen("NCT03511846", "Oral Capsaicin and Low Flow Oxygen"), "low flow oxygen")
    assert (found.dose, found.dose_high, found.unit, found.is_rate) == (1, 9, "L/min", True)


@pytest.mark.parametrize(
    "text",
    ["docetaxel 75 mg/m2 in 250 mL normal saline IV", "docetaxel 75 mg/m2 IV with 500 mL of saline"],
    ids=["diluted_in", "volume_of_saline"],
)
def test_a_volume_to_dilute_in_is_not_a_dose(text: str) -> None:
    regimen = regimen_of(text, ("Docetaxel", None))
    assert [(d.dose, d.unit) for d in regimen.drugs] == [(75, "mg/m2")]
    assert any(i.severity == "information" and "volume" in i.message for i in regimen.issues)


def test_nct00711542_bone_marrow_volume_is_where_cells_come_from_not_their_dose() -> None:
    # "progenitor cells isolated from 50 ml bone marrow aspirate"
    regimen = arm_regimen("NCT00711542", "1")
    assert all(d.dose is None for d in regimen.drugs)
    assert any("'from 50 ml'" in i.message and i.severity == "information" for i in regimen.issues)


def test_an_infusion_rate_is_not_a_dose() -> None:
    regimen = regimen_of("X 20 mg/kg/h continuous infusion", ("X", None))
    assert [d.dose for d in regimen.drugs] == [None]


# Defect 12: a dose belongs to the drug its clause names, however arm and intervention texts are split.

TC = "docetaxel 75 mg/m2 and cyclophosphamide 600 mg/m2 IV on day 1 of each 21-day cycle"


@pytest.mark.parametrize(
    ("arm_text", "docetaxel_text", "cyclophosphamide_text"),
    [
        (TC, None, None),
        (None, TC, None),
        (None, None, TC),
        ("TC: " + TC, "Docetaxel 75 mg/m2", "Cyclophosphamide 600 mg/m2 IV"),
        (TC, "docetaxel 75 mg/m2 IV on day 1", "cyclophosphamide 600 mg/m2 IV on day 1"),
    ],
    ids=["arm_only", "docetaxel_text_only", "cyclophosphamide_text_only", "arm_and_doses", "everywhere"],
)
def test_each_drug_of_a_shared_clause_gets_its_own_dose_and_days(
    arm_text: str | None, docetaxel_text: str | None, cyclophosphamide_text: str | None
) -> None:
    regimen = regimen_of(arm_text, ("Docetaxel", docetaxel_text), ("Cyclophosphamide", cyclophosphamide_text))
    docetaxel, cyclophosphamide = dose_of(regimen, "docetaxel"), dose_of(regimen, "cyclophosphamide")
    assert (docetaxel.dose, docetaxel.unit, docetaxel.days) == (75, "mg/m2", (1,))
    assert (cyclophosphamide.dose, cyclophosphamide.unit, cyclophosphamide.days) == (600, "mg/m2", (1,))
    assert regimen.cycle_length_days == 21
    assert "on day 1" in docetaxel.verbatim


def test_a_schedule_written_with_another_route_is_that_drugs_own() -> None:
    regimen = regimen_of(
        "docetaxel 75 mg/m2 IV and capecitabine 1000 mg/m2 PO BID on days 1-14 of each 21-day cycle",
        ("Docetaxel", None),
        ("Capecitabine", None),
    )
    docetaxel, capecitabine = dose_of(regimen, "docetaxel"), dose_of(regimen, "capecitabine")
    assert (docetaxel.route, docetaxel.days, docetaxel.frequency) == ("intravenous", None, None)
    assert capecitabine.days == tuple(range(1, 15)) and capecitabine.frequency
    assert capecitabine.frequency.times == 2


def test_respectively_is_not_one_schedule_for_both() -> None:
    regimen = regimen_of(
        "docetaxel 75 mg/m2 and cyclophosphamide 600 mg/m2 on day 1 and day 8, respectively",
        ("Docetaxel", None),
        ("Cyclophosphamide", None),
    )
    assert dose_of(regimen, "docetaxel").days is None


def test_nct00576225_paclitaxel_and_carboplatin_each_on_day_1() -> None:
    # "Paclitaxel (175 mg/m2, 3 hr IV infusion) and carboplatin (AUC 6) (30 minute IV infusion) on day 1 ..."
    regimen = arm_regimen("NCT00576225", "Control")
    paclitaxel, carboplatin = dose_of(regimen, "paclitaxel"), dose_of(regimen, "carboplatin")
    assert (paclitaxel.dose, paclitaxel.unit, paclitaxel.days) == (175, "mg/m2", (1,))
    assert (carboplatin.dose, carboplatin.unit, carboplatin.days) == (6, "AUC", (1,))
    assert paclitaxel.verbatim.endswith("on day 1 of each 21-day cycle for up to 6 cycles.")


def test_nct03937544_the_car_t_infusion_is_not_the_chemotherapys_frequency() -> None:
    # "fludarabine and cyclophosphamide will be administered followed by a single infusion of CAR ... T cells"
    regimen = arm_regimen("NCT03937544")
    for name, dose in (("fludarabine", 25), ("cyclophosphamide", 250)):
        drug = dose_of(regimen, name)
        assert (drug.dose, drug.per_day, drug.days, drug.frequency) == (dose, True, (-5, -4, -3), None)


# Defect 13: times of day.


def test_seed_atra_is_given_in_the_morning_and_in_the_evening() -> None:
    [trial] = list(read_trials([SEED]))
    assert isinstance(trial, TrialRecord)
    atra = dose_of(parse_regimen(trial, trial.arms[0]), "all-trans retinoic acid")
    assert atra.times == ("morning", "evening")


def test_nct02387086_thalidomide_is_taken_at_night() -> None:
    # "thalidomide will be administered at 100mg QD at night continuously"
    thalidomide = dose_of(arm_regimen("NCT02387086", "A:gefitinib and thalidomide/aspirin"), "thalidomide")
    assert (thalidomide.dose, thalidomide.times) == (100, ("night",))


def test_each_dose_keeps_its_own_time_of_day() -> None:
    regimen = regimen_of("X 10 mg in the morning and 5 mg in the evening", ("X", None))
    assert [(d.dose, d.times) for d in regimen.drugs] == [(10, ("morning",)), (5, ("evening",))]


def test_a_time_word_that_is_not_a_dose_time_is_not_read() -> None:
    assert dose_of(regimen_of("X 10 mg daily; good morning", ("X", None)), "x").times == ()


# Every dosing phrase read but left as text is an information finding naming trial, arm, drug and field.


def test_nct00023673_weekly_written_before_the_drug_is_reported_not_dropped() -> None:
    # "concurrent chemotherapy consisting of weekly paclitaxel at 50mg/m2 and carboplatin at ..."
    label = "Phase I: 75.25 Gy/36 fx + chemotherapy"
    regimen = arm_regimen("NCT00023673", label)
    [finding] = [i for i in regimen.issues if "'weekly'" in i.message]
    assert finding.severity == "information" and "tied to no dose" in finding.message
    assert (finding.nct_id, finding.arm) == ("NCT00023673", label)
    assert finding.field == "protocolSection.armsInterventionsModule.armGroups[0].description"


def test_a_second_writing_of_a_fact_a_dose_took_is_not_reported() -> None:
    # NCT02465060: "afatinib orally (PO) once daily (QD) on days 1-28"
    regimen = regimen_of("X 40 mg orally (PO) once daily (QD) on days 1-28", ("X", None))
    assert not [i for i in regimen.issues if i.severity == "information"]


def test_a_frequency_after_the_last_dose_of_another_step_is_reported_with_its_drug() -> None:
    regimen = regimen_of("X 10 mg on day 1. Patients are seen weekly.", ("X", None))
    [finding] = [i for i in regimen.issues if i.severity == "information"]
    assert (finding.drug, finding.arm) == ("X", "Arm") and "'weekly'" in finding.message


@pytest.mark.parametrize("path", sorted((FIXTURES / "ctgov").glob("*.json")), ids=lambda p: p.stem)
def test_every_fixture_finding_names_trial_arm_and_field(path: Path) -> None:
    [trial] = list(read_trials([path]))
    assert isinstance(trial, TrialRecord)
    for arm in trial.arms:
        for issue in parse_regimen(trial, arm, known_drugs=KNOWN).issues:
            assert issue.nct_id == trial.nct_id and issue.arm == arm.label
            assert issue.field.startswith("protocolSection.armsInterventionsModule.")
            assert issue.severity in ("warning", "information")


# Issue 11: the parser reads a bounded length of text.


def test_a_text_longer_than_the_bound_is_read_that_far_with_a_warning() -> None:
    text = "X 10 mg on day 1. " + "No further dosing words here. " * 400 + "X 20 mg on day 8."
    regimen = regimen_of(None, ("X", text))
    assert [d.dose for d in regimen.drugs] == [10]
    [warning] = [i for i in regimen.issues if "characters" in i.message]
    assert warning.message == f"text of {len(text)} characters; only the first 10000 are read for dosing"
    assert warning.severity == "warning" and warning.field.endswith("interventions[0].description")


def test_a_unit_letter_run_into_a_code_is_no_dose() -> None:
    # Shape of a mutation name in an arm text ("Exon 18 G719X"): "18 G" followed by digits is no 18 g.
    assert [d.value for d in find_doses("patients with exon 18 G719X mutations get drug X")] == []
    assert [(d.value, d.unit) for d in find_doses("drug X 18 g, then 5 mg/m2")] == [
        (18.0, "g"),
        (5.0, "mg/m2"),
    ]


def test_an_auc_target_in_its_own_exposure_unit_is_never_carboplatins_unit() -> None:
    # A busulfan-style target "AUC 60-65 mg/L x hr" is not "AUC 6" (mg/mL.min): read in its own unit, mg.h/L;
    # one in an exposure unit not known ("umol/L") is left unread, with its doubt.
    [dose] = find_doses("busulfan AUC 60-65 mg/L x hr IV every 12 hours")
    assert (dose.value, dose.high, dose.unit) == (60, 65, "AUC mg/L.h")
    [dose] = find_doses("busulfan AUC 900-1350 umol/L IV every 12 hours")
    assert dose.value is None and dose.doubt == "an AUC target in another exposure unit"


def test_route_alternatives_are_one_dose_or_the_other_each_with_its_route() -> None:
    # NCT05798663's wording: the route written before "at a dosage of" is that dose's, and the two doses are a
    # choice (giving both would double the dose).
    regimen = regimen_of(
        None,
        (
            "Atezolizumab",
            "Atezolizumab will be given either intravenously at a dosage of 1200mg or subcutaneously at a "
            "dosage of 1875 mg on Day 1 of each 21-day cycle.",
        ),
    )
    intravenous, subcutaneous = dose_of(regimen, "atezolizumab", 1200), dose_of(regimen, "atezolizumab", 1875)
    assert (intravenous.route, subcutaneous.route) == ("intravenous", "subcutaneous")
    assert intravenous.condition and intravenous.condition.kind == "choice"
    assert intravenous.condition == subcutaneous.condition
    assert intravenous.days == subcutaneous.days == (1,)


def test_a_clause_for_another_lettered_arm_is_not_this_arms() -> None:
    text = (
        "Tiragolumab will be given intravenously at a dosage of 600 mg on day 1 of each 21-day cycle (Arms A "
        "and B), and on days 1 and 22 of concurrent chemoradiotherapy (Arm B only)."
    )
    linked = (Intervention("DRUG", "Tiragolumab", text, ("Arm A: T", "Arm B: T")),)
    arms = [Arm(label, "EXPERIMENTAL", None, ("Tiragolumab",)) for label in ("Arm A: T", "Arm B: T")]
    trial = TrialRecord("NCT00000000", "test", arms=tuple(arms), interventions=linked)
    arm_a, arm_b = (parse_regimen(trial, arm, known_drugs=KNOWN).drugs for arm in arms)
    assert [d.days for d in arm_a] == [(1,)]
    assert [d.days for d in arm_b] != [(1,)]  # arm B has both schedules: never day 1 alone


def test_a_partner_drug_named_alone_keeps_its_own_days() -> None:
    # NCT04646330's wording: anlotinib's days 1-14 are not the AK104 infusion's.
    regimen = regimen_of(
        "Subjects receive AK104 15mg/kg intravenously (IV) plus anlotinib on Day 1-14 of every 3-week cycle (Q3W).",
        ("AK104", None),
        ("Anlotinib", None),
    )
    assert dose_of(regimen, "ak104").days is None
    assert dose_of(regimen, "anlotinib").days == tuple(range(1, 15))
