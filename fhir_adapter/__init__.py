"""fhir-adapter: turn ClinicalTrials.gov records into checked FHIR resources and push them to an EHR."""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fhir_adapter.bundle import build_bundle
    from fhir_adapter.client import FhirClient
    from fhir_adapter.convert import ConversionResult, convert_trials
    from fhir_adapter.resources import FhirVersion, build_trial_resources
    from fhir_adapter.sources import TrialRecord, read_trials
    from fhir_adapter.sync import SyncOptions, sync_trials
    from fhir_adapter.terms import Terms, load_terms
    from fhir_adapter.validation import validate_bundle, validate_file
from importlib.metadata import PackageNotFoundError, version

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

logging.getLogger(__name__).addHandler(logging.NullHandler())

# The public API is imported when first used, not with the package: `fhir-adapter --help` and a one-record
# convert must not pay for the HTTP client, the FHIR models and the FHIRPath engine (PEP 562).
_LAZY = {
    "build_bundle": "fhir_adapter.bundle",
    "FhirClient": "fhir_adapter.client",
    "ConversionResult": "fhir_adapter.convert",
    "convert_trials": "fhir_adapter.convert",
    "FhirVersion": "fhir_adapter.resources",
    "build_trial_resources": "fhir_adapter.resources",
    "TrialRecord": "fhir_adapter.sources",
    "read_trials": "fhir_adapter.sources",
    "SyncOptions": "fhir_adapter.sync",
    "sync_trials": "fhir_adapter.sync",
    "Terms": "fhir_adapter.terms",
    "load_terms": "fhir_adapter.terms",
    "validate_bundle": "fhir_adapter.validation",
    "validate_file": "fhir_adapter.validation",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
