"""Cut one dosing text into drug segments and read each segment's doses with their schedule.

A segment runs from a drug's mention to the next mention of another drug. A mention that only points at
another drug ("two days prior to carfilzomib administration") does not start a segment, and a dose written
before its drug ("80 mg MRX2843", "8 mg, 12 mg, or 16 mg of poziotinib") belongs to that drug. Inside a
segment each dose owns its sentence up to the next dose; facts written before the first dose are shared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from fhir_adapter.text.dosing import Dose, numberless_unit
from fhir_adapter.text.dosing_schedule import Found, T, count, unit_code
from fhir_adapter.text.regimen_drugs import Lexicon, Mention
from fhir_adapter.text.regimen_labels import dose_condition
from fhir_adapter.text.regimen_model import CycleRange, DoseCondition, Duration, Frequency
from fhir_adapter.text.regimen_reading import (
    SENTENCE_END,
    Facts,
    clause,
    offset_targets,
    read_text,
    sentence_around,
)

_REFERENCE = re.compile(
    r"(?:prior\s+to|before|after|following|than|day\s+of|same\s+way\s+as|as)\s+(?:the\s+)?(?:first\s+|last\s+)?"
    r"(?:dose\s+of\s+|administration\s+of\s+)?$",
    re.IGNORECASE,
)
_DOSE_BEFORE_NAME = re.compile(r"^\s*(?:of\s+)?(?:the\s+)?$", re.IGNORECASE)
_LIST_GAP = re.compile(r"^\s*(?:,\s*(?:or\s+)?|or\s+|/\s*)$", re.IGNORECASE)
_OR_GAP = re.compile(r"\bor\b|/")
# A list separator, then a name-like word written right before a dose ("..., 5-FU 400 mg/m2").
_NEW_ITEM = re.compile(
    r"(?:[,;+]|\band\b|\bplus\b|\bthen\b|\bfollowed\s+by\b)\s*\(?\s*"
    r"(?P<word>(?=[^\s(),;:]*[A-Z])[A-Za-z0-9\-]+|\d+-[A-Za-z][A-Za-z0-9\-]*)\s*\(?\s*$"
)
_ALLOWED_BEFORE_DOSE = re.compile(
    r"(?i:iv|po|sc|im|bid|qd|tid|qid|q\d?w|auc|bsa|bw|then|and|plus|or|dose|day|days|cycle|cycles|week|weeks|"
    r"cohort|level|arm|group|phase|part|mtd|rp2d|oral|orally|daily)"
)
_CHAIN_GAP = re.compile(r"^\s*(?:,|or|/|and|, or|, and)?\s*$", re.IGNORECASE)
_COORDINATOR_END = re.compile(r"(?:\band|\bplus|,|\+|\bwith)\s*\(?\s*$", re.IGNORECASE)
_FREQUENCY_WORD = re.compile(r"\b(?:BID|QD|TID|daily|once|twice)\b", re.IGNORECASE)
_TRAILING_PUNCTUATION = re.compile(r"[\s;,]*$")
_INACTIVE = re.compile(r"\b(?:placebo|vehicle|sham)\b", re.IGNORECASE)
_HEADING_LINE = re.compile(r"^\s*(?:(?:\d{1,2}[.)]|[*\-•])(?:\s+[^\d\n]*)?|[^\d\n]*:\s*|\s*)$")
_LIST_MARKER = re.compile(r"^\s*(?:\d{1,2}[.)]\s+|[*\-•]\s+)")

Segment = tuple[str | None, int, int]


@dataclass
class Entry:
    """One dose (or a drug named without a dose) read from one text, before arm and intervention merge."""

    key: str
    start: int
    end: int
    dose: Dose | None = None
    dose_written: str | None = None
    segment_start: int = 0
    route: str | None = None
    frequency: Frequency | None = None
    days: tuple[int, ...] | None = None
    consecutive: tuple[int, int] | None = None
    cycles: CycleRange | None = None
    duration: Duration | None = None
    offset: tuple[float, str, str, str, str] | None = None
    condition: DoseCondition | None = None
    choice: int | None = None
    verbatim: str = ""
    source: str = "intervention"
    fields: tuple[str, ...] = ()


@dataclass
class TextParse:
    """What one text says: its entries, its cycle statements, and what it leaves unclear."""

    entries: list[Entry] = field(default_factory=list)
    cycle_lengths: list[tuple[int, str]] = field(default_factory=list)
    cycle_counts: list[tuple[int, bool, str]] = field(default_factory=list)
    until_progression: str | None = None
    placeholder: str | None = None
    unattributed: list[Dose] = field(default_factory=list)
    limits: list[Dose] = field(default_factory=list)


@dataclass(frozen=True)
class _Text:
    """One text being cut: as written, normalized, its doses, facts and drug mentions."""

    text: str
    norm: str
    doses: tuple[Dose, ...]
    facts: Facts
    mentions: tuple[Mention, ...]  # every drug name written
    starts: tuple[Mention, ...]  # the names that start a segment

    def doses_in(self, start: int, end: int) -> list[Dose]:
        return [d for d in self.doses if start <= d.start < end]


def parse_text(text: str, *, lexicon: Lexicon, default_key: str | None, source: str, field: str) -> TextParse:
    """Return the entries and cycle statements of one arm or intervention description."""
    reading = read_text(text)
    if reading.says_nothing:
        return TextParse(placeholder=reading.placeholder)
    mentions = tuple(lexicon.find(reading.norm))
    facts = reading.facts
    if reading.offsets:
        facts = replace(facts, offsets=offset_targets(reading.offsets, list(mentions)))
    starts = _segment_mentions(reading.norm, mentions, reading.doses)
    cut = _Text(text, reading.norm, reading.doses, facts, mentions, starts)
    parse = TextParse(
        cycle_lengths=[(f.value, clause(text, cut.norm, f.start, f.end)) for f in reading.cycle_lengths],
        cycle_counts=list(reading.cycle_counts),
        until_progression=reading.until_progression,
        placeholder=reading.placeholder,
        limits=[d for d in cut.doses if d.limit],
    )
    for key, start, end in _segments(cut, default_key):
        if key is None:
            parse.unattributed.extend(d for d in cut.doses_in(start, end) if d.limit is None)
        else:
            entries, foreign = _segment_entries(cut, key, (start, end))
            parse.entries.extend(entries)
            parse.unattributed.extend(foreign)
    _share_sentence_tails(cut.norm, parse.entries)
    for entry in parse.entries:
        entry.source, entry.fields = source, (field,)
    return parse


def _segment_mentions(
    norm: str, mentions: tuple[Mention, ...], doses: tuple[Dose, ...]
) -> tuple[Mention, ...]:
    """Return the mentions that start segments: not mere references to another drug."""
    kept: list[Mention] = []
    for i, mention in enumerate(mentions):
        following = mentions[i + 1].start if i + 1 < len(mentions) else len(norm)
        sentence_end = SENTENCE_END.search(norm, mention.end)
        stop = min(following, sentence_end.start() if sentence_end else len(norm))
        has_dose = any(mention.end <= d.start < stop for d in doses)
        is_reference = _REFERENCE.search(norm, max(0, mention.start - 40), mention.start)
        if kept and is_reference and not has_dose:
            continue
        kept.append(mention)
    return tuple(kept)


def _segments(cut: _Text, default_key: str | None) -> list[Segment]:
    """Return (drug key, start, end) for the preamble and each drug's stretch of text."""
    starts = [(m.key, _segment_start(cut, i)) for i, m in enumerate(cut.starts)]
    segments: list[Segment] = []
    first = starts[0][1] if starts else len(cut.norm)
    if first > 0:
        # The text before the first name belongs to the intervention's one drug when it doses something or
        # no other drug is named; else it is a heading ("Regimen: 1 course of treatment ...", NCT06158412).
        others = any(m.key != default_key for m in cut.starts)
        owns = not others or any(d.start < first for d in cut.doses)
        segments.append((default_key if owns else None, 0, first))
        if default_key is not None and owns:
            segments = _without_inactive_sentences(cut, segments)
    for i, (key, start) in enumerate(starts):
        end = starts[i + 1][1] if i + 1 < len(starts) else len(cut.norm)
        previous = segments[-1] if segments else None
        if previous and previous[0] == key and not _repeats(cut, previous, (key, start, end)):
            segments[-1] = (key, previous[1], end)
        else:
            segments.append((key, start, end))
    return segments


def _without_inactive_sentences(cut: _Text, segments: list[Segment]) -> list[Segment]:
    """Leave unattributed the preamble doses of sentences about a placebo ("supplement the diet of the
    placebo group with 1.5 g/day maltodextrins", NCT05521061): they are not the drug's."""
    _, start, end = segments[0]
    if any(_INACTIVE.search(sentence_around(cut.norm, d.start)) for d in cut.doses_in(start, end)):
        return [(None, start, end), *segments[1:]]
    return segments


def _repeats(cut: _Text, first: Segment, second: Segment) -> bool:
    """Return True when a second passage on the same drug states its own dose, days or frequency: another
    administration ("initial" and "continuance" pembrolizumab, NCT04267848), not more words on the first."""
    return bool(_kinds(cut, first) & _kinds(cut, second))


def _kinds(cut: _Text, segment: Segment) -> set[str]:
    _, start, end = segment
    kinds = {"dose"} if cut.doses_in(start, end) else set()
    if any(start <= f.start < end for f in cut.facts.days):
        kinds.add("days")
    if any(start <= f.start < end for f in cut.facts.frequencies):
        kinds.add("frequency")
    return kinds


def _segment_start(cut: _Text, index: int) -> int:
    """Return where a mention's segment starts: before a dose or route written just before the name."""
    mention = cut.starts[index]
    start = mention.start
    previous_end = cut.starts[index - 1].end if index else 0
    before = [d for d in cut.doses if previous_end <= d.start and d.end <= start]
    group = _dose_group_before(cut.norm, before, start)
    following = cut.starts[index + 1].start if index + 1 < len(cut.starts) else len(cut.norm)
    own_dose = bool(cut.doses_in(mention.end, following))
    if group and ("of" in cut.norm[group[-1].end : start].lower() or not own_dose):
        start = group[0].start
    route = next((r for r in cut.facts.routes if 0 <= start - r.end <= 2 and r.start >= previous_end), None)
    return route.start if route else start


def _dose_group_before(norm: str, doses: list[Dose], position: int) -> list[Dose]:
    if not doses or not _DOSE_BEFORE_NAME.match(norm[doses[-1].end : position]):
        return []
    group = [doses[-1]]
    for dose in reversed(doses[:-1]):
        if not _CHAIN_GAP.match(norm[dose.end : group[0].start]):
            break
        group.insert(0, dose)
    return group


def _segment_entries(cut: _Text, key: str, span: tuple[int, int]) -> tuple[list[Entry], list[Dose]]:
    """Return the segment's entries, and the doses in it that belong to an unrecognised name."""
    start, end = span
    verbatim = _verbatim(cut.text, start, end)
    doses, foreign = _own_doses(cut, key, span)
    if not doses:
        mention_end = next((m.end for m in cut.mentions if m.start >= start and m.key == key), start)
        entry = Entry(key, start, end, dose=numberless_unit(cut.norm, mention_end), segment_start=start)
        entry.verbatim = verbatim
        _read_facts(entry, cut.facts, own=span, head=span)
        return [entry], foreign
    entries: list[Entry] = []
    for i, dose in enumerate(doses):
        own_end = doses[i + 1].start if i + 1 < len(doses) else end
        # A dose's own words end with its sentence: "PD-1 blockade will be administered every 3 weeks"
        # after "1x10^9 NK cells/dose." is not the NK cells' frequency (NCT06097962).
        stop = SENTENCE_END.search(cut.norm, dose.end, own_end)
        entry = Entry(key, dose.start, stop.start() + 1 if stop else own_end, dose=dose, segment_start=start)
        entry.dose_written, entry.verbatim = cut.text[dose.start : dose.end].replace("\\", ""), verbatim
        if i and _is_choice(cut.norm, doses, i):
            entry.choice = entries[-1].choice = entries[-1].choice or i
        own_start = _clause_start(cut.norm, doses[i - 1].end if i else start, dose.start)
        _read_facts(entry, cut.facts, own=(own_start, entry.end), head=(start, doses[0].start))
        floor = max((d.end for d in cut.doses if d.end <= dose.start), default=0)
        entry.condition = dose_condition(cut.norm, dose, floor, list(cut.mentions))
        entries.append(entry)
    _share_within(entries)
    return entries, foreign


def _clause_start(norm: str, previous_end: int, position: int) -> int:
    """Return where the clause holding a dose starts when a clause boundary separates it from the previous
    dose: "Day 1: 100 mg; Days 2-5: 50 mg" gives 50 mg its "Days 2-5"; without a boundary ("15 mg/m2 on
    day +1, 10mg/m2 on day +3") the words before a dose are the previous dose's."""
    boundaries = list(SENTENCE_END.finditer(norm, previous_end, position))
    return boundaries[-1].end() if boundaries else position


def _own_doses(cut: _Text, key: str, span: tuple[int, int]) -> tuple[list[Dose], list[Dose]]:
    """Split the segment's doses into the drug's own and those after a name the lexicon does not know:
    in "leucovorin 400 mg/m2, 5-FU 400 mg/m2 bolus then 2400 mg/m2" the last two are not leucovorin's."""
    start, end = span
    previous = next((m.end for m in cut.mentions if start <= m.start < end and m.key == key), start)
    doses = [d for d in cut.doses_in(start, end) if d.limit is None]
    for i, dose in enumerate(doses):
        item = _NEW_ITEM.search(cut.norm, previous, dose.start)
        if item and not _ALLOWED_BEFORE_DOSE.fullmatch(item.group("word")):
            return doses[:i], doses[i:]
        previous = dose.end
    return doses, []


def _is_choice(norm: str, doses: list[Dose], index: int) -> bool:
    """Return True when doses[index] is an alternative to the dose before it: a run of doses joined by
    commas, "or" or "/" with at least one "or" or "/" ("8 mg, 12 mg, or 16 mg"; not the ramp-up "20 mg,
    50 mg, 100 mg, then 400 mg")."""
    if doses[index - 1].chained:
        return True
    run = [index]
    while run[0] > 0 and _LIST_GAP.match(_gap(norm, doses, run[0])):
        run.insert(0, run[0] - 1)
    while run[-1] + 1 < len(doses) and _LIST_GAP.match(_gap(norm, doses, run[-1] + 1)):
        run.append(run[-1] + 1)
    return index != run[0] and any(_OR_GAP.search(_gap(norm, doses, i)) for i in run[1:])


def _gap(norm: str, doses: list[Dose], index: int) -> str:
    return _FREQUENCY_WORD.sub("", norm[doses[index - 1].end : doses[index].start])


def _read_facts(entry: Entry, facts: Facts, *, own: tuple[int, int], head: tuple[int, int]) -> None:
    """Set the entry's schedule from its own text, falling back on the segment's shared head."""
    for span in (own, head):
        routes = sorted({f.value for f in facts.routes if span[0] <= f.start < span[1]})
        entry.route = entry.route or (" or ".join(routes) if routes else None)
        entry.frequency = entry.frequency or _first_value(facts.frequencies, span)
        days = [f.value for f in facts.days if span[0] <= f.start < span[1]]
        if entry.days is None and days:
            entry.days = tuple(sorted({d for found in days for d in found}))
        entry.cycles = entry.cycles or _first_value(facts.cycles, span)
        entry.duration = entry.duration or _first_value(facts.durations, span)
        consecutive = next((m for m in facts.consecutive if span[0] <= m.start() < span[1]), None)
        if consecutive and entry.consecutive is None:
            entry.consecutive = (count(consecutive.group("n")), count(consecutive.group("weeks")))
        offset = next(
            ((m, t) for m, t in facts.offsets if span[0] <= m.start() < span[1] and t != entry.key), None
        )
        if offset and entry.offset is None:
            match, target = offset
            relation = "after" if match.group("rel").lower() in ("after", "following") else "before"
            value, unit = float(count(match.group("n"))), unit_code(match.group("unit"))
            entry.offset = (value, unit, relation, target, match.group())


def _first_value(found: tuple[Found[T], ...], span: tuple[int, int]) -> T | None:
    return next((f.value for f in found if span[0] <= f.start < span[1]), None)


def _share_within(entries: list[Entry]) -> None:
    """Give alternatives the schedule written once after the last of them ("60 or 40 mg daily"), and every
    dose of the segment the route written for one of them (the drug's route does not change by dose)."""
    routes = {e.route for e in entries if e.route}
    for entry in entries:
        if entry.route is None and len(routes) == 1:
            entry.route = next(iter(routes))
        if entry.choice is None:
            continue
        group = [e for e in entries if e.choice == entry.choice]
        last = group[-1]
        if last is not entry:
            entry.frequency = entry.frequency or last.frequency
            entry.days = entry.days if entry.days is not None else last.days
            entry.cycles = entry.cycles or last.cycles
        entry.condition = entry.condition or next((e.condition for e in group if e.condition), None)


def _share_sentence_tails(norm: str, entries: list[Entry]) -> None:
    """Give a drug the days and frequency written after the next drug of the same sentence when it has
    none ("CT-2103 (175 mg/m2) and carboplatin (AUC 6) on day 1 of each cycle")."""
    for i, entry in enumerate(entries[:-1]):
        following = entries[i + 1]
        if following.key == entry.key or entry.days is not None or entry.frequency is not None:
            continue
        between = norm[entry.start : following.segment_start]
        if SENTENCE_END.search(between) or not _COORDINATOR_END.search(norm[: following.segment_start]):
            continue
        tail = next((e for e in entries[i + 1 :] if e.days is not None or e.frequency is not None), None)
        if tail is None or SENTENCE_END.search(norm[entry.start : tail.start]):
            continue
        entry.days, entry.frequency = tail.days, tail.frequency


def _verbatim(text: str, start: int, end: int) -> str:
    """Return the segment as written, without its list marker and without the next item's heading that
    precedes the next drug's name ("\n2. Proteasome inhibitor:" before "Carfilzomib", NCT06158412)."""
    lines = _LIST_MARKER.sub("", text[start:end].strip()).split("\n")
    while len(lines) > 1 and _HEADING_LINE.match(lines[-1]):
        lines.pop()
    return _TRAILING_PUNCTUATION.sub("", "\n".join(lines)).strip()
