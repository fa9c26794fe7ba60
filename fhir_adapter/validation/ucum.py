"""A small, strict UCUM syntax checker: is a code valid UCUM, and what dimension does it have?

It implements the grammar of the UCUM specification (https://ucum.org/ucum, §§1-10 and Exhibit 1: prefixes
only on metric atoms, integer exponents, '.' and '/' left to right, a leading '/', parentheses, factors,
{annotations}, square brackets inside atoms, printable ASCII only) over the full table of UCUM atoms and
prefixes (package data from `scripts/fetch_ucum_atoms.py`). It does not convert units; the dimension vector
is enough to tell a unit of time from a metre. There is no UCUM library in the stack, hence this module.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

ATOMS_FILE = "ucum-atoms.json"
TIME = (0, 1, 0, 0, 0, 0, 0)  # dimension vector: length, time, mass, angle, temperature, charge, luminosity
_EXPONENT = re.compile(r"^(.*?[^\d+-])([+-]?\d+)$")
# What people write for a unit UCUM spells otherwise: shown with the error.
HINTS = {
    "y": "a year is 'a'",
    "yr": "a year is 'a'",
    "year": "a year is 'a'",
    "years": "a year is 'a'",
    "mon": "a month is 'mo'",
    "month": "a month is 'mo'",
    "months": "a month is 'mo'",
    "week": "a week is 'wk'",
    "weeks": "a week is 'wk'",
    "day": "a day is 'd'",
    "days": "a day is 'd'",
    "hr": "an hour is 'h'",
    "hour": "an hour is 'h'",
    "sec": "a second is 's'",
    "mcg": "a microgram is 'ug'",
    "cc": "a cubic centimetre is 'cm3' (or 'mL')",
    "IU": "an international unit is '[iU]' (or '[IU]')",
    "x": "a multiplier is written as a power of ten, '10*9/L', without 'x'",
}


class UcumError(ValueError):
    """A code that is not valid UCUM; `reason` says why."""

    def __init__(self, code: str, reason: str) -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"{code!r} is not valid UCUM: {reason}")


@dataclass(frozen=True)
class UcumUnit:
    """A valid UCUM code and what the checker learned about it."""

    code: str
    dimension: tuple[int, ...]
    arbitrary: bool = False  # contains an arbitrary unit such as [iU]: no dimension to compare
    special: bool = False  # contains a non-ratio unit such as Cel
    caret: bool = False  # uses 10^, UCUM's alternative spelling of 10*

    @property
    def is_time(self) -> bool:
        """Return True for a unit of time (s, min, h, d, wk, mo, a and their kin)."""
        return self.dimension == TIME and not self.arbitrary and not self.special


@cache
def _tables() -> tuple[dict[str, str], dict[str, Any]]:
    text = resources.files("fhir_adapter.validation.data").joinpath(ATOMS_FILE).read_text("utf-8")
    document = json.loads(text)
    return document["prefixes"], document["atoms"]


def atom(code: str) -> dict[str, Any] | None:
    """Return the table row of a UCUM atom (metric, property, dim), or None.

    >>> atom("mo")["property"], atom("m")["property"], atom("y")
    ('time', 'length', None)
    """
    found: dict[str, Any] | None = _tables()[1].get(code)
    return found


@lru_cache(maxsize=4096)
def parse_ucum(code: str) -> UcumUnit:
    """Return what `code` means as UCUM, or raise UcumError saying why it is not valid UCUM.

    >>> parse_ucum("10*9/L").dimension, parse_ucum("mg/m2").code, parse_ucum("mL/min/{1.73_m2}").dimension
    ((-3, 0, 0, 0, 0, 0, 0), 'mg/m2', (3, -1, 0, 0, 0, 0, 0))
    >>> parse_ucum("mo").is_time, parse_ucum("m").is_time, parse_ucum("10^9/L").caret
    (True, False, True)
    >>> for bad in ("mg/m²", "y", "mg//m2"):
    ...     try:
    ...         parse_ucum(bad)
    ...     except UcumError as error:
    ...         print(error.reason)
    '²' is not allowed (UCUM uses printable ASCII only); write the power as a digit, as in m2
    'y' is not a UCUM unit; a year is 'a'
    a unit is missing before '/'
    """
    parser = _Parser(code)
    return parser.parse()


class _Parser:
    """Recursive descent over the tokens of one code: main-term, term, component (UCUM Exhibit 1)."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.tokens = _tokens(code)
        self.position = 0
        self.arbitrary = self.special = self.caret = False

    def parse(self) -> UcumUnit:
        if not self.tokens:
            raise UcumError(self.code, "the code is empty")
        if self._next_is("/"):
            self.position += 1
            dimension = tuple(-d for d in self._term())
        else:
            dimension = self._term()
        if self.position < len(self.tokens):
            raise UcumError(self.code, f"unexpected {self.tokens[self.position][1]!r}")
        return UcumUnit(self.code, dimension, self.arbitrary, self.special, self.caret)

    def _next_is(self, operator: str) -> bool:
        return self.position < len(self.tokens) and self.tokens[self.position] == ("op", operator)

    def _term(self) -> tuple[int, ...]:
        dimension = self._component()
        while self._next_is(".") or self._next_is("/"):
            sign = 1 if self.tokens[self.position][1] == "." else -1
            self.position += 1
            dimension = tuple(a + sign * b for a, b in zip(dimension, self._component(), strict=True))
        return dimension

    def _component(self) -> tuple[int, ...]:
        if self.position >= len(self.tokens):
            raise UcumError(self.code, "a unit is missing at the end")
        kind, text = self.tokens[self.position]
        self.position += 1
        if kind == "annotation":
            return (0,) * 7
        if (kind, text) == ("op", "("):
            dimension = self._term()
            if not self._next_is(")"):
                raise UcumError(self.code, "'(' is not closed")
            self.position += 1
            return dimension
        if kind == "op":
            raise UcumError(self.code, f"a unit is missing before {text!r}")
        if self.position < len(self.tokens) and self.tokens[self.position][0] == "annotation":
            self.position += 1  # an annotation ends the symbol and means nothing (UCUM §6)
        return self._symbol(text)

    def _symbol(self, text: str) -> tuple[int, ...]:
        if text.isdigit():
            return (0,) * 7  # a factor, such as the 100 in /100{cells}
        match = _EXPONENT.match(text)
        base, exponent = (match.group(1), int(match.group(2))) if match else (text, 1)
        row = _simple_unit(self.code, base)
        self.arbitrary = self.arbitrary or bool(row.get("arbitrary"))
        self.special = self.special or bool(row.get("special"))
        self.caret = self.caret or base == "10^"
        return tuple(exponent * d for d in row["dim"])


def _simple_unit(code: str, symbol: str) -> dict[str, Any]:
    """Return the atom row for an atom or a prefixed metric atom (UCUM §5: the longest prefix first)."""
    prefixes, atoms = _tables()
    if symbol in atoms:
        found: dict[str, Any] = atoms[symbol]
        return found
    for prefix in sorted((p for p in prefixes if symbol.startswith(p)), key=len, reverse=True):
        rest = atoms.get(symbol[len(prefix) :])
        if rest is not None and rest["metric"]:
            return dict(rest)
        if rest is not None:
            raise UcumError(code, f"{symbol[len(prefix) :]!r} takes no prefix (it is not a metric unit)")
    hint = HINTS.get(symbol) or HINTS.get(symbol.lower()) or (HINTS["x"] if symbol.startswith("x") else None)
    raise UcumError(code, f"{symbol!r} is not a UCUM unit" + (f"; {hint}" if hint else ""))


def _tokens(code: str) -> list[tuple[str, str]]:
    """Split a code into operators ('op'), annotations and symbols (atoms with prefix and exponent)."""
    tokens: list[tuple[str, str]] = []
    index = 0
    while index < len(code):
        char = code[index]
        _check_character(code, char)
        if char in "./()":
            tokens.append(("op", char))
            index += 1
        elif char == "{":
            end = code.find("}", index)
            if end < 0 or "{" in code[index + 1 : end]:
                raise UcumError(code, "an annotation '{...}' is not closed (or is nested)")
            tokens.append(("annotation", code[index + 1 : end]))
            index = end + 1
        elif char == "}":
            raise UcumError(code, "'}' without '{'")
        else:
            end = _symbol_end(code, index)
            tokens.append(("symbol", code[index:end]))
            index = end
    return tokens


def _symbol_end(code: str, index: int) -> int:
    in_brackets = False
    while index < len(code):
        char = code[index]
        _check_character(code, char)
        if char == "[":
            if in_brackets:
                raise UcumError(code, "square brackets cannot be nested")
            in_brackets = True
        elif char == "]":
            if not in_brackets:
                raise UcumError(code, "']' without '['")
            in_brackets = False
        elif not in_brackets and char in "./(){}":
            break
        index += 1
    if in_brackets:
        raise UcumError(code, "'[' is not closed")
    return index


def _check_character(code: str, char: str) -> None:
    if 33 <= ord(char) <= 126:
        return
    if char.isspace():
        raise UcumError(code, "spaces are not allowed in a UCUM code")
    hint = ""
    if char in "⁰¹²³⁴⁵⁶⁷⁸⁹":
        hint = "; write the power as a digit, as in m2"
    elif char in "µμ":
        hint = "; micro is 'u', as in ug"
    raise UcumError(code, f"{char!r} is not allowed (UCUM uses printable ASCII only){hint}")
