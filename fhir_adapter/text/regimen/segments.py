"""Cut one dosing text into drug segments, each from a drug's mention to the next mention of another drug.

A mention that only points at another drug ("two days prior to carfilzomib administration") does not start
a segment, and a dose written before its drug ("80 mg MRX2843", "8 mg, 12 mg, or 16 mg of poziotinib")
belongs to that drug's segment. The text before the first name belongs to the intervention's one drug when
it doses something or names no other drug; else it is a heading and nobody's.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cached_property

from fhir_adapter.text.regimen.doses import Dose
from fhir_adapter.text.regimen.lexicon import Mention
from fhir_adapter.text.regimen.reading import SENTENCE_END, Facts, sentence_span

_REFERENCE = re.compile(
    r"(?:prior\s+to|before|after|following|than|day\s+of|same\s+way\s+as|same\s+days?\s+(?:that|as)|as)\s+(?:the\s+|each\s+)?(?:first\s+|1st\s+|last\s+)?"
    r"(?:dose\s+of\s+|administration\s+of\s+)?$",
    re.IGNORECASE,
)
# "Daratumumab 1800 mg co-formulated with 30,000 units of hyaluronidase (rHuPH20) given ... on Day -12"
# (NCT04714372): an ingredient of the same product, within its clause; its schedule is the product's.
_COFORMULATED = re.compile(r"\bco-?formulated\s+with\b(?:[^.;,:\n]|(?<=\d)[.,](?=\d)){0,60}$", re.IGNORECASE)
# "2.4 milligrams (mg) cagrilintide" (NCT05813925): the unit's abbreviation in brackets may stand between.
# "semaglutide s.c. 2.4 mg and placebo matched to semaglutide OW" (NCT05813925): the drug named again for
# its placebo's sake, not a second passage on it.
_PLACEBO_OF = re.compile(r"\bplacebo\s+(?:matched|matching)\s+(?:to\s+|with\s+)?(?:the\s+)?$", re.IGNORECASE)
# "daily 250 mg oral dose of gefitinib" (NCT03599518): "dose of", perhaps with a route, stands between too.
_DOSE_BEFORE_NAME = re.compile(
    r"^\s*(?:\(\s*(?:mg|g|mcg|ug|ml|iu)(?:\s*/\s*(?:kg|m\s*\^?\s*2))?\s*\)\s*)?"
    # "5mg twice daily dosage of methadone", "5 mg twice a day of methadone" (NCT05693675): how often, between
    # the dose and "of" its drug, keeps the dose the drug's.
    r"(?:(?:(?:oral|intravenous|iv|subcutaneous|daily|once|twice|thrice|a|per|day)\s+){0,3}(?:doses?|dosages?)\s+of\s+"
    r"|(?:(?:once|twice|thrice)\s+(?:daily|a\s+day)\s+)?of\s+)?(?:the\s+)?$",
    re.IGNORECASE,
)
# A frequency right before a dose that opens the next drug's item, after a joining word: "in combination
# with daily 250 mg oral dose of gefitinib" (NCT03599518) - gefitinib's "daily".
_JOINED_BEFORE = re.compile(r"(?:\bwith|\band|\bplus|,|\+)[ \t]*+$", re.IGNORECASE)
# Between the previous drug's name and a dose that opens the next item: "cefepime and 2 g ...".
_ITEM_GAP = re.compile(r"(?<!\s)\s*+(?:,|;|\+|and|plus|with)?\s*+", re.IGNORECASE)
_CHAIN_GAP = re.compile(r"^\s*(?:(?:,|or|/|and|, or|, and)\s*)?$", re.IGNORECASE)
# "Study Days 8 to 14: Oral voriconazole (POS) 200 mg q12h" (NCT00739934): a heading of days that opens the
# sentence and ends in a colon is the heading of the name after it.
_DAYS_HEADING = re.compile(r"[^.;:\n]{0,30}?\bdays?\b[^.;:\n]{0,30}:\s*+", re.IGNORECASE)
# An item label: a word or two and a colon, "Drug:", "Day 8:", "Part B:".
_ITEM_LABEL = re.compile(r"(?<![\w-])[A-Za-z][A-Za-z0-9]{0,15}(?:[ \t][A-Za-z0-9]{1,15})?[ \t]*+:(?!\d)")
_LABEL_REACH = 60
# "DAYS 1 to 7: raltegravir 400 mg BID DAYS 8 to 14: raltegravir ..." (NCT01841593): days and a colon right
# before a name head that name's item, also within a sentence; the days are not the drug's before.
_DAYS_LABEL = re.compile(
    r"\bdays?[ \t]++\d{1,3}(?:[ \t]*+(?:-|to|through)[ \t]*+\d{1,3})?[ \t]*+:[ \t]*+$", re.IGNORECASE
)
# "Cycle 2: Decitabine ..., venetoclax ..." (NCT05740449): a heading of a passage on several drugs; how it
# applies is read from the cycle statements, not by the first drug's item.
_PASSAGE_HEADING = re.compile(
    r"(?:cycles?|courses?|phases?|periods?|parts?|stages?|steps?|weeks?)\b", re.IGNORECASE
)
_INACTIVE = re.compile(r"\b(?:placebo|vehicle|sham)\b", re.IGNORECASE)
# A drug name that names an arm or a group: "in both with and without cisplatin arms dose escalation will
# follow to 50mg, 100mg ..." (NCT01562210). What follows is not that drug's passage: its doses are nobody's
# (reported), never the named drug's. An arm named by its dose ("2 mg per tablet for 2mg baxdrostat Arm",
# NCT06344104) is left as it was: the dose before the name opens that drug's item.
_ARM_NAME_AFTER = re.compile(r"(?<![ \t])[ \t]*+(?:-[ \t]*+)?(?:arms?|groups?|cohorts?)\b", re.IGNORECASE)
# A list item that opens with a name no lexicon knows, written as a code or an abbreviation (two capitals
# or more: "InO", "TDF", "ABC-123"), then its dose: "* Dexamethasone 10mg/m2 ...\n* InO 0.8mg/m2 Day 8"
# (NCT04747912). That item is another drug's, never the drug of the item before.
_UNKNOWN_NAME_ITEM = re.compile(
    r"^[ \t]*+(?:[*+•-]|\d{1,2}[.)])[ \t]++(?P<name>[A-Za-z][A-Za-z0-9]{0,11}(?:-[A-Za-z0-9]{1,8})?)"
    r"[ \t]*+:?[ \t]*+(?=\d)",
    re.MULTILINE,
)
_CAPITALS = re.compile(r"[A-Z].*[A-Z]")
# Words of two capitals that are no drug: routes, frequencies, days and cycles ("C1D1").
_NOT_A_NAME = re.compile(
    r"(?:IV|PO|SC|IM|IT|QD|BID|TID|QID|QW|Q\d{1,2}[HDW]|OD|QOD|(?:C\d{1,2})?D\d{1,2}|C\d{1,2}|AUC|BSA|MTD|RP2D"
    r"|DL\d?)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Segment:
    """A stretch of text about one drug (`key`), or about none (`key` None: a heading, a placebo)."""

    key: str | None
    start: int
    end: int


@dataclass(frozen=True)
class Cut:
    """One text being cut: as written, normalized, its doses, facts and drug mentions."""

    text: str
    norm: str
    doses: tuple[Dose, ...]
    facts: Facts
    mentions: tuple[Mention, ...]  # every drug name written
    starts: tuple[Mention, ...]  # the names that start a segment

    def doses_in(self, start: int, end: int) -> list[Dose]:
        """Return the doses written from `start` to `end` (doses are in text order: two bisections)."""
        starts = self._dose_starts
        return list(self.doses[bisect_left(starts, start) : bisect_left(starts, end)])

    def first_dose_from(self, position: int) -> int:
        """Return the index of the first dose that starts at or after `position` (len(doses) when none)."""
        return bisect_left(self._dose_starts, position)

    def last_dose_by(self, position: int) -> int:
        """Return the index of the last dose that ends at or before `position` (-1 when none)."""
        return bisect_right(self._dose_ends, position) - 1

    def floor(self, position: int) -> int:
        """Return where the last dose ending at or before `position` ends (0 when none)."""
        index = bisect_right(self._dose_ends, position)
        return self._dose_ends[index - 1] if index else 0

    @cached_property
    def _dose_starts(self) -> tuple[int, ...]:
        return tuple(d.start for d in self.doses)

    @cached_property
    def _dose_ends(self) -> tuple[int, ...]:
        return tuple(d.end for d in self.doses)


def segment_mentions(
    norm: str, mentions: tuple[Mention, ...], doses: tuple[Dose, ...]
) -> tuple[Mention, ...]:
    """Return the mentions that start segments: not mere references to another drug."""
    kept: list[Mention] = []
    starts = [d.start for d in doses]  # in text order
    for i, mention in enumerate(mentions):
        following = mentions[i + 1].start if i + 1 < len(mentions) else len(norm)
        stop = min(following, sentence_span(norm, mention.end)[1])
        has_dose = bisect_left(starts, mention.end) < bisect_left(starts, stop)
        is_reference = _REFERENCE.search(norm, max(0, mention.start - 40), mention.start) or (
            _COFORMULATED.search(norm, max(0, mention.start - 80), mention.start)
        )
        if kept and is_reference and not has_dose:
            continue
        if (
            kept
            and kept[-1].key == mention.key
            and _PLACEBO_OF.search(norm, max(0, mention.start - 40), mention.start)
        ):
            continue
        kept.append(mention)
    return tuple(kept)


def cut_segments(cut: Cut, default_key: str | None) -> list[Segment]:
    """Return the segments of the text: the preamble before the first name, then each drug's stretch."""
    starts: list[tuple[str | None, int]] = []
    opened = False  # whether the previous name's item opened with the dose written before it
    for i, mention in enumerate(cut.starts):
        start, opened = _segment_start(cut, i, previous_opened=opened)
        starts.append((None if _names_arm(cut, i, start) else mention.key, start))
    segments: list[Segment] = []
    first = starts[0][1] if starts else len(cut.norm)
    if first > 0:
        # The text before the first name belongs to the intervention's one drug when it doses something or
        # no other drug is named; else it is a heading ("Regimen: 1 course of treatment ...", NCT06158412).
        others = any(m.key != default_key for m in cut.starts)
        owns = not others or any(d.start < first for d in cut.doses)
        segments.append(Segment(default_key if owns else None, 0, first))
        if default_key is not None and owns:
            segments = _without_inactive_sentences(cut, segments)
    for i, (key, start) in enumerate(starts):
        end = starts[i + 1][1] if i + 1 < len(starts) else len(cut.norm)
        unknown = _unknown_name_item(cut, start, end)
        _add_segment(segments, cut, Segment(key, start, end if unknown is None else unknown))
        if unknown is not None:
            segments.append(Segment(None, unknown, end))
    return segments


def _names_arm(cut: Cut, index: int, start: int) -> bool:
    """Return True when the mention names an arm ("without cisplatin arms") and doses follow it before the
    next name: those doses are not that drug's. With no dose after it, the mention stays the drug's (its
    schedule words may be the drug's: "with Beta group will receive AG-1 plus beta ... every 3 weeks")."""
    mention = cut.starts[index]
    if start != mention.start or not _ARM_NAME_AFTER.match(cut.norm, mention.end):
        return False
    following = cut.starts[index + 1].start if index + 1 < len(cut.starts) else len(cut.norm)
    return bool(cut.doses_in(mention.end, following))


def _add_segment(segments: list[Segment], cut: Cut, segment: Segment) -> None:
    """Add `segment`, or extend the last one when it is the same drug's and only says more of it."""
    previous = segments[-1] if segments else None
    if (
        previous
        and previous.key == segment.key
        and not _repeats(cut, previous, segment)
        and not _later(cut, previous, segment)
    ):
        segments[-1] = Segment(segment.key, previous.start, segment.end)
    else:
        segments.append(segment)


def _unknown_name_item(cut: Cut, start: int, end: int) -> int | None:
    """Return where the first list item after `start` that opens with an unknown coded name starts."""
    for item in _UNKNOWN_NAME_ITEM.finditer(cut.norm, start, end):
        name = item.group("name")
        known = any(m.start == item.start("name") for m in cut.mentions)
        if item.start() > start and not known and _CAPITALS.search(name) and not _NOT_A_NAME.fullmatch(name):
            return item.start()
    return None


def _without_inactive_sentences(cut: Cut, segments: list[Segment]) -> list[Segment]:
    """Leave unattributed the preamble doses of sentences about a placebo ("supplement the diet of the
    placebo group with 1.5 g/day maltodextrins", NCT05521061): they are not the drug's."""
    preamble = segments[0]
    inactive = [m.start() for m in _INACTIVE.finditer(cut.norm)]
    for dose in cut.doses_in(preamble.start, preamble.end):
        start, end = sentence_span(cut.norm, dose.start)
        if bisect_left(inactive, start) < bisect_left(inactive, end):  # an inactive word in its sentence
            return [Segment(None, preamble.start, preamble.end), *segments[1:]]
    return segments


def _repeats(cut: Cut, first: Segment, second: Segment) -> bool:
    """Return True when a second passage on the same drug states its own dose, days or frequency: another
    administration ("initial" and "continuance" pembrolizumab, NCT04267848), not more words on the first."""
    return bool(_kinds(cut, first) & _kinds(cut, second))


def _later(cut: Cut, first: Segment, second: Segment) -> bool:
    """Return True when a second passage on a dosed drug, in a later sentence, states no dose: "Anlotinib:
    8 mg per day, orally administered. ... Anlotinib are taken on Days 1-14 of each cycle" (NCT06945705)
    says when the dose is given; kept apart, its days are lent to the dose as a doseless mention's."""
    doses = cut.doses_in(first.start, first.end)
    if not doses or cut.doses_in(second.start, second.end):
        return False
    return SENTENCE_END.search(cut.norm, doses[-1].end, second.start) is not None


def _kinds(cut: Cut, segment: Segment) -> set[str]:
    start, end = segment.start, segment.end
    kinds = {"dose"} if cut.doses_in(start, end) else set()
    if any(start <= f.start < end for f in cut.facts.days):
        kinds.add("days")
    if any(start <= f.start < end for f in cut.facts.frequencies):
        kinds.add("frequency")
    return kinds


def _segment_start(cut: Cut, index: int, *, previous_opened: bool) -> tuple[int, bool]:
    """Return where a mention's segment starts: before a dose or route written just before the name; and
    whether its item opens with that dose ("2 g cefepime and 1 g nacubactam")."""
    mention = cut.starts[index]
    start = mention.start
    previous_end = cut.starts[index - 1].end if index else 0
    before = [d for d in cut.doses_in(previous_end, start) if d.end <= start]
    group = _dose_group_before(cut.norm, before, start)
    following = cut.starts[index + 1].start if index + 1 < len(cut.starts) else len(cut.norm)
    # A total or a limit after the name ("(total 60ml)") is not a dose of its own, nor a dose written right
    # before the drug's next name written alike ("(i.e. 2.5 mg enalapril BID) ... (i.e. 10 mg enalapril BID)",
    # NCT02970669). Before another name it may be this one's ("Ropivacaine 0.125g Clonidine 80 mcg",
    # NCT06447194; "200 mg of trimethoprim + 40 mg sulfamethoxazole", two names of one product, NCT02028676).
    after = cut.doses_in(mention.end, following)
    if index + 1 < len(cut.starts) and _same_name(cut.starts[index + 1], mention):
        after = after[: len(after) - len(_dose_group_before(cut.norm, after, following))]
    own_dose = any(d.limit is None for d in after)
    opens = bool(group) and _opens_item(cut, index, group[0].start, following, previous=previous_opened)
    if group and ("of" in cut.norm[group[-1].end : start].lower() or not own_dose or opens):
        start = group[0].start
    route = next((r for r in cut.facts.routes if 0 <= start - r.end <= 2 and r.start >= previous_end), None)
    start = route.start if route else start
    if start < mention.start:
        frequency = next(
            (f for f in cut.facts.frequencies if 0 <= start - f.end <= 2 and f.start >= previous_end), None
        )
        if frequency and _JOINED_BEFORE.search(cut.norm, max(0, frequency.start - 12), frequency.start):
            start = frequency.start
    return _heading_start(cut, start, previous_end), opens


def _same_name(a: Mention, b: Mention) -> bool:
    return a.key == b.key and a.written.casefold() == b.written.casefold()


def _heading_start(cut: Cut, start: int, previous_end: int) -> int:
    """Return where the sentence of a name starts when a heading of days opens it ("Study Days 8 to 14: Oral
    voriconazole"), else `start`: those days are the name's, not the previous drug's."""
    sentence_start = sentence_span(cut.norm, start)[0]
    if sentence_start < previous_end or sentence_start >= start or cut.doses_in(sentence_start, start):
        return _item_label_start(cut, start, previous_end)
    if not _DAYS_HEADING.fullmatch(cut.norm, sentence_start, start):
        return _item_label_start(cut, start, previous_end)
    return sentence_start


def _item_label_start(cut: Cut, start: int, previous_end: int) -> int:
    """Return where an item label before a name starts ("(10mg/kg) Drug:Every two weeks intravenous infusion
    of TQB2930", NCT05380882), else `start`: the words from the label on are the name's item, not more words
    on the dose before it."""
    window = max(previous_end, start - _LABEL_REACH)
    days = _DAYS_LABEL.search(cut.norm, window, start)
    if days and not cut.doses_in(days.start(), start):
        return days.start()
    labels = list(_ITEM_LABEL.finditer(cut.norm, window, start))
    label = labels[-1] if labels else None  # the last label before the name
    if label is None or cut.doses_in(label.start(), start) or _PASSAGE_HEADING.match(label.group()):
        return start
    if SENTENCE_END.search(cut.norm, label.end(), start):
        return start  # the label heads an earlier sentence, not the name's
    return label.start()


def _opens_item(cut: Cut, index: int, group_start: int, following: int, *, previous: bool) -> bool:
    """Return True when a dose written before a name opens that drug's item: "2 g cefepime and 1 g
    nacubactam" (NCT05905055), the doses after the name being the next name's, written before it, and the
    dose starting the text or coming right after the previous name and "and", ",", "+" - only in a run that
    starts with a dose: in "Ropivacaine 0.125g Clonidine 80 mcg Epinephrine 0.5 mg" (NCT06447194), which
    starts with a name, each dose follows its name. `previous`: whether the name before opened its item."""
    mention = cut.starts[index]
    # A placebo's amount or a product's strength between ("2.5 mg TPN171H and 10 mg Placebo for Period 1;
    # 5 mg TPN171H", NCT05388825) is no dose of either name.
    after = [d for d in cut.doses_in(mention.end, following) if d.limit is None]
    if index + 1 >= len(cut.starts) or len(_dose_group_before(cut.norm, after, following)) < len(after):
        return False
    if index == 0:
        return True
    before = cut.starts[index - 1]
    gap = _ITEM_GAP.fullmatch(cut.norm, before.end, group_start)
    # "1.2 milligrams per kilogram (mg/kg) brentuximab vedotin IV on Days 1 and 15 ... [25 mg/m2 doxorubicin,
    # 6 mg/m2 vinblastine and 375 mg/m2 dacarbazine]" (NCT06831370): once the text writes each dose before
    # its name, a dose right before the next name, with no dose since the name before, is that name's.
    undosed = cut.first_dose_from(before.end) >= cut.first_dose_from(group_start)
    return previous and before.key != mention.key and (gap is not None or undosed)


def _dose_group_before(norm: str, doses: list[Dose], position: int) -> list[Dose]:
    if not doses or not _DOSE_BEFORE_NAME.match(norm[doses[-1].end : position]):
        return []
    group = [doses[-1]]
    for dose in reversed(doses[:-1]):
        if not _CHAIN_GAP.match(norm[dose.end : group[0].start]):
            break
        group.insert(0, dose)
    return group
