"""Causes of the criteria parser's mistakes on held-out set 14, fixed in general (branch critfix15).

Each test reads the real record's words (the record is named) and a near miss that must keep its old reading.
"""

from __future__ import annotations

from fhir_adapter.text import EXCLUSION, INCLUSION, parse_criteria

# NCT05690425 (legacy XML): item 4 ends "and:", then "4.1 ...:" and "4.2 ...:" each over a list restarted at
# "1.", at the indent of "1." to "4."; "5." to "13." then go on, indented less. Counted 25 for the writer's 13.
_RESTARTED = """
        Inclusion Criteria:

          1. The subject must be able to understand and voluntarily sign the informed consent form;

          2. Subjects were 18 years old or above when they signed the informed consent form;

          3. Subjects mast be willing to undergo serial bone marrow aspirate procedures on the
             study;

          4. Morphologically confirmed diagnosis as extremely low risk, low risk, intermediate
             risk, high risk, extremely high risk MDS (IPSS-R classification) or CMML according to
             WHO (2016) diagnostic criteria, and WBC<13* 10^9/L (allowed to receive hydroxyurea or
             leukocyte removal before enrollment to reduce WBC count), and:

        4.1 According to IPSS-R, patients diagnosis as extremely low risk, low risk or intermediate
        risk MDS must meet one or more of the following criteria:

          1. Patients who are RBCs and/or platelets transfusion-dependent , must receive stable
             infusion 2U/month above for 3 months before the first dose;

          2. Patientswho are RBCs transfusion-dependent must Erythropoiesis stimulating agents
             (ESAs) failure or intolerant ;

          3. Patientswho are RBCs transfusion-dependent without ESA treatment mast have serum
             erythropoietin level >500 U/L ;

          4. MDS patients with isolated del (5q) ("5q syndrome") must have disease progression or
             intolerance during lenalidomide treatment;

          5. Platelet transfusion dependent patients must be treated with thrombopoietin receptor
             agonist (TPO-RA) for relapse/refractory or intolerance;

          6. Persistent (>3 months) neutrophil absolute count is lower than 1.5 before screening
             10^9/L;

        4.2 MDS and CMML patients rated as high-risk or extremely high-risk according to IPSS-R:

          1. The monotherapy of demethylated drugs (HMA) failed (4 cycles of descitabine treatment
             or 6 cycles of azacytidine treatment) or was not tolerated;

          2. Not suitable for intensive treatment;

          3. CMML patients must fail or not tolerate at least one previous treatment (including but
             not limited to hydroxyurea treatment, HMA treatment, etc.);

        5. Patient has an Eastern Cooperative Oncology Group(ecog)performace status 0-1;

        6. Expected survival time > 3 months;

        9. Adequate renal function:

        (2) Serum creatinine ≤ 1.5 × Upper limit of normal value (ULN), and creatinine clearance ≥
        45 mL/min; If the urine protein is qualitative ≥ 2+, the 24-hour urine protein quantity
        shall be less than 3.5g;

        10. Adequate liver function:

        (3) Total serum bilirubin ≤ 1.5 × ULN (except Gilbert syndrome, this kind of subjects only
        meet the requirements of direct bilirubin ≤ 1.5 × ULN);

        (4) Aspartate aminotransferase (AST) and alanine aminotransferase (ALT) ≤ 2.5 × ULN;

        11. When screening, serum or urine pregnancy test (for female patients with fertility) was
        negative;

        Exclusion Criteria:

         15. Known uncontrolled central nervous system (CNS) involvement;

         16. Patients with history of serious cardiovascular and cerebrovascular diseases,
             including but not limited to, (1)Serious cardiac rhythm or conduction abnormalities,
             such as ventricular arrhythmia requiring clinical intervention.

        (2) During the screening period, 12 lead electrocardiogram (ECG) was measured for three
        times in the research center. QTc interval> 470ms; (3) Patients with history of New York
        Heart Society (NYHA) class≥ II, or left ventricular ejection fraction (LVEF) < 50%

        17. Mental disorders or poor compliance; 18. Patients sho are being pregant or
        breastfeeding.
"""


def test_lists_restarted_at_1_inside_a_numbered_list_that_goes_on_are_sub_items() -> None:
    criteria = parse_criteria(_RESTARTED)
    inclusion = [c for c in criteria if c.section == INCLUSION]
    assert len(inclusion) == 9  # 1.-6., 9., 10., 11.: the restarted lists are inclusion 4's
    fourth = inclusion[3]
    assert len(fourth.sub_items) == 9
    assert "Not suitable for intensive treatment;" in fourth.sub_items
    assert [f.kind for f in inclusion[4].facts] == ["ecog"]


def test_items_of_another_style_at_the_parents_indent_after_its_colon_are_its_sub_items() -> None:
    inclusion = [c for c in parse_criteria(_RESTARTED) if c.section == INCLUSION]
    renal, liver = inclusion[6], inclusion[7]
    assert renal.text == "Adequate renal function:" and len(renal.sub_items) == 1
    assert "creatinine_clearance" in [f.kind for f in renal.facts]
    assert liver.text == "Adequate liver function:" and len(liver.sub_items) == 2
    assert {"bilirubin", "ast", "alt"} <= {f.kind for f in liver.facts}
    assert inclusion[8].text.startswith("When screening, serum or urine pregnancy test")


def test_a_paren_point_after_an_item_that_counts_inline_points_goes_on_with_it() -> None:
    exclusion = [c for c in parse_criteria(_RESTARTED) if c.section == EXCLUSION]
    assert len(exclusion) == 3
    assert {"qtc", "lvef"} <= {f.kind for f in exclusion[1].facts}


def test_a_restarted_list_that_carries_on_its_own_count_is_a_list_of_its_own() -> None:
    # two subgroup lists one after the other, the second longer: its "4." is its own, not the first's next
    text = (
        "Inclusion Criteria:\n\n1. Age >= 18 years\n2. ECOG 0-1\n3. Signed consent\n\nPart B:\n\n"
        "1. Platelets >= 100 x 10^9/L\n2. ANC >= 1.5 x 10^9/L\n3. Hemoglobin >= 9 g/dL\n4. Creatinine <= 1.5 x ULN\n"
    )
    assert len(parse_criteria(text)) == 7


def test_a_number_past_the_items_own_written_inline_goes_on_with_the_criteria_count() -> None:
    # NCT02120703: "7. Obesity (BMI >30), 8) inability ..." then "9) patients with known allergy ...": 8 items
    text = (
        "Exclusion Criteria:\n\n6. Spinal deformity,\n7. Obesity (BMI \\>30), 8) inability to understand and "
        "respond VAS and\n\n9) patients with known allergy to GABA analogues.\n"
    )
    assert len(parse_criteria(text)) == 3
