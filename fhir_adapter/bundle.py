"""Stage 4: one deterministic FHIR transaction Bundle per trial, and its data-quality OperationOutcome.

Deterministic: the same record always gives the same bytes. fullUrls are `urn:uuid`s derived from each
resource's identifier, references inside the Bundle use them, and nothing reads the clock. Every entry is
a conditional update (`PUT Type?identifier=system|value`) without `id`, so pushing twice creates nothing
new and servers that refuse update-as-create with an id (docs/architecture.md, "The test FHIR server")
still accept it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import orjson
import pydantic_core

from fhir_adapter.resources import FhirVersion, Json, TrialResources
from fhir_adapter.sources import DataQualityIssue
from fhir_adapter.terms import PROJECT_BASE, rebase

BUNDLE_ID_SYSTEM = f"{PROJECT_BASE}/sid/ctgov-bundle"
# orjson writes dates and dataclasses its own way; refused here, they go to pydantic-core as before orjson.
_ORJSON_OPTIONS = (
    orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_APPEND_NEWLINE
)


def build_bundle(built: TrialResources, *, version: FhirVersion = FhirVersion.R4) -> Json:
    """Return the transaction Bundle that writes every resource of one trial."""
    return {
        "resourceType": "Bundle",
        "identifier": {
            "system": rebase(BUNDLE_ID_SYSTEM, from_base=PROJECT_BASE, to_base=built.identifier_base),
            "value": built.trial.nct_id,
        },
        "type": "transaction",
        "entry": [
            {
                "fullUrl": item.key.full_url,
                "resource": item.resource,
                "request": {"method": "PUT", "url": item.key.conditional_url},
            }
            for item in built.resources
        ],
    }


def quality_outcome(nct_id: str, issues: Iterable[DataQualityIssue]) -> Json:
    """Return the data-quality findings of one trial as an OperationOutcome (kept beside its Bundle)."""
    return {
        "resourceType": "OperationOutcome",
        "id": f"{nct_id}-data-quality",
        "issue": [
            {
                "severity": issue.severity,
                "code": "informational" if issue.severity == "information" else "incomplete",
                "details": {"text": str(issue)},
                "expression": [issue.field],
            }
            for issue in issues
        ]
        or [
            {
                "severity": "information",
                "code": "informational",
                "details": {"text": f"{nct_id}: no findings"},
            }
        ],
    }


def to_json_bytes(resource: Json, *, indent: int | None = None) -> bytes:
    """Return `resource` as the bytes the adapter writes: UTF-8, key order kept, final newline.

    Compact by default, through orjson: the same bytes as `json.dumps(separators=(",", ":"),
    ensure_ascii=False)` and as pydantic-core's encoder (which was five times faster than json), twice as
    fast again. What orjson refuses (an integer past 64 bits, a key that is not a string, a date) is
    written by pydantic-core, as before. `convert --indent 2` writes files for reading by eye.
    """
    if indent is None:
        try:
            return orjson.dumps(resource, option=_ORJSON_OPTIONS)
        except orjson.JSONEncodeError:
            return pydantic_core.to_json(resource) + b"\n"
    text = json.dumps(resource, indent=indent, separators=(",", ": "), ensure_ascii=False)
    return (text + "\n").encode("utf-8")
