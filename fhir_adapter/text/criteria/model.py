"""What the criteria parser returns: criteria, the facts recognised in them, unclear thresholds. No FHIR."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

INCLUSION = "inclusion"
EXCLUSION = "exclusion"


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


@dataclass(frozen=True)
class Criterion:
    """One criterion: its section, place in it (1-based), verbatim text, sub-items and recognised facts."""

    section: str
    index: int
    text: str
    sub_items: tuple[str, ...] = ()
    facts: tuple[Fact, ...] = ()
    unclear: tuple[Unclear, ...] = ()

    @property
    def full_text(self) -> str:
        """Return the criterion with its sub-items, one per line: the whole verbatim criterion."""
        return "\n".join((self.text, *self.sub_items))


@dataclass(frozen=True)
class CriterionText:
    """A criterion as the list structure gives it, before its facts are read."""

    section: str
    index: int
    text: str
    sub_items: tuple[str, ...]
    context: str  # a short sub-heading above it ("Age:", "Life expectancy:"): read with it for facts

    @property
    def full_text(self) -> str:
        """Return the criterion with its sub-items, one per line."""
        return "\n".join((self.text, *self.sub_items))


class MeasureMention(NamedTuple):
    """A run of measure names sharing one threshold ("AST/ALT", "AST and ALT"): kinds and their span."""

    kinds: tuple[str, ...]
    start: int
    end: int
