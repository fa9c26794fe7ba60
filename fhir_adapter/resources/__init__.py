"""Stage 3: build a trial's FHIR resources as plain JSON dicts, keys in the specification's element order."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from fhir_adapter.resources.common import FhirVersion, Json, ResourceKey

if TYPE_CHECKING:
    from fhir_adapter.resources.criteria_characteristics import fact_coding, fact_value, is_held_by_logic
    from fhir_adapter.resources.eligibility_variable import r5_statement
    from fhir_adapter.resources.trial import BuiltResource, TrialResources, build_trial_resources

__all__ = [
    "BuiltResource",
    "FhirVersion",
    "Json",
    "ResourceKey",
    "TrialResources",
    "build_trial_resources",
    "fact_coding",
    "fact_value",
    "is_held_by_logic",
    "r5_statement",
]

# The builders (and the criteria and dosing parsers they use, whose patterns take a fifth of a second to
# compile) are imported when first used: `--fhir-version` needs FhirVersion, not the builders (PEP 562).
_LAZY = {
    "BuiltResource": "fhir_adapter.resources.trial",
    "TrialResources": "fhir_adapter.resources.trial",
    "build_trial_resources": "fhir_adapter.resources.trial",
    "r5_statement": "fhir_adapter.resources.eligibility_variable",
    "fact_coding": "fhir_adapter.resources.criteria_characteristics",
    "fact_value": "fhir_adapter.resources.criteria_characteristics",
    "is_held_by_logic": "fhir_adapter.resources.criteria_characteristics",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
