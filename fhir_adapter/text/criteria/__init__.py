"""Eligibility criteria as plain results, no FHIR: one pass per step.

1. `markdown.unescape`: CT.gov's Markdown escapes (`\\<`, `m\\^2`) removed, so every later text is verbatim;
2. `structure.split_criteria`: sections, list items, nesting and prose, as numbered criterion texts;
3. `facts.analyse`: the thresholds and statuses each criterion states, and its unclear thresholds.
"""

from __future__ import annotations

from fhir_adapter.text.criteria.facts import analyse
from fhir_adapter.text.criteria.markdown import unescape
from fhir_adapter.text.criteria.model import EXCLUSION, INCLUSION, Criterion, CriterionText, Fact, Unclear
from fhir_adapter.text.criteria.structure import split_criteria

__all__ = ["EXCLUSION", "INCLUSION", "Criterion", "Fact", "Unclear", "parse_criteria"]


def parse_criteria(markdown: str) -> tuple[Criterion, ...]:
    """Return the criteria of an eligibilityCriteria text, in source order, with their facts."""
    return tuple(_read_facts(criterion) for criterion in split_criteria(unescape(markdown)))


def _read_facts(criterion: CriterionText) -> Criterion:
    whole = criterion.full_text
    facts, unclear = analyse(f"{criterion.context} {whole}" if criterion.context else whole)
    return Criterion(criterion.section, criterion.index, criterion.text, criterion.sub_items, facts, unclear)
