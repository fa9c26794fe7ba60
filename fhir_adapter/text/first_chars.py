"""Speed up a search by the characters a match can start with (issue 16: criteria regexes on every line).

Python's `re` has no fast scan for a case-insensitive pattern or one that starts with `\\b`: at every position
of the text it tries each alternative of the pattern in turn. `guarded` puts before the pattern a lookahead
of one character class, every character a match can start with, worked out from the parsed pattern: most
positions then fail at that one class. The class holds at least every possible first character, so the
matches (spans, groups, `lastgroup`) are exactly the pattern's own; each position costs one more class test,
so the pattern stays as linear as it was. Where the first characters cannot be told (a pattern that can
match nothing, or start with any character), the pattern is returned unchanged.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from typing import Any

# The parser re itself uses (re._parser since 3.11). Private: whatever it gives that this module does not
# know leaves the pattern as it is.
_PARSER: Any = importlib.import_module("re._parser")
_CATEGORIES = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
}
_WIDEST_RANGE = 256  # a wider character range at the start is taken as "any character"
_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
_ZERO_WIDTH = ("AT", "ASSERT", "ASSERT_NOT")


class _AnyStart(Exception):
    """The pattern may start with any character (or one this module does not know how to read)."""


@dataclass
class _Starts:
    """Characters a match may start with, and whether it may also start with what comes next (nullable)."""

    chars: set[str] = field(default_factory=set)
    categories: set[str] = field(default_factory=set)
    nullable: bool = False

    def add(self, other: _Starts) -> None:
        self.chars |= other.chars
        self.categories |= other.categories


def guarded(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """Return `pattern` behind a lookahead of the characters its matches can start with, or unchanged.

    >>> guarded(re.compile(r"\\b(?:for|in)\\s+patients\\b|\\bif\\b", re.I)).pattern[:24]
    '(?=(?i:[\\\\U00000066\\\\U0000'
    >>> guarded(re.compile(r"x?")).pattern  # may match nothing: unchanged
    'x?'
    """
    try:
        starts = _sequence(_PARSER.parse(pattern.pattern, pattern.flags))
    except (_AnyStart, re.error, AttributeError, TypeError, ValueError):
        return pattern
    if starts.nullable or (not starts.chars and not starts.categories):
        return pattern
    chars = "".join(f"\\U{ord(c):08x}" for c in sorted(starts.chars))
    categories = "".join(_CATEGORIES[name] for name in sorted(starts.categories))
    # Case-insensitive for all: a wider class than the pattern's own case rules is still every first char.
    try:
        return re.compile(f"(?=(?i:[{chars}{categories}]))(?:{pattern.pattern})", pattern.flags)
    except re.error:  # global inline flags ("(?i)...") must open a pattern: they cannot go behind the guard
        return pattern


def _sequence(items: Any) -> _Starts:
    """Return the first characters of a sequence of parsed items: the first non-nullable one's and those
    of every nullable one before it."""
    starts = _Starts(nullable=True)
    for item in items:
        found = _item(item)
        starts.add(found)
        if not found.nullable:
            starts.nullable = False
            break
    return starts


def _item(item: tuple[Any, Any]) -> _Starts:
    op, value = item
    name = str(op)
    starts: _Starts
    if name == "LITERAL":
        starts = _Starts({chr(value)})
    elif name == "IN":
        starts = _char_class(value)
    elif name == "BRANCH":
        starts = _Starts()
        for alternative in value[1]:
            found = _sequence(alternative)
            starts.add(found)
            starts.nullable = starts.nullable or found.nullable
    elif name in ("SUBPATTERN", "ATOMIC_GROUP"):
        starts = _sequence(value[3] if name == "SUBPATTERN" else value)
    elif name in _REPEATS:
        low, _, body = value
        starts = _sequence(body)
        starts.nullable = starts.nullable or low == 0
    elif name in _ZERO_WIDTH:  # \b, ^, lookarounds: they consume nothing, the next item starts the match
        starts = _Starts(nullable=True)
    else:
        raise _AnyStart(name)
    return starts


def _char_class(members: Any) -> _Starts:
    starts = _Starts()
    for op, value in members:
        name = str(op)
        if name == "LITERAL":
            starts.chars.add(chr(value))
        elif name == "RANGE" and value[1] - value[0] <= _WIDEST_RANGE:
            starts.chars.update(map(chr, range(value[0], value[1] + 1)))
        elif name == "CATEGORY" and str(value) in _CATEGORIES:
            starts.categories.add(str(value))
        else:  # a negated class, a wide range, another category
            raise _AnyStart(name)
    return starts
