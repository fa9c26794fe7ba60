"""fhir-adapter: turn ClinicalTrials.gov records into checked FHIR resources and push them to an EHR."""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version

from fhir_adapter.bundle import build_bundle
from fhir_adapter.client import FhirClient
from fhir_adapter.convert import ConversionResult, convert_trials
from fhir_adapter.errors import (
    AuthError,
    FatalServerError,
    FhirAdapterError,
    InputError,
    MappingError,
    RetryableServerError,
    ServerError,
    SettingsError,
    ValidationFailed,
)
from fhir_adapter.resources import FhirVersion, build_trial_resources
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.sync import SyncOptions, sync_trials
from fhir_adapter.terms import Terms, load_terms
from fhir_adapter.validation import validate_bundle, validate_file

logging.getLogger(__name__).addHandler(logging.NullHandler())

try:
    __version__ = version("fhir-adapter")  # the installed distribution's, so it never drifts from pyproject
except PackageNotFoundError:  # a source tree on sys.path without installing it
    __version__ = "0+unknown"

__all__ = [
    "AuthError",
    "ConversionResult",
    "FatalServerError",
    "FhirAdapterError",
    "FhirClient",
    "FhirVersion",
    "InputError",
    "MappingError",
    "RetryableServerError",
    "ServerError",
    "SettingsError",
    "SyncOptions",
    "Terms",
    "TrialRecord",
    "ValidationFailed",
    "build_bundle",
    "build_trial_resources",
    "convert_trials",
    "load_terms",
    "read_trials",
    "sync_trials",
    "validate_bundle",
    "validate_file",
]
