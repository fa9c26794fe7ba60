"""What the verbatim text of an eligibility criterion says about its logic: alternatives ("A or B") and
conditions ("for patients with liver metastases ..."), for the project rules on Group characteristics.

Heuristics over untrusted text: every pattern here is linear (no nested quantifiers; bounded gaps), and the
text is looked at only up to MAX_TEXT characters (a criterion longer than that is a paragraph, not a rule).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MAX_TEXT = 4_000
OPEN, CLOSE = "([{", ")]}"

# "or" as a word (also in "and/or", "either ... or"), between clauses rather than inside brackets.
_OR = re.compile(r"\b(?:and\s*/\s*)?or\b", re.IGNORECASE)
_COMPARATOR = (
    r"(?:[<>≤≥⩽⩾]=?|=<|=>"
    r"|\b(?:less|greater|more|fewer|lower|higher)\s+than\b"
    r"|\bat\s+(?:least|most)\b"
    r"|\bno\s+(?:more|less|greater|higher|lower)\s+than\b"
    r"|\b(?:below|above|under|exceed(?:s|ing)?|up\s+to)\b)"
)
_LIMIT = r"(?:\d|\buln\b|\blln\b|\bupper\s+limit|\blower\s+limit|\bnormal\b)"
# A threshold: a comparator followed closely by a number or a normal limit, or a numeric range ("0-2").
_THRESHOLD = re.compile(
    rf"{_COMPARATOR}[^.;\n]{{0,40}}?{_LIMIT}|(?<![\d.])\d+(?:\.\d+)?\s*(?:-|–|to)\s*\d+(?:\.\d+)?\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]{2,}")
_SENTENCE_END = re.compile(r"(?<=[.;])\s+|\n")
_STATEMENT_END = re.compile(r"(?<=\.)\s+(?=[A-Z(])")
# A subgroup, a situation or an exception the threshold depends on.
_CONDITION = re.compile(
    r"\b(?:for|in)\s+(?:(?:all|those|the)\s+)?"
    r"(?:participants?|patients?|subjects?|pts|those|people|persons|individuals|women|men|females?|males?"
    r"|children|adults?|adolescents?|cases?|case\s+of|the\s+presence\s+of)\b"
    r"|\bif\b(?!\s+(?:applicable|available|needed|necessary|required|indicated|known)\b)"
    r"|\bunless\b|\bprovided\s+(?:that\b)?|\bgilbert",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[,;:()\[\]]")
# Age at a past event is not the current age (SNOMED 397669002 Age is the age now).
_PAST_AGE = re.compile(
    r"\bage\s+(?:at|of)\s+(?:the\s+)?(?:time\s+of\s+)?(?:initial\s+|first\s+|original\s+)?"
    r"(?:diagnosis|onset|hsct|sct|bmt|transplant\w*|relapse|presentation|symptoms?|disease)\b",
    re.IGNORECASE,
)


def top_level(text: str) -> str:
    """Return `text` with everything inside brackets blanked out (same length, so positions still match).

    >>> top_level("AST (or SGOT) <= 3 x ULN")
    'AST (       ) <= 3 x ULN'
    """
    chars, depth = list(text[:MAX_TEXT]), 0
    for index, char in enumerate(chars):
        if char in CLOSE and depth:
            depth -= 1
        if depth:
            chars[index] = " "
        if char in OPEN:
            depth += 1
    return "".join(chars)


def or_segments(text: str) -> list[str]:
    """Return the parts of `text` between its top-level "or"s (one part when there is none).

    >>> or_segments("Serum creatinine < ULN or creatinine clearance >= 60 mL/min")
    ['Serum creatinine < ULN ', ' creatinine clearance >= 60 mL/min']
    >>> or_segments("AST (or SGOT) and ALT (or SGPT) <= 1.5 x ULN")
    ['AST (or SGOT) and ALT (or SGPT) <= 1.5 x ULN']
    """
    text = text[:MAX_TEXT]
    cuts = [(match.start(), match.end()) for match in _OR.finditer(top_level(text))]
    starts = [0] + [end for _, end in cuts]
    ends = [start for start, _ in cuts] + [len(text)]
    return [text[start:end] for start, end in zip(starts, ends, strict=True)]


def alternative_thresholds(text: str) -> int:
    """Return how many of the "or"-separated statements in `text` state a threshold of their own.

    A part that is only a threshold and its unit ("Hb >= 9 g/dL or >= 5.6 mmol/L") restates the one before
    in other units: it does not count.

    >>> alternative_thresholds("Total bilirubin <= ULN; or total bilirubin <= 3.0 x ULN with Gilbert's")
    2
    >>> alternative_thresholds("Bilirubin <= ULN; or <= 3x ULN with Gilbert's syndrome")
    2
    >>> alternative_thresholds("Hemoglobin >= 9 g/dL or >= 5.6 mmol/L")
    1
    >>> alternative_thresholds("ECOG 0, 1, or 2")
    0
    """
    count = 0
    for index, segment in enumerate(or_segments(text)):
        match = _THRESHOLD.search(segment)
        if match is None:
            continue
        named = _WORD.search(segment[: match.start()]) is not None
        if index == 0 or named or len(_WORD.findall(segment[match.end() :])) > 1:
            count += 1
    return count


def has_top_level_or(text: str) -> bool:
    """Return True when "or" joins two parts of `text` outside brackets.

    >>> has_top_level_or("HIV or hepatitis B"), has_top_level_or("Age >= 18 (or per local law)")
    (True, False)
    """
    return len(or_segments(text)) > 1


def joins_by_and(text: str) -> bool:
    """Return True when `text` also lists or joins facts with "and", "," or ";" outside brackets."""
    return re.search(r"\band\b(?!\s*/)|[,;]", top_level(text), re.IGNORECASE) is not None


def lines_of(text: str) -> list[str]:
    """Return the lines of `text` (a criterion with sub-items has one per line), each line's sentences apart
    when a sentence ends before a capital ("ANC >= 1.5 x 10^9/L. Platelet count >= 75 x 10^9/L.": a list
    written as one paragraph). A ';' does not end one: "bilirubin <= ULN; or <= 3x ULN with Gilbert's" is one
    statement of two alternatives."""
    return [part for line in text[:MAX_TEXT].splitlines() for part in _STATEMENT_END.split(line)] or [""]


def sentences_of(text: str) -> list[str]:
    """Return the sentences and clauses of `text`: split at line ends, ';' and '. '."""
    return [part for part in _SENTENCE_END.split(text[:MAX_TEXT]) if part.strip()] or [""]


# Names a criterion writes for a measure whose coding display opens with an abbreviation: without them the
# passage about "INR <= 1.5 x ULN" written as "international standardized ratio ... <= 1.5 times the ULN" is
# not found, and every line stating 1.5 (a liver line with "If") is taken for it.
_OTHER_NAMES: dict[str, tuple[str, ...]] = {
    "inr": (
        "international normalized ratio",
        "international normalised ratio",
        "international standardized ratio",
    ),
}


def measure_words(first_word: str) -> tuple[str, ...]:
    """Return the lower-case words that name a measure in criterion text, from its display's first word."""
    return (first_word, *_OTHER_NAMES.get(first_word, ()))


def passages_about(parts: list[str], numbers: list[str], words: list[str]) -> list[str]:
    """Return the parts that state one of `numbers` and name one of `words` (a measure's name); failing
    that, those that state a number; failing that, all of them.

    >>> lines = ["Bilirubin <= 1.5 x ULN", "Creatinine <= 1.5 x ULN or CrCl >= 50"]
    >>> passages_about(lines, ["1.5"], ["bilirubin"])
    ['Bilirubin <= 1.5 x ULN']
    """
    stated = [part for part in parts if any(_states(part, number) for number in numbers)]
    named = [part for part in stated if any(word in part.lower() for word in words)]
    return named or stated or parts


def _states(part: str, number: str) -> bool:
    return re.search(rf"(?<![\d.,]){re.escape(number)}(?!\d|[.,]\d)", part) is not None


def condition_in(parts: list[str], numbers: Sequence[str] = ()) -> str | None:
    """Return the first conditional phrase in `parts`, or None. A condition whose own clause (up to the next
    comma, semicolon, colon or bracket) states one of the threshold's `numbers` is about the measure itself, a
    re-test of the same limit ("If the first recorded QTc exceeds 480 msec, two additional ECGs ... must
    result in a mean QTc =< 480"), not a subgroup with a limit of its own.

    >>> condition_in(["ECOG PS 0-2 (0 to 3 for participants >= 60 to 74 years)"])
    'for participants'
    >>> condition_in(["Age >= 18 years.", "ANC >= 1500/uL"])
    >>> condition_in(["NOTE: If the first recorded QTc exceeds 480 msec, two additional"], ["480"])
    """
    for part in parts:
        for match in _CONDITION.finditer(part):
            clause = _CLAUSE_END.split(part[match.start() :], maxsplit=1)[0]
            if not any(_states(clause, number) for number in numbers):
                return match.group(0)
    return None


def past_age(text: str) -> str | None:
    """Return the phrase naming an age at a past event ("age at diagnosis"), or None.

    >>> past_age("age at diagnosis <= 18 years. Age at HSCT <= 21 years"), past_age("Age >= 18 at screening")
    ('age at diagnosis', None)
    """
    match = _PAST_AGE.search(text[:MAX_TEXT])
    return match.group(0) if match else None


def number_spellings(value: object) -> list[str]:
    """Return the ways a criterion may write `value`: 1500 -> ['1500', '1,500']; 3.0 -> ['3', '3.0'].

    >>> number_spellings(1500), number_spellings(3.0), number_spellings(1.5)
    (['1500', '1,500'], ['3', '3.0'], ['1.5'])
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return []
    if float(value).is_integer():
        whole = int(value)
        spellings = [str(whole), f"{whole:,}"] + ([f"{whole}.0"] if isinstance(value, float) else [])
        return list(dict.fromkeys(spellings))
    return [repr(float(value))]
