"""What one arm or intervention description says about the arm's drugs: entries, cycle statements, gaps.

Steps, each one pass: find the drug names in the text (lexicon.py), tie offsets to the drug they name, keep
the names that start a segment, cut the segments (segments.py), read each segment's entries (entries.py),
then lend a sentence's trailing schedule to the drugs before it, and give a combination's doses written
pairwise ("Sacubitril/valsartan 97/103 mg") to its drugs (pairs.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from itertools import pairwise

from fhir_adapter.text.markdown import unescape
from fhir_adapter.text.regimen.cycles import CycleCount
from fhir_adapter.text.regimen.doses import Dose
from fhir_adapter.text.regimen.entries import Entry, segment_entries, share_heading_days, share_sentence_tails
from fhir_adapter.text.regimen.lexicon import Lexicon, Mention
from fhir_adapter.text.regimen.model import Duration, Frequency
from fhir_adapter.text.regimen.pairs import paired_entries
from fhir_adapter.text.regimen.reading import Reading, clause, offset_targets, sentence_span
from fhir_adapter.text.regimen.schedule import Found, OffsetPhrase
from fhir_adapter.text.regimen.segments import Cut, Segment, cut_segments, segment_mentions

# Names written together ("Drugx and Drugy", "Drugx + Drugy"), before doses that may be theirs in turn.
_NAMES_JOINED = re.compile(r"(?<!\s)\s*+(?:,|\+|&|\band\b|\bplus\b)\s*+", re.IGNORECASE)
_RESPECTIVELY = re.compile(r"\brespectively\b", re.IGNORECASE)
# A dose given continuously ("ponatinib 30mg daily continuously"): no other dose of it on its days.
_CONTINUOUS = re.compile(r"\bcontinu(?:ous(?:ly)?|ing)\b", re.IGNORECASE)
# A cell product's name: "CAR T cells", "NK cells", an INN of a cell therapy ("tisagenlecleucel", "-cel").
_CELL_PRODUCT = re.compile(r"\bcells?\b|\bCAR[- ]?T\b|cel\b", re.IGNORECASE)


# Between a dose with its days and the same dose written again with more days: "0.5mg/m2 D15, 0.5mg/m2 Day
# 22" (NCT04747912) - one dose given on days 15 and 22. Only the first dose's days and a comma or "and".
_DAYS_ONLY_GAP = re.compile(
    r"(?<![ \t])[ \t]*+(?:on[ \t]++)?(?:days?|d)[ \t]*+\d{1,3}"
    r"(?:[ \t]*+(?:,|and|-|to)[ \t]*+(?:days?|d)?[ \t]*+\d{1,3})*+[ \t]*+(?:,|and)[ \t]*+",
    re.IGNORECASE,
)
_SAME_SCHEDULE = (
    "route", "frequency", "times", "cycles", "duration", "offset", "condition", "choice", "weekly",
)  # fmt: skip


@dataclass(frozen=True)
class CycleLength:
    """A cycle length statement: `days`, and the clause that states it, as written."""

    days: int
    text: str


@dataclass(frozen=True)
class UnreadFact:
    """A schedule fact the text states that no dose took ("weekly" after the last dose of a sentence about
    another step): `kind` ('route', 'frequency', ...) and the words as written."""

    start: int
    kind: str
    text: str


@dataclass(frozen=True)
class TextParse:
    """What one text says: its entries, its cycle statements, what it leaves unclear, the names it met."""

    entries: tuple[Entry, ...] = ()
    cycle_lengths: tuple[CycleLength, ...] = ()
    cycle_counts: tuple[CycleCount, ...] = ()
    until_progression: str | None = None  # the "until progression" clause as written
    placeholder: str | None = None
    unattributed: tuple[Dose, ...] = ()
    limits: tuple[Dose, ...] = ()
    mentions: tuple[Mention, ...] = ()
    unread: tuple[UnreadFact, ...] = ()


def _same_dose_days_joined(norm: str, entries: list[Entry]) -> list[Entry]:
    """Return the entries with a dose written again right after its own days, with other days and nothing
    else different, joined into one entry on all those days."""
    joined: list[Entry] = []
    for entry in entries:
        last = joined[-1] if joined else None
        if last is not None and _repeats_with_days(norm, last, entry):
            assert last.days is not None and entry.days is not None  # by _repeats_with_days
            joined[-1] = replace(last, end=entry.end, days=tuple(sorted({*last.days, *entry.days})))
        else:
            joined.append(entry)
    return joined


def _repeats_with_days(norm: str, first: Entry, second: Entry) -> bool:
    if first.key != second.key or first.dose is None or second.dose is None or first.dose.value is None:
        return False
    same_dose = (first.dose.value, first.dose.high, first.dose.unit) == (
        second.dose.value,
        second.dose.high,
        second.dose.unit,
    )
    if not same_dose or not first.days or not second.days or set(first.days) & set(second.days):
        return False
    if any(getattr(first, name) != getattr(second, name) for name in _SAME_SCHEDULE):
        return False
    return _DAYS_ONLY_GAP.fullmatch(norm, first.dose.end, second.dose.start) is not None


def parse_text(
    text: str, reading: Reading, *, lexicon: Lexicon, default_key: str | None, source: str, field: str
) -> TextParse:
    """Return the entries and cycle statements of one description (`text` as written, `reading` of it)."""
    if reading.says_nothing:
        return TextParse(placeholder=reading.placeholder)
    mentions = lexicon.find(reading.norm)
    facts = reading.facts
    if reading.offsets:
        facts = replace(facts, offsets=offset_targets(reading.offsets, mentions))
    starts = segment_mentions(reading.norm, mentions, reading.doses)
    cut = Cut(text, reading.norm, reading.doses, facts, mentions, starts)
    entries: list[Entry] = []
    unattributed: list[Dose] = []
    previous: tuple[Segment, list[Entry]] | None = None
    for segment in cut_segments(cut, default_key):
        if segment.key is None:
            unattributed.extend(d for d in cut.doses_in(segment.start, segment.end) if d.limit is None)
            previous = None
            continue
        own, foreign = segment_entries(cut, segment)
        own, unnamed = _after_continuous_dose(cut, own)
        unattributed.extend(unnamed)
        if previous is not None and _shared_by_names(cut, previous, segment, own):
            unattributed.extend(e.dose for e in own if e.dose is not None)
            # named, with no dose and no schedule: the passage's days may be either drug's
            own = [
                Entry(
                    e.key,
                    e.start,
                    e.end,
                    segment_start=e.segment_start,
                    segment_end=e.segment_end,
                    verbatim=e.verbatim,
                )
                for e in own[:1]
            ]
        entries.extend(own)
        unattributed.extend(foreign)
        previous = (segment, own)
    entries, uncelled = _cell_counts(cut, entries, lexicon)
    unattributed.extend(uncelled)
    entries = share_heading_days(cut, share_sentence_tails(cut, entries))
    entries, paired = paired_entries(cut, entries)
    entries = _same_dose_days_joined(cut.norm, entries)
    unattributed = [d for d in unattributed if d.start not in paired]
    return TextParse(
        entries=tuple(replace(e, source=source, fields=(field,)) for e in entries),
        cycle_lengths=tuple(
            CycleLength(f.value, clause(text, cut.norm, f.start, f.end)) for f in reading.cycle_lengths
        ),
        cycle_counts=reading.cycle_counts,
        until_progression=unescape(text[reading.until.start : reading.until.end]) if reading.until else None,
        placeholder=reading.placeholder,
        unattributed=tuple(unattributed),
        limits=tuple(d for d in cut.doses if d.limit),
        mentions=mentions,
        unread=_unread(text, reading, entries),
    )


def _shared_by_names(
    cut: Cut, previous: tuple[Segment, list[Entry]], segment: Segment, own: list[Entry]
) -> bool:
    """Return True when the segment's doses may be shared out among the names written together before them:
    "Drugx and Drugy at doses of 200 mg and 100 mg, respectively", "Drugx + Drugy (200 mg + 100 mg)". The
    doses are not all the last name's; which is whose is left out (a warning each), never guessed."""
    before, before_entries = previous
    doses = [e.dose for e in own if e.dose is not None and e.dose.value is not None]
    if before.key == segment.key or len(doses) < 2 or any(e.dose is not None for e in before_entries):
        return False
    first = [m for m in cut.starts if before.start <= m.start < before.end]
    last = next((m for m in cut.starts if segment.start <= m.start < segment.end), None)
    if not first or last is None or not _NAMES_JOINED.fullmatch(cut.norm, first[-1].end, last.start):
        return False
    joined = any("+" in cut.norm[a.end : b.start] for a, b in pairwise(doses))
    respectively = _RESPECTIVELY.search(cut.norm, doses[-1].end, min(segment.end, doses[-1].end + 40))
    return joined or respectively is not None


def _after_continuous_dose(cut: Cut, own: list[Entry]) -> tuple[list[Entry], list[Dose]]:
    """Return a segment's entries less the doses of later sentences that name no drug after the drug's dose
    is given continuously, and those doses. "Patients will continue to take ponatinib 30mg daily continuously
    daily from Day 1. On Day 1, 20mg for 1 day, 50mg for 1 day, ... then 400mg daily" (NCT05268003): a
    drug taken continuously at one dose has no other doses on its days; the ramp-up is another drug's, which
    the sentence does not name."""
    continuous = next(
        (
            e
            for e in own
            if e.dose is not None and _CONTINUOUS.search(cut.norm, *sentence_span(cut.norm, e.start))
        ),
        None,
    )
    if continuous is None or continuous.dose is None:
        return own, []
    sentence_end = sentence_span(cut.norm, continuous.dose.start)[1]
    kept: list[Entry] = []
    left: list[Dose] = []
    for entry in own:
        later = entry.dose is not None and entry.dose.start >= sentence_end
        if later and entry.dose is not None and not _names_a_drug(cut, entry.dose.start):
            left.append(entry.dose)
        else:
            kept.append(entry)
    return kept, left


def _names_a_drug(cut: Cut, position: int) -> bool:
    """Return True when the sentence holding `position` names a drug."""
    start, end = sentence_span(cut.norm, position)
    return any(start <= m.start < end for m in cut.mentions)


def _cell_counts(cut: Cut, entries: list[Entry], lexicon: Lexicon) -> tuple[list[Entry], list[Dose]]:
    """Return the entries with each count of cells given to a cell product, and the counts no cell product
    takes. "treated with ... cyclophosphamide 250 mg/m2 for 3 days. ... Dose 1 (DL-1) was 5x10^5 CAR T
    cells/kg" (NCT04835519): a count of cells is no dose of a chemical drug when the arm links a drug named as
    cells; it is that cell product's, and with several it is left out (a warning). With none so named, the
    counts stay with the names they follow ("NK510 ... 1x10^9 cells", a product named by its code)."""
    if not any(_counts_cells(e) for e in entries):
        return entries, []
    products = [k for k, d in lexicon.drugs.items() if d.linked and _is_cell_product(d.display, d.aliases)]
    if not products:
        return entries, []  # a product named by a code only ("NK510", "TG-C"): its counts stay where written
    kept: list[Entry] = []
    left: list[Dose] = []
    for entry in entries:
        if not _counts_cells(entry) or entry.key in products:
            kept.append(entry)
        elif len(products) == 1 and entry.dose is not None:
            verbatim = clause(cut.text, cut.norm, entry.dose.start, entry.dose.end)
            kept.append(replace(entry, key=products[0], verbatim=verbatim))
        elif entry.dose is not None:
            left.append(entry.dose)
    return kept, left


def _counts_cells(entry: Entry) -> bool:
    return entry.dose is not None and entry.dose.unit.startswith("cells")


def _is_cell_product(display: str, aliases: tuple[str, ...]) -> bool:
    return any(_CELL_PRODUCT.search(name) for name in (display, *aliases))


def _unread(text: str, reading: Reading, entries: list[Entry]) -> tuple[UnreadFact, ...]:
    """Return the schedule facts of the text that no entry took, in text order."""
    taken = {start for e in entries for start in e.read_at}
    facts = reading.facts
    kinds: list[tuple[str, tuple[Found[object], ...]]] = [
        ("route", facts.routes),
        ("frequency", facts.frequencies),
        ("time of day", facts.times),
        ("days", facts.days),
        ("cycles", facts.cycles),
        ("duration", facts.durations),
        ("weekly pattern", facts.weekly),
        ("timing relative to another drug", reading.offsets),
    ]
    unread = []
    for kind, found in kinds:
        # "once daily (QD)": a second writing of a fact a dose took is not a fact left out
        said = {_meaning(f.value) for f in found if f.start in taken}
        unread += [
            UnreadFact(f.start, kind, unescape(text[f.start : f.end]).strip())
            for f in found
            if f.start not in taken and _meaning(f.value) not in said
        ]
    return tuple(sorted(unread, key=lambda u: u.start))


def _meaning(value: object) -> object:
    """Return what a fact says, whatever its wording ("QD" and "once daily" say the same)."""
    if isinstance(value, Frequency):
        return (value.times, value.period, value.unit, value.once)
    if isinstance(value, Duration):
        return (value.value, value.unit)
    if isinstance(value, OffsetPhrase):
        return (value.value, value.unit, value.relation)
    return value
