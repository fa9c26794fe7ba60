"""The parsed treatment regimen of one arm: plain, frozen values, no FHIR.

Every value is what the registry text states, never a default: a dose without a number has `dose=None`
(its unit is kept when written), a route not written is `None`. `verbatim` is the exact text the facts were
read from, so a reader can always check them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from fhir_adapter.sources import DataQualityIssue

RATE_UNITS = frozenset({"L/min"})  # units of a flow: the speed of administration, not an amount


@dataclass(frozen=True)
class Frequency:
    """How often a dose is given: `times` per `period` `unit` ('h', 'd', 'wk'); `once` for a single dose."""

    times: int
    period: float
    unit: str
    text: str
    once: bool = False


@dataclass(frozen=True)
class Duration:
    """A written length of treatment for one drug ("for 3 days"): value and unit ('d', 'wk', 'mo', 'a')."""

    value: float
    unit: str
    text: str


@dataclass(frozen=True)
class CycleRange:
    """The cycles a dose applies to: `first`..`last` (`last=None`: every later cycle)."""

    first: int
    last: int | None
    text: str

    def covers(self, cycle: int) -> bool:
        return cycle >= self.first and (self.last is None or cycle <= self.last)


@dataclass(frozen=True)
class DoseCondition:
    """Who or when a dose applies to, as written.

    `kind` is 'age' (with `comparator` and `age_years`), 'label' (a written group such as "Cohort 4" or
    "MD"), 'choice' (one of several doses joined by "or"), or 'unstated' (several doses are written and the
    text does not say how one is chosen).
    """

    kind: str
    text: str
    comparator: str | None = None
    age_years: float | None = None


@dataclass(frozen=True)
class Offset:
    """Timing relative to another drug: `value` `unit` ('d', 'h', 'wk') `relation` ('before' | 'after')."""

    value: float
    unit: str
    relation: str
    target: str
    text: str


@dataclass(frozen=True)
class DrugDose:
    """One dose of one drug in an arm, with its schedule; several doses of a drug are several entries.

    `drug` is the name as the record writes it (intervention name, else the text); `key` identifies the drug
    within the arm. `dose_text` is the written dose ("40 mg/day"); `per_day` marks a daily total
    ("40 mg/day", "mg/m2/day"). `days` are days of the cycle (or of treatment when there are no cycles;
    negative before a transplant or infusion day). `source` is 'arm', 'intervention' or 'both', and
    `fields` the CT.gov paths of the texts read. `choice` is set when the record names this drug as one of
    several alternatives ("Tislelizumab, atezolizumab or sugemalimab"): the words naming the choice.
    `times` are the times of day written for it ('morning', 'afternoon', 'evening', 'night', 'bedtime').
    Texts (`verbatim`, `dose_text`) are as written, less CT.gov's Markdown escapes.
    """

    key: str
    drug: str
    aliases: tuple[str, ...] = ()
    dose: float | None = None
    dose_high: float | None = None
    unit: str | None = None
    per_day: bool = False
    dose_text: str | None = None
    route: str | None = None
    frequency: Frequency | None = None
    times: tuple[str, ...] = ()
    days: tuple[int, ...] | None = None
    duration: Duration | None = None
    cycles: CycleRange | None = None
    condition: DoseCondition | None = None
    offset: Offset | None = None
    verbatim: str = ""
    source: str = "intervention"
    fields: tuple[str, ...] = ()
    intervention_type: str | None = None
    choice: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """Return the drug's name and every alias, the name first."""
        return (self.drug, *self.aliases)

    @property
    def is_rate(self) -> bool:
        """Return True when the dose is a rate of administration (a gas flow, "1-9 L/min"), not an amount."""
        return self.unit in RATE_UNITS

    @property
    def field_path(self) -> str:
        """Return the CT.gov path of the first text read for the drug: where a warning points."""
        return self.fields[0] if self.fields else ""

    def without_dose(self) -> DrugDose:
        """Return the reading with its dose withheld (no value, unit or written dose); the verbatim stays."""
        return replace(self, dose=None, dose_high=None, unit=None, per_day=False, dose_text=None)


@dataclass(frozen=True)
class Regimen:
    """An arm's regimen: the cycle (when the text states one) and every drug dose.

    `cycles` is the number of cycles when written; `until_progression` is True when treatment repeats
    until progression or unacceptable toxicity, `until_text` that clause as written. `cycle_text` is the
    verbatim cycle statement.
    """

    cycle_length_days: int | None = None
    cycles: int | None = None
    until_progression: bool = False
    cycle_text: str | None = None
    drugs: tuple[DrugDose, ...] = ()
    issues: tuple[DataQualityIssue, ...] = ()
    until_text: str | None = None


@dataclass(frozen=True)
class CyclePhase:
    """Cycles `first`..`last` (`last=None`: all later) and the doses given in them, days adjusted."""

    first: int
    last: int | None
    drugs: tuple[DrugDose, ...]

    @property
    def is_all_cycles(self) -> bool:
        return self.first == 1 and self.last is None
