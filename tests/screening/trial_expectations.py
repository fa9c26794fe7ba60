"""Expected screening of the hand-built patients in fixtures/patients/, written from each criterion's text.

Each patient differs from its trial's `likely` patient (every coded criterion satisfied by recent data) in
one criterion. The expected verdict follows from what the criterion TEXT says about that value: inside the
threshold keeps the patient `likely`, outside makes them `excluded`, and no data, stale data (77 days old,
the window is 30) or a unit that cannot be converted leaves the criterion unknown, so `possible`.
Screening date 2025-01-31. A check names the criterion by one of its codes (or `age` for CT.gov's
structured age; alternatives joined by "|") and gives its expected result; for an exclusion, `met` means the patient is excluded by it.
"""

from __future__ import annotations

from fhir_adapter.screening import Result, Verdict

Check = tuple[str, Result]  # (code or "age", result); "a|b": the criterion coded a or b
# A criterion that names no method has the method-less code; one that names it ("QTcF") the method's code.
# Both are accepted, so the expectations hold whichever the parser gives (docs/eligibility-r4.md, issue 10).
QTC = "8636-3|76634-5"
CRCL = "2164-2|creatinine-clearance"
Expected = dict[str, tuple[Verdict, tuple[Check, ...]]]
L, P, X = Verdict.LIKELY, Verdict.POSSIBLE, Verdict.EXCLUDED
MET, NOT, UNK = Result.MET, Result.NOT_MET, Result.UNKNOWN

# NCT06158412 (seed). minimumAge "18 Years"; INC 1 "Age ≥ 18 years."; INC 4 "ECOG assessment of 0, 1, or
# 2."; INC 5 "Life expectancy of at least 3 months."; EXC 6 "platelet count <30 x 109/L or absolute
# neutrophil count <1.0 x 109/L"; EXC 8 "(3) ... QTcF ... >470 ms"; EXC 10 "Creatinine clearance <20
# mL/min."; EXC 13 "known to be seropositive for HIV or have active hepatitis B or C"; EXC 16 "Pregnant or
# lactating females."
SEED: Expected = {
    "s-likely": (L, ()),
    "s-age-18-today": (L, (("age", MET),)),  # 18th birthday on the screening date: ≥ 18
    "s-age-17": (X, (("age", NOT), ("397669002", NOT))),  # one day short of 18
    "s-age-year-only": (P, (("age", UNK),)),  # born "2007": 17 or 18 on 2025-01-31
    "s-age-none": (P, (("age", UNK),)),
    "s-ecog-2": (L, (("89247-1", MET),)),  # 2 is one of 0, 1, 2
    "s-ecog-3-answer": (X, (("89247-1", NOT),)),  # LA9625-0 is ECOG 3
    "s-ecog-2-snomed": (L, (("89247-1", MET),)),  # SNOMED CT 422894000 ECOG grade 2
    "s-ecog-3-quantity": (X, (("89247-1", NOT),)),  # valueQuantity 3 {score}
    "s-ecog-stale": (P, (("89247-1", UNK),)),
    "s-ecog-none": (P, (("89247-1", UNK),)),
    "s-life-3mo": (L, (("75327-7", MET),)),  # at least 3 months: 3 months is enough
    "s-life-2mo": (X, (("75327-7", NOT),)),
    "s-life-quarter-year": (L, (("75327-7", MET),)),  # 0.25 a is exactly 3 months
    "s-life-12wk": (X, (("75327-7", NOT),)),  # 12 weeks = 84 days, short of 3 months (91.3 days)
    "s-life-stale": (P, (("75327-7", UNK),)),
    "s-life-none": (P, (("75327-7", UNK),)),
    "s-plt-30": (L, (("777-3", NOT),)),  # 30 is not < 30: not excluded
    "s-plt-29": (X, (("777-3", MET),)),
    "s-plt-29000-per-ul": (X, (("777-3", MET),)),  # 29,000/uL = 29 x 10^9/L
    "s-plt-30-thousand-per-ul": (L, (("777-3", NOT),)),  # 30 x 10^3/uL = 30 x 10^9/L
    "s-plt-25-methodless": (X, (("777-3", MET),)),  # platelet count reported under 26515-7
    "s-plt-stale": (P, (("777-3", UNK),)),
    "s-plt-none": (P, (("777-3", UNK),)),
    "s-anc-1.0": (L, (("751-8", NOT),)),  # 1.0 is not < 1.0
    "s-anc-0.9": (X, (("751-8", MET),)),
    "s-anc-950-per-mm3": (X, (("751-8", MET),)),  # 950/mm3 = 0.95 x 10^9/L
    "s-anc-stale": (P, (("751-8", UNK),)),
    "s-anc-none": (P, (("751-8", UNK),)),
    "s-qtc-470": (L, ((QTC, NOT),)),  # 470 is not > 470
    "s-qtc-471": (X, ((QTC, MET),)),
    "s-qtc-0.471-s": (X, ((QTC, MET),)),  # 0.471 s = 471 ms
    "s-qtc-stale": (P, ((QTC, UNK),)),
    "s-qtc-none": (P, ((QTC, UNK),)),
    "s-crcl-20": (L, ((CRCL, NOT),)),  # 20 is not < 20
    "s-crcl-19.9": (X, ((CRCL, MET),)),
    "s-crcl-0.3-ml-per-s": (X, ((CRCL, MET),)),  # 0.3 mL/s = 18 mL/min
    "s-crcl-0.34-ml-per-s": (L, ((CRCL, NOT),)),  # 20.4 mL/min
    "s-crcl-stale": (P, ((CRCL, UNK),)),
    "s-crcl-none": (P, ((CRCL, UNK),)),
    "s-hiv-condition": (X, (("86406008", MET),)),  # an active HIV infection on the problem list: known HIV
    # The record contradicts itself (active HIV Condition, negative test): a person decides.
    "s-hiv-condition-negative-test": (P, (("86406008", UNK),)),
    "s-hbsag-positive": (X, (("86406008", MET),)),  # HBsAg positive: active hepatitis B
    # Resolved hepatitis C and HCV RNA negative: not active.
    "s-hcv-resolved-condition": (L, (("86406008", NOT),)),
    "s-viral-stale": (P, (("86406008", UNK),)),
    "s-viral-none": (P, (("86406008", UNK),)),
    "s-hcg-positive": (X, (("77386006", MET),)),
    "s-pregnancy-status-pregnant": (X, (("77386006", MET),)),
    "s-breastfeeding": (X, (("77386006", MET),)),  # lactating
    "s-hcg-stale": (P, (("77386006", UNK),)),
    "s-male-no-tests": (P, (("77386006", UNK),)),  # male at birth: not pregnant; lactation not recorded
    "s-male-breastfeeding-status": (L, (("77386006", NOT),)),
}

# NCT02513394. INC 2 "Age ≥18 years"; INC 8 "ECOG performance status 0-1."; INC 16 "Absolute neutrophil count
# ≥ 1,500/µL"; INC 17 "Platelets ≥ 100,000/ mm3"; INC 18 "Hemoglobin ≥ 10g/dL"; INC 20 "AST ... and ALT ...
# ≤ 1.5 × institutional ULN."
BREAST: Expected = {
    "b-likely": (L, ()),
    "b-age-17": (X, (("age", NOT),)),
    "b-ecog-1": (L, (("89247-1", MET),)),  # LA9623-5 is ECOG 1
    "b-ecog-2": (X, (("89247-1", NOT),)),
    "b-ecog-stale": (P, (("89247-1", UNK),)),
    "b-ecog-none": (P, (("89247-1", UNK),)),
    "b-anc-1500": (L, (("751-8", MET),)),
    "b-anc-1499": (X, (("751-8", NOT),)),
    "b-anc-1.5-giga": (L, (("751-8", MET),)),  # 1.5 x 10^9/L = 1,500/uL
    "b-anc-1.4-giga": (X, (("751-8", NOT),)),
    "b-anc-stale": (P, (("751-8", UNK),)),
    "b-anc-none": (P, (("751-8", UNK),)),
    "b-plt-100000": (L, (("777-3", MET),)),
    "b-plt-99000": (X, (("777-3", NOT),)),
    "b-plt-100-giga": (L, (("777-3", MET),)),  # 100 x 10^9/L = 100,000/mm3
    "b-plt-99-thousand-per-ul": (X, (("777-3", NOT),)),
    "b-plt-stale": (P, (("777-3", UNK),)),
    "b-plt-none": (P, (("777-3", UNK),)),
    "b-hgb-10": (L, (("718-7", MET),)),
    "b-hgb-9.9": (X, (("718-7", NOT),)),
    "b-hgb-100-g-per-l": (L, (("718-7", MET),)),  # 100 g/L = 10 g/dL
    "b-hgb-99-g-per-l": (X, (("718-7", NOT),)),
    "b-hgb-mmol": (P, (("718-7", UNK),)),  # mmol/L needs a molar mass the mapping does not declare
    "b-hgb-stale": (P, (("718-7", UNK),)),
    "b-hgb-none": (P, (("718-7", UNK),)),
    "b-ast-1.5-uln": (L, (("1920-8", MET),)),  # 60 U/L with ULN 40: exactly 1.5 x ULN
    "b-ast-61": (X, (("1920-8", NOT),)),
    "b-ast-ukat": (L, (("1920-8", MET),)),  # 0.99 ukat/L with ULN 0.67 ukat/L: 1.48 x ULN
    "b-ast-no-range": (P, (("1920-8", UNK),)),  # no upper limit of normal on the result
    "b-ast-stale": (P, (("1920-8", UNK),)),
    "b-ast-none": (P, (("1920-8", UNK),)),
    "b-alt-61": (X, (("1742-6", NOT),)),  # ALT 61 U/L with ULN 40: 1.53 x ULN
}

# NCT05816499. INC 7 "Life expectancy > 12 weeks"; INC 11 "Hemoglobin ≥ 9.0 g/dL"; INC 12 "Creatinine
# clearance [CrCl]) ≥ 50 mL/min"; INC 13 "Total bilirubin ≤ 1.5 x ULN"; INC 16 "International standardized
# ratio (INR) and ... ≤ 1.5 × ULN"; INC 17 "Left ventricular ejection fraction (LVEF) ≥ 50%"; EXC 10 "HIV
# antibody test positive or ...".
LUNG: Expected = {
    "c-likely": (L, ()),
    "c-life-13wk": (L, (("75327-7", MET),)),
    "c-life-12wk": (X, (("75327-7", NOT),)),  # 12 weeks is not > 12 weeks
    "c-life-3mo": (L, (("75327-7", MET),)),  # 3 months = 13.04 weeks
    "c-life-2.7mo": (X, (("75327-7", NOT),)),  # 2.7 months = 11.7 weeks
    "c-life-stale": (P, (("75327-7", UNK),)),
    "c-life-none": (P, (("75327-7", UNK),)),
    "c-crcl-50": (L, ((CRCL, MET),)),
    "c-crcl-49": (X, ((CRCL, NOT),)),
    "c-crcl-0.8-ml-per-s": (X, ((CRCL, NOT),)),  # 48 mL/min
    "c-crcl-0.84-ml-per-s": (L, ((CRCL, MET),)),  # 50.4 mL/min
    "c-crcl-per-area": (P, ((CRCL, UNK),)),  # mL/min/1.73 m2 is not mL/min without body surface area
    "c-crcl-stale": (P, ((CRCL, UNK),)),
    "c-crcl-none": (P, ((CRCL, UNK),)),
    "c-bili-1.5-uln": (L, (("1975-2", MET),)),  # 1.8 mg/dL with ULN 1.2: exactly 1.5 x ULN
    "c-bili-1.9": (X, (("1975-2", NOT),)),
    "c-bili-umol": (X, (("1975-2", NOT),)),  # 32 umol/L with ULN 21 umol/L: 1.52 x ULN
    "c-bili-no-range": (P, (("1975-2", UNK),)),
    "c-bili-stale": (P, (("1975-2", UNK),)),
    "c-bili-none": (P, (("1975-2", UNK),)),
    "c-inr-1.5-uln": (L, (("6301-6", MET),)),  # 1.65 with ULN 1.1: exactly 1.5 x ULN
    "c-inr-1.7": (X, (("6301-6", NOT),)),
    "c-inr-stale": (P, (("6301-6", UNK),)),
    "c-inr-none": (P, (("6301-6", UNK),)),
    "c-lvef-50": (L, (("10230-1", MET),)),
    "c-lvef-49": (X, (("10230-1", NOT),)),
    "c-lvef-fraction": (L, (("10230-1", MET),)),  # 0.55 (unit 1) = 55 %
    "c-lvef-fraction-low": (X, (("10230-1", NOT),)),  # 0.45 = 45 %
    "c-lvef-stale": (P, (("10230-1", UNK),)),
    "c-lvef-none": (P, (("10230-1", UNK),)),
    "c-hgb-9": (L, (("718-7", MET),)),
    "c-hgb-8.9": (X, (("718-7", NOT),)),
    "c-hiv-positive": (X, (("86406008", MET),)),
}

# NCT00711542. minimumAge "18 Years", maximumAge "80 Years"; INC 4 "Age 18 - 80 years"; EXC 3 "Heart failure
# (LVEF ≤ 30 %)."; EXC 7 "HIV infection or active hepatitis"; EXC 10 "Impaired kidney function (creatinin >
# 2,5 mg/dl)"; EXC 11 "Significant liver disease (GOT > 2x upper normal value or spontaneous INR > 1,5."; EXC
# 12 "... thrombocytopenia < 100.000/µl ..."; EXC 18 "Pregnancy". (EXC 12's "Hb< 8.5 mg/dl" is not varied: the
# registry writes mg/dl where g/dL is surely meant, and the tool reads the unit as written.)
HEART: Expected = {
    "h-likely": (L, ()),
    "h-age-80": (L, (("age", MET), ("397669002", MET))),  # 80th birthday before the screening date: 18 - 80
    "h-age-81": (X, (("age", NOT),)),
    "h-age-17": (X, (("age", NOT),)),
    "h-lvef-31": (L, (("10230-1", NOT),)),  # 31 % is not ≤ 30 %
    "h-lvef-30": (X, (("10230-1", MET),)),
    "h-lvef-fraction-0.30": (X, (("10230-1", MET),)),  # 0.30 (unit 1) = 30 %
    "h-lvef-fraction-0.31": (L, (("10230-1", NOT),)),
    "h-lvef-stale": (P, (("10230-1", UNK),)),
    "h-lvef-none": (P, (("10230-1", UNK),)),
    "h-creat-2.5": (L, (("2160-0", NOT),)),  # 2.5 is not > 2.5
    "h-creat-2.6": (X, (("2160-0", MET),)),
    "h-creat-221-umol": (L, (("2160-0", NOT),)),  # 221 umol/L = 2.49995 mg/dL (113.12 g/mol)
    "h-creat-230-umol": (X, (("2160-0", MET),)),  # 230 umol/L = 2.60 mg/dL
    "h-creat-stale": (P, (("2160-0", UNK),)),
    "h-creat-none": (P, (("2160-0", UNK),)),
    "h-ast-2-uln": (L, (("1920-8", NOT),)),  # 80 U/L with ULN 40: 2 x ULN is not > 2 x ULN
    "h-ast-81": (X, (("1920-8", MET),)),
    "h-ast-no-range": (P, (("1920-8", UNK),)),  # no upper limit of normal: liver disease undecided
    "h-ast-stale": (P, (("1920-8", UNK),)),
    "h-ast-none": (P, (("1920-8", UNK),)),
    "h-inr-1.5": (L, (("6301-6", NOT),)),  # 1.5 is not > 1.5
    "h-inr-1.6": (X, (("6301-6", MET),)),
    "h-inr-stale": (P, (("6301-6", UNK),)),
    "h-inr-none": (P, (("6301-6", UNK),)),
    "h-plt-100000": (L, (("777-3", NOT),)),  # 100,000/uL is not < 100,000/uL
    "h-plt-99-giga": (X, (("777-3", MET),)),  # 99 x 10^9/L = 99,000/uL
    "h-plt-100-thousand-per-ul": (L, (("777-3", NOT),)),
    "h-plt-stale": (P, (("777-3", UNK),)),
    "h-plt-none": (P, (("777-3", UNK),)),
    "h-hiv-condition": (X, (("86406008", MET),)),
    "h-hiv-none": (P, (("86406008", UNK),)),
    "h-hcg-positive": (X, (("77386006", MET),)),
    "h-male": (L, (("77386006", NOT),)),  # male at birth: not pregnant (no lactation criterion here)
}

EXPECTED: dict[str, Expected] = {
    "NCT06158412": SEED,
    "NCT02513394": BREAST,
    "NCT05816499": LUNG,
    "NCT00711542": HEART,
}
