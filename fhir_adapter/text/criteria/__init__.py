"""Eligibility criteria as plain results, no FHIR: one pass per step.

1. `text.markdown.unescape`: CT.gov's Markdown escapes (`\\<`, `m\\^2`) removed, so later text is
   verbatim, and the HTML character references some records carry (`\\&lt; 50%`, `Investigator\\&#39;s`)
   read as their characters;
2. `structure.split_criteria`: sections, list items, nesting and prose, as numbered criterion texts;
3. `facts.read_part`: the thresholds and statuses each part of a criterion (its text, each sub-item) states;
4. `logic.combine`: which facts hold for everyone, which are alternatives, which a subgroup's; for an
   "A or B", `logic.unread_alternatives`: the words of the sides it read no threshold from;
5. `confidence.gate`: a fact with a general reason for doubt (a unit not of its measure, an implausible value,
   a status that is someone else's) is withheld: moved to the criterion's unclear phrases, with the reason;
6. `registry_ages.withhold_unbounded_ages`: with the record's structured age range, an age for everyone that
   is no end of it, where the text states the range elsewhere, is withheld the same way.

Texts longer than MAX_CRITERIA_CHARS are not parsed at all (the caller keeps them as text, with a finding):
every pattern is linear, and the bound keeps a hostile record from holding a batch up even so.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace

from fhir_adapter.sources import Eligibility
from fhir_adapter.text.ages import AgeRange, age_range
from fhir_adapter.text.criteria.age_facts import heads_others_ages
from fhir_adapter.text.criteria.conditions import subgroup_heading, with_subgroup
from fhir_adapter.text.criteria.confidence import gate
from fhir_adapter.text.criteria.facts import Reading, read_part
from fhir_adapter.text.criteria.logic import combine, or_runs, unread_alternatives, without_exclusion_bands
from fhir_adapter.text.criteria.model import (
    ALL_OF,
    ANY_OF,
    CONDITIONAL,
    EXCLUSION,
    INCLUSION,
    Criterion,
    CriterionText,
    Fact,
    Unclear,
)
from fhir_adapter.text.criteria.registry_ages import withhold_unbounded_ages
from fhir_adapter.text.criteria.structure import split_criteria
from fhir_adapter.text.markdown import unescape

__all__ = [
    "ALL_OF",
    "ANY_OF",
    "CONDITIONAL",
    "EXCLUSION",
    "INCLUSION",
    "MAX_CRITERIA_CHARS",
    "Criterion",
    "Fact",
    "Unclear",
    "parse_criteria",
    "parse_eligibility",
    "unescape",
]

# Three times the longest criteria text among the real records (16,870 characters, NCT02465060).
MAX_CRITERIA_CHARS = 50_000
# "LVEF \&lt; 50%", "QTcF \&gt; 460 ms" (NCT06760702): an HTML character reference, named or numbered
_CHARACTER_REFERENCE = re.compile(r"&(?:[a-zA-Z]{2,8}|#[0-9]{1,5}|#x[0-9a-fA-F]{1,4});")


def parse_criteria(markdown: str, ages: AgeRange | None = None) -> tuple[Criterion, ...]:
    """Return the criteria of an eligibilityCriteria text, in source order, with their facts and logic;
    nothing for a text over MAX_CRITERIA_CHARS. `ages` is the age range the record states in its structured
    fields, when the caller has it: an age the text states for everyone that is no end of it is withheld
    (registry_ages.py)."""
    if len(markdown) > MAX_CRITERIA_CHARS:
        return ()
    criteria = tuple(_read(criterion) for criterion in split_criteria(_characters(unescape(markdown))))
    return withhold_unbounded_ages(gate(_joined_by_or(criteria)), ages)


def parse_eligibility(eligibility: Eligibility) -> tuple[Criterion, ...]:
    """Return the criteria of a record's eligibility text, read with the age range its structured fields
    state (the call every builder of a record's criteria makes, so they all withhold the same ages)."""
    ages = age_range(eligibility.minimum_age, eligibility.maximum_age)
    return parse_criteria(eligibility.criteria or "", ages)


def _joined_by_or(criteria: tuple[Criterion, ...]) -> tuple[Criterion, ...]:
    """Return the criteria with the inclusion items joined by an "OR" that ends each but the last
    (logic.or_runs) marked as each other's alternatives: either is enough, so neither threshold is required
    alone."""
    marked = list(criteria)
    for run in or_runs(criteria):
        for index in run:
            marked[index] = _as_alternatives(marked[index])
    return tuple(marked)


def _as_alternatives(criterion: Criterion) -> Criterion:
    """Return the criterion with its thresholds alternatives (any-of), unchanged when it has none."""
    if not any(f.is_threshold for f in criterion.facts):
        return criterion
    facts = tuple(replace(f, alternative=True) if f.is_threshold else f for f in criterion.facts)
    return replace(criterion, facts=facts, logic=ANY_OF)


_COMPLEMENTS = {"<": ">=", ">=": "<", "<=": ">", ">": "<="}
# Ages split at two places or more in one criterion: the rows of a table keyed by age, not a subgroup's pair.
_TABLE_SPLITS = 2


def _without_complementary_ages(facts: tuple[Fact, ...]) -> tuple[Fact, ...]:
    """Return the facts without ages that split the patients at one age ("First line: Age <60 years and
    unfavorable risk ... Age> = 60 years old and intermediate risk", NCT05697510): read all-of, "< 60" and
    ">= 60" admit no one, so each names a subgroup, neither is a limit to meet. (Alternatives - any-of - keep
    them: each is a branch's limit, as the expectations record them.)"""
    ages = {(f.comparator, f.value, f.unit) for f in facts if f.kind == "age" and f.comparator}
    splits = {(c, v, u) for c, v, u in ages if c in ("<", "<=") and (_COMPLEMENTS[c], v, u) in ages}
    if len(splits) >= _TABLE_SPLITS:
        # "Age 1 to < 2 years ... Age 2 to < 6 years ... Age >= 16 years" (NCT02650414): a table of bands
        # keyed by age; its first band's lower end ("Age 1") names a row too, not a limit for everyone
        return tuple(f for f in facts if f.kind != "age" or not f.comparator)
    return tuple(
        f
        for f in facts
        if not (f.kind == "age" and f.comparator and (_COMPLEMENTS[f.comparator], f.value, f.unit) in ages)
    )


def _without_ages(reading: Reading) -> Reading:
    """Return a sub-item's reading without its ages: they define a subgroup's status, not the patient's."""
    return reading._replace(found=tuple(f for f in reading.found if f.fact.kind != "age"))


def _characters(text: str) -> str:
    """Return the text with its HTML character references ("&lt;", "&#39;") as the characters they name."""
    if "&" not in text:
        return text
    return _CHARACTER_REFERENCE.sub(lambda ref: html.unescape(ref.group()), text)


def _read(criterion: CriterionText) -> Criterion:
    first = f"{criterion.context} {criterion.text}" if criterion.context else criterion.text
    parts = (first, *criterion.sub_items)
    readings = [read_part(part) for part in parts]
    if criterion.sub_items and heads_others_ages(criterion.text):
        readings = [readings[0], *(_without_ages(reading) for reading in readings[1:])]
    facts, logic = combine(criterion.section, parts, readings)
    facts, bands = without_exclusion_bands(criterion.section, facts)
    facts = _without_complementary_ages(facts) if logic == ALL_OF else facts
    # under a sub-heading naming a subgroup ("Part B:"), or heading its own sub-items so, a fact holds for
    # that subgroup only: a threshold, and a status too ("Patients with T1D: ... pregnant" excludes no
    # pregnant patient of the other cohort). The logic names thresholds only (expectations README).
    subgroup = (
        subgroup_heading(criterion.context)
        or (subgroup_heading(criterion.text) if criterion.sub_items else None)
        or criterion.cohort
    )
    if subgroup and facts:
        facts = with_subgroup(facts, subgroup)
        if any(f.is_threshold for f in facts):
            logic = CONDITIONAL if logic == ALL_OF else logic
    unclear = (*(u for reading in readings for u in reading.unclear), *bands)
    if criterion.about_other:  # a donor's criteria: its values are not the patient's, kept as text only
        reason = f"a criterion of someone other than the patient ({criterion.about_other})"
        unclear = (*unclear, *(Unclear(f.kind, f.phrase, reason) for f in facts))
        facts, logic = (), ALL_OF
    words = unread_alternatives(parts, readings) if logic == ANY_OF else ()
    return Criterion(
        criterion.section, criterion.index, criterion.text, criterion.sub_items, facts, unclear, logic, words
    )
