"""Every free-text pattern under fhir_adapter.text finishes on 100 kB adversarial lines (issue 11 item 2).

A hang detector, not a speed test: each pattern runs `finditer` and `fullmatch` over each line in a forked
process, and fails only if that process is still running after a generous timeout. A linear pattern
finishes in well under a second (benchmarks/linearity.py prints the times); a quadratic one, like the old
AGE_RANGE on "Age " + 100,000 digits + " years", takes minutes. The patterns are found by walking the
package, so a new parser's patterns are covered without touching this file.

A linear pattern can still sit in a quadratic pass: the growth test parses one criterion repeating a subgroup
phrase at 10 and 40 kB and holds the ratio of the times near 4 (16 when each phrase is compared with each
fact, as the qualifier pass once did).
"""

from __future__ import annotations

import multiprocessing
import re
import time

import pytest

from benchmarks.linearity import (
    CRITERIA_PHRASES,
    GROWTH_LIMIT,
    FoundPattern,
    adversarial_lines,
    exercise,
    module_patterns,
    parse_seconds,
    repeated_criterion,
)
from fhir_adapter.text.criteria import parse_criteria
from fhir_adapter.text.criteria.conditions import without_age_bands
from fhir_adapter.text.criteria.model import Fact

HANG_SECONDS = (
    90.0  # a linear pattern needs < 1 s on these lines, even on a loaded machine far less than this
)
LINES = {
    name: line
    for name, line in adversarial_lines().items()
    if name
    in {
        "age-digits-years",
        "digits",
        "digit-groups",
        "spaces",
        "no-break-spaces",
        "or-or-or",
        "nested-bullets",
        "bullet-chars",
        "parentheses",
        "comparators",
        "uln",
    }
}
PATTERNS = module_patterns()


def _exercise_all(pattern: re.Pattern[str]) -> None:
    for line in LINES.values():
        exercise(pattern, line)


def _finishes(found: FoundPattern, timeout: float) -> bool:
    context = multiprocessing.get_context("fork")
    process = context.Process(target=_exercise_all, args=(found.pattern,))
    process.start()
    process.join(timeout)
    if process.is_alive():
        process.kill()
        process.join()
        return False
    assert process.exitcode == 0, f"{found.label} raised on an adversarial line"
    return True


def test_the_walk_finds_the_patterns_of_every_parser() -> None:
    labels = {found.label for found in PATTERNS}
    assert len(PATTERNS) > 150
    assert any(label.endswith(".AGE_RANGE") for label in labels)  # the pattern issue 11 names
    assert any(".criteria." in label for label in labels) and any("regimen" in label for label in labels)


def test_lines_are_100_kb_of_the_traps_issue_11_names() -> None:
    assert all(len(line) >= 100_000 for line in LINES.values())
    assert {"digits", "spaces", "no-break-spaces", "or-or-or", "nested-bullets"} <= set(LINES)


@pytest.mark.parametrize("found", PATTERNS, ids=lambda found: found.label.removeprefix("fhir_adapter.text."))
def test_pattern_finishes_on_adversarial_lines(found: FoundPattern) -> None:
    assert _finishes(found, HANG_SECONDS), f"{found.label} did not finish in {HANG_SECONDS} s: not linear"


def test_the_hang_detector_catches_a_quadratic_pattern() -> None:
    """The old AGE_RANGE shape (a number that can start at every digit, then backtracks) must be caught."""
    quadratic = re.compile(r"(?P<num>\d+(?:[.,]\d+)?)\s*(?:-|to)\s*(?P<num2>\d+)\s*years")
    found = FoundPattern("test", "quadratic", quadratic)
    assert not _finishes(found, 3.0)


def test_the_repeated_phrases_are_read_as_subgroups_and_labels() -> None:
    """The growth test's texts give the qualifier pass work: each repeat is a conditioned threshold."""
    liver = parse_criteria(repeated_criterion(CRITERIA_PHRASES["liver-metastases"], 10_000))[0].facts
    assert liver and all(f.condition == "in patients with liver metastases" for f in liver)
    facts = parse_criteria(repeated_criterion(CRITERIA_PHRASES["age-labels"], 10_000))[0].facts
    labelled = [f for f in facts if f.kind == "lansky"]
    assert labelled and all(f.condition == "Subjects < 16 years of age" for f in labelled)


@pytest.mark.parametrize("phrase", list(CRITERIA_PHRASES), ids=str)
def test_parse_time_grows_linearly_with_repeated_subgroup_phrases(phrase: str) -> None:
    short, long = parse_seconds(CRITERIA_PHRASES[phrase], (10_000, 40_000))
    assert long / short < GROWTH_LIMIT, f"{phrase}: {short:.3f} s at 10 kB, {long:.3f} s at 40 kB"


def test_age_bands_are_dropped_in_time_linear_in_the_facts() -> None:
    """4,000 disjoint age bands beside 4,000 other facts: each fact is looked up among the bands once (a set);
    compared with every band (a list) this took about 5 s, quadratic, instead of milliseconds."""
    bands = [
        Fact("age", f"{2 * i}-{2 * i + 1} years", low=2 * i, high=2 * i + 1, unit="a") for i in range(4000)
    ]
    others = [Fact("alt", f"ALT < {i} U/L", "<", float(i), unit="U/L") for i in range(4000)]
    start = time.process_time()
    kept = without_age_bands([*bands, *others])
    assert time.process_time() - start < 1.0
    assert kept == others  # the bands name subgroups, none is a limit on the patient


def test_a_long_and_chain_names_its_other_limits_by_count() -> None:
    """Each limit of an exclusion "A and B and C" holds together with the others. Quoting every other limit
    in each fact's condition made the output grow with the square of the text (51 MB for 40 kB); past a
    handful, the condition counts them instead, and the output grows with the text."""

    def condition_chars(length: int) -> int:
        chain = "".join(f"Hemoglobin < {i}.5 g/dL and " for i in range(length // 28))
        criteria = parse_criteria(f"Exclusion Criteria:\n\n* {chain}platelets < 50 x 10^9/L\n")
        return sum(len(f.condition or "") for c in criteria for f in c.facts)

    assert condition_chars(40_000) < 5 * condition_chars(10_000)
    few = parse_criteria("Exclusion Criteria:\n\n* Hemoglobin < 9 g/dL and platelets < 50 x 10^9/L\n")[
        0
    ].facts
    assert [f.condition for f in few] == [
        "together with platelets < 50 x 10^9/L",
        "together with Hemoglobin < 9 g/dL",
    ]
