"""Time every free-text pattern of fhir_adapter.text on 100 kB adversarial lines (issue 11 item 2).

    python -m benchmarks.linearity [--size 100000] [--slowest 15]
    python -m benchmarks.linearity --criteria

Every module-level compiled pattern under fhir_adapter.text (found by walking the package, so new parsers
are covered without a list to keep up to date) runs `finditer` and `fullmatch` over lines built to make a
backtracking engine work hard: long digit runs, runs of spaces and no-break spaces, "or or or", nested
bullets, repeated measure names and comparators. A linear pattern takes well under a second per line; a
quadratic one takes minutes. tests/text/test_linearity.py runs the same lines under a hang detector.

`--criteria` times whole passes instead: parse_criteria on one criterion repeating a subgroup phrase ("ALT ≤ 5
x ULN in patients with liver metastases, ", age labels) at 10, 20 and 40 kB. A linear parse takes four times
as long at 40 kB as at 10 kB; a pass that compares every phrase with every fact takes sixteen times (the
qualifier pass of text/criteria/conditions.py did, until stop 23, as the size grows). The test holds the ratio
below GROWTH_LIMIT.
"""

from __future__ import annotations

import argparse
import importlib
import multiprocessing
import pkgutil
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import fhir_adapter.text
from fhir_adapter.text.criteria import parse_criteria

LINE_SIZE = 100_000
TARGET_SECONDS = 1.0
CAP_SECONDS = 20.0  # a pattern still running after this is reported as over the cap and stopped
# One criterion repeating a phrase that conditions a threshold, or an age that labels one: every repeat is
# a qualifier and a fact, so a pass that pairs them all grows with the square of the text.
CRITERIA_PHRASES = {
    "liver-metastases": "ALT ≤ 5 x ULN in patients with liver metastases, ",
    "age-labels": "Subjects < 16 years of age: Lansky >= 50%, ",
    "age-brackets": "(age >= 16 years) ",
    "measure-age-brackets": "ECOG 0-1 (age >= 16 years) ",
}
GROWTH_SIZES = (10_000, 20_000, 40_000)  # parse_criteria reads at most 50,000 characters
# time at 40 kB / time at 10 kB: 4 when linear; 16 when quadratic in the limit, and 7 to 13 at these sizes for
# the old qualifier pass, whose linear part (reading the facts) still weighed at 10 kB
GROWTH_LIMIT = 6.0


@dataclass(frozen=True)
class FoundPattern:
    """A compiled pattern and where it lives: module and the name (or container) that holds it."""

    module: str
    name: str
    pattern: re.Pattern[str]

    @property
    def label(self) -> str:
        return f"{self.module}.{self.name}"


def adversarial_lines(size: int = LINE_SIZE) -> dict[str, str]:
    """Return lines of about `size` characters, each built to trip one kind of backtracking."""

    def repeat(unit: str) -> str:
        return (unit * (size // len(unit) + 1))[:size]

    return {
        "age-digits-years": "Age " + "1" * size + " years",
        "digits": "1" * size,
        "digit-groups": repeat("1,"),
        "decimal-points": repeat("1."),
        "spaces": " " * size + "x",
        "no-break-spaces": "\u00a0" * size + "x",
        "narrow-no-break-spaces": "\u202f" * size + "1",
        "or-or-or": repeat("or "),
        "and-or": repeat("and/or "),
        "nested-bullets": repeat("  * "),
        "bullet-chars": repeat("• "),
        "dashes": repeat("- "),
        "parentheses": "(" * size,
        "measure-names": repeat("AST ALT "),
        "comparators": repeat("≥ "),
        "uln": repeat("x ULN "),
        "units": repeat("10^9/L "),
        "ages": repeat("age 18 to "),
        "word": "a" * size,
        "dose-words": repeat("mg/m2 on day 1 "),
        "cycles": repeat("cycle 1 day "),
    }


def module_patterns(package: ModuleType = fhir_adapter.text) -> list[FoundPattern]:
    """Return every compiled pattern held at module level in `package` and its sub-modules: names,
    containers (tuples, lists, dicts) and one level into module-level objects (a matcher's table)."""
    found: dict[int, FoundPattern] = {}
    for module in _modules(package):
        for name, value in vars(module).items():
            if getattr(value, "__module__", module.__name__) != module.__name__ and isinstance(value, type):
                continue
            for label, pattern in _patterns_in(name, value, depth=0):
                found.setdefault(id(pattern), FoundPattern(module.__name__, label, pattern))
    return sorted(found.values(), key=lambda p: p.label)


def _modules(package: ModuleType) -> Iterator[ModuleType]:
    yield package
    for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
        yield importlib.import_module(info.name)


def _patterns_in(name: str, value: Any, *, depth: int) -> Iterator[tuple[str, re.Pattern[str]]]:
    if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
        yield name, value
    elif depth > 3 or isinstance(value, (str, bytes, type, ModuleType)) or callable(value):
        return
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _patterns_in(f"{name}[{key!r}]", item, depth=depth + 1)
    elif isinstance(value, (tuple, list, set, frozenset)):
        for index, item in enumerate(value):
            yield from _patterns_in(f"{name}[{index}]", item, depth=depth + 1)
    elif hasattr(value, "__dict__") and depth == 0:
        for attribute, item in vars(value).items():
            yield from _patterns_in(f"{name}.{attribute}", item, depth=depth + 1)


def exercise(pattern: re.Pattern[str], line: str) -> None:
    """Run the pattern the ways the parsers do: scan the line, and match it whole."""
    for _ in pattern.finditer(line):
        pass
    pattern.fullmatch(line)


def time_pattern(pattern: re.Pattern[str], lines: dict[str, str]) -> tuple[float, str]:
    """Return the slowest time over `lines` and the name of that line."""
    worst, worst_line = 0.0, ""
    for name, line in lines.items():
        start = time.perf_counter()
        exercise(pattern, line)
        elapsed = time.perf_counter() - start
        if elapsed > worst:
            worst, worst_line = elapsed, name
    return worst, worst_line


def timed_in_child(found: FoundPattern, lines: dict[str, str], cap: float) -> tuple[float, str] | None:
    """Return time_pattern's result, run in a forked process stopped after `cap` seconds (None then)."""
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[tuple[float, str]] = context.Queue()
    process = context.Process(target=lambda: queue.put(time_pattern(found.pattern, lines)))
    process.start()
    process.join(cap)
    if process.is_alive():
        process.kill()
        process.join()
        return None
    return queue.get()


def repeated_criterion(phrase: str, size: int) -> str:
    """Return an eligibility text whose one inclusion criterion is `phrase` repeated to `size` characters."""
    return "Inclusion Criteria:\n\n* " + (phrase * (size // len(phrase) + 1))[:size]


def parse_seconds(phrase: str, sizes: tuple[int, ...] = GROWTH_SIZES, repeats: int = 3) -> list[float]:
    """Return the fastest of `repeats` parse_criteria times at each size, in CPU seconds of this process
    (time spent waiting for a shared machine's cores is not counted). The sizes take turns, so a load that
    comes and goes falls on all of them alike."""
    texts = [repeated_criterion(phrase, size) for size in sizes]
    best = [float("inf")] * len(sizes)
    for _ in range(repeats):
        for index, text in enumerate(texts):
            start = time.process_time()
            parse_criteria(text)
            best[index] = min(best[index], time.process_time() - start)
    return best


def report_criteria_growth() -> int:
    """Print parse times and the 40 kB / 10 kB ratio per phrase; return how many are at or over the limit."""
    over = 0
    print(f"{'phrase':22s}" + "".join(f"{size // 1000:>7d} kB" for size in GROWTH_SIZES) + "   ratio")
    for name, phrase in CRITERIA_PHRASES.items():
        seconds = parse_seconds(phrase)
        ratio = seconds[-1] / seconds[0]
        over += ratio >= GROWTH_LIMIT
        flag = "  NOT LINEAR" if ratio >= GROWTH_LIMIT else ""
        print(f"{name:22s}" + "".join(f"{s:8.3f} s" for s in seconds) + f"{ratio:8.1f}{flag}", flush=True)
    return over


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", type=int, default=LINE_SIZE, help="characters per adversarial line")
    parser.add_argument("--cap", type=float, default=CAP_SECONDS, help="seconds before a pattern is stopped")
    parser.add_argument("--only", default="", help="only patterns whose name contains this text")
    parser.add_argument("--criteria", action="store_true", help="time parse_criteria's growth instead")
    args = parser.parse_args()
    if args.criteria:
        over = report_criteria_growth()
        print(f"{len(CRITERIA_PHRASES)} phrases; {over} grow {GROWTH_LIMIT:.0f}x or more from 10 to 40 kB")
        return
    lines = adversarial_lines(args.size)
    over = 0
    patterns = [p for p in module_patterns() if args.only in p.label]
    for found in patterns:
        result = timed_in_child(found, lines, args.cap)
        if result is None:
            over += 1
            print(f"  > {args.cap:.0f} s  {found.label}  STOPPED (not linear)", flush=True)
            continue
        seconds, line = result
        over += seconds >= TARGET_SECONDS
        flag = "  OVER TARGET" if seconds >= TARGET_SECONDS else ""
        print(f"{seconds:8.3f} s  {found.label}  (slowest on {line}){flag}", flush=True)
    print(
        f"{len(patterns)} patterns, {len(lines)} lines of {args.size:,} characters; "
        f"{over} at or over {TARGET_SECONDS} s"
    )


if __name__ == "__main__":
    main()
