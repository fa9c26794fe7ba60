"""The last regimen step: withhold a dose or a day list that the arm's own words give reason to doubt.

A wrong dose in a plan is a wrong statement in a patient's record; a dose left as text with a warning is
only a miss. So every reading is checked once more against signals that hold for any trial. A doubted value
is dropped the way an ambiguous dose is left out: the DrugDose keeps its verbatim text, and a warning names
the trial, the arm, the drug, the field and the reason. Signals (each measured on readings the parser got
wrong on records it had never seen; see the commit messages):

- doses: the drug's own name writes a dose ("PD 0299685 at 15mg BID") and the value read is not a whole
  number of it, or is one unit of a counted strength ("Voriconazole 200 mg x 2 Tablets" read as 200 mg);
  the "drug" is named by a schedule or a dose ("Q6W"), not a drug name; a "range" that falls ("0.8-0.5
  mg/m^2"); the value was read in another drug's intervention text, in the unit that text's own drug is
  dosed in; the value, read from the arm's text, is another drug's dose in that drug's own text; the
  drug's name is written right before another dose than the one read for it; the dose read ends the drug's
  passage and is written right before another drug's name, not right after the drug's own;
- days: days are written both before and after the drug's name ("DAYS 1 to 7: raltegravir 400 mg BID
  DAYS 8 ..."); one dose read from the same words as several readings, each with part of the days.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Protocol

from fhir_adapter.text.regimen.doses import Dose, find_doses, normalize, parse_number
from fhir_adapter.text.regimen.model import DrugDose
from fhir_adapter.text.regimen.schedule import find_day_lists


class Reporter(Protocol):
    def add(
        self, field_path: str, message: str, drug: str | None = None, severity: str = "warning"
    ) -> None: ...


def withhold_doubtful(
    drugs: Iterable[DrugDose],
    own_texts: Mapping[str, frozenset[str]],
    report: Reporter,
    texts_about: Mapping[str, frozenset[str]] | None = None,
    source_texts: tuple[str, ...] = (),
) -> tuple[DrugDose, ...]:
    """Return the arm's doses with each doubtful dose value and day list withheld, each reported.

    `own_texts` maps the CT.gov path of an intervention's description to the keys of the drugs that
    intervention names: the drugs that text is about. `texts_about` maps each intervention description
    itself (normalized) to the same keys. `source_texts`: the arm's dosing texts as written (its description
    and its interventions'), where a passage read for a drug is looked up to see what follows it.
    """
    drugs = tuple(drugs)
    sources = tuple(normalize(text).lower() for text in source_texts)
    return tuple(
        _checked(drug, drugs, own_texts, texts_about or {}, report, source_texts=sources) for drug in drugs
    )


def _checked(
    drug: DrugDose,
    arm: tuple[DrugDose, ...],
    own_texts: Mapping[str, frozenset[str]],
    texts_about: Mapping[str, frozenset[str]],
    report: Reporter,
    *,
    source_texts: tuple[str, ...] = (),
) -> DrugDose:
    """Return the reading with its doubtful values withheld; both are judged on the reading as parsed."""
    dose_reason = dose_doubt(drug, arm, own_texts, source_texts) or _dose_in_other_interventions_text(
        drug, arm, texts_about
    )
    days_reason = days_doubt(drug, arm, texts_about)
    if dose_reason is not None:
        report.add(drug.field_path, f"dose {drug.dose_text!r} withheld: {dose_reason}", drug.drug)
    if days_reason is not None:
        report.add(drug.field_path, f"days {list(drug.days or ())} withheld: {days_reason}", drug.drug)
    if dose_reason is not None:
        # no value, no unit, no written dose: the verbatim text stays for the reader
        drug = drug.without_dose()
    return replace(drug, days=None) if days_reason is not None else drug


def dose_doubt(
    drug: DrugDose,
    arm: tuple[DrugDose, ...],
    own_texts: Mapping[str, frozenset[str]],
    source_texts: tuple[str, ...] = (),
) -> str | None:
    """Return why the dose read for `drug` is doubtful, or None when nothing speaks against it."""
    if drug.dose is None:
        return None
    return (
        _other_than_named(drug, arm)
        or _name_is_no_drug(drug)
        or _falling_range(drug)
        or _from_other_drugs_text(drug, arm, own_texts)
        or _another_drugs_dose(drug, arm, own_texts)
        or _reached_across(drug, arm)
        or _written_before_another_name(drug, arm, source_texts)
    )


# Nothing but spaces, or "of", between a dose and a name: "500 mg/m2 pemetrexed", "200 mg of pembrolizumab"
_DOSE_NAME_GAP = re.compile(r"[ \t]{1,3}(?:of[ \t]{1,3})?")


def _written_before_another_name(
    drug: DrugDose, arm: tuple[DrugDose, ...], source_texts: tuple[str, ...]
) -> str | None:
    """The dose read for the drug ends its passage and is written right before another drug's name ("200
    mg pembrolizumab plus 500 mg/m2 pemetrexed", 500 mg/m2 read for pembrolizumab: NCT05687266 before its
    fix), and not right after its own name: in a sentence that writes each dose before its name, that dose
    is the next drug's. Every blind set (9-13) gave some drug its neighbour's dose: withheld, not guessed."""
    if not drug.dose_text or not source_texts:
        return None
    written = normalize(drug.dose_text).lower()
    own = tuple(n.lower() for n in drug.names if len(n) >= 3)
    others = tuple(
        n.lower() for d in arm if d.key != drug.key for n in d.names if len(n) >= 3 and n.lower() not in own
    )
    for written_line in normalize(drug.verbatim).lower().splitlines():
        line = written_line.strip()
        head = line[: -len(written)].rstrip()
        # only a passage that names the drug itself before the dose ("200 mg pembrolizumab plus 500 mg/m2"):
        # a dose in opening words (a product's "loading dose (1200 mg pertuzumab, ...") is left as read
        if not line.endswith(written) or head.endswith(own) or not any(name in head for name in own):
            continue
        for text in source_texts:
            at = text.find(line)
            gap = _DOSE_NAME_GAP.match(text, at + len(line)) if at >= 0 else None
            if gap is not None and text.startswith(others, gap.end()):
                return f"{drug.dose_text!r} is written right before another drug's name"
    return None


def _reached_across(drug: DrugDose, arm: tuple[DrugDose, ...]) -> str | None:
    """The drug's name written right before a dose ("emtricitabine 200 mg/tenofovir disoproxil fumarate
    300 mg") while the one dose read for the drug is another number: that number was reached across the
    name's own dose, most often to another drug's. Only for a drug read with one dose: a drug given several
    doses may name itself once before all of them."""
    if sum(1 for d in arm if d.key == drug.key and d.dose is not None) != 1:
        return None
    text = normalize(drug.verbatim).lower()
    written = find_doses(text)
    for name in {name.lower() for name in drug.names if len(name) >= 3}:
        for found in re.finditer(re.escape(name), text):
            after = next((d for d in written if found.end() <= d.start <= found.end() + 2), None)
            if after is None or after.text in (drug.dose_text or ""):
                continue  # the reading's own written dose: a pair "2.4 mg/1.7 mg" read one number per drug
            if _number_of(after) not in (None, drug.dose):
                return f"the name is written with {after.text!r}"
    return None


_LEADING_NUMBER = re.compile(r"\d{1,9}(?:[.,]\d{1,6})?")


def _number_of(dose: Dose) -> float | None:
    """Return the number a written dose starts with, also when the dose is left unread as ambiguous (a
    component of a combination, "200 mg/tenofovir ...")."""
    if dose.value is not None:
        return dose.value
    number = _LEADING_NUMBER.match(dose.text)
    return parse_number(number.group()) if number else None


def _falling_range(drug: DrugDose) -> str | None:
    """A range runs from low to high; "0.8-0.5 mg/m^2" is a sequence of doses (a first dose, then a lower
    one), and a range read from it states neither."""
    if drug.dose_high is not None and drug.dose is not None and drug.dose_high < drug.dose:
        return f"{drug.dose_text!r} falls from the first number to the second: doses in turn, not a range"
    return None


def _another_drugs_dose(
    drug: DrugDose, arm: tuple[DrugDose, ...], own_texts: Mapping[str, frozenset[str]]
) -> str | None:
    """A dose read from the arm's text that is exactly another drug's dose in that drug's own intervention
    text, while the arm's text gives this drug other doses as well ("DS-1205c (at planned doses ...: 200 mg,
    400 mg, 600 mg, 800 mg) in combination with daily 250 mg oral dose of gefitinib", gefitinib's own text
    "Gefitinib 250 mg tablet"): the number is the other drug's."""
    if drug.source != "arm" or not any(d.key == drug.key and d.dose not in (None, drug.dose) for d in arm):
        return None
    for other in arm:
        same = other.key != drug.key and (other.dose, other.unit) == (drug.dose, drug.unit)
        if same and any(other.key in own_texts.get(f, frozenset()) for f in other.fields):
            return f"{drug.dose_text!r} is {other.drug}'s dose in its own text"
    return None


def _values(text: str) -> set[float]:
    return {d.value for d in find_doses(normalize(text)) if d.value is not None}


def _other_than_named(drug: DrugDose, arm: tuple[DrugDose, ...]) -> str | None:
    """A name that writes a dose ("Clarithromycin 500 mg x 1 Tablets") states the drug's dose; a different
    value read from a description is another drug's, a tablet strength, or a step of a titration."""
    # a name writing 0 mg labels a placebo or a no-drug group, not a strength
    named = {value for name in drug.names for value in _values(name) if value > 0}
    # a reading of the named dose means the text lists the drug's doses (levels, steps), one of them the
    # name's: "AUR109 200mg" given at 200, 300 or 400 mg
    listed = any(d.key == drug.key and d.dose in named for d in arm)
    if named and not listed and not any(_is_multiple(drug.dose, strength) for strength in named):
        return f"the name {_first_named(drug)!r} writes another dose"
    return _one_of_counted_units(drug)


# A strength and a count of units in a name: "Voriconazole 200 mg x 2 Tablets" is 400 mg, two tablets.
_STRENGTH_TIMES = re.compile(
    r"(?<![\d.])(\d{1,6}(?:\.\d{1,4})?)[ \t]{0,3}(?:mg|g|mcg|ug)[ \t]{0,3}x[ \t]{0,3}(\d{1,2})\b",
    re.IGNORECASE,
)


def _one_of_counted_units(drug: DrugDose) -> str | None:
    """A name that gives a strength and a count of units ("200 mg x 2 Tablets") doses the count times the
    strength; the strength alone, read as the dose, is one unit of it."""
    for name in drug.names:
        for found in _STRENGTH_TIMES.finditer(normalize(name)):
            if int(found.group(2)) > 1 and drug.dose == float(found.group(1)):
                return f"the name {name!r} gives {found.group(2)} units of {found.group(1)}"
    return None


def _is_multiple(dose: float | None, strength: float) -> bool:
    """Return True when `dose` is a whole number of units of `strength` (a name often writes the tablet's
    strength: "Capmatinib 150 mg" given as 300 mg)."""
    if dose is None or strength <= 0:
        return False
    units = dose / strength
    return units >= 1 and abs(units - round(units)) < 1e-9


def _first_named(drug: DrugDose) -> str:
    return next(name for name in drug.names if _values(name))


# A schedule abbreviation ("Q6W", "BID", "QD") or a bare number: words that dose or time a drug, not names.
_SCHEDULE_OR_NUMBER = re.compile(
    r"(?:q\d{1,3}[hdw]|q\.?d\.?|o\.?d\.?|b\.?i\.?d\.?|t\.?i\.?d\.?"
    r"|\d[\d.,]{0,12}[ \t]{0,3}(?:mg|g|mcg|ug|ml|iu|units?|%)?)",
    re.IGNORECASE,
)


def _name_is_no_drug(drug: DrugDose) -> str | None:
    """A "drug" named only by a schedule or a dose ("400 mg Q6W" cut at "or" left "Q6W") is a piece of
    dosing text taken for a name: the dose read for it belongs to a drug the parser did not find."""
    if _SCHEDULE_OR_NUMBER.fullmatch(drug.drug.strip()):
        return f"{drug.drug!r} is a schedule or a dose, not a drug name"
    return None


def _from_other_drugs_text(
    drug: DrugDose, arm: tuple[DrugDose, ...], own_texts: Mapping[str, frozenset[str]]
) -> str | None:
    """A dose read in another drug's intervention text, when the drug's own intervention text gives it
    another dose: the other text doses its own drug, and a number there in that drug's unit is most often a
    step of that drug's dose reached across this drug's name ("Olaparib ... 25mg BID combined with
    Cisplatin and RT. Thereafter ... dose escalation will follow to 50mg, 100mg" in Olaparib's text, while
    Cisplatin's own text gives 6 mg/m2)."""
    if drug.source != "intervention" or not _dosed_in_own_text(drug, arm, own_texts):
        return None
    for field in drug.fields:
        owners = own_texts.get(field, frozenset())
        if not owners or drug.key in owners:
            continue
        if any(d.key in owners and field in d.fields and d.unit == drug.unit and d.dose for d in arm):
            return "read in another drug's intervention text, while its own text gives another dose"
    return None


def _dosed_in_own_text(
    drug: DrugDose, arm: tuple[DrugDose, ...], own_texts: Mapping[str, frozenset[str]]
) -> bool:
    """Return True when another reading of the drug has a dose read from its own intervention's text."""
    return any(
        d.key == drug.key
        and d.dose is not None
        and (d.dose, d.unit) != (drug.dose, drug.unit)
        and any(drug.key in own_texts.get(f, frozenset()) for f in d.fields)
        for d in arm
    )


# A day word and the day numbers written after it, day words between them: "Days 1-7 and Day 15-Day 22",
# "D15", "day -5", "days 1 to 5". A run ends at any other word or at a full stop.
_DAY_RUN = re.compile(
    r"\b(?:days?|d)[ \t]{0,3}(?=-?\d)"
    r"(?:\d|[ \t,\-–]|\band\b|\bto\b|\bthrough\b|\bdays?\b|\bd(?=[ \t-]{0,3}\d))++",
    re.IGNORECASE,
)
_DAY_NUMBER = re.compile(r"\d+")
# What makes a number in a run a dose, not a day: a unit or a decimal right after it ("D15, 0.5mg/m2").
_DOSE_AFTER = re.compile(r"(?<![ \t])[ \t]*+(?:[.,]\d|[a-zµμ%])", re.IGNORECASE)
_NOT_A_DAY_WORD = re.compile(r"(?<![ \t])[ \t]*+(?:and|to|through|days?|d)\b", re.IGNORECASE)


def days_doubt(
    drug: DrugDose, arm: tuple[DrugDose, ...] = (), texts_about: Mapping[str, frozenset[str]] | None = None
) -> str | None:
    """Return why the days read for `drug` are doubtful, or None when nothing speaks against them."""
    if not drug.days:
        return None
    for line in normalize(drug.verbatim).splitlines():
        runs = [(found.start(), _days_of(found, line)) for found in _DAY_RUN.finditer(line)]
        reason = _days_around_name(drug, line, runs)
        if reason is not None:
            return reason
    return (
        _days_in_other_drugs_text(drug, texts_about) or _open_end_after(drug) or _split_over_days(drug, arm)
    )


# A day from which dosing goes on with no written end: "from Day 8 of Cycle 1 and thereafter", "starting on
# day 15", "day 8 onwards". Bounded, so linear.
_OPEN_START = re.compile(
    r"\b(?:from|starting(?:[ \t]{1,3}on)?|beginning(?:[ \t]{1,3}on)?)[ \t]{1,3}day[ \t]{0,3}\+?(\d{1,3})\b"
    r"(?![ \t]{0,3}(?:-|–|to\b|through\b|until\b))",
    re.IGNORECASE,
)


_SENTENCE_END = re.compile(r"(?<=[.;])[ \t]++|\n")


def _open_end_after(drug: DrugDose) -> str | None:
    """Days read from a sentence that goes on to an open-ended start ("on Day 1 of Cycle 1 followed by 6
    minutes from Day 8 of Cycle 1 and thereafter", NCT05704049): the days read are the first part of the
    schedule only, and its later days are not written out."""
    wanted = set(drug.days or ())
    for sentence in _SENTENCE_END.split(normalize(drug.verbatim)):
        if not wanted or not wanted <= _line_days(sentence):
            continue
        for found in _OPEN_START.finditer(sentence):
            if int(found.group(1)) not in wanted:
                return f"the days go on from day {found.group(1)} with no end written"
    return None


def _dose_in_other_interventions_text(
    drug: DrugDose, arm: tuple[DrugDose, ...], texts_about: Mapping[str, frozenset[str]]
) -> str | None:
    """A dose read from the arm's text in words that do not name the drug and that are the own description
    of an intervention none of whose drugs the arm reads: "All patients to receive Inj. Terlipressin, 1 mg at
    4 hours" in the arm's text is the text of its "Standard Medical Treatment" intervention (NCT05699824),
    about what that intervention gives; the 1 mg is not carvedilol's, the arm's one drug. (A text about a
    drug the arm reads, such as a conditioning regimen written in one drug's text, may dose the others.)"""
    if drug.source == "intervention" or not drug.dose_text or not texts_about:
        return None
    names = [name.lower() for name in drug.names if len(name) >= 3]
    lines = [line.strip() for line in normalize(drug.verbatim).splitlines() if drug.dose_text in line]
    if not lines or any(name in line.lower() for line in lines for name in names):
        return None
    read = {d.key for d in arm}
    for line in lines:
        holders = [keys for text, keys in texts_about.items() if line in text]
        if not holders or any(not keys or keys & read for keys in holders):
            return None
    return (
        f"{drug.dose_text!r} is written in the own text of another intervention, which does not name the drug"
    )


def _days_in_other_drugs_text(drug: DrugDose, texts_about: Mapping[str, frozenset[str]] | None) -> str | None:
    """Days written only in another drug's intervention text, in words that give this drug no dose, while the
    drug's own intervention text writes days of its own: "500 mg/m2 IV ... before Fludarabine Days -5, -4,
    - 3" in cyclophosphamide's text (NCT05702853) times cyclophosphamide by fludarabine; fludarabine's own
    text ("... Days -5, 4, -3") is where its days are written. Which text is right is not the parser's to
    say. Days also written with the drug's dose, or in a text about the drug, are the drug's."""
    if not texts_about or not drug.days:
        return None
    if not any(drug.key in keys and _DAY_RUN.search(text) for text, keys in texts_about.items()):
        return None
    wanted = set(drug.days)
    writing = [line.strip() for line in normalize(drug.verbatim).splitlines() if wanted <= _line_days(line)]
    if not writing or any(not _only_in_other_drugs_text(drug, line, texts_about) for line in writing):
        return None
    return "read in another drug's intervention text, while its own text writes its days"


def _line_days(line: str) -> set[int]:
    """Return every day the day lists of `line` give, as the parser reads them."""
    return {day for found in find_day_lists(line) for day in found.value}


def _only_in_other_drugs_text(drug: DrugDose, line: str, texts_about: Mapping[str, frozenset[str]]) -> bool:
    """Return True when `line` gives the drug no dose and is written only in texts about other drugs."""
    if drug.dose_text and drug.dose_text in line:
        return False
    holders = [keys for text, keys in texts_about.items() if line in text]
    return bool(holders) and all(keys and drug.key not in keys for keys in holders)


def _days_of(found: re.Match[str], line: str) -> set[int]:
    """Return the day numbers of a run, up to the first number that is a dose ("D15, 0.5mg": 15)."""
    days: set[int] = set()
    for number in _DAY_NUMBER.finditer(found.group()):
        end = found.start() + number.end()
        if _DOSE_AFTER.match(line, end) and not _NOT_A_DAY_WORD.match(line, end):
            break
        days.add(int(number.group()))
    return days


def _days_around_name(drug: DrugDose, line: str, runs: list[tuple[int, set[int]]]) -> str | None:
    """Days written both before the drug's name and after it in one line ("DAYS 1 to 7: raltegravir 400 mg
    BID DAYS 8 to 14: ...") are headings of a schedule: which of them the dose belongs to is not written."""
    lowered = line.lower()
    at = min((i for name in drug.names if (i := lowered.find(name.lower())) >= 0), default=-1)
    if at < 0:
        return None
    before = [days for start, days in runs if start < at and days]
    after = [days for start, days in runs if start > at and days]
    if before and after and before[-1] != after[0]:
        return "days are written both before and after the drug's name"
    return None


def _split_over_days(drug: DrugDose, arm: tuple[DrugDose, ...]) -> str | None:
    """One dose of one drug read from the same words as several readings, each with its own days ("0.5mg/m2
    D15, 0.5mg/m2 Day 22" read as day 15 and day 22) while nothing (a condition, a cycle) tells them apart:
    each day list is a part of the dose's schedule, not all of it. (Readings from different words, such as
    a dose in course 1 and in course 2, are not compared: each has its own schedule.)"""
    twins = [
        d
        for d in arm
        if d is not drug
        and d.key == drug.key
        and d.days
        and d.verbatim == drug.verbatim
        and d.dose is not None
        and (d.dose, d.unit, d.condition, d.cycles) == (drug.dose, drug.unit, drug.condition, drug.cycles)
        # "3x10 drops on days 4-6, and 1x10 drops on day 7" (NCT05690321): three times a day, then once
        and _how_often(d) == _how_often(drug)
    ]
    return "the same dose is read with other days as well" if twins else None


def _how_often(drug: DrugDose) -> tuple[int, float, str, bool] | None:
    """Return the dose's frequency as (times, period, unit, once), without the words it was read from."""
    frequency = drug.frequency
    if frequency is None:
        return None
    return (frequency.times, float(frequency.period), frequency.unit, frequency.once)
