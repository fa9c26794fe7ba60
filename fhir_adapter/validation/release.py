"""The R5 (5.0.0) data the validator checks against: HL7's R5 JSON Schema and invariants.

Both come from npm hl7.fhir.r5.core 5.0.0 by `scripts/fetch_r5_data.py` and ship as package data: the schema
with the code lists of required bindings put back (the published one has almost none), and the FHIRPath
constraints in the same format as R4's (r4-invariants.json).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from fhir_adapter.validation.elements import Tables, fhirpath_type_tables

R5_SCHEMA_FILE = "fhir.r5.schema.json"
R5_INVARIANTS_FILE = "r5-invariants.json"
FHIRPATH_MODEL = "r5"


def _data(name: str) -> Any:
    return json.loads(resources.files("fhir_adapter.validation.data").joinpath(name).read_text("utf-8"))


@cache
def r5_definitions() -> dict[str, Any]:
    """Return the R5 schema's definitions (resource, datatype and backbone element name -> sub-schema)."""
    loaded: dict[str, Any] = _data(R5_SCHEMA_FILE)["definitions"]
    return loaded


@cache
def r5_invariants_document() -> dict[str, Any]:
    """Return r5-invariants.json: {"source", "types", "quantityProfiles"}."""
    loaded: dict[str, Any] = _data(R5_INVARIANTS_FILE)
    return loaded


@cache
def r5_tables() -> Tables:
    """Return what the element walk types R5 elements with."""
    profiles = r5_invariants_document()["quantityProfiles"]
    return Tables(r5_definitions(), fhirpath_type_tables(FHIRPATH_MODEL), profiles)


@cache
def r5_resource_types() -> frozenset[str]:
    """Return the names of R5's resource types."""
    choices = r5_definitions()["ResourceList"]["oneOf"]
    return frozenset(str(choice["$ref"]).rsplit("/", 1)[-1] for choice in choices)
