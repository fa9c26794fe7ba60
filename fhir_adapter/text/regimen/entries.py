"""Read one drug segment of a dosing text into entries: each dose with the schedule words that belong to it.

Inside a segment each dose owns its words up to the next dose, within its sentence; facts written before
the first dose (the segment's head) are shared by its doses. Doses written as alternatives ("8 mg, 12 mg, or
16 mg") share the schedule written once after the last of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from fhir_adapter.text.markdown import unescape
from fhir_adapter.text.regimen.doses import COMBINATION_NEXT, Dose, numberless_unit
from fhir_adapter.text.regimen.labels import dose_condition
from fhir_adapter.text.regimen.model import CycleRange, DoseCondition, Duration, Frequency
from fhir_adapter.text.regimen.reading import SENTENCE_END, Facts, TimedOffset
from fhir_adapter.text.regimen.schedule import SIGNED_DAYS_AFTER_DOSE, Found, WeeklyPattern
from fhir_adapter.text.regimen.segments import Cut, Segment

T = TypeVar("T")
Span = tuple[int, int]

_LIST_GAP = re.compile(r"^\s*(?:,\s*(?:or\s+)?|or\s+|/\s*)$", re.IGNORECASE)
_OR_GAP = re.compile(r"\bor\b|/")
# A list separator, then a name-like word written right before a dose ("..., 5-FU 400 mg/m2"), perhaps with
# its abbreviation ("+ HAG Regimen(Homoharringtonine(HHT) 1mg"); a lower-case word only when its dose
# is in brackets ("PLUS cisplatin (75mg/m2", NCT03986528); after a full stop only an acronym ("... days.
# ATO 0.3mg/kg/day", NCT05497310). Another drug's dose, not this one's.
_NEW_ITEM = re.compile(
    # "standard of care therapy including 5-FU 400 mg/m2": "including", "such as", "e.g." list other drugs too
    # "Methotrexate 0.3 mg/kg/week (or azathioprine 2 mg/kg/day" (NCT05689879): an alternative drug after "or"
    r"(?:(?:[,;+(]|(?i:\band\b|\bplus\b|\bwith\b|\bthen\b|\bor\b|\bfollowed\s+by\b|\bincluding\b|\bsuch\s+as\b"
    r"|\be\.g\.,?|\bi\.e\.,?))\s*\(?\s*"
    r"(?:(?P<word>(?=[^\s(),;:]*[A-Z])[A-Za-z0-9\-]+|\d+-[A-Za-z][A-Za-z0-9\-]*)(?:\s*\([A-Za-z0-9\-]{1,12}\))?"
    r"\s*\(?|(?P<lower>[a-z][a-z\-]{4,})\s*\(?)"
    r"|\.\s+(?P<acronym>(?=[A-Z0-9\-]*[A-Z])[A-Z0-9][A-Z0-9\-]{1,7}))\s*$"
)
# "INJ. 5FU 750 MG/M2" (NCT06737822): an acronym may start with a digit; not a day or cycle code ("D1").
_DAY_CODE = re.compile(r"(?:C\d+)?D\d+|C\d+|W\d+")
# Two words, or a route and a word, after a list separator and right before a dose: "and oral iron 25 mg",
# "and vit D3 60,000 IU" (NCT06443593), "and calcium folinate 60 mg/m2" (NCT04861558): another substance's
# dose, when no word is a dosing word.
_NEW_ITEM_WORDS = re.compile(
    r"(?:[,;+]|(?i:\band\b|\bplus\b|\bwith\b|\bincluding\b|\bsuch[ \t]+as\b))[ \t]*+"
    r"(?P<route>(?i:oral|iv|intravenous|subcutaneous|sc|im|topical)[ \t]++)?"
    r"(?P<pre>[a-z][a-z\-]{2,}[ \t]++)?"
    r"(?P<last>[a-z][a-z\-]{3,}|(?=[A-Za-z0-9\-]*[A-Z])[A-Za-z0-9\-]{2,})[ \t]*+\(?[ \t]*+$"
)
_FUNCTION_WORDS = frozenset(
    {"the", "a", "an", "of", "at", "to", "by", "in", "on", "for", "per", "its", "their", "each", "every"}
    | {"this", "that", "these", "those", "from", "as", "is", "are", "be", "was"}
)
# One start per run of name characters ("(?<![\w-])", the lookahead kept inside the run): linear.
_NAME_BEFORE_DOSE = re.compile(r"(?<![\w-])(?P<word>(?=[A-Za-z0-9\-]*[A-Z])[A-Za-z0-9\-]{2,})\s*\(?\s*$")
# "30mL of 0.25% bupivacaine": a volume of a solution at a strength, named right after it.
_SOLUTION_AFTER = re.compile(
    r"(?<![ \t])[ \t]*+of[ \t]++\d{1,3}(?:\.\d{1,3})?[ \t]*+%[ \t]*+(?P<name>[A-Za-z])"
)
_LOWER_BEFORE_DOSE = re.compile(r"(?<![\w-])(?P<lower>[a-z][a-z\-]{4,})[ \t]*+\(?[ \t]*+$")
# A capitalised word opening a sentence right before a dose: "... daily. Ibuprofen 400 mg".
_SENTENCE_NAME_BEFORE_DOSE = re.compile(r"[.;:][ \t]++(?P<word>[A-Z][A-Za-z\-]{3,})[ \t]*+\(?[ \t]*+$")
# An upper-case code opening a sentence as its subject: "NAP was administered on the first four days of each
# 21-day cycle, at daily doses of 10 ug/kg" after an obinutuzumab sentence (NCT03983954); or a placebo:
# "Placebo will be given by a subcutaneous isotonic saline formulation ..." after rituximab's (NCT03929601).
_CODE_SUBJECT = re.compile(
    r"[ \t]{0,3}+(?<![A-Za-z0-9\-])(?P<code>[A-Z][A-Z0-9\-]{1,11}+|(?i:placebo|vehicle|sham))"
    r"[ \t]++(?:was|were|is|are|will)\b"
)
# A dosage-form prefix of Indian and other hospital order style, then a name: "INJ. 5FU", "TAB. ONDANSETRON",
# "Tab Pantoprazole", "Inj. Granisetron" - another item of the list.
_FORM_ITEM = re.compile(
    r"(?:^|[.,;:+(]|\b(?i:and|with|plus))[ \t]*+"
    r"(?i:inj(?:ection)?|tabs?|tablets?|caps?|capsules?|syp|syr(?:up)?|susp)\.?[ \t]++"
    r"(?P<name>[A-Za-z0-9][A-Za-z0-9\-]*)(?:[ \t]++[A-Za-z][A-Za-z0-9\-]*)?[ \t]*+\(?[ \t]*+$"
)
_ALLOWED_BEFORE_DOSE = re.compile(
    r"(?i:iv|po|sc|im|bid|qd|tid|qid|q\d?w|auc|bsa|bw|then|and|plus|or|dose|day|days|cycle|cycles|week|weeks|"
    r"cohort|level|arm|group|phase|part|mtd|rp2d|oral|orally|daily)"
)
# Lower-case words that may stand right before another dose of the same drug after "and", "plus", ",":
# "10 mg daily, then 20 mg", "and subsequently 20 mg". Any other lower-case word there names another drug
# ("Drugx 10 mg daily plus metformin 500 mg"): the dose is not this drug's.
_DOSING_WORDS = re.compile(
    r"(?i:doses|dosage|dosing|levels?|cohorts?|groups?|subsequently|thereafter|afterwards|finally|initially|"
    r"maintenance|loading|initial|starting|increased|increasing|reduced|reducing|decreased|decreasing|titrated|"
    r"escalated|escalating|weekly|twice|thrice|every|intravenously|intravenous|subcutaneously|subcutaneous|"
    r"intramuscularly|intramuscular|tablets?|capsules?|bolus|infusion|injections?|sachets?|vials?|puffs?|drops?|"
    r"total|fixed|single|additional|further|another|second|third|fourth|again|either|respectively|approximately|"
    r"about|given|received|receiving|administered|infused|injected|taken|continued|continuing|while|where|which|"
    r"during|after|before|first|morning|evening|night|hours?|minutes?|months?|years?|receives?|takes|"
    r"administer|dosed|increase|reduce|decrease|escalate|titrate|changed?|switched|remains?|below|above|"
    r"between|ranging|ranges?|using|containing|consisting|including|equivalent|amount|quantity|strength|"
    r"patients?|participants?|subjects?|children|adults?|regimen|treatment|therapy|course|courses)"
)
# What follows "followed by" is the next step of the regimen, not more words on this dose: "cyclophosphamide
# will be administered followed by a single infusion of CAR transduced autologous T cells" (NCT03937544);
# but "Day 1 to Day 21 followed by 7 days off treatment" (NCT02513394) is the same drug's rest.
# "840 mg ... followed every 3 weeks by a maintenance dose of 420 mg" (NCT06038539): the words between
# "followed" and "by" are the next dose's schedule.
_NEXT_STEP = re.compile(
    r"\bfollowed\s++(?:[\w-]++\s++){0,4}?by\b(?![^.;\n]{0,30}\b(?:off|rest|break)\b)", re.IGNORECASE
)
# A later sentence whose subject is another substance, named by words no lexicon knows: "Pemetrexed will be
# administered ... on Day 1 of each 21-day cycle. Folic acid will be administered ... then daily"
# (NCT03058094). Its schedule is that substance's, not the drug's.
_OTHER_SUBJECT = re.compile(
    r"[.;][ \t\n]++(?P<subject>[A-Z][A-Za-z0-9\-]{2,}(?:[ \t]++[A-Za-z0-9\-]{1,20}){0,2}?)"
    r"[ \t]++(?:will|is|are|was|were|should|must|may|can)\b"
)
# Subjects that are no substance: the drug itself in other words, the patients, the treatment.
_GENERIC_SUBJECT = re.compile(
    r"(?i:it|this|that|these|those|the|they|each|all|both|patients?|participants?|subjects?|treatment|therapy|"
    r"dosing|doses?|administration|infusions?|injections?|study|drug|medication|cycles?|courses?)\b"
)
_LOADING = re.compile(
    r"(?<![\w-])(?P<words>(?:initial|loading)\s+(?:loading\s+)?dose)\b[^.;\n]{0,60}$", re.IGNORECASE
)
_LOADING_REACH = 90
_COORDINATOR_END = re.compile(r"(?:\band|\bplus|,|\+|\bwith)\s*\(?\s*$", re.IGNORECASE)
_COORDINATOR_REACH = 200
_RESPECTIVELY = re.compile(r"\brespectively\b", re.IGNORECASE)
_FREQUENCY_WORD = re.compile(r"\b(?:BID|QD|TID|daily|once|twice)\b", re.IGNORECASE)
# A verb of giving after a dose closes that dose's own clause: "MK-3475 200 mg will be administered as four
# cycles of 3-weeks regimen, with ASG-22CE 1.25 mg/kg administered on Day 1 and Day 8" (NCT05879653).
_GIVING_VERB = re.compile(r"\b(?:administered|given|infused|injected|taken)\b", re.IGNORECASE)
# Words between a route and its dose: "intravenously at a dosage of 1200mg", "IV at 10 mg/kg".
_LEAD_WORDS = re.compile(
    r"\s*+(?:(?:at|with|in)\s++(?:an?\s++)?(?:(?:fixed|flat|total|single)\s++)?(?:dos(?:e|age|ing)\s++of|at)?\s*+"
    r"|at\s++)?",
    re.IGNORECASE,
)
_LEAD_REACH = 40
_ROUTE_LEAD = re.compile(
    r"\b(?:intravenous(?:ly)?|subcutaneous(?:ly)?|intramuscular(?:ly)?|oral(?:ly)?|iv|sc|po|im)\b"
    r"(?:\s*+(?:at|with|in)\s++(?:an?\s++)?(?:dos(?:e|age|ing)\s++of\s*+)?)?",
    re.IGNORECASE,
)
# The words that may stand between two day lists of one dose.
_DAY_LIST_GAP = re.compile(
    r"(?:[\s,;:&/()+.-]|\b(?:and|or|on|of|each|every|the|a|then|also|in|cycles?|courses?|weeks?|\d+)\b)*+",
    re.IGNORECASE,
)
_DAY_LIST_JOIN = re.compile(r"(?:,|\band|\bthen|\balso)[ \t]*+(?:on[ \t]++)?(?:the[ \t]++)?$", re.IGNORECASE)
_TRAILING_PUNCTUATION = re.compile(r"(?<![\s;,])[\s;,]*$")
# A line that is only a list marker, a heading ("2. Proteasome inhibitor:", "Regimen:") or blank. Each part
# starts where the one before cannot go on, so a long line is tried once (issue 11: linear).
_HEADING_LINE = re.compile(r"^\s*(?:(?:\d{1,2}[.)]|[*\-•])(?:\s[^\d\n]*)?|(?:[^\d\s][^\d\n]*)?:\s*)?$")
_LIST_MARKER = re.compile(r"^\s*(?:\d{1,2}[.)]\s+|[*\-•]\s+)")


@dataclass(frozen=True)
class Entry:
    """One dose (or a drug named without a dose) read from one text, before arm and intervention merge.

    `start`..`end` is the dose's own text, `segment_start`..`segment_end` its drug's segment; `choice`
    numbers a group of alternative doses; `weekly` is a weekly pattern not yet tied to days; `times` the
    times of day written ("morning", "evening"). Texts (`verbatim`, `dose_written`) are as written, less
    the Markdown escapes.
    """

    key: str
    start: int
    end: int
    dose: Dose | None = None
    dose_written: str | None = None
    segment_start: int = 0
    segment_end: int = 0
    route: str | None = None
    frequency: Frequency | None = None
    times: tuple[str, ...] | None = None
    days: tuple[int, ...] | None = None
    weekly: WeeklyPattern | None = None
    cycles: CycleRange | None = None
    duration: Duration | None = None
    offset: TimedOffset | None = None
    condition: DoseCondition | None = None
    choice: int | None = None
    verbatim: str = ""
    source: str = "intervention"
    fields: tuple[str, ...] = ()
    read_at: tuple[int, ...] = ()


def segment_entries(cut: Cut, segment: Segment) -> tuple[list[Entry], list[Dose]]:
    """Return the segment's entries, and the doses in it that belong to an unrecognised name."""
    key, start, end = segment.key or "", segment.start, segment.end
    verbatim = verbatim_of(cut.text, start, end)
    doses, foreign = _own_doses(cut, key, (start, end))
    if doses and foreign:
        # "Drugx 100 mg daily and leucovorin 400 mg/m2 on day 1": the words from the other substance's dose on
        # are its own, not this drug's
        end = min(end, _item_start(cut.norm, doses[-1].end, foreign[0].start))
    if not doses and foreign and not any(start <= m.start < end and m.key == key for m in cut.mentions):
        return [], foreign  # opening words about other drugs: their schedule is not this drug's either
    if not doses:
        mention_end = next((m.end for m in cut.mentions if m.start >= start and m.key == key), start)
        dose = numberless_unit(cut.norm, mention_end)
        entry = Entry(key, start, end, dose, segment_start=start, segment_end=end, verbatim=verbatim)
        next_step = _NEXT_STEP.search(cut.norm, mention_end, end)
        own = (start, _other_subject_start(cut, key, mention_end, next_step.start() if next_step else end))
        return [_with_facts(entry, cut.facts, cut.norm, own=own, head=own)], foreign
    choices = _choice_groups(cut.norm, doses)
    leads = [_lead_route(cut.norm, cut.facts.routes, dose) for dose in doses]
    entries: list[Entry] = []
    for i, dose in enumerate(doses):
        own_end = _day_label_start(cut.norm, doses[i + 1].start) if i + 1 < len(doses) else end
        if i + 1 == len(doses) and cut.doses_in(end, end + 1):
            own_end = _day_label_start(cut.norm, end)  # the next segment opens with a dose: "Day 3 300 mg CQ"
        # A dose's own words end with its sentence: "PD-1 blockade will be administered every 3 weeks"
        # after "1x10^9 NK cells/dose." is not the NK cells' frequency (NCT06097962).
        stop = SENTENCE_END.search(cut.norm, dose.end, own_end)
        step = None if stop else _NEXT_STEP.search(cut.norm, dose.end, own_end)
        stop = stop or step
        floor = cut.floor(dose.start)
        entry = Entry(
            key,
            dose.start,
            stop.start() + 1 if stop else own_end,
            dose=dose,
            dose_written=unescape(cut.text[dose.start : dose.end]),
            segment_start=start,
            segment_end=end,
            condition=dose_condition(cut.norm, dose, floor, cut.mentions),
            choice=choices[i],
            verbatim=verbatim,
        )
        own_start = _own_start(cut.norm, doses[i - 1].end if i else start, dose.start)
        own = (min(own_start, _day_label_start(cut.norm, dose.start)), entry.end)
        others = {lead.start for j, lead in enumerate(leads) if lead and j != i}
        read = _with_facts(
            entry, cut.facts, cut.norm, own=own, head=(start, doses[0].start), lead=leads[i], skip=others
        )
        if step and i + 1 < len(doses) and read.frequency is None:
            read = _loading_once(cut.norm, read, floor)
        entries.append(read)
    return _share_within(entries), foreign


def _other_subject_start(cut: Cut, key: str, start: int, end: int) -> int:
    """Return where the first later sentence about another substance starts between `start` and `end`, else
    `end`: a doseless mention's schedule ends before it."""
    for sentence in _OTHER_SUBJECT.finditer(cut.norm, start, end):
        subject = sentence.group("subject")
        at = sentence.start("subject")
        this_drug = any(at <= m.start < sentence.end("subject") and m.key == key for m in cut.mentions)
        if not this_drug and not _GENERIC_SUBJECT.match(subject):
            return sentence.start() + 1
    return end


def _loading_once(norm: str, entry: Entry, floor: int) -> Entry:
    """Return the entry given once when its clause calls it the initial or loading dose and the next dose
    follows it ("Initial loading dose of X is 840 mg ... followed every 3 weeks by ... 420 mg")."""
    start = entry.start
    loading = _LOADING.search(norm, max(floor, start - _LOADING_REACH), start)
    if loading is None:
        return entry
    return replace(entry, frequency=Frequency(1, 1, "d", loading.group("words"), once=True))


def _choice_groups(norm: str, doses: list[Dose]) -> list[int | None]:
    """Return, per dose, the number of the group of alternatives it belongs to (None: not one).

    A dose is an alternative to the one before it when it is chained to it ("60 or 40 mg"), or when both
    are in a run of doses joined by commas, "or" or "/" with at least one "or" or "/" ("8 mg, 12 mg, or
    16 mg"; not the ramp-up "20 mg, 50 mg, 100 mg, then 400 mg"). One pass over the gaps between doses.
    """
    gaps = ["", *(_gap(norm, doses, i) for i in range(1, len(doses)))]
    joined = [i > 0 and _LIST_GAP.match(gap) is not None for i, gap in enumerate(gaps)]
    run_start = 0
    starts: list[int] = []
    has_or: set[int] = set()
    for i, gap in enumerate(gaps):
        run_start = run_start if joined[i] else i
        starts.append(run_start)
        if joined[i] and _OR_GAP.search(gap):
            has_or.add(run_start)
    choices: list[int | None] = [None] * len(doses)
    for i in range(1, len(doses)):
        if doses[i - 1].chained or (joined[i] and starts[i] in has_or):
            choices[i - 1] = choices[i] = choices[i - 1] or i
    return choices


# "CQ: Day1 600 mg, Day 2 600 mg, Day 3 300 mg" (NCT05690841, set 15): a day label written right before a
# dose, only a colon between, is that dose's day, not the day of the dose before it. Bounded window: linear.
_DAY_LABEL_BEFORE = re.compile(
    r"(?<![\w-])(?:days?|d)[ \t]*+[-+]?\d{1,3}(?:[ \t]*+(?:-|to|and|&)[ \t]*+[-+]?\d{1,3})?[ \t]*+:?[ \t]*+$",
    re.IGNORECASE,
)
_DAY_LABEL_REACH = 30


def _day_label_start(norm: str, position: int) -> int:
    """Return where a day label written right before the dose at `position` starts, else `position`."""
    label = _DAY_LABEL_BEFORE.search(norm, max(0, position - _DAY_LABEL_REACH), position)
    return label.start() if label else position


def _own_start(norm: str, previous_end: int, position: int) -> int:
    """Return where a dose's own words start: at "followed every 3 weeks by" before it, else its clause."""
    step = _NEXT_STEP.search(norm, previous_end, position)
    return step.start() if step else _clause_start(norm, previous_end, position)


def _clause_start(norm: str, previous_end: int, position: int) -> int:
    """Return where the clause holding a dose starts when a clause boundary separates it from the previous
    dose: "Day 1: 100 mg; Days 2-5: 50 mg" gives 50 mg its "Days 2-5"; without a boundary ("15 mg/m2 on
    day +1, 10mg/m2 on day +3") the words before a dose are the previous dose's."""
    boundaries = list(SENTENCE_END.finditer(norm, previous_end, position))
    return boundaries[-1].end() if boundaries else position


def _own_doses(cut: Cut, key: str, span: Span) -> tuple[list[Dose], list[Dose]]:
    """Split the segment's doses into the drug's own and those after a name the lexicon does not know:
    in "leucovorin 400 mg/m2, 5-FU 400 mg/m2 bolus then 2400 mg/m2" the last two are not leucovorin's."""
    start, end = span
    named = next((m.end for m in cut.mentions if start <= m.start < end and m.key == key), None)
    previous = start if named is None else named
    doses = [d for d in cut.doses_in(start, end) if d.limit is None]
    if named is None and doses and any(m.key == key for m in cut.mentions):
        # A text's opening words, before it names the drug further on: "the conditioning regimen involved
        # Ara-C 2g/m2 ... ATG 2.5mg/kg/d" (NCT05739630, the ATG intervention) doses the name written right
        # before the dose, not ATG. A text that never names its drug ("ATO 0.3mg/kg/day" for arsenic
        # trioxide) still doses it.
        name = _NAME_BEFORE_DOSE.search(cut.norm, start, doses[0].start)
        if name and not _ALLOWED_BEFORE_DOSE.fullmatch(name.group("word")):
            return [], doses
    for i, dose in enumerate(doses):
        if i and _other_name_in_later_sentence(cut.norm, previous, dose.start):
            return doses[:i], doses[i:]
        if _solution_of_another(cut, key, dose):
            return doses[:i], doses[i:]
        item = _NEW_ITEM.search(cut.norm, previous, dose.start)
        word = item and (item.group("word") or item.group("lower") or item.group("acronym"))
        lower = item and item.group("lower")
        if (
            word
            and not _ALLOWED_BEFORE_DOSE.fullmatch(word)
            and not (lower and _DOSING_WORDS.fullmatch(lower))
            and not (item and item.group("acronym") and _DAY_CODE.fullmatch(word))
        ):
            return doses[:i], doses[i:]
        if (
            _next_component(cut, key, previous, dose.start)
            or _names_another(cut.norm, previous, dose.start)
            or _named_by_form(cut, key, previous, dose.start)
            or _code_opens_sentence(cut, key, previous, dose.start)
        ):
            return doses[:i], doses[i:]
        previous = dose.end
    return doses, []


def _item_start(norm: str, previous: int, position: int) -> int:
    """Return where the other substance's item before the dose at `position` starts: its separator."""
    item = _NEW_ITEM.search(norm, previous, position) or _NEW_ITEM_WORDS.search(norm, previous, position)
    return item.start() if item else position


def _next_component(cut: Cut, key: str, previous: int, position: int) -> bool:
    """Return True when a dose follows a "/" and a name that is not this drug's, right after the dose before:
    in "emtricitabine 200 mg/tenofovir disoproxil fumarate 300 mg" the 300 mg is tenofovir's."""
    if previous <= 0 or not cut.norm[previous - 1].isalnum():
        return False
    component = COMBINATION_NEXT.match(cut.norm, previous)
    if component is None or component.end() != position:
        return False
    named = component.start("name")
    return not any(m.start == named and m.key == key for m in cut.mentions)


def _names_another(norm: str, previous: int, position: int) -> bool:
    """Return True when the words right before a dose, after a list separator, are a route and a word or two
    words that are no dosing words: "Vitamin B12 2.2 mcg OD daily and oral iron 25 mg" doses iron."""
    item = _NEW_ITEM_WORDS.search(norm, previous, position)
    if item is None or not (item.group("route") or item.group("pre")):
        return False
    words = [w.strip() for w in (item.group("pre"), item.group("last")) if w]
    return not any(
        w.lower() in _FUNCTION_WORDS or _ALLOWED_BEFORE_DOSE.fullmatch(w) or _DOSING_WORDS.fullmatch(w)
        for w in words
    )


def _solution_of_another(cut: Cut, key: str, dose: Dose) -> bool:
    """Return True when a dose is the volume of a solution the text names after it, and that is not this
    drug: "30mL of 0.25% bupivacaine" (NCT05029726) in a passage on clonidine is no dose of clonidine."""
    solution = _SOLUTION_AFTER.match(cut.norm, dose.end)
    if solution is None:
        return False
    named = solution.start("name")
    return not any(m.start == named and m.key == key for m in cut.mentions)


def _other_name_in_later_sentence(norm: str, previous: int, position: int) -> bool:
    """Return True when a dose in a later sentence than the drug's last dose follows a lower-case word that
    is not a dosing word: "Drugx 10 mg daily. Patients also take metformin 500 mg" doses metformin."""
    if not SENTENCE_END.search(norm, previous, position):
        return False
    word = _LOWER_BEFORE_DOSE.search(norm, max(previous, position - 40), position)
    if word is not None and not _DOSING_WORDS.fullmatch(word.group("lower")):
        return True
    # "Drugx 100 mg once daily. Ibuprofen 400 mg as needed for pain.": a sentence opening with a name
    opening = _SENTENCE_NAME_BEFORE_DOSE.search(norm, max(previous, position - 40), position)
    return opening is not None and not _is_dosing_word(opening.group("word"))


def _code_opens_sentence(cut: Cut, key: str, previous: int, position: int) -> bool:
    """Return True when a sentence between the drug's name or last dose and this dose has for subject an
    upper-case code that is not this drug's name, or a placebo: "Obinutuzumab (1000 mg/day) was administered
    on days 13 and 12 prior to the first day of NAP. NAP was administered ... at daily doses of 10 ug/kg"
    doses NAP. Each sentence start is tried once per dose gap, so the scan stays linear."""
    for boundary in SENTENCE_END.finditer(cut.norm, previous, position):
        subject = _CODE_SUBJECT.match(cut.norm, boundary.end(), position)
        if subject is None or _is_dosing_word(subject.group("code")):
            continue
        if not any(m.start == subject.start("code") and m.key == key for m in cut.mentions):
            return True
    return False


def _is_dosing_word(word: str) -> bool:
    return bool(_ALLOWED_BEFORE_DOSE.fullmatch(word) or _DOSING_WORDS.fullmatch(word)) or (
        word.lower() in _FUNCTION_WORDS
    )


def _named_by_form(cut: Cut, key: str, previous: int, position: int) -> bool:
    """Return True when a dosage-form prefix and a name not this drug's stand right before the dose: "TAB.
    ONDANSETRON 8 MG" or "Inj. Granisetron 1 mg" after a capecitabine or gemcitabine dose."""
    item = _FORM_ITEM.search(cut.norm, previous, position)
    if item is None or _is_dosing_word(item.group("name")):
        return False
    return not any(m.start == item.start("name") and m.key == key for m in cut.mentions)


def _gap(norm: str, doses: list[Dose], index: int) -> str:
    """Return the words between two doses, less frequency words and a route leading the second ("1200 mg or
    subcutaneously at a dosage of 1875 mg" are alternatives)."""
    gap = _FREQUENCY_WORD.sub("", norm[doses[index - 1].end : doses[index].start])
    return _ROUTE_LEAD.sub("", gap)


def _lead_route(norm: str, routes: tuple[Found[str], ...], dose: Dose) -> Found[str] | None:
    """Return the route written right before a dose, with only "at a dose of" between ("intravenously at a
    dosage of 1200mg or subcutaneously at a dosage of 1875 mg", NCT05798663): that dose's route."""
    before = [r for r in routes if r.end <= dose.start and dose.start - r.end <= _LEAD_REACH]
    if not before:
        return None
    route = max(before, key=lambda r: r.end)
    return route if _LEAD_WORDS.fullmatch(norm, route.end, dose.start) else None


def _with_facts(
    entry: Entry,
    facts: Facts,
    norm: str,
    *,
    own: Span,
    head: Span,
    lead: Found[str] | None = None,
    skip: frozenset[int] | set[int] = frozenset(),
) -> Entry:
    """Return the entry with its schedule: from its own text, else from the segment's shared head; with
    where each fact it took is written (`read_at`), so the facts no dose takes can be reported. A route
    written right before a dose (`lead`: "intravenously at a dosage of 1200 mg") is that dose's; those of
    the other doses (`skip`) are never this one's."""
    spans = (own, head)
    routes = (
        [lead] if lead else _pick(tuple(r for r in facts.routes if r.start not in skip), spans, every=True)
    )
    frequency = _pick(facts.frequencies, spans)
    times = _pick(facts.times, spans, every=True)
    days = _joined_days(norm, _pick(facts.days, spans, every=True))
    cycles = _pick(facts.cycles, spans)
    duration = _pick(facts.durations, spans)
    weekly = _pick(facts.weekly, spans)
    offsets = [Found(o.start, o.start, o) for o in facts.offsets if o.target != entry.key]
    offset = _pick(tuple(offsets), spans)
    taken: list[Found[Any]] = [*routes, *frequency, *times, *days, *cycles, *duration, *weekly, *offset]
    return replace(
        entry,
        route=" or ".join(sorted({f.value for f in routes})) or None,
        frequency=frequency[0].value if frequency else None,
        times=tuple(dict.fromkeys(f.value for f in times)) or None,
        days=tuple(sorted({d for f in days for d in f.value})) or None,
        cycles=cycles[0].value if cycles else None,
        duration=duration[0].value if duration else None,
        weekly=weekly[0].value if weekly else None,
        offset=offset[0].value if offset else None,
        read_at=tuple(sorted({f.start for f in taken})),
    )


def _joined_days(norm: str, days: list[Found[tuple[int, ...]]]) -> list[Found[tuple[int, ...]]]:
    """Return a dose's day lists: the first, and each next one joined to it by connecting words only ("on
    days 1-5 of each cycle and on days 8-12") or written after "and on" ("on day 1 of each 21-day cycle
    (Arms A and B), and on days 1 and 22 of concurrent chemoradiotherapy", NCT05798663). In "Fludarabine
    30mg/m2 day -7 to -3 Total marrow irradiation day-5 to -3 PBSC: day 0" (NCT05870995) the later lists
    are other items'."""
    kept = days[:1]
    for found in days[1:]:
        start = kept[-1].end
        joined = _DAY_LIST_GAP.fullmatch(norm, start, found.start) or _DAY_LIST_JOIN.search(
            norm, max(start, found.start - 20), found.start
        )
        if not joined:
            break
        kept.append(found)
    return kept


def _pick(found: tuple[Found[T], ...], spans: tuple[Span, ...], *, every: bool = False) -> list[Found[T]]:
    """Return the facts written in the first span that has any: all of them, or the first."""
    for start, end in spans:
        hits = [f for f in found if start <= f.start < end]
        if hits:
            return hits if every else hits[:1]
    return []


def _share_within(entries: list[Entry]) -> list[Entry]:
    """Give alternatives the schedule written once after the last of them ("60 or 40 mg daily"), and every
    dose of the segment the route written for one of them (the drug's route does not change by dose)."""
    routes = {e.route for e in entries if e.route}
    route = next(iter(routes)) if len(routes) == 1 else None
    shared: list[Entry] = []
    for entry in entries:
        routed = replace(entry, route=route) if entry.route is None and route is not None else entry
        if entry.choice is not None:
            routed = _shared_by_alternatives(routed, [e for e in entries if e.choice == entry.choice])
        shared.append(routed)
    return shared


def _shared_by_alternatives(entry: Entry, group: list[Entry]) -> Entry:
    last = group[-1]
    if last.start != entry.start:
        entry = replace(
            entry,
            frequency=entry.frequency or last.frequency,
            days=entry.days if entry.days is not None else last.days,
            cycles=entry.cycles or last.cycles,
        )
    condition = entry.condition or next((e.condition for e in group if e.condition), None)
    return replace(entry, condition=condition)


# "DAYS 8 to 14: raltegravir 400 mg BID PLUS amlodipine 5 mg OD" (NCT01841593): an item headed by its days.
_DAYS_HEADED = re.compile(
    r"days?[ \t]++\d{1,3}(?:[ \t]*+(?:-|to|through)[ \t]*+\d{1,3})?[ \t]*+:", re.IGNORECASE
)
_HEADING_JOIN_REACH = 40


def share_heading_days(cut: Cut, entries: list[Entry]) -> list[Entry]:
    """Give a drug with no days the days that head the item of the drug it is joined to ("DAYS 8 to 14:
    raltegravir 400 mg BID PLUS amlodipine 5 mg OD": both drugs on days 8 to 14), within the sentence."""
    norm = cut.norm
    shared = list(entries)
    for i in range(1, len(entries)):
        entry, before = entries[i], shared[i - 1]
        if entry.days is not None or before.days is None or before.key == entry.key:
            continue
        if not _DAYS_HEADED.match(norm, before.segment_start):
            continue
        joined_at = entry.segment_start
        if SENTENCE_END.search(norm, before.start, joined_at) or not _COORDINATOR_END.search(
            norm, max(0, joined_at - _HEADING_JOIN_REACH), joined_at
        ):
            continue
        shared[i] = replace(entry, days=before.days)
    return shared


def share_sentence_tails(cut: Cut, entries: list[Entry]) -> list[Entry]:
    """Give a drug the days and frequency written after the next drug of the same sentence when it has
    none ("CT-2103 (175 mg/m2) and carboplatin (AUC 6) on day 1 of each cycle"), with the words that say
    so. Not when the drug has a route of its own that the tail's drug does not share ("docetaxel 75 mg/m2
    IV and capecitabine 1000 mg/m2 PO BID on days 1-14": the days are capecitabine's), nor when the
    sentence pairs them "respectively"."""
    norm = cut.norm
    shared = list(entries)
    for i, entry in enumerate(entries[:-1]):
        following = entries[i + 1]
        if following.key == entry.key or entry.days is not None or entry.frequency is not None:
            continue
        joined_at = following.segment_start
        if SENTENCE_END.search(norm, entry.start, joined_at) or not _COORDINATOR_END.search(
            norm, max(0, joined_at - _COORDINATOR_REACH), joined_at
        ):
            continue
        if entry.dose is not None and _GIVING_VERB.search(norm, entry.dose.end, joined_at):
            continue  # the drug's own clause says how it is given; the next drug's days are that drug's
        tail = next((e for e in entries[i + 1 :] if e.days is not None or e.frequency is not None), None)
        if tail is None or tail.key == entry.key or SENTENCE_END.search(norm, entry.start, tail.start):
            continue
        if entry.route and tail.route is None and (tail.dose is None or tail.dose.value is None):
            continue  # "AK104 15 mg/kg intravenously plus anlotinib 1-14 days of every 3-week cycle"
            # (NCT04646330): a drug named alone, with its own schedule right after it, is not the infusion's
        if (entry.route and tail.route and entry.route != tail.route) or _RESPECTIVELY.search(
            norm, tail.start, tail.end
        ):
            continue
        # "Mitoxantrone liposomes with 36mg/m2 and Bu 3.2mg/kg -5 to -4" (NCT05739630): the days are Bu's.
        if tail.dose is not None and SIGNED_DAYS_AFTER_DOSE.match(norm, tail.dose.end):
            continue
        # A daily dose ("CsA 3mg/kg/d from -8d,MMF 1g q12h") has its frequency: the next drug's is not it.
        frequency = None if entry.dose is not None and entry.dose.per_day else tail.frequency
        if tail.days is None and frequency is None:
            continue
        verbatim = verbatim_of(cut.text, entry.segment_start, tail.end)
        shared[i] = replace(entry, days=tail.days, frequency=frequency, verbatim=verbatim)
    return shared


def verbatim_of(text: str, start: int, end: int) -> str:
    """Return the segment as written, without its list marker and without the next item's heading that
    precedes the next drug's name ("\n2. Proteasome inhibitor:" before "Carfilzomib", NCT06158412)."""
    lines = _LIST_MARKER.sub("", text[start:end].strip()).split("\n")
    while len(lines) > 1 and _HEADING_LINE.match(lines[-1]):
        lines.pop()
    return unescape(_TRAILING_PUNCTUATION.sub("", "\n".join(lines)).strip())
