"""Stage 2: plain-text parsers (ages, eligibility criteria, dosing). Plain results, no FHIR."""

from fhir_adapter.text.ages import parse_age
from fhir_adapter.text.criteria import EXCLUSION, INCLUSION, Criterion, parse_criteria
from fhir_adapter.text.criteria_facts import Fact, Unclear

__all__ = ["EXCLUSION", "INCLUSION", "Criterion", "Fact", "Unclear", "parse_age", "parse_criteria"]
