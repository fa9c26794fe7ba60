"""fhir-adapter: turn ClinicalTrials.gov records into checked FHIR resources and push them to an EHR.

The public API is `__all__` (documented in fhir_adapter/api.py and docs/architecture.md). Its names are
loaded on first use (module `__getattr__`, PEP 562), so `import fhir_adapter` stays cheap: the command
line's start-up and a worker process pay only for what they touch.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    __version__: str
    from fhir_adapter.api import convert_files, convert_record, push, validate
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
    from fhir_adapter.settings import Settings
    from fhir_adapter.sources import TrialRecord, read_study, read_trials
    from fhir_adapter.sync import SyncOptions, TrialSync, sync_trials
    from fhir_adapter.terms import Terms, load_terms
    from fhir_adapter.validation import ValidationReport, validate_bundle, validate_file

logging.getLogger(__name__).addHandler(logging.NullHandler())

# Each public name and the module that defines it.
_EXPORTS = {
    "convert_files": "fhir_adapter.api",
    "convert_record": "fhir_adapter.api",
    "push": "fhir_adapter.api",
    "validate": "fhir_adapter.api",
    "build_bundle": "fhir_adapter.bundle",
    "FhirClient": "fhir_adapter.client",
    "ConversionResult": "fhir_adapter.convert",
    "convert_trials": "fhir_adapter.convert",
    "AuthError": "fhir_adapter.errors",
    "FatalServerError": "fhir_adapter.errors",
    "FhirAdapterError": "fhir_adapter.errors",
    "InputError": "fhir_adapter.errors",
    "MappingError": "fhir_adapter.errors",
    "RetryableServerError": "fhir_adapter.errors",
    "ServerError": "fhir_adapter.errors",
    "SettingsError": "fhir_adapter.errors",
    "ValidationFailed": "fhir_adapter.errors",
    "FhirVersion": "fhir_adapter.resources",
    "build_trial_resources": "fhir_adapter.resources",
    "Settings": "fhir_adapter.settings",
    "TrialRecord": "fhir_adapter.sources",
    "read_study": "fhir_adapter.sources",
    "read_trials": "fhir_adapter.sources",
    "SyncOptions": "fhir_adapter.sync",
    "TrialSync": "fhir_adapter.sync",
    "sync_trials": "fhir_adapter.sync",
    "Terms": "fhir_adapter.terms",
    "load_terms": "fhir_adapter.terms",
    "ValidationReport": "fhir_adapter.validation",
    "validate_bundle": "fhir_adapter.validation",
    "validate_file": "fhir_adapter.validation",
}

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
    "Settings",
    "SettingsError",
    "SyncOptions",
    "Terms",
    "TrialRecord",
    "TrialSync",
    "ValidationFailed",
    "ValidationReport",
    "build_bundle",
    "build_trial_resources",
    "convert_files",
    "convert_record",
    "convert_trials",
    "load_terms",
    "push",
    "read_study",
    "read_trials",
    "sync_trials",
    "validate",
    "validate_bundle",
    "validate_file",
]


def __getattr__(name: str) -> Any:
    """Return the public name `name` (or `__version__`), importing its module on first use."""
    if name == "__version__":
        value: Any = _installed_version()
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later lookups skip __getattr__
    return value


def _installed_version() -> str:
    """Return the installed distribution's version, so it never drifts from pyproject."""
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415 - only when asked

    try:
        return version("fhir-adapter")
    except PackageNotFoundError:  # a source tree on sys.path without installing it
        return "0+unknown"


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, "__version__"})
