"""The regimen parser on mistakes seen in held-out set 5: aliases labelled with another drug, one
intervention text split into "Arm 1: ... Arm 2: ..." passages, a schedule read twice from one sentence.
Each case is a small hand-written text (the NCT id in a comment where the phrasing comes from)."""

from __future__ import annotations

from fhir_adapter.sources import Arm, Intervention, TrialRecord
from fhir_adapter.text import Regimen, parse_regimen
from fhir_adapter.text.regimen.names import name_components, own_other_names
from tests.text.test_regimen import KNOWN, messages, only, regimen_of


def _two_arms(*interventions: Intervention) -> TrialRecord:
    arms = tuple(
        Arm(label, "EXPERIMENTAL", None, tuple(i.label for i in interventions if label in i.arm_labels))
        for label in ("Arm 1: Alpha with Beta", "Arm 2: Alpha monotherapy")
    )
    return TrialRecord("NCT00000000", "test", arms=arms, interventions=interventions)


def _regimens(trial: TrialRecord) -> dict[str, Regimen]:
    return {arm.label: parse_regimen(trial, arm, known_drugs=KNOWN) for arm in trial.arms}


def test_an_alias_labelled_with_another_interventions_name_is_not_an_alias() -> None:
    # NCT06350097: other names "Osimertinib: AZD9291", "Datopotamab Deruxtecan: Dato-DXd" under each drug
    listed = ("Alpha: AB-1", "Beta Gamma: BG-2", "Brand: Xyz")
    assert own_other_names("Alpha", listed, ("Alpha", "Beta Gamma")) == ("AB-1", "Brand: Xyz")
    both = ("Arm 1: Alpha with Beta", "Arm 2: Alpha monotherapy")
    alpha = Intervention("DRUG", "Alpha", "Alpha 80 mg QD orally.", both, listed)
    beta = Intervention("DRUG", "Beta Gamma", "Beta Gamma 6 mg/kg IV.", both[:1], listed)
    regimens = _regimens(_two_arms(alpha, beta))
    drugs = regimens["Arm 2: Alpha monotherapy"].drugs
    assert [(d.key, d.aliases, d.dose) for d in drugs] == [("alpha", ("AB-1", "Brand: Xyz"), 80)]


def test_a_passage_headed_by_another_arms_id_is_not_this_arms() -> None:
    # NCT06350097: "Arm 1: Osimertinib 80 mg QD ... with Datopotamab Deruxtecan 6mg/kg ... Arm 2: Osimertinib
    # 80 mg QD" in one intervention text linked to both arms
    both = ("Arm 1: Alpha with Beta", "Arm 2: Alpha monotherapy")
    text = "Arm 1: Alpha 80 mg QD with Beta 6 mg/kg IV.\n\nArm 2: Alpha 80 mg QD."
    alpha = Intervention("DRUG", "Alpha", text, both)
    beta = Intervention("DRUG", "Beta", "Beta 6 mg/kg IV.", both[:1])
    regimens = _regimens(_two_arms(alpha, beta))
    doses = [(d.drug, d.dose) for d in regimens["Arm 2: Alpha monotherapy"].drugs]
    assert doses == [("Alpha", 80)]
    first = {(d.drug, d.dose) for d in regimens["Arm 1: Alpha with Beta"].drugs}
    assert first == {("Alpha", 80), ("Beta", 6)}


def test_a_doseless_schedule_read_twice_is_one_entry() -> None:
    # NCT06357533: "Datopotamab Deruxtecan (Dato-DXd) in combination with Rilvegostomig group will receive
    # Dato-DXd plus rilvegostomig as intravenous (IV) infusion every 3 weeks (Q3W) on Day 1 of each 21-day cycle"
    text = (
        "Participants in the Alpha Gamma (AG-1) in combination with Beta group will receive AG-1 plus beta as "
        "intravenous (IV) infusion every 3 weeks (Q3W) on Day 1 of each 21-day cycle."
    )
    alpha = Intervention("DRUG", "Alpha Gamma", "Alpha Gamma IV (intravenous)", ("Arm",), ("AG-1",))
    beta = Intervention("DRUG", "Beta", "Beta IV (intravenous)", ("Arm",))
    arm = Arm("Arm", "EXPERIMENTAL", text, (alpha.label, beta.label))
    trial = TrialRecord("NCT00000000", "test", arms=(arm,), interventions=(alpha, beta))
    drugs = [d for d in parse_regimen(trial, arm, known_drugs=KNOWN).drugs if d.key == "alphagamma"]
    assert [(d.days, d.frequency.text if d.frequency else None) for d in drugs] == [((1,), "every 3 weeks")]


def test_a_bracketed_ingredient_list_names_one_product() -> None:
    # NCT06109779: "S-1 [Tegafur/Oteracil/gimeracil]" with "S-1 \[Tegafur/Oteracil/gimeracil\] (Oral) ... (40, 50,
    # or 60 mg) BID"; "(Gemcitabine + Carboplatin or Eribulin)" (NCT03424005) stays a list of drugs
    assert name_components("Zeta-1 [Carboplatin/Aspirin/gamma]") == ("Zeta-1",)
    assert len(name_components("Chemo (Alpha + Beta or Gamma)")) == 3
    text = "Zeta-1 \\[Carboplatin/Aspirin/gamma\\] (Oral) 40 mg BID for 4 weeks"
    alpha = Intervention("DRUG", "Zeta-1 [Carboplatin/Aspirin/gamma]", text, ("Arm",))
    arm = Arm("Arm", "EXPERIMENTAL", None, (alpha.label,))
    trial = TrialRecord("NCT00000000", "test", arms=(arm,), interventions=(alpha,))
    drugs = parse_regimen(trial, arm, known_drugs=KNOWN).drugs
    assert [(d.key, d.dose, d.unit) for d in drugs if d.dose is not None] == [("zeta1", 40, "mg")]


def test_a_dose_after_slash_joined_names_and_a_route_is_the_combinations() -> None:
    # NCT06109779: "Gemcitabine/Cisplatin IV (Intravenous) 1000 mg/m2 plus cisplatin 25 mg/m2 on Day 1 and Day 8"
    text = "Alpha/Beta IV (Intravenous) 1000 mg/m2 plus beta 25 mg/m2 on Day 1 and Day 8 of each 21-day cycle"
    regimen = regimen_of(text, ("Alpha", None), ("Beta", None))
    assert [(d.key, d.dose) for d in regimen.drugs if d.dose is not None] == [("beta", 25)]
    assert any("combination" in m for m in messages(regimen))


def test_days_of_each_week_become_days_of_the_cycle() -> None:
    # NCT02227251: "selinexor 40 mg orally BIW on Days 1 and 3 of each week of 4-week treatment cycles (28 days)"
    text = "Alpha 40 mg orally BIW on Days 1 and 3 of each week of 4-week treatment cycles (28 days)"
    assert only(regimen_of(text, ("Alpha", None))).days == (1, 3, 8, 10, 15, 17, 22, 24)
    # "Days 1 and 3 (e.g., Monday and Wednesday) of Weeks 1-4 of each four week cycle"
    text = "Alpha 60 mg orally on Days 1 and 3 (e.g., Monday and Wednesday) of Weeks 1-2 of each 28-day cycle"
    assert only(regimen_of(text, ("Alpha", None))).days == (1, 3, 8, 10)
    # the number of weeks not written: the days of the cycle cannot be told, none are given
    assert only(regimen_of("Alpha 40 mg on Days 1 and 3 of each week", ("Alpha", None))).days is None


def test_a_step_of_a_taper_is_no_dose() -> None:
    # NCT06442748: "levetiracetam will be tapered by 250- 500 mg every week and then stopped"
    regimen = regimen_of("Alpha will be tapered by 250- 500 mg every week and then stopped.", ("Alpha", None))
    assert [d.dose for d in regimen.drugs if d.dose is not None] == []
    assert messages(regimen)
