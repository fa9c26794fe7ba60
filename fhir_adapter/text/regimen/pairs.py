"""Doses of a combination written pairwise: one number per drug, in the order the names are written.

"Sacubitril/valsartan 97/103 mg" is 97 mg sacubitril and 103 mg valsartan; "cagrilintide/semaglutide 2.4 mg/
2.4 mg" is 2.4 mg of each; "600/100 mg tablets of TMC114/rtv" (NCT00081588) is 600 mg TMC114 and 100 mg rtv.
Only when the names are joined by "/" and the text writes as many numbers, joined by "/", right after the
names or right before them: anything else between stays as it was (a combination's doses left out, with
their warning). Both drugs take the schedule words of the dose as written ("twice daily"). One dose right
after the names ("sacubitril/valsartan 200 mg") is the combination's, not its last drug's: left out.
"""

from __future__ import annotations

import re
from dataclasses import replace

from fhir_adapter.text.markdown import unescape
from fhir_adapter.text.regimen.doses import COMBINATION_DOUBT, NUMBER, Dose, parse_number
from fhir_adapter.text.regimen.entries import Entry
from fhir_adapter.text.regimen.lexicon import Mention
from fhir_adapter.text.regimen.segments import Cut

_NAME_JOIN = re.compile(r"[ \t]*+/[ \t]*+")
_DOSE_JOIN = re.compile(r"[ \t]*+/[ \t]*+")
_AFTER_NAMES = re.compile(r"[ \t]*+(?:\([ \t]*+)?")
_BEFORE_NAMES = re.compile(r"[ \t]*+(?:(?:tablets?|capsules?)[ \t]++)?(?:of[ \t]++)?", re.IGNORECASE)
# The numbers before a combination's last dose: "97/" of "97/103 mg", "50/200/" of "50/200/25 mg".
_LEADING_NUMBERS = re.compile(rf"(?<![\d.,/])(?:{NUMBER}[ \t]*+/[ \t]*+)++$")
_NUMBER = re.compile(NUMBER)
_REACH = 60  # how far before a combination's last dose its other numbers may start


def paired_entries(cut: Cut, entries: list[Entry]) -> tuple[list[Entry], set[int]]:
    """Return the entries with each combination's doses given to its drugs, and where the doses so read
    start (they are no longer unattributed)."""
    taken: set[int] = set()
    for names in _name_runs(cut):
        doses = _doses_after(cut, names[-1].end) or _doses_before(cut, names[0].start)
        if doses is None:
            entries = _combined_dose_left_out(cut, entries, names)
            continue
        if len(doses) != len(names):
            continue
        paired = _assigned(entries, names, doses, cut)
        if paired is not None:
            entries = paired
            taken.update(d.start for d in doses)
    return entries, taken


def _combined_dose_left_out(cut: Cut, entries: list[Entry], names: list[Mention]) -> list[Entry]:
    """Return the entries with one dose written right after the names ("sacubitril/valsartan 200 mg") left
    out: it is the combination's, not its last drug's."""
    start = _AFTER_NAMES.match(cut.norm, names[-1].end)
    position = start.end() if start else names[-1].end
    keys = {m.key for m in names}
    combination = cut.norm[names[0].start : names[-1].end]
    doubt = f"a dose of the combination {combination!r}, not of one of its drugs"
    return [
        replace(e, dose=replace(e.dose, value=None, high=None, ambiguous=True, doubt=doubt))
        if e.key in keys and e.dose is not None and e.dose.start == position and e.dose.value is not None
        else e
        for e in entries
    ]


def _name_runs(cut: Cut) -> list[list[Mention]]:
    """Return each run of two names or more of different drugs joined by "/" ("Sacubitril/valsartan")."""
    runs: list[list[Mention]] = []
    run: list[Mention] = []
    for mention in cut.mentions:
        joined = run and _NAME_JOIN.fullmatch(cut.norm, run[-1].end, mention.start)
        if joined and all(m.key != mention.key for m in run):
            run.append(mention)
            continue
        if len(run) > 1:
            runs.append(run)
        run = [mention]
    if len(run) > 1:
        runs.append(run)
    return runs


def _doses_after(cut: Cut, position: int) -> list[Dose] | None:
    start = _AFTER_NAMES.match(cut.norm, position)
    return _pair_at(cut, start.end() if start else position)


def _doses_before(cut: Cut, position: int) -> list[Dose] | None:
    ends = [d for d in cut.doses if d.end <= position]
    if not ends or not _BEFORE_NAMES.fullmatch(cut.norm, ends[-1].end, position):
        return None
    last = ends[-1]
    written = _LEADING_NUMBERS.search(cut.norm, max(0, last.start - _REACH), last.start)
    first = written.start() if written else _chain_start(cut, last)
    return _pair_at(cut, first) if first is not None else None


def _chain_start(cut: Cut, last: Dose) -> int | None:
    """Return where a chain of whole doses joined by "/" that ends with `last` starts ("2.4 mg/2.4 mg")."""
    chain = [d for d in cut.doses if d.end <= last.end]
    start = last.start
    for dose in reversed(chain[:-1]):
        if not _DOSE_JOIN.fullmatch(cut.norm, dose.end, start):
            break
        start = dose.start
    return start if start != last.start else None


def _pair_at(cut: Cut, position: int) -> list[Dose] | None:
    """Return the doses a combination writes from `position`: numbers joined by "/" before one dose whose
    unit they share ("97/103 mg"), or whole doses joined by "/" ("2.4 mg/2.4 mg"); None when it is not one."""
    following = [d for d in cut.doses if d.start >= position]
    if not following:
        return None
    first = following[0]
    if first.start != position:
        return _numbers_before(cut, position, first)
    chain = [first]
    for dose in following[1:]:
        if not _DOSE_JOIN.fullmatch(cut.norm, chain[-1].end, dose.start):
            break
        chain.append(dose)
    plain = all(d.value is not None and d.high is None and not d.chained for d in chain)
    return chain if len(chain) > 1 and plain else None


def _numbers_before(cut: Cut, position: int, last: Dose) -> list[Dose] | None:
    written = cut.norm[position : last.start]
    if last.doubt != COMBINATION_DOUBT or not _LEADING_NUMBERS.fullmatch(written):
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


def _assigned(entries: list[Entry], names: list[Mention], doses: list[Dose], cut: Cut) -> list[Entry] | None:
    """Return the entries with one entry per drug of the combination, its dose, and the schedule of the
    entry that held the combination's doses; None when another drug's entry holds them."""
    keys = {m.key for m in names}
    starts = {d.start for d in doses} | {d.end for d in doses}
    # The schedule words follow the last dose written: its entry is the one whose schedule both drugs take.
    holders = [e for e in entries if e.dose is not None and _holds(e.dose, starts)]
    holder = holders[-1] if holders else None
    if holder is None:  # doses written before the names, read as nobody's: the last name's passage
        holder = next((e for e in entries if e.key == names[-1].key and _around(e, names)), None)
    if holder is None or holder.key not in keys:
        return None
    first, last = min(d.start for d in doses), max(d.end for d in doses)
    written = unescape(cut.text[first:last])
    paired = [
        replace(holder, key=m.key, dose=d, dose_written=written, choice=None)
        for m, d in zip(names, doses, strict=True)
    ]

    def replaced(entry: Entry) -> bool:
        """The entry that held the doses, another of them, or a doseless mention of a drug of the names."""
        if entry is holder or entry.key not in keys:
            return entry is holder
        if entry.dose is not None:
            return _holds(entry.dose, starts)
        return _around(entry, names)

    where = next(i for i, e in enumerate(entries) if e is holder)
    before = [e for e in entries[:where] if not replaced(e)]
    return [*before, *paired, *(e for e in entries[where:] if not replaced(e))]


def _holds(dose: Dose, starts: set[int]) -> bool:
    return dose.start in starts or dose.end in starts


def _around(entry: Entry, names: list[Mention]) -> bool:
    """Return True when the entry's passage holds a name of the run ("Sacubitril/" of "Sacubitril/...")."""
    return entry.segment_start < names[-1].end and entry.segment_end > names[0].start
