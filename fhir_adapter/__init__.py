"""fhir-adapter: turn ClinicalTrials.gov records into checked FHIR resources and push them to an EHR."""

from __future__ import annotations

import logging

from fhir_adapter.bundle import build_bundle
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
from fhir_adapter.terms import Terms, load_terms
from fhir_adapter.validation import validate_bundle

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "AuthError",
    "ConversionResult",
    "FatalServerError",
    "FhirAdapterError",
    "FhirVersion",
    "InputError",
    "MappingError",
    "RetryableServerError",
    "ServerError",
    "SettingsError",
    "Terms",
    "TrialRecord",
    "ValidationFailed",
    "build_bundle",
    "build_trial_resources",
    "convert_trials",
    "load_terms",
    "read_trials",
    "validate_bundle",
]
