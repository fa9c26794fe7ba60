"""The regimen parser on drug abbreviations, days counted from a transplant, and schedule words that belong
to one drug of a list. Each case is a small hand-written record (the NCT id in a comment where the phrasing
comes from)."""

from __future__ import annotations

from fhir_adapter.sources import Arm, Intervention, Mesh, TrialRecord
from fhir_adapter.text import Regimen, parse_regimen
from fhir_adapter.text.regimen.lexicon import builtin_abbreviations
from tests.text.test_regimen import KNOWN, messages, only, regimen_of


def conditioning(text: str, *, meshes: tuple[str, ...] = (), other_names: tuple[str, ...] = ()) -> Regimen:
    """Return the regimen of one arm linked to an intervention "Conditioning" described by `text`."""
    intervention = Intervention("DRUG", "Conditioning", text, ("Arm",), other_names)
    arm = Arm("Arm", "EXPERIMENTAL", None, ("Drug: Conditioning",))
    mesh_terms = tuple(Mesh(f"D{i:06d}", term) for i, term in enumerate(meshes))
    trial = TrialRecord(
        "NCT00000000", "test", arms=(arm,), interventions=(intervention,), intervention_meshes=mesh_terms
    )
    return parse_regimen(trial, arm, known_drugs=KNOWN)


def doses(regimen: Regimen) -> dict[str, tuple[float | None, str | None, tuple[int, ...] | None]]:
    return {d.drug: (d.dose, d.unit, d.days) for d in regimen.drugs if d.dose is not None}


def test_the_abbreviation_table_is_data_with_rows_spelled_as_written() -> None:
    rows = dict(builtin_abbreviations())
    assert rows["Ara-C"] == "cytarabine" and rows["Bu"] == "busulfan"


def test_an_abbreviation_of_a_drug_the_record_names_doses_that_drug() -> None:
    # NCT05739630: the MeSH terms name busulfan and fludarabine, the text writes "Bu" and "Flu"
    regimen = conditioning("Bu 3.2mg/kg -5 to -4, Flu 30mg/m2 -12 to -9", meshes=("Busulfan", "Fludarabine"))
    assert doses(regimen) == {
        "Busulfan": (3.2, "mg/kg", (-5, -4)),
        "Fludarabine": (30, "mg/m2", (-12, -11, -10, -9)),
    }


def test_an_abbreviation_of_a_drug_the_record_does_not_name_is_no_drug() -> None:
    # "Flu" is also influenza: without fludarabine in the record it names nothing, and its dose is reported
    regimen = conditioning("Flu 30mg/m2 -12 to -9")
    assert doses(regimen) == {}
    assert any("not written next to a drug name" in m for m in messages(regimen))


def test_an_abbreviation_is_read_only_as_spelled_or_in_capitals() -> None:
    regimen = conditioning("BU 3.2 mg/kg -7 to -5", meshes=("Busulfan",))
    assert doses(regimen) == {"Busulfan": (3.2, "mg/kg", (-7, -6, -5))}
    assert doses(conditioning("bu 3.2 mg/kg -7 to -5", meshes=("Busulfan",))) == {}


def test_an_abbreviation_written_in_an_other_name_brings_its_drug() -> None:
    # NCT03873311: other name "Azacytidine, HAG Regimen (HHT Cytarabine G-CSF)"; no lexicon knows HHT
    text = "HAG Regimen（Homoharringtonine(HHT) 1mg/(m2.d) for 14 days, G-CSF 200ug/(m2.d) for 14 days)"
    regimen = conditioning(text, other_names=("HAG Regimen (HHT Cytarabine G-CSF)",))
    drugs = {d.drug: d for d in regimen.drugs if d.dose is not None}
    assert (drugs["HHT"].dose, drugs["HHT"].unit, drugs["HHT"].per_day) == (1, "mg/m2", True)
    assert drugs["HHT"].aliases == ("homoharringtonine",)
    assert (drugs["G-CSF"].dose, drugs["G-CSF"].unit) == (200, "ug/m2")


def test_signed_days_right_after_a_dose_are_its_days() -> None:
    # NCT05739630 (BuCy group)
    text = (
        "Ara-C 2g/m2 q12h -8, MTX 15mg/m2 +1d, 10mg/m2 +3,+6,+11, CsA 3mg/kg/d from -8d,MMF 1g q12h from -8d"
    )
    regimen = conditioning(
        text, meshes=("Cytarabine", "Methotrexate", "Cyclosporine", "Mycophenolate Mofetil")
    )
    assert [(d.drug, d.dose, d.days) for d in regimen.drugs if d.dose] == [
        ("Cytarabine", 2, (-8,)),
        ("Methotrexate", 15, (1,)),
        ("Methotrexate", 10, (3, 6, 11)),
        ("Cyclosporine", 3, None),  # "from -8d" is when it starts, not a day it is given on
        ("Mycophenolate Mofetil", 1, None),
    ]


def test_a_daily_dose_does_not_take_the_next_drugs_frequency() -> None:
    text = "CsA 3mg/kg/d from -8d,MMF 1g q12h from -8d"  # NCT05739630
    regimen = conditioning(text, meshes=("Cyclosporine", "Mycophenolate Mofetil"))
    frequencies = {d.drug: d.frequency.times if d.frequency else None for d in regimen.drugs}
    assert frequencies == {"Cyclosporine": None, "Mycophenolate Mofetil": 2}
    assert [d.per_day for d in regimen.drugs] == [True, False]


def test_a_drug_before_another_drugs_signed_days_does_not_take_them() -> None:
    # NCT05739630: "Mitoxantrone liposomes with 36mg/m2 and Bu 3.2mg/kg -5 to -4": the days are busulfan's
    text = "Mitoxantrone liposomes with 36mg/m2 and Bu 3.2mg/kg -5 to -4"
    regimen = conditioning(text, meshes=("Mitoxantrone Liposome", "Busulfan"))
    assert [(d.dose, d.days) for d in regimen.drugs if d.dose] == [(36, None), (3.2, (-5, -4))]


def test_unsigned_or_unit_numbers_after_a_dose_are_no_days() -> None:
    for text in ("X 10 mg -5 mg", "X 5 mg -3 to 4", "X 2 mg +2.5", "X 2 mg - 4 mg"):
        assert all(d.days is None for d in regimen_of(None, ("X", text)).drugs), text


def test_doses_written_before_each_of_two_names_are_each_drugs() -> None:
    # NCT05905055: "2 g cefepime and 1 g nacubactam q8h"; the intervention name opens with "co-administration of"
    regimen = regimen_of(
        None, ("co-administration of cefepime and nacubactam", "2 g cefepime and 1 g nacubactam q8h")
    )
    assert [(d.drug, d.dose, d.unit) for d in regimen.drugs] == [("cefepime", 2, "g"), ("nacubactam", 1, "g")]


def test_a_dose_written_with_its_unit_abbreviation_before_a_name_is_that_drugs() -> None:
    # NCT05813925: "2.4 milligrams (mg) cagrilintide and 2.4 mg semaglutide ... (0.25 mg of cagrilintide ...)"
    text = "2.4 milligrams (mg) cagrilintide and 2.4 mg semaglutide OW (0.25 mg of cagrilintide and 0.5 mg of semaglutide)"
    regimen = regimen_of(None, ("Cagrilintide", text), ("Semaglutide", None))
    assert sorted((d.drug, d.dose) for d in regimen.drugs) == [
        ("Cagrilintide", 0.25),
        ("Cagrilintide", 2.4),
        ("Semaglutide", 0.5),
        ("Semaglutide", 2.4),
    ]


def test_a_dose_after_another_dosed_name_is_not_taken_back() -> None:
    # A name followed by a dose and then another name: the dose stays with the first name
    regimen = regimen_of(None, ("Cefepime", "cefepime 2 g nacubactam 1 g"), ("Nacubactam", None))
    assert [(d.drug, d.dose) for d in regimen.drugs] == [("Cefepime", 2), ("Nacubactam", 1)]


def test_an_arm_that_writes_the_interventions_dose_and_its_escalation_gives_them_all() -> None:
    # NCT05813925: the arm writes the maintenance dose and the escalation steps, the intervention only the first
    arm = "semaglutide s.c. 2.4 mg OW after a dose escalation period (0.25 mg for weeks 0-4, 0.5 mg for weeks 5-8)"
    regimen = regimen_of(arm, ("Semaglutide", "Participants will receive 2.4 mg semaglutide s.c. OW"))
    assert [d.dose for d in regimen.drugs] == [2.4, 0.25, 0.5]
    assert regimen.drugs[0].frequency is not None and regimen.drugs[0].frequency.unit == "wk"


def test_an_arm_dose_in_another_unit_than_the_interventions_is_still_a_conflict() -> None:
    regimen = regimen_of("Semaglutide 2.4 mg and 10 mL", ("Semaglutide", "Semaglutide 2.4 mg"))
    assert only(regimen).dose is None
    assert any("no dose emitted" in m for m in messages(regimen))


def test_the_interventions_frequency_is_lent_only_to_its_own_dose_of_an_escalation() -> None:
    # NCT05813925: the intervention's "2.4 mg ... OW" is the maintenance dose's; the arm's steps state none
    arm = "Cagrilintide 2.4 mg after a dose escalation period (0.25 mg for weeks 0-4, 0.5 mg for weeks 5-8)"
    regimen = regimen_of(arm, ("Cagrilintide", "Participants will receive 2.4 mg cagrilintide s.c. OW"))
    assert [(d.dose, d.frequency.unit if d.frequency else None) for d in regimen.drugs] == [
        (2.4, "wk"),
        (0.25, None),
        (0.5, None),
    ]


def test_a_drug_named_again_for_its_placebo_does_not_start_a_second_passage() -> None:
    # NCT05813925: "semaglutide s.c. 2.4 mg and placebo matched to semaglutide OW after a dose escalation period
    # of 16 weeks (0.25 mg for weeks 0-4 ...)": OW is the 2.4 mg's, written after it, not the steps'
    arm = "semaglutide s.c. 2.4 mg and placebo matched to semaglutide OW after a dose escalation (0.25 mg for weeks 0-4)"
    regimen = regimen_of(arm, ("Semaglutide", None))
    assert [(d.dose, d.frequency.unit if d.frequency else None) for d in regimen.drugs] == [
        (2.4, "wk"),
        (0.25, None),
    ]


def test_negative_day_ranges_written_with_a_spaced_d_or_a_stray_hyphen_are_read() -> None:
    # NCT05870995: "Cladribine: 5mg/m2 day -21 to d -17 cytarabine: 1g/m2 day -21- to d -17"
    text = "Cladribine: 5mg/m2 day -21 to d -17 cytarabine: 1g/m2 day -21- to d -17"
    regimen = conditioning(text, meshes=("Cytarabine",))
    days = tuple(range(-21, -16))
    assert doses(regimen) == {"Cladribine": (5, "mg/m2", days), "Cytarabine": (1, "g/m2", days)}


def test_days_of_each_cycle_written_after_their_numbers_are_days() -> None:
    # NCT04646330: "anlotinib 1-14days of every 3-week cycle"
    regimen = regimen_of(
        "X 10mg/kg Q3W plus anlotinib 1-14days of every 3-week cycle", ("X", None), ("Anlotinib", None)
    )
    assert [(d.drug, d.days) for d in regimen.drugs if d.days] == [("Anlotinib", tuple(range(1, 15)))]
    # a length is no list of days
    assert all(d.days is None for d in regimen_of(None, ("X", "X 5 mg for 5-7 days of each cycle")).drugs)


def test_a_later_sentence_on_a_dosed_drug_gives_the_dose_its_days() -> None:
    # NCT06945705: "Anlotinib: 8 mg per day, orally administered.The treatment cycle is every 3 weeks, with each
    # cycle lasting 21 days. Anlotinib are taken on Days 1-14 of each cycle."
    text = (
        "Anlotinib: 8 mg per day, orally administered.The treatment cycle is every 3 weeks, with each cycle "
        "lasting 21 days. Anlotinib are taken on Days 1-14 of each cycle."
    )
    drug = only(regimen_of(None, ("Anlotinib", text)))
    assert (drug.dose, drug.per_day, drug.days) == (8, True, tuple(range(1, 15)))


def test_a_day_list_after_another_items_name_is_not_the_doses() -> None:
    # NCT05870995: "... or Fludarabine 30mg/m2 day -7 to -3 Total marrow irradiation day-5 to -3 PBSC: day 0"
    text = "Fludarabine 30mg/m2 day -7 to -3 Total marrow irradiation day-5 to -3 PBSC: day 0"
    assert only(regimen_of(None, ("Fludarabine", text))).days == (-7, -6, -5, -4, -3)
    # lists joined by connecting words are one dose's
    text = "Fludarabine 30mg/m2 on days 1-2 of each cycle and on days 8, 9"
    assert only(regimen_of(None, ("Fludarabine", text))).days == (1, 2, 8, 9)


def test_an_other_name_listing_a_products_ingredients_gives_no_aliases() -> None:
    # NCT03826992: Vyxeos, other name "cytarabine and daunorubicin liposome, CPX-351": cytarabine's dose is not
    # Vyxeos's
    vyxeos = Intervention(
        "DRUG",
        "Vyxeos",
        "Vyxeos Dose: daunorubicin 44 mg/m2 and cytarabine 100 mg/m2 on Days 1, 3, and 5.",
        ("Arm",),
        ("cytarabine and daunorubicin liposome, CPX-351",),
    )
    arm = Arm("Arm", "EXPERIMENTAL", None, ("Drug: Vyxeos",))
    trial = TrialRecord("NCT00000000", "test", arms=(arm,), interventions=(vyxeos,))
    drugs = parse_regimen(trial, arm, known_drugs=KNOWN | {"cytarabine", "daunorubicin"}).drugs
    assert {(d.names, d.dose) for d in drugs if d.dose} == {(("daunorubicin",), 44), (("cytarabine",), 100)}


def test_a_busulfan_target_exposure_is_read_in_its_own_unit() -> None:
    # NCT02724163: "Busulfan Area Under the Curve (AUC) 70-100mg/L x hr ... on days -10 to -7"
    text = "Busulfan Area Under the Curve (AUC) 70-100mg/L x hr by IV infusion over 3 hours on days -10 to -7"
    drug = only(regimen_of(None, ("Busulfan", text)))
    assert (drug.dose, drug.dose_high, drug.unit, drug.days) == (70, 100, "AUC mg/L.h", (-10, -9, -8, -7))
    # a concentration alone is no exposure: left out, reported
    regimen = regimen_of(None, ("Busulfan", "Busulfan AUC 5 mg/L"))
    assert only(regimen).dose is None
    assert any("another exposure unit" in m for m in messages(regimen))


def test_a_cohort_text_in_a_trial_without_drug_interventions_gives_its_doses_with_a_warning() -> None:
    # NCT05682924: the only intervention is a blood test; the cohorts "receive bosutinib at a dose of 500 mg / day"
    text = "35 patients aged 40 to 60 years, receiving bosutinib at a dose of 500 mg / day"
    regimen = regimen_of(text, ("Taking blood", "Blood samples"), kind="DIAGNOSTIC_TEST")
    assert [(d.drug, d.dose, d.unit, d.per_day) for d in regimen.drugs] == [("bosutinib", 500, "mg", True)]
    assert any("not an intervention of the record" in m for m in messages(regimen))
    # a name without a dose is no drug of the arm
    assert (
        regimen_of("patients receiving bosutinib", ("Taking blood", None), kind="DIAGNOSTIC_TEST")
        == Regimen()
    )


def test_an_arm_without_a_drug_in_a_trial_with_drugs_doses_nothing() -> None:
    drug = Intervention("DRUG", "Bosutinib", "Bosutinib 500 mg daily", ("Drug arm",))
    test = Intervention("DIAGNOSTIC_TEST", "Blood test", None, ("Control",))
    arms = (
        Arm("Drug arm", "EXPERIMENTAL", None, ("Drug: Bosutinib",)),
        Arm("Control", "OTHER", "no bosutinib 500 mg / day is given", ("Diagnostic Test: Blood test",)),
    )
    trial = TrialRecord("NCT00000000", "test", arms=arms, interventions=(drug, test))
    assert parse_regimen(trial, arms[1], known_drugs=KNOWN | {"bosutinib"}) == Regimen()


def test_a_combinations_doses_written_pairwise_are_each_drugs() -> None:
    # "Sacubitril/valsartan 97/103 mg": one number per drug, in the order the names are written
    regimen = regimen_of(None, ("Sacubitril/valsartan", "Sacubitril/valsartan 97/103 mg twice daily"))
    assert [(d.drug, d.dose, d.unit, d.frequency.times if d.frequency else None) for d in regimen.drugs] == [
        ("Sacubitril", 97, "mg", 2),
        ("valsartan", 103, "mg", 2),
    ]
    # whole doses joined by "/", and three drugs
    regimen = regimen_of(
        None, ("Cagrilintide/semaglutide", "cagrilintide/semaglutide 2.4 mg/1.7 mg s.c. once weekly")
    )
    assert [(d.drug, d.dose, d.route) for d in regimen.drugs] == [
        ("Cagrilintide", 2.4, "subcutaneous"),
        ("semaglutide", 1.7, "subcutaneous"),
    ]
    text = "bictegravir/emtricitabine/tenofovir alafenamide 50/200/25 mg once daily"
    regimen = regimen_of(None, ("Bictegravir/emtricitabine/tenofovir alafenamide", text))
    assert [d.dose for d in regimen.drugs] == [50, 200, 25]


def test_a_combinations_doses_written_before_its_names_are_each_drugs() -> None:
    # NCT00081588: "600/100 mg tablets of TMC114/rtv BID"
    regimen = regimen_of(None, ("TMC114/rtv", "600/100 mg tablets of TMC114/rtv BID for 144 weeks"))
    assert [(d.drug, d.dose) for d in regimen.drugs] == [("TMC114", 600), ("rtv", 100)]


def test_one_dose_of_a_combination_is_not_its_last_drugs() -> None:
    regimen = regimen_of(None, ("Sacubitril/valsartan", "sacubitril/valsartan 200 mg twice daily"))
    assert all(d.dose is None for d in regimen.drugs)
    assert any("a dose of the combination" in m for m in messages(regimen))
    # numbers that do not match the names one for one are left out as before
    regimen = regimen_of(None, ("Sacubitril/valsartan", "Sacubitril/valsartan 24/26/30 mg"))
    assert all(d.dose is None for d in regimen.drugs)


def test_day_ranges_repeating_d_or_joined_by_a_tilde_and_q21d_are_read() -> None:
    for text, days in (
        ("X 10mg/m2 d1-d3", (1, 2, 3)),
        ("X 10 mg D1-D3", (1, 2, 3)),
        ("X 10 mg days 1～5", (1, 2, 3, 4, 5)),
        ("X 10 mg d1~d5", (1, 2, 3, 4, 5)),
    ):
        assert only(regimen_of(None, ("X", text))).days == days, text
    frequency = only(regimen_of(None, ("X", "X 10 mg iv d1, q21d"))).frequency
    assert frequency is not None and (frequency.times, frequency.period, frequency.unit) == (1, 21, "d")


def test_an_abbreviation_run_on_by_a_hyphen_is_another_word() -> None:
    # "Flu-like symptoms" in a record that names fludarabine is no fludarabine
    assert doses(conditioning("Flu-like symptoms are treated with 500 mg", meshes=("Fludarabine",))) == {}
    assert doses(conditioning("Flu 30mg/m2 -6 to -2", meshes=("Fludarabine",))) == {
        "Fludarabine": (30, "mg/m2", (-6, -5, -4, -3, -2))
    }


def test_a_dose_after_an_unknown_lower_case_name_is_not_the_drugs() -> None:
    # "plus metformin 500 mg", "with aspirin 100 mg", a later sentence "... take metformin 500 mg": another
    # drug's dose, not the arm's drug's; left out and reported
    for text in (
        "Drugx 10 mg daily plus metformin 500 mg twice daily",
        "Drugx 10 mg daily with hydroxyzine 25 mg",
        "Drugx 10 mg daily. Patients also take metformin 500 mg twice daily",
    ):
        regimen = regimen_of(text, ("Drugx", None))
        assert [d.dose for d in regimen.drugs] == [10], text
        assert any("not written next to a drug name" in m for m in messages(regimen)), text
    # dosing words before another dose of the same drug keep it
    regimen = regimen_of("Drugx 10 mg daily, and subsequently 20 mg daily", ("Drugx", None))
    assert [d.dose for d in regimen.drugs] == [10, 20]


def test_a_dose_glued_to_its_drugs_name_is_read() -> None:
    # NCT05333159: "dapagliflozin 10mg once daily dose canagliflozin100mg once daily dose"
    regimen = regimen_of(None, ("Canagliflozin", "canagliflozin100mg once daily"))
    assert (only(regimen).dose, only(regimen).unit) == (100, "mg")
    # a number glued to a code is not a dose
    assert only(regimen_of(None, ("X", "X given with AKB104mg"))).dose is None


def test_a_text_full_of_combination_names_is_read() -> None:
    # hostile text: hundreds of "A/B" pairs and doses (the parser reads its first 10,000 characters); every
    # lookup in pairs.py is by position, so this stays fast
    text = "Sacubitril/valsartan 97/103 mg, " * 400 + "sacubitril/valsartan 1 mg/2 mg " * 300
    regimen = regimen_of(None, ("Sacubitril/valsartan", text))
    assert {(d.drug, d.dose) for d in regimen.drugs} >= {("Sacubitril", 97), ("valsartan", 103)}


def test_the_full_name_of_an_abbreviation_the_record_uses_as_a_name_is_that_drug() -> None:
    # NCT05739630 names its intervention "ATG": "anti-thymocyte globulin 2.5 mg/kg" is the ATG intervention's dose
    regimen = regimen_of("anti-thymocyte globulin 2.5 mg/kg/d -5 to -2", ("ATG", None))
    assert [(d.drug, d.dose, d.days) for d in regimen.drugs] == [("ATG", 2.5, (-5, -4, -3, -2))]
