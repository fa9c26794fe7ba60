"""A fact the criteria parser withholds (text/criteria/confidence.py) reaches the Group as text, never coded,
with a warning that names the trial, the criterion and the reason."""

from __future__ import annotations

from fhir_adapter.resources.common import Json
from fhir_adapter.resources.criteria_characteristics import criteria_characteristics
from fhir_adapter.sources import DataQualityIssue, Eligibility, TrialRecord
from fhir_adapter.terms import Terms

# The ages of a criterion about who can no longer bear children define that status: the parser reads the
# age under a heading that does not say so ("Adults:"), and the gate withholds it.
_MENSTRUATION = """
Inclusion Criteria:

  1. A woman is eligible if she is no longer likely to procreate.

     Adults:

       -  Patients not using hormone replacement therapy should have had a complete
          cessation of menstruation for at least one year and be over 40 years of age.
"""


def _characteristics(criteria: str, terms: Terms) -> tuple[list[Json], list[DataQualityIssue]]:
    trial = TrialRecord("NCT00000001", "test", eligibility=Eligibility(criteria=criteria))
    report: list[DataQualityIssue] = []
    return criteria_characteristics(trial, terms, report), report


def test_a_withheld_age_is_text_with_a_warning_that_says_why(terms: Terms) -> None:
    characteristics, report = _characteristics(_MENSTRUATION, terms)
    assert not [c for c in characteristics if "valueQuantity" in c or "valueRange" in c]
    assert characteristics and all("coding" not in c["code"] for c in characteristics)  # the text only
    withheld = [i for i in report if "withheld as doubtful" in i.message]
    assert withheld and all(i.severity == "warning" and i.nct_id == "NCT00000001" for i in withheld)
    assert withheld[0].message.startswith("inclusion criterion 1: 'over 40 years of age' read but withheld")
    assert "childbearing potential" in withheld[0].message


def test_an_age_limit_stays_coded(terms: Terms) -> None:
    # near miss: the patient's own age limit is coded, with no such warning
    characteristics, report = _characteristics("Inclusion Criteria:\n\n* Age >= 18 years\n", terms)
    assert [c["valueQuantity"]["value"] for c in characteristics if "valueQuantity" in c] == [18.0]
    assert not [i for i in report if "withheld" in i.message]
