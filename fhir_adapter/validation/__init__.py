"""Stage 5: layered checks of resources and Bundles, reported as ValidationIssues (docs/architecture.md,
"Validation").

Layers, each named in the issues it reports: "model" (fhir.resources R4B), "r4-schema" (the official R4 JSON
Schema, one resource type at a time), "invariant" (FHIRPath invariants of the R4 StructureDefinitions),
"references" (references that do not resolve), "ucum" (unit codes), "project" (fhir-adapter's own rules,
on fhir-adapter's output: see layers.RuleSet), "input" (a file that is not FHIR JSON) and "server" (a FHIR
server's $validate, only when asked for).
"""

from __future__ import annotations

from fhir_adapter.validation.issues import Severity, ValidationIssue
from fhir_adapter.validation.layers import Checked, RuleSet, check_document, check_resource, validate_bundle
from fhir_adapter.validation.outcome import format_text, to_junit_xml, to_operation_outcome
from fhir_adapter.validation.report import (
    ValidationReport,
    fhir_files,
    validate_document,
    validate_file,
    validate_files,
)
from fhir_adapter.validation.server import validate_on_server
from fhir_adapter.validation.versions import check_resource_as, validate_bundle_as

__all__ = [
    "Checked",
    "RuleSet",
    "Severity",
    "ValidationIssue",
    "ValidationReport",
    "check_document",
    "check_resource",
    "check_resource_as",
    "fhir_files",
    "format_text",
    "to_junit_xml",
    "to_operation_outcome",
    "validate_bundle",
    "validate_bundle_as",
    "validate_document",
    "validate_file",
    "validate_files",
    "validate_on_server",
]
