"""A status (pregnancy, breastfeeding) that a cohort's own block excludes holds for that cohort only. Coded as a
Group characteristic it would exclude every pregnant patient of every cohort, which is stricter than the text;
so the parser gives it the cohort as its condition and the builder keeps it as text with the conditional
logic, and a warning. Hand-written from the layout of NCT05960656 (held-out set 15: "Patients with T2D" and
"Patients with T1D" above each block), where the T1D block alone excludes pregnancy."""

from __future__ import annotations

from fhir_adapter.resources.common import Json
from fhir_adapter.resources.criteria_characteristics import EXT_LOGIC, criteria_characteristics
from fhir_adapter.sources import DataQualityIssue, Eligibility, TrialRecord
from fhir_adapter.terms import Terms
from fhir_adapter.text import ALL_OF, EXCLUSION
from fhir_adapter.text.criteria import parse_criteria

_COHORT_STATUS = """Patients with T2D

Inclusion Criteria:

* Ages 30-75 years

Exclusion Criteria:

* Proliferative retinopathy

Patients with T1D

Inclusion Criteria:

* Age > 18 years

Exclusion criteria:

* Pregnant or breastfeeding women
"""

_EVERYONE_STATUS = """Inclusion Criteria:

* Age > 18 years

Exclusion Criteria:

* Pregnant or breastfeeding women
"""


def _characteristics(criteria: str, terms: Terms) -> tuple[list[Json], list[DataQualityIssue]]:
    trial = TrialRecord("NCT00000001", "test", eligibility=Eligibility(criteria=criteria))
    report: list[DataQualityIssue] = []
    return criteria_characteristics(trial, terms, report), report


def test_a_status_in_a_cohorts_block_holds_for_that_cohort() -> None:
    statuses = [f for c in parse_criteria(_COHORT_STATUS) for f in c.facts if not f.is_threshold]
    assert {(f.kind, f.condition) for f in statuses} == {
        ("pregnancy", "Patients with T1D"),
        ("breastfeeding", "Patients with T1D"),
    }
    # the logic lists thresholds only: a criterion of statuses alone stays all-of
    pregnancy = [c for c in parse_criteria(_COHORT_STATUS) if c.section == EXCLUSION][-1]
    assert pregnancy.logic == ALL_OF


def test_the_cohorts_status_is_text_with_the_conditional_logic(terms: Terms) -> None:
    characteristics, report = _characteristics(_COHORT_STATUS, terms)
    pregnancy = [c for c in characteristics if "Pregnant" in c["code"].get("text", "")]
    assert len(pregnancy) == 1 and "coding" not in pregnancy[0]["code"]
    logic = [e["valueCode"] for e in pregnancy[0].get("extension", []) if e["url"] == EXT_LOGIC]
    assert logic == ["conditional"]
    assert any("holds only for a subgroup" in i.message and "Patients with T1D" in i.message for i in report)


def test_a_status_for_everyone_stays_coded(terms: Terms) -> None:
    # near miss: with no cohort label the same exclusion is coded, for every patient
    characteristics, _ = _characteristics(_EVERYONE_STATUS, terms)
    pregnancy = [c for c in characteristics if "Pregnant" in c["code"].get("text", "")]
    assert pregnancy and all("coding" in c["code"] for c in pregnancy)
