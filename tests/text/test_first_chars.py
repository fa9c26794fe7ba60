"""A pattern behind the lookahead of its first characters (text/first_chars.py) finds exactly what it found."""

from __future__ import annotations

import random
import re

import pytest

from fhir_adapter.resources import people
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.text.criteria import age_facts, conditions, logic, measures, values
from fhir_adapter.text.first_chars import guarded
from tests.conftest import FIXTURES

_GUARD = re.compile(r"\(\?=\(\?i:\[[^\]]*\]\)\)\(\?:(?P<pattern>.*)\)", re.DOTALL)
# Letters with case-insensitive partners outside ASCII (the Kelvin sign, the long s, the dotted and dotless
# i, micro and mu), digits, spaces, comparators and brackets.
_ALPHABET = "aAbBeEfFgGhHiIkKlLmMnNoOpPrRsStTuUwWyY\u212a\u017f\u0130\u0131\u00b5\u03bc0123 \n()<>=≥≤-,;:./"
SAMPLES = [
    r"\b(?:for|in|among)\s+(?:the\s+)?(?:patients?|women)\b|\b(?:if|unless)\b|\((?=\s*ages?\b)[^()\n]{0,40}\)",
    r"(?<!during )(?<!wish to become )\bpregnan(?:t|cy)\b|positive (?:serum )?(?:β-?|beta[- ]?)?h?CG\b",
    r"(?:(?P<comp>>=|≥|at least|greater than)\s*+)?(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>years?|yrs?)",
    r"\b(?:HIV|AIDS|(?i:human immunodeficiency virus))\b",
    r"(?-i:K)elvin|(?i:sk)y|\u212a|[\w]{2}x|\s+;",
    r"(?>ab|a)c|a*+b|(?:x|y)?z",
]


def _unguarded(pattern: re.Pattern[str]) -> re.Pattern[str]:
    match = _GUARD.fullmatch(pattern.pattern)
    assert match is not None, f"not guarded: {pattern.pattern[:60]!r}"
    return re.compile(match["pattern"], pattern.flags)


def _found(pattern: re.Pattern[str], text: str) -> list[tuple[object, ...]]:
    return [(m.span(), m.groups(), m.lastgroup) for m in pattern.finditer(text)]


def _criteria_texts() -> list[str]:
    folders = [FIXTURES / "ctgov", FIXTURES / "ctgov-holdout2", FIXTURES / "ctgov-holdout3"]
    trials = read_trials([folder for folder in folders if folder.is_dir()])
    return [t.eligibility.criteria for t in trials if isinstance(t, TrialRecord) and t.eligibility.criteria]


HOT = {
    "conditions.QUALIFIER": conditions.QUALIFIER,
    "logic.ONE_OF": logic.ONE_OF,
    "values._BARE_ULN": values._BARE_ULN,
    "age_facts._AGE_HINT": age_facts._AGE_HINT,
    "people._NOT_A_PERSON": people._NOT_A_PERSON,
    "measures.AGE_CONTEXT": measures.AGE_CONTEXT,
    "measures.AGE_RANGE": measures.AGE_RANGE,
    "measures.AGE_SUBJECT": measures.AGE_SUBJECT,
    "measures.AGE_BEFORE": measures.AGE_BEFORE,
    "measures.AGE_COMPARATOR_FIRST": measures.AGE_COMPARATOR_FIRST,
    **{f"measures.BOOLEAN_KINDS[{kind}]": pattern for kind, pattern in measures.BOOLEAN_KINDS},
}


@pytest.mark.parametrize("name", sorted(HOT))
def test_the_criteria_patterns_find_the_same_in_every_fixture(name: str) -> None:
    pattern = HOT[name]
    plain = _unguarded(pattern)
    texts = _criteria_texts()
    assert len(texts) > 100
    for text in texts:
        assert _found(pattern, text) == _found(plain, text)


@pytest.mark.parametrize("source", SAMPLES)
@pytest.mark.parametrize("flags", [0, re.IGNORECASE, re.IGNORECASE | re.ASCII])
def test_random_text_finds_the_same(source: str, flags: int) -> None:
    plain = re.compile(source, flags)
    fast = guarded(plain)
    assert fast is not plain
    rng = random.Random(f"{source}{flags}")
    words = ["pregnant", "PREGNANCY", "hcg", "for the women", "if", "at least 18 years", "\u212aelvin", "ſky"]
    for _ in range(3000):
        text = "".join(
            rng.choice(words) if rng.random() < 0.2 else rng.choice(_ALPHABET)
            for _ in range(rng.randint(0, 30))
        )
        assert _found(fast, text) == _found(plain, text), text


@pytest.mark.parametrize(
    "source", [r"x?", r"(?:a|)b?", r".a", r"[^a]b", r"(?P<x>a)(?P=x)|(?P=x)b", r"[\x00-\uffff]"]
)
def test_a_pattern_that_may_start_anywhere_or_match_nothing_is_unchanged(source: str) -> None:
    pattern = re.compile(source)
    assert guarded(pattern) is pattern


def test_the_guard_holds_the_first_characters_and_no_others() -> None:
    pattern = guarded(re.compile(r"\b(?:ab|c)d|(?<!x)e?f"))
    guard = pattern.pattern[: pattern.pattern.index("]") + 1]
    chars = {chr(int(code, 16)) for code in re.findall(r"\\U([0-9a-f]{8})", guard)}
    assert chars == {"a", "c", "e", "f"}


def test_a_pattern_opening_with_global_inline_flags_is_unchanged() -> None:
    # "(?i)..." cannot be put behind the lookahead (its flags must open the pattern): no guard, no error
    pattern = re.compile(r"(?i)platelets?\s*+<")
    assert guarded(pattern) is pattern
