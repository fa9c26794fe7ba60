"""What the criteria parser returns: criteria, the facts recognised in them, unclear thresholds. No FHIR."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

INCLUSION = "inclusion"
EXCLUSION = "exclusion"

# How a criterion's facts combine, read as what a patient must meet (an exclusion "A or B" means "neither A
# nor B": all-of). R4 Group can say only all-of; the other two stay text (docs/eligibility-r4.md points 1-3).
ALL_OF = "all-of"
ANY_OF = "any-of"  # an inclusion "A or B" of different facts, or "one of the following"
CONDITIONAL = "conditional"  # a threshold that holds for a subgroup or at a time other than now


@dataclass(frozen=True)
class Fact:
    """A recognised fact. Quantities have `comparator` + `value`, ranges `low` + `high`; status facts
    (pregnancy, hiv, ...) have neither. `unit` is a UCUM code; `phrase` the words it was read from.

    `method` is how the measure is taken when the text says so ("fridericia", "cockcroft-gault"); `condition`
    the subgroup this threshold holds for ("in patients with Gilbert's"), on the subgroup's threshold only
    (the threshold for everyone else, written beside it, has none); `timing` the time point other than now
    the value is the patient's at ("at diagnosis"); `alternative` marks one side of an "or" between different
    facts. Each fact is stated as if alone.
    """

    kind: str
    phrase: str
    comparator: str | None = None
    value: float | None = None
    low: float | None = None
    high: float | None = None
    unit: str | None = None
    method: str | None = None
    condition: str | None = None
    timing: str | None = None
    alternative: bool = False

    @property
    def is_threshold(self) -> bool:
        """Return True for a quantity or range, False for a status fact."""
        return self.value is not None or self.low is not None

    @property
    def measure(self) -> str:
        """Return the kind, qualified by its method when stated: the key of its code ("qtc.fridericia").

        >>> Fact("qtc", "QTcF > 470 ms", ">", 470.0, unit="ms", method="fridericia").measure
        'qtc.fridericia'
        """
        return f"{self.kind}.{self.method}" if self.method else self.kind


@dataclass(frozen=True)
class Unclear:
    """A measure followed by a number that is not a threshold FHIR can carry (no comparator), or a fact the
    parser read but withholds (confidence.py): `reason` says why it was not coded; None for the former."""

    kind: str
    phrase: str
    reason: str | None = None


@dataclass(frozen=True)
class Criterion:
    """One criterion: its section, place in it (1-based), verbatim text, sub-items and recognised facts.

    `logic` says how its facts combine, as requirements on the patient: ALL_OF, ANY_OF or CONDITIONAL.
    `alternative_words` holds, for an inclusion "A or B", the verbatim words of each side of an "or" the
    parser read no threshold from ("Lansky (age < 16 years)" in "ECOG 0 or 1 (age >= 16 years) or Lansky
    (age < 16 years)"; "per national guidelines" in "Age >= 18 years (or per national guidelines)").
    """

    section: str
    index: int
    text: str
    sub_items: tuple[str, ...] = ()
    facts: tuple[Fact, ...] = ()
    unclear: tuple[Unclear, ...] = ()
    logic: str = ALL_OF
    alternative_words: tuple[str, ...] = ()

    @property
    def full_text(self) -> str:
        """Return the criterion with its sub-items, one per line: the whole verbatim criterion."""
        return "\n".join((self.text, *self.sub_items))

    def withholding(self, withheld: Sequence[tuple[Fact, Unclear]]) -> Criterion:
        """Return the criterion with each given fact moved from `facts` to `unclear`, as the Unclear paired
        with it: read, but not coded (the confidence gate, the record's age range)."""
        if not withheld:
            return self
        doubted = {fact for fact, _ in withheld}
        kept = tuple(f for f in self.facts if f not in doubted)
        return replace(self, facts=kept, unclear=(*self.unclear, *(u for _, u in withheld)))


@dataclass(frozen=True)
class CriterionText:
    """A criterion as the list structure gives it, before its facts are read."""

    section: str
    index: int
    text: str
    sub_items: tuple[str, ...]
    context: str  # a short sub-heading above it ("Age:", "Life expectancy:"): read with it for facts
    cohort: str = ""  # the cohort its block is for ("Cohort 2" above "Inclusion Criteria:"), "" for everyone
    # the heading of its block when it names someone other than the patient ("Donors' inclusion criteria:"),
    # whose criteria the block holds; "" for the patient's
    about_other: str = ""

    @property
    def full_text(self) -> str:
        """Return the criterion with its sub-items, one per line."""
        return "\n".join((self.text, *self.sub_items))


class Found(NamedTuple):
    """A fact and its span in the text it was read from: from its measure's name to the end of its value."""

    fact: Fact
    start: int
    end: int


class MeasureMention(NamedTuple):
    """A run of measure names sharing one threshold ("AST/ALT", "AST and ALT"): kinds and their span."""

    kinds: tuple[str, ...]
    start: int
    end: int
