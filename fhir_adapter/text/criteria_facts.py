"""Find recognisable thresholds and statuses in one eligibility criterion: plain facts, no FHIR.

A lab or score fact needs a measure ("platelet count"), a comparator ("<", "at least") or a range
("0-2", "0, 1 or 2"), a number and a unit the measure can have ("x 10^9/L", "x ULN"). A number without a
comparator ("total bilirubin 3 times normal") is not guessed at: it comes back as an unclear phrase for a
data-quality warning. Units are kept as written (as UCUM), never converted. Thresholds for a subgroup
("<= 5 x ULN for patients with liver metastases") are left out: the first, general one is the criterion's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fhir_adapter.text.criteria_terms import (
    AGE_BEFORE,
    AGE_BETWEEN,
    AGE_CONTEXT,
    AGE_RANGE,
    AGE_SUBJECT,
    ANY_MEASURE,
    BOOLEAN_KINDS,
    COMPARATOR,
    COMPARATOR_CODES,
    CONDITIONAL_BEFORE,
    CONNECTOR,
    CONTRACEPTION,
    NOT_PATIENT_AGE,
    NUMBER,
    POST_COMPARATOR,
    PREGNANCY_TEST,
    RANGE_JOIN,
    UNITLESS_DEFAULT,
    UNITS,
    allowed_units,
    parse_number,
)


@dataclass(frozen=True)
class Fact:
    """A recognised fact. Quantities have `comparator` + `value`, ranges `low` + `high`; status facts
    (pregnancy, hiv, ...) have neither. `unit` is a UCUM code; `phrase` the words it was read from."""

    kind: str
    phrase: str
    comparator: str | None = None
    value: float | None = None
    low: float | None = None
    high: float | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Unclear:
    """A measure followed by a number that is not a threshold FHIR can carry (no comparator)."""

    kind: str
    phrase: str


_VALUE = re.compile(
    rf"(?P<comp>{COMPARATOR})?\s*(?:of\s+|to\s+|than\s+)?(?P<num>{NUMBER})"
    rf"(?:\s*{RANGE_JOIN}\s*(?P<num2>{NUMBER}))?(?P<ors>(?:\s*,\s*{NUMBER})*\s*,?\s*or\s+{NUMBER})?"
    rf"\s*(?P<unit>{UNITS})?(?:\s*(?:of\s+age|old))?(?P<post>\s*{POST_COMPARATOR})?",
    re.IGNORECASE,
)
_BETWEEN = re.compile(
    rf"\bbetween\s+(?P<num>{NUMBER})\s*(?P<unit1>{UNITS})?\s+and\s+(?P<num2>{NUMBER})", re.I
)
_BARE_ULN = re.compile(
    rf"(?P<comp>{COMPARATOR})\s*(?:the\s+)?(?:institutional\s+)?"
    r"(?:ULN\b|upper limit of (?:the\s+)?(?:institutional\s+)?normal(?: range)?)",
    re.IGNORECASE,
)
_PRE_COMPARATOR = re.compile(r"\b(?P<comp>minimum|at least|maximum)\s+(?:of\s+)?$", re.IGNORECASE)
_CHAIN = re.compile(r"\s*(?:and|but|to|,)\s*", re.IGNORECASE)
_STOP = re.compile(r";|\n|\.\s+[A-Z]|\bif\b|\bunless\b|\bexcept\b|\bfor (?:patients|subjects|participants)\b")
_WINDOW = 90
_HAS_DIGIT = re.compile(r"\d")
_AGE_HINT = re.compile(r"year|yr|month|\bage|\bans\b", re.IGNORECASE)


def analyse(text: str) -> tuple[tuple[Fact, ...], tuple[Unclear, ...]]:
    """Return the facts in `text` and the unclear thresholds among measures with no fact."""
    if not _HAS_DIGIT.search(text):
        return _dedupe(text, _status_facts(text)), ()
    groups = _mention_groups(text)
    facts = _dedupe(text, [*_measure_facts(text, groups), *_age_facts(text), *_status_facts(text)])
    found = {fact.kind for fact in facts}
    unclear = tuple(u for u in _unclear(text, groups) if not set(u.kind.split("/")) & found)
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


def _unclear(text: str, groups: list[tuple[list[str], int, int]]) -> tuple[Unclear, ...]:
    """Return measures followed by a number with no comparator, such as "total bilirubin 3 times normal"."""
    unclear = []
    for kinds, start, end in groups:
        match = re.match(rf"[\s:(]*(?P<num>{NUMBER})\s*(?:{UNITS}|times normal|x normal)", text[end:], re.I)
        if match and kinds[0] not in ("ecog", "karnofsky"):
            unclear.append(Unclear("/".join(kinds), text[start : end + match.end()].strip()))
    return tuple(unclear)


def _position(text: str, fact: Fact) -> int:
    return text.find(fact.phrase)


def _mention_groups(text: str) -> list[tuple[list[str], int, int]]:
    """Return runs of measure mentions joined only by connectors ("AST/ALT", "AST and ALT"), with spans."""
    groups: list[tuple[list[str], int, int]] = []
    for match in ANY_MEASURE.finditer(text):
        start, end, kind = match.start(), match.end(), match.lastgroup or ""
        kinds = ["ast", "alt"] if kind == "transaminases" else [kind]
        if groups and CONNECTOR.fullmatch(text[groups[-1][2] : start]):
            previous = groups[-1]
            groups[-1] = (previous[0] + [k for k in kinds if k not in previous[0]], previous[1], end)
        else:
            groups.append((kinds, start, end))
    return groups


def _window(text: str, end: int) -> str:
    window = text[end : end + _WINDOW]
    stop = _STOP.search(window)
    return window[: stop.start()] if stop else window


def _measure_facts(text: str, groups: list[tuple[list[str], int, int]]) -> list[Fact]:
    facts: list[Fact] = []
    for index, (kinds, start, end) in enumerate(groups):
        if CONDITIONAL_BEFORE.search(text[max(0, start - 40) : start]):
            continue
        limit = groups[index + 1][1] if index + 1 < len(groups) else len(text)
        window = _window(text[:limit], end)
        before = _PRE_COMPARATOR.search(text[max(0, start - 20) : start])
        for kind in kinds:
            found = _facts_in_window(kind, window, text[start:end])
            if not found and before:
                found = _facts_in_window(
                    kind, f" {before.group('comp')} {window.lstrip(' of')}", text[start:end]
                )
            facts.extend(found)
    return facts


def _facts_in_window(kind: str, window: str, mention: str, *, unit_required: bool = False) -> list[Fact]:
    between = _BETWEEN.search(window)
    if between:
        unit = _unit_after(window[between.end() :]) or between.group("unit1")
        code = _unit_code(kind, unit)
        if code and (unit or not unit_required):
            low, high = parse_number(between.group("num")), parse_number(between.group("num2"))
            return [Fact(kind, mention + window[: between.end()], low=low, high=high, unit=code)]
    facts: list[Fact] = []
    matches = list(_VALUE.finditer(window))
    for index, match in enumerate(matches):
        if CONDITIONAL_BEFORE.search(window[max(0, match.start() - 25) : match.start()]):
            break
        unit_text = match.group("unit") or _chained_unit(window, matches, index)
        if unit_required and not unit_text:
            continue
        fact = _fact_from_value(kind, match, unit_text, mention + window[: match.end()])
        if fact:
            facts.append(fact)
            if not _CHAIN.match(window[match.end() :]):
                break
        elif facts:
            break
    bare = _BARE_ULN.search(window)
    if not facts and bare and _unit_code(kind, "ULN"):
        comparator = COMPARATOR_CODES.lookup(bare.group("comp"))
        facts.append(Fact(kind, mention + window[: bare.end()], comparator, 1.0, unit="{ULN}"))
    return facts


def _chained_unit(window: str, matches: list[re.Match[str]], index: int) -> str | None:
    """Return the unit of the next value when two are joined ("≥18 and < 65 years": both in years)."""
    if index + 1 >= len(matches):
        return None
    following = matches[index + 1]
    joined = _CHAIN.fullmatch(window[matches[index].end() : following.start()])
    return following.group("unit") if joined else None


def _fact_from_value(kind: str, match: re.Match[str], unit_text: str | None, phrase: str) -> Fact | None:
    code = _unit_code(kind, unit_text)
    if code is None:
        return None
    value = parse_number(match.group("num"), unit=code)
    if match.group("ors") or match.group("num2"):
        return _range_fact(kind, match, value, code, phrase)
    if kind == "hba1c" and not unit_text and value >= 1:
        return None  # "HbA1c < 8" could be % or mmol/mol: only a fraction ("< 0.099") is unitless for sure
    comparator_text = match.group("comp") or match.group("post")
    comparator = COMPARATOR_CODES.lookup(comparator_text) if comparator_text else None
    return Fact(kind, phrase, comparator, value, unit=code) if comparator else None


def _range_fact(kind: str, match: re.Match[str], value: float, code: str, phrase: str) -> Fact | None:
    """Return the range of "0-2" or "0, 1 or 2"; None when a comparator makes it something else."""
    if match.group("comp"):
        return None
    if match.group("ors"):
        numbers = [value, *(parse_number(n) for n in re.findall(NUMBER, match.group("ors")))]
        return Fact(kind, phrase, low=min(numbers), high=max(numbers), unit=code)
    high = parse_number(match.group("num2"), unit=code)
    return Fact(kind, phrase, low=value, high=high, unit=code) if high > value else None


def _unit_after(text: str) -> str | None:
    match = re.match(rf"\s*(?P<unit>{UNITS})", text)
    return match.group("unit") if match else None


def _unit_code(kind: str, unit_text: str | None) -> str | None:
    """Return the UCUM code for `unit_text` when `kind` can have that unit (or its unitless default)."""
    if not unit_text:
        return UNITLESS_DEFAULT.get(kind)
    return allowed_units(kind, unit_text)


def _age_facts(text: str) -> list[Fact]:
    """Return the patient's age limits, line by line: a line about relatives, donors, cohorts or a menopause
    definition states someone else's age, and an age after "for patients with" is a subgroup's."""
    facts = []
    for line in text.splitlines():
        if _AGE_HINT.search(line) and not NOT_PATIENT_AGE.search(line):
            facts.extend(_age_facts_in_line(line))
    return facts


def _age_facts_in_line(text: str) -> list[Fact]:
    facts = []
    for pattern, unit_required in ((AGE_CONTEXT, False), (AGE_SUBJECT, True)):
        for match in pattern.finditer(text):
            if not _is_conditional(text, match.end()):
                window = _window(text, match.end())
                facts.extend(_facts_in_window("age", window, match.group(0), unit_required=unit_required))
    for pattern in (AGE_RANGE, AGE_BETWEEN):
        for match in pattern.finditer(text):
            low, high = parse_number(match.group("num")), parse_number(match.group("num2"))
            unit = allowed_units("age", match.groupdict().get("unit") or "years")
            if unit and low < high and not _is_conditional(text, match.start()):
                facts.append(Fact("age", match.group(0), low=low, high=high, unit=unit))
    facts.extend(fact for match in AGE_BEFORE.finditer(text) if (fact := _age_before(text, match)))
    return facts


def _is_conditional(text: str, position: int) -> bool:
    return bool(CONDITIONAL_BEFORE.search(text[max(0, position - 40) : position]))


def _age_before(text: str, match: re.Match[str]) -> Fact | None:
    """Return the fact of "18 years of age or older" or "at least 18 years old"; None for a bare duration."""
    written = match.group("post") or (match.group("comp") if match.group("of") else None)
    comparator = COMPARATOR_CODES.lookup(written.strip(" ,")) if written else None
    unit = allowed_units("age", match.group("unit"))
    if comparator is None or unit is None:
        return None
    if _is_conditional(text, match.start()):
        return None
    return Fact("age", match.group(0).strip(), comparator, parse_number(match.group("num")), unit=unit)


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
