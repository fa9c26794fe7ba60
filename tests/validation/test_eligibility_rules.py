"""fhir-adapter's rules on the eligibility Group: a hand-written Group in the convention of issue 10 passes;
each way of breaking it (the defects issue 10 found) is flagged at the characteristic that breaks it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fhir_adapter.terms import LOINC_SYSTEM
from fhir_adapter.validation import RuleSet, check_resource, validate_bundle
from fhir_adapter.validation.eligibility_rules import check_group
from tests.validation import new_convention as nc

Group = dict[str, Any]


def test_the_new_convention_passes_every_rule_strictly() -> None:
    assert [str(issue) for issue in validate_bundle(nc.bundle())] == []


def test_the_new_convention_group_has_no_finding() -> None:
    assert check_group(nc.group()) == []


def _replace(label: str, *replacements: dict[str, Any]) -> Callable[[Group], None]:
    def change(group: Group) -> None:
        kept = [c for c in group["characteristic"] if c.get("extension", [{}])[0].get("valueString") != label]
        group["characteristic"] = kept + list(replacements)

    return change


def _set_healthy_volunteers(value: bool, exclude: bool) -> Callable[[Group], None]:
    def change(group: Group) -> None:
        group["characteristic"][0].update(valueBoolean=value, exclude=exclude)

    return change


def _code_the_any_of(group: Group) -> None:
    group["characteristic"][1]["code"]["coding"] = nc.loinc(
        "2160-0", "Creatinine [Mass/volume] in Serum or Plasma"
    )


CREATININE = "Serum creatinine < ULN or creatinine clearance >= 60 mL/min/1.73 m2"
CRCL = [{"system": LOINC_SYSTEM, "code": "2164-2", "display": "Creatinine renal clearance in 24 hour Urine"}]
BILIRUBIN = "Total bilirubin <= ULN; or <= 3x ULN with Gilbert's syndrome"
HIV_OR_HBV = "Documented HIV infection or chronic hepatitis B"

BREAKS: dict[str, tuple[Callable[[Group], None], str, str]] = {
    # name: (change to the Group, the label or text of the flagged characteristic, words of the finding)
    "inclusion-or-coded-as-two-ANDed-thresholds": (
        _replace(
            "inclusion 1",
            nc.criterion(
                "inclusion 1",
                CREATININE,
                {"valueQuantity": nc.quantity(1, nc.ULN, "<")},
                coding=nc.loinc("2160-0", "Creatinine [Mass/volume] in Serum or Plasma"),
            ),
            nc.criterion(
                "inclusion 1",
                CREATININE,
                {"valueQuantity": nc.quantity(60, "mL/min/{1.73_m2}", ">=")},
                coding=CRCL,
            ),
        ),
        "inclusion 1",
        "inclusion 1 states alternatives, each with its own threshold",
    ),
    "inclusion-or-kept-as-one-coded-threshold": (
        _replace(
            "inclusion 1",
            nc.criterion(
                "inclusion 1",
                BILIRUBIN,
                {"valueQuantity": nc.quantity(1, nc.ULN, "<=")},
                coding=nc.loinc("1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma"),
            ),
        ),
        "inclusion 1",
        "inclusion 1 states alternatives",
    ),
    "inclusion-or-of-coded-conditions": (
        _replace(
            "inclusion 1",
            nc.criterion(
                "inclusion 1",
                HIV_OR_HBV,
                {"valueBoolean": True},
                coding=nc.snomed("86406008", "Human immunodeficiency virus infection"),
            ),
            nc.criterion(
                "inclusion 1",
                HIV_OR_HBV,
                {"valueBoolean": True},
                coding=nc.snomed("66071002", "Type B viral hepatitis"),
            ),
        ),
        "inclusion 1",
        "inclusion 1 joins coded facts with 'or'",
    ),
    "any-of-criterion-that-keeps-a-coding": (
        _code_the_any_of,
        "inclusion 1",
        "marked any-of keeps its criterion as text",
    ),
    "subgroup-threshold-coded-for-everyone": (
        _replace(
            "inclusion 2",
            nc.criterion(
                "inclusion 2",
                "ECOG 0-2 (0 to 3 for participants >= 60 to 74 years)",
                {"valueRange": {"low": nc.quantity(0, "1"), "high": nc.quantity(2, "1")}},
                coding=nc.ECOG,
            ),
        ),
        "inclusion 2",
        "conditional criterion ('for participants'",
    ),
    "liver-metastases-threshold-coded-for-everyone-in-an-exclusion": (
        _replace(
            "exclusion 1",
            nc.criterion(
                "exclusion 1",
                "AST > 3 x ULN (> 5 x ULN for patients with liver metastases)",
                {"valueQuantity": nc.quantity(3, nc.ULN, ">")},
                coding=nc.AST,
                exclude=True,
            ),
        ),
        "exclusion 1",
        "conditional criterion ('for patients'",
    ),
    "age-at-diagnosis-coded-as-current-age": (
        _replace(
            "inclusion 3",
            nc.criterion(
                "inclusion 3",
                "age at diagnosis <= 18 years",
                {"valueQuantity": nc.quantity(18, "a", "<=")},
                coding=nc.AGE,
            ),
        ),
        "inclusion 3",
        "'age at diagnosis' is not the current age",
    ),
    "accepting-healthy-volunteers-coded-as-requiring-them": (
        _set_healthy_volunteers(True, False),
        "Accepts healthy volunteers: No",
        "requires every member to be a healthy volunteer",
    ),
    "requiring-healthy-volunteers-through-an-excluded-false": (
        _set_healthy_volunteers(False, True),
        "Accepts healthy volunteers: No",
        "requires every member to be a healthy volunteer",
    ),
}


def _names(characteristic: dict[str, Any]) -> set[str]:
    label = characteristic.get("extension", [{}])[0].get("valueString")
    return {label, characteristic["code"].get("text")} - {None}


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_each_break_of_the_convention_is_flagged_where_it_is(name: str) -> None:
    change, flagged, words = BREAKS[name]
    group = nc.group()
    change(group)
    findings = check_group(group)
    assert findings, name
    for index, message in findings:
        assert flagged in _names(group["characteristic"][index]), (index, message)
    assert any(words in message for _, message in findings), findings


def test_a_finding_is_a_project_warning_at_the_characteristic() -> None:
    group = nc.group()
    _set_healthy_volunteers(True, False)(group)
    issues = check_resource(group, rules=RuleSet.FHIR_ADAPTER)
    assert [(i.location, i.severity, i.layer) for i in issues] == [
        ("Group.characteristic[0]", "warning", "project")
    ]


def test_base_rules_leave_the_semantics_alone() -> None:
    group = nc.group()
    _set_healthy_volunteers(True, False)(group)
    assert check_resource(group, rules=RuleSet.BASE) == []


# NCT04946890 inclusion 6, shortened: a lab list whose coagulation line holds for everyone, beside a liver line
# with "If" and a kidney line with "or" that state the same number.
LAB_LIST = (
    "Laboratory inspection must meet the following standards:\n"
    "Blood coagulation function: the international standardized ratio of prothrombin time ≤ 1.5 times the ULN;\n"
    "Liver: If there is no clear liver metastasis, serum total bilirubin ≤1.5 ULN;\n"
    "Kidney: Serum creatinine (Scr) ≤1.5×ULN, or creatinine clearance (Ccr) ≥50 mL/min;"
)
INR = nc.loinc("6301-6", "INR in Platelet poor plasma by Coagulation assay")
ULN_1_5 = {
    "valueQuantity": {
        "value": 1.5,
        "comparator": "<=",
        "system": "http://unitsofmeasure.org",
        "code": "{ULN}",
    }
}


def test_a_threshold_is_judged_by_the_line_that_names_its_measure_in_other_words() -> None:
    inr = nc.criterion("inclusion 6", LAB_LIST, ULN_1_5, coding=INR)
    assert check_group({**nc.group(), "characteristic": [inr]}) == []


def test_a_threshold_from_the_conditional_line_is_still_flagged() -> None:
    bilirubin = nc.loinc("1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma")
    coded = nc.criterion("inclusion 6", LAB_LIST, ULN_1_5, coding=bilirubin)
    findings = check_group({**nc.group(), "characteristic": [coded]})
    assert any("conditional criterion ('If'" in message for _, message in findings), findings


# NCT02465060 inclusion 22, shortened: the "If" is a re-test of the same limit, not a subgroup.
QTC_RETEST = (
    "Resting corrected QT interval (QTc) =< 480 msec\n"
    "NOTE: If the first recorded QTc exceeds 480 msec, two additional,\n"
    "consecutive ECGs are required and must result in a mean resting QTc =< 480\n"
    "msec"
)
QTC = nc.loinc("8636-3", "Q-T interval corrected")


def _qtc(text: str) -> dict[str, Any]:
    value = {
        "valueQuantity": {
            "value": 480,
            "comparator": "<=",
            "system": "http://unitsofmeasure.org",
            "code": "ms",
        }
    }
    return nc.criterion("inclusion 22", text, value, coding=QTC)


def test_a_re_test_of_the_same_limit_is_no_subgroup() -> None:
    assert check_group({**nc.group(), "characteristic": [_qtc(QTC_RETEST)]}) == []


def test_a_subgroup_with_its_own_limit_is_still_flagged_beside_a_re_test() -> None:
    text = f"{QTC_RETEST}\nFor patients with a pacemaker, QTc =< 500 msec or 480 msec on a paced ECG"
    findings = check_group({**nc.group(), "characteristic": [_qtc(text)]})
    assert any("conditional criterion ('For patients'" in message for _, message in findings), findings


# NCT06945705 inclusion 9, shortened: a lab list written as one paragraph; only its last sentence has "or".
ONE_PARAGRAPH = (
    "Patients must meet the following organ function criteria: Absolute neutrophil count (ANC) ≥1.5 × 10⁹/L. "
    "Platelet count ≥75 × 10⁹/L. Serum creatinine (SCr) ≤1.5 times ULN, or creatinine clearance rate ≥50 mL/min."
)


def test_a_sentence_of_a_one_paragraph_list_is_judged_on_its_own() -> None:
    platelets = nc.criterion(
        "inclusion 9",
        ONE_PARAGRAPH,
        {
            "valueQuantity": {
                "value": 75,
                "comparator": ">=",
                "system": "http://unitsofmeasure.org",
                "code": "10*9/L",
            }
        },
        coding=nc.loinc("777-3", "Platelets [#/volume] in Blood by Automated count"),
    )
    creatinine = nc.criterion(
        "inclusion 9",
        ONE_PARAGRAPH,
        {
            "valueQuantity": {
                "value": 1.5,
                "comparator": "<=",
                "system": "http://unitsofmeasure.org",
                "code": "{ULN}",
            }
        },
        coding=nc.loinc("2160-0", "Creatinine [Mass/volume] in Serum or Plasma"),
    )
    assert check_group({**nc.group(), "characteristic": [platelets]}) == []
    findings = check_group({**nc.group(), "characteristic": [platelets, creatinine]})
    assert [index for index, _ in findings] == [1], findings
