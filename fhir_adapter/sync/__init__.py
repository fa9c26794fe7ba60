"""Stage 7: orchestrate pushes to a FHIR server (diff against what it holds, write the rest, journal) and
keep a server in sync with ClinicalTrials.gov (fetch, incremental state, resume)."""

from fhir_adapter.sync.diff import comparable, describe_changes
from fhir_adapter.sync.fetch import FetchReport, fetch_pages, fetch_to_folder, matching_ids, write_study
from fhir_adapter.sync.journal import Journal
from fhir_adapter.sync.plan import ResourceChange
from fhir_adapter.sync.push import (
    NOT_ATTEMPTED,
    SyncOptions,
    TrialPusher,
    TrialSync,
    sync_trial,
    sync_trials,
)

__all__ = [
    "NOT_ATTEMPTED",
    "FetchReport",
    "Journal",
    "ResourceChange",
    "SyncOptions",
    "TrialPusher",
    "TrialSync",
    "comparable",
    "describe_changes",
    "fetch_pages",
    "fetch_to_folder",
    "matching_ids",
    "sync_trial",
    "sync_trials",
    "write_study",
]
