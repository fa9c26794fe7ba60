"""Find recognisable thresholds and statuses in one eligibility criterion: plain facts, no FHIR.

A lab or score fact needs a measure ("platelet count"), a comparator ("<", "at least") or a range
("0-2", "0, 1 or 2"), a number and a unit the measure can have ("x 10^9/L", "x ULN"). A number without a
comparator ("total bilirubin 3 times normal") is not guessed at: it comes back as an unclear phrase for a
data-quality warning. Units are kept as written (as UCUM), never converted. Thresholds for a subgroup
("<= 5 x ULN for patients with liver metastases") are left out: the first, general one is the criterion's.
"""

from __future__ import annotations

import re

from fhir_adapter.text.criteria.age_facts import age_facts
from fhir_adapter.text.criteria.measures import (
    ANY_MEASURE,
    BOOLEAN_KINDS,
    CONDITIONAL_BEFORE,
    CONNECTOR,
    CONTRACEPTION,
    PREGNANCY_TEST,
)
from fhir_adapter.text.criteria.model import Fact, MeasureMention, Unclear
from fhir_adapter.text.criteria.values import facts_in_window, window_after
from fhir_adapter.text.criteria.words import NUMBER, UNITS

_PRE_COMPARATOR = re.compile(r"\b(?P<comp>minimum|at least|maximum)\s+(?:of\s+)?$", re.IGNORECASE)
_HAS_DIGIT = re.compile(r"\d")
_BARE_NUMBER = re.compile(rf"[\s:(]*(?P<num>{NUMBER})\s*(?:{UNITS}|times normal|x normal)", re.I)


def analyse(text: str) -> tuple[tuple[Fact, ...], tuple[Unclear, ...]]:
    """Return the facts in `text` and the unclear thresholds among measures with no fact."""
    if not _HAS_DIGIT.search(text):
        return _dedupe(text, _status_facts(text)), ()
    mentions = _mentions(text)
    facts = _dedupe(text, [*_measure_facts(text, mentions), *age_facts(text), *_status_facts(text)])
    found = {fact.kind for fact in facts}
    unclear = tuple(u for u in _unclear(text, mentions) if not set(u.kind.split("/")) & found)
    return facts, unclear


def find_facts(text: str) -> tuple[Fact, ...]:
    """Return the facts stated in `text`, in order of appearance, one per kind and direction."""
    return analyse(text)[0]


def _dedupe(text: str, found: list[Fact]) -> tuple[Fact, ...]:
    facts = sorted(found, key=lambda f: _position(text, f))
    kept: dict[tuple[str, str], Fact] = {}
    for fact in facts:
        direction = "range" if fact.low is not None else (fact.comparator or "status").rstrip("=")
        kept.setdefault((fact.kind, direction), fact)  # a later same-direction value is a subgroup's
    return tuple(sorted(kept.values(), key=lambda f: _position(text, f)))


def _position(text: str, fact: Fact) -> int:
    return text.find(fact.phrase)


def _unclear(text: str, mentions: list[MeasureMention]) -> tuple[Unclear, ...]:
    """Return measures followed by a number with no comparator, such as "total bilirubin 3 times normal"."""
    unclear = []
    for mention in mentions:
        match = _BARE_NUMBER.match(text, mention.end)
        if match and mention.kinds[0] not in ("ecog", "karnofsky"):
            phrase = text[mention.start : match.end()].strip()
            unclear.append(Unclear("/".join(mention.kinds), phrase))
    return tuple(unclear)


def _mentions(text: str) -> list[MeasureMention]:
    """Return runs of measure mentions joined only by connectors ("AST/ALT", "AST and ALT"), with spans."""
    mentions: list[MeasureMention] = []
    for match in ANY_MEASURE.finditer(text):
        start, end, kind = match.start(), match.end(), match.lastgroup or ""
        kinds = ("ast", "alt") if kind == "transaminases" else (kind,)
        if mentions and CONNECTOR.fullmatch(text[mentions[-1].end : start]):
            previous = mentions[-1]
            joined = previous.kinds + tuple(k for k in kinds if k not in previous.kinds)
            mentions[-1] = MeasureMention(joined, previous.start, end)
        else:
            mentions.append(MeasureMention(kinds, start, end))
    return mentions


def _measure_facts(text: str, mentions: list[MeasureMention]) -> list[Fact]:
    facts: list[Fact] = []
    for index, mention in enumerate(mentions):
        start, end = mention.start, mention.end
        if CONDITIONAL_BEFORE.search(text[max(0, start - 40) : start]):
            continue
        limit = mentions[index + 1].start if index + 1 < len(mentions) else len(text)
        window = window_after(text[:limit], end)
        before = _PRE_COMPARATOR.search(text[max(0, start - 20) : start])
        for kind in mention.kinds:
            found = facts_in_window(kind, window, text[start:end])
            if not found and before:
                stated = f" {before.group('comp')} {window.lstrip(' of')}"
                found = facts_in_window(kind, stated, text[start:end])
            facts.extend(found)
    return facts


def _status_facts(text: str) -> list[Fact]:
    facts = []
    for kind, pattern in BOOLEAN_KINDS:
        match = pattern.search(text)
        if not match:
            continue
        if kind == "pregnancy" and CONTRACEPTION.search(text) and not PREGNANCY_TEST.search(text):
            continue
        facts.append(Fact(kind, match.group(0)))
    return facts
