"""Stage 2: plain-text parsers (ages, eligibility criteria, dosing). Plain results, no FHIR."""

from fhir_adapter.text.ages import parse_age
from fhir_adapter.text.criteria import (
    ALL_OF,
    ANY_OF,
    CONDITIONAL,
    EXCLUSION,
    INCLUSION,
    MAX_CRITERIA_CHARS,
    Criterion,
    Fact,
    Unclear,
    parse_criteria,
)
from fhir_adapter.text.markdown import unescape
from fhir_adapter.text.regimen import (
    CyclePhase,
    CycleRange,
    DoseCondition,
    DrugDose,
    Duration,
    Frequency,
    Offset,
    Regimen,
    cycle_phases,
    is_drug_intervention,
    linked_interventions,
    parse_regimen,
)

__all__ = [
    "ALL_OF",
    "ANY_OF",
    "CONDITIONAL",
    "EXCLUSION",
    "INCLUSION",
    "MAX_CRITERIA_CHARS",
    "Criterion",
    "CyclePhase",
    "CycleRange",
    "DoseCondition",
    "DrugDose",
    "Duration",
    "Fact",
    "Frequency",
    "Offset",
    "Regimen",
    "Unclear",
    "cycle_phases",
    "is_drug_intervention",
    "linked_interventions",
    "parse_age",
    "parse_criteria",
    "parse_regimen",
    "unescape",
]
