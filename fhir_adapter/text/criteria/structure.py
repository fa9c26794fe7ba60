"""The list structure of eligibility criteria: sections, items, nesting and prose, as numbered texts.

Real records write criteria in many shapes: "Inclusion Criteria:" headings or none at all, `* ` and `-`
bullets, numbered items (`1.`, `1)`, `(1)`), indented sub-items, prose paragraphs between items, and
markdown escapes (`\\<`, `\\>=`). The rules, as the hand-checked expectations in
tests/text/expectations/README.md state them:

- a criterion is a top-level item of a section; deeper items, and items of another list style right after an
  item ending in ':', belong to it; a flat list of the same style after such an item is not nested;
- a free paragraph is a criterion unless it introduces what follows (ends with ':') or continues the item
  above ("Note: ...", or no blank line between); placeholders ("None", "N/A") and boilerplate ("Other
  protocol-defined inclusion criteria may apply") are not criteria;
- text before any heading is inclusion; each further inclusion or exclusion block continues its section's
  numbering;
- a bullet that only wraps the real criteria (empty or a stray "•", or the one item of its block ending in
  ':' like "Patients must meet all of the following:") is not a criterion: its sub-items are (issue 10).
  "One of the following:" is not a wrapper: its sub-items are alternatives of one criterion (in an
  inclusion block; an exclusion's "any of the following" excludes on each item, so it wraps them);
- a paragraph indented past a sub-item's marker is that sub-item's; items deeper than a wrapper's own stay
  sub-items of the criterion above them; an item numbered one past its numbered parent, after sub-items of
  another style, is the next criterion however it is indented;
- a short label naming a cohort or part ("Cohort 2") right above a section heading is no criterion: the
  blocks after it, up to the next such label, hold for that cohort (`CriterionText.cohort`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from fhir_adapter.text.criteria.conditions import subgroup_heading
from fhir_adapter.text.criteria.model import EXCLUSION, INCLUSION, CriterionText

_ITEM = re.compile(
    r"^(?P<indent>[ \t]*)(?P<marker>[*\-+•·▪◦]|\d{1,2}[.)](?!\d)|\(\d{1,2}\)|[a-zA-Z][.)]|\([a-zA-Z]\)|"
    r"(?:i{1,3}|iv|v|vi{1,3}|ix|x|I{1,3}|IV|VI{1,3}|IX)[.)]|"
    # "1- Age from 18 to 60 years": a number and a dash, as many records number their lists
    r"\d{1,2}[ \t]?-(?=[ \t]+[^\d\s]))"
    # "1.Age >= 18": no space after a number's full stop when a capital letter follows
    r"(?:\s+|(?<=[-*•])(?=[A-Z])|(?<=\d[.)])(?=[A-Z]))(?P<text>\S.*)$"
)
# "1.18 ≤ age and above." opening a section (NCT04870190): the first item's "1." glued to a number that a
# comparator or "years" follows - a list marker, not a decimal (no criterion starts with "1.18 years").
_GLUED_FIRST = re.compile(
    r"^(?P<indent>[ \t]*)(?P<marker>1\.)(?P<text>\d{1,3}[ \t]*+(?:[<>≤≥]|(?:years?|yrs?)\b).*)$",
    re.IGNORECASE,
)
# The words before the kind may name whose criteria follow, with a possessive ("Patients' exclusion
# criteria:", "Donor's Inclusion Criteria:"): the apostrophe is part of such a word.
_HEADING = re.compile(
    r"^(?:[\w/&\-.,'’]+\s+){0,4}?(?P<kind>inclusion|exclusion|ineligibility|non[- ]?inclusion|eligibility)"
    r"(?:\s+criteri(?:a|on))?(?:\s*\([^)]*\))?(?:\s+[\w()./-]+){0,4}?\s*:?$",
    re.IGNORECASE,
)
# "Inclusion Criteria: The person who meet all the following criteria ...": a heading and, on the same
# line, the sentence that introduces its list (or the first criterion itself, read as a paragraph).
_HEADING_WITH_TEXT = re.compile(
    r"^[^\w\n]*(?:(?:key|main|major|patient|general)[ \t]+)?(?P<kind>inclusion|exclusion)"
    r"[ \t]+criteri(?:a|on)[ \t]*:[ \t]*(?P<rest>\S[^\n]*)$",
    re.IGNORECASE,
)
# "Inclusion criteria for treatment with gemtuzumab ozogamicin for patients not participating in the ... study
# or R2." (NCT02724163): a paragraph naming the block it heads, however long; not a sentence that states
# something of the criteria ("Inclusion criteria for the main study must be met").
_NAMED_BLOCK = re.compile(
    r"(?:key\s++|main\s++)?(?P<kind>inclusion|exclusion|non[- ]?inclusion)\s++criteria\s++"
    r"(?:for|in|of|(?:applicable|specific)\s++to)\b"
    r"[^:\n]{0,200}:?$",
    re.IGNORECASE,
)
# ... nor a heading run into its first criterion ("Inclusion criteria for matched controls 200 Diabetic
# patients of 18 year and older", NCT05147818): a number of two digits, an age or a comparator is a
# criterion's.
_STATES = re.compile(
    r"\b(?:must|are|is|will|shall|should|apply|applies|met|see)\b|\d{2}|\byears?\b|[<>≤≥]", re.IGNORECASE
)
# "... defined as any of the following:." (NCT05519085): a full stop typed after a lead-in's ':' still
# leaves a lead-in; read as ':' so the list below it stays its own.
_STRAY_STOP_AFTER_COLON = re.compile(r":[ \t]*+\.$")
# A lead-in sentence written without its ':' names "the following" items; a criterion of its own is longer.
_POINTS_BELOW = re.compile(r"\bthe\s++following\b", re.IGNORECASE)
_LEAD_IN_LENGTH = 160
_INTRO = re.compile(r"\bfollowing\b|:$", re.IGNORECASE)
_BULLETS_ONLY = re.compile(r"^[*\-+•·▪◦]+$")
# A list marker with no text ("Inclusion Criteria:a.", the first item's marker glued to its heading): markup.
_MARKER_ONLY = re.compile(r"^(?:[*\-+•·▪◦]+|\d{1,2}[.)]|\(?[a-zA-Z][.)])$")
# A sub-heading written without its ':' ("Glycaemia-related for participants without T2D"): a few words
# that start with a capital letter, state no value and end without a full stop.
_LABEL = re.compile(r"[A-Z][\w\-/' ]*[\w)]")
_LABEL_WORDS = 7
# Someone other than the patient whose own criteria a section may list: a donor (of cells, organs, stool),
# a caregiver, partner or parent taking part too.
_OTHER_PERSON = re.compile(
    r"\b(?:donors?|caregivers?|carers?|partners?|parents?|relatives?|siblings?)\b", re.I
)
# A numbered list that starts at 1 right below a label ("Medical Conditions" then "1. ..."): the author
# numbers the criteria from there, so the label above is not one of them.
_FIRST_NUMBER = re.compile(r"\(?1[.)]?$")
_NAMES_CRITERIA = re.compile(r"\bcriteri(?:a|on)\b", re.IGNORECASE)
_HEADING_VERBS = re.compile(r"\b(must|meet|meets|fulfil|fulfill|see|listed|all|any|other|no|not)\b", re.I)
_PLACEHOLDER = re.compile(
    r"^(?:none|nil|n/?a|not applicable|not specified|no (?:inclusion|exclusion) criteria|"
    r"see (?:disease characteristics|patient characteristics|above|below))\.?$",
    re.IGNORECASE,
)
_BOILERPLATE = re.compile(
    # "Other protocol defined inclusion criteria could apply." (NCT05819710)
    r"protocol[- ]defined .{0,200}criteria (?:may |could |might |can )?apply|"
    r"not all .{0,200}criteria are listed|"
    # "The above information is not intended to contain all considerations relevant to a patient's potential
    # participation in a clinical trial." (NCT05712278, a sponsor's standard closing)
    r"^(?:note\s*:\s*)?the (?:above )?information\b.{0,40}\b(?:is|was) not intended to contain all "
    r"considerations|"
    r"^(?:other|additional)\b.{0,40}criteria (?:may|will|might) apply|"
    # a pointer to a web site, not a criterion: "For more information regarding BMS clinical trial
    # participation, please visit www.BMSStudyConnect.com" (NCT02481830, a sponsor's standard opening)
    r"^for (?:more|further) information\b.{0,200}\bvisit\b|"
    # the NCI's standard closing of legacy records (NCT01661400): a topic line that names no section, and
    # the policy it states, no requirement
    r"^inclusion of women(?: and minorities)?:?$|"
    r"^both men and women and members of all races and ethnic groups are eligible\b|"
    # the same policy as a bullet of its own: "Inclusion of Women and Minorities: Both men and women of all
    # races and ethnic groups are eligible for this trial." (NCT05703542, legacy XML wraps it)
    r"^inclusion of women(?: and minorities)?\s*+:\s*+both men and women\b|"
    r"^(?:https?://|www\.)\S+$",  # a web address alone (the line after "please visit", legacy XML wrapping)
    re.IGNORECASE,
)
# A bullet character left inside an item's text ("* • Age >= 18"): list markup, not words.
_STRAY_BULLET = re.compile(r"^[•·▪◦]+\s*")
_ALTERNATIVES_INTRO = re.compile(r"\b(?:one|any|either|at least|1\s+of)\b", re.IGNORECASE)
# "AND not a candidate for further JAK inhibitor ..." (NCT04576156): a paragraph opened by a joining word
# goes on with the item above; so does a remark on it: "Remark: Centralised analysis of BRAF status will be
# performed ..." under an item (NCT05706779), "Comment: ...", with their colon (a "Comments from ..." item is
# no remark)
_CONTINUATION = re.compile(
    r"^(?:(?i:note\b|n\.?b\.?\b|(?:remarks?|comments?)\s*+:)|\(|[a-z]|(?:AND|OR|And|Or)\s)"
)
# "Woman CrCl = (140- age [years old]) x weight (kg) x 0.85 ..." (NCT02795884): a formula explains the item
# above, it is no criterion. Only at a word's start, each word read once (linear when searched).
_FORMULA = re.compile(r"(?<![\w()/-])[A-Za-z][\w()/-]*+(?: [\w()/-]++){0,3}+ = ")
_EMPHASIS = re.compile(r"[*_#]+")
# An introduction that opens the exclusions without the word "exclusion": "Patients meeting any of the
# following criteria will be excluded from the study:", "Subjects are not eligible if any of the following
# apply:" ("not eligible for intensive chemotherapy due to:" is an inclusion criterion, and does not).
_EXCLUSION_INTRO = re.compile(
    r"\b(?:will|shall|must|would)\s+be\s+excluded\b|\b(?:are|is)\s+excluded\b"
    r"|\bexcluded\s+from\s+(?:the\s+|this\s+)?(?:study|trial|participation|enrol)"
    r"|\b(?:not\s+(?:be\s+)?eligible|ineligible)\s+(?:if|when|to\s+(?:participate|enrol|take\s+part)|"
    r"for\s+(?:the\s+|this\s+)?(?:study|trial|participation|enrol|inclusion))",
    re.IGNORECASE,
)
_INTRO_LIMIT = 200
# "... meet any of the following criteria will be excluded.", "All of the following criteria must be met.":
# the list below is what the sentence is about. Bounded gap, searched once: linear.
_LEAD_IN = re.compile(
    r"\b(?:the|these)\s++following\s++(?:criteria|conditions|requirements)\b[^.:;]{0,120}\.?$",
    re.IGNORECASE,
)
# A wrapped heading's words kept to see whether a bracket is still open: a bound, so a hostile run of
# continuation lines stays linear.
_HEADING_KEPT = 400
_SENTENCE_START = re.compile(r"[A-Z][a-z]")
# "OR" alone on its line between two items (NCT06372145): a connector, not a criterion.
_JOINING_WORD = re.compile(r"(?:or|and|and/or)[.:]?$", re.IGNORECASE)
# "7a. ...", and "6.1 ..." (NCT01940094): a part of item 7, or of item 6
_PART_LABEL = re.compile(r"(?P<num>\d{1,2})(?:[a-z][.)]|\.\d{1,2}\.?)\s")
_COHORT_LABEL = re.compile(
    r"(?:cohort|part|arm|group|module|sub-?study)\s*+[A-Z0-9IVX]{1,3}\b", re.IGNORECASE
)
_MARKER_NUMBER = re.compile(r"\(?(?P<num>\d{1,2})[.)]")
# A number written inline as a list marker ("... active drugs 2. History of ..."): after a blank or the
# start, before words. A value ending a sentence ("ECOG of 2. 2. History") has no word right after it.
_INLINE_MARKER = re.compile(r"(?:^|(?<=\s))(?P<num>\d{1,2})[.)](?=[ \t]++[A-Za-z(])")
_INLINE_COUNT_MIN = 3  # "1. ... 2. ... 3. ...": fewer could be a sentence's own numbers
# "Patients with T2D" above one block's heading, "Patients with T1D" above the next (NCT05960656): a label
# naming the patients a block is for. A text laid out so, with two or more, is one list per subgroup; a lone
# such line above the only heading may be the first criterion, written before the heading, and stays one.
_SUBGROUP_LABEL = re.compile(
    r"(?:patients?|participants?|subjects?|individuals?|volunteers?|adults?|children|women|men)\s++"
    r"(?:with|without|who|on|receiving|undergoing|having)\b",
    re.IGNORECASE,
)
_SUBGROUP_LABELS_NEEDED = 2


@dataclass
class _Draft:
    section: str
    lines: list[str]
    marker_indent: int
    marker_style: str | None
    sub_items: list[str] = field(default_factory=list)
    context: str = ""  # a short sub-heading above it ("Age:", "Life expectancy:"): read with it for facts
    marker: str = ""  # its list marker as written ("1.", "*"), "" for a paragraph
    sub_indent: int | None = None  # the indent of its first sub-item
    sub_indents: list[int] = field(default_factory=list)  # each sub-item's indent, in order
    sub_style: str | None = None  # the list style of its first sub-item
    # it ends with ':' and a paragraph follows: every paragraph up to the next item is its own (NCT06760702)
    introduced: bool = False
    cohort: str = ""  # the cohort or part of the study its block is for ("Cohort 2"), "" for everyone
    about_other: str = ""  # the heading naming someone else whose criteria its block holds ("Donors' ...:")
    one_block: bool = True  # its lines so far are one block, with no blank line between them
    boilerplate: bool = False  # a registry's remark written as a list item: no criterion


@dataclass
class _State:
    section: str = INCLUSION
    drafts: list[_Draft] = field(default_factory=list)
    top_indent: int | None = None
    top_style: str | None = None
    blank_before: bool = True
    intro_pending: bool = False
    context: str = ""
    # "Cohort 2" on its own line above a block's heading: every block after it, up to the next, is that
    # cohort's ("Cohort 2:", read as a sub-heading)
    cohort: str = ""
    # the open block's heading when it names someone other than the patient ("Donors' inclusion criteria:")
    about_other: str = ""
    # the short lines naming a subgroup above two or more of the text's section headings ("Patients with T2D")
    subgroup_labels: frozenset[str] = frozenset()
    # the last line was a section heading with no ':' (it may wrap onto the next lines), and its indent
    heading_open: bool = False
    heading_indent: int = 0
    heading_text: str = ""  # its last words (for a bracket left open), at most _HEADING_KEPT characters


def split_criteria(text: str) -> list[CriterionText]:
    """Return the criteria of an unescaped eligibilityCriteria text, numbered per section, in order."""
    lines = [_STRAY_STOP_AFTER_COLON.sub(":", raw.rstrip()) for raw in text.splitlines()]
    state = _State(subgroup_labels=_subgroup_labels(lines))
    for line in lines:
        _read_line(line, state)
    return _number(_split_inline_counts(_unwrap(_without_sub_headings(_nest_restarted_lists(state.drafts)))))


def _subgroup_labels(lines: list[str]) -> frozenset[str]:
    """Return the short lines naming a subgroup ("Patients with T2D") that stand right above a section heading
    (blank lines aside), when there are two or more: each names the subgroup its blocks are for."""
    labels: set[str] = set()
    previous = ""
    for line in lines:
        text = line.strip()
        if not text:
            continue
        if previous and _heading_section(text) and _is_subgroup_label(previous):
            labels.add(previous)
        previous = text
    return frozenset(labels) if len(labels) >= _SUBGROUP_LABELS_NEEDED else frozenset()


def _is_subgroup_label(text: str) -> bool:
    """Return True for a short noun phrase naming patients ("Patients with T2D"), not a sentence stating
    something of them ("Patients with asymptomatic CNS disease are eligible", NCT05464836)."""
    words = text.rstrip(":").strip()
    return (
        len(words.split()) <= _LABEL_WORDS
        and _LABEL.fullmatch(words) is not None
        and _SUBGROUP_LABEL.match(words) is not None
        and _STATES.search(words) is None
    )


def _nest_restarted_lists(drafts: list[_Draft]) -> list[_Draft]:
    """Return the drafts with every numbered list that restarts at 1 inside a numbered list, which then goes
    on with its own count, folded into the item above it as sub-items ("4. ... and:", "4.1 ... one or more
    of:", "1." to "6.", "4.2 ...:", "1." to "3.", then "5. ...", NCT05690425): the author's own numbers say
    the restarted lists belong to item 4, whatever the indents. A restarted list that carries on its own
    count at the number the outer list would take ("3." ... "1." "2." "3." "4.") is left alone: two lists,
    not a nested one."""
    kept: list[_Draft] = []
    for block in _blocks(drafts):
        kept.extend(_nested_block(block))
    return kept


def _nested_block(block: list[_Draft]) -> list[_Draft]:
    kept: list[_Draft] = []
    top: _Draft | None = None  # the last item of the outer numbered list
    run: list[_Draft] = []  # the drafts after it that do not carry on its count
    for draft in block:
        number = _number_of(draft)
        resumes = top is not None and _resumes(top, run, draft)
        if top is not None and run and resumes and _number_of(run[0]) == 1:
            _fold(top, run)
            run = []
        if top is None or resumes or (not run and number is None):
            kept.extend(run)
            run = []
            kept.append(draft)
            top = draft if number is not None else top
        else:
            run.append(draft)
    return kept + run


def _resumes(top: _Draft, run: list[_Draft], draft: _Draft) -> bool:
    """Return True for the next number of the outer list, of its style; one that carries on the run's own
    count is the run's."""
    number, above = _number_of(draft), _number_of(top)
    if number is None or above is None or draft.marker_style != top.marker_style:
        return False
    return number == above + 1 and not _counts_on(run, number)


def _number_of(draft: _Draft) -> int | None:
    return _marker_number(draft.marker)


def _marker_number(marker: str) -> int | None:
    """Return the number a list marker writes ("3.", "(3)", "3)"), None for a marker of another kind."""
    found = _MARKER_NUMBER.fullmatch(marker)
    return int(found.group("num")) if found else None


def _counts_on(run: list[_Draft], number: int | None) -> bool:
    """Return True when the number carries on the count of the last numbered draft of the run."""
    numbers = [n for n in (_number_of(d) for d in run) if n is not None]
    return bool(numbers) and numbers[-1] + 1 == number


def _fold(parent: _Draft, run: list[_Draft]) -> None:
    """Make every draft of the run (its text, its own sub-items) a sub-item of the parent."""
    for draft in run:
        texts = [" ".join(draft.lines).strip(), *draft.sub_items]
        indents = [draft.marker_indent, *draft.sub_indents]
        if draft.context and draft.context != parent.context:
            texts, indents = [draft.context, *texts], [draft.marker_indent, *indents]
        parent.sub_items.extend(texts)
        parent.sub_indents.extend(indents)
    parent.sub_indent = parent.sub_indents[0] if parent.sub_indent is None else parent.sub_indent
    parent.sub_style = run[0].marker_style if parent.sub_style is None else parent.sub_style


def _without_sub_headings(drafts: list[_Draft]) -> list[_Draft]:
    """Return the drafts without short label paragraphs between lists ("Obesity-related", "Glycaemia-related
    for participants without T2D"): a sub-heading with its ':' left out names the list after it. Only when
    every paragraph of the section's block is such a label: a block that mixes prose criteria and bullets
    ("Other types of diabetes", then a bullet, then a longer paragraph) writes criteria as paragraphs, and
    a lone short paragraph above the only list ("Healthy adults") is one too."""
    kept: list[_Draft] = []
    for block in _blocks(drafts):
        paragraphs = [i for i, draft in enumerate(block) if draft.marker_style is None]
        labels = [i for i in paragraphs if _is_label_paragraph(block, i)]
        # one between two lists, or one that names criteria ("Exclusion criteria for all randomisations"):
        # a lone short paragraph above a list ("Healthy adults") may well be a criterion
        separates = any(
            (i > 0 and block[i - 1].marker_style not in (None, "heading"))
            or _NAMES_CRITERIA.search(block[i].lines[0])
            or _FIRST_NUMBER.match(block[i + 1].marker)
            for i in labels
        )
        kept.extend(
            d for i, d in enumerate(block) if not (separates and labels == paragraphs and i in labels)
        )
    return kept


def _is_label_paragraph(block: list[_Draft], index: int) -> bool:
    draft = block[index]
    after = block[index + 1] if index + 1 < len(block) else None
    if after is None or after.marker_style is None or draft.sub_items or len(draft.lines) != 1:
        return False
    text = draft.lines[0]
    return len(text.split()) <= _LABEL_WORDS and _LABEL.fullmatch(text) is not None


def _read_line(line: str, state: _State) -> None:
    if not line.strip():
        state.blank_before = True
        return
    if _is_boilerplate(_EMPHASIS.sub("", line).strip()):
        return  # "Inclusion of Women and Minorities" names no section
    if _continues_heading(line, state):
        return  # "... in patients with unfavorable serum marker\ndecrease and ... tumor": a wrapped heading
    # a wrapped line of an item is no heading ("... for the sole purpose of\n  meeting eligibility for the
    # trial", NCT05704361, read "eligibility ..." as an inclusion heading)
    heading = None if _continues_item(line, state) else _heading_section(line)
    with_text = None if heading else _HEADING_WITH_TEXT.match(line)
    state.heading_open = heading is not None and not line.rstrip().endswith(":")
    state.heading_indent = len(line) - len(line.lstrip())
    state.heading_text = line.strip()[-_HEADING_KEPT:] if heading else ""
    if heading:
        _open_section(heading, state)
        state.about_other = _names_another_person(line)
    elif with_text:
        kind = with_text.group("kind").lower()
        _open_section(EXCLUSION if kind == "exclusion" else INCLUSION, state)
        state.about_other = ""
        rest = with_text.group("rest").strip()
        if _MARKER_ONLY.match(rest):
            pass  # nothing but a list marker: no criterion
        elif _INTRO.search(rest):
            state.intro_pending = True
        else:
            _read_paragraph(rest, state)
    else:
        item = _ITEM.match(line) or (_GLUED_FIRST.match(line) if _open_criterion(state) is None else None)
        if item:
            _read_item(item, state)
        else:
            _read_paragraph(line, state)
    state.blank_before = False


def _continues_heading(line: str, state: _State) -> bool:
    """Return True for the next line of a heading wrapped mid-sentence: the heading has no ':' and this
    line follows with no blank line, at the heading's indent or deeper, with no list marker, and begins in
    lower case or inside the heading's open bracket ("Non inclusion criteria specific to the phase 2 study
    in patients with unfavorable serum" / "marker decrease and mediastinal primary tumor (to be confirmed
    before the end of the 1st" / "BEP cycle)", NCT05705687). A criterion's paragraph right below a heading
    begins a sentence."""
    if not state.heading_open or state.blank_before or _ITEM.match(line):
        return False
    if len(line) - len(line.lstrip()) < state.heading_indent:
        return False
    unclosed = state.heading_text.count("(") > state.heading_text.count(")")  # "... the 1st" / "BEP cycle)"
    if not (unclosed or line.lstrip()[:1].islower()):
        return False
    state.heading_text = f"{state.heading_text} {line.strip()}"[-_HEADING_KEPT:]
    return True


def _continues_item(line: str, state: _State) -> bool:
    """Return True for a wrapped line of an open list item: no blank line before it, no list marker, and
    indented past the item's marker (legacy XML indents an item's next lines under its text)."""
    parent = _open_criterion(state)
    if parent is None or state.blank_before or parent.marker_indent < 0 or _ITEM.match(line):
        return False
    return len(line) - len(line.lstrip()) > parent.marker_indent


def _open_section(section: str, state: _State) -> None:
    last = state.drafts[-1] if state.drafts else None
    if last is not None and last.marker_style is None and _is_cohort_label(last, state.subgroup_labels):
        state.drafts.pop()  # "Cohort 1" then "Inclusion Criteria:": the blocks' label, not a criterion
        state.cohort = last.lines[0].rstrip(":").strip()
    state.section, state.top_indent, state.top_style, state.intro_pending = section, None, None, False
    state.context = ""
    state.drafts.append(_Draft(section, [], -1, "heading"))  # a fence: nothing continues across a heading


def _names_another_person(heading: str) -> str:
    """Return a section heading that names someone other than the patient before its kind ("Donors'
    inclusion criteria:", "Caregiver exclusion criteria"): the block holds that person's criteria, whose
    values are not the patient's; "" for any other heading."""
    match = _HEADING.match(_EMPHASIS.sub("", heading).strip())
    if match is None:
        return ""
    return heading.strip() if _OTHER_PERSON.search(match.string[: match.start("kind")]) else ""


def _is_cohort_label(draft: _Draft, subgroup_labels: frozenset[str]) -> bool:
    """Return True for a short paragraph naming a cohort or part of the study ("Cohort 1", "Part B"), or one
    of the text's subgroup labels ("Patients with T2D", `_subgroup_labels`)."""
    if draft.sub_items or len(draft.lines) != 1 or len(draft.lines[0].split()) > _LABEL_WORDS:
        return False
    if draft.lines[0].strip() in subgroup_labels:
        return True
    text = draft.lines[0].rstrip(":").strip()
    return _LABEL.fullmatch(text) is not None and _COHORT_LABEL.match(text) is not None


def _heading_section(line: str) -> str | None:
    item = _ITEM.match(line)
    text = _EMPHASIS.sub("", _STRAY_BULLET.sub("", item.group("text")) if item else line).strip()
    named = None if item else _NAMED_BLOCK.match(text)
    if named and not _STATES.search(text):
        return EXCLUSION if named.group("kind").lower().startswith(("exclusion", "non")) else INCLUSION
    if len(text) > 80 or not (match := _HEADING.match(text)):
        return None
    if _HEADING_VERBS.search(text.replace(match.group("kind"), "")) and not text.endswith(":"):
        return None
    kind = match.group("kind").lower()
    # "Eligibility" opens the inclusions only as a section's own name ("Eligibility:", "Major Eligibility
    # Criteria:"); "1. Chloroquine eligibility", "Eligibility for fMDA" over a list (NCT05690841, also as an
    # exclusion item) name who may receive a drug: a subgroup's label, that must not end the exclusions
    if kind == "eligibility" and not (_NAMES_CRITERIA.search(text) or text.rstrip(":").strip().isalpha()):
        return None
    return EXCLUSION if kind.startswith(("exclusion", "ineligib", "non")) else INCLUSION


def _marker_style(marker: str) -> str:
    if marker[0] in "*-+•·▪◦":
        return "bullet"
    if marker[0].isdigit():
        return "number"
    if marker.startswith("(") and marker[1].isdigit():
        return "paren-number"
    return "letter"


def _read_item(item: re.Match[str], state: _State) -> None:
    indent = len(item.group("indent").expandtabs(4))
    style = _marker_style(item.group("marker"))
    text = _STRAY_BULLET.sub("", item.group("text")).strip()
    if _is_boilerplate(text):
        # kept as a draft that is never numbered, so the lines it wraps onto do not join the item above
        indent = len(item.group("indent").expandtabs(4))
        style = _marker_style(item.group("marker"))
        state.drafts.append(_Draft(state.section, [text], indent, style, boilerplate=True))
        return
    parent = _open_criterion(state)
    marker = item.group("marker")
    if parent is not None and _carries_inline_count(marker, parent):
        parent.lines.append(f"{marker} {text}")  # the next point of the count, kept with its number
        return
    nested = parent is not None and _is_sub_item(indent, style, parent, state)
    nested = nested and parent is not None and not _next_number(marker, parent)
    if parent is not None and (nested or _goes_on_inline_count(marker, parent)):
        parent.sub_items.append(text)
        parent.sub_indents.append(indent)
        parent.sub_indent = indent if parent.sub_indent is None else parent.sub_indent
        parent.sub_style = style if parent.sub_style is None else parent.sub_style
        return
    # The first item of a list sets its level; a stray item further left (legacy XML's "-Patients ...")
    # is a criterion of its own but does not turn the items after it into sub-items.
    if state.top_indent is None or state.intro_pending:
        state.top_indent, state.top_style = indent, style
    state.intro_pending = False
    draft = _Draft(state.section, [text], indent, style, context=state.context, marker=marker)
    draft.cohort = state.cohort
    draft.about_other = state.about_other
    state.drafts.append(draft)


def _is_sub_item(indent: int, style: str, parent: _Draft, state: _State) -> bool:
    if state.intro_pending or state.top_indent is None:
        return False
    if indent > state.top_indent:
        return True
    ends_with_colon = (parent.sub_items or parent.lines)[-1].endswith(":")
    # a run of sub-items written at the top level goes on; bullets back at the top level after indented
    # sub-items start criteria of their own (NCT06831370: "   * ANC ..." under item 8, then "* Serum
    # creatinine ...")
    nested_run = bool(parent.sub_items) and style != state.top_style and parent.sub_indent == indent
    # the parent's own level counts as the top level: legacy XML indents "5." to "13." less than "1." to "4.",
    # and "9. Adequate renal function:" then "(2) Serum creatinine ..." at the indent of "9." (NCT05690425)
    at_top = indent in (state.top_indent, parent.marker_indent)
    other_style = style not in (state.top_style, parent.marker_style)
    # "- Male participants who ...:" then "I. do not agree ...; or II. ..." at the left margin (NCT05703555,
    # legacy XML): a list of another style right after an item that ends with ':' is what it introduces, even
    # written left of it
    introduced = indent < state.top_indent and not parent.sub_items and parent.marker_style is not None
    if not other_style:
        return False
    return (ends_with_colon and (at_top or introduced)) or (at_top and nested_run)


def _next_number(marker: str, parent: _Draft) -> bool:
    """Return True for a numbered item that carries on its numbered parent's count past the parent's sub-items
    of another style ("10. One of the following:", bullets, then an indented "11. A negative pregnancy test",
    NCT01515527): the author's next criterion, however far it is indented."""
    number, above = _marker_number(marker), _marker_number(parent.marker)
    return (
        number is not None
        and above is not None
        and parent.sub_style != _marker_style(marker)
        and number == above + 1
    )


def _goes_on_inline_count(marker: str, parent: _Draft) -> bool:
    """Return True for an item "(2)" right after an item whose own text counts "(1)" inline, with nothing
    under it yet ("16. ... including but not limited to, (1)Serious cardiac rhythm ..." then a line "(2)
    ...", NCT05690425): the next point of that item's inline list, not a criterion. Not a number past the
    item's own: "7. Obesity (BMI >30), 8) inability ..." then "9) patients with ..." (NCT02120703) goes on
    with the criteria's count, written inline once."""
    number, own = _marker_number(marker), _marker_number(parent.marker)
    if number is None or parent.sub_items or number < 2:
        return False
    if own is not None and number > own:
        return False
    opening = "(" if marker.startswith("(") else ""
    previous = f"{opening}{number - 1})"
    return marker.endswith(")") and previous in " ".join(parent.lines)


def _inline_count(text: str) -> list[int]:
    """Return where each point of a list counted inline starts ("1. The patients on ... drugs 2. History of
    ... 3. Prolonged QT ...", NCT05703048: nine exclusion criteria written in one bullet): the text opens with
    "1." and the numbers 2, 3, ... follow in order. Empty when the text is no such list."""
    starts: list[int] = []
    for marker in _INLINE_MARKER.finditer(text):
        if int(marker.group("num")) == len(starts) + 1 and (starts or marker.start() == 0):
            starts.append(marker.start())
    return starts if len(starts) >= _INLINE_COUNT_MIN else []


def _carries_inline_count(marker: str, parent: _Draft) -> bool:
    """Return True for a numbered item that goes on with the count its bulleted parent writes inline (the
    bullet's text counts "1. ... 3.", then a paragraph "4. Current ..." below it): the author's next point."""
    number = _marker_number(marker)
    if number is None or parent.sub_items or parent.marker_style in ("number", "paren-number"):
        return False
    counted = len(_inline_count(" ".join(parent.lines)))
    return counted > 0 and counted + 1 == number


def _split_inline_counts(drafts: list[_Draft]) -> list[_Draft]:
    """Return the drafts with every bullet that holds a list counted inline split into its points, each a
    criterion (the README's set-17 ruling: a bullet that only wraps "1. ... 9." is no criterion)."""
    split: list[_Draft] = []
    for draft in drafts:
        text = " ".join(draft.lines).strip()
        starts = [] if draft.sub_items or draft.marker_style == "heading" else _inline_count(text)
        if not starts:
            split.append(draft)
            continue
        for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
            point = _INLINE_MARKER.sub("", text[start:end], count=1).strip()
            split.append(replace(draft, lines=[point], sub_items=[], sub_indents=[]))
    return split


def _open_criterion(state: _State) -> _Draft | None:
    if not state.drafts:
        return None
    last = state.drafts[-1]
    return last if last.marker_style != "heading" and last.lines else None


def _read_paragraph(line: str, state: _State) -> None:
    text = _EMPHASIS.sub("", line).strip() if line.lstrip().startswith(("*", "_", "#")) else line.strip()
    if _is_boilerplate(text) or _BULLETS_ONLY.match(text) or _JOINING_WORD.match(text):
        return  # a bare "-" is an empty bullet, a lone "OR" between two items joins them: not criteria
    parent = _open_criterion(state)
    if parent is not None and _labels_part_of(text, parent):
        parent.lines.append(text)  # "7a. ...", "7b. ...": notes on item 7, labelled so (NCT05865002)
        return
    # Inside the item when indented past its marker (legacy XML indents everything, items a bit more).
    inside = parent is not None and len(line) - len(line.lstrip()) > parent.marker_indent >= 0
    if parent is not None and not line[:1].isspace() and _next_sentence_line(parent, text, state):
        parent = None  # "Age 18-65.\nSigned consent." - one criterion a line, with no blank line between
    continues = not state.blank_before or inside or _CONTINUATION.match(text) is not None
    continues = continues or _FORMULA.match(text) is not None
    if parent is not None and (continues or parent.introduced or _introduces(parent)):
        parent.introduced = parent.introduced or _introduces(parent)
        indent = len(line) - len(line.lstrip())
        if not parent.sub_items:
            parent.one_block = parent.one_block and not state.blank_before
            parent.lines.append(text)
            if _ends_intro(parent):
                # "Subjects must meet all of the following ... prior to the\nbaseline visit:" (NCT01841593)
                _as_intro(state)
        elif indent > parent.sub_indents[-1] or (not state.blank_before and indent == parent.sub_indents[-1]):
            # indented past its sub-item's marker: a paragraph of that sub-item ("Note: ..." under "1. ...");
            # or the next line of it with no blank line between, wrapped back to its marker ("• Total
            # Bilirubin <= 2; ... ALT <= 5\ntimes the upper limit of normal", NCT05705570)
            parent.sub_items[-1] = f"{parent.sub_items[-1]} {text}"
        else:
            parent.sub_items.append(text)
            parent.sub_indents.append(indent)
        return
    if text.endswith(":") or (parent is None and _is_lead_in(text)):
        _read_intro(text, state)
        return
    state.context = ""
    state.drafts.append(
        _Draft(state.section, [text], -1, None, cohort=state.cohort, about_other=state.about_other)
    )
    state.top_indent, state.top_style = None, None


def _is_lead_in(text: str) -> bool:
    """Return True for a sentence that opens a block by pointing at the list below it ("Patients who meet any
    of the following criteria will be excluded from the study.", NCT05695391), written without the ':' that
    would make it an introduction: it states no requirement of its own (the README's set-15 ruling)."""
    return len(text) <= _INTRO_LIMIT and _LEAD_IN.search(text) is not None


def _read_intro(text: str, state: _State) -> None:
    """Read a paragraph that ends with ':' (it introduces what follows, it is no criterion)."""
    if state.section == INCLUSION and len(text) <= _INTRO_LIMIT and _EXCLUSION_INTRO.search(text):
        _open_section(EXCLUSION, state)  # "Patients meeting any of the following will be excluded:"
    state.intro_pending = True
    # a short one is read with each criterion below it; a subgroup's, however long, conditions them
    state.context = text if len(text) <= 40 or subgroup_heading(text) else ""


def _ends_intro(draft: _Draft) -> bool:
    """Return True for a free paragraph of one block of lines (hard-wrapped, no blank line inside) whose last
    line ends with ':': it introduces what follows as a one-line paragraph ending so does."""
    paragraph = draft.marker_style is None and draft.one_block and not draft.sub_items
    return paragraph and draft.lines[-1].endswith(":")


def _as_intro(state: _State) -> None:
    """Take the paragraph just read back from the criteria and read it as an introduction."""
    draft = state.drafts.pop()
    _read_intro(" ".join(draft.lines), state)


def _labels_part_of(text: str, parent: _Draft) -> bool:
    """Return True for a paragraph labelled with the number of the item above and a letter ("7a. At a
    minimum, ..." after "7. Standard curative measures ..."): a part of that item, not a criterion."""
    label = _PART_LABEL.match(text)
    number = _MARKER_NUMBER.match(parent.marker)
    return label is not None and number is not None and label.group("num") == number.group("num")


def _introduces(parent: _Draft) -> bool:
    """Return True for a list item that ends with ':' and has nothing under it yet ("* Acceptable organ
    function as described below:"): the paragraph after it, even past a blank line, is what it introduces."""
    listed = parent.marker_style not in (None, "heading")
    return listed and not parent.sub_items and parent.lines[-1].endswith(":")


def _next_sentence_line(parent: _Draft, text: str, state: _State) -> bool:
    """Return True for a line of a paragraph list: the paragraph above ends its sentence and this one starts
    another, with no marker on either (a wrapped line goes on mid-sentence). Only for lines that are not
    indented: legacy records indent and hard-wrap their prose, where a line may end with a sentence."""
    return (
        parent.marker_style is None
        and not state.blank_before
        and parent.lines[-1].endswith((".", ";"))
        and not parent.sub_items
        and _SENTENCE_START.match(text) is not None
        and _CONTINUATION.match(text) is None  # "Note: ..." goes on with the criterion above
    )


def _only_placeholders(text: str, sub_items: list[str]) -> bool:
    """Return True for "Hormone receptor status:" whose only sub-item is "Not specified"."""
    return text.endswith(":") and bool(sub_items) and all(_PLACEHOLDER.match(item) for item in sub_items)


def _is_boilerplate(text: str) -> bool:
    """Return True for "Other protocol-defined criteria may apply" and the like: a remark, not a criterion."""
    return len(text) < 300 and bool(_BOILERPLATE.search(text))


def _unwrap(drafts: list[_Draft]) -> list[_Draft]:
    """Return the drafts with every wrapper bullet replaced by its sub-items, each a criterion."""
    unwrapped: list[_Draft] = []
    for block in _blocks(drafts):
        lone = sum(1 for draft in block if draft.marker_style != "heading") == 1
        labels_lists = _labels_numbered_lists(block)
        for draft in block:
            if _is_wrapper(draft, lone=lone or labels_lists):
                unwrapped.extend(_promoted_items(draft))
            else:
                unwrapped.append(draft)
    return unwrapped


def _labels_numbered_lists(block: list[_Draft]) -> bool:
    """Return True for a block whose list items are all labels over numbered lists of their own ("A) To be
    checked before the induction phase:" then "1. ...", "B) ... before the maintenance phase:" then "1. ...",
    NCT05692999): the author numbers the criteria, the lettered or bulleted labels name the parts they hold
    for. A block of numbered items ending ':' over bullets ("1. Hematology:" then "* ANC ...") is not one:
    there the numbered items are the criteria."""
    listed = [draft for draft in block if draft.marker_style not in (None, "heading")]
    return len(listed) > 1 and all(
        _is_wrapper(draft, lone=True)
        and draft.sub_style in ("number", "paren-number")
        and draft.marker_style not in ("number", "paren-number")
        for draft in listed
    )


def _promoted_items(wrapper: _Draft) -> list[_Draft]:
    """Return a wrapper's sub-items as criteria, each with the items indented deeper below it as its own
    sub-items ("4. Female participants: ... at least one of the following applies:" then "1. Not a WOCBP")."""
    promoted: list[_Draft] = []
    for item, indent in zip(wrapper.sub_items, wrapper.sub_indents, strict=True):
        if promoted and wrapper.sub_indent is not None and indent > wrapper.sub_indent:
            promoted[-1].sub_items.append(item)
        else:
            promoted.append(_promoted(wrapper, item))
    return promoted


def _promoted(wrapper: _Draft, item: str) -> _Draft:
    """Return a wrapper's sub-item as a criterion; a wrapper naming a subgroup ("For patients in Part B:")
    stays beside it as its sub-heading."""
    heading = " ".join(wrapper.lines).strip()
    context = heading if subgroup_heading(heading) else wrapper.context
    indent, style = wrapper.marker_indent, wrapper.marker_style
    return _Draft(
        wrapper.section,
        [item],
        indent,
        style,
        context=context,
        cohort=wrapper.cohort,
        about_other=wrapper.about_other,
    )


def _blocks(drafts: list[_Draft]) -> list[list[_Draft]]:
    """Return the drafts in runs between headings (each heading opens a run)."""
    blocks: list[list[_Draft]] = [[]]
    for draft in drafts:
        if draft.marker_style == "heading":
            blocks.append([])
        blocks[-1].append(draft)
    return blocks


def _is_wrapper(draft: _Draft, *, lone: bool) -> bool:
    if draft.marker_style == "heading" or not draft.sub_items:
        return False
    text = " ".join(draft.lines).strip()
    if not text:
        return True
    # in an exclusion block "any of the following" excludes on each item alone: a wrapper all the same
    alternatives = draft.section != EXCLUSION and _ALTERNATIVES_INTRO.search(text) is not None
    return lone and len(draft.sub_items) > 1 and _leads_in(text) and not alternatives


def _leads_in(text: str) -> bool:
    """Return True for an item's text that only introduces the list below it: it ends with ':', or it is one
    sentence that points at "the following" ("Patients with any of the following criteria were not enrolled
    in this study", NCT05704166, written without its ':')."""
    if text.endswith(":"):
        return True
    return len(text) <= _LEAD_IN_LENGTH and _POINTS_BELOW.search(text) is not None and "." not in text[:-1]


def _number(drafts: list[_Draft]) -> list[CriterionText]:
    counters = {INCLUSION: 0, EXCLUSION: 0}
    criteria = []
    for draft in drafts:
        text = " ".join(draft.lines).strip()
        if (
            not text
            or draft.boilerplate
            or _PLACEHOLDER.match(text)
            or _only_placeholders(text, draft.sub_items)
        ):
            continue
        counters[draft.section] += 1
        criteria.append(
            CriterionText(
                draft.section,
                counters[draft.section],
                text,
                tuple(draft.sub_items),
                draft.context,
                draft.cohort,
                draft.about_other,
            )
        )
    return criteria
