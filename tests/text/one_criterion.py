"""Parse one criterion written as the only item of its section: the facts the fix-round tests compare."""

from __future__ import annotations

from fhir_adapter.text import INCLUSION, parse_criteria

Value = tuple[str, str | None, float | None, float | None, float | None, str | None]


def criterion_facts(text: str, section: str = INCLUSION) -> list[Value]:
    """Return (kind, comparator, value, low, high, unit) of each fact read from `text` as one criterion."""
    heading = "Inclusion Criteria:" if section == INCLUSION else "Exclusion Criteria:"
    criterion = parse_criteria(f"{heading}\n\n- {text}\n")[0]
    return [(f.kind, f.comparator, f.value, f.low, f.high, f.unit) for f in criterion.facts]


def fact_kinds(text: str, section: str = INCLUSION) -> set[str]:
    """Return the kinds of the facts read from `text` as one criterion."""
    return {kind for kind, *_ in criterion_facts(text, section)}
