"""Doses of a combination written pairwise: one number per drug, in the order the names are written.

"Sacubitril/valsartan 97/103 mg" is 97 mg sacubitril and 103 mg valsartan; "cagrilintide/semaglutide 2.4 mg/
2.4 mg" is 2.4 mg of each; "600/100 mg tablets of TMC114/rtv" (NCT00081588) is 600 mg TMC114 and 100 mg rtv.
Only when the names are joined by "/" and the text writes as many numbers, joined by "/", right after the
names or right before them: anything else between stays as it was (a combination's doses left out, with
their warning). Both drugs take the schedule words of the dose as written ("twice daily"). One dose right
after the names ("sacubitril/valsartan 200 mg") is the combination's, not its last drug's: left out.

Each step looks entries and doses up by position (dictionaries, bisection), so a text full of "A/B" pairs
is read in linear time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from fhir_adapter.text.markdown import unescape
from fhir_adapter.text.regimen.doses import COMBINATION_DOUBT, NUMBER, Dose, parse_number
from fhir_adapter.text.regimen.entries import Entry, verbatim_of
from fhir_adapter.text.regimen.lexicon import Mention
from fhir_adapter.text.regimen.segments import Cut

# Each starts only where a run of spaces starts ("(?<![ \t])"): linear on any text (issue 11).
_JOIN = re.compile(r"(?<![ \t])[ \t]*+/[ \t]*+")
# A route written between the names and their dose ("Gemcitabine/Cisplatin IV (Intravenous) 1000 mg/m2",
# NCT06109779) keeps the dose right after the names. Bounded alternatives, so linear.
_ROUTE_WORD = r"(?:IV|i\.v\.|PO|p\.o\.|SC|s\.c\.|oral(?:ly)?|intravenous(?:ly)?|subcutaneous(?:ly)?)"
_AFTER_NAMES = re.compile(
    rf"(?<![ \t])[ \t]*+(?:{_ROUTE_WORD}[ \t]*+)?(?:\([ \t]*+{_ROUTE_WORD}[ \t]*+\)[ \t]*+)?(?:\([ \t]*+)?",
    re.IGNORECASE,
)
_BEFORE_NAMES = re.compile(
    r"(?<![ \t])[ \t]*+(?:(?:tablets?|capsules?)[ \t]++)?(?:of[ \t]++)?", re.IGNORECASE
)
# The numbers before a combination's last dose: "97/" of "97/103 mg", "50/200/" of "50/200/25 mg".
_LEADING_NUMBERS = re.compile(rf"(?<![\d.,/])(?:{NUMBER}[ \t]*+/[ \t]*+)++$")
_NUMBER = re.compile(NUMBER)
_REACH = 60  # how far before a combination's last dose its other numbers may start


@dataclass
class _Pairing:
    """The entries of one text, indexed by where their doses and passages start, and the changes to make:
    entries to drop, and the combination entries that take the place of an entry."""

    entries: list[Entry]
    by_dose: dict[int, int] = field(default_factory=dict)  # a dose's start or end -> entry index
    by_passage: dict[int, list[int]] = field(default_factory=dict)  # segment start -> entry indexes
    dropped: set[int] = field(default_factory=set)
    placed: dict[int, list[Entry]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for i, entry in enumerate(self.entries):
            if entry.dose is not None:
                self.by_dose.setdefault(entry.dose.start, i)
                self.by_dose.setdefault(entry.dose.end, i)
            self.by_passage.setdefault(entry.segment_start, []).append(i)

    def result(self) -> list[Entry]:
        kept: list[Entry] = []
        for i, entry in enumerate(self.entries):
            kept.extend(self.placed.get(i, ()))
            if i not in self.dropped:
                kept.append(entry)
        return kept


def paired_entries(cut: Cut, entries: list[Entry]) -> tuple[list[Entry], set[int]]:
    """Return the entries with each combination's doses given to its drugs, and where the doses so read
    start (they are no longer unattributed)."""
    pairing = _Pairing(list(entries))
    taken: set[int] = set()
    for names in _name_runs(cut):
        doses = _doses_after(cut, names[-1].end) or _doses_before(cut, names[0].start)
        if doses is None:
            _leave_out_combined_dose(cut, pairing, names)
        elif len(doses) == len(names) and _assign(cut, pairing, names, doses):
            taken.update(d.start for d in doses)
    return pairing.result(), taken


def _name_runs(cut: Cut) -> list[list[Mention]]:
    """Return each run of two names or more of different drugs joined by "/" ("Sacubitril/valsartan")."""
    runs: list[list[Mention]] = []
    run: list[Mention] = []
    keys: set[str] = set()
    for mention in cut.mentions:
        if run and mention.key not in keys and _JOIN.fullmatch(cut.norm, run[-1].end, mention.start):
            run.append(mention)
            keys.add(mention.key)
            continue
        if len(run) > 1:
            runs.append(run)
        run, keys = [mention], {mention.key}
    if len(run) > 1:
        runs.append(run)
    return runs


def _doses_after(cut: Cut, position: int) -> list[Dose] | None:
    start = _AFTER_NAMES.match(cut.norm, position)
    return _doses_at(cut, start.end() if start else position)


def _doses_before(cut: Cut, position: int) -> list[Dose] | None:
    index = cut.last_dose_by(position)  # the last dose that ends before the names
    if index < 0 or not _BEFORE_NAMES.fullmatch(cut.norm, cut.doses[index].end, position):
        return None
    last = cut.doses[index]
    written = _LEADING_NUMBERS.search(cut.norm, max(0, last.start - _REACH), last.start)
    first = written.start() if written else _chain_start(cut, index)
    return _doses_at(cut, first) if first is not None else None


def _chain_start(cut: Cut, index: int) -> int | None:
    """Return where a chain of whole doses joined by "/" that ends with dose `index` starts ("2.4 mg/2.4
    mg"); None when no dose is joined to it."""
    start = index
    while start > 0 and _JOIN.fullmatch(cut.norm, cut.doses[start - 1].end, cut.doses[start].start):
        start -= 1
    return cut.doses[start].start if start < index else None


def _doses_at(cut: Cut, position: int) -> list[Dose] | None:
    """Return the doses a combination writes from `position`: numbers joined by "/" before one dose whose
    unit they share ("97/103 mg"), or whole doses joined by "/" ("2.4 mg/2.4 mg"); None when it is not one."""
    index = cut.first_dose_from(position)
    if index >= len(cut.doses):
        return None
    first = cut.doses[index]
    if first.start != position:
        return _numbers_before(cut, position, first)
    chain = [first]
    while index + len(chain) < len(cut.doses):
        dose = cut.doses[index + len(chain)]
        if not _JOIN.fullmatch(cut.norm, chain[-1].end, dose.start):
            break
        chain.append(dose)
    plain = all(d.value is not None and d.high is None and not d.chained for d in chain)
    return chain if len(chain) > 1 and plain else None


def _numbers_before(cut: Cut, position: int, last: Dose) -> list[Dose] | None:
    if last.doubt != COMBINATION_DOUBT or last.start - position > _REACH:
        return None
    written = cut.norm[position : last.start]
    if not _LEADING_NUMBERS.fullmatch(written):
        return None
    numbers = [(position + m.start(), position + m.end()) for m in _NUMBER.finditer(written)]
    last_number = _NUMBER.match(cut.norm, last.start)
    if last_number is None:
        return None
    numbers.append((last.start, last_number.end()))
    values = [parse_number(cut.norm[s:e]) for s, e in numbers]
    if any(v is None for v in values):
        return None
    whole = cut.norm[position : last.end]
    return [
        Dose(s, e, v, None, last.unit, last.per_day, whole) for (s, e), v in zip(numbers, values, strict=True)
    ]


def _assign(cut: Cut, pairing: _Pairing, names: list[Mention], doses: list[Dose]) -> bool:
    """Give each drug of the combination its dose, with the schedule of the entry that held the doses (the
    last one: the schedule words follow the last dose written); False when another drug's entry holds them."""
    keys = {m.key for m in names}
    holders = sorted({pairing.by_dose[p] for d in doses for p in (d.start, d.end) if p in pairing.by_dose})
    if not holders:  # doses written before the names, read as nobody's: the last name's passage
        holders = [i for i in pairing.by_passage.get(names[-1].start, []) if pairing.entries[i].dose is None]
    if (
        not holders
        or any(pairing.entries[i].key not in keys for i in holders)
        or holders[-1] in pairing.dropped
    ):
        return False
    holder = pairing.entries[holders[-1]]
    first = min(d.start for d in doses)
    written = unescape(cut.text[first : max(d.end for d in doses)])
    # the holder's words may start at its own (last) dose, "26 mg sacubitril/": quote every dose and name
    quoted = verbatim_of(cut.text, min(first, holder.segment_start), max(holder.segment_end, names[-1].end))
    verbatim = quoted if first < holder.segment_start else holder.verbatim
    pairing.placed[holders[-1]] = [
        replace(holder, key=m.key, dose=d, dose_written=written, choice=None, verbatim=verbatim)
        for m, d in zip(names, doses, strict=True)
    ]
    pairing.dropped.update(holders)
    for mention in names:  # the drugs' doseless mentions in the names ("Sacubitril/")
        passage = pairing.by_passage.get(mention.start, [])
        pairing.dropped.update(i for i in passage if pairing.entries[i].dose is None)
    return True


def _leave_out_combined_dose(cut: Cut, pairing: _Pairing, names: list[Mention]) -> None:
    """Leave out one dose written right after the names ("sacubitril/valsartan 200 mg"): it is the
    combination's, not its last drug's."""
    start = _AFTER_NAMES.match(cut.norm, names[-1].end)
    position = start.end() if start else names[-1].end
    index = pairing.by_dose.get(position)
    if index is None:
        return
    entry = pairing.entries[index]
    if entry.dose is None or entry.dose.value is None or entry.dose.start != position:
        return
    if entry.key not in {m.key for m in names}:
        return
    combination = cut.norm[names[0].start : names[-1].end]
    doubt = f"a dose of the combination {combination!r}, not of one of its drugs"
    dose = replace(entry.dose, value=None, high=None, ambiguous=True, doubt=doubt)
    pairing.entries[index] = replace(entry, dose=dose)
