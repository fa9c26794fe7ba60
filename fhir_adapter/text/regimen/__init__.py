"""The treatment regimen parser: an arm's drugs, doses and schedule, read from its dosing texts.

Plain results, no FHIR (model.py). Modules, in the order a parse uses them: doses.py, schedule.py and
cycles.py find doses, schedule words and cycle statements; names.py and lexicon.py the arm's drug
names; reading.py reads a text, once per trial (trial.py); scope.py keeps the passages of a shared text
that apply to the arm; segments.py, entries.py and labels.py cut a text into drugs and read each dose
with its schedule (text_parse.py); merge.py joins what the arm and intervention texts say; finish.py
settles what needs the whole arm; confidence.py withholds the doses and days the arm's words give reason to
doubt; parse.py runs the steps; phases.py splits a regimen by cycle.
"""

from fhir_adapter.text.markdown import unescape
from fhir_adapter.text.regimen.model import (
    CyclePhase,
    CycleRange,
    DoseCondition,
    DrugDose,
    Duration,
    Frequency,
    Offset,
    Regimen,
)
from fhir_adapter.text.regimen.names import is_drug_intervention, linked_interventions
from fhir_adapter.text.regimen.parse import parse_regimen
from fhir_adapter.text.regimen.phases import cycle_phases

__all__ = [
    "CyclePhase",
    "CycleRange",
    "DoseCondition",
    "DrugDose",
    "Duration",
    "Frequency",
    "Offset",
    "Regimen",
    "cycle_phases",
    "is_drug_intervention",
    "linked_interventions",
    "parse_regimen",
    "unescape",
]
