"""Find the cycle statements of dosing text: cycle length, number of cycles, the cycles a dose is for, and
"until progression". Spans as in schedule.py; plain results, no FHIR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fhir_adapter.text.regimen.model import CycleRange
from fhir_adapter.text.regimen.schedule import COUNT, Found, count

_I = re.IGNORECASE
_CLAUSE_END = re.compile(r"[;\n]|\.(?=\s|$)")
_MAX_CLAUSE = 300

CYCLE_LENGTH = re.compile(
    rf"\b(?P<n1>{COUNT})[-\s]?(?P<u1>day|week)s?[-\s]+(?:treatment\s+|chemotherapy\s+)?(?:cycles?|courses?)\b"
    rf"|\b(?:cycles?|courses?)\s+(?:of\s+treatment\s+)?(?:of|for|lasting|lasts)\s+(?P<n2>{COUNT})\s+(?P<u2>day|week)s\b"
    rf"|\bevery\s+(?P<n3>{COUNT})\s+(?P<u3>day|week)s\s+(?:as\s+a|per|for\s+(?:a|one)|is\s+(?:a|one))\s+(?:treatment\s+)?cycle\b"
    rf"|\b(?:cycles?|treatment|courses?|therapy)\s+(?:is\s+|are\s+|was\s+|will\s+be\s+)?repeat(?:s|ed)?\s+"
    rf"(?:every|ever|each)\s+(?P<n4>{COUNT})\s+(?P<u4>day|week)s\b"
    rf"|\bevery\s+(?P<n5>{COUNT})\s+(?P<u5>day|week)s\s+(?=for\s+(?:up\s+to\s+)?{COUNT}\s+(?:cycles|courses)\b)"
    # "Day 1 x 6 cycles (every 21 days)" (NCT05605535): the cycles' length, not a second frequency.
    rf"|\b(?:cycles|courses)\s*+\(\s*+every\s+(?P<n6>{COUNT})\s+(?P<u6>day|week)s\s*\)",
    _I,
)  # fmt: skip
CYCLE_COUNT = re.compile(
    rf"\b(?:for|x|of)\s*(?P<max>up\s+to\s+|a\s+(?:total|maximum)\s+of\s+|a\s+max(?:imum)?\s+of\s+|max(?:imum)?\s+)?"
    rf"(?P<n>{COUNT})\s+(?:treatment\s+)?(?:cycles|courses)\b",
    _I,
)
UNTIL_PROGRESSION = re.compile(
    r"\buntil\s+(?:(?:radiographic|radiological|confirmed|documented|objective|second)\s+)?"
    r"(?:disease\s+progression|progression|progressive\s+disease|PD\b)"
    r"|\bin\s+the\s+absence\s+of\s+(?:disease\s+)?progression"
    r"|\buntil\s+(?:unacceptable|intolerable)\s+(?:toxicity|adverse)",
    _I,
)
APPLIES_TO_CYCLES = re.compile(
    r"\bcycles?\s+(?P<a>\d+)\s*(?:-|to|through)\s*(?P<b>\d+)\b"
    r"|\b(?:from\s+)?cycles?\s+(?P<c>\d+)\s*(?:\+|and\s+(?:beyond|onwards?|thereafter|later|subsequent(?:\s+cycles)?)"
    r"|onwards?|or\s+later|and\s+after)"
    r"|\b(?:of|in|during|for)\s+(?:the\s+)?cycle\s+(?P<d>\d+)\b(?!\s*(?:-|to|and|through|,))"
    r"|\bcycle\s+(?P<e>\d+)(?:\s+only\b|\s*:)|\b(?:in|during|of)\s+the\s+(?P<first>first)\s+cycle\b"
    r"|\b(?P<later>subsequent|later|following)\s+cycles\b",
    _I,
)


@dataclass(frozen=True)
class CycleCount:
    """A written number of cycles; `is_max` when written as a maximum ("up to 6 cycles")."""

    cycles: int
    is_max: bool
    text: str


def find_cycle_lengths(text: str) -> list[Found[int]]:
    """Return each cycle length statement, in days.

    >>> [f.value for f in find_cycle_lengths("each 21-day cycle; 3-week cycle; Cycle repeated ever 2 weeks")]
    [21, 21, 14]
    >>> [f.value for f in find_cycle_lengths("1 course of treatment for 28 days; every 28 days as a cycle")]
    [28, 28]
    >>> [f.value for f in find_cycle_lengths("Cycles repeat every 21 days; every 6 weeks for 2 cycles")]
    [21, 42]
    >>> [f.value for f in find_cycle_lengths("AUC 5 IV Day 1 x 6 cycles (every 21 days)")]
    [21]
    """
    found = []
    for match in CYCLE_LENGTH.finditer(text):
        number = next(match.group(f"n{i}") for i in range(1, 7) if match.group(f"n{i}"))
        unit = next(match.group(f"u{i}") for i in range(1, 7) if match.group(f"u{i}"))
        days = count(number) * (7 if unit.lower() == "week" else 1)
        found.append(Found(match.start(), match.end(), days))
    return found


def find_cycle_ranges(text: str) -> list[Found[CycleRange]]:
    """Return each "of cycle 1" / "cycles 2-6" / "subsequent cycles" phrase as a CycleRange.

    >>> [(f.value.first, f.value.last) for f in find_cycle_ranges("day 1 of cycle 1; cycles 2-6; cycle 3+")]
    [(1, 1), (2, 6), (3, None)]
    >>> found = find_cycle_ranges("Cycle 1: 10 mg; Cycle 2 and beyond: 20 mg")
    >>> [(f.value.first, f.value.last) for f in found]
    [(1, 1), (2, None)]
    """
    found = []
    for match in APPLIES_TO_CYCLES.finditer(text):
        groups = match.groupdict()
        if groups["a"]:
            first, last = int(groups["a"]), int(groups["b"])
        elif groups["c"]:
            first, last = int(groups["c"]), None
        elif groups["d"] or groups["e"]:
            first = last = int(groups["d"] or groups["e"])
        else:
            first, last = (1, 1) if groups["first"] else (2, None)
        found.append(Found(match.start(), match.end(), CycleRange(first, last, match.group())))
    return found


def find_cycle_counts(text: str) -> list[Found[CycleCount]]:
    """Return each written number of cycles.

    >>> [f.value.cycles for f in find_cycle_counts("for 4 cycles; for up to 6 cycles")]
    [4, 6]
    """
    return [
        Found(m.start(), m.end(), CycleCount(count(m.group("n")), bool(m.group("max")), m.group()))
        for m in CYCLE_COUNT.finditer(text)
    ]


def find_until(text: str) -> Found[str] | None:
    """Return the first "until progression" clause, as written to the end of its clause (at most 300
    characters): the condition that stops treatment.

    >>> find_until("for 4 cycles in the absence of disease progression or unacceptable toxicity.").value
    'in the absence of disease progression or unacceptable toxicity'
    >>> find_until("250mg daily until progression (RECIST 1.1); then ...").value
    'until progression (RECIST 1.1)'
    >>> find_until("Osimertinib (given until PD), 80 mg").value
    'until PD'
    """
    match = UNTIL_PROGRESSION.search(text)
    if not match:
        return None
    limit = min(len(text), match.end() + _MAX_CLAUSE)
    end = _CLAUSE_END.search(text, match.end(), limit)
    stop = end.start() if end else limit
    closing = text.find(")", match.end(), stop)
    if closing >= 0 and "(" not in text[match.start() : closing]:
        stop = closing  # the clause sits inside parentheses: "(given until PD)"
    return Found(match.start(), stop, text[match.start() : stop].rstrip(" ,"))
