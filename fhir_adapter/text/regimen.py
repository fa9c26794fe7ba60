"""Parse an arm's treatment regimen from its description and its linked interventions' descriptions.

Entry point: `parse_regimen(trial, arm)`. The result states only what the text states; what it leaves out,
words as a placeholder or contradicts becomes a DataQualityIssue naming the trial, arm, drug and CT.gov
field. Steps: find the arm's drug names (regimen_drugs), cut each text into drug segments and read doses
and schedules (regimen_segments), merge arm and intervention texts per drug (regimen_merge), then settle
what needs the whole arm: the cycle, weekly patterns anchored by a day, and doses that need a condition.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from fhir_adapter.sources import Arm, DataQualityIssue, Intervention, TrialRecord
from fhir_adapter.text.regimen_drugs import (
    Lexicon,
    arm_lexicon,
    drug_key,
    is_drug_intervention,
    linked_interventions,
    name_components,
)
from fhir_adapter.text.regimen_finish import finish_entries, to_drug_dose
from fhir_adapter.text.regimen_merge import merge_sides
from fhir_adapter.text.regimen_model import CyclePhase, CycleRange, DrugDose, Regimen
from fhir_adapter.text.regimen_phases import cycle_phases
from fhir_adapter.text.regimen_scope import ArmShape, applicable_text
from fhir_adapter.text.regimen_segments import Entry, TextParse, parse_text

__all__ = ["CyclePhase", "CycleRange", "DrugDose", "Regimen", "cycle_phases", "parse_regimen"]

ARM_FIELD = "protocolSection.armsInterventionsModule.armGroups[{}].description"
INTERVENTION_FIELD = "protocolSection.armsInterventionsModule.interventions[{}].description"


@dataclass
class Report:
    """The data-quality findings of one arm's regimen, each written once."""

    nct_id: str
    arm: str
    issues: list[DataQualityIssue] = field(default_factory=list)

    def add(self, field_path: str, message: str, drug: str | None = None) -> None:
        issue = DataQualityIssue(self.nct_id, field_path, message, "warning", self.arm, drug)
        if issue not in self.issues:
            self.issues.append(issue)


@dataclass(frozen=True)
class _Text:
    parse: TextParse
    source: str
    field: str
    drug: str | None = None


def parse_regimen(trial: TrialRecord, arm: Arm, *, known_drugs: Iterable[str] = ()) -> Regimen:
    """Return the regimen of `arm`: its cycle and every drug dose its texts state, with the issues found.

    `known_drugs` are ingredient names to recognise in text beyond the arm's own interventions (the
    builders pass the names the RxNorm table knows).
    """
    linked = tuple(i for i in linked_interventions(trial, arm) if is_drug_intervention(i))
    if not linked:  # no drug given in this arm (procedures, devices, behaviour, placebo): nothing to dose
        return Regimen()
    lexicon = arm_lexicon(trial, linked, frozenset(known_drugs))
    report = Report(trial.nct_id, arm.label)
    texts = _parse_texts(trial, arm, linked, lexicon, report)
    length, cycles, until, cycle_text = _cycle(texts, report)
    entries = _merged_entries(texts, lexicon, report)
    entries += _named_only(trial, linked, entries, lexicon)
    entries = finish_entries(entries, length, lexicon, report)
    drugs = tuple(to_drug_dose(entry, lexicon, report) for entry in entries)
    return Regimen(length, cycles, until, cycle_text, drugs, tuple(report.issues))


def _parse_texts(
    trial: TrialRecord, arm: Arm, linked: tuple[Intervention, ...], lexicon: Lexicon, report: Report
) -> list[_Text]:
    texts: list[_Text] = []
    linked_keys = {drug_key(c) for i in linked for c in name_components(i.name)} & set(lexicon.drugs)
    if arm.description and arm in trial.arms:
        field_path = ARM_FIELD.format(trial.arms.index(arm))
        default = next(iter(linked_keys)) if len(linked_keys) == 1 else None
        texts.append(_Text(_parse(arm.description, lexicon, default, "arm", field_path), "arm", field_path))
    for intervention in linked:
        if intervention.description:
            field_path = INTERVENTION_FIELD.format(trial.interventions.index(intervention))
            keys = [drug_key(c) for c in name_components(intervention.name)]
            default = keys[0] if len(keys) == 1 and keys[0] in lexicon.drugs else None
            shape = ArmShape(arm.label, len(linked), frozenset(keys))
            description = applicable_text(intervention.description, shape, lexicon)
            parse = _parse(description, lexicon, default, "intervention", field_path)
            texts.append(_Text(parse, "intervention", field_path, intervention.name))
    for text in texts:
        _text_issues(text, report)
    return texts


def _parse(text: str, lexicon: Lexicon, default: str | None, source: str, field_path: str) -> TextParse:
    return parse_text(text, lexicon=lexicon, default_key=default, source=source, field=field_path)


def _text_issues(text: _Text, report: Report) -> None:
    parse = text.parse
    if parse.placeholder:
        report.add(text.field, f"placeholder text instead of dosing: {parse.placeholder!r}", text.drug)
    for dose in parse.unattributed:
        report.add(text.field, f"dose {dose.text!r} is not written next to a drug name; left out", text.drug)
    for dose in parse.limits:
        written = f"{(dose.limit or '').strip()} {dose.text}"
        report.add(
            text.field, f"{written!r} is a total, a limit or one unit's strength, not a dose", text.drug
        )


def _cycle(texts: list[_Text], report: Report) -> tuple[int | None, int | None, bool, str | None]:
    """Return (cycle length, number of cycles, until progression, cycle text), one value or none."""
    lengths = {n: (t.field, written) for t in texts for n, written in t.parse.cycle_lengths}
    length = next(iter(lengths)) if len(lengths) == 1 else None
    if len(lengths) > 1:
        where = next(iter(lengths.values()))[0]
        report.add(
            where, f"cycle length stated differently ({', '.join(f'{n} days' for n in lengths)}); left out"
        )
    counts = {n: (t.field, is_max, written) for t in texts for n, is_max, written in t.parse.cycle_counts}
    cycles = next(iter(counts)) if len(counts) == 1 else None
    if len(counts) > 1:
        report.add(
            next(iter(counts.values()))[0],
            f"number of cycles stated differently ({sorted(counts)}); left out",
        )
    elif cycles is not None and counts[cycles][1]:
        report.add(counts[cycles][0], f"{counts[cycles][2]!r} is a maximum; recorded as the number of cycles")
    until = any(t.parse.until_progression for t in texts)
    cycle_text = lengths[length][1] if length is not None else None
    return length, cycles, until, cycle_text


def _merged_entries(texts: list[_Text], lexicon: Lexicon, report: Report) -> list[Entry]:
    keys = list(dict.fromkeys(e.key for t in texts for e in t.parse.entries))
    merged: list[Entry] = []
    for key in keys:
        arm = [e for t in texts if t.source == "arm" for e in t.parse.entries if e.key == key]
        interventions = [
            e for t in texts if t.source == "intervention" for e in t.parse.entries if e.key == key
        ]
        entries, messages = merge_sides(arm, interventions)
        for message in messages:
            report.add(entries[0].fields[0], message, lexicon.drugs[key].display)
        merged.extend(entries)
    return merged


def _named_only(
    trial: TrialRecord, linked: tuple[Intervention, ...], entries: list[Entry], lexicon: Lexicon
) -> list[Entry]:
    """Return an empty entry for each linked drug no text doses, so the plan still lists it."""
    present = {e.key for e in entries}
    named: list[Entry] = []
    for intervention in linked:
        field_path = INTERVENTION_FIELD.format(trial.interventions.index(intervention))
        for component in name_components(intervention.name):
            key = drug_key(component)
            if key in lexicon.drugs and key not in present:
                present.add(key)
                named.append(Entry(key, 0, 0, verbatim=intervention.description or "", fields=(field_path,)))
    return named
