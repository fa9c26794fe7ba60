"""Read what one dosing text says whatever the arm: doses, schedule words, cycle statements.

A text's reading does not depend on the arm: an intervention linked to several arms is read once per trial
(trial.py). Which drug each dose and schedule word belongs to does depend on the arm's drug names, and is
settled in segments.py.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from fhir_adapter.text.markdown import unescape
from fhir_adapter.text.regimen.cycles import (
    CycleCount,
    find_cycle_counts,
    find_cycle_lengths,
    find_cycle_ranges,
    find_until,
)
from fhir_adapter.text.regimen.doses import (
    CAP_REASON,
    DAILY_TOTAL_REASON,
    SPLIT_REASON,
    Dose,
    find_doses,
    normalize,
)
from fhir_adapter.text.regimen.lexicon import Mention
from fhir_adapter.text.regimen.model import CycleRange, Duration, Frequency
from fhir_adapter.text.regimen.schedule import (
    PLACEHOLDER,
    Found,
    OffsetPhrase,
    WeeklyPattern,
    find_day_lists,
    find_durations,
    find_durations_after,
    find_frequencies,
    find_offsets,
    find_routes,
    find_signed_days_after,
    find_times_of_day,
    find_weekly_patterns,
)

# A full stop or semicolon before a space, or a line break; not the stops of "p.o. ", "i.v. ", "b.i.d. ".
# A full stop run into the next sentence's first word ("orally administered.The treatment cycle is every
# 3 weeks", NCT06945705) ends one too.
SENTENCE_END = re.compile(r"(?<!\.[A-Za-z])(?:[.;]\s|(?<=[a-z])\.(?=[A-Z][a-z]{2}))|\n")
_DIGIT_OR_COUNT = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|twenty)"
)
_RELATION_WORDS = re.compile(r"prior|before|after|following")
_PLACEHOLDER_WORDS = re.compile(r"specified|protocol|instruction|determined|tbd|directed|selected")
_CLAUSE_HEADING = re.compile(r"^(?:regimen|schedule|treatment|dosing)\s*:\s*", re.IGNORECASE)
_UNIT_WORD = re.compile(r"\b(?:mg|g|mcg|ug|iu|auc)\b")
_TIME_WORDS = re.compile(r"morning|afternoon|evening|night|bedtime")
# "with dose titration at day 6 and 12 if the average fasting blood glucose ..." (NCT05688332): the days a
# dose is reviewed or changed are no days it is given on. Searched in a fixed window before each day list.
_EVENT_DAYS_BEFORE = re.compile(
    r"\b(?:titrat|adjust|assess|evaluat|review|measur)[a-z]*+(?:[ \t]++[a-z]++){0,3}?[ \t]++(?:at|on)[ \t]++"
    r"(?:the[ \t]++)?(?:study[ \t]++)?$",
    re.IGNORECASE,
)
_EVENT_REACH = 60


@dataclass(frozen=True)
class TimedOffset:
    """An offset phrase ("two days prior to") and the key of the drug it is timed from."""

    start: int
    phrase: OffsetPhrase
    target: str


@dataclass(frozen=True)
class Facts:
    """The schedule facts found in one text, by kind; `offsets` only those whose drug is named."""

    routes: tuple[Found[str], ...]
    frequencies: tuple[Found[Frequency], ...]
    days: tuple[Found[tuple[int, ...]], ...]
    weekly: tuple[Found[WeeklyPattern], ...]
    cycles: tuple[Found[CycleRange], ...]
    durations: tuple[Found[Duration], ...]
    times: tuple[Found[str], ...] = ()
    offsets: tuple[TimedOffset, ...] = ()


@dataclass(frozen=True)
class Reading:
    """What a text says whatever the arm: its normalized form, doses and schedule words."""

    norm: str
    doses: tuple[Dose, ...]
    facts: Facts
    cycle_lengths: tuple[Found[int], ...]
    offsets: tuple[Found[OffsetPhrase], ...]
    cycle_counts: tuple[CycleCount, ...]
    until: Found[str] | None
    placeholder: str | None
    says_nothing: bool = False


def read_text(text: str) -> Reading:
    """Return the doses and schedule words of `text`."""
    norm = normalize(text)
    low = norm.lower()
    # Cheap substring gates first: most descriptions ("Given IV", "Undergo CT") have no cycle, no number.
    cycled = "cycl" in low or "course" in low
    numbered = _DIGIT_OR_COUNT.search(low) is not None
    cycle_lengths = tuple(find_cycle_lengths(norm)) if cycled else ()
    doses = tuple(d for d in find_doses(norm) if not inside(d.start, cycle_lengths)) if numbered else ()
    facts = Facts(
        routes=tuple(find_routes(norm)),
        frequencies=tuple(
            f
            for f in find_frequencies(norm)
            if not inside(f.start, cycle_lengths) and not inside(f.start, _splits(norm, doses))
        ),
        days=_days(norm, doses) if numbered else (),
        weekly=tuple(find_weekly_patterns(norm)) if "consecutive" in low else (),
        cycles=tuple(find_cycle_ranges(norm)) if "cycle" in low else (),
        durations=_durations(norm, doses, cycle_lengths) if numbered else (),
        times=tuple(find_times_of_day(norm)) if _TIME_WORDS.search(low) else (),
    )
    offsets = tuple(find_offsets(norm)) if numbered and _RELATION_WORDS.search(low) else ()
    counts = tuple(f.value for f in find_cycle_counts(norm)) if cycled else ()
    until = find_until(norm) if "until" in low or "absence" in low else None
    placeholder = _first(PLACEHOLDER.search(norm)) if _PLACEHOLDER_WORDS.search(low) else None
    nothing = not (doses or cycle_lengths or counts or until or offsets or _UNIT_WORD.search(low))
    nothing = nothing and not any(
        (facts.routes, facts.frequencies, facts.days, facts.cycles, facts.durations)
    )
    return Reading(norm, doses, facts, cycle_lengths, offsets, counts, until, placeholder, nothing)


def _days(norm: str, doses: tuple[Dose, ...]) -> tuple[Found[tuple[int, ...]], ...]:
    """Return the day lists: "days 1-5", "d1-7" anywhere; signed days ("-5 to -4") right after a dose."""
    found = find_day_lists(norm) if "d" in norm.lower() else []
    signed = find_signed_days_after(norm, (d.end for d in doses)) if "-" in norm or "+" in norm else []
    # A signed list inside a written one ("day -21 to d -17" read both ways) is that one: by bisection on
    # the written lists' starts and the furthest end reached so far, one step per list.
    starts = [f.start for f in found]
    reach = list(accumulate((f.end for f in found), max))
    for days in signed:
        before = bisect_left(starts, days.end)
        if not before or reach[before - 1] <= days.start:
            found.append(days)
    return tuple(sorted((f for f in found if not _event_days(norm, f.start)), key=lambda f: f.start))


def _event_days(norm: str, start: int) -> bool:
    """Return True when the day list at `start` dates a review or change of a dose ("titration at day 6")."""
    return _EVENT_DAYS_BEFORE.search(norm, max(0, start - _EVENT_REACH), start) is not None


def _durations(
    norm: str, doses: tuple[Dose, ...], cycles: tuple[Found[int], ...]
) -> tuple[Found[Duration], ...]:
    """Return the lengths of treatment: "for N days" anywhere, "N days" right after a dose."""
    found = {f.start: f for f in find_durations_after(norm, (d.end for d in doses))}
    if "for " in norm.lower():
        found |= {f.start: f for f in find_durations(norm)}
    return tuple(sorted((f for f in found.values() if not inside(f.start, cycles)), key=lambda f: f.start))


def offset_targets(
    offsets: tuple[Found[OffsetPhrase], ...], mentions: tuple[Mention, ...]
) -> tuple[TimedOffset, ...]:
    """Return each "N days prior to" with the drug it is timed from, named within 40 characters after it."""
    targeted = []
    for offset in offsets:
        target = next((m for m in mentions if 0 <= m.start - offset.end <= 40), None)
        if target:
            targeted.append(TimedOffset(offset.start, offset.value, target.key))
    return tuple(targeted)


def _splits(norm: str, doses: tuple[Dose, ...]) -> tuple[Found[int], ...]:
    """Return where a dose's split into the doses of a day, or its daily total, is written in brackets:
    "(120mg bid)" after "240mg", "(160 mg daily)" after "40 mg 4 times per day". Their "bid" and "daily" say
    how the amount is divided or summed, not how often the amount before them is given. So does a cap's
    "2500 mg metformin will not be exceeded daily": its "daily" is the cap's, no dose's frequency."""
    restated = (SPLIT_REASON, DAILY_TOTAL_REASON)
    spans = [Found(d.start, norm.find(")", d.end) + 1, 0) for d in doses if d.limit_reason in restated]
    caps = [Found(d.start, d.end + len(d.limit or ""), 0) for d in doses if d.limit_reason == CAP_REASON]
    return tuple(spans + caps)


def inside(position: int, spans: tuple[Found[int], ...]) -> bool:
    return any(span.start <= position < span.end for span in spans)


def _first(match: re.Match[str] | None) -> str | None:
    return match.group() if match else None


def clause(text: str, norm: str, start: int, end: int) -> str:
    """Return the line or sentence holding text[start:end], as written less Markdown escapes ("1 course of
    treatment for 28 days until disease progression or intolerable toxicity occurs")."""
    first, _ = sentence_span(norm, start)
    _, last = sentence_span(norm, end)
    return unescape(_CLAUSE_HEADING.sub("", text[first:last].strip()))


def sentence_around(norm: str, position: int) -> str:
    start, end = sentence_span(norm, position)
    return norm[start:end]


def sentence_span(norm: str, position: int) -> tuple[int, int]:
    """Return where the sentence (or line) holding `position` starts and ends.

    >>> text = "Day 1: 10 mg. Day 2: 20 mg; day 3"
    >>> [text[slice(*sentence_span(text, p))] for p in (3, 16, 30)]
    ['Day 1: 10 mg', 'Day 2: 20 mg', 'day 3']
    """
    starts, ends = _sentence_stops(norm)
    before = bisect_right(ends, position)  # the stops that end at or before `position`
    after = bisect_left(starts, position)  # the first stop that starts at or after it
    return (ends[before - 1] if before else 0), (starts[after] if after < len(starts) else len(norm))


@lru_cache(maxsize=16)
def _sentence_stops(norm: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Return where each sentence stop of `norm` starts and ends, found in one pass (cached per text)."""
    spans = [m.span() for m in SENTENCE_END.finditer(norm)]
    return tuple(s for s, _ in spans), tuple(e for _, e in spans)
