"""Intervals of numbers: a result ("<0.2" is everything below 0.2) against a threshold ("<= 1.5").

A threshold holds for a result when every value the result allows satisfies it, fails when none does, and
is undecided otherwise (a result "<5" against ">= 3").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

INF = math.inf


@dataclass(frozen=True)
class Interval:
    """Numbers from `low` to `high`; a closed end includes its bound."""

    low: float = -INF
    high: float = INF
    low_closed: bool = True
    high_closed: bool = True

    @classmethod
    def point(cls, value: float) -> Interval:
        return cls(value, value)

    @classmethod
    def from_comparator(cls, comparator: str | None, value: float) -> Interval:
        """Return the values a comparator and number allow ("<=" 2 -> (-inf, 2]); no comparator: the point.

        >>> Interval.from_comparator(">=", 100)
        Interval(low=100, high=inf, low_closed=True, high_closed=True)
        """
        if comparator in (None, "", "="):
            return cls.point(value)
        if comparator in (">", ">="):
            return cls(value, INF, low_closed=comparator == ">=")
        if comparator in ("<", "<="):
            return cls(-INF, value, high_closed=comparator == "<=")
        raise ValueError(f"{comparator!r} is not a FHIR Quantity comparator")

    def scaled(self, factor: float) -> Interval:
        """Return the interval with both ends multiplied by a positive factor."""
        return Interval(self.low * factor, self.high * factor, self.low_closed, self.high_closed)


def decide(result: Interval, threshold: Interval) -> bool | None:
    """Return True when every value of `result` lies in `threshold`, False when none does, else None.

    >>> decide(Interval.point(150), Interval.from_comparator(">=", 100))
    True
    >>> decide(Interval.point(100), Interval.from_comparator(">", 100))
    False
    >>> decide(Interval.from_comparator("<", 0.2), Interval.from_comparator("<=", 1.5))
    True
    >>> decide(Interval.from_comparator("<", 5), Interval.from_comparator(">=", 3)) is None
    True
    """
    if _starts_within(result, threshold) and _ends_within(result, threshold):
        return True
    if _entirely_below(result, threshold) or _entirely_below(threshold, result):
        return False
    return None


def _starts_within(inner: Interval, outer: Interval) -> bool:
    if inner.low != outer.low:
        return inner.low > outer.low
    return outer.low_closed or not inner.low_closed


def _ends_within(inner: Interval, outer: Interval) -> bool:
    if inner.high != outer.high:
        return inner.high < outer.high
    return outer.high_closed or not inner.high_closed


def _entirely_below(first: Interval, second: Interval) -> bool:
    """Return True when every value of `first` is below every value of `second`."""
    if first.high != second.low:
        return first.high < second.low
    return not (first.high_closed and second.low_closed)


def describe(interval: Interval, unit: str = "") -> str:
    """Return an interval as a person writes it: '>= 100 10*9/L', '0..2', '< 0.2 mg/dL', '1.6 10*9/L'.

    >>> describe(Interval.point(1.6), "10*9/L"), describe(Interval(0, 2))
    ('1.6 10*9/L', '0..2')
    >>> describe(Interval.from_comparator("<", 20), "mL/min")
    '< 20 mL/min'
    """
    suffix = f" {unit}" if unit and unit != "1" else ""
    if interval.low == interval.high:
        return f"{_number(interval.low)}{suffix}"
    if interval.low == -INF:
        return f"{'<=' if interval.high_closed else '<'} {_number(interval.high)}{suffix}"
    if interval.high == INF:
        return f"{'>=' if interval.low_closed else '>'} {_number(interval.low)}{suffix}"
    return f"{_number(interval.low)}..{_number(interval.high)}{suffix}"


def _number(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e7 else f"{value:.6g}"
