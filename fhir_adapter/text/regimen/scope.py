"""Keep, of one intervention text shared by several arms, the passages that apply to the arm being read.

An intervention linked to many arms may state one dose per group of arms (NCT03424005):

    For Atezolizumab + SGN-LIV1A, Bevacizumab, ... arms: Atezolizumab ... 1200 mg, on Day 1 ...
    For Atezolizumab + Bevacizumab+ Cobimetinib, + Selicrelumab + Bevacizumab, ... arms: ... 840 mg ...

or by the size of the combination ("When given as a doublet combination, ... 15 mg/kg ... When given as a
triplet combination, ... 10 mg/kg"). A passage is dropped for an arm only when another passage of the same
text names that arm for certain; when no passage does, every passage is kept and the doses stay
alternatives whose rule is not stated. Dropped passages become spaces, so positions do not move.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fhir_adapter.text.regimen.lexicon import Lexicon

_ARM_SCOPE = re.compile(
    r"(?:^|(?<=[.;\n]))[^\S\n]*(?:For|In)\s+(?:the\s+)?(?P<arms>[^:\n.]{2,300}?)\s+(?:arms?|groups?|cohorts?)\s*[:,]",
    re.IGNORECASE,
)
_SIZE_SCOPE = re.compile(
    r"(?:^|(?<=[.;\n]))[^\S\n]*When\s+(?:given|administered|used)\s+(?:as\s+)?(?:an?\s+|in\s+)?(?P<size>monotherapy|"
    r"single[- ]agent|doublet|triplet|quadruplet)\b",
    re.IGNORECASE,
)
# "Phase Ib: 320 mg/ 400 mg ... Phase III: at the dose confirmed in the phase Ib portion" (NCT04862663): a
# passage for the arms of one trial phase, which an arm names as "(Ph III)" or "Phase 1b" in its label or
# description. Bounded words, so linear.
_PHASE = r"(?:IV|I{1,3}|[1-4])[ab]?\b"
_PHASE_SCOPE = re.compile(
    rf"(?<![\w-])Phase\s++(?P<phases>{_PHASE}(?:\s*+(?:and|/|,|&)\s*+(?:Phase\s++)?{_PHASE}){{0,3}})\s*+:",
    re.IGNORECASE,
)
_ARM_PHASE = re.compile(rf"(?<![\w-])Ph(?:ase|\.)?\s*+(?P<phase>{_PHASE})", re.IGNORECASE)
_PHASE_ITEM = re.compile(_PHASE, re.IGNORECASE)
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
_SIZES = {"monotherapy": 1, "single-agent": 1, "doublet": 2, "triplet": 3, "quadruplet": 4}
_ITEM_SPLIT = re.compile(r"(?<!\s)\s*(?:,\s*or\s+|,|\bor\b|\band\b)\s*", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]+")


# "Arm C: ...", "Arm 2 - ..." (the arm's own id); "..., and on days 1 and 22 ... for Arm C only", "(Arms B
# and C)": a clause after a comma or "and" scoped to lettered arms. Bounded, so linear.
_ARM_ID = re.compile(r"arm\s++([A-Z0-9]{1,2})\b", re.IGNORECASE)  # matched at the label start, stripped
_TRAILING_SCOPE = re.compile(
    r"(?:[,;]\s*+(?:and\s++)?|\band\s++)(?P<clause>[^,;.()\n]{1,160}?)\s*+(?:\(\s*+|\bfor\s++|\bin\s++)"
    r"(?:only\s++)?(?i:arms?)\s++(?P<ids>(?-i:[A-Z0-9]{1,2})(?:\s*+(?:,|and|&|\+)\s*+(?:and\s++)?"
    r"(?-i:[A-Z0-9]{1,2})\b)*)(?:\s++only)?\s*+\)?",
    re.IGNORECASE,
)
_ID = re.compile(r"\b[A-Z0-9]{1,2}\b")
# "Arm 1: Osimertinib 80 mg ... with Datopotamab Deruxtecan 6mg/kg ... Arm 2: Osimertinib 80 mg" in one
# intervention text linked to both arms (NCT06350097): a passage headed by an arm's own id. Bounded, linear.
_ARM_ID_SCOPE = re.compile(r"(?:^|(?<=[.;\n]))[^\S\n]*+(?i:arm)\s++(?P<id>[A-Z0-9]{1,2})\s*+:")


# "In the induction therapy phase, a loading dose (1200 mg pertuzumab, ...) will be administered in the first
# cycle" (NCT05296798): a sentence for one treatment phase, not for an arm whose label names another phase
# only ("Arm A, Maintenance Therapy: Phesgo"). Bounded words, so linear.
_TREATMENT_PHASES = r"induction|maintenance|consolidation|neoadjuvant|adjuvant|intensification"
_TREATMENT_PHASE_SCOPE = re.compile(
    rf"(?:^|(?<=[.;\n]))[^\S\n]*+(?:In|During)\s++(?:the\s++)?(?P<phase>{_TREATMENT_PHASES})"
    r"(?:\s++(?:therapy|treatment))?\s++(?:phase|period|part)\b",
    re.IGNORECASE,
)
_LABEL_PHASE = re.compile(rf"(?<![\w-])(?:{_TREATMENT_PHASES})\b", re.IGNORECASE)
_SENTENCE_STOP = re.compile(r"\.(?=\s|$)|\n")


@dataclass(frozen=True)
class ArmShape:
    """What the scope phrases are compared with: the arm's label, how many drugs it links, and the drug
    keys of the text being read (the drug every arm of the list shares)."""

    label: str
    drug_count: int
    own_drugs: frozenset[str] = frozenset()
    phases: frozenset[str] = frozenset()  # the trial phases the arm names ("1b", "3"), see `arm_phases`


@dataclass(frozen=True)
class _Passage:
    start: int
    end: int
    applies: bool | None  # True: names this arm; False: names other arms only; None: cannot tell


def applicable_text(text: str, arm: ArmShape, lexicon: Lexicon) -> str:
    """Return `text` with the passages scoped to other arms blanked, when one passage is this arm's.

    >>> from fhir_adapter.text.regimen.lexicon import names_lexicon
    >>> drugs = names_lexicon(["Atezolizumab", "Bevacizumab", "Capecitabine", "Ipatasertib"])
    >>> text = "For Atezolizumab + Bevacizumab or Capecitabine arms: 1200 mg. For + Ipatasertib arms: 840 mg."
    >>> shape = ArmShape("Atezolizumab + Ipatasertib", 2, frozenset({"atezolizumab"}))
    >>> applicable_text(text, shape, drugs).split()
    ['For', '+', 'Ipatasertib', 'arms:', '840', 'mg.']
    >>> applicable_text(text, ArmShape("Other", 1), drugs) == text
    True
    >>> text = "When given as a doublet, 15 mg/kg. When given as a triplet combination, 10 mg/kg."
    >>> applicable_text(text, ArmShape("A + B + C", 3), Lexicon()).split()
    ['When', 'given', 'as', 'a', 'triplet', 'combination,', '10', 'mg/kg.']
    >>> text = "Arm 1: X 80 mg with Y 6 mg/kg. Arm 2: X 80 mg."
    >>> applicable_text(text, ArmShape("Arm 2: X monotherapy", 1), Lexicon()).split()
    ['Arm', '2:', 'X', '80', 'mg.']
    """
    text = _without_other_phase_sentences(_without_other_arms_clauses(text, arm), arm)
    passages = _passages(text, arm, lexicon)
    if not any(p.applies for p in passages):
        return text
    kept = list(text)
    for passage in passages:
        if passage.applies is False:
            kept[passage.start : passage.end] = " " * (passage.end - passage.start)
    return "".join(kept)


def _without_other_arms_clauses(text: str, arm: ArmShape) -> str:
    """Return `text` with the clauses scoped to lettered arms other than this one blanked: "on Day 1 of each
    21-day cycle, and on days 1 and 22 of concurrent chemoradiotherapy for Arm C only" read for "Arm A:
    Atezolizumab" keeps Day 1 (NCT05798663). Only for an arm whose label starts "Arm <letter or number>".

    >>> text = "600 mg on day 1, and on days 1 and 22 (Arm C only)."
    >>> _without_other_arms_clauses(text, ArmShape("Arm B", 1)).split()
    ['600', 'mg', 'on', 'day', '1,', 'and', '.']
    """
    own = _ARM_ID.match(arm.label.strip())
    if own is None:
        return text
    kept = text
    for match in _TRAILING_SCOPE.finditer(text):
        ids = set(_ID.findall(match.group("ids")))
        if own.group(1).upper() not in ids:
            start, end = match.start("clause"), match.end()
            kept = kept[:start] + " " * (end - start) + kept[end:]
    return kept


def _without_other_phase_sentences(text: str, arm: ArmShape) -> str:
    """Return `text` with the sentences scoped to a treatment phase the arm's label does not name blanked,
    when the label names one ("Maintenance Therapy"); a label naming none keeps every sentence.

    >>> text = "In the induction therapy phase, a loading dose (1200 mg) is given. Then 600 mg Q3W."
    >>> _without_other_phase_sentences(text, ArmShape("Arm A, Maintenance Therapy: X", 1)).split()
    ['Then', '600', 'mg', 'Q3W.']
    >>> _without_other_phase_sentences(text, ArmShape("Induction Therapy: X", 1)) == text
    True
    """
    own = {m.group().lower() for m in _LABEL_PHASE.finditer(arm.label)}
    if not own:
        return text
    kept = text
    for match in _TREATMENT_PHASE_SCOPE.finditer(text):
        if match.group("phase").lower() in own:
            continue
        stop = _SENTENCE_STOP.search(text, match.end())
        start, end = match.start(), stop.end() if stop else len(text)
        kept = kept[:start] + " " * (end - start) + kept[end:]
    return kept


def _passages(text: str, arm: ArmShape, lexicon: Lexicon) -> list[_Passage]:
    found: list[tuple[int, bool | None]] = []
    for match in _ARM_SCOPE.finditer(text):
        found.append((match.start(), _names_arm(match.group("arms"), arm, lexicon)))
    for match in _PHASE_SCOPE.finditer(text):
        phases = {_phase(m.group()) for m in _PHASE_ITEM.finditer(match.group("phases"))}
        found.append((match.start(), bool(phases & arm.phases) if arm.phases else None))
    own = _ARM_ID.match(arm.label.strip())
    for match in _ARM_ID_SCOPE.finditer(text):
        found.append((match.start(), match.group("id").upper() == own.group(1).upper() if own else None))
    for match in _SIZE_SCOPE.finditer(text):
        size = _SIZES[match.group("size").lower().replace(" ", "-")]
        found.append((match.start(), size == arm.drug_count))
    found.sort()
    ends = [start for start, _ in found[1:]] + [len(text)] if found else []
    return [_Passage(start, end, applies) for (start, applies), end in zip(found, ends, strict=True)]


def _names_arm(arms: str, arm: ArmShape, lexicon: Lexicon) -> bool | None:
    """Return True when the list names the arm, False when it surely does not, None when unsure.

    Items are often elliptical ("SGN-LIV1A, Bevacizumab ... arms" for "Atezolizumab + SGN-LIV1A" and
    "Atezolizumab + Bevacizumab"), so an item names the arm when the drugs it adds to the text's own drug
    are the drugs the arm's label adds to it. An item naming no drug ("Chemo") names the arm when all its
    words are in the arm's label.
    """
    label_drugs = {m.key for m in lexicon.find(arm.label)} - arm.own_drugs
    label_words = set(_WORD.findall(arm.label.lower()))
    items = [i for i in _ITEM_SPLIT.split(arms) if i.strip(" +")]
    for item in items:
        item_drugs = {m.key for m in lexicon.find(item)} - arm.own_drugs
        if item_drugs and item_drugs == label_drugs:
            return True
        words = set(_WORD.findall(item.lower()))
        if not item_drugs and words and words <= label_words:
            return True
    return False if label_drugs else None


def arm_phases(*texts: str | None) -> frozenset[str]:
    """Return the trial phases an arm's label or description names, spelled "1b", "3".

    >>> sorted(arm_phases("Capivasertib Plus Fulvestrant (Ph 1b)", "Phase III portion; phases"))
    ['1b', '3']
    """
    return frozenset(_phase(m.group("phase")) for t in texts if t for m in _ARM_PHASE.finditer(t))


def _phase(written: str) -> str:
    lower = written.lower()
    suffix = lower[-1] if lower[-1] in "ab" else ""
    number = lower[: len(lower) - len(suffix)]
    return _ROMAN.get(number, number) + suffix
