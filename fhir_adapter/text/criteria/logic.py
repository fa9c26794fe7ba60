"""How the facts of one criterion combine: which hold for everyone, which are alternatives, which are a
subgroup's or a past time point's. The pass after facts.py; the rules of docs/eligibility-r4.md points 1-3.

- "A or B" between thresholds of different facts (a different measure, or the same measure with another
  value: "bilirubin <= ULN; or <= 3 x ULN with Gilbert's"), a threshold "or" a measure with none ("ECOG
  0-1 or Lansky"), a threshold with an unstated alternative ("Age >= 18 years (or per national
  guidelines)"), and "one of the following" lists: each such fact is an `alternative`. The same threshold
  in another unit ("Hb >= 9 g/dL or >= 5.6 mmol/L") is one fact said twice, and is kept once.
- A subgroup or time-point phrase ("for participants >= 60 years", "if liver metastases", "in patients with
  Gilbert's", "(age >= 16 years)", "at diagnosis") next to a threshold makes every threshold of that measure
  in the part `conditional`, since its general value does not hold for the subgroup either. An age inside
  such a phrase defines the subgroup and is not a fact.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from itertools import pairwise

from fhir_adapter.text.criteria.facts import Reading
from fhir_adapter.text.criteria.model import (
    ALL_OF,
    ANY_OF,
    CONDITIONAL,
    EXCLUSION,
    INCLUSION,
    Fact,
    Found,
)
from fhir_adapter.text.criteria.values import skip_spaces
from fhir_adapter.text.criteria.words import COMPARATOR, NUMBER, parse_number

_TIME_POINT_WORDS = (
    r"\bat\s+(?:the\s+)?(?:time\s+of\s+)?(?:(?:initial|original|first|primary)\s+)?"
    r"(?:diagnosis|hsct|(?:stem[- ]cell\s+|bone[- ]marrow\s+)?transplant(?:ation)?|onset)\b"
    # "WBC > 20 x 10^9/L before using hydroxyurea" (NCT04946890): the value before a named drug, not now;
    # "before starting study treatment" is when everyone's screening value is taken, so not a time point
    r"|\bbefore\s+(?:using|the\s+use\s+of)\s+(?!(?:the\s+|any\s+)?(?:study|trial|investigational|treatment|therapy)\b)"
    r"(?=[a-z])"
)
_QUALIFIER = re.compile(
    r"\b(?:for|in|among)\s+(?:the\s+)?(?:patients?|subjects?|participants?|individuals?|those|women|men|males?|"
    r"females?|children|adults?|adolescents?|persons?|people|cases?|infants?)\b"
    r"|\bin\s+(?:the\s+)?(?:presence|absence|case|setting)\s+of\b"
    r"|\b(?:if|unless|except)\b"
    r"|\b(?:males?|females?|men|women)\s*:"
    r"|\bgilbert"
    r"|\b(?:liver|hepatic)\s+(?:metastas[ie]s|involvement)"
    r"|\((?=\s*(?:ages?|aged)\b)[^()\n]{0,40}\)"
    r"|\(\s*(?:males?|females?|men|women)\s*\)"
    # "women >= 470 ms" names a subgroup; "Male or female >= 18 years" names who may enrol
    r"|(?<!\bor )(?<!\band )\b(?:males?|females?|men|women)\b(?=\s*+(?:[<>≤≥]|=<|=>))"
    rf"|{_TIME_POINT_WORDS}",
    re.IGNORECASE,
)
# A time point other than now: the threshold is the patient's value then ("age at diagnosis <= 18 years").
_TIME_POINT = re.compile(_TIME_POINT_WORDS, re.IGNORECASE)
# A qualifier governs a threshold in its own clause: not across a ";" (unless "; or"), a line or a sentence.
_BOUNDARY = re.compile(r";(?!\s*or\b)|\n|\.\s+[A-Z]")
_REACH_LEFT = 80
_SEX = re.compile(r"(?:males?|females?|men|women)\s*:?", re.IGNORECASE)
# "A and B" in an exclusion: a bare "and" between two thresholds ("and/or" is either, so it is not one);
# matched on the stripped gap, so neither pattern starts with white space (linear).
_AND_WORDS = r"(?:and(?!/)|as\s+well\s+as|together\s+with|in\s+combination\s+with)"
_BOTH = re.compile(rf"(?:,\s*+)?{_AND_WORDS}", re.IGNORECASE)
_LISTED = re.compile(rf"(?:,\s*+)?{_AND_WORDS}?", re.IGNORECASE)
# Words between a threshold and a qualifier that start another clause: the qualifier is the next threshold's.
_JOINED = re.compile(r"[,;]|\b(?:or|and)\b", re.IGNORECASE)
_PHRASE_LIMIT = 160
# A condition's words run to their clause's end (bracketed words kept) or where the next threshold starts
# ("for males or > 470 ms"); a time point's to the first number. Each alternative starts with its own
# character, so the match is linear.
_SUBGROUP_TAIL = re.compile(
    r"(?:[^();:,\n.\s]|\s(?!(?:or|and)\s+[<>≤≥=\d])|\([^()\n]{0,80}\)|\.(?!\s|$))*", re.IGNORECASE
)
# "for patients with liver metastases < 5 x ULN": the subgroup's words end where its own value starts.
_COMPARED = re.compile(rf"(?:{COMPARATOR})\s*+(?P<num>{NUMBER})", re.IGNORECASE)
_TIME_TAIL = re.compile(r"(?:[^();,\n.\s<>≤≥=\d]|\s|\.(?!\s|$))*")
_REACH_CLAUSE = 160
# From "if"/"unless" to the comma, "then", "or" or clause end that closes the condition.
# "Under the condition of INR <= 1.5, low-dose heparin ... is allowed" (NCT03799601) is a permission's
# condition too, never a limit on everyone.
_IF_CLAUSE = re.compile(
    r"\b(?:if|unless|(?:under|on)\s+(?:the\s+)?conditions?\s+(?:of|that))\b"
    r"[^,;\n]{0,80}?(?=,|\bthen\b|\bor\b|;|\n|\.\s|$)",
    re.IGNORECASE,
)
_ONE_OF = re.compile(
    r"\b(?:(?:at\s+least|any|only|exactly)\s+)?one\s+(?:or\s+more\s+)?of\s+the\s+following\b"
    r"|\bany\s+of\s+the\s+following\b",
    re.IGNORECASE,
)
# "Age >= 18 years (or per national guidelines)" (NCT02513394): the threshold has an unstated alternative.
_OR_OTHERWISE = re.compile(
    r"\(\s*+or\s++[^()]{0,60}?\b(?:guidelines?|regulations?|laws?|legal|majority|countr(?:y|ies)|local)\b",
    re.IGNORECASE,
)
_ENDS_WITH_OR = re.compile(r"\bor\s*$", re.IGNORECASE)
_PARENTHETICAL = re.compile(r"\([^()]{0,60}\)")
_NAMES_OR = re.compile(r"(?<!and/)\bor\b", re.IGNORECASE)
_OR_WORDS = frozenset({"or", "and/or"})
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
        found = _with_conditions(text, list(reading.found))
        found, alternatives = _with_alternatives(text, found, reading)
        if section == EXCLUSION:
            found = _joined_by_and(text, found)
        has_alternatives |= alternatives or _names_or(text, found, reading)
        start = _listed_start(index, listed_from)
        if start is not None:
            found = [_as_alternative(f) if f.start >= start else f for f in found]
            has_alternatives |= any(m.start >= start for m in reading.mentions)
        facts.extend(f.fact for f in found)
    facts = _without_age_bands(facts)
    return _unique(facts), _logic(section, facts, has_alternatives)


def _without_age_bands(facts: list[Fact]) -> list[Fact]:
    """Return the facts without age ranges that name subgroups: two or more that do not overlap and are not
    alternatives ("Children aged 5-8 years must have received 2 doses ... Children 9-11 years ... 1 dose",
    NCT02967393) cannot all be limits on one patient; each says whom the words after it are for."""
    bands = [f for f in facts if f.kind == "age" and f.low is not None and f.high is not None]
    if len(bands) < 2 or any(f.alternative for f in bands):
        return facts
    ordered = sorted(bands, key=lambda f: (f.low or 0.0, f.unit or ""))
    disjoint = all(a.unit == b.unit and (a.high or 0.0) < (b.low or 0.0) for a, b in pairwise(ordered))
    return [f for f in facts if f not in bands] if disjoint else facts


def _joined_by_and(text: str, found: list[Found]) -> list[Found]:
    """Return an exclusion's facts with thresholds joined by a bare "and" ("Hemoglobin < 9 g/dL and platelet
    count < 75 x 10^9/L"; "A, B and C") each conditioned on the others: the criterion excludes a patient who
    has them all, and excluding each alone would be stricter than the text."""
    thresholds = sorted((f for f in found if f.fact.is_threshold), key=lambda f: f.start)
    chains: list[list[Found]] = []
    for index, item in enumerate(thresholds):
        gap = text[thresholds[index - 1].end : item.start] if index else ""
        if index and thresholds[index - 1].end <= item.start and _LISTED.fullmatch(gap.strip()):
            chains[-1].append(item)
        else:
            chains.append([item])
    together: dict[Span, str] = {}
    for chain in chains:
        last_gap = text[chain[-2].end : chain[-1].start] if len(chain) > 1 else ""
        if _BOTH.fullmatch(last_gap.strip()):
            for item in chain:
                others = "; ".join(o.fact.phrase.strip() for o in chain if o is not item)
                together[(item.start, item.end)] = f"together with {others}"
    return [
        f._replace(fact=replace(f.fact, condition=together[(f.start, f.end)]))
        if (f.start, f.end) in together and f.fact.condition is None
        else f
        for f in found
    ]


def _logic(section: str, facts: list[Fact], has_alternatives: bool) -> str:
    """Return the logic as requirements: an exclusion "A or B" asks for neither A nor B, which is all-of."""
    if section == INCLUSION and has_alternatives:
        return ANY_OF
    if any(f.condition or f.timing for f in facts):
        return CONDITIONAL
    return ALL_OF


def _unique(facts: list[Fact]) -> tuple[Fact, ...]:
    kept: dict[tuple[object, ...], Fact] = {}
    for fact in facts:
        kept.setdefault((fact.kind, fact.comparator, fact.value, fact.low, fact.high, fact.unit), fact)
    return tuple(kept.values())


def _with_conditions(text: str, found: list[Found]) -> list[Found]:
    """Return the facts with the conditions of the subgroup or time-point phrases that govern them: each
    threshold carries its own ("ALT <= 2.5 x ULN (<= 5 x ULN for liver metastases)": only the 5 x ULN is the
    subgroup's), so a reader can tell the threshold for everyone else from the subgroup's."""
    qualifiers = [(q.start(), q.end()) for q in _QUALIFIER.finditer(text)]
    found = [f for f in found if not _defines_subgroup(text, f, found, qualifiers)]
    found = [f for f in found if not (f.fact.is_threshold and _in_if_clause(text, f))]
    by_span: dict[Span, Span] = {}
    for span in qualifiers:
        for governed in _governed(text, found, span):
            by_span.setdefault((governed.start, governed.end), span)
    return [
        _conditioned(text, item, by_span[(item.start, item.end)])
        if (item.start, item.end) in by_span and item.fact.is_threshold
        else item
        for item in found
    ]


def _conditioned(text: str, item: Found, span: Span) -> Found:
    """Return the fact with its qualifier: a time point ("at diagnosis") as `timing`, a subgroup as
    `condition`."""
    phrase = _phrase(text, span, item.fact)
    if _TIME_POINT.match(text, span[0]):
        return item._replace(fact=replace(item.fact, timing=phrase))
    return item._replace(fact=replace(item.fact, condition=phrase))


def _defines_subgroup(text: str, item: Found, found: list[Found], qualifiers: list[Span]) -> bool:
    """Return True for an age inside a qualifier that follows another measure's threshold: the "(age >= 16
    years)" of "ECOG 0-1 (age >= 16 years)" names who the ECOG limit is for."""
    if item.fact.kind != "age":
        return False
    for span in qualifiers:
        if _inside(item, span):
            others = [f for f in found if f.fact.kind != "age" and f.fact.is_threshold and f.end <= span[0]]
            if any(_reaches(text, f.end, span[0], _REACH_LEFT) for f in others):
                return True
    return False


def _in_if_clause(text: str, item: Found) -> bool:
    """Return True for a threshold inside an "if" clause: "If the first recorded QTc exceeds 480 msec, two
    more ECGs are required" (NCT02465060) states when something happens, not a limit to meet."""
    for clause in _IF_CLAUSE.finditer(text, 0, item.start + 1):
        if clause.start() < item.start < clause.end():
            return True
    return False


def _reaches(text: str, start: int, end: int, reach: int) -> bool:
    """Return True when `end` is within `reach` of `start` in the same clause (the character at `end` is
    looked at too: ". If" is a sentence boundary before "If")."""
    return end - start <= reach and not _BOUNDARY.search(text, start, min(len(text), end + 1))


def _governed(text: str, found: list[Found], span: Span) -> list[Found]:
    """Return the thresholds a qualifier belongs to.

    - A label ("Male: > 450 ms, Female: > 470 ms") governs the threshold after it.
    - Otherwise the threshold around it, or the nearest on its left when only words stand between them
      ("<= 5 x ULN for participants with liver metastases", "<= 25 years old at diagnosis"), with the others
      read from the same words ("AST/ALT <= 5 x ULN").
    - A qualifier after a comma, "or" or "and" ("<= 2.5 x ULN, or for patients with liver metastases <= 5 x
      ULN"), or one that opens its clause ("If there is no liver metastasis, bilirubin <= 1.5 x ULN, AST <=
      2.5 x ULN;"), governs every threshold after it in the clause.
    """
    start, end = span
    thresholds = [f for f in found if f.fact.is_threshold and not _inside(f, span)]
    right = [f for f in thresholds if f.start >= end and _reaches(text, end, f.start, _REACH_CLAUSE)]
    if _is_label(text, span):
        after = [
            f for f in thresholds if f.end > end and _reaches(text, end, max(f.start, end), _REACH_CLAUSE)
        ]
        labelled = min(after, key=lambda f: f.end) if after else None
        if labelled is None or labelled.fact.kind == "age":  # "Women >= 18 years": who, not a subgroup
            return []
        return _same_span(thresholds, labelled)
    nearest = next((f for f in thresholds if f.start <= start < f.end), None)
    if nearest is None:
        left = [f for f in thresholds if f.end <= start and _reaches(text, f.end, start, _REACH_LEFT)]
        nearest = max(left, key=lambda f: f.end) if left else None
        if nearest is not None and right and _JOINED.search(text, nearest.end, start):
            nearest = None
    if nearest is not None:
        return _same_span(thresholds, nearest)
    return right


def _is_label(text: str, span: Span) -> bool:
    """Return True for a qualifier that names the subgroup of the value after it: "Male:", "female > 470"."""
    return text[span[1] - 1] == ":" or _SEX.fullmatch(text, span[0], span[1]) is not None


def _same_span(thresholds: list[Found], item: Found) -> list[Found]:
    return [f for f in thresholds if (f.start, f.end) == (item.start, item.end)]


def _inside(item: Found, span: Span) -> bool:
    return span[0] <= item.start and item.end <= span[1]


def _phrase(text: str, span: Span, fact: Fact) -> str:
    """Return the qualifier with the words after it that say who or when ("for patients with X (Y) or Z"), up
    to the clause's end or the threshold it governs; a label ("Male:") or a bracketed age band stands alone,
    and a time point ends before a number ("at HSCT", not "at HSCT <= 21")."""
    words = text[span[0] : span[1]]
    if words.endswith((":", ")")) or _is_label(text, span):
        return words.strip(" :()")
    tail = _TIME_TAIL if _TIME_POINT.match(words) else _SUBGROUP_TAIL
    found = tail.match(text[: span[1] + _PHRASE_LIMIT], span[1])
    rest = found.group() if found else ""
    values = {fact.value, fact.low, fact.high} - {None}
    own = next((m for m in _COMPARED.finditer(rest) if parse_number(m.group("num")) in values), None)
    return f"{words}{rest[: own.start()] if own else rest}".strip(" ,;(")


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
        if item.fact.is_threshold and _OR_OTHERWISE.match(text, skip_spaces(text, item.end)):
            marked.add((item.start, item.end))
            joined = True
    result = [
        f._replace(fact=replace(f.fact, alternative=True)) if (f.start, f.end) in marked else f
        for f in found
        if (f.start, f.end) not in dropped
    ]
    return result, joined


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
    """Return True for the same threshold in another unit ("ANC >= 1,500/uL or >= 1.5 x 10^9/L")."""
    return left.kind == right.kind and left.comparator == right.comparator and left.unit != right.unit


def _is_or_gap(gap: str) -> bool:
    """Return True when the words between two thresholds join them by "or": "; or", ", or the", "(ULN) or".

    >>> _is_or_gap("; or total "), _is_or_gap(" if no liver metastases or "), _is_or_gap(" and ")
    (True, True, False)
    """
    if len(gap) > _GAP_LIMIT or _BOUNDARY.search(gap):
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
    intro = _ONE_OF.search(parts[0])
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
