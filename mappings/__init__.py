"""Mapping tables (FHIR ConceptMap JSON), shipped as the package fhir_adapter.mappings. Edit the JSON, not this."""
