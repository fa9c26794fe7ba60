"""The last pass of the criteria parser: withhold a reading it has a general reason to doubt.

A wrong threshold or status coded in a Group is a wrong statement about who may enrol; the same words kept
as text with a warning are only a miss. So each fact the earlier passes read is checked against reasons for
doubt that hold for any trial, and a doubted fact leaves `Criterion.facts` for `Criterion.unclear`: its
verbatim words stay (the Group keeps the whole criterion as text) and the reason goes into the data-quality
finding, the path every threshold read but not coded already takes. The reasons, each explained where it is
defined:

- a unit that is not a unit of the measure ("ALT > 1.5 mg/dL": an enzyme is no mass concentration);
- a value outside what a limit of the measure can be, or a fraction where limits are whole (an ECOG grade);
- a limit on the wrong side for a measure whose limits are upper ones ("... when total bilirubin is above
  ULN" read as an inclusion limit: the words name a subgroup or a note, not a requirement);
- a value read from a list number left in the text ("1.18 <= age and above. 2. Histology ...");
- an inclusion threshold in the bracket that defines its own subgroup ("for patients with renal impairment
  (CrCl >= 30 and < 90 mL/min)": the values say who the subgroup is, not a limit anyone must meet);
- a pregnancy or breastfeeding status in a criterion about men: it can only be a partner's;
- an infection named only in the explanation of a criterion about pregnancy (or the reverse);
- in an inclusion criterion, a pregnancy or breastfeeding status named only in sentences on a drug's risk to a
  fetus ("can cause fetal harm when administered to a pregnant woman"): the reason for contraception rules;
- an age after the first statement of a criterion about childbearing potential or contraception: there it
  defines who can bear children ("age 55 years or older and no menses"), not the patient's age limit.
- two age limits of one criterion that no patient can meet together ("under 6 years old ... over 6 years
  old"): each names whom the words after it are for;
- an age followed by ':' and a number: it labels a row of another measure's values ("Age 2 to 6 years: 60 to
  140 bpm"), it is no age limit;

The tables of units and ranges are data (mappings/criteria-plausible-values.json); every pattern here is a
single search over a criterion's text, with no nested unbounded quantifier, so the pass is linear.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from fhir_adapter.terms import MAPPINGS_PACKAGE
from fhir_adapter.text.criteria.measures import ANY_MEASURE, BOOLEAN_KINDS
from fhir_adapter.text.criteria.model import INCLUSION, Criterion, Fact, Unclear
from fhir_adapter.text.criteria.values import skip_spaces

PLAUSIBLE_TABLE = "criteria-plausible-values.json"
_LOW = "https://fhir-adapter.invalid/fhir/criteria/plausible-low"
_HIGH = "https://fhir-adapter.invalid/fhir/criteria/plausible-high"
_WHOLE = "https://fhir-adapter.invalid/fhir/criteria/whole-number"
_LIMIT_SIDE = "https://fhir-adapter.invalid/fhir/CodeSystem/criteria-limit-side"
_UNIT = "https://fhir-adapter.invalid/fhir/criteria/unit"
_ADMITS_BELOW = frozenset({"<", "<="})
_UCUM = "http://unitsofmeasure.org"

# A criterion about men ("Male participant with female partner(s) ... (including breastfeeding partner)",
# "For men: ... With a pregnant female partner"): its subject cannot be pregnant or breastfeeding. Not "Male
# or non-pregnant females", "Men and women", "Male patients and female patients of reproductive age": those
# name both sexes (a woman before the first stop who is not the partner). Anchored at the criterion's start,
# bounded runs, so linear.
_ABOUT_MEN = re.compile(
    r"^\W{0,3}(?:for\s++)?(?:male|men)\b(?!\s*+(?:or|and|/|,|&)\s)"
    r"(?![^.;:\n]{0,40}?\b(?:female|wom[ae]n)\b(?!\s++partner))",
    re.IGNORECASE,
)
_PARTNER_STATUS_KINDS = frozenset({"pregnancy", "breastfeeding"})
# After an age: ':' and a number, the values of the row it labels ("Age 2 to 6 years: 60 to 140 bpm").
# Matched after skip_spaces: it starts with no white space, so it is linear however it is searched.
_LABELS_A_ROW = re.compile(r"(?:of\s++age\s*+)?:\s*+\d")
# A sentence: a run of characters up to a full stop, ';', ':' or a line break (each character read once).
_SENTENCE = re.compile(r"[^.;:\n]++")
# The words of a drug's risk to an unborn child ("can cause fetal harm", "effects on the developing fetus").
_FETAL_RISK = re.compile(r"\bf(?:o)?etus\b|\bf(?:o)?etal\b|teratogen|embryo[- ]?fetal|abortifacient", re.I)
# The words that make a status in such a sentence a requirement all the same.
_STATUS_REQUIRED = re.compile(
    r"\bnegative\b|\btest\b|\bnon-?pregnant\b|\bnot\s++(?:be\s++|currently\s++)?pregnant\b|\bmust\s++not\b"
    # "Pregnant and nursing patients are excluded because the effects ... on a fetus ..." (NCT01636609)
    r"|\bexclud|\bineligible\b|\bnot\s++eligible\b",
    re.I,
)
# Who a status word describes, between it and a limit's measure ("non-pregnant female hemoglobin"); bounded.
_SUBGROUP_NOUN = re.compile(
    r"\s*+(?:wom[ae]n|females?|patients?|subjects?|participants?)?\s*+:?\s*+", re.IGNORECASE
)
# The end of a criterion's first statement: a sentence's full stop, a colon that introduces an explanation
# ("Pregnant or lactating women: The effects of NFV ... in HIV positive women"), a line break.
_FIRST_STATEMENT_END = re.compile(r"\.\s|:\s|\n")
# A list's own numbers left in a criterion's text ("1.18 ≤ age and above. 2. Histology or cytology ...",
# NCT04870190): the text opens with "1." glued to the next number, and a "2." item follows in the same text.
_GLUED_LIST_NUMBER = re.compile(r"^\s*+1\.(?=\d)")
_NEXT_LIST_NUMBER = re.compile(r"\s2\.\s")
# Childbearing potential, menopause, contraception: the words of a criterion about who can become pregnant.
_ABOUT_CHILDBEARING = re.compile(
    r"child[- ]?bearing|menopaus|\bmenses\b|menstrua|contracept|pregnan|\bsteril(?:e|ity|i[sz]ation)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Plausible:
    """What a limit of one measure in one unit can be: its inclusive range, and whether it is whole."""

    low: float
    high: float
    whole: bool


def gate(criteria: tuple[Criterion, ...]) -> tuple[Criterion, ...]:
    """Return the criteria with every doubted fact moved from `facts` to `unclear`, with its reason."""
    return tuple(gated(criterion) for criterion in criteria)


def gated(criterion: Criterion) -> Criterion:
    """Return the criterion with its doubted facts moved from `facts` to `unclear`, each with its reason."""
    doubted = dict(doubts(criterion))  # each fact once, however often it is written
    return criterion.withholding([(f, Unclear(f.kind, f.phrase, reason)) for f, reason in doubted.items()])


def doubts(criterion: Criterion) -> Iterator[tuple[Fact, str]]:
    """Yield each fact of the criterion that is doubtful, with the reason, the first reason found."""
    for fact in criterion.facts:
        reason = _doubt(criterion, fact)
        if reason:
            yield fact, reason


def _doubt(criterion: Criterion, fact: Fact) -> str | None:
    if fact.is_threshold:
        return (
            _unit_doubt(fact)
            or _value_doubt(fact)
            or _list_number_doubt(criterion, fact)
            or _subgroup_doubt(criterion, fact)
            or _age_doubt(criterion, fact)
            or _row_label_doubt(criterion, fact)
            or _disjoint_age_doubt(criterion, fact)
            or _side_doubt(criterion, fact)
        )
    return _status_doubt(criterion, fact)


def _unit_doubt(fact: Fact) -> str | None:
    """A unit that is not one the measure is reported in: the number was read from another measure's clause
    ("AST/ALT >1.5 ULN, serum creatine > 1.5 mg/dL", NCT05694130, gave ALT 1.5 mg/dL)."""
    units = plausible_units().get(fact.kind)
    if units is None or fact.unit in units:
        return None
    return f"{fact.unit or 'no unit'} is not a unit of {fact.kind}"


def _value_doubt(fact: Fact) -> str | None:
    """A value no limit of the measure can have: outside the measure's range, or a fraction where the
    measure's limits are whole (an ECOG grade)."""
    plausible = plausible_ranges().get((fact.kind, fact.unit or ""))
    if plausible is None:
        return None
    for value in (fact.value, fact.low, fact.high):
        if value is None:
            continue
        if not plausible.low <= value <= plausible.high:
            limits = f"{plausible.low:g}-{plausible.high:g}"
            return f"{value:g} is outside the plausible range of {fact.kind} ({limits})"
        if plausible.whole and not value.is_integer():
            return f"{value:g} is not a whole number, as a limit of {fact.kind} is written"
    return None


def _side_doubt(criterion: Criterion, fact: Fact) -> str | None:
    """A limit on the other side than the measure's limits are (the table's group 3): an inclusion that asks
    for bilirubin above ULN ("direct bilirubin < 1.5 x ULN when total bilirubin is above ULN", NCT05705167),
    an exclusion of an INR below 1.5 ("Note: On the premise that the INR is less than 1.5, low doses of
    heparin ... are allowed", NCT04007835): the value names a subgroup or a permission, not who may enrol."""
    units = upper_limited().get(fact.kind)
    if fact.comparator is None or units is None or (units and fact.unit not in units):
        return None
    if (fact.comparator in _ADMITS_BELOW) == (criterion.section == INCLUSION):
        return None
    return f"{fact.kind} limits are upper ones, and this {criterion.section} reads '{fact.comparator}'"


def _list_number_doubt(criterion: Criterion, fact: Fact) -> str | None:
    """A value read from the list number glued to the criterion's first words: "1.18 ≤ age and above. 2.
    Histology ..." (NCT04870190) is item 1, "18 ≤ age", and item 2 run together; the age read is 1.18."""
    text = criterion.text
    if not _GLUED_LIST_NUMBER.match(text) or not _NEXT_LIST_NUMBER.search(text):
        return None
    if not text.lstrip().startswith(fact.phrase.strip()[:3]):
        return None
    return "its number begins the criterion as '1.' glued to a value, a list number left in the text"


def _subgroup_doubt(criterion: Criterion, fact: Fact) -> str | None:
    """An inclusion threshold in a band of the same measure inside the bracket that follows a subgroup's
    words ("For patients with mild to moderate renal impairment (CrCl >= 30 mL/min and <90 mL/min) -
    potassium ...", NCT05701215): two values of one measure in that bracket define who the subgroup is, and
    the limit that holds for it is on another measure. One value there may be the subgroup's own limit ("for
    patients with liver metastases (ALT <= 5 x ULN)") and stays. In an exclusion the subgroup a measure's
    value defines is the one excluded ("If baseline ECG has QTc prolongation (> 450 ms ...)")."""
    bracket = _open_bracket(fact)
    if bracket is None or fact.condition is None or criterion.section != INCLUSION:
        return None
    mentions = ANY_MEASURE.finditer(fact.condition, bracket)
    named = {kind for m in mentions for kind in _kinds(m.lastgroup or "")}
    if fact.kind not in named:
        return None
    subgroup = fact.condition[: bracket + 1]  # the subgroup's words and the bracket's opening
    band = [f for f in criterion.facts if f.kind == fact.kind and (f.condition or "").startswith(subgroup)]
    if len(band) < 2:
        return None
    return f"a band of {fact.kind} in the bracket that defines its subgroup ({fact.condition!r})"


def _open_bracket(fact: Fact) -> int | None:
    """Return where the bracket a fact's condition opens and does not close starts, None without one."""
    if fact.condition is None:
        return None
    opened = fact.condition.rfind("(")
    return None if opened < 0 or ")" in fact.condition[opened:] else opened


def _kinds(group: str) -> tuple[str, ...]:
    return ("ast", "alt") if group == "transaminases" else (group,)


def _age_doubt(criterion: Criterion, fact: Fact) -> str | None:
    """An age after the first statement of a criterion about childbearing potential or contraception: it
    defines who can bear children ("... a negative pregnancy test. (Non child bearing potential is defined as
    age 55 years or older ...)", NCT05698524; "Patients under 55 years" below "Sex and Contraceptive/Barrier
    Requirements", NCT05705505), not an age limit. In the first statement it is the patient's ("Male or
    non-pregnant and non-lactating female at least 18 years of age", NCT03064438). An age in a sub-item is
    read with the criterion's own text and that sub-item only: a sibling about pregnancy tests says nothing of
    "Male or female with an age of 20 years or more" (NCT05690321)."""
    if fact.kind != "age":
        return None
    text = _scope(criterion, fact.phrase)
    if not _ABOUT_CHILDBEARING.search(text):
        return None
    first_end = _FIRST_STATEMENT_END.search(text)
    written = text.find(fact.phrase)
    if first_end is None or written < first_end.start():
        return None
    return "an age after the first statement of a criterion about childbearing potential or contraception"


def _scope(criterion: Criterion, phrase: str) -> str:
    """Return the words a fact's phrase is read in: the whole criterion, or when the phrase is written only in
    a sub-item, the criterion's own text and that sub-item."""
    if phrase in criterion.text:
        return criterion.full_text
    item = next((item for item in criterion.sub_items if phrase in item), None)
    return criterion.full_text if item is None else f"{criterion.text}\n{item}"


def _row_label_doubt(criterion: Criterion, fact: Fact) -> str | None:
    """An age followed by ':' and a number: the label of a row of another measure's values ("Pulse rate:
    Age <2 years: 100 to 190 bpm ii. Age 2 to 6 years: 60 to 140 bpm", NCT05693129), whose they are, not the
    patient's age limit."""
    if fact.kind != "age":
        return None
    text = criterion.full_text
    written = text.find(fact.phrase)
    if written < 0 or not _LABELS_A_ROW.match(text, skip_spaces(text, written + len(fact.phrase))):
        return None
    return "an age that labels a row of another measure's values, not an age limit"


def _disjoint_age_doubt(criterion: Criterion, fact: Fact) -> str | None:
    """An age limit that no patient could meet together with another age limit of the criterion, neither an
    alternative nor a subgroup's: "Patients under 6 years old must weigh at least 7 kg ... Patients over 6
    years old must weigh at least 10 kg" (NCT05658640, read as < 6 and > 6) - each names whom the words
    after it are for. "Age >= 18 and < 75" can be met together, and stays."""
    if not _plain_age(fact):
        return None
    others = (other for other in criterion.facts if other is not fact and _plain_age(other))
    if any(other.unit == fact.unit and _disjoint(_age_span(fact), _age_span(other)) for other in others):
        return "age limits no patient can meet together: each names a subgroup, not the patient's age limit"
    return None


def _plain_age(fact: Fact) -> bool:
    return fact.kind == "age" and not fact.alternative and fact.condition is None and fact.timing is None


# An age limit as an interval: (low, low included, high, high included); None for an open end.
_Span = tuple[float | None, bool, float | None, bool]


def _age_span(fact: Fact) -> _Span:
    if fact.comparator is None:
        return (fact.low, True, fact.high, True)
    if fact.comparator in (">", ">="):
        return (fact.value, fact.comparator == ">=", None, False)
    return (None, False, fact.value, fact.comparator == "<=")


def _disjoint(first: _Span, second: _Span) -> bool:
    """Return True when no value lies in both intervals."""
    return _below(first, second) or _below(second, first)


def _below(first: _Span, second: _Span) -> bool:
    """Return True when the first interval ends before the second starts."""
    high, high_in = first[2], first[3]
    low, low_in = second[0], second[1]
    if high is None or low is None:
        return False
    return high < low or (high == low and not (high_in and low_in))


def _status_doubt(criterion: Criterion, fact: Fact) -> str | None:
    text = criterion.full_text
    if fact.kind in _PARTNER_STATUS_KINDS and _ABOUT_MEN.search(text):
        # a man's criterion names pregnancy or breastfeeding only as his partner's
        return f"{fact.kind} in a criterion about men: a partner's status, not the patient's"
    if fact.kind in _PARTNER_STATUS_KINDS and _names_a_limits_subgroup(criterion, fact):
        return f"{fact.kind} names the subgroup a limit is for, it is no status the patient must have"
    if fact.kind in _PARTNER_STATUS_KINDS and criterion.section == INCLUSION and _explains_a_risk(text, fact):
        return f"{fact.kind} named in a sentence on a drug's risk to a fetus, no status the patient must have"
    return _explained_status(criterion, fact)


def _explains_a_risk(text: str, fact: Fact) -> bool:
    """Return True when every sentence that names the status is about a drug's risk to a fetus and states no
    test or negation: "irinotecan can cause fetal harm when administered to a pregnant woman. ... Therefore:"
    over the contraception rules (NCT05694715), the reason for an inclusion criterion, not a requirement.
    "must have a negative pregnancy test (risk of fetal harm)" and "Pregnant patients are excluded because
    the effects on a fetus are unknown" state the requirement, and keep it; so does an exclusion criterion."""
    sentences = [m.group() for m in _SENTENCE.finditer(text) if fact.phrase.lower() in m.group().lower()]
    return bool(sentences) and all(
        _FETAL_RISK.search(sentence) and not _STATUS_REQUIRED.search(sentence) for sentence in sentences
    )


def _names_a_limits_subgroup(criterion: Criterion, fact: Fact) -> bool:
    """Return True when the status word, with at most a "female"/"women" after it, stands right before a
    threshold read from the same criterion: "male hemoglobin <130 g/L, non-pregnant female hemoglobin <120
    g/L" (NCT05691257) - a sex-specific limit, the status says whose it is. "Male or non-pregnant female >= 18
    years" is a status the patient must have: an age is who may enrol, not a measured limit."""
    text = criterion.full_text
    at = text.find(fact.phrase)
    if at < 0:
        return False
    after = _SUBGROUP_NOUN.match(text, at + len(fact.phrase))
    start = after.end() if after else at + len(fact.phrase)
    return any(
        other.is_threshold and other.kind != "age" and text.startswith(other.phrase, start)
        for other in criterion.facts
    )


def _explained_status(criterion: Criterion, fact: Fact) -> str | None:
    """An infection named only after the first statement of a criterion about pregnancy or breastfeeding (or
    the reverse): an explanation ("Pregnant or lactating women: The effects of NFV on the developing human
    fetus have been studied in HIV positive women", NCT01065844), not a second requirement. A status of the
    same family in a later sentence ("Pregnant women. Breastfeeding women.", "Hepatitis B. Hepatitis C.") is
    a list of requirements, and stays."""
    text = criterion.full_text
    first_end = _FIRST_STATEMENT_END.search(text)
    written = text.find(fact.phrase)
    if first_end is None or written < first_end.start():
        return None
    # the statuses the first statement names (whether or not a fact was read from them)
    first = text[: first_end.start()]
    family = fact.kind in _PARTNER_STATUS_KINDS
    others = [
        kind
        for kind, pattern in BOOLEAN_KINDS
        if (kind in _PARTNER_STATUS_KINDS) != family and pattern.search(first) is not None
    ]
    if not others:
        return None
    return f"{fact.kind} named only in an explanation of a criterion about {others[0]}"


@cache
def plausible_units() -> Mapping[str, frozenset[str]]:
    """Return the units each listed measure is reported in (mappings/criteria-plausible-values.json)."""
    return {
        element["code"]: frozenset(target["code"] for target in element["target"])
        for element in _elements(_UCUM)
        if not any("product" in target for target in element["target"])
    }


@cache
def upper_limited() -> Mapping[str, frozenset[str]]:
    """Return the measures whose limits are upper ones, each with the units that holds in (empty: all)."""
    return {
        element["code"]: frozenset(
            d["value"]
            for target in element["target"]
            for d in target.get("dependsOn", ())
            if d["property"] == _UNIT
        )
        for element in _elements(_LIMIT_SIDE)
        if any(target["code"] == "upper" for target in element["target"])
    }


@cache
def plausible_ranges() -> Mapping[tuple[str, str], Plausible]:
    """Return, by (measure, unit), the range and wholeness of its limits (mappings/, PLAUSIBLE_TABLE)."""
    ranges = {}
    for element in _elements(_UCUM):
        for target in element["target"]:
            if "product" not in target:
                continue
            products = {p["property"]: p["value"] for p in target["product"]}
            ranges[(element["code"], target["code"])] = Plausible(
                float(products[_LOW]), float(products[_HIGH]), products.get(_WHOLE) == "true"
            )
    return ranges


def _elements(target_system: str) -> list[dict[str, Any]]:
    """Return the rows of the table's groups that map to `target_system`."""
    return [
        element
        for group in _table()["group"]
        if group["target"] == target_system
        for element in group["element"]
    ]


@cache
def _table() -> dict[str, Any]:
    table = resources.files(MAPPINGS_PACKAGE).joinpath(PLAUSIBLE_TABLE)
    document: dict[str, Any] = json.loads(table.read_text(encoding="utf-8"))
    return document
