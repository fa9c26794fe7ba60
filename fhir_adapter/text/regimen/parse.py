"""Parse an arm's treatment regimen from its description and its linked interventions' descriptions.

Entry point: `parse_regimen(trial, arm)`. The result states only what the text states; what it leaves out,
words as a placeholder or contradicts becomes a DataQualityIssue naming the trial, arm, drug and CT.gov
field. Steps, one pass each:

1. the arm's drug names (lexicon.py), built from the linked interventions;
2. each text (the arm's, then each linked intervention's, keeping the passages scoped to this arm) cut into
   drug segments and read into entries (text_parse.py); the names each text meets are noted in turn;
3. the cycle: length, count, until progression;
4. per drug, the arm and intervention sides merged (merge.py), and the linked drugs no text doses listed;
5. what needs the whole arm (finish.py): weekly patterns anchored by a day, days within the cycle, doses
   that are alternatives; then each entry becomes a DrugDose.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from fhir_adapter.errors import counted
from fhir_adapter.sources import Arm, DataQualityIssue, Intervention, TrialRecord
from fhir_adapter.text.markdown import unescape
from fhir_adapter.text.regimen.confidence import withhold_doubtful
from fhir_adapter.text.regimen.doses import (
    CAP_REASON,
    DAILY_TOTAL_REASON,
    PLACEBO_REASON,
    SPLIT_REASON,
    STOPPED_REASON,
    STRENGTH_REASON,
    VOLUME_REASON,
    ZERO_REASON,
    normalize,
)
from fhir_adapter.text.regimen.entries import Entry
from fhir_adapter.text.regimen.finish import finish_entries, to_drug_dose
from fhir_adapter.text.regimen.lexicon import Lexicon, arm_lexicon
from fhir_adapter.text.regimen.merge import merge_sides
from fhir_adapter.text.regimen.model import DrugDose, Regimen
from fhir_adapter.text.regimen.names import (
    drug_key,
    is_drug_intervention,
    linked_interventions,
    name_components,
)
from fhir_adapter.text.regimen.scope import ArmShape, applicable_text, arm_phases
from fhir_adapter.text.regimen.strict import withhold_unproven
from fhir_adapter.text.regimen.text_parse import TextParse, parse_text
from fhir_adapter.text.regimen.trial import MAX_TEXT_CHARS, TrialTexts, bounded, trial_texts

_PLACEBO = re.compile(r"\bplacebo\b", re.IGNORECASE)
# "Avanafil or placebo": the drug named as the placebo's alternative.
# It may start only where no run of spaces or digits goes on before it, so a search is linear.
_OR_PLACEBO = re.compile(r"(?<![\s\d.])\s*+(?:\d[\d.]*+\s*+mg\s*+)?or\s++(?:matching\s++)?placebo\b")
_SALINE = re.compile(r"\b(?:saline|sodium\s+chloride|nacl)\b", re.IGNORECASE)
ARM_FIELD = "protocolSection.armsInterventionsModule.armGroups[{}].description"
INTERVENTION_FIELD = "protocolSection.armsInterventionsModule.interventions[{}].description"


@dataclass
class Report:
    """The data-quality findings of one arm's regimen, each written once."""

    nct_id: str
    arm: str
    issues: list[DataQualityIssue] = field(default_factory=list)

    def add(self, field_path: str, message: str, drug: str | None = None, severity: str = "warning") -> None:
        issue = DataQualityIssue(self.nct_id, field_path, message, severity, self.arm, drug)
        if issue not in self.issues:
            self.issues.append(issue)

    def note(self, field_path: str, message: str, drug: str | None = None) -> None:
        """Report a dosing phrase read but kept as text (severity 'information')."""
        self.add(field_path, message, drug, "information")


@dataclass(frozen=True)
class ArmText:
    """One text read for an arm: its parse, 'arm' or 'intervention', its CT.gov path, and the
    intervention's name (None for the arm's own description)."""

    parse: TextParse
    source: str
    field: str
    drug: str | None = None


@dataclass(frozen=True)
class Cycle:
    """The arm's cycle as its texts state it: each value only when the texts agree on one."""

    length_days: int | None = None
    count: int | None = None
    until_progression: bool = False
    text: str | None = None
    until_text: str | None = None


def parse_regimen(
    trial: TrialRecord, arm: Arm, *, known_drugs: Iterable[str] = (), strict_doses: bool = False
) -> Regimen:
    """Return the regimen of `arm`: its cycle and every drug dose its texts state, with the issues found.

    `known_drugs` are ingredient names to recognise in text beyond the arm's own interventions (the
    builders pass the names the RxNorm table knows). `strict_doses` (off by default) also withholds every
    dose whose reading leaves room for doubt (strict.py): fewer doses, more of them right.
    """
    linked = tuple(
        i
        for i in linked_interventions(trial, arm)
        if is_drug_intervention(i) and not _blinded_drug_of(arm, i) and not _saline_placebo(arm, i)
    )
    if not linked and _gets_no_drug(trial, arm):
        return Regimen()
    if not linked:
        # No drug intervention linked, no placebo: only the doses the arm's own text gives a known drug
        # ("Temozolomide 150-200mg/m2 d1-5" in a NO_INTERVENTION arm, NCT05694416; chemotherapy written in an
        # arm that links only a procedure, NCT05705687), each reported as not being an intervention of the
        # record
        return _unlisted_doses(trial, arm, frozenset(known_drugs), strict_doses)
    texts = trial_texts(trial)
    lexicon = arm_lexicon(
        trial.interventions, trial.intervention_meshes, linked, frozenset(known_drugs), texts.normalized
    )
    report = Report(trial.nct_id, arm.label)
    _report_long_texts(trial, arm, linked, report)
    arm_texts, lexicon = _read_arm_texts(trial, arm, linked, texts, lexicon)
    for text in arm_texts:
        _text_issues(text, lexicon, report)
    cycle = _cycle(arm_texts, report)
    entries = _merged_entries(arm_texts, lexicon, report)
    entries += _named_only(trial, linked, entries, lexicon)
    entries = finish_entries(entries, cycle.length_days, lexicon, report)
    drugs = tuple(to_drug_dose(entry, lexicon, report) for entry in entries)
    sources = tuple(unescape(t) for t in (arm.description, *(i.description for i in linked)) if t)
    drugs = withhold_doubtful(drugs, _own_texts(trial), report, _texts_about(trial), sources)
    arm_text = normalize(unescape(arm.description or ""))  # read once for the two checks below
    drugs = tuple(
        _other_arms_drug_withheld(trial, arm, arm_text, drug, lexicon, report=report) for drug in drugs
    )
    drugs = tuple(_placebo_of_withheld(arm_text, drug, report) for drug in drugs)
    if strict_doses:
        drugs = withhold_unproven(drugs, report)
    return Regimen(
        cycle.length_days,
        cycle.count,
        cycle.until_progression,
        cycle.text,
        drugs,
        tuple(report.issues),
        cycle.until_text,
    )


def _other_arms_drug_withheld(
    trial: TrialRecord, arm: Arm, arm_text: str, drug: DrugDose, lexicon: Lexicon, *, report: Report
) -> DrugDose:
    """Return the reading with its dose and days withheld when the drug is an intervention the record links
    to other arms and not to this one: the record itself says this arm does not get it, so a dose its text
    gives the drug is another arm's or another period's ("(1) SGLTi (sotagliflozin 200 mg PO each day) +
    Placebo and (2) SGLTi + GRA (volagidemab 35 mg ...)", one cross-over passage copied into every arm of
    NCT05696366, set 16). Withheld with the reason, never dropped: the registry's links can be wrong too."""
    if (drug.dose is None and drug.days is None) or not drug.verbatim:
        return drug
    if not _given_in_other_arms_words(trial, arm, arm_text, lexicon, drug):
        return drug
    return _dose_and_days_withheld(
        drug, report, "the record links this drug's intervention to other arms, not to this one"
    )


# "Placebo Vancomycin orally (125 mg 4xd, day -3 to 0)" (NCT05690048, set 17): the drug's name right after
# "placebo" names what the placebo matches; the dose written is the active arm's, not given here.
_PLACEBO_BEFORE = re.compile(r"\b(?:matching\s+)?placebo(?:\s+(?:of|for|to))?[ \t]{1,3}$", re.IGNORECASE)


def _placebo_of_withheld(arm_text: str, drug: DrugDose, report: Report) -> DrugDose:
    """Return the reading with its dose and days withheld when, in the arm's text (normalized), the passage
    read for the drug is written right after "placebo": the placebo of that drug, dosed like it."""
    if (drug.dose is None and drug.days is None) or not drug.verbatim or not arm_text:
        return drug
    start = arm_text.find(normalize(drug.verbatim).strip())
    if start <= 0 or _PLACEBO_BEFORE.search(arm_text[max(0, start - 30) : start]) is None:
        return drug
    return _dose_and_days_withheld(
        drug, report, "written right after 'placebo', the dose of what the placebo matches"
    )


def _dose_and_days_withheld(drug: DrugDose, report: Report, reason: str) -> DrugDose:
    """Return the reading without its dose and days, the warning giving `reason` reported."""
    report.add(drug.field_path, f"dose and days withheld: {reason}", drug.drug)
    return replace(drug.without_dose(), days=None)


def _given_in_other_arms_words(
    trial: TrialRecord, arm: Arm, arm_text: str, lexicon: Lexicon, drug: DrugDose
) -> bool:
    """Return True when the drug's intervention is linked to other arms and not to this one, the arm's label
    does not name it, and the dose was read from a paragraph copied word for word into such an arm's text
    that also names a drug this arm is linked to: a passage shared by several arms (a cross-over's two
    periods) doses each arm's own drug and the others'. A drug dosed in this arm's own words is kept:
    registries often leave a given drug unlinked (withholding every such dose cost 13 right doses over sets
    4-17; "2mg dexamethasone will be added" in two arms, "Part B: BV100 plus BAT")."""
    name = lexicon.drugs.get(drug.key)
    if name is None or name.linked or name.intervention is None:
        return False
    intervention = trial.interventions[name.intervention]
    label = arm.label.lower()
    if intervention in linked_interventions(trial, arm) or any(n.lower() in label for n in drug.names):
        return False
    paragraph = _paragraph_of(arm_text, normalize(drug.verbatim).strip())
    if paragraph is None or not _names_a_linked_drug(paragraph.lower(), lexicon, drug.key):
        return False
    return any(
        other != arm
        and intervention in trial.interventions_for(other)
        and paragraph in normalize(unescape(other.description or ""))
        for other in trial.arms
    )


def _paragraph_of(text: str, words: str) -> str | None:
    """Return the line of `text` holding `words`, or None when no one line holds them."""
    if not words:
        return None
    return next((line.strip() for line in text.splitlines() if words in line), None)


def _names_a_linked_drug(paragraph: str, lexicon: Lexicon, key: str) -> bool:
    """Return True when the paragraph names a drug, other than `key`, of an intervention linked to the arm."""
    return any(
        other.linked and other.key != key and any(len(n) >= 3 and n.lower() in paragraph for n in other_names)
        for other in lexicon.drugs.values()
        for other_names in [(other.display, *other.aliases)]
    )


def _saline_placebo(arm: Arm, intervention: Intervention) -> bool:
    """Return True for saline given in a placebo comparator arm: "0.9% Saline Solution, 30 ml/day as
    intravenous infusion" matching the active arm's volume (NCT00840671) is the placebo, no drug dose."""
    return arm.type == "PLACEBO_COMPARATOR" and _SALINE.search(intervention.name) is not None


def _blinded_drug_of(arm: Arm, intervention: Intervention) -> bool:
    """Return True when a placebo arm is linked to the blinded drug's intervention only as the drug's placebo:
    "Placebo 100mg or 200mg" linked to "Avanafil 100 or 200mg", whose text randomizes "to Avanafil 100mg or
    placebo 100mg" (NCT01705197). The arm's label does not name the drug, and its text names the drug only as
    the alternative of the placebo; the drug's doses are the other arm's."""
    if arm.type != "PLACEBO_COMPARATOR" or not _PLACEBO.search(arm.label):
        return False
    if not _PLACEBO.search(intervention.description or ""):
        return False
    words = {w for c in name_components(intervention.name) if len(w := c.split()[0].lower()) >= 4}
    if not words or any(w in arm.label.lower() for w in words):
        return False
    text = (arm.description or "").lower()
    return all(
        _OR_PLACEBO.match(text, found.end())
        for w in words
        for found in re.finditer(rf"\b{re.escape(w)}\b", text)
    )


# "no bosutinib 500 mg / day is given": a dose denied right before it (its drug's name between) is no dose of
# the arm. Not a denial of something else ("if surgery is not possible ... carboplatin AUC 8").
_DENIAL = re.compile(
    r"\b(?:no|without|instead\s+of|rather\s+than|(?:not|never)\s+(?:be\s+)?(?:receive|given|take|get)[a-z]*)"
    r"[ \t]++[^.;:,()\n]{0,30}$",
    re.IGNORECASE,
)
_DENIAL_REACH = 50


def _denied(norm: str, position: int) -> bool:
    """Return True when the dose at `position` is denied in the words right before it ("no bosutinib")."""
    return _DENIAL.search(norm, max(0, position - _DENIAL_REACH), position) is not None


def _gets_no_drug(trial: TrialRecord, arm: Arm) -> bool:
    """Return True when an arm with no drug intervention of its own is a placebo's or a blinded comparator's
    ("Take 0 mg/day of hyaluronic acid" in a PLACEBO_COMPARATOR arm, NCT05803083): its text's doses are the
    active arm's, never given here."""
    if arm.type == "PLACEBO_COMPARATOR":
        return True
    linked = linked_interventions(trial, arm)
    return any(is_drug_intervention(i) or _PLACEBO.search(i.label) for i in linked)


def _unlisted_doses(
    trial: TrialRecord, arm: Arm, known_drugs: frozenset[str], strict_doses: bool = False
) -> Regimen:
    """Return the doses an arm's own text gives when the arm links no drug intervention: an observational
    cohort "receiving bosutinib at a dose of 500 mg / day" (NCT05682924), chemotherapy written in an arm that
    links only a procedure. Only drugs the text names by a known ingredient name, a MeSH term or an INN stem,
    only with a dose, never one its sentence denies ("no bosutinib 500 mg / day is given"); each reported as
    not being an intervention of the record."""
    if not arm.description or arm not in trial.arms:
        return Regimen()
    texts = trial_texts(trial)
    lexicon = arm_lexicon(trial.interventions, trial.intervention_meshes, (), known_drugs, texts.normalized)
    report = Report(trial.nct_id, arm.label)
    field_path = ARM_FIELD.format(trial.arms.index(arm))
    text = bounded(arm.description)
    parse = _parse(text, texts, lexicon, default=None, source="arm", field_path=field_path)
    lexicon = lexicon.noting(parse.mentions)
    norm = normalize(text)
    dosed = [
        e
        for e in parse.entries
        if e.dose is not None and e.dose.value is not None and not _denied(norm, e.dose.start)
    ]
    if not dosed:
        return Regimen()
    arm_text = ArmText(replace(parse, entries=tuple(dosed)), "arm", field_path)
    entries = finish_entries(_merged_entries([arm_text], lexicon, report), None, lexicon, report)
    for key in dict.fromkeys(e.key for e in entries):
        message = "dosed in the arm text but not an intervention of the record; read from the text only"
        report.add(field_path, message, lexicon.drugs[key].display)
    drugs = tuple(to_drug_dose(entry, lexicon, report) for entry in entries)
    drugs = withhold_doubtful(drugs, _own_texts(trial), report, _texts_about(trial))
    if strict_doses:
        drugs = withhold_unproven(drugs, report)
    return Regimen(drugs=drugs, issues=tuple(report.issues))


def _own_texts(trial: TrialRecord) -> dict[str, frozenset[str]]:
    """Return each intervention description's CT.gov path with the keys of the drugs its name names."""
    return {
        INTERVENTION_FIELD.format(index): _keys_named(intervention)
        for index, intervention in enumerate(trial.interventions)
    }


def _texts_about(trial: TrialRecord) -> dict[str, frozenset[str]]:
    """Return each intervention description (normalized, as the readings quote it) with the keys of the
    drugs its name names."""
    about: dict[str, frozenset[str]] = {}
    for intervention in trial.interventions:
        if intervention.description:
            text = normalize(intervention.description)
            about[text] = about.get(text, frozenset()) | _keys_named(intervention)
    return about


def _keys_named(intervention: Intervention) -> frozenset[str]:
    """Return the keys of the drugs an intervention's name names ("Efavirenz/Emtricitabine": both)."""
    return frozenset(drug_key(c) for c in name_components(intervention.name))


def _report_long_texts(
    trial: TrialRecord, arm: Arm, linked: tuple[Intervention, ...], report: Report
) -> None:
    written = [(ARM_FIELD.format(trial.arms.index(arm)), arm.description)] if arm in trial.arms else []
    written += [(INTERVENTION_FIELD.format(trial.interventions.index(i)), i.description) for i in linked]
    for field_path, text in written:
        if text and len(text) > MAX_TEXT_CHARS:
            message = f"text of {len(text)} characters; only the first {MAX_TEXT_CHARS} are read for dosing"
            report.add(field_path, message)


def _read_arm_texts(
    trial: TrialRecord, arm: Arm, linked: tuple[Intervention, ...], texts: TrialTexts, lexicon: Lexicon
) -> tuple[list[ArmText], Lexicon]:
    """Return the arm's texts, parsed in order, and the lexicon with the names they met."""
    read: list[ArmText] = []
    linked_keys = {drug_key(c) for i in linked for c in name_components(i.name)} & set(lexicon.drugs)
    if arm.description and arm in trial.arms:
        field_path = ARM_FIELD.format(trial.arms.index(arm))
        default = next(iter(linked_keys)) if len(linked_keys) == 1 else None
        parse = _parse(
            bounded(arm.description), texts, lexicon, default=default, source="arm", field_path=field_path
        )
        lexicon = lexicon.noting(parse.mentions)
        read.append(ArmText(parse, "arm", field_path))
    for intervention in linked:
        if not intervention.description:
            continue
        field_path = INTERVENTION_FIELD.format(trial.interventions.index(intervention))
        keys = [drug_key(c) for c in name_components(intervention.name)]
        default = keys[0] if len(keys) == 1 and keys[0] in lexicon.drugs else None
        shape = ArmShape(arm.label, len(linked), frozenset(keys), arm_phases(arm.label, arm.description))
        description = applicable_text(bounded(intervention.description), shape, lexicon)
        parse = _parse(
            description, texts, lexicon, default=default, source="intervention", field_path=field_path
        )
        lexicon = lexicon.noting(parse.mentions)
        read.append(ArmText(parse, "intervention", field_path, intervention.name))
    return read, lexicon


def _parse(
    text: str, texts: TrialTexts, lexicon: Lexicon, *, default: str | None, source: str, field_path: str
) -> TextParse:
    return parse_text(
        text, texts.reading(text), lexicon=lexicon, default_key=default, source=source, field=field_path
    )


def _text_issues(text: ArmText, lexicon: Lexicon, report: Report) -> None:
    parse = text.parse
    if parse.placeholder:
        report.add(text.field, f"placeholder text instead of dosing: {parse.placeholder!r}", text.drug)
    for dose in parse.unattributed:
        report.add(text.field, f"dose {dose.text!r} is not written next to a drug name; left out", text.drug)
    for dose in parse.limits:
        strength = dose.limit_reason in (
            STRENGTH_REASON,
            STOPPED_REASON,
            DAILY_TOTAL_REASON,
            SPLIT_REASON,
            PLACEBO_REASON,
            ZERO_REASON,
        )  # its limit is the whole passage
        written = (dose.limit or "") if strength else f"{(dose.limit or '').strip()} {dose.text}".strip()
        if dose.limit_reason == CAP_REASON:  # its words follow it: "15mg glibenclamide ... not be exceeded"
            written = f"{dose.text}{dose.limit or ''}".strip()
        message = f"{written!r} is {dose.limit_reason}, not a dose"
        if dose.limit_reason == VOLUME_REASON:
            report.note(text.field, f"{message}; kept as text", text.drug)
        else:
            report.add(text.field, message, text.drug)
    for fact in parse.unread:
        drug = _drug_at(parse, fact.start, lexicon) or text.drug
        message = f"{fact.kind} {fact.text!r} is written but tied to no dose; kept as text"
        report.note(text.field, message, drug)


def _drug_at(parse: TextParse, position: int, lexicon: Lexicon) -> str | None:
    """Return the drug whose stretch of text holds `position`, if any."""
    entry = next((e for e in parse.entries if e.segment_start <= position < e.segment_end), None)
    return lexicon.drugs[entry.key].display if entry and entry.key in lexicon.drugs else None


def _cycle(texts: list[ArmText], report: Report) -> Cycle:
    """Return the cycle: length, number of cycles, until progression, each one value or none."""
    lengths = {c.days: (t.field, c.text) for t in texts for c in t.parse.cycle_lengths}
    length = next(iter(lengths)) if len(lengths) == 1 else None
    if len(lengths) > 1:
        where = next(iter(lengths.values()))[0]
        report.add(
            where,
            f"cycle length stated differently ({', '.join(counted(n, 'day') for n in lengths)}); left out",
        )
    counts = {c.cycles: (t.field, c) for t in texts for c in t.parse.cycle_counts}
    cycles = next(iter(counts)) if len(counts) == 1 else None
    if len(counts) > 1:
        report.add(
            next(iter(counts.values()))[0],
            f"number of cycles stated differently ({sorted(counts)}); left out",
        )
    elif cycles is not None and counts[cycles][1].is_max:
        where, count = counts[cycles]
        report.add(where, f"{count.text!r} is a maximum; recorded as the number of cycles")
    until = next((t.parse.until_progression for t in texts if t.parse.until_progression), None)
    cycle_text = lengths[length][1] if length is not None else None
    return Cycle(length, cycles, until is not None, cycle_text, until)


def _merged_entries(texts: list[ArmText], lexicon: Lexicon, report: Report) -> list[Entry]:
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
                verbatim = unescape(intervention.description or "")
                named.append(Entry(key, 0, 0, verbatim=verbatim, fields=(field_path,)))
    return named
