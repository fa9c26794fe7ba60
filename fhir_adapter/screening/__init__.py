"""Stage 8: pre-screen patients against a trial's coded eligibility (`fhir-adapter screen`).

Reads the trial's eligibility Group (from a CT.gov record converted in memory, one of our Bundles, or a
server), reads each patient's data (a folder of patient Bundles, or a FHIR server), and reports per patient
and criterion met / not met / unknown with the data used, and a verdict: excluded, possible or likely.
"""

from fhir_adapter.screening.candidates import CandidateWrite, candidate_subject, write_candidates
from fhir_adapter.screening.evaluate import evaluate_characteristic, screen_patient, screen_patients
from fhir_adapter.screening.evidence import DEFAULT_LOOKBACK_DAYS, Evidence, ScreeningContext
from fhir_adapter.screening.findings import CriterionResult, Finding, PatientScreen, Result, Verdict
from fhir_adapter.screening.patients import PatientRecord, patients_in, read_patient_folder
from fhir_adapter.screening.report import CsvWriter, JsonWriter, TableWriter, Tally, patient_json
from fhir_adapter.screening.rules import ScreeningRules, load_screening_rules
from fhir_adapter.screening.server_patients import DataNeeds, data_needs, read_server_patients
from fhir_adapter.screening.trial import Characteristic, Criterion, ScreeningTrial, trial_from_group
from fhir_adapter.screening.trial_source import (
    find_study,
    is_nct_id,
    read_trial_file,
    read_trial_from_server,
)

__all__ = [
    "DEFAULT_LOOKBACK_DAYS",
    "CandidateWrite",
    "Characteristic",
    "Criterion",
    "CriterionResult",
    "CsvWriter",
    "DataNeeds",
    "Evidence",
    "Finding",
    "JsonWriter",
    "PatientRecord",
    "PatientScreen",
    "Result",
    "ScreeningContext",
    "ScreeningRules",
    "ScreeningTrial",
    "TableWriter",
    "Tally",
    "Verdict",
    "candidate_subject",
    "data_needs",
    "evaluate_characteristic",
    "find_study",
    "is_nct_id",
    "load_screening_rules",
    "patient_json",
    "patients_in",
    "read_patient_folder",
    "read_server_patients",
    "read_trial_file",
    "read_trial_from_server",
    "screen_patient",
    "screen_patients",
    "trial_from_group",
    "write_candidates",
]
