"""Stage 1: read ClinicalTrials.gov records into plain, typed TrialRecords."""

from fhir_adapter.sources.duplicates import DuplicateRecord
from fhir_adapter.sources.files import ReadResult, read_study, read_trials, record_files
from fhir_adapter.sources.model import (
    Arm,
    Contact,
    Design,
    Eligibility,
    Intervention,
    Link,
    Mesh,
    Official,
    Organization,
    Outcome,
    Reference,
    ResponsibleParty,
    SecondaryId,
    Site,
    TrialRecord,
    canonical_mesh_id,
    is_unsure_mesh_id,
)
from fhir_adapter.sources.quality import DataQualityIssue, QualityReport

__all__ = [
    "Arm",
    "Contact",
    "DataQualityIssue",
    "Design",
    "DuplicateRecord",
    "Eligibility",
    "Intervention",
    "Link",
    "Mesh",
    "Official",
    "Organization",
    "Outcome",
    "QualityReport",
    "ReadResult",
    "Reference",
    "ResponsibleParty",
    "SecondaryId",
    "Site",
    "TrialRecord",
    "canonical_mesh_id",
    "is_unsure_mesh_id",
    "read_study",
    "read_trials",
    "record_files",
]
