"""Find the schedule words of dosing text: routes, frequencies, days, durations, offsets, age conditions.

Each finder takes normalized text (doses.normalize) and returns (start, end, value) spans, so the regimen
parser can tell which dose a fact belongs to by where it is written. Plain results, no FHIR.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from fhir_adapter.text.regimen.model import Duration, Frequency

Value_co = TypeVar("Value_co", covariant=True)
WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "twenty-one": 21, "twenty-eight": 28,
}  # fmt: skip
COUNT = (
    r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|twenty-one|twenty-eight)"
)
_I = re.IGNORECASE

# Route words. "IV" is also a Roman numeral ("stage IV"), "orally active" is pharmacology, not a route.
ROUTE = re.compile(
    r"\b(?=[opbis])(?:(?P<oral>\b(?:orally|oral|p\.o\.?|PO|per\s+os|by\s+mouth)\b(?!\s+(?:active|available|bioavailab)))"
    r"|(?P<intravenous>\b(?:intravenous(?:ly)?|i\.v\b\.?|iv(?:\s*gtt)?)\b)"
    r"|(?P<subcutaneous>\b(?:subcutaneous(?:ly)?|sub-cutaneous(?:ly)?|s\.c\b\.?|sc|subq)\b)"
    r"|(?P<intramuscular>\b(?:intramuscular(?:ly)?|i\.m\b\.?|IM)\b)"
    r"|(?P<intrathecal>\bintrathecal(?:ly)?\b))",
    _I,
)
_ROMAN_CONTEXT = re.compile(r"(?:stage|grade|class|phase|type|cohort|arm|part|level|III|II|I)[\s-]*$", _I)
_CASE_SENSITIVE_ROUTES = {"po": "PO", "im": "IM"}

FREQUENCY = re.compile(
    r"\b(?=[tbi234fqoedws])(?:(?P<twice>\btwice[\s-]+(?:a\s+|per\s+)?da(?:il)?y\b|\b(?:two|2)\s+times\s+(?:(?:a|per)\s+day|daily)\b|\bBID\b|\bb\.i\.d\b\.?"
    r"|\bbis\s+in\s+die\b|\bin\s+(?:2|two)\s+(?:\w+\s+){0,2}doses\b|\bq12h\b|\bevery\s+12\s+hours\b)"
    r"|(?P<thrice>\bthree[\s-]+times[\s-]+(?:a\s+|per\s+)?da(?:il)?y\b|\b3\s+times\s+(?:a\s+|per\s+)?da(?:il)?y\b"
    r"|\bTID\b|\bt\.i\.d\b\.?|\bq8h\b"
    # "metformin 500mg TDS" (NCT05688332): ter die sumendum right after a dose in mg; alone, "TDS" may be a
    # transdermal system
    r"|(?:(?<=mg\s)|(?<=mg))(?-i:TDS)\b)"
    r"|(?P<four>\b(?:four|4)\s+times\s+(?:a\s+|per\s+)?da(?:il)?y\b|\bQID\b)"
    r"|(?P<twice_weekly>\btwice[\s-]+(?:a\s+|per\s+)?week(?:ly)?\b|\bBIW\b)"
    r"|(?P<weekly>\bonce[\s-]+(?:a\s+|per\s+|every\s+)?week(?:ly)?\b|\bweekly\b|\bevery\s+week\b|\bq\.?w\b\.?|\bq1w\b"
    r"|(?:(?<=kg/)|(?<=m2/)|(?<=mg/))week\b"
    r"|(?-i:\bOW\b))"
    rf"|(?P<every_weeks>\bevery\s+(?P<weeks>{COUNT})\s+weeks\b|\bq\s*(?P<qweeks>\d)\s*w(?:ks?)?\b"
    # "every other week (qow)" (NCT00158600): every 2 weeks.
    r"|(?P<other_week>\bevery\s+other\s+week\b|\bqow\b))"
    rf"|(?P<every_days>\bevery\s+(?P<days>{COUNT})\s+days\b|\bq(?P<qdays>\d{{1,2}})d\b)"
    # "once daily120 mg" (NCT05694260): the dose glued to "daily" still leaves it once daily
    r"|(?P<daily>\bonce[\s-]+(?:a\s+)?daily(?![A-Za-z])|\bonce\s+a\s+day\b|\bone\s+a\s+day\b|\bonce\s+per\s+day\b"
    # "on every Day 1" (NCT02795884) is a day of each cycle, not every day.
    r"|\bq\.?d\b\.?|\bqhs\b|\bdaily\b|\b(?:every|each)\s+day\b(?![ \t]*+[-+]?\d)"
    # "2.5 mg OD" (NCT06201611): once daily right after a dose in mg; alone, "OD" may be the right eye.
    r"|(?:(?<=mg\s)|(?<=mg))(?-i:OD)\b)"
    r"|(?P<once>\bsingle\s+(?:dose|infusion|injection|administration)\b|\bone\s+dose\s+of\b"
    # "once on Day 1 of every 3 weeks" (NCT05688605): once in each cycle, not a single dose
    r"|\bonce\b(?!\s+(?:a|per|every|daily|weekly)\b)"
    r"(?![ \t]++on[ \t]++days?[ \t]*+\d{1,3}[ \t]++of[ \t]++"
    r"(?:every|each|the[ \t]++\d{1,3}|a[ \t]++\d{1,3})\b)))",
    _I,
)

# "d" counts as "day" only glued to its number ("d1-21"): in "mg/kg BW/d 3 days" it means per day.
# "on Days\n\n1 to 21" (NCT04946890) is days 1 to 21, but "for 21 days\n2. Dose Level -1" (NCT03826992)
# is no day 2: a number opening a line with "." or ")" is a list marker.
# "day -21 to d -17" (NCT05870995): a "d" may stand a space before a signed number.
# "vit D3 60,000 IU" (NCT06443593) names a vitamin, not day 3.
_DAY = (
    r"(?:days?\.?\s*(?!(?<=\n)\d{1,2}[.)]\s)|(?<![\w/-])(?<!vitamin )(?<!vit )(?<!vit\. )d(?=[-+]?\d)"
    # "Cisplatinum 75 mg/m2 d 1 Pemetrexed" (NCT01742767): "d" and its day apart, right after a dose's unit
    r"|(?<![\w/-])d (?=[-+]\d)|(?:(?<=m2 )|(?<=kg )|(?<=mg ))d (?=\d{1,3}(?!\d)(?!\s*days?\b)))"
)
# "Days 1,8" is days 1 and 8 (NCT03986528); "1,250" (thousands) and "1,5 mg" (a decimal comma) are no days.
# "TWICE A DAY 30 MINUTES AFTER MEALS" (NCT06737822): a number of minutes or hours is no day either.
# "Day 15-Day 22" (NCT04747912) is a range of days; "21-day" alone is a length.
_NOT_A_DAY_AFTER = (
    r"\s*(?:mg|mcg|ug|g\b|iu\b|units?|%|ml|kg|-day(?![ \t]*+\d)|\s*day\s+cycle|min(?:ute)?s?\b|h(?:ou)?rs?\b"
    r"|hours?\b"
    # "on day 1-3, 3x10 drops on days 4-6" (NCT05690321): a multiplier's count starts the next dose, no day;
    # "Day 1 x 6 cycles" (NCT05605535) is day 1
    r"|x[ \t]*+\d{1,4}(?:[.,]\d{1,3})?[ \t]*+(?:drops?|gtts?|mg|ug|mcg|g|ml|tablets?|capsules?|puffs?)\b)"
)
_DAY_NUMBER = rf"[-+]?\d{{1,3}}(?![\d.]\d|\d|,\d{{3}}(?!\d)|(?:,\d+)?{_NOT_A_DAY_AFTER})"
# "day -21- to d -17" (NCT05870995): a stray hyphen before "to" still joins a range; "days 1~5" is one too.
_RANGE_JOIN = r"\s*+(?:-?\s*+(?:to|through|thru)|-|~)\s*"
# The end of a range may repeat "d" right after its "-": "D1-D3", "d1~d5" ("ACU-D1" alone is a code).
_DAY_END = r"(?:days?\.?\s*|d(?=[-+]?\d)|d (?=[-+]\d))"
# An item after "+" may write its "d" apart: "d 1 + d 8".
_DAY_APART = r"(?<=\+ )d (?=\d)"
_DAY_ITEM = rf"(?:{_DAY}|{_DAY_APART})?{_DAY_NUMBER}(?:{_RANGE_JOIN}(?:{_DAY_END})?{_DAY_NUMBER})?"
DAY_LIST = re.compile(
    rf"\b(?=[dD])(?:{_DAY}){_DAY_NUMBER}(?:{_RANGE_JOIN}(?:{_DAY_END})?{_DAY_NUMBER})?"
    # "d 1 + d 8": a "+" joins two days only when "d" follows it again
    rf"(?:\s*(?:,|and|&|/|\+(?=\s*d\s?\d))\s*(?:and\s+)?{_DAY_ITEM})*",
    _I,
)
_DAY_RANGE = re.compile(
    r"(?<!\d)([-+]?\d+)\s*+(?:-?\s*+(?:to|through|thru)|-|~)\s*(?:days?|d)?\.?\s*([-+]?\d+)", _I
)
_DAY_SINGLE = re.compile(r"[-+]?\d+")
# Days counted from a transplant, written bare right after a dose ("Bu 3.2mg/kg -5 to -4", "Ara-C 2g/m2 q12h
# -8", "MTX 15mg/m2 +1d, 10mg/m2 +3,+6,+11", NCT05739630): only numbers written with their sign, a range
# joined by "to" (never "-", which would read "-5-4" two ways), perhaps after a frequency code. A "from"
# or "starting" before them is no such list: nothing may stand between the dose and its days.
_SIGNED_DAY = r"[-+]\d{1,2}(?:d\b)?"
SIGNED_DAYS_AFTER_DOSE = re.compile(
    rf"(?<![ \t])[ \t]*(?:(?:q\d{{1,2}}h|bid|qd|daily)[ \t]+)?"
    rf"(?P<days>{_SIGNED_DAY}(?:[ \t]*(?:to|through|~)[ \t]*{_SIGNED_DAY}|(?:[ \t]*,[ \t]*{_SIGNED_DAY})+)?)"
    r"(?!\d|\.\d|[ \t]*(?:%|/|-|~|(?:to|through|x|mg|g|mcg|ug|ml|l|kg|iu|units?|h|hours?|min|minutes?"
    r"|days?|weeks?)\b))",
    _I,
)
_SIGNED_RANGE = re.compile(r"([-+]\d+)d?\s*(?:to|through|~)\s*([-+]\d+)", _I)
# "anlotinib 1-14days of every 3-week cycle" (NCT04646330): days of the cycle written without "day" before
# them; not "for 5-7 days of each cycle", a length.
CYCLE_DAY_RANGE = re.compile(
    r"(?<![\w.,/+-])(?P<low>\d{1,2})[ \t]*+(?:-|to)[ \t]*+(?P<high>\d{1,2})[ \t]*+days?[ \t]++of[ \t]++"
    r"(?:each|every|the|a|an)[ \t]++(?:[\w-]++[ \t]++)?(?:treatment[ \t]++)?(?:cycle|course)s?\b",
    _I,
)
# "cisplatin 75 mg/m2 on day one of 21-day cycle" (NCT03058094): one day written in words, alone (not "day
# one to five", left as text).
DAY_IN_WORDS = re.compile(
    r"\bday[ \t]++(?P<n>one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen)\b"
    r"(?![ \t]*+(?:-|to|through|thru|or|and)\b)(?!-)",
    _I,
)
_LENGTH_BEFORE = re.compile(r"\b(?:for|within|over|lasting|up\s+to)\s*$", _I)
FIRST_DAYS = re.compile(rf"\bthe\s+first\s+(?P<n>{COUNT})\s+days\b", _I)
CONSECUTIVE = re.compile(
    rf"\b(?P<n>{COUNT})\s+consecutive\s+days\s+(?:per|a|each|every)\s+week\s*(?:x|for)\s*(?P<weeks>{COUNT})"
    r"\s*(?:consecutive\s+)?weeks?\b",
    _I,
)

DURATION = re.compile(
    rf"\bfor\s+(?:a\s+total\s+(?:duration\s+)?of\s+|a\s+period\s+of\s+|up\s+to\s+)?(?P<n>{COUNT})\s+"
    # "60,80,100mg ... on day 1,8,15,22 for 28 days cycles" (NCT05698147): the cycle's length, not how long
    # the drug is given
    r"(?P<unit>day|week|month|year)s?\b(?![ \t]*+(?:cycles?|courses?)\b)",
    _I,
)
# "14g/m² BS, 3 days", "50mg/kg BW/d 2 days" (NCT01949129), "30 mg/m2 x 5 days": a length of treatment
# written right after a dose; not "2 days per week", "2 days before", "3 days later".
DURATION_AFTER_DOSE = re.compile(
    rf"(?<![ \t,;])[ \t,;]*(?:(?:for|x)[ \t]*)?(?<!\d)(?P<n>{COUNT})[ \t]*(?P<unit>day|week)s?\b"
    r"(?![ \t]*(?:per|a|an|each|every|of|prior|before|after|following|later|cycles?|courses?)\b)(?![-/])",
    _I,
)
# "in the morning", "every evening", "morning and evening", "at bedtime", "nightly".
TIME_OF_DAY = re.compile(
    r"\b(?:(?:in|during)[ \t]+the|every|each|at)[ \t]+(?P<one>morning|afternoon|evening|night|bedtime)s?\b"
    r"|\b(?P<first>morning|afternoon|evening)s?[ \t]+and[ \t]+(?:(?:in|at)[ \t]+the[ \t]+)?"
    r"(?P<second>morning|afternoon|evening|night|bedtime)s?\b"
    r"|\b(?P<nightly>nightly)\b",
    _I,
)
OFFSET = re.compile(
    rf"\b(?P<n>{COUNT})\s+(?P<unit>day|hour|week)s?\s+(?P<rel>prior\s+to|before|after|following)\b",
    _I,
)
AGE_CONDITION = re.compile(
    r"(?P<cmp>[<>≤≥]=?|older\s+than|younger\s+than|over|under)\s*(?P<age>\d{1,3})\s*(?:years?|yrs?|y)\b"
    r"(?:\s+(?:old|of\s+age))?",
    _I,
)
PLACEHOLDER = re.compile(
    r"\bspecified\s+dose(?:\s+on\s+specified\s+days)?\b|\bas\s+per\s+protocol\b|\bper\s+protocol\b"
    r"|\baccording\s+to\s+(?:the\s+)?(?:study\s+)?(?:protocol|instructions)\b|\bto\s+be\s+determined\b|\bTBD\b"
    r"|\bas\s+directed\b|\bselected\s+by\s+(?:the\s+)?(?:physician|investigator)\b",
    _I,
)
_AGE_COMPARATORS = {"older than": ">", "over": ">", "younger than": "<", "under": "<", "≤": "<=", "≥": ">="}
_AGE_COMPARATORS |= {"≤=": "<=", "≥=": ">="}
_SPACES = re.compile(r"\s+")
_UNIT_CODES = {"day": "d", "week": "wk", "month": "mo", "year": "a", "hour": "h"}


@dataclass(frozen=True)
class Found(Generic[Value_co]):
    """A schedule fact and where it is written."""

    start: int
    end: int
    value: Value_co


@dataclass(frozen=True)
class WeeklyPattern:
    """ "2 consecutive days per week x 3 weeks": `days_per_week` consecutive days in each of `weeks` weeks."""

    days_per_week: int
    weeks: int


@dataclass(frozen=True)
class OffsetPhrase:
    """ "two days prior to": `value` `unit` ('d', 'h', 'wk') `relation` ('before' | 'after') another event."""

    value: float
    unit: str
    relation: str
    text: str


def count(word: str) -> int:
    """Return a written count as a number.

    >>> count("two"), count("21")
    (2, 21)
    """
    return WORD_NUMBERS[word.lower()] if word.lower() in WORD_NUMBERS else int(word)


def find_routes(text: str) -> list[Found[str]]:
    """Return each route word ('oral', 'intravenous', ...) with its span.

    >>> [f.value for f in find_routes("4mg orally; stage IV; 75 mg/m2 SC or Iv gtt; orally active")]
    ['oral', 'subcutaneous', 'intravenous']
    """
    found = []
    for match in ROUTE.finditer(text):
        route = match.lastgroup or ""
        word = match.group().lower()
        if word in _CASE_SENSITIVE_ROUTES and match.group() != _CASE_SENSITIVE_ROUTES[word]:
            continue
        if route == "intravenous" and _ROMAN_CONTEXT.search(text, max(0, match.start() - 12), match.start()):
            continue
        found.append(Found(match.start(), match.end(), route))
    return found


def find_frequencies(text: str) -> list[Found[Frequency]]:
    """Return each frequency phrase as a Frequency.

    >>> [(f.value.times, f.value.period, f.value.unit) for f in find_frequencies("8 mg BID, daily, Q3W, q21d")
    ... ]
    [(2, 1, 'd'), (1, 1, 'd'), (1, 3, 'wk'), (1, 21, 'd')]
    >>> [(f.value.times, f.value.unit) for f in find_frequencies("Twice-daily; once-weekly; OW; ow")]
    [(2, 'd'), (1, 'wk'), (1, 'wk')]
    >>> [f.value.text for f in find_frequencies("2.5 mg OD, 600mg OD+ cap; 1 drop OD; mg od")]
    ['OD', 'OD']
    """
    found = []
    for match in FREQUENCY.finditer(text):
        kind = match.lastgroup if match.lastgroup in _FREQUENCY_KINDS else _kind(match)
        times, period, unit = _FREQUENCY_KINDS.get(kind, (1, 1, "d"))
        if kind == "every_weeks":
            period = 2 if match.group("other_week") else count(match.group("weeks") or match.group("qweeks"))
        elif kind == "every_days":
            period = count(match.group("days") or match.group("qdays"))
        frequency = Frequency(times, period, unit, match.group(), once=kind == "once")
        found.append(Found(match.start(), match.end(), frequency))
    return found


_FREQUENCY_KINDS = {
    "twice": (2, 1, "d"), "thrice": (3, 1, "d"), "four": (4, 1, "d"), "twice_weekly": (2, 1, "wk"),
    "weekly": (1, 1, "wk"), "every_weeks": (1, 0, "wk"), "every_days": (1, 0, "d"), "daily": (1, 1, "d"),
    "once": (1, 1, "d"),
}  # fmt: skip


def _kind(match: re.Match[str]) -> str:
    return next(name for name in _FREQUENCY_KINDS if match.group(name))


# Days that mark a start or an end, not a dosing day: "starting with day 8", "from day -7", "withdrawal on
# day +100" (NCT04318938, NCT04547049).
_NOT_DOSING_DAY = re.compile(
    r"(?:\bfrom|\bstart(?:ing|s|ed)?(?:\s+(?:with|on|from|at))?|\bbegin(?:ning|s)?(?:\s+(?:with|on|at))?|\bafter"
    r"|\buntil|\bthrough|\bby|\bup\s+to|\b(?:withdrawal|ended|ending|stopped|discontinued|tapered"
    # "initiate metronomic temozolomide on Cycle 1, Day 1" (NCT05698524): the first day, not the only one
    r"|initiat(?:e|es|ed|ing)|commenc(?:e|es|ed|ing))"
    r"(?:\s+\w+){0,3}\s+(?:on|by|at)"
    # "lymphodepletion ... prior to study day 0" (NCT05694364): the day a drug is given before is the
    # reference, not a dosing day; "30 minutes before Day 1 dosing" is given on that day
    # "up-titrated to target daily dose of 20 mg/kg/d at Cycle 1 Day 13" (NCT05694936): the day a titration
    # reaches its target, not a dosing day (the drug is given every day)
    r"|\b(?:target|titrat(?:e|es|ed|ing))\b[^.;()\n]{0,40}?\s(?:at|by)"
    r"|(?<!minutes\s)(?<!minute\s)(?<!hours\s)(?<!hour\s)(?<!min\s)(?<!hrs\s)"
    r"\b(?:prior\s+to|before)(?:\s+(?:the|study)){0,2})"
    # "continue until at least Day +86" (NCT01661400)
    r"(?:\s+(?:at\s+(?:least|most|the\s+latest)|approximately|about))?"
    r"(?:\s+cycle\s+\d{1,3}\s*,?)?\s*$",  # "starting on Cycle 1 Day 1"
    _I,
)


# "Filgrastim (Days 6 →)" (NCT00070200): from day 6 on, an open end; not day 6 alone.
# "on T0 (after baseline ...) and day 15" (NCT05696613): a day list joined by "and" / "or" to a time that
# is no day number (a day list's own "and" is inside its match) is part of a longer list the day numbers
# cannot write; reading day 15 alone would drop the other dose.
_JOINED_TO_OTHER_TIME = re.compile(r"\b(?:and|or)[ \t]+$", _I)
_OPEN_END_AFTER = re.compile(r"(?<![ \t])[ \t]*+(?:→|->|onwards?\b|and\s+(?:after|beyond|onwards?)\b)", _I)


def find_day_lists(text: str) -> list[Found[tuple[int, ...]]]:
    """Return each written list of day numbers, expanded.

    >>> [f.value for f in find_day_lists("d1-7; days 1, 8, 15, and 22; Day -5, Day -4; day +3, +6")]
    [(1, 2, 3, 4, 5, 6, 7), (1, 8, 15, 22), (-5, -4), (3, 6)]
    >>> [f.value for f in find_day_lists("on day +1, 10mg/m2 on day 1 and day 2 of cycle 1; Days 1- 7")]
    [(1,), (1, 2), (1, 2, 3, 4, 5, 6, 7)]
    >>> find_day_lists("50mg/kg BW/d 2 days; 21-day cycle; starting with day 8; from day -7; ACU-D1")
    []
    >>> find_day_lists("300 mg once daily starting on Cycle 1 Day 1")
    []
    >>> find_day_lists("850-1000MG/M2 TWICE A DAY 30 MINUTES AFTER MEALS FOR 14 DAYS; vit D3 60,000 IU")
    []
    >>> [f.value for f in find_day_lists("100 mg on Days 1-5 and 200 mg on Days 8-9")]
    [(1, 2, 3, 4, 5), (8, 9)]
    >>> [f.value for f in find_day_lists("5mg/m2 day -21 to d -17; 1g/m2 day -21- to d -17; d 5")]
    [(-21, -20, -19, -18, -17), (-21, -20, -19, -18, -17)]
    >>> [f.value for f in find_day_lists("D1-D3; d1~d5; days 1~3; ACU-D1")]
    [(1, 2, 3), (1, 2, 3, 4, 5), (1, 2, 3)]
    >>> [f.value for f in find_day_lists("X 1-3days of every 3-week cycle; Y for 5-7 days of each cycle")]
    [(1, 2, 3)]
    >>> [f.value for f in find_day_lists("Days 1 and 3 of Weeks 1-2; days 1 and 2 of each week")]
    [(1, 3, 8, 10)]
    >>> [f.value for f in find_day_lists("on day one of each cycle; Day 15-Day 22; day two or three")]
    [(1,), (15, 16, 17, 18, 19, 20, 21, 22)]
    >>> [f.value for f in find_day_lists("from Day 1 to 5; from day 8")]
    [(1, 2, 3, 4, 5)]
    """
    found = []
    for match in DAY_LIST.finditer(text):
        days = _expand(match.group())
        if days and _counted_back(text, match):
            continue
        if _OPEN_END_AFTER.match(text, match.end()) or _JOINED_TO_OTHER_TIME.search(
            text, max(0, match.start() - 5), match.start()
        ):
            continue
        if days and not _not_dosing(text, match):
            week = _OF_WEEKS.match(text, match.end())
            if week is None:
                found.append(Found(match.start(), match.end(), days))
            elif (weekly := _every_week(days, week)) is not None:
                found.append(Found(match.start(), week.end(), weekly))
    for match in CYCLE_DAY_RANGE.finditer(text):
        low, high = int(match.group("low")), int(match.group("high"))
        if low <= high and not _LENGTH_BEFORE.search(text, max(0, match.start() - 12), match.start()):
            found.append(Found(match.start(), match.end(), tuple(range(low, high + 1))))
    for match in DAY_IN_WORDS.finditer(text):
        if not _not_dosing(text, match):
            found.append(Found(match.start(), match.end(), (WORD_NUMBERS[match.group("n").lower()],)))
    for match in FIRST_DAYS.finditer(text):
        found.append(Found(match.start(), match.end(), tuple(range(1, count(match.group("n")) + 1))))
    return sorted(found, key=lambda f: f.start)


_OPEN_START = re.compile(
    r"(?:\bfrom|\bstart(?:ing|s|ed)?(?:\s+(?:with|on|from|at))?|\bbegin(?:ning|s)?(?:\s+(?:with|on|at))?"
    # "initiated on days 1-14": a closed range is the days given
    r"|\b(?:initiat(?:e|es|ed|ing)|commenc(?:e|es|ed|ing))(?:\s+\w+){0,3}\s+on(?:\s+cycle\s+\d{1,3}\s*,?)?)"
    r"\s*$",
    _I,
)


_NOT_DOSING_REACH = 60  # "initiate <two words> on Cycle 1, " before "Day 1"


def _not_dosing(text: str, match: re.Match[str]) -> bool:
    """Return True when the words before a day list make it no dosing day ("starting on day 8", "until day
    28"). A closed range after "from" is the days given: "from Day 1 to 14" (NCT05773092)."""
    before = _NOT_DOSING_DAY.search(text, max(0, match.start() - _NOT_DOSING_REACH), match.start())
    if before is None:
        return False
    return not (_OPEN_START.search(before.group()) and _DAY_RANGE.search(match.group()))


# "on days 13 and 12 prior to the first day of NAP" (NCT03983954): days counted back from another event, not
# days of the cycle.
_BEFORE_EVENT = re.compile(r"(?<![ \t])[ \t]*+(?:prior[ \t]++to|before)\b", _I)
_DIGITS = re.compile(r"\d+")
_SIGNED_DAY_WRITTEN = re.compile(r"\bd(?:ays?)?\s*[-+]\d", _I)


def _counted_back(text: str, match: re.Match[str]) -> bool:
    """Return True when a day list written in falling order is followed by "prior to" or "before". Signed
    days rise to the event: "on Day -12 and Day -5 prior to the 1st FT538 infusion" (NCT04714372) are the
    days -12 and -5, already counted from it."""
    if _SIGNED_DAY_WRITTEN.search(match.group()):
        return False
    numbers = [int(n) for n in _DIGITS.findall(match.group())]
    falling = len(numbers) > 1 and numbers[0] > numbers[-1]
    return falling and _BEFORE_EVENT.match(text, match.end()) is not None


# "Days 1 and 3 of each week of 4-week treatment cycles", "Days 1 and 3 (e.g., Monday and Wednesday) of
# Weeks 1-4" (NCT02227251): days of the week, repeated each week. Bounded, so linear.
_OF_WEEKS = re.compile(
    rf"(?<!\s)\s*+(?:\([^()\n]{{0,120}}\)\s*+)?of\s++(?:weeks?\s++(?P<low>\d)\s*+(?:-|to|through)\s*+(?P<high>\d)\b"
    rf"|(?:each|every)\s++week\b(?:\s++of\s++(?:(?:a|the)\s++)?(?:each\s++)?(?P<weeks>{COUNT})[- ]week\b)?)",
    _I,
)


_MAX_WEEKS = 12


def _every_week(days: tuple[int, ...], week: re.Match[str]) -> tuple[int, ...] | None:
    """Return the days of the cycle that days of the week given each week make; None when the number of
    weeks is not written (the days of the cycle cannot be told) or a day is no day of a week.

    >>> [_every_week((1, 3), m) for m in _OF_WEEKS.finditer(" of each week of 2-week cycles; of each week")]
    [(1, 3, 8, 10), None]
    """
    if not days or min(days) < 1 or max(days) > 7:
        return None
    if week.group("low"):
        weeks = range(int(week.group("low")), int(week.group("high")) + 1)
    elif week.group("weeks"):
        weeks = range(1, count(week.group("weeks")) + 1)
    else:
        return None
    if len(weeks) > _MAX_WEEKS:  # not a cycle's weeks ("of each week of 100000-week ..."): no days
        return None
    return tuple(7 * (w - 1) + d for w in weeks for d in days)


def find_signed_days_after(text: str, positions: Iterable[int]) -> list[Found[tuple[int, ...]]]:
    """Return each list of signed day numbers written right after one of `positions` (where doses end).

    >>> text = "Bu 3.2mg/kg -5 to -4, Ara-C 2g/m2 q12h -8, MTX 15mg/m2 +1d, 10mg/m2 +3,+6,+11, 3mg/kg from -8"
    >>> ends = [text.index(d) + len(d) for d in ("3.2mg/kg", "2g/m2", "15mg/m2", "10mg/m2", "3mg/kg ")]
    >>> [f.value for f in find_signed_days_after(text, ends)]
    [(-5, -4), (-8,), (1,), (3, 6, 11)]
    >>> find_signed_days_after("10 mg -5 mg; 5 mg -3 to 4; 2 mg +2.5; 1 mg -3 days", [5, 17, 31, 41])
    []
    >>> [f.value for f in find_signed_days_after("ATG 2.5mg/kg/d -5 to -2.", [14])]
    [(-5, -4, -3, -2)]
    """
    found = []
    for position in positions:
        match = SIGNED_DAYS_AFTER_DOSE.match(text, position)
        if not match:
            continue
        written = match.group("days")
        span = _SIGNED_RANGE.fullmatch(written)
        if span:
            low, high = int(span.group(1)), int(span.group(2))
            days = tuple(range(low, high + 1)) if low <= high else ()
        else:
            days = tuple(sorted({int(n) for n in _DAY_SINGLE.findall(written)}))
        if days:
            found.append(Found(match.start("days"), match.end("days"), days))
    return found


def _expand(written: str) -> tuple[int, ...]:
    days: list[int] = []
    rest = written
    for match in _DAY_RANGE.finditer(written):
        low, high = int(match.group(1)), int(match.group(2))
        if high < low or high - low > 366:
            return ()
        days.extend(range(low, high + 1))
        rest = rest.replace(match.group(), " ", 1)
    days.extend(int(number) for number in _DAY_SINGLE.findall(rest))
    return tuple(sorted(set(days)))


def find_durations(text: str) -> list[Found[Duration]]:
    """Return each "for N days/weeks/months/years" as a Duration.

    >>> text = "for 3 days; for a total duration of 2 years; for 28 days cycles"
    >>> [f.value.text for f in find_durations(text)]
    ['for 3 days', 'for a total duration of 2 years']
    """
    return [
        Found(
            m.start(), m.end(), Duration(count(m.group("n")), _UNIT_CODES[m.group("unit").lower()], m.group())
        )
        for m in DURATION.finditer(text)
    ]


def find_durations_after(text: str, positions: Iterable[int]) -> list[Found[Duration]]:
    """Return each length of treatment written right after one of `positions` (where doses end).

    >>> text = "14g/m2 BS, 3 days; 50mg/kg BW/d 2 days; 20 mg 2 days per week; 5 mg x 5 days"
    >>> ends = [text.index(dose) + len(dose) for dose in ("BS", "BW/d", "20 mg", "5 mg")]
    >>> [f.value.text for f in find_durations_after(text, ends)]
    ['3 days', '2 days', 'x 5 days']
    """
    found = []
    for position in positions:
        match = DURATION_AFTER_DOSE.match(text, position)
        if match:
            written = match.group().strip(" \t,;")
            duration = Duration(count(match.group("n")), _UNIT_CODES[match.group("unit").lower()], written)
            found.append(Found(match.end() - len(written), match.end(), duration))
    return found


def find_times_of_day(text: str) -> list[Found[str]]:
    """Return each time of day a dose is given at: 'morning', 'afternoon', 'evening', 'night', 'bedtime'.

    >>> [f.value for f in find_times_of_day("in the morning; morning and evening; nightly; good morning")]
    ['morning', 'morning', 'evening', 'night']
    """
    found = []
    for match in TIME_OF_DAY.finditer(text):
        for name in ("one", "first", "second"):
            if match.group(name):
                found.append(Found(match.start(name), match.end(name), match.group(name).lower()))
        if match.group("nightly"):
            found.append(Found(match.start(), match.end(), "night"))
    return found


def age_condition(text: str) -> tuple[str, float] | None:
    """Return (comparator, years) when `text` is an age condition such as "≤75 years" or "> 75 years".

    >>> age_condition("≤75 years"), age_condition(" >75 years"), age_condition("Cohort 4")
    (('<=', 75.0), ('>', 75.0), None)
    """
    match = AGE_CONDITION.search(text)
    if not match:
        return None
    written = _SPACES.sub(" ", match.group("cmp").lower())
    return _AGE_COMPARATORS.get(written, written), float(match.group("age"))


def unit_code(word: str) -> str:
    """Return the short unit code ('d', 'wk', 'mo', 'a', 'h') of a time word."""
    return _UNIT_CODES[word.lower().rstrip("s")]


def find_weekly_patterns(text: str) -> list[Found[WeeklyPattern]]:
    """Return each "N consecutive days per week x M weeks".

    >>> [f.value for f in find_weekly_patterns("27mg/m2 2 consecutive days per week x 3 weeks")]
    [WeeklyPattern(days_per_week=2, weeks=3)]
    """
    return [
        Found(m.start(), m.end(), WeeklyPattern(count(m.group("n")), count(m.group("weeks"))))
        for m in CONSECUTIVE.finditer(text)
    ]


def find_offsets(text: str) -> list[Found[OffsetPhrase]]:
    """Return each "N days/hours/weeks before/after" phrase.

    >>> [f.value for f in find_offsets("two days prior to carfilzomib")]
    [OffsetPhrase(value=2.0, unit='d', relation='before', text='two days prior to')]
    """
    found = []
    for m in OFFSET.finditer(text):
        relation = "after" if m.group("rel").lower() in ("after", "following") else "before"
        phrase = OffsetPhrase(float(count(m.group("n"))), unit_code(m.group("unit")), relation, m.group())
        found.append(Found(m.start(), m.end(), phrase))
    return found
