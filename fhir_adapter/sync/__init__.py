"""Stage 7: orchestrate pushes to a FHIR server: diff against what it holds, write the rest, journal."""

from fhir_adapter.sync.diff import comparable, describe_changes
from fhir_adapter.sync.journal import Journal
from fhir_adapter.sync.push import (
    NOT_ATTEMPTED,
    ResourceChange,
    SyncOptions,
    TrialSync,
    sync_trial,
    sync_trials,
)

__all__ = [
    "NOT_ATTEMPTED",
    "Journal",
    "ResourceChange",
    "SyncOptions",
    "TrialSync",
    "comparable",
    "describe_changes",
    "sync_trial",
    "sync_trials",
]
