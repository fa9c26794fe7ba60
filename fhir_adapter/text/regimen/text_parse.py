"""What one arm or intervention description says about the arm's drugs: entries, cycle statements, gaps.

Steps, each one pass: find the drug names in the text (lexicon.py), tie offsets to the drug they name, keep
the names that start a segment, cut the segments (segments.py), read each segment's entries (entries.py),
then lend a sentence's trailing schedule to the drugs before it, and give a combination's doses written
pairwise ("Sacubitril/valsartan 97/103 mg") to its drugs (pairs.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from fhir_adapter.text.markdown import unescape
from fhir_adapter.text.regimen.cycles import CycleCount
from fhir_adapter.text.regimen.doses import Dose
from fhir_adapter.text.regimen.entries import Entry, segment_entries, share_sentence_tails
from fhir_adapter.text.regimen.lexicon import Lexicon, Mention
from fhir_adapter.text.regimen.model import Duration, Frequency
from fhir_adapter.text.regimen.pairs import paired_entries
from fhir_adapter.text.regimen.reading import Reading, clause, offset_targets
from fhir_adapter.text.regimen.schedule import Found, OffsetPhrase
from fhir_adapter.text.regimen.segments import Cut, cut_segments, segment_mentions


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
    for segment in cut_segments(cut, default_key):
        if segment.key is None:
            unattributed.extend(d for d in cut.doses_in(segment.start, segment.end) if d.limit is None)
        else:
            own, foreign = segment_entries(cut, segment)
            entries.extend(own)
            unattributed.extend(foreign)
    entries = share_sentence_tails(cut, entries)
    entries, paired = paired_entries(cut, entries)
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
