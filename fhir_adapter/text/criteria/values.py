"""Read a threshold in the words after a measure: comparator, number or range, and a unit it can have.

A number without a comparator ("total bilirubin 3 times normal") is not guessed at. Units are kept as written
(as UCUM), never converted.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from fhir_adapter.text.criteria.measures import CONDITIONAL_BEFORE
from fhir_adapter.text.criteria.model import Fact
from fhir_adapter.text.criteria.words import (
    COMPARATOR,
    COMPARATOR_CODES,
    NUMBER,
    POST_COMPARATOR,
    RANGE_JOIN,
    UNITLESS_DEFAULT,
    UNITS,
    allowed_units,
    parse_number,
)
from fhir_adapter.text.first_chars import guarded

# Every pattern here is linear on any text (issue 11): none starts with white space (callers skip it with
# skip_spaces), a number starts where no digit precedes it, and the white space between a comparator and
# its number is taken whole; lists of values are bounded.
_VALUE = re.compile(
    rf"(?:(?P<comp>{COMPARATOR})\s*+)?(?:(?:of|to|than)\s++)?(?P<num>{NUMBER})"
    rf"(?:\s*{RANGE_JOIN}\s*(?P<num2>{NUMBER}))?(?P<ors>(?:\s*+,\s*+{NUMBER}){{0,8}}+\s*+,?\s*+or\s++{NUMBER})?"
    rf"\s*(?P<unit>{UNITS})?(?:\s*(?:of\s+age|old))?(?P<post>\s*{POST_COMPARATOR})?",
    re.IGNORECASE,
)
_BETWEEN = re.compile(
    rf"\bbetween\s++(?P<num>{NUMBER})(?:\s*+(?P<unit1>{UNITS}))?\s++and\s++(?P<num2>{NUMBER})", re.I
)
_BARE_ULN = re.compile(
    rf"(?P<comp>{COMPARATOR})\s*+(?:the\s++)?(?:institutional\s++)?"
    r"(?:ULN\b|upper limit of (?:the\s+)?(?:institutional\s+)?normal(?: range)?)",
    re.IGNORECASE,
)
_CHAIN = re.compile(r"(?:and|but|to|,)", re.IGNORECASE)  # matched on stripped text
# Where a second value for the same measure starts: "(<= 5 x ULN if ...)", "... or <= 5 x ULN in ...",
# "NOTE: <= 5 x ULN is acceptable if ..." (NCT04318938).
_BRANCH_PAREN = re.compile(r"\((?:\s*+or\b)?")
# "..., and for patients with liver metastases < 5 x ULN": the subgroup's words end where its value starts
# (bounded, so linear); "<= 2.5 x ULN; <= 5 x ULN with liver metastases": a ";" right before a comparator.
_BRANCH_OR = re.compile(
    r"\b(?:or|note\s*+:|for (?:patients|subjects|participants|those)\b[^;.<>≤≥\d]{0,60}(?=[<>≤≥]))"
    r"|;(?:\s*+(?:males?|females?|men|women)\s*+:?)?(?=\s*+[<>≤≥])"
    # "QTc >= 450 ms in men, women >= 470 ms": a sex names the next value's subgroup
    r"|,\s*+(?:(?:males?|females?|men|women)\s*+:?)?(?=\s*+[<>≤≥])",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s*+")
_NUMBER = re.compile(NUMBER)
# The end of the clause a branch value may sit in: a ";" that no "or" follows, a line or a sentence.
_CLAUSE_END = re.compile(
    r";(?!\s*+(?:or\b|[<>≤≥]|(?:males?|females?|men|women)\s*+:?\s*+[<>≤≥]))|\n|\.\s+[A-Z]"
)
_CLAUSE = 160
_UNIT_AFTER = re.compile(rf"(?P<unit>{UNITS})")
_STOP = re.compile(r";|\n|\.\s+[A-Z]|\bif\b|\bunless\b|\bexcept\b|\bfor (?:patients|subjects|participants)\b")
_WINDOW = 90
# After a value and its unit: the unit goes on ("ml/min/1.72m2" read as far as "ml/min"), so it was not
# understood; a unit no kind here is measured in ("body weight >= 10 kg" after "age"); or the value is a
# change, not a level ("a >= 0.3 mg/dL increase"). Matched after skip_spaces.
_NOT_A_LEVEL = re.compile(
    r"(?:/|per\b|(?:kg|lbs?|cm|mmHg|bpm)\b|(?:\)\s*+|\([^()\n]{0,40}\)\s*+)?"
    r"(?:increase|decrease|rise|drop|fall|reduction|decline|change)\b)",
    re.IGNORECASE,
)
_INCLUSIVE = re.compile(r"(?:,\s*+)?\(?inclusive\b", re.IGNORECASE)  # matched after skip_spaces


class WindowFact(NamedTuple):
    """A fact read in a window of text, and where its value starts and ends in that window."""

    fact: Fact
    start: int
    end: int


def window_after(text: str, end: int) -> str:
    """Return the words after a mention that can hold its threshold: 90 characters, cut at a clause end."""
    window = text[end : end + _WINDOW]
    stop = _STOP.search(window)
    return window[: stop.start()] if stop else window


def facts_in_window(kind: str, window: str, mention: str, *, unit_required: bool = False) -> list[WindowFact]:
    """Return the facts of `kind` stated in `window` (the words after `mention`), in order."""
    between = _BETWEEN.search(window)
    if between:
        unit = _unit_after(window[between.end() :]) or between.group("unit1")
        code = unit_code(kind, unit)
        if code and (unit or not unit_required):
            low, high = parse_number(between.group("num")), parse_number(between.group("num2"))
            fact = Fact(kind, mention + window[: between.end()], low=low, high=high, unit=code)
            return [WindowFact(fact, between.start(), between.end())]
    facts = _value_facts(kind, window, mention, unit_required=unit_required)
    bare = _BARE_ULN.search(window)
    if not facts and bare and unit_code(kind, "ULN"):
        comparator = COMPARATOR_CODES.lookup(bare.group("comp"))
        fact = Fact(kind, mention + window[: bare.end()], comparator, 1.0, unit="{ULN}")
        facts.append(WindowFact(fact, bare.start(), bare.end()))
    return facts


def branch_facts(kind: str, clause: str, mention: str) -> list[WindowFact]:
    """Return further values for `kind` in the rest of its clause, after its first value: "ECOG 0-2 (0 to 3
    for participants >= 60)", "ALT <= 2.5 x ULN if no liver metastases or <= 5 x ULN with them". Only a
    value with a comparator or a range counts, so the numbers of the subgroup itself ("60") never do."""
    clause = clause[: _clause_end(clause)]
    starts = [m.end() for m in _BRANCH_OR.finditer(clause)]
    opening = _BRANCH_PAREN.match(clause, skip_spaces(clause, 0))
    if opening:
        starts.insert(0, opening.end())
    found = []
    for start in starts:
        match = _VALUE.match(clause, skip_spaces(clause, start))
        if match is None or not (match.group("comp") or match.group("num2") or match.group("ors")):
            continue
        fact = _fact_from_value(kind, match, match.group("unit"), mention + clause[: match.end()])
        if fact:
            found.append(WindowFact(fact, match.start(), match.end()))
    return found


def inclusive(comparator: str | None, text: str, end: int) -> str | None:
    """Return "<=" / ">=" for "<" / ">" followed by "inclusive" ("greater than 18 years old, inclusive",
    NCT05756322), else the comparator."""
    if comparator in ("<", ">") and _INCLUSIVE.match(text, skip_spaces(text, end)):
        return f"{comparator}="
    return comparator


def skip_spaces(text: str, position: int) -> int:
    """Return the position of the first character at or after `position` that is not white space."""
    match = _SPACES.match(text, position)
    return match.end() if match else position


def _clause_end(text: str) -> int:
    end = _CLAUSE_END.search(text, 0, _CLAUSE)
    return end.start() if end else min(len(text), _CLAUSE)


def _value_facts(kind: str, window: str, mention: str, *, unit_required: bool) -> list[WindowFact]:
    facts: list[WindowFact] = []
    matches = list(_VALUE.finditer(window))
    for index, match in enumerate(matches):
        if CONDITIONAL_BEFORE.search(window[max(0, match.start() - 25) : match.start()]):
            break
        unit_text = match.group("unit") or _chained_unit(window, matches, index)
        if unit_required and not unit_text:
            continue
        fact = _fact_from_value(kind, match, unit_text, mention + window[: match.end()])
        if fact:
            facts.append(WindowFact(fact, match.start(), match.end()))
            if not _CHAIN.match(window[match.end() :].lstrip()):
                break
        elif facts:
            break
    return facts


def _chained_unit(window: str, matches: list[re.Match[str]], index: int) -> str | None:
    """Return the unit of the next value when two are joined ("≥18 and < 65 years": both in years)."""
    if index + 1 >= len(matches):
        return None
    following = matches[index + 1]
    joined = _CHAIN.fullmatch(window[matches[index].end() : following.start()].strip())
    return following.group("unit") if joined else None


def _fact_from_value(kind: str, match: re.Match[str], unit_text: str | None, phrase: str) -> Fact | None:
    code = unit_code(kind, unit_text)
    if code is None or _NOT_A_LEVEL.match(match.string, skip_spaces(match.string, match.end())):
        return None
    value = parse_number(match.group("num"), unit=code)
    if kind == "hba1c" and not unit_text and value >= 1:
        return None  # "HbA1c < 8" could be % or mmol/mol: only a fraction ("< 0.099") is unitless for sure
    if match.group("ors") or match.group("num2"):
        return _range_fact(kind, match, value, code, phrase)
    comparator_text = match.group("comp") or match.group("post")
    comparator = COMPARATOR_CODES.lookup(comparator_text) if comparator_text else None
    comparator = inclusive(comparator, match.string, match.end())
    return Fact(kind, phrase, comparator, value, unit=code) if comparator else None


def _range_fact(kind: str, match: re.Match[str], value: float, code: str, phrase: str) -> Fact | None:
    """Return the range of "0-2" or "0, 1 or 2"; None when a comparator makes it something else."""
    if match.group("comp"):
        return None
    if match.group("ors"):
        numbers = [value, *(parse_number(n) for n in _NUMBER.findall(match.group("ors")))]
        return Fact(kind, phrase, low=min(numbers), high=max(numbers), unit=code)
    high = parse_number(match.group("num2"), unit=code)
    return Fact(kind, phrase, low=value, high=high, unit=code) if high > value else None


def _unit_after(text: str) -> str | None:
    match = _UNIT_AFTER.match(text, skip_spaces(text, 0))
    return match.group("unit") if match else None


def unit_code(kind: str, unit_text: str | None) -> str | None:
    """Return the UCUM code for `unit_text` when `kind` can have that unit (or its unitless default)."""
    if not unit_text:
        return UNITLESS_DEFAULT.get(kind)
    return allowed_units(kind, unit_text)


# Issue 16: the hot patterns behind a lookahead of the characters their matches start with
# (text/first_chars.py): the same matches, two to five times faster on criteria text. Not _VALUE: its
# guard costs 10 ms of start-up, more than it saves on a few hundred records.
_BARE_ULN = guarded(_BARE_ULN)
