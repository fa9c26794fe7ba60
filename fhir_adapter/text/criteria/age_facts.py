"""The patient's age limits in a criterion: "Age >= 18 years", "18-75 years old", "18 years or older"."""

from __future__ import annotations

import re

from fhir_adapter.text.criteria.measures import (
    AGE_BEFORE,
    AGE_BETWEEN,
    AGE_COMPARATOR_FIRST,
    AGE_CONTEXT,
    AGE_FIRST_OF_TWO,
    AGE_JUST_BEFORE,
    AGE_LEADING,
    AGE_MIXED_RANGE,
    AGE_RANGE,
    AGE_REVERSED,
    AGE_SHORT_UNITS,
    AGE_SUBJECT,
    AGE_TO_BELOW,
    ANY_MEASURE,
    CONDITIONAL_BEFORE,
    NOT_PATIENT_AGE,
)
from fhir_adapter.text.criteria.model import Fact, Found
from fhir_adapter.text.criteria.values import facts_in_window, inclusive, or_facts, skip_spaces, window_after
from fhir_adapter.text.criteria.words import COMPARATOR_CODES, POST_COMPARATOR, allowed_units, parse_number
from fhir_adapter.text.first_chars import guarded

# issue 16: 2.5x faster guarded; "(≥ 18y)" (NCT05703555): a "y" right after a number is years too
_AGE_HINT = guarded(re.compile(r"year|yr|month|\bage|\bans\b|(?<=\d)\s?y\b", re.IGNORECASE))
_LINE = re.compile(r"[^\n]+")
_WRAP_REACH = 80
_AGE_COMPARATOR = re.compile(r"(?:older|younger)\s+th[ae]n", re.IGNORECASE)
# "or more", "or less", "or greater": comparators of any quantity; "or older", "or over" say age themselves.
_GENERIC_POST = re.compile(r"\b(?:more|less|greater|higher|lower|fewer)\b", re.IGNORECASE)
_POST_AFTER = re.compile(POST_COMPARATOR, re.IGNORECASE)
_AGE_WORD = re.compile(r"\bage[ds]?\b|\bold\b|\bbirth", re.IGNORECASE)
# "Male sterilization (at least 6 months prior to screening)", "stable for at least 3 months before": a time
# before or after an event, or of a treatment, is a duration, never the patient's age (matched after the
# spaces that follow the value; it starts with no white space, so it is linear).
_DURATION_AFTER = re.compile(
    r"(?:[,)]\s*+)?(?:prior\b|before\b|after\b|ago\b|since\b|following\b|post\b|from\s+(?!birth\b)"
    # "Children will have got at least 3 months of combination therapy" (NCT05697614): a time spent on
    # something; "3 years of age", "the first 6 months of life" still name an age
    r"|of\s+(?!age\b|life\b))",
    re.IGNORECASE,
)


def age_facts(text: str) -> list[Found]:
    """Return the patient's age limits, line by line: a line about relatives, donors, cohorts or a menopause
    definition states someone else's age, and an age after "for patients with" is a subgroup's. A line that
    goes on from a line wrapped mid-sentence is read with that line's end ("... family history of long\nQT
    syndrome or sudden death under 40 years of age", NCT02465060)."""
    found: list[Found] = []
    previous = ""
    for line in _LINE.finditer(text):
        before, previous = previous, line.group()
        wrapped = before[-_WRAP_REACH:] if before and not before.rstrip().endswith((".", ";", ":")) else ""
        if _AGE_HINT.search(line.group()) and not NOT_PATIENT_AGE.search(f"{wrapped} {line.group()}"):
            found.extend(
                f._replace(start=f.start + line.start(), end=f.end + line.start())
                for f in _in_line(line.group())
                if not _is_duration(line.group(), f)
            )
    return found


def heads_others_ages(text: str) -> bool:
    """Return True for a criterion whose last sentence introduces its sub-items as a menopause definition or
    someone else's ("Post-menopausal women:" then "- ... be over 40 years of age", NCT05692999): the ages
    below it are not the patient's limits."""
    stripped = text.rstrip()
    return stripped.endswith(":") and NOT_PATIENT_AGE.search(stripped[stripped.rfind(". ") + 1 :]) is not None


def _in_line(text: str) -> list[Found]:
    found: list[Found] = []
    for pattern, unit_required in ((AGE_CONTEXT, False), (AGE_SUBJECT, True)):
        for match in pattern.finditer(text):
            skipped = _closes_bracket(text, match.end()) or _ends_value_before(text, match.end())
            if skipped or (unit_required and _names_measure(match)):
                continue
            if not _is_conditional(text, match.end()):
                window = window_after(text, match.end())
                # a value after another measure's name is that measure's ("... years of age and Lansky >= 50")
                other = ANY_MEASURE.search(window)
                window = window[: other.start()] if other else window
                read = facts_in_window("age", window, match.group(0), unit_required=unit_required)
                # a later value of a chain ("18 years or older, or 16-17 years ...") starts where it is
                # written, so that the logic pass sees what joins it to the one before
                found.extend(
                    Found(w.fact, match.start() if i == 0 else match.end() + w.start, match.end() + w.end)
                    for i, w in enumerate(read)
                )
                if read:
                    last = match.end() + read[-1].end
                    alternatives = or_facts("age", text[last:], match.group(0))
                    found.extend(Found(w.fact, last + w.start, last + w.end) for w in alternatives)
    for pattern in (AGE_RANGE, AGE_BETWEEN):
        for match in pattern.finditer(text):
            low, high = parse_number(match.group("num")), parse_number(match.group("num2"))
            unit = allowed_units("age", match.groupdict().get("unit") or "years")
            if unit and low < high and not _is_conditional(text, match.start()):
                fact = Fact("age", match.group(0), low=low, high=high, unit=unit)
                found.append(Found(fact, match.start(), match.end()))
    for match in AGE_COMPARATOR_FIRST.finditer(text):
        comparator = inclusive(COMPARATOR_CODES.lookup(match.group("comp")), text, match.end())
        unit = allowed_units("age", match.group("unit") or "years")
        if comparator and unit and not _is_conditional(text, match.start()):
            fact = Fact("age", match.group(0), comparator, parse_number(match.group("num")), unit=unit)
            found.append(Found(fact, match.start(), match.end()))
    for match in AGE_BEFORE.finditer(text):
        before = _age_before(text, match)
        if before:
            found.extend(_first_of_two(text, match, before))
            found.append(Found(before, match.start(), match.end()))
    return [*found, *_to_below(text), *_reversed(text), *_leading(text), *_mixed_units(text)]


def _ends_value_before(text: str, end: int) -> bool:
    """Return True for the "age" of "25 years of age and older": with the comparator after it, it ends the age
    read before it (AGE_BEFORE), and a number further on is another measure's ("... presenting with a bone
    mineral density of at least 1.5 standard deviation below ...", NCT00503399). "18 years of age < 75 years"
    names a second limit, and is read."""
    return _POST_AFTER.match(text, skip_spaces(text, end)) is not None


def _names_measure(match: re.Match[str]) -> bool:
    """Return True for "Patients with life expectancy of": the value after it is that measure's, no age."""
    return ANY_MEASURE.search(match.group(0)) is not None


def _is_duration(text: str, found: Found) -> bool:
    """Return True for a value no age word names that a time before or after an event follows: "Male
    sterilization (at least 6 months prior to screening)" (NCT06427811). "Aged 18 years or older before
    randomisation" names the age, and stays one."""
    return (
        _AGE_WORD.search(found.fact.phrase) is None
        and _DURATION_AFTER.match(text, skip_spaces(text, found.end)) is not None
    )


def _mixed_units(text: str) -> list[Found]:
    """Return ">= 3 mo" and "<= 17 a" for "Age 3 months to 17 years", after an age word."""
    found = []
    for match in AGE_MIXED_RANGE.finditer(text):
        low_unit, high_unit = (
            allowed_units("age", match.group("unit1")),
            allowed_units("age", match.group("unit2")),
        )
        named = AGE_JUST_BEFORE.search(text[max(0, match.start() - 20) : match.start()])
        if not (low_unit and high_unit and low_unit != high_unit and named) or _is_conditional(
            text, match.start()
        ):
            continue
        phrase = match.group(0)
        low, high = parse_number(match.group("num")), parse_number(match.group("num2"))
        found.append(Found(Fact("age", phrase, ">=", low, unit=low_unit), match.start(), match.end()))
        found.append(Found(Fact("age", phrase, "<=", high, unit=high_unit), match.start(), match.end()))
    return found


def _leading(text: str) -> list[Found]:
    """Return the range of "18-65 years, male or female" when the text opens with it."""
    leading = AGE_LEADING.match(text)
    unit = allowed_units("age", leading.group("unit")) if leading else None
    if leading is None or unit is None:
        return []
    low, high = parse_number(leading.group("num")), parse_number(leading.group("num2"))
    if low >= high:
        return []
    fact = Fact("age", leading.group(0).strip(), low=low, high=high, unit=unit)
    return [Found(fact, leading.start("num"), leading.end())]


def _to_below(text: str) -> list[Found]:
    """Return the two limits of "Age 4 to <8 years": >= 4, and < 8 as written."""
    found = []
    for match in AGE_TO_BELOW.finditer(text):
        upper = COMPARATOR_CODES.lookup(match.group("comp"))
        unit = allowed_units("age", match.group("unit"))
        named = match.group("of") or AGE_JUST_BEFORE.search(text[max(0, match.start() - 20) : match.start()])
        low, high = parse_number(match.group("num")), parse_number(match.group("num2"))
        if upper not in ("<", "<=") or unit is None or not named or low >= high:
            continue
        if _is_conditional(text, match.start()):
            continue
        phrase = match.group(0)
        found.append(Found(Fact("age", phrase, ">=", low, unit=unit), match.start(), match.end()))
        found.append(Found(Fact("age", phrase, upper, high, unit=unit), match.start(), match.end()))
    return found


def _reversed(text: str) -> list[Found]:
    """Return the lower limit of "18 ≤ age ≤ 75": "18 ≤ age" is age >= 18 (the upper one is read as usual)."""
    found = []
    for match in AGE_REVERSED.finditer(text):
        unit = allowed_units("age", match.group("unit") or "years")
        if unit is None or _is_conditional(text, match.start()):
            continue
        comparator = ">" if match.group("comp") == "<" else ">="
        fact = Fact("age", match.group(0), comparator, parse_number(match.group("num")), unit=unit)
        found.append(Found(fact, match.start(), match.end()))
    return found


def _closes_bracket(text: str, position: int) -> bool:
    """Return True for "(depending on the patient's age) >= 50": the value after the bracket is the outer
    measure's, not an age (a few characters only, so no pattern rescans long runs of spaces)."""
    return text[position : position + 3].lstrip().startswith(")")


def _is_conditional(text: str, position: int) -> bool:
    return bool(CONDITIONAL_BEFORE.search(text[max(0, position - 40) : position]))


_FIRST_OF_TWO_REACH = 40
_OPPOSITE_BOUNDS = ({">", ">="}, {"<", "<="})


def _first_of_two(text: str, match: re.Match[str], second: Fact) -> list[Found]:
    """Return the lower limit of "≥ 30 years and ≤ 80 years of age" (NCT05695378) when the age read ends it:
    the age words name both limits, and the two bound the age from opposite sides (a lower limit below the
    upper). Two limits on the same side are no such pair, and are left alone."""
    if not match.group("of") or second.comparator is None or second.value is None:
        return []
    start = max(0, match.start() - _FIRST_OF_TWO_REACH)
    first = AGE_FIRST_OF_TWO.search(text, start, match.start())
    comparator = COMPARATOR_CODES.lookup(first.group("comp")) if first else None
    unit = allowed_units("age", first.group("unit")) if first else None
    if first is None or comparator not in _OPPOSITE_BOUNDS[0] or second.comparator not in _OPPOSITE_BOUNDS[1]:
        return []
    value = parse_number(first.group("num"))
    if unit != second.unit or value >= second.value or _is_conditional(text, first.start()):
        return []
    fact = Fact("age", text[first.start() : first.end("unit")], comparator, value, unit=unit)
    return [Found(fact, first.start(), first.end("unit"))]


def _age_before(text: str, match: re.Match[str]) -> Fact | None:
    """Return the fact of "18 years of age or older" or "at least 18 years old"; None for a bare duration."""
    if AGE_SHORT_UNITS.fullmatch(match.group("unit")) and not match.group("of"):
        return None  # "7 days or more": a duration, unless "of age" or "old" says it is an age
    # "older than 18 years" needs no "of age": the comparator says it is an age
    named = match.group("of") or _AGE_COMPARATOR.fullmatch(match.group("comp") or "")
    post = match.group("post")
    if post and not match.group("of") and _GENERIC_POST.search(post):
        post = None  # "for 6 weeks or more but 1 year or less" (NCT03607838): a duration, unless an age
    written = post or (match.group("comp") if named else None)
    comparator = COMPARATOR_CODES.lookup(written.strip(" ,")) if written else None
    comparator = inclusive(comparator, text, match.end())
    unit = allowed_units("age", match.group("unit"))
    if comparator is None or unit is None:
        return None
    if _is_conditional(text, match.start()):
        return None
    return Fact("age", match.group(0).strip(), comparator, parse_number(match.group("num")), unit=unit)
