"""Read a threshold in the words after a measure: comparator, number or range, and a unit it can have.

A number without a comparator ("total bilirubin 3 times normal") is not guessed at. Units are kept as written
(as UCUM), never converted.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import NamedTuple

from fhir_adapter.text.criteria.conditions import QUALIFIER
from fhir_adapter.text.criteria.measures import ANY_MEASURE, CONDITIONAL_BEFORE
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
# "creatinine within 1.5 times the upper limit of normal" (NCT03118986): "within" is read as "<=" for
# multiples of the ULN only (_read_value), as "within 7 days" or "within 10% of" is no limit on a level.
# Not in COMPARATOR, which other passes use to find values.
_VALUE = re.compile(
    rf"(?:(?P<comp>{COMPARATOR}|(?i:within))\s*+)?(?:(?:of|to|than)\s++)?"
    # "bilirubin < x1.5 upper limit of normal" (NCT05694936): the multiplication sign before the multiple of
    # the ULN; only when the ULN follows, so an "x" is never read before another unit
    r"(?:[xX×]\s*+(?=\d[\d.,]*+\s*+(?:ULN|IULN|ULRR|upper\s++limit)\b))?"
    rf"(?P<num>{NUMBER})"
    # "18 years to 75 years", "6.5%-10%": a unit after the first number of a range too (checked against the
    # second's)
    rf"(?:\s*+(?P<unit0>years?|months?|weeks?|%)(?=\s*+{RANGE_JOIN}\s*+\d))?"
    rf"(?:\s*{RANGE_JOIN}\s*(?P<num2>{NUMBER}))?(?P<ors>(?:\s*+,\s*+{NUMBER}){{0,8}}+\s*+,?\s*+or\s++{NUMBER})?"
    # "ECOG performance status 0, 1." (NCT05694936): whole scores listed by commas alone, up to the clause's
    # end; a range on a score's scale only (_read_value)
    r"(?P<listed>(?:\s*+,\s*+[0-5](?!\d|\.\d)){1,4}+(?=\s*+(?:[.;)\n]|$)))?"
    # "aged 40-years and above" (NCT05696665): a hyphen joins a number to its time unit
    rf"\s*(?:-(?=(?i:years?|months?|weeks?|days?)\b))?(?P<unit>{UNITS})?(?:\s*(?:of\s+age|old))?"
    rf"(?P<post>\s*{POST_COMPARATOR})?",
    re.IGNORECASE,
)
_BETWEEN = re.compile(
    rf"\bbetween\s++(?P<num>{NUMBER})(?:\s*+(?P<unit1>{UNITS}))?\s++and\s++(?P<num2>{NUMBER})", re.I
)
_BARE_ULN = re.compile(
    rf"(?P<comp>{COMPARATOR})\s*+(?:the\s++)?(?:institutional\s++)?"
    r"(?:ULN\b|IULN\b|ULRR\b|upper limit of (?:the\s+)?(?:institutional\s+)?normal(?: range)?|"
    r"upper limit of (?:the\s+)?reference range)",
    re.IGNORECASE,
)
# matched on stripped text; "Age ≥ 18 & < 90" (NCT05641753): an ampersand is "and"
_CHAIN = re.compile(r"(?:and|but|to|,|&)", re.IGNORECASE)
# Where a second value for the same measure starts: "(<= 5 x ULN if ...)", "... or <= 5 x ULN in ...",
# "NOTE: <= 5 x ULN is acceptable if ..." (NCT04318938).
_BRANCH_PAREN = re.compile(r"\((?:\s*+or\b)?")
# "(liver metastases: <= 5 x ULN)", "(in Gilbert's syndrome < 3 x ULN)": a bracket that names its subgroup
# before its value (bounded, so linear); the words must name a subgroup (conditions.QUALIFIER) and no measure.
_SUBGROUP_FIRST = re.compile(r"[^()<>≤≥\d;\n]{1,60}(?=[<>≤≥])")
# "..., and for patients with liver metastases < 5 x ULN": the subgroup's words end where its value starts
# (bounded, so linear); "<= 2.5 x ULN; <= 5 x ULN with liver metastases": a ";" right before a comparator.
_BRANCH_OR = re.compile(
    r"\b(?:or|note\s*+:|for (?:patients?|subjects?|participants?|those)\b[^;.<>≤≥\d]{0,60}(?=[<>≤≥]))"
    r"|;(?:\s*+(?:males?|females?|men|women)\s*+:?)?(?=\s*+[<>≤≥])"
    # "QTc >= 450 ms in men, women >= 470 ms": a sex names the next value's subgroup
    r"|,\s*+(?:(?:males?|females?|men|women)\s*+:?)?(?=\s*+[<>≤≥])"
    # "QTc > 450 ms for males and > 470 ms for females": "and" right before another value of the measure
    r"|\band(?=\s*+[<>≤≥])"
    # "... greater than 450 ms in males and greater than 460 ms in females" (NCT05607199): the same in words
    r"|\band(?=\s++(?:greater|more|higher|less|lower)\s++than\s*+\d)"
    # "... for patients with bone marrow involvement; otherwise >= 100 x 10^9/L"
    r"|\botherwise\s*+:?(?=\s*+[<>≤≥])"
    # "AST, ALT <= 3 x ULN; if liver metastases are present, then <= 5 x ULN is allowed" (NCT05651269)
    r"|\bthen\b(?=\s*+[<>≤≥])"
    # "AST/ALT <= 2.5 x ULN unless liver metastases are present, in which case it must be <= 5 x ULN" (the
    # NCI's standard wording, NCT02679963, NCT04811001): the subgroup's value (bounded words, so linear)
    r"|\bin\s++which\s++case\b[^;.<>≤≥\d]{0,40}(?=[<>≤≥])"
    # "ECOG 0, 1 or 2 for dose escalation, and 0 or 1 for dose expansion" (NCT05382559): "and" before another
    # value that names its own subgroup (bounded, so linear)
    r"|\band(?=\s*+\d(?:[\s\d.,–-]|or\b|to\b){0,20}?for\b)"
    # "QTcF >= 450 ms (men) / >= 470 ms (women)": a bracketed subgroup, then "/" (a bare "/" may restate)
    r"|(?<=\))\s*+/(?=\s*+[<>≤≥])",
    re.IGNORECASE,
)
# "transaminases no more than 3xULN/<5xULN in presence of liver metastases" (NCT04811001): a "/" right after
# the first value, then another value of the same unit (branch_facts checks the unit: in another unit it is
# the first value restated). Anchored at the clause's start.
_SLASHED_VALUE = re.compile(r"/(?=\s*+[<>≤≥])")
_SPACES = re.compile(r"\s*+")
# An "or" right after a value and before the next one: "... >= 65 years or >= 50 years".
_OR_NEXT = re.compile(r"^\s*+,?\s*+or\s++", re.IGNORECASE)
_NUMBER = re.compile(NUMBER)
# The end of the clause a branch value may sit in: a ";" that no "or" follows, a line or a sentence.
# "; if X, then <= 5 x ULN" goes on with the subgroup's value (only a "then" starts a value there).
_CLAUSE_END = re.compile(
    r";(?!\s*+(?:or\b|otherwise\b|if\b|[<>≤≥]|(?:males?|females?|men|women)\s*+:?\s*+[<>≤≥]))|\n|\.\s+[A-Z]"
)
_CLAUSE = 160
_UNIT_AFTER = re.compile(rf"(?P<unit>{UNITS})")
_STOP = re.compile(
    r";|\n|\.\s+[A-Z]|\bif\b|\bunless\b|\bexcept\b|\bfor (?:patients?|subjects?|participants?)\b"
)
_WINDOW = 90
# "The average QT interval (QTcF) corrected by Fridericia's formula obtained from 3 ECG examinations in the
# resting state > 470 msec" (NCT04870190): how a QTc is taken is often written between its name and its value,
# and only a value in ms or s is read as one
_WINDOWS = {"qtc": 130}
# "... prolonged QT interval (e.g., complete left bundle branch block, ..., PR interval > 250 msec"
# (NCT05466149): another ECG interval, or examples, end the words a QTc value may be in
_OTHER_INTERVAL = re.compile(r"\b(?:PR|QRS|RR|JT)\b|\be\.\s?g\.", re.IGNORECASE)
# After a value and its unit: the unit goes on ("ml/min/1.72m2" read as far as "ml/min"), so it was not
# understood; a unit no kind here is measured in ("body weight >= 10 kg" after "age"); or the value is a
# change, not a level ("a >= 0.3 mg/dL increase"). Matched after skip_spaces.
_NOT_A_LEVEL = re.compile(
    # "per" goes on with a unit ("per kg"), not with who judges ("3 months per investigator judgment")
    # "/" goes on with a unit too, unless another value follows ("1.5 x 10^9/L / >= 1500/uL": a restatement)
    # "ECOG < 2 / Karnofsky Performance Status (KPS) >= 70" (NCT05707273): another measure's name after "/"
    # (the window ends where the next measure is named, so nothing follows the "/" in it)
    # "per" goes on with a method too: "mL/min per 24 hour urine test or the Cockcroft-Gault formula"
    # (NCT05707273), "> 480 msec per NCI-CTCAE" (NCT05705466)
    r"(?:/(?!\s*+(?:[<>≤≥]|$))|per\b(?!\s++(?:the\s++)?(?:investigators?|"
    r"protocol|institution(?:al)?|local|physicians?|treating|"
    r"standard|clinical|judge?ment|discretion|assessment|RECIST|criteria|guidelines?|NCI|CTCAE|"
    r"(?:24[- ]?h(?:ou)?rs?\s++)?urine|Cockcroft|MDRD|CKD|formula)\b)|(?:kg|lbs?|cm|mmHg|bpm)\b|"
    r"(?:st|nd|rd|th)\b|(?:percentile|centile)|(?:\)\s*+|\([^()\n]{0,40}\)\s*+)?"
    r"(?:increase|decrease|rise|drop|fall|reduction|decline|change)\b)",
    re.IGNORECASE,
)
# The end of a bracket that holds only a value: ")" or a bracketed symbol first ("[mmol/mol])").
_BRACKET_CLOSES = re.compile(r"(?:\[[^\[\]\n]{0,30}\]\s*+)?\)")
# Words between a measure and its number that make the number something else than the patient's level now:
# a change, or a score relative to a reference population.
_NOT_THE_LEVEL = re.compile(
    r"\b(?:increase[sd]?|decrease[sd]?|rises?|drops?|falls?|reductions?|declines?|changes?|elevations? of|"
    r"z[- ]?scores?|SDS|SD scores?|percentiles?|centiles?)\b",
    re.IGNORECASE,
)
_OTHER_FLUID = re.compile(
    r"\b(?:CSF|cerebrospinal|urine|urinary|pleural|ascitic|peritoneal|synovial)\b", re.I
)
_FIRST_DIGIT = re.compile(r"\d")
# A name ("Albumin", "LDH") between two values of a chain: the second is that measure's, not this one's.
_NAMED_WORD = re.compile(r"\b[A-Z][A-Za-z]")
# "AST/ALT >1.5 ULN, serum creatine > 1.5 mg/dL" (NCT05694130): a word after the comma that ends a value
# names the next value's measure, written in lower case; joining words ("and", "or", "but") do not.
_WORD_AFTER_COMMA = re.compile(r",\s*+(?!(?:and|or|but|then)\b)[a-z]{3,}")
# "age and initially diagnosed with INSS stage 1, 2, or 4S" (NCT00070200): the first number after such a word
# is its label's (a stage, class, type, phase, cycle), never the measure's level. Searched right before it.
_LABELLED = re.compile(
    r"\b(?:stages?|class|types?|phases?|cycles?|versions?|cohorts?|arms?)\s*+$", re.IGNORECASE
)
# An ECOG score written alone right after its name ("ECOG PS of 2", "ECOG: 1"): that one value. Not a number
# that a range, a list, a unit or a decimal goes on from. Anchored: it is matched at the window's start only.
_SINGLE_SCORE = re.compile(
    r"^\s*+(?:[:=]\s*+)?(?:(?:performance\s++)?(?:status|score|grade)\s*+)?(?:of\s++|[:=]\s*+)?"
    r"(?P<num>[0-5])(?![\d.,%/])(?!\s*+(?:-|–|to\b|or\b|and\b|,|%|/|\+|x\b|×))"
    r"(?!\s*+(?:weeks?|wks?|days?|months?|years?|yrs?|hours?|times|cycles?|points?|mg)\b)",
    re.IGNORECASE,
)
_WITHIN = re.compile(r"within", re.IGNORECASE)
_INCLUSIVE = re.compile(r"(?:,\s*+)?\(?inclusive\b", re.IGNORECASE)  # matched after skip_spaces


# The values a performance score can have (highest, step): another value shows the text means another scale.
_SCALES = {"ecog": (5.0, 1.0), "karnofsky": (100.0, 5.0), "lansky": (100.0, 5.0)}


class WindowFact(NamedTuple):
    """A fact read in a window of text, and where its value starts and ends in that window."""

    fact: Fact
    start: int
    end: int


def window_after(text: str, end: int, kind: str = "") -> str:
    """Return the words after a mention that can hold its threshold: 90 characters (more for a measure whose
    method is often described before its value), cut at a clause end."""
    window = text[end : end + _WINDOWS.get(kind, _WINDOW)]
    stop = _STOP.search(window)
    window = window[: stop.start()] if stop else window
    other = _OTHER_INTERVAL.search(window) if kind == "qtc" else None
    return window[: other.start()] if other else window


def facts_in_window(kind: str, window: str, mention: str, *, unit_required: bool = False) -> list[WindowFact]:
    """Return the facts of `kind` stated in `window` (the words after `mention`), in order; none when the
    words before the first number make it something else than the measure's level ("creatinine increase >=
    0.3 mg/dL", "BMI z-score >= 2", "white blood cell count in CSF > 5/uL"). A performance score written in
    words ("ECOG performance status less than or equal to two") is read as its digit, the phrase verbatim."""
    if kind in _SCORE_WORD_KINDS and _SCORE_WORD.search(window):
        digits = _SCORE_WORD.sub(lambda m: _SCORE_WORDS[m.group().lower()].ljust(len(m.group())), window)
        return [
            w._replace(fact=replace(w.fact, phrase=mention + window[: len(w.fact.phrase) - len(mention)]))
            for w in _facts_in_window(kind, digits, mention, unit_required=unit_required)
        ]
    return _facts_in_window(kind, window, mention, unit_required=unit_required)


# A score's value in words, read only where the text writes it with a comparator or as a range ("less than
# or equal to two", "zero or one"): the number after it is the digit of the same length, so spans hold.
_SCORE_WORDS = {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5"}
_SCORE_WORD = re.compile(rf"(?<=\s)(?:{'|'.join(_SCORE_WORDS)})\b(?!\s++of\b)", re.IGNORECASE)
_SCORE_WORD_KINDS = {"ecog"}


def _facts_in_window(kind: str, window: str, mention: str, *, unit_required: bool) -> list[WindowFact]:
    digit = _FIRST_DIGIT.search(window)
    if digit and _NOT_THE_LEVEL.search(window, 0, digit.start()):
        return []
    if digit and _LABELLED.search(window[max(0, digit.start() - 12) : digit.start()]):
        return []
    if digit and kind != "creatinine_clearance" and _OTHER_FLUID.search(window, 0, digit.start()):
        return []  # a creatinine clearance is measured in urine; a cell count in CSF is not the blood's
    between = _BETWEEN.search(window)
    if between:
        unit = _unit_after(window[between.end() :]) or between.group("unit1")
        code = unit_code(kind, unit)
        first = between.group("unit1")
        if first and unit_code(kind, first) != code:
            return []  # "between 6 months and 17 years": no range of one unit, and no guess at one
        if code and (unit or not unit_required):
            low, high = parse_number(between.group("num")), parse_number(between.group("num2"))
            fact = Fact(kind, mention + window[: between.end()], low=low, high=high, unit=code)
            return [WindowFact(fact, between.start(), between.end())] if on_scale(fact) else []
    facts = _value_facts(kind, window, mention, unit_required=unit_required)
    single = _SINGLE_SCORE.match(window) if kind == "ecog" and not facts else None
    if single:  # "WHO/ECOG PS of 2": one value of the 0-5 scale, written alone
        score = float(single.group("num"))
        fact = Fact(kind, mention + window[: single.end()], low=score, high=score, unit="1")
        facts.append(WindowFact(fact, single.start("num"), single.end()))
    bare = _BARE_ULN.search(window)
    if not facts and bare and unit_code(kind, "ULN"):
        comparator = COMPARATOR_CODES.lookup(bare.group("comp"))
        fact = Fact(kind, mention + window[: bare.end()], comparator, 1.0, unit="{ULN}")
        facts.append(WindowFact(fact, bare.start(), bare.end()))
    return facts


def branch_facts(kind: str, clause: str, mention: str, first_unit: str | None = None) -> list[WindowFact]:
    """Return further values for `kind` in the rest of its clause, after its first value: "ECOG 0-2 (0 to 3
    for participants >= 60)", "ALT <= 2.5 x ULN if no liver metastases or <= 5 x ULN with them". Only a
    value with a comparator or a range counts, so the numbers of the subgroup itself ("60") never do. A
    bracket that holds only the first value in another unit ("HbA1c 7.0-10.0% (53-86 mmol/mol)") restates
    it: the first written is the fact."""
    clause = clause[: _clause_end(clause)]
    starts = [m.end() for m in _BRANCH_OR.finditer(clause)]
    slashed = _SLASHED_VALUE.match(clause)
    if slashed:
        starts.insert(0, slashed.end())
    opening = _BRANCH_PAREN.match(clause, skip_spaces(clause, 0))
    if opening:
        starts.insert(0, _after_subgroup(clause, opening.end()))
    found = []
    for start in starts:
        match = _VALUE.match(clause, skip_spaces(clause, start))
        if match is None or not (match.group("comp") or match.group("num2") or match.group("ors")):
            continue
        if counts_items(clause, match):
            continue
        fact = _fact_from_value(kind, match, match.group("unit"), mention + clause[: match.end()])
        if fact is None:
            continue
        if slashed and start == slashed.end() and fact.unit != first_unit:
            continue  # "1.5 x 10^9/L / >= 1500/uL": the first value again, in another unit
        in_bracket = opening is not None and start == opening.end()
        if (
            in_bracket
            and fact.unit != first_unit
            and _BRACKET_CLOSES.match(clause, skip_spaces(clause, match.end()))
        ):
            continue  # the first value again, in another unit
        found.append(WindowFact(fact, match.start(), match.end()))
    return found


def or_facts(kind: str, clause: str, mention: str) -> list[WindowFact]:
    """Return the values joined by "or" right after a first value: "Aged >= 65 years or >= 50 years with
    comorbidities" - an alternative, which the logic pass marks. Brackets, commas and "and" are not read
    here (an age in "(>= 20 years in Japan)" names a country's rule, not a choice)."""
    found = []
    for joined in _OR_NEXT.finditer(clause, 0, _clause_end(clause)):
        match = _VALUE.match(clause, joined.end())
        if match is None or not match.group("comp") or counts_items(clause, match):
            continue
        fact = _fact_from_value(kind, match, match.group("unit"), mention + clause[: match.end()])
        if fact:
            found.append(WindowFact(fact, match.start(), match.end()))
    return found


def _after_subgroup(clause: str, start: int) -> int:
    """Return where the value of a bracket starts: after the words naming its subgroup, if it has them."""
    words = _SUBGROUP_FIRST.match(clause, start)
    if words is None or not QUALIFIER.search(words.group()) or ANY_MEASURE.search(words.group()):
        return start
    return words.end()


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
        if counts_items(window, match):
            break
        if facts and _names_other_measure(window[matches[index - 1].end() : match.start()]):
            break  # "Total bilirubin > 2.0 X ULN, Albumin < 3.2 mg/dL": the next value is another measure's
        unit_text = match.group("unit") or _chained_unit(window, matches, index)
        if unit_required and not unit_text:
            continue
        fact = _fact_from_value(kind, match, unit_text, mention + window[: match.end()])
        if fact:
            lower = _lower_bound(window, matches, index, fact) if not facts else None
            start = matches[index - 1].start() if lower else match.start()
            facts.extend(WindowFact(f, start, match.end()) for f in (fact, lower) if f)
            if not _CHAIN.match(window[match.end() :].lstrip()):
                break
        elif facts:
            break
    return facts


def _names_other_measure(gap: str) -> bool:
    """Return True for the words between two values of a chain when they name a measure: a capitalised name
    ("Albumin"), or a word in lower case after a comma ("serum creatine")."""
    return _NAMED_WORD.search(gap) is not None or _WORD_AFTER_COMMA.search(gap) is not None


# "at least 1 of the following comorbidities", "2 of 3": a count of listed items, not the measure's level
# ("aged 18-65 of any racial background" is a range, and stays one)
_ITEM_COUNT = re.compile(r"(?:out[ \t]++)?of[ \t]++(?:the|these|those|\d)", re.IGNORECASE)


def counts_items(text: str, match: re.Match[str]) -> bool:
    """Return True when a number without a unit counts the items of a list ("at least 1 of the following")."""
    bare = not (match.group("unit") or match.group("num2") or match.group("ors"))
    return bare and _ITEM_COUNT.match(text, skip_spaces(text, match.end())) is not None


_LISTED_PAIR = re.compile(r"\d{1,3},\d{1,3}")
_SIGN = re.compile(r"[<≤﹤≦⩽]")  # an upper limit written with a sign, not in words


def _lower_bound(window: str, matches: list[re.Match[str]], index: int, upper: Fact) -> Fact | None:
    """Return the lower limit of "4 to <8 years" (NCT02782117): a bare number joined by "to" to an upper
    limit written with a sign; a range cannot say "< 8", so the two limits are two facts (upper first)."""
    signed = _SIGN.match(matches[index].group("comp") or "")
    if index == 0 or upper.comparator not in ("<", "<=") or not signed:
        return None
    before = matches[index - 1]
    if before.group("comp") or before.group("num2") or before.group("ors"):
        return None
    # "7% to <8%": the lower limit may carry the same unit as the upper, never another
    if before.group("unit") and unit_code(upper.kind, before.group("unit")) != upper.unit:
        return None
    if window[before.end() : matches[index].start()].strip().lower() != "to":
        return None
    low = parse_number(before.group("num"), unit=upper.unit)
    below = upper.value is not None and low < upper.value
    return replace(upper, comparator=">=", value=low) if below else None


def _chained_unit(window: str, matches: list[re.Match[str]], index: int) -> str | None:
    """Return the unit of the next value when two are joined ("≥18 and < 65 years": both in years)."""
    if index + 1 >= len(matches):
        return None
    following = matches[index + 1]
    joined = _CHAIN.fullmatch(window[matches[index].end() : following.start()].strip())
    return following.group("unit") if joined else None


def on_scale(fact: Fact) -> bool:
    """Return False for a score its scale cannot have: an ECOG (WHO, Zubrod) performance status is 0 to 5, so
    "performance status >= 70" is some other scale's; Karnofsky and Lansky go from 0 to 100 in tens (fives
    at most), so "ECOG performance status 0-1 or Karnofsky >= 70" gives Karnofsky no 0-1.

    >>> on_scale(Fact("ecog", "PS 0-2", low=0.0, high=2.0)), on_scale(Fact("ecog", "PS >= 70", ">=", 70.0))
    (True, False)
    >>> on_scale(Fact("karnofsky", "KPS >= 70", ">=", 70.0)), on_scale(Fact("lansky", "", low=0.0, high=1.0))
    (True, False)
    """
    scale = _SCALES.get(fact.kind)
    if scale is None:
        return True
    top, step = scale
    values = [v for v in (fact.value, fact.low, fact.high) if v is not None]
    return all(0 <= v <= top and v % step == 0 for v in values)


def _fact_from_value(kind: str, match: re.Match[str], unit_text: str | None, phrase: str) -> Fact | None:
    fact = _read_value(kind, match, unit_text, phrase)
    return fact if fact is None or on_scale(fact) else None


def _read_value(kind: str, match: re.Match[str], unit_text: str | None, phrase: str) -> Fact | None:
    code = unit_code(kind, unit_text)
    if code is None or _NOT_A_LEVEL.match(match.string, skip_spaces(match.string, match.end())):
        return None
    value = parse_number(match.group("num"), unit=code)
    if kind == "hba1c" and not unit_text and value >= 1:
        return None  # "HbA1c < 8" could be % or mmol/mol: only a fraction ("< 0.099") is unitless for sure
    if match.group("ors") or match.group("num2"):
        return _range_fact(kind, match, value, code, phrase)
    if match.group("listed") and kind in _SCALES and not match.group("comp"):
        listed = [value, *(float(n) for n in _NUMBER.findall(match.group("listed")))]
        return Fact(kind, phrase, low=min(listed), high=max(listed), unit=code)
    comparator_text = match.group("comp") or match.group("post")
    if comparator_text and _WITHIN.fullmatch(comparator_text.strip()):
        if code != "{ULN}":
            return None  # "within 7 days", "within 10% of": a window or a margin, not a limit on the level
        comparator_text = "<="
    comparator = COMPARATOR_CODES.lookup(comparator_text) if comparator_text else None
    comparator = inclusive(comparator, match.string, match.end())
    return Fact(kind, phrase, comparator, value, unit=code) if comparator else None


def _range_fact(kind: str, match: re.Match[str], value: float, code: str, phrase: str) -> Fact | None:
    """Return the range of "0-2" or "0, 1 or 2"; None when a comparator makes it something else."""
    if match.group("comp"):
        return None
    if match.group("ors"):
        first = [value]
        if kind in _SCALES and _LISTED_PAIR.fullmatch(match.group("num")):
            # "ECOG 0,1 or 2": on a scale of whole scores the comma lists two, it is no decimal comma
            first = [float(n) for n in match.group("num").split(",")]
        numbers = [*first, *(parse_number(n) for n in _NUMBER.findall(match.group("ors")))]
        return Fact(kind, phrase, low=min(numbers), high=max(numbers), unit=code)
    high = parse_number(match.group("num2"), unit=code)
    first_unit = match.group("unit0")
    if first_unit and unit_code(kind, first_unit) != code:
        return None  # "6 months to 2 years": the two ends in different units are no range of one unit
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
