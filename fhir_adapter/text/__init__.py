"""Stage 2: plain-text parsers (ages, eligibility criteria, dosing). Plain results, no FHIR."""

from fhir_adapter.text.ages import parse_age

__all__ = ["parse_age"]
