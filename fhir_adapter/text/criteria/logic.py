"""How the facts of one criterion combine: which hold for everyone, which are alternatives, which are a
subgroup's or a past time point's. The pass after facts.py; the rules of docs/eligibility-r4.md points 1-3.

- "A or B" between thresholds of different facts (a different measure, or the same measure with another
  value: "bilirubin <= ULN; or <= 3 x ULN with Gilbert's"), a threshold "or" a measure with none ("ECOG
  0-1 or Lansky"), a threshold with an unstated alternative ("Age >= 18 years (or per national
  guidelines)"), and "one of the following" lists: each such fact is an `alternative`. The same threshold
  in another unit ("Hb >= 9 g/dL or >= 5.6 mmol/L") is one fact said twice, and is kept once.
- A subgroup or time-point phrase ("for participants >= 60 years", "if liver metastases", "in patients with
  Gilbert's", "(age >= 16 years)", "at diagnosis") conditions the threshold it governs, and that one only
  (conditions.py): the criterion is `conditional`, and a reader keeps the threshold of that measure for
  everyone else apart from the subgroup's. An age inside such a phrase defines the subgroup, not a fact.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from itertools import pairwise

from fhir_adapter.text.criteria.conditions import BOUNDARY, joined_by_and, with_conditions, without_age_bands
from fhir_adapter.text.criteria.facts import Reading
from fhir_adapter.text.criteria.model import (
    ALL_OF,
    ANY_OF,
    CONDITIONAL,
    EXCLUSION,
    INCLUSION,
    Criterion,
    Fact,
    Found,
    Unclear,
)
from fhir_adapter.text.criteria.values import skip_spaces
from fhir_adapter.text.first_chars import guarded

# "one of the following" and its kin: alternatives (statement.py reads a heading over a list with it too)
ONE_OF = re.compile(
    # "meeting 1 of the following staging criteria" (NCT00070200): the digit as the word
    r"\b(?:(?:at\s+least|any|only|exactly)\s+)?(?:one|1)\s+(?:or\s+more\s+)?of\s+the\s+following\b"
    r"|\bany\s+of\s+the\s+following\b",
    re.IGNORECASE,
)
# "Age >= 18 years (or per national guidelines)" (NCT02513394): the threshold has an unstated alternative.
_OR_OTHERWISE = re.compile(
    r"\(\s*+or\s++[^()]{0,60}?\b(?:guidelines?|regulations?|laws?|legal|majority|countr(?:y|ies)|local)\b",
    re.IGNORECASE,
)
# "at least 18 years or the legal age of consent in the jurisdiction ..." (NCT06346392): the same,
# unbracketed; only a legal or local age, so that "18 years or older" or "or the patient's guardian" are
# not read as one.
_OR_LEGAL_AGE = re.compile(
    r"(?:,\s*+)?or\s++(?:the\s++|an?\s++)?(?:(?:legal|local|minimum|national)\s++)?(?:age\s++of\s++(?:legal\s++)?"
    r"(?:consent|majority|adulthood)|(?:legal|consenting)\s++age|age\s++(?:required\s++)?(?:by|per|according\s++to)\s++"
    r"(?:local|national|country))[^;.\n]{0,120}",
    re.IGNORECASE,
)
# "at least 18 years (or the age of legal consent, whichever is older)": a lower limit that must meet both,
# so not an alternative (matched inside the bracket _OR_OTHERWISE found).
_WHICHEVER_STRICTER = re.compile(r"\bwhichever\s++is\s++(?:older|greater|higher|later|more)\b", re.IGNORECASE)
# A sentence that lets a subgroup in: "Patients aged < 60 years who ... may be eligible after discussion
# with PI". From a sentence start (a bounded run of its words, so linear) to its end.
_PERMISSION = re.compile(
    r"(?:(?<=[.;]\s)|(?<=\n)|^)[A-Z][^.;\n]{0,200}?\b(?:may|might|can|could)\s++(?:also\s++|still\s++)?be\s++"
    r"(?:eligible|included|enrolled|considered|allowed)\b[^.;\n]{0,200}"
)
# A sentence that waives the limits before it for patients who miss them: "Patients who do not meet above
# organ function criteria ... may have exception made for these criteria and remain eligible" (NCT01339988),
# "can be eligible even if they do not fulfill the aforementioned values" (NCT05740449). Bounded runs of words
# within one sentence, so linear.
_WAIVER = re.compile(
    r"\b(?:do|does)\s++not\s++(?:meet|fulfil+|satisfy)\b[^.;\n]{0,200}?\b(?:may|might|can|could)\s++"
    r"(?:have\s++(?:an?\s++)?exceptions?\b|(?:still\s++|also\s++)?(?:be|remain)\s++(?:eligible|included|enrolled)\b)"
    r"|\b(?:may|might|can|could)\s++(?:still\s++|also\s++)?be\s++(?:eligible|included|enrolled)\s++even\s++if\s++"
    r"(?:they|he|she|the\s++(?:patients?|participants?|subjects?))\s++(?:do|does)\s++not\s++(?:meet|fulfil+|satisfy)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.;\n]")
_ENDS_WITH_OR = re.compile(r"\bor\s*$", re.IGNORECASE)
# An item that ends with "OR" ("ECOG 0-2 OR", "..., or"): the next item is its alternative (or_runs).
ITEM_ENDS_WITH_OR = re.compile(r"\bOR\s*[.,;:]?\s*$|\bor\s*[,;:]?\s*$")
_PARENTHETICAL = re.compile(r"\([^()]{0,60}\)")
_NAMES_OR = re.compile(r"(?<!and/)\bor\b", re.IGNORECASE)
_OR_WORDS = frozenset({"or", "and/or"})
_OR_WORD = re.compile(r"\b(?:and/)?or\b", re.IGNORECASE)
_LEADING_OR = re.compile(r"^[(,\s]*+or\s++", re.IGNORECASE)
_PUNCTUATION = " \t\n,;:.("
_GAP_LIMIT = 120
_WORDS_BEFORE_OR = 8
_WORDS_AFTER_OR = 3

Span = tuple[int, int]


def combine(section: str, parts: Sequence[str], readings: Sequence[Reading]) -> tuple[tuple[Fact, ...], str]:
    """Return the criterion's facts (each with its condition and alternative marks) and its logic."""
    listed_from = _one_of_start(parts)
    facts: list[Fact] = []
    has_alternatives = False
    for index, (text, reading) in enumerate(zip(parts, readings, strict=True)):
        found = with_conditions(text, list(reading.found))
        found, alternatives = _with_alternatives(text, found, reading)
        if section == INCLUSION:
            found, permitted = _with_permitted_exception(text, found)
            found, waived = _with_waiver(text, found)
            alternatives |= permitted or waived
        if section == EXCLUSION:
            found = joined_by_and(text, found)
        has_alternatives |= alternatives or _names_or(text, found, reading)
        start = _listed_start(index, listed_from)
        if start is not None:
            found = [_as_alternative(f) if f.start >= start else f for f in found]
            # a measure named in the list, or a threshold read there (an age has no measure mention)
            has_alternatives |= any(m.start >= start for m in reading.mentions) or any(
                f.start >= start and f.fact.is_threshold for f in found
            )
        facts.extend(f.fact for f in found)
    facts = without_age_bands(facts)
    return _unique(facts), _logic(section, facts, has_alternatives)


def or_runs(criteria: Sequence[Criterion]) -> tuple[tuple[int, ...], ...]:
    """Return the positions of each run of consecutive inclusion items joined by an "OR" that ends each but
    the last ("Shortening fraction at least 27% by echocardiogram OR" / "Ejection fraction at least 50% by
    MUGA", NCT00070200): either item is enough. Only runs of two items or more."""
    runs: list[list[int]] = []
    joins_next = False
    for index, criterion in enumerate(criteria):
        if joins_next and criterion.section == INCLUSION:
            runs[-1].append(index)
        else:
            runs.append([index])
        joins_next = criterion.section == INCLUSION and bool(ITEM_ENDS_WITH_OR.search(criterion.full_text))
    return tuple(tuple(run) for run in runs if len(run) > 1)


def without_exclusion_bands(
    section: str, facts: tuple[Fact, ...]
) -> tuple[tuple[Fact, ...], tuple[Unclear, ...]]:
    """Return an exclusion's facts without the two limits of one band ("HbA1c 7% to <8%", read as >= 7 and
    < 8), each then an unclear phrase: every exclusion fact excludes on its own, and excluding ">= 7" and
    "< 8" apart would exclude everyone. An inclusion's band is two limits to meet, and stays."""
    if section != EXCLUSION:
        return facts, ()
    lower = {(f.kind, f.phrase) for f in facts if f.is_threshold and f.comparator in (">", ">=")}
    upper = {(f.kind, f.phrase) for f in facts if f.is_threshold and f.comparator in ("<", "<=")}
    bands = lower & upper
    if not bands:
        return facts, ()
    kept = tuple(f for f in facts if (f.kind, f.phrase) not in bands or not f.is_threshold)
    return kept, tuple(Unclear(kind, phrase) for kind, phrase in sorted(bands))


def _logic(section: str, facts: list[Fact], has_alternatives: bool) -> str:
    """Return the logic as requirements: an exclusion "A or B" asks for neither A nor B, which is all-of."""
    if section == INCLUSION and has_alternatives:
        return ANY_OF
    if any(f.condition or f.timing for f in facts):
        return CONDITIONAL
    return ALL_OF


def _unique(facts: list[Fact]) -> tuple[Fact, ...]:
    """Return each fact once: a repeat adds nothing, unless it holds for another subgroup or time."""
    kept: dict[tuple[object, ...], Fact] = {}
    for fact in facts:
        value = (fact.kind, fact.comparator, fact.value, fact.low, fact.high, fact.unit)
        kept.setdefault((*value, fact.condition, fact.timing), fact)
    return tuple(kept.values())


def _with_permitted_exception(text: str, found: list[Found]) -> tuple[list[Found], bool]:
    """Return the facts when a later sentence lets a subgroup in past a threshold ("Age >= 60 years. Patients
    aged < 60 years who are unsuitable for standard induction therapy may be eligible after discussion with
    PI", NCT01515527): the threshold is one of two ways in (an alternative), and the limit inside the
    permission names whom it lets in, so it is no fact. Returns whether there was such a sentence."""
    sentence = _permission(text, found)
    if sentence is None:
        return found, False
    start, _ = sentence
    kinds = {f.fact.kind for f in found if f.start >= start and f.fact.is_threshold}
    kept = [
        _as_alternative(f) if f.end <= start and f.fact.kind in kinds else f
        for f in found
        if not (f.start >= start and f.fact.is_threshold)
    ]
    return kept, True


def _permission(text: str, found: list[Found]) -> Span | None:
    """Return the span of a permission sentence after a threshold, holding a limit on the same measure."""
    thresholds = [f for f in found if f.fact.is_threshold]
    for match in _PERMISSION.finditer(text):
        inside = {f.fact.kind for f in thresholds if match.start() <= f.start < match.end()}
        before = {f.fact.kind for f in thresholds if f.end <= match.start()}
        if inside & before:
            return match.start(), match.end()
    return None


def _with_waiver(text: str, found: list[Found]) -> tuple[list[Found], bool]:
    """Return the facts with the thresholds before a waiver sentence marked as alternatives: a patient who
    misses them may still be eligible (an unstated alternative, as "Age >= 18 years (or per national
    guidelines)"), so none is required alone. Returns whether there was such a sentence."""
    span = _waiver(text, found)
    if span is None:
        return found, False
    return [_as_alternative(f) if f.end <= span[0] else f for f in found], True


def _waiver(text: str, found: list[Found]) -> Span | None:
    """Return the span of a waiver sentence that follows a threshold, from where its sentence (or the words
    after the last threshold) starts to its end, or None."""
    match = _WAIVER.search(text)
    if match is None:
        return None
    ends = [f.end for f in found if f.fact.is_threshold and f.end <= match.start()]
    if not ends:
        return None
    breaks = [m.end() for m in _SENTENCE_END.finditer(text, max(ends), match.start())]
    start = max([max(ends), *breaks])
    stop = _SENTENCE_END.search(text, match.end())
    return start, stop.start() if stop else len(text)


def waiver_words(text: str, found: list[Found]) -> str:
    """Return the words of the waiver sentence `_with_waiver` reads, or ""."""
    span = _waiver(text, found)
    return text[span[0] : span[1]] if span else ""


def permitted_exception_words(text: str, found: list[Found]) -> str:
    """Return the words of the permission sentence `_with_permitted_exception` reads, or ""."""
    sentence = _permission(text, found)
    return text[sentence[0] : sentence[1]] if sentence else ""


def _with_alternatives(text: str, found: list[Found], reading: Reading) -> tuple[list[Found], bool]:
    """Return the facts with "or" alternatives marked, restatements in another unit dropped, and whether
    the part joins a threshold by "or" to a different fact (or to a measure with no threshold)."""
    items = _items(found, reading)
    marked: set[Span] = set()
    dropped: set[Span] = set()
    joined = False
    for left, right in pairwise(items):
        if right[0] < left[1] or not _is_or_gap(text[left[1] : right[0]]):
            continue
        left_fact, right_fact = _fact_at(found, left), _fact_at(found, right)
        if left_fact is None and right_fact is None:
            continue
        if left_fact and right_fact and _is_restatement(left_fact, right_fact):
            dropped.add(right)
            continue
        joined = True
        marked.update(span for span, fact in ((left, left_fact), (right, right_fact)) if fact)
    for item in found:
        if item.fact.is_threshold and _has_unstated_alternative(text, item):
            marked.add((item.start, item.end))
            joined = True
    # a threshold read from the same words as an alternative is part of that branch ("Age 4 to <8 years
    # (phase 1) or ...": >= 4 and < 8 together)
    marked |= {
        (f.start, f.end)
        for f in found
        if f.fact.is_threshold and any(f.start < end and start < f.end for start, end in marked)
    }
    result = [
        # every limit read from the marked words is an alternative ("4 to <8 years": >= 4 and < 8)
        f._replace(fact=replace(f.fact, alternative=True)) if f.end in {end for _, end in marked} else f
        for f in found
        if (f.start, f.end) not in dropped
    ]
    return result, joined


def unread_alternatives(parts: Sequence[str], readings: Sequence[Reading]) -> tuple[str, ...]:
    """Return the verbatim words of each side of an "or" that `combine` marks but reads no threshold from:
    a measure without a value ("ECOG 0 or 1 (age >= 16 years) or Lansky (age < 16 years)": "Lansky (age <
    16 years)") and a threshold's unstated alternative ("Age >= 18 years (or per national guidelines)":
    "per national guidelines"). A reader carries each as its own alternative, in words."""
    words: list[str] = []
    for text, reading in zip(parts, readings, strict=True):
        found = with_conditions(text, list(reading.found))
        items = _items(found, reading)
        for index, (left, right) in enumerate(pairwise(items)):
            gap = text[left[1] : right[0]]
            if right[0] < left[1] or not _is_or_gap(gap):
                continue
            left_fact, right_fact = _fact_at(found, left), _fact_at(found, right)
            if (left_fact is None) == (right_fact is None):
                continue  # both thresholds (coded alternatives, or one said twice) or neither
            or_at = left[1] + [m.start() for m in _OR_WORD.finditer(gap)][-1]
            if left_fact is None:
                words.append(text[left[0] : or_at])
            else:
                words.append(text[right[0] : _alternative_end(text, items, index + 1)])
        words.extend(_unstated(text, item) for item in found if item.fact.is_threshold)
        words.append(permitted_exception_words(text, found))
        words.append(waiver_words(text, found))
    return tuple(kept for w in words if (kept := _trimmed(w)))


def _trimmed(words: str) -> str:
    """Return the words without the punctuation and the dangling "and" / "or" after them.

    >>> _trimmed("Lansky (age < 16 years), and "), _trimmed("Karnofsky; or")
    ('Lansky (age < 16 years)', 'Karnofsky')
    """
    trimmed = words.strip().rstrip(_PUNCTUATION)
    while (dangling := trimmed.rsplit(None, 1)[-1].lower() if trimmed else "") in ("and", "or"):
        trimmed = trimmed[: -len(dangling)].rstrip(_PUNCTUATION)
    return trimmed


def _alternative_end(text: str, items: list[Span], index: int) -> int:
    """Return where the words of the alternative at `items[index]` end: at the "or" before the next
    alternative, else where the next item or clause starts."""
    start = items[index][1]
    end = items[index + 1][0] if index + 1 < len(items) else len(text)
    boundary = BOUNDARY.search(text, start, end)
    if boundary:
        return boundary.start()
    or_words = [m.start() for m in _OR_WORD.finditer(text, start, end)] if _is_or_gap(text[start:end]) else []
    return or_words[-1] if or_words else end


def _unstated(text: str, item: Found) -> str:
    """Return the words of a threshold's unstated alternative ("per national guidelines"), or ""."""
    words = _otherwise_words(text, item)
    return _LEADING_OR.sub("", words, count=1) if words else ""


def _has_unstated_alternative(text: str, item: Found) -> bool:
    return bool(_otherwise_words(text, item))


def _otherwise_words(text: str, item: Found) -> str:
    """Return the words of the unstated alternative after a threshold ("(or per national guidelines)", "or
    the legal age of consent in the jurisdiction"), or "" when there is none or it must be met as well ("...,
    whichever is older": a lower limit that holds with the threshold, not instead of it)."""
    start = skip_spaces(text, item.end)
    otherwise = _OR_OTHERWISE.match(text, start)
    if otherwise is not None:
        bracket_end = text.find(")", otherwise.end())
        words = text[otherwise.start() : bracket_end if bracket_end >= 0 else len(text)]
    elif item.fact.kind == "age" and (legal := _OR_LEGAL_AGE.match(text, start)):
        words = legal.group()
    else:
        return ""
    stricter = item.fact.comparator in (">", ">=") and _WHICHEVER_STRICTER.search(words) is not None
    return "" if stricter else words


def _names_or(text: str, found: list[Found], reading: Reading) -> bool:
    """Return True when one threshold follows two measures joined by "or" ("creatinine clearance or GFR
    >= 50 mL/min/1.73 m2"): meeting either is enough, so coding both as required would be stricter."""
    starts = {f.start for f in found if f.fact.is_threshold}
    return any(
        len(set(m.kinds)) > 1
        and m.start in starts
        # "(AST or SGOT)" names one measure twice: an "or" in brackets joins synonyms (the mention may end
        # before its last bracket closes)
        and _NAMES_OR.search(_PARENTHETICAL.sub(" ", text[m.start : m.end] + ")")) is not None
        for m in reading.mentions
    )


def _items(found: list[Found], reading: Reading) -> list[Span]:
    """Return the spans of thresholds and of measure names without a threshold, in order."""
    spans = {(f.start, f.end) for f in found if f.fact.is_threshold}
    starts = {start for start, _ in spans}
    spans |= {(m.start, m.end) for m in reading.mentions if m.start not in starts}
    return sorted(spans)


def _fact_at(found: list[Found], span: Span) -> Fact | None:
    return next((f.fact for f in found if (f.start, f.end) == span and f.fact.is_threshold), None)


def _is_restatement(left: Fact, right: Fact) -> bool:
    """Return True for the same threshold in another unit ("ANC >= 1,500/uL or >= 1.5 x 10^9/L"), also when
    the converted value is rounded and written with the strict comparator ("Hemoglobin >=9 g/dL or >5.6
    mmol/L", NCT05695898): a limit from the same side, in another unit, is the same limit said twice."""
    same_side = _side(left.comparator) is not None and _side(left.comparator) == _side(right.comparator)
    return left.kind == right.kind and same_side and left.unit != right.unit


def _side(comparator: str | None) -> str | None:
    """Return "lower" for a lower limit (">", ">="), "upper" for an upper one ("<", "<="), else None."""
    if comparator in (">", ">="):
        return "lower"
    return "upper" if comparator in ("<", "<=") else None


def _is_or_gap(gap: str) -> bool:
    """Return True when the words between two thresholds join them by "or": "; or", ", or the", "(ULN) or".

    >>> _is_or_gap("; or total "), _is_or_gap(" if no liver metastases or "), _is_or_gap(" and ")
    (True, True, False)
    """
    if len(gap) > _GAP_LIMIT or BOUNDARY.search(gap):
        return False
    words = _PARENTHETICAL.sub(" ", gap).replace(";", " ").replace(",", " ").lower().split()
    positions = [i for i, word in enumerate(words) if word in _OR_WORDS]
    if not positions:
        return False
    last = positions[-1]
    return last <= _WORDS_BEFORE_OR and len(words) - last - 1 <= _WORDS_AFTER_OR


def _one_of_start(parts: Sequence[str]) -> int | None:
    """Return where a "one of the following" list starts in the first part (len(part) when it is the
    sub-items that are listed, as when they end in "or"), or None when the criterion has no such list."""
    intro = ONE_OF.search(parts[0])
    if intro:
        return intro.start()
    if len(parts) > 2 and any(_ENDS_WITH_OR.search(part) for part in parts[1:-1]):
        return len(parts[0])
    return None


def _listed_start(index: int, listed_from: int | None) -> int | None:
    """Return where part `index` starts to belong to the list: sub-items wholly, the text after it."""
    if listed_from is None:
        return None
    return listed_from if index == 0 else 0


def _as_alternative(found: Found) -> Found:
    return found._replace(fact=replace(found.fact, alternative=True)) if found.fact.is_threshold else found


# Issue 16: the hot patterns behind a lookahead of the characters their matches start with
# (text/first_chars.py): the same matches, two to five times faster on criteria text.
ONE_OF = guarded(ONE_OF)
