"""Find recognisable thresholds and statuses in one part of a criterion (its text or one sub-item).

A lab or score fact needs a measure ("platelet count"), a comparator ("<", "at least") or a range
("0-2", "0, 1 or 2"), a number and a unit the measure can have ("x 10^9/L", "x ULN"). A number without a
comparator ("total bilirubin 3 times normal") is not guessed at: it comes back as an unclear phrase for a
data-quality warning. Units are kept as written (as UCUM), never converted. Every value a measure has in
its clause is read, a subgroup's too ("<= 5 x ULN for patients with liver metastases"); which of them hold
for whom is the next pass's work (logic.py). A measure named inside a subgroup ("for patients with serum
creatinine above ULN") is the subgroup's definition, not a threshold, and is not read.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import replace
from typing import NamedTuple

from fhir_adapter.text.criteria.age_facts import age_facts
from fhir_adapter.text.criteria.measures import (
    ANY_MEASURE,
    BOOLEAN_KINDS,
    CONDITIONAL_BEFORE,
    CONNECTOR,
    CONTRACEPTION,
    PREGNANCY_TEST,
)
from fhir_adapter.text.criteria.model import Fact, Found, MeasureMention, Unclear
from fhir_adapter.text.criteria.values import branch_facts, facts_in_window, window_after
from fhir_adapter.text.criteria.words import NUMBER, UNITS

_PRE_COMPARATOR = re.compile(r"\b(?P<comp>minimum|at least|maximum)\s+(?:of\s+)?$", re.IGNORECASE)
# "Less than 3 months of life expectancy", "Less than 30 Karnofsky score" (NCT05282459, NCT05381194): the
# whole threshold before the name, for the measures whose value is a duration or a score only. Searched on
# the few characters before the name, so linear.
_VALUE_BEFORE = re.compile(
    rf"(?:^|(?<=[\s(]))(?P<value>(?:less|fewer|more|greater)\s+than\s+{NUMBER}(?:\s*+(?:months?|weeks?|%))?)"
    r"\s+(?:of\s+)?(?:an?\s+|the\s+)?$",
    re.IGNORECASE,
)
_VALUE_BEFORE_KINDS = {"life_expectancy", "karnofsky", "lansky"}
_VALUE_BEFORE_REACH = 40
# A threshold needs a number, or the upper limit of normal itself ("bilirubin <= ULN" has no digit).
# A performance score may be written in words ("status less than or equal to two", values.py).
_HAS_DIGIT = re.compile(
    r"\d|ULN|UNL|ULRR|(?i:upper limit)"
    r"|(?i:\b(?:to|than|of|status|score)\s++(?:zero|one|two|three|four|five)\b)"
)
# "an increase in serum creatinine by >= 0.3 mg/dL": the value is a change of the measure, not its level.
_CHANGE_BEFORE = re.compile(
    r"\b(?:increase|decrease|rise|drop|fall|reduction|decline|change)s?\s+(?:in|of)\s+(?:the\s+)?(?:serum\s+)?$",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(rf"(?P<num>{NUMBER})\s*(?:{UNITS}|times normal|x normal)", re.I)
_BEFORE_NUMBER = re.compile(r"[\s:(]*+")
# How the measure is taken, when the text says so: it picks a narrower code (mappings/criteria-codes.json).
_METHODS = {
    "qtc": (
        # Fridericia, and the seed's "Friedreichian formula" (NCT06158412 exclusion 8)
        ("fridericia", re.compile(r"QTcF|(?i:\bfr[ie]e?de?r(?:e?i)c)")),
        ("bazett", re.compile(r"QTcB|(?i:\bbazett)")),
    ),
    "creatinine_clearance": (
        ("cockcroft-gault", re.compile(r"(?i:\bcock?croft|\bC-G\b)")),
        ("24h-urine", re.compile(r"(?i:\b24[- ]?(?:h|hr|hour)s?\.?\s+urine|\burine\s+collection)")),
    ),
}
_METHOD_REACH = 60
# "Absence of QTcF prolongation (QTc prolongation is defined as >450 msec": a bracket that defines a finding
# the patient must not have; matched up to the bracket's defining words (bounded runs, so linear).
_NEGATED_DEFINITION = re.compile(
    r"\b(?:absence\s++of|lack\s++of|free\s++of|without|no)\s++(?:[\w-]++\s++){0,3}[\w-]++\s*+\("
    r"[^()\n]{0,60}?\b(?:defined\s++(?:as|by)|i\.\s?e\.)",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(r"[;\n]")
# "provided no subsequent study documenting an EF of >40%" (NCT02970669): a value no record may show, right
# before the measure's name (a bounded run of words, searched on the characters before it, so linear).
_DENIED_FINDING = re.compile(
    r"\bno\s++(?:[\w-]++\s++){0,3}(?:documenting|showing|demonstrating|indicating|reporting)\s++"
    r"(?:an?\s++|the\s++|any\s++)?(?:[\w-]++\s++)?$",
    re.IGNORECASE,
)
_DENIED_REACH = 80
# A criterion whose subject is a relative ("First degree relative with a history of unprovoked venous
# thromboembolism (i.e. without known underlying cause such as ..., pregnancy, ...)", NCT05743244): the
# statuses it names are the relative's, not the patient's.
_RELATIVE_SUBJECT = re.compile(
    r"^\W*+(?:(?:an?|any|one)\s++)?(?:(?:first|second|1st|2nd)[- ]degree\s++)?(?:blood\s++)?"
    r"(?:relatives?|family\s++members?|siblings?)\b",
    re.IGNORECASE,
)
# A partner's pregnancy or breastfeeding is not the patient's: "With a female partner of childbearing
# potential who is not pregnant, men ...", "With a pregnant female partner, men must ..." (NCT05482516).
# Bounded words after each "partner", so linear.
_PARTNER_STATUS = re.compile(
    r"\bpartners?\b[^.;\n]{0,60}?\b(?:who|that)\s++(?:is|are)\s++(?:not\s++)?"
    r"(?:pregnant|breast-?feeding|lactating|nursing)\b"
    r"|\b(?:pregnant|breast-?feeding|lactating|nursing)"
    r"(?:\s++(?:or|and|and/or)\s++(?:pregnant|breast-?feeding|lactating|nursing))?"
    r"\s++(?:(?:female|wom[ae]n)\s++)?partners?\b",
    re.IGNORECASE,
)
# "Note: for HCC, AST, ALT, and alkaline phosphatase (ALP) <= 5 x ULN" (NCT05482516): a comma or colon right
# before the measure ends the subgroup's words, so the measure is the subgroup's threshold, not who it is.
_AFTER_SUBGROUP = re.compile(r"[,:]\s*+$")
_KIDNEY_FUNCTION = {"creatinine_clearance", "egfr"}
_JOINING_WORD = re.compile(r"\b(?:and|or)\b", re.IGNORECASE)
_FIRST_DIGIT = re.compile(r"\d")


class Reading(NamedTuple):
    """What one part of a criterion states: its facts (with spans), unclear thresholds and measure names."""

    found: tuple[Found, ...]
    unclear: tuple[Unclear, ...]
    mentions: tuple[MeasureMention, ...]


def read_part(text: str) -> Reading:
    """Return the facts in `text` with their spans, in order, and unclear thresholds of measures with none."""
    if not _HAS_DIGIT.search(text):
        return Reading(_in_order([*_status_facts(text)]), (), ())
    mentions = _mentions(text)
    found = _in_order([*_measure_facts(text, mentions), *age_facts(text), *_status_facts(text)])
    found, negated = _without_negated_definitions(text, found)
    found, denied = _without_denied_findings(text, found)
    negated += denied
    kinds = {f.fact.kind for f in found}
    unclear = negated + tuple(u for u in _unclear(text, mentions) if not set(u.kind.split("/")) & kinds)
    return Reading(tuple(_with_method(text, f) for f in found), unclear, tuple(mentions))


def _without_negated_definitions(
    text: str, found: tuple[Found, ...]
) -> tuple[tuple[Found, ...], tuple[Unclear, ...]]:
    """Return the facts without the thresholds that define something the patient must not have: "Absence of
    QTcF prolongation (QTc prolongation is defined as >450 msec ...)" (NCT05740449) asks for a QTc of at
    most 450 ms, and reading "> 450 ms" would ask for the opposite. The threshold stays text (unclear)."""
    opened = [text.index("(", m.start()) for m in _NEGATED_DEFINITION.finditer(text)]
    spans = [(start, _bracket_end(text, start)) for start in opened]
    inside = [f for f in found if f.fact.is_threshold and any(a <= f.start < b for a, b in spans)]
    if not inside:
        return found, ()
    kept = tuple(f for f in found if f not in inside)
    return kept, tuple(Unclear(f.fact.kind, f.fact.phrase) for f in inside)


def _without_denied_findings(
    text: str, found: tuple[Found, ...]
) -> tuple[tuple[Found, ...], tuple[Unclear, ...]]:
    """Return the facts without the thresholds a finding the text denies states: "provided no subsequent study
    documenting an EF of >40%" (NCT02970669) asks that no such value was found, and reading "EF > 40%" would
    ask for the opposite. The threshold stays text (unclear)."""
    denied = [
        f
        for f in found
        if f.fact.is_threshold and _DENIED_FINDING.search(text, max(0, f.start - _DENIED_REACH), f.start)
    ]
    if not denied:
        return found, ()
    kept = tuple(f for f in found if f not in denied)
    return kept, tuple(Unclear(f.fact.kind, f.fact.phrase) for f in denied)


def _bracket_end(text: str, start: int) -> int:
    end = text.find(")", start)
    return end if end >= 0 else len(text)


def find_facts(text: str) -> tuple[Fact, ...]:
    """Return the facts stated in `text`, in order of appearance, each once (before the logic pass)."""
    return tuple(f.fact for f in read_part(text).found)


def _in_order(found: list[Found]) -> tuple[Found, ...]:
    """Return the facts by position, each stated fact once: a fact read twice from the same words is one.
    A repeat elsewhere is kept here, as it may hold for another subgroup ("Age 4 to <8 years (phase 1) or
    age 4 to <13 years (phase 2)"); logic.py drops those that add nothing.

    The facts kept of each kind and value are in order of their starts, so the ones that start before a fact
    ends are a prefix found by a bisect, and the furthest end in that prefix tells whether one overlaps it:
    linear in the facts, not facts x facts (a text repeating one value a thousand times)."""
    starts: dict[tuple[object, ...], list[int]] = {}
    furthest: dict[tuple[object, ...], list[int]] = {}  # the furthest end among the kept facts up to each
    chosen: set[int] = set()
    ordered = sorted(found, key=lambda f: (f.start, f.end))
    for item in ordered:
        fact = item.fact
        key = (fact.kind, fact.comparator, fact.value, fact.low, fact.high, fact.unit)
        kept_starts, kept_ends = starts.setdefault(key, []), furthest.setdefault(key, [])
        before = bisect_left(kept_starts, item.end)  # the kept facts that start before this one ends
        if before and kept_ends[before - 1] > item.start:
            continue  # one of them ends after this one starts: the same words read twice
        kept_starts.append(item.start)
        kept_ends.append(max(item.end, kept_ends[-1]) if kept_ends else item.end)
        chosen.add(id(item))
    return tuple(f for f in ordered if id(f) in chosen)


def _unclear(text: str, mentions: list[MeasureMention]) -> tuple[Unclear, ...]:
    """Return measures followed by a number with no comparator, such as "total bilirubin 3 times normal"."""
    unclear = []
    for mention in mentions:
        start = _BEFORE_NUMBER.match(text, mention.end)
        match = _BARE_NUMBER.match(text, start.end() if start else mention.end)
        if match and mention.kinds[0] not in ("ecog", "karnofsky", "lansky"):
            phrase = text[mention.start : match.end()].strip()
            unclear.append(Unclear("/".join(mention.kinds), phrase))
    return tuple(unclear)


def _mentions(text: str) -> list[MeasureMention]:
    """Return runs of measure mentions joined only by connectors ("AST/ALT", "AST and ALT"), with spans."""
    mentions: list[MeasureMention] = []
    for match in ANY_MEASURE.finditer(text):
        start, end, kind = match.start(), match.end(), match.lastgroup or ""
        kinds = ("ast", "alt") if kind == "transaminases" else (kind,)
        gap = text[mentions[-1].end : start] if mentions else ""
        if mentions and CONNECTOR.fullmatch(gap):
            previous = mentions[-1]
            named = _named_again(previous.kinds, kinds, gap)
            joined = previous.kinds + tuple(k for k in kinds if k not in named)
            mentions[-1] = MeasureMention(joined, previous.start, end)
        else:
            mentions.append(MeasureMention(kinds, start, end))
    return mentions


def _named_again(previous: tuple[str, ...], kinds: tuple[str, ...], gap: str) -> set[str]:
    """Return the kinds of a mention that name the measure before it again: a creatinine clearance and a GFR
    joined by "/" or a bracket ("creatinine clearance/GFR >= 60", "Estimated GFR (estimated creatinine
    clearance) >= 50", NCT01339988, NCT04714372) are two names of one kidney function, so the first named is
    the fact. Joined by "or" ("creatinine clearance or GFR") they are alternatives, and "AST/ALT" are two
    tests, both kept."""
    if set(previous) | set(kinds) != _KIDNEY_FUNCTION or _JOINING_WORD.search(gap):
        return set(previous)
    return set(previous) | set(kinds)


def _measure_facts(text: str, mentions: list[MeasureMention]) -> list[Found]:
    found: list[Found] = []
    for index, mention in enumerate(mentions):
        start = mention.start
        reach = max(0, start - 40)
        if _in_subgroup_words(text, reach, start):
            continue  # the measure defines a subgroup ("for patients with serum creatinine above ULN")
        if _CHANGE_BEFORE.search(text[max(0, start - 30) : start]):
            continue
        limit = mentions[index + 1].start if index + 1 < len(mentions) else len(text)
        for kind in mention.kinds:
            found.extend(_facts_of(kind, text, mention, limit))
    return found


def _in_subgroup_words(text: str, reach: int, start: int) -> bool:
    """Return True for a measure named in the words of a subgroup ("for patients with serum creatinine above
    ULN"); not after a comma or colon that ends them ("for HCC, AST ... <= 5 x ULN")."""
    conditional = CONDITIONAL_BEFORE.search(text[reach:start])
    if conditional is None or _restates_criterion(text, reach + conditional.start()):
        return False
    return _AFTER_SUBGROUP.search(text, reach + conditional.start(), start) is None


def _restates_criterion(text: str, start: int) -> bool:
    """Return True for a bracket naming patients with a value after words that hold no value: "Patients with
    QT prolongation or history of such prolongation (patients with QTcF > 480 ms)" (NCT05832827) states the
    criterion's own finding in numbers. After a value ("ECOG 0-3 (patients with PS 2-3 only if ...)") such a
    bracket names a subgroup of that value."""
    return text.startswith("(", start) and _FIRST_DIGIT.search(text, 0, start) is None


def _facts_of(kind: str, text: str, mention: MeasureMention, limit: int) -> list[Found]:
    """Return the values of one measure after its mention: the first ones, then any later branch values."""
    name = text[mention.start : mention.end]
    window = window_after(text[:limit], mention.end, kind)
    values = facts_in_window(kind, window, name)
    # a later value of a chain starts where it is written, so the logic pass sees what joins it to the first
    read = [
        Found(w.fact, mention.start if i == 0 else mention.end + w.start, mention.end + w.end)
        for i, w in enumerate(values)
    ]
    before = _PRE_COMPARATOR.search(text[max(0, mention.start - 20) : mention.start])
    if not read and before:
        stated = f" {before.group('comp')} {window.lstrip(' of')}"
        shift = len(window) - len(stated)  # the re-read window is a little longer than the text
        read = [
            Found(w.fact, mention.start, mention.end + max(w.end + shift, 0))
            for w in facts_in_window(kind, stated, name)
        ]
    if not read and kind in _VALUE_BEFORE_KINDS:
        read = _value_before(kind, text, mention, name)
    if not read:
        return []
    last = read[-1].end
    branches = branch_facts(kind, text[last:limit], name, read[-1].fact.unit)
    return [*read, *(Found(w.fact, last + w.start, last + w.end) for w in branches)]


def _value_before(kind: str, text: str, mention: MeasureMention, name: str) -> list[Found]:
    """Return the threshold written before a duration's or score's name ("Less than 3 months of life
    expectancy"), read as if written after it; none when more follows the name than its own words."""
    reach = max(0, mention.start - _VALUE_BEFORE_REACH)
    before = _VALUE_BEFORE.search(text[reach : mention.start])
    if before is None:
        return []
    value = before.group("value")
    start = reach + before.start()
    phrase = text[start : mention.end]
    return [
        Found(replace(w.fact, phrase=phrase), start, mention.end)
        for w in facts_in_window(kind, f" {value}", name)
    ]


def _with_method(text: str, found: Found) -> Found:
    """Return the fact with its method when the words around it name exactly one (QTcF, Cockcroft-Gault)."""
    methods = _METHODS.get(found.fact.kind)
    if not methods:
        return found
    before = text[max(0, found.start - 40) : found.start]
    before = before[_last_break(before) :]
    after = text[found.end : found.end + _METHOD_REACH]
    after = after[: (m.start() if (m := _CLAUSE_BREAK.search(after)) else len(after))]
    around = before + text[found.start : found.end] + after
    named = [name for name, pattern in methods if pattern.search(around)]
    if len(named) != 1:
        return found
    return found._replace(fact=replace(found.fact, method=named[0]))


def _last_break(text: str) -> int:
    breaks = [m.end() for m in _CLAUSE_BREAK.finditer(text)]
    return breaks[-1] if breaks else 0


def _status_facts(text: str) -> list[Found]:
    if _RELATIVE_SUBJECT.match(text):
        return []
    text = _PARTNER_STATUS.sub(lambda m: " " * len(m.group()), text)  # spans stay where they were
    found = []
    for kind, pattern in BOOLEAN_KINDS:
        match = pattern.search(text)
        if not match:
            continue
        if kind == "pregnancy" and CONTRACEPTION.search(text) and not PREGNANCY_TEST.search(text):
            continue
        found.append(Found(Fact(kind, match.group(0)), match.start(), match.end()))
    return found
