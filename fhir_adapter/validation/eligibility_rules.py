"""Project rules on the eligibility Group: a reader who ANDs every characteristic must never be stricter or
looser than the criterion text (the convention is docs/eligibility-r4.md, the contract between parser,
builders and this check).

- An inclusion criterion "A or B" (different facts, each with its own threshold, or several coded facts
  joined only by "or") must not become coded characteristics: R4 ANDs them. The convention is one
  characteristic with the verbatim text, no coding and extension eligibility-logic `any-of`. Exclusions may
  be split ("not A and not B" is "not (A or B)").
- A coded threshold must not come from a conditional criterion (a subgroup, a situation, "unless"); nor may
  the SNOMED CT Age code carry an age at a past event ("age at diagnosis").
- A characteristic marked `any-of` or `conditional` carries its criterion as text only.
- No characteristic may require being a healthy volunteer: CT.gov's healthyVolunteers says whether the study
  accepts them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from fhir_adapter.terms import (
    CHARACTERISTIC_SYSTEM,
    EXT_ELIGIBILITY_CRITERION,
    EXT_ELIGIBILITY_LOGIC,
    SNOMED_AGE,
    SNOMED_SYSTEM,
)
from fhir_adapter.validation.eligibility_text import (
    alternative_thresholds,
    condition_in,
    has_top_level_or,
    joins_by_and,
    lines_of,
    measure_words,
    number_spellings,
    passages_about,
    past_age,
    sentences_of,
)

# docs/eligibility-r4.md: the extensions every characteristic from a written criterion carries.
EXT_CRITERION = EXT_ELIGIBILITY_CRITERION
EXT_LOGIC = EXT_ELIGIBILITY_LOGIC
TEXT_ONLY_LOGIC = frozenset({"any-of", "conditional"})
HEALTHY_VOLUNTEERS = "healthy-volunteers"
CODED_VALUES = ("valueCodeableConcept", "valueQuantity", "valueRange", "valueReference")
THRESHOLDS = ("valueQuantity", "valueRange")

Finding = tuple[int, str]  # (characteristic index, message)
ANY_OF, CONDITIONAL = "any-of", "conditional"


class Doubt(NamedTuple):
    """A characteristic that breaks a rule; `logic` is what the text says instead, where that is its logic
    (any-of, conditional), for eligibility_guard to keep the criterion as text with it."""

    position: int  # the characteristic's index
    message: str
    logic: str | None = None


def check_group(group: Mapping[str, Any]) -> list[Finding]:
    """Return (characteristic index, message) for every characteristic that breaks the rules above."""
    return [(doubt.position, doubt.message) for doubt in doubts_in(group)]


def doubts_in(group: Mapping[str, Any]) -> list[Doubt]:
    """Return every characteristic that breaks the rules above, in order, with the logic its text has."""
    raw = group.get("characteristic")
    characteristics = (
        [(i, c) for i, c in enumerate(raw) if isinstance(c, dict)] if isinstance(raw, list) else []
    )
    doubts: list[Doubt] = []
    for index, characteristic in characteristics:
        doubts += [Doubt(index, message, logic) for message, logic in _single(characteristic)]
    doubts += _alternatives(characteristics)
    return sorted(doubts)


def _single(characteristic: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    logic = _extension_value(characteristic, EXT_LOGIC, "valueCode")
    coded = _codings(characteristic)
    if logic in TEXT_ONLY_LOGIC:
        if coded or any(key in characteristic for key in CODED_VALUES):
            yield f"a characteristic marked {logic} keeps its criterion as text: no coding, no value", None
        return
    if _requires_healthy_volunteer(characteristic, coded):
        yield (
            "requires every member to be a healthy volunteer; CT.gov's healthyVolunteers says whether the "
            "study accepts them: emit nothing when it does, an excluded healthy-volunteers characteristic "
            "when not",
            None,
        )
    text = _text(characteristic)
    if not coded or not text or not any(key in characteristic for key in THRESHOLDS):
        return
    if (SNOMED_SYSTEM, SNOMED_AGE) in coded and (phrase := past_age(text)):
        yield f"'{phrase}' is not the current age: SNOMED CT {SNOMED_AGE} Age must not carry it", CONDITIONAL
    about = _about(characteristic)
    condition = condition_in(passages_about(sentences_of(text), *about), about[0])
    if condition is not None:
        yield (
            f"a coded threshold from a conditional criterion ('{condition}' ...) applies it to everyone; "
            "keep the criterion as text with eligibility-logic conditional",
            CONDITIONAL,
        )


def _alternatives(characteristics: list[tuple[int, dict[str, Any]]]) -> list[Doubt]:
    """Return the coded inclusion characteristics that come from an "A or B" inclusion criterion."""
    by_criterion: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for index, characteristic in characteristics:
        label = _extension_value(characteristic, EXT_CRITERION, "valueString")
        if (
            isinstance(label, str)
            and label.startswith("inclusion")
            and characteristic.get("exclude") is not True
        ):
            by_criterion[label].append((index, characteristic))
    findings: list[Doubt] = []
    for label, members in by_criterion.items():
        coded = [(i, c) for i, c in members if _codings(c)]
        text = next((t for _, c in members if (t := _text(c))), "")
        if not coded or not has_top_level_or(text):
            continue
        alternatives = [(i, c) for i, c in coded if _has_alternatives(c, text)]
        positive = {code for _, c in coded if c.get("valueBoolean") is not False for code in _codings(c)}
        if alternatives:
            message = f"{label} states alternatives, each with its own threshold; R4 ANDs characteristics"
            findings += [
                Doubt(i, f"{message}: keep it as one text characteristic, eligibility-logic any-of", ANY_OF)
                for i, _ in alternatives
            ]
        elif len(positive) >= 2 and not joins_by_and(text):
            message = f"{label} joins coded facts with 'or'; R4 ANDs characteristics"
            findings += [
                Doubt(i, f"{message}: keep it as one text characteristic, eligibility-logic any-of", ANY_OF)
                for i, _ in coded
            ]
    return findings


def _has_alternatives(characteristic: Mapping[str, Any], text: str) -> bool:
    """Return True when a line of `text` about this coded threshold states alternative thresholds."""
    if not any(key in characteristic for key in THRESHOLDS):
        return False
    lines = passages_about(lines_of(text), *_about(characteristic))
    return any(alternative_thresholds(line) >= 2 for line in lines)


def _about(characteristic: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Return how the text may write this characteristic's numbers, and the first word of each coding's
    display ('bilirubin' from 'Bilirubin.total [Mass/volume] ...'), to find the passage that states it."""
    code = characteristic.get("code")
    codings = code.get("coding") if isinstance(code, dict) else None
    words: list[str] = []
    for coding in codings if isinstance(codings, list) else []:
        display = coding.get("display") if isinstance(coding, dict) else None
        first = re.match(r"[^\W\d_]{3,}", display) if isinstance(display, str) else None
        if first:
            words.extend(measure_words(first.group(0).lower().removesuffix("s")))
    return _value_numbers(characteristic), words


def _requires_healthy_volunteer(characteristic: Mapping[str, Any], coded: set[tuple[str, str]]) -> bool:
    if (CHARACTERISTIC_SYSTEM, HEALTHY_VOLUNTEERS) not in coded:
        return False
    value, excluded = characteristic.get("valueBoolean"), characteristic.get("exclude") is True
    return (value is True and not excluded) or (value is False and excluded)


def _codings(characteristic: Mapping[str, Any]) -> set[tuple[str, str]]:
    code = characteristic.get("code")
    codings = code.get("coding") if isinstance(code, dict) else None
    return {
        (str(c.get("system")), str(c.get("code")))
        for c in (codings if isinstance(codings, list) else [])
        if isinstance(c, dict) and c.get("code")
    }


def _text(characteristic: Mapping[str, Any]) -> str:
    code = characteristic.get("code")
    text = code.get("text") if isinstance(code, dict) else None
    return text if isinstance(text, str) else ""


def _extension_value(characteristic: Mapping[str, Any], url: str, key: str) -> Any:
    extensions = characteristic.get("extension")
    for extension in extensions if isinstance(extensions, list) else []:
        if isinstance(extension, dict) and extension.get("url") == url:
            return extension.get(key)
    return None


def _value_numbers(characteristic: Mapping[str, Any]) -> list[str]:
    quantities = [characteristic.get("valueQuantity")]
    limits = characteristic.get("valueRange")
    if isinstance(limits, dict):
        quantities += [limits.get("low"), limits.get("high")]
    return [
        spelling
        for quantity in quantities
        if isinstance(quantity, dict)
        for spelling in number_spellings(quantity.get("value"))
    ]
