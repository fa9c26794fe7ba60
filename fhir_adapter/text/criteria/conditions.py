"""Which thresholds of a criterion hold only for a subgroup or at another time, each with its own condition.

The qualifier pass of logic.py (docs/eligibility-r4.md points 2-3): a subgroup or time-point phrase ("for
participants >= 60 years", "if liver metastases", "Male:", "(age >= 16 years)", "at diagnosis") conditions
the threshold it governs, and only that one, so the threshold for everyone else stays apart from the
subgroup's; an age inside such a phrase defines the subgroup and is not a fact; a permission's condition is
no limit; disjoint age bands name subgroups; an exclusion "A and B" is kept whole.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import replace
from heapq import heappop, heappush
from itertools import pairwise

from fhir_adapter.text.criteria.measures import ANY_MEASURE, NAMED_ONLY, NOT_AFTER_PERMISSION
from fhir_adapter.text.criteria.model import Fact, Found
from fhir_adapter.text.criteria.words import COMPARATOR, NUMBER, parse_number
from fhir_adapter.text.first_chars import guarded

Span = tuple[int, int]

_TIME_POINT_WORDS = (
    r"\bat\s+(?:the\s+)?(?:time\s+of\s+)?(?:(?:initial|original|first|primary)\s+)?"
    # "Skeletally mature adults >=22 and <=80 years at the time of surgery" (NCT06462729): the surgery is a
    # time to come, so is the age then
    r"(?:diagnosis|hsct|(?:stem[- ]cell\s+|bone[- ]marrow\s+)?transplant(?:ation)?|onset|surgery)\b"
    # "WBC > 20 x 10^9/L before using hydroxyurea" (NCT04946890): the value before a named drug, not now;
    # "before starting study treatment" is when everyone's screening value is taken, so not a time point
    r"|\bbefore\s+(?:using|the\s+use\s+of)\s+(?!(?:the\s+|any\s+)?(?:study|trial|investigational|treatment|therapy)\b)"
    r"(?=[a-z])"
    # "Expected to develop neutropenia (ANC <500 cells/uL) ... following chemotherapy" (NCT00739934): a value
    # the patient is to have later, not now
    r"|\b(?:expected|anticipated|likely|predicted)\s+to\s+develop\b"
)
QUALIFIER = re.compile(
    r"\b(?:for|in|among)\s+(?:the\s+)?(?:patients?|subjects?|participants?|individuals?|those|women|men|males?|"
    r"females?|children|adults?|adolescents?|persons?|people|cases?|infants?)\b"
    # "more than 460 ms in males and females" (NCT07040059): both sexes are everyone, no subgroup
    r"(?!\s*+(?:and|or|&|/|and/or)\s*+(?:males?|females?|men|women)\b)"
    r"|\bin\s+(?:the\s+)?(?:presence|absence|case|setting)\s+of\b"
    # "QTc >460 msec if the measurement is confirmed with an additional ECG" (NCT05693129): a confirmation of
    # the measurement itself, everyone's, not a subgroup; bounded words, so linear
    r"|\bif\b(?!(?:\s++(?:the|this|it|such|an?|measurements?|values?|results?|readings?|findings?|is|are|was|"
    r"abnormality|prolongation)){0,4}\s++(?:confirmed|repeated|verified|reproduced)\b)"
    # "... has signed the informed consent form if indicated" (NCT00504075): "if" and a bare participle or
    # adjective ("if applicable", "if necessary") says when a step is needed, and names no subgroup
    r"(?!\s++(?:indicated|applicable|appropriate|necessary|needed|required|available|possible|feasible)\b)"
    r"|\b(?:unless|except)\b"
    r"|\b(?:males?|females?|men|women)\s*:"
    # "Subjects < 16 years of age: lansky >= 50%" (NCT05705570): an age band labels the value after it
    r"|\b(?:subjects?|patients?|participants?|children|adolescents?|adults?)\s++(?:aged\s++)?"
    r"(?:[<>≤≥]=?|=<|=>)\s*+\d{1,3}\s*+(?:years?|yrs?)(?:\s++(?:of\s++age|old))?\s*+:"
    r"|\bgilbert"
    r"|\b(?:liver|hepatic)\s+(?:metastas[ie]s|involvement)"
    r"|\((?=\s*(?:ages?|aged)\b)[^()\n]{0,40}\)"
    # "Age 4 to <8 years (phase 1) or ...": the part of the study, or cohort, the patient enters
    r"|\(\s*+(?:phase|part|cohort|arm)\s++(?:\d{1,2}|[IVX]{1,4}|[A-H])\s*+\)"
    # "0, 1 or 2 for dose escalation, and 0 or 1 for dose expansion" (NCT05382559): a part of the study
    r"|\bfor\s+(?:the\s+)?(?:dose[- ])?(?:escalation|expansion)\b"
    # "QTcB > 430ms（male）or > 450ms（female）" (NCT03058094): the full-width brackets of Chinese text too
    r"|[(（]\s*(?:males?|females?|men|women)\s*[)）]"
    # "women >= 470 ms" names a subgroup; "Male or female >= 18 years" names who may enrol
    r"|(?<!\bor )(?<!\band )\b(?:males?|females?|men|women)\b(?=\s*+(?:[<>≤≥]|=<|=>))"
    # "male hemoglobin <130 g/L, non-pregnant female hemoglobin <120 g/L" (NCT05691257): a sex before the name
    # of a measure whose normal range differs by sex labels that limit
    r"|(?<!\bor )(?<!\band )\b(?:non-?pregnant\s++)?(?:males?|females?|men|women)\s++"
    r"(?=(?:ha?emoglobin|hb|hgb|ha?ematocrit|hct|creatinine|qtc\w{0,2})\b)"
    rf"|{_TIME_POINT_WORDS}",
    re.IGNORECASE,
)
# A time point other than now: the threshold is the patient's value then ("age at diagnosis <= 18 years").
_TIME_POINT = re.compile(_TIME_POINT_WORDS, re.IGNORECASE)
# A qualifier governs a threshold in its own clause: not across a ";" (unless "; or"), a line or a sentence.
# Nor across an inline list item's marker, a letter and ")" before a capital: "<=5 x ULN g) Alanine
# aminotransferase (ALT) ... <=2.5 x ULN" (NCT05695898) - the item after it is not in the subgroup's words.
BOUNDARY = re.compile(r";(?!\s*or\b)|\n|\.\s+[A-Z]|(?<=\s)[a-z]\)\s++(?=[A-Z])")
_REACH_LEFT = 80
_SEX = re.compile(r"(?:non-?pregnant\s++)?(?:males?|females?|men|women)\s*+:?\s*+", re.IGNORECASE)
# "A and B" in an exclusion: a bare "and" between two thresholds ("and/or" is either, so it is not one);
# matched on the stripped gap, so neither pattern starts with white space (linear).
_AND_WORDS = r"(?:and(?!/)|as\s+well\s+as|together\s+with|in\s+combination\s+with)"
_BOTH = re.compile(rf"(?:,\s*+)?{_AND_WORDS}", re.IGNORECASE)
_LISTED = re.compile(rf"(?:,\s*+)?{_AND_WORDS}?", re.IGNORECASE)
# Words between a threshold and a qualifier that start another clause: the qualifier is the next threshold's.
# A colon too: "bilirubin <= 1.5 x ULN with the following exception: Patients with known Gilbert disease or
# HCC: bilirubin <= 3 x ULN" (NCT05482516) - the subgroup is the 3 x ULN's, not the 1.5's.
_JOINED = re.compile(r"[,;:]|\b(?:or|and)\b", re.IGNORECASE)
_PHRASE_LIMIT = 160
_OR = re.compile(r"\bor\b", re.IGNORECASE)
_VALUE_MARK = re.compile(r"[<>≤≥\d]")
# A value written as a letter or a roman numeral after a class, grade or stage ("Child Pugh Class B and C",
# "NYHA class III"): a branch with a value of its own, though it has no digit.
_GRADED_VALUE = re.compile(r"\b(?i:class|grade|stage)\s++(?:[A-D]|[IV]{1,4})\b")
_HEADING_LIMIT = 160
_SUBGROUP_HEADING = re.compile(
    r"(?:for|in|among)\s+(?!all\b)(?:the\s+)?(?:patients?|participants?|subjects?|individuals?|those|women|men|"
    r"children|adults?|adolescents?|infants?|cohorts?|arms?|parts?|phases?|groups?)\b"
    # not "Stage III disease ... to include:", a criterion of its own
    r"|(?:part|cohort|arm|phase|group|module|sub-?study)\s*+[A-Z0-9IVX]{1,3}\b"
    r"|(?:dose[- ])?(?:escalation|expansion)\b",
    re.IGNORECASE,
)
# "Chloroquine (CQ) eligibility", "Eligibility for fMDA" over a list (NCT05690841): the items say who may
# receive that drug or intervention, so they hold for that subgroup, with or without the heading's ':'. Not
# the study's own eligibility ("Eligibility for the study:", "Trial eligibility"), nor a sentence.
_NOT_A_SUBGROUP = r"(?!(?:the\s+|this\s+)?(?:study|trial|protocol|enrol\w*|participation|inclusion)\b)"
_ELIGIBILITY_FOR = re.compile(
    rf"(?<![\w\-/]){_NOT_A_SUBGROUP}[A-Za-z][\w\-/]*+(?:\s++\([\w\-/ ]{{1,20}}\))?\s++eligibility\s*+:?"
    rf"|eligibility\s++(?:for|to\s++receive)\s++{_NOT_A_SUBGROUP}[\w\-/()]++(?:\s++[\w\-/()]++){{0,3}}\s*+:?",
    re.IGNORECASE,
)
_KIND_OF = {"transaminases": "ast"}
_NAMED_ONLY = {kind for kind, _ in NAMED_ONLY}
# A condition's words run to their clause's end (bracketed words kept) or where the next threshold starts
# ("for males or > 470 ms"); a time point's to the first number. Each alternative starts with its own
# character, so the match is linear.
_SUBGROUP_TAIL = re.compile(
    r"(?:[^();:,\n.\s]|\s(?!(?:or|and)\s+(?:[<>≤≥=\d]|(?:greater|more|higher|less|lower)\s+than\b)|in\s+which\s+case\b)"
    r"|\([^()\n]{0,80}\)|\.(?!\s|$))*",
    re.IGNORECASE,
)
# "for patients with liver metastases < 5 x ULN": the subgroup's words end where its own value starts.
_COMPARED = re.compile(rf"(?:{COMPARATOR})\s*+(?P<num>{NUMBER})", re.IGNORECASE)
_TIME_TAIL = re.compile(r"(?:[^();,\n.\s<>≤≥=\d]|\s|\.(?!\s|$))*")
_REACH_CLAUSE = 160
# From "if"/"unless" to the comma, "then", "or" or clause end that closes the condition.
# "Under the condition of INR <= 1.5, low-dose heparin ... is allowed" (NCT03799601) is a permission's
# condition too, never a limit on everyone.
# "unless X", "except in X": the words that say X is exempt, before the subgroup X (eligibility_variable.py's
# reading of a condition that keeps them: everyone not X).
_NEGATED = re.compile(r"(?:unless|except)\s++(?:(?:for|in|if|when)\s++)?", re.IGNORECASE)
_IF_CLAUSE = re.compile(
    # "On the premise that the ... (INR) is less than 1.5, low doses of heparin ... are allowed" (NCT04007835)
    rf"{NOT_AFTER_PERMISSION}\b(?:if|unless|(?:under|on)\s+(?:the\s+)?(?:conditions?|premise)\s+(?:of|that))\b"
    # a bracket inside the clause is read whole; a ")" it never opened closes the bracket the clause is in:
    # "AST <= 3 x ULN (<= 5 x ULN if liver metastases) ALT <= 3 x ULN" - the ALT limit is everyone's
    # "unless liver metastases are present in which case it must be <= 5 x ULN" (NCT02679963): the
    # subgroup's own value starts after "in which case", as after "then"
    r"(?:[^,;\n()]|\([^()\n]{0,40}\)){0,80}?(?=,|\)|\bthen\b|\bin\s+which\s+case\b|\bor\b|;|\n|\.\s|$)",
    re.IGNORECASE,
)


def subgroup_heading(text: str) -> str | None:
    """Return the subgroup a sub-heading names ("For patients with relapsed disease:", "Part B:", "Cohort 2
    (adolescents):", "Dose expansion only:", "Tafenoquine (TQ) eligibility"), without its ':', or None for any
    other text ("Patients must meet all of the following:", "For all patients:", "Laboratory values:"). The
    criteria under such a heading hold for that subgroup only."""
    stripped = text.strip()
    if len(stripped) <= _HEADING_LIMIT and _ELIGIBILITY_FOR.fullmatch(stripped):
        return stripped.rstrip(":").strip()
    if not stripped.endswith(":") or len(stripped) > _HEADING_LIMIT or not _SUBGROUP_HEADING.match(stripped):
        return None
    return stripped.rstrip(":").strip()


def with_subgroup(facts: tuple[Fact, ...], subgroup: str) -> tuple[Fact, ...]:
    """Return the facts with every fact not yet conditioned held for the sub-heading's subgroup."""
    return tuple(replace(f, condition=subgroup) if f.condition is None else f for f in facts)


def without_age_bands(facts: list[Fact]) -> list[Fact]:
    """Return the facts without age ranges that name subgroups: two or more that do not overlap and are not
    alternatives ("Children aged 5-8 years must have received 2 doses ... Children 9-11 years ... 1 dose",
    NCT02967393) cannot all be limits on one patient; each says whom the words after it are for."""
    bands = [f for f in facts if f.kind == "age" and f.low is not None and f.high is not None]
    if len(bands) < 2 or any(f.alternative for f in bands):
        return facts
    ordered = sorted(bands, key=lambda f: (f.low or 0.0, f.unit or ""))
    disjoint = all(a.unit == b.unit and (a.high or 0.0) < (b.low or 0.0) for a, b in pairwise(ordered))
    named = set(bands)  # a set: each fact is looked up once, not compared with every band
    return [f for f in facts if f not in named] if disjoint else facts


def joined_by_and(text: str, found: list[Found]) -> list[Found]:
    """Return an exclusion's facts with thresholds joined by a bare "and" ("Hemoglobin < 9 g/dL and platelet
    count < 75 x 10^9/L"; "A, B and C") each conditioned on the others: the criterion excludes a patient who
    has them all, and excluding each alone would be stricter than the text."""
    thresholds = sorted((f for f in found if f.fact.is_threshold), key=lambda f: f.start)
    chains: list[list[Found]] = []
    for index, item in enumerate(thresholds):
        gap = text[thresholds[index - 1].end : item.start] if index else ""
        if index and thresholds[index - 1].end <= item.start and _LISTED.fullmatch(gap.strip()):
            chains[-1].append(item)
        else:
            chains.append([item])
    together: dict[Span, str] = {}
    for chain in chains:
        last_gap = text[chain[-2].end : chain[-1].start] if len(chain) > 1 else ""
        if _BOTH.fullmatch(last_gap.strip()):
            for item in chain:
                together[(item.start, item.end)] = f"together with {_others_in(chain, item)}"
    return [
        f._replace(fact=replace(f.fact, condition=together[(f.start, f.end)]))
        if (f.start, f.end) in together and f.fact.condition is None
        else f
        for f in found
    ]


# A real "A, B and C" joins a handful of limits. Past this many, each fact's condition names how many others
# there are instead of quoting them all: quoting would make the output grow with the square of the text
# ("Hemoglobin < 9 g/dL and " repeated to 40 kB gave 1,417 facts, each quoting the other 1,416).
_MOST_OTHERS_QUOTED = 5


def _others_in(chain: list[Found], item: Found) -> str:
    """Return the words naming the other limits of `item`'s "and" chain: quoted if few, counted if many."""
    others = [o for o in chain if o is not item]
    if len(others) > _MOST_OTHERS_QUOTED:
        return f"the {len(others)} other limits joined by 'and' in this criterion"
    return "; ".join(o.fact.phrase.strip() for o in others)


def with_conditions(text: str, found: list[Found]) -> list[Found]:
    """Return the facts with the conditions of the subgroup or time-point phrases that govern them: each
    threshold carries its own ("ALT <= 2.5 x ULN (<= 5 x ULN for liver metastases)": only the 5 x ULN is the
    subgroup's), so a reader can tell the threshold for everyone else from the subgroup's."""
    qualifiers = [(q.start(), q.end()) for q in QUALIFIER.finditer(text)]  # in order, never overlapping
    # every look-up below is a bisect into positions sorted once, never a scan of all the facts: a text of
    # many qualifiers and thresholds ("ALT <= 5 x ULN in patients with liver metastases," 800 times) is read
    # in time linear in its length, not qualifiers x thresholds
    measures = _Thresholds([f for f in found if f.fact.kind != "age"], ())
    found = [f for f in found if not _defines_subgroup(text, f, qualifiers, measures)]
    clauses = [(c.start(), c.end()) for c in _IF_CLAUSE.finditer(text)] if found else []
    found = [f for f in found if not (f.fact.is_threshold and _in_if_clause(clauses, f))]
    thresholds = _Thresholds(found, (point for span in qualifiers for point in span))
    by_span: dict[Span, Span] = {}
    for span in qualifiers:
        for governed in _governed(text, thresholds, span):
            key = (governed.start, governed.end)
            if key not in by_span or _later_clause(text, by_span[key], span, governed):
                by_span[key] = span
    conditioned = [
        _conditioned(text, item, by_span[(item.start, item.end)], thresholds)
        if (item.start, item.end) in by_span and item.fact.is_threshold
        else item
        for item in found
        if (item.start, item.end) not in by_span
        or not _names_own_subgroup(text, item, by_span[(item.start, item.end)])
    ]
    band_ends = _band_ends(conditioned)
    return [item for item in conditioned if not _bands_subgroup(item, band_ends)]


class _Thresholds:
    """The thresholds among some facts, in the order given, indexed by where each starts and ends, so that a
    qualifier looks only at those within its reach (a bisect) or around its ends (`points`: the positions
    asked about, found in one sweep), never at all of them."""

    def __init__(self, found: Sequence[Found], points: Iterable[int]) -> None:
        self.items = [f for f in found if f.fact.is_threshold]
        self._by_start = sorted(range(len(self.items)), key=lambda i: self.items[i].start)
        self._starts = [self.items[i].start for i in self._by_start]
        self._by_end = sorted(range(len(self.items)), key=lambda i: self.items[i].end)
        self._ends = [self.items[i].end for i in self._by_end]
        self._ending_at: dict[int, list[int]] = {}
        for position, item in enumerate(self.items):
            self._ending_at.setdefault(item.end, []).append(position)
        self._around = _around(self.items, self._by_start, points)

    def starting(self, low: int, high: int) -> list[Found]:
        """Return the thresholds that start from `low` to `high` (both included), in the order given."""
        return self._chosen(self._by_start[bisect_left(self._starts, low) : bisect_right(self._starts, high)])

    def ending(self, low: int, high: int) -> list[Found]:
        """Return the thresholds that end from `low` to `high` (both included), in the order given."""
        return self._chosen(self._by_end[bisect_left(self._ends, low) : bisect_right(self._ends, high)])

    def ending_at(self, end: int) -> list[Found]:
        """Return the thresholds that end at `end`, in the order given."""
        return self._chosen(self._ending_at.get(end, []))

    def around(self, point: int) -> list[Found]:
        """Return the thresholds that start at or before `point` (one of `points`) and end after it."""
        return self._chosen(self._around[point])

    def ending_after(self, point: int, last_start: int) -> list[Found]:
        """Return the thresholds that end after `point` (one of `points`) and start at or before `last_start`:
        those around the point, and those that start after it, in the order given."""
        after = self._by_start[bisect_right(self._starts, point) : bisect_right(self._starts, last_start)]
        return self._chosen(self._around[point] + after)

    def _chosen(self, positions: list[int]) -> list[Found]:
        return [self.items[position] for position in sorted(positions)]


def _around(items: list[Found], by_start: list[int], points: Iterable[int]) -> dict[int, list[int]]:
    """Return, for each point, the positions of the items that start at or before it and end after it: one
    sweep left to right, each item opened once where it starts and closed once where it ends."""
    around: dict[int, list[int]] = {}
    open_items: set[int] = set()
    closing: list[tuple[int, int]] = []  # (end, position) of the open items, soonest end first
    opened = 0
    for point in sorted(set(points)):
        while opened < len(by_start) and items[by_start[opened]].start <= point:
            position = by_start[opened]
            open_items.add(position)
            heappush(closing, (items[position].end, position))
            opened += 1
        while closing and closing[0][0] <= point:
            open_items.discard(heappop(closing)[1])
        around[point] = list(open_items)
    return around


def _band_ends(found: list[Found]) -> dict[tuple[str, str], set[str]]:
    """Return, per measure and subgroup words left open by a bracket (_open_bracket_words), the sides ("<",
    ">") of the values written there."""
    ends: dict[tuple[str, str], set[str]] = {}
    for item in found:
        words = _open_bracket_words(item.fact.condition)
        if words is not None and item.fact.comparator:
            ends.setdefault((item.fact.kind, words), set()).add(item.fact.comparator[0])
    return ends


def _bands_subgroup(item: Found, band_ends: dict[tuple[str, str], set[str]]) -> bool:
    """Return True for one end of a band written inside the bracket of a subgroup's words: "For patients with
    mild to moderate renal impairment (CrCl >= 30 mL/min and <90 mL/min) - potassium ... within normal
    limits" (NCT05701215) - the band says who the subgroup is (its condition phrase opens the bracket and
    does not close it), it is no limit to meet. A one-sided value there ("For patients with liver
    metastases (AST <= 5 x ULN)") may be the subgroup's own limit, and stays."""
    words = _open_bracket_words(item.fact.condition)
    return words is not None and band_ends.get((item.fact.kind, words)) == {"<", ">"}


def _open_bracket_words(condition: str | None) -> str | None:
    """Return a condition's words before its bracket when the bracket is left open, else None."""
    if condition is None or condition.count("(") <= condition.count(")"):
        return None
    return condition.split("(", 1)[0]


# "if" after "included" or "eligible" (measures.NOT_AFTER_PERMISSION): the condition of a permission
_PERMISSION_IF = re.compile(r"(?:(?<=included )|(?<=eligible )|(?<=enrolled ))if\b", re.IGNORECASE)


# "should not be excluded if", "will not be excluded if": a waiver's condition (matched on the characters
# right before the qualifier, so linear)
_WAIVER_BEFORE = re.compile(r"\bnot\s++be\s++(?:excluded|considered\s++ineligible)\s*+$", re.IGNORECASE)


def _later_clause(text: str, earlier: Span, later: Span, item: Found) -> bool:
    """Return True when a later qualifier that also governs a threshold opens a clause of its own after the
    earlier one's words, before the threshold: "If there is no clear liver metastasis, total bilirubin > 1.5 x
    ULN; or Gilbert syndrome ... or liver metastasis, total bilirubin > 3 x ULN" (NCT04870190) - the 3 x ULN
    is the nearer subgroup's. A qualifier inside the earlier one's words ("If there is no clear liver
    metastasis") does not."""
    if not earlier[1] <= later[0] < later[1] <= item.start or _PERMISSION_IF.match(text, later[0]):
        return False  # "..., who may only be included if AST <= 5 x ULN": the permission's, not a subgroup
    words_end = earlier[0] + len(_phrase(text, earlier, item.fact))
    return words_end <= later[0] and _JOINED.search(text, words_end, later[0]) is not None


def _conditioned(text: str, item: Found, span: Span, thresholds: _Thresholds) -> Found:
    """Return the fact with its qualifier: a time point ("at diagnosis") as `timing`, a subgroup as
    `condition`; the exception's own threshold after an "unless X" with the subgroup X itself."""
    phrase = _phrase(text, span, item.fact)
    if _TIME_POINT.match(text, span[0]):
        return item._replace(fact=replace(item.fact, timing=phrase))
    negated = _NEGATED.match(phrase)
    if negated and _is_exception(text, item, span, thresholds):
        phrase = phrase[negated.end() :]
    return item._replace(fact=replace(item.fact, condition=phrase))


def _names_own_subgroup(text: str, item: Found, span: Span) -> bool:
    """Return True for a threshold whose measure is part of the words of an "unless" / "except" that governs
    it: "unless the patient has a BMI > 22 kg/m2 and weight loss has been lower than 10%" (NCT05703997, an
    exclusion's exemption): the value says who is exempt, it is no limit to meet (README: values that only
    define a subgroup are no facts). The if-clauses (`_in_if_clause`) drop such values already when the
    clause ends within 80 characters; this reads the longer ones the same way."""
    if not item.fact.is_threshold or not _NEGATED.match(text, span[0]):
        return False
    return span[0] <= item.start < span[0] + len(_phrase(text, span, item.fact))


def _is_exception(text: str, item: Found, span: Span, thresholds: _Thresholds) -> bool:
    """Return True for a threshold after an "unless X" / "except X" that follows a threshold of the same
    measure in its clause: "bilirubin <= 1.5 x ULN (unless Gilbert's syndrome, for which bilirubin <= 3 x
    ULN)" - the 1.5 x ULN holds for everyone not X, the 3 x ULN is X's own. Without the threshold before it
    ("Unless X, bilirubin <= 1.5 x ULN") the "unless" is the threshold's own and it holds for everyone not
    X."""
    if item.start < span[1]:
        return False
    return any(
        other.fact.kind == item.fact.kind and _reaches(text, other.end, span[0], _REACH_LEFT)
        for other in thresholds.ending(span[0] - _REACH_LEFT, span[0])
    )


def _defines_subgroup(text: str, item: Found, qualifiers: list[Span], measures: _Thresholds) -> bool:
    """Return True for an age inside a qualifier that follows another measure's threshold (`measures`): the
    "(age >= 16 years)" of "ECOG 0-1 (age >= 16 years)" names who the ECOG limit is for."""
    if item.fact.kind != "age":
        return False
    for span in _qualifiers_around(qualifiers, item):
        if text[span[1] - 1] == ":" and _labels_threshold(text, span, measures):
            return True  # a label ("Subjects < 16 years of age:") names whom the value after it is for
        others = measures.ending(span[0] - _REACH_LEFT, span[0])
        if any(_reaches(text, f.end, span[0], _REACH_LEFT) for f in others):
            return True
    return False


def _qualifiers_around(qualifiers: list[Span], item: Found) -> list[Span]:
    """Return the qualifiers the fact is inside. They are in order and never overlap, so only those that
    start at or before the fact and end at or after its start need a look: one or two, found by a bisect."""
    index = bisect_right(qualifiers, item.start, key=lambda span: span[0])
    around = []
    while index > 0 and qualifiers[index - 1][1] >= item.start:
        index -= 1
        if _inside(item, qualifiers[index]):
            around.append(qualifiers[index])
    return around


def _labels_threshold(text: str, span: Span, measures: _Thresholds) -> bool:
    """Return True when another measure's threshold (`measures`) follows a label in its clause ("Subjects <
    16 years of age: lansky >= 50%"); "Patients >= 18 years: signed consent" labels nothing, and its age is
    the patient's."""
    after = measures.starting(span[1], span[1] + _REACH_CLAUSE)
    return bool(after) and _reaches(text, span[1], min(f.start for f in after), _REACH_CLAUSE)


def _in_if_clause(clauses: list[Span], item: Found) -> bool:
    """Return True for a threshold inside an "if" clause: "If the first recorded QTc exceeds 480 msec, two
    more ECGs are required" (NCT02465060) states when something happens, not a limit to meet. The clauses are
    found once on the whole text: a clause cut at the threshold would lose a bracket it reads whole ("On the
    premise that the International Standardized Ratio (INR) is less than 1.5, ...", NCT04007835)."""
    index = bisect_left(clauses, item.start, key=lambda clause: clause[0])  # the clauses never overlap
    return index > 0 and item.start < clauses[index - 1][1]


def _reaches(text: str, start: int, end: int, reach: int) -> bool:
    """Return True when `end` is within `reach` of `start` in the same clause (the character at `end` is
    looked at too: ". If" is a sentence boundary before "If")."""
    return end - start <= reach and not BOUNDARY.search(text, start, min(len(text), end + 1))


def _governed(text: str, thresholds: _Thresholds, span: Span) -> list[Found]:
    """Return the thresholds a qualifier belongs to.

    - A label ("Male: > 450 ms, Female: > 470 ms") governs the threshold after it.
    - Otherwise the threshold around it, or the nearest on its left when only words stand between them
      ("<= 5 x ULN for participants with liver metastases", "<= 25 years old at diagnosis"), with the others
      read from the same words ("AST/ALT <= 5 x ULN").
    - A qualifier after a comma, "or" or "and" ("<= 2.5 x ULN, or for patients with liver metastases <= 5 x
      ULN"), or one that opens its clause ("If there is no liver metastasis, bilirubin <= 1.5 x ULN, AST <=
      2.5 x ULN;"), governs every threshold after it in the clause.
    - The "if" of a waiver ("Patient should not be excluded if change of the above parameters due to ...",
      NCT05705570) governs none: it names who escapes the limits, not whom one limit is for.
    """
    start, end = span
    if _WAIVER_BEFORE.search(text, max(0, start - 40), start):
        return []
    closes = _bracket_close(text, start, end)
    right = [
        f
        for f in _outside(thresholds.starting(end, end + _REACH_CLAUSE), span)
        if _reaches(text, end, f.start, _REACH_CLAUSE) and (closes is None or f.start < closes)
    ]
    if _is_label(text, span):
        after = [
            f
            for f in _outside(thresholds.ending_after(end, end + _REACH_CLAUSE), span)
            if _reaches(text, end, max(f.start, end), _REACH_CLAUSE)
        ]
        labelled = min(after, key=lambda f: f.end) if after else None
        if labelled is None or labelled.fact.kind == "age":  # "Women >= 18 years": who, not a subgroup
            return []
        return _outside(thresholds.ending_at(labelled.end), span)
    nearest = next(iter(_outside(thresholds.around(start), span)), None)
    if nearest is None:
        left = [
            f
            for f in _outside(thresholds.ending(start - _REACH_LEFT, start), span)
            if _reaches(text, f.end, start, _REACH_LEFT)
        ]
        nearest = max(left, key=lambda f: f.end) if left else None
        if nearest is not None and right and _JOINED.search(text, nearest.end, start):
            nearest = None
        if nearest is not None and right and _opens_bracket(text, nearest.end, start, right[0].start):
            nearest = None
        if nearest is not None and _other_branch(text, nearest, start):
            nearest = None
        # "Adults ≥ 18 and ≤ 80 years of age and skeletally mature at the time of surgery" (NCT06115512): a
        # time after another clause is that clause's ("skeletally mature then"), not the ages'
        time_point = _TIME_POINT.match(text, start) is not None
        if nearest is not None and time_point and _JOINED.search(text, nearest.end, start):
            nearest = None
    if nearest is not None:
        ends = _other_end(text, thresholds, nearest, span)
        return [*ends, *_outside(thresholds.ending_at(nearest.end), span)]
    return right


# "≥22 and ≤80 years": the lower end of a two-sided limit, joined to the upper end by a bare "and" or "to"
_ENDS_JOINED = re.compile(r"\s*+(?:and|to)?\s*+", re.IGNORECASE)
_LOWER_BOUNDS = frozenset({">", ">="})
_UPPER_BOUNDS = frozenset({"<", "<="})


def _other_end(text: str, thresholds: _Thresholds, nearest: Found, span: Span) -> list[Found]:
    """Return the lower end of a two-sided limit whose upper end the qualifier governs: "adults ≥22 and ≤80
    years at the time of surgery" (NCT06462729) - both ends share the words after the second, its unit and its
    time or subgroup."""
    if nearest.fact.comparator not in _UPPER_BOUNDS:
        return []
    return [
        other
        for other in _outside(thresholds.ending(nearest.start - _REACH_LEFT, nearest.start), span)
        if other.fact.kind == nearest.fact.kind
        and other.fact.comparator in _LOWER_BOUNDS
        and other.end <= nearest.start
        and _ENDS_JOINED.fullmatch(text, other.end, nearest.start) is not None
    ]


def _other_branch(text: str, left: Found, start: int) -> bool:
    """Return True when an "or" that starts another branch, or another measure's name, stands between a
    threshold and the qualifier after it: "Total bilirubin <= 1.5 x ULN OR direct bilirubin <= ULN for
    participants with ..." - the qualifier is the other branch's, even when that branch gave no fact. An
    "or" inside the qualifier's own words ("not due to leukaemia or Gilbert's") starts no branch. The same
    measure named again ("ECOG 0-3 (patients with PS 2-3 if ...)") is still the threshold's, and so, without
    an "or", is a measure never read as a fact ("bilirubin <= 1.5 x ULN (direct bilirubin <= ULN in
    Gilbert's)": the subgroup's rule is unread, so the threshold stays conditional, kept as text, rather than
    required of everyone)."""
    for joined in _OR.finditer(text, left.end, start):
        branch = text[joined.end() : start]  # an "or" that starts a branch: a measure or a value after it
        if _VALUE_MARK.search(branch) or _GRADED_VALUE.search(branch) or ANY_MEASURE.search(branch):
            return True
    named = {
        _KIND_OF.get(m.lastgroup or "", m.lastgroup) for m in ANY_MEASURE.finditer(text, left.end, start)
    }
    return bool(named - {left.fact.kind} - _NAMED_ONLY)


def _bracket_close(text: str, start: int, end: int) -> int | None:
    """Return where the bracket a qualifier stands in closes, or None when it stands in none: "bilirubin > 2
    x ULN (except participants with Gilbert's syndrome: total bilirubin > 3*ULN) and ALT ... > 2.5 x ULN"
    (NCT02227251) - the qualifier governs the values in its bracket only, not the ALT after it."""
    opened = text.rfind("(", max(0, start - _REACH_LEFT), start)
    if opened < 0 or text.find(")", opened, start) >= 0:
        return None
    closed = text.find(")", end, end + _REACH_CLAUSE)
    return closed if closed >= 0 else None


def _opens_bracket(text: str, left_end: int, start: int, right_start: int) -> bool:
    """Return True when a bracket opens between the threshold on the left and the qualifier, and the next
    threshold is in it too: "ALT <= 2.5 x ULN (liver metastases: <= 5 x ULN)" - the qualifier is the bracket's
    own value's. Chinese text's full-width brackets too ("bilirubin <= 1.5 x ULN（for Patients with Gilbert
    Syndrome, total bilirubin <= 3 x ULN）", NCT04204473)."""
    opened = max(text.rfind("(", left_end, start), text.rfind("（", left_end, start))
    if opened < 0:
        return False
    closed = ")" if text[opened] == "(" else "）"
    return text.find(closed, opened, right_start) < 0


def _is_label(text: str, span: Span) -> bool:
    """Return True for a qualifier that names the subgroup of the value after it: "Male:", "female > 470"."""
    return text[span[1] - 1] == ":" or _SEX.fullmatch(text, span[0], span[1]) is not None


def _outside(thresholds: list[Found], span: Span) -> list[Found]:
    """Return the thresholds not inside the qualifier: a qualifier is not its own threshold's condition.
    (Those read from the same words as one, "AST/ALT <= 5 x ULN" or the two limits of "4 to <8 years", end
    where it ends: _Thresholds.ending_at.)"""
    return [f for f in thresholds if not _inside(f, span)]


def _inside(item: Found, span: Span) -> bool:
    return span[0] <= item.start and item.end <= span[1]


def _phrase(text: str, span: Span, fact: Fact) -> str:
    """Return the qualifier with the words after it that say who or when ("for patients with X (Y) or Z"), up
    to the clause's end or the threshold it governs; a label ("Male:") or a bracketed age band stands alone,
    and a time point ends before a number ("at HSCT", not "at HSCT <= 21")."""
    words = text[span[0] : span[1]]
    if words.endswith((":", ")", "）")) or _is_label(text, span):
        return words.strip(" :()（）")
    tail = _TIME_TAIL if _TIME_POINT.match(words) else _SUBGROUP_TAIL
    found = tail.match(text, span[1], span[1] + _PHRASE_LIMIT)  # no copy of the text before the qualifier
    rest = found.group() if found else ""
    values = {fact.value, fact.low, fact.high} - {None}
    own = next((m for m in _COMPARED.finditer(rest) if parse_number(m.group("num")) in values), None)
    return f"{words}{rest[: own.start()] if own else rest}".strip(" ,;(")


# Issue 16: the hot patterns behind a lookahead of the characters their matches start with
# (text/first_chars.py): the same matches, two to five times faster on criteria text.
QUALIFIER = guarded(QUALIFIER)
