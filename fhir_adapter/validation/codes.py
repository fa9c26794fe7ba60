"""Project rule: every coded element's code exists in its code system, as far as it can be told offline.

- HL7 code systems: the code is among the codes of HL7's complete CodeSystem (package data
  hl7-codesystems.json, from npm hl7.fhir.r4.examples 4.0.1 and hl7.fhir.r5.core 5.0.0). R4's codes count,
  except inside an R5 cross-version extension (`http://hl7.org/fhir/5.0/StructureDefinition/extension-...`),
  where R5's do; a system that exists only in R5 (research-study-arm-type) is checked against R5's codes.
- LOINC: `NNNNN-C`, C the mod-10 check digit of NNNNN (LOINC Users' Guide, "Check digit").
- SNOMED CT: an SCTID of 6 to 18 digits whose last digit is its Verhoeff check digit and whose partition
  (the two digits before it) names a concept: 00, or 10 in an extension's namespace.
- MeSH: a descriptor (D) or supplementary concept (C) id in NLM's form, 6 or 9 digits after the letter. NLM
  kept identifiers created before 2016 at 7 characters (D001943); CT.gov pads them (D000001943), which is no
  MeSH id. Ids below 60,000 were all issued in the short form, so only those are flagged when padded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache, lru_cache
from importlib import resources

from fhir_adapter.terms import LOINC_SYSTEM, MESH_SYSTEM, SNOMED_SYSTEM
from fhir_adapter.validation.elements import Element

CODESYSTEMS_FILE = "hl7-codesystems.json"
R5_EXTENSION = "http://hl7.org/fhir/5.0/StructureDefinition/extension-"
LOINC_CODE = re.compile(r"^(\d{1,7})-(\d)$")
SCTID = re.compile(r"^[1-9]\d{5,17}$")
CONCEPT_PARTITIONS = frozenset({"00", "10"})
MESH_ID = re.compile(r"^([DC])(\d{6}|\d{9})$")
MESH_SHORT_FORM_BELOW = 60_000
# code_problem is memoised on its arguments: the distinct codes of a run are few (the mapping tables, the
# registry's MeSH and SNOMED CT codes), each checked once however many resources carry it.
CODE_CACHE_SIZE = 2**16

# Verhoeff's tables (dihedral group D5 multiplication, permutation, inverse).
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


@cache
def hl7_codes() -> Mapping[str, Mapping[str, frozenset[str]]]:
    """Return {"r4"|"r5": {system url: codes}} from package data (loaded once)."""
    text = resources.files("fhir_adapter.validation.data").joinpath(CODESYSTEMS_FILE).read_text("utf-8")
    document = json.loads(text)
    return {
        version: {url: frozenset(codes) for url, codes in document[version].items()}
        for version in ("r4", "r5")
    }


def loinc_check_digit(number: str) -> int:
    """Return the mod-10 check digit LOINC appends to `number`.

    >>> loinc_check_digit("751"), loinc_check_digit("89247"), loinc_check_digit("2160")
    (8, 1, 0)
    """
    total = 0
    for position, digit in enumerate(reversed(number)):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value // 10 + value % 10
    return (10 - total % 10) % 10


def is_verhoeff_valid(number: str) -> bool:
    """Return True when the last digit of `number` is its Verhoeff check digit.

    >>> is_verhoeff_valid("397669002"), is_verhoeff_valid("397669003"), is_verhoeff_valid("77386006")
    (True, False, True)
    """
    check = 0
    for position, digit in enumerate(reversed(number)):
        check = _D[check][_P[position % 8][int(digit)]]
    return check == 0


@lru_cache(maxsize=CODE_CACHE_SIZE)
def code_problem(system: str, code: str, *, in_r5_extension: bool = False) -> str | None:
    """Return why `code` does not exist in `system`, or None when it does (or cannot be told here)."""
    if system == LOINC_SYSTEM:
        return _loinc_problem(code)
    if system == SNOMED_SYSTEM:
        return _snomed_problem(code)
    if system == MESH_SYSTEM:
        return _mesh_problem(code)
    tables = hl7_codes()
    version = "r5" if (in_r5_extension and system in tables["r5"]) or system not in tables["r4"] else "r4"
    codes = tables[version].get(system)
    if codes is None or code in codes:
        return None
    return f"{code!r} is not a code of {system} (FHIR {version.upper()})"


def _loinc_problem(code: str) -> str | None:
    match = LOINC_CODE.match(code)
    if match is None:
        return f"{code!r} is not a LOINC code (digits, '-', check digit)"
    expected = loinc_check_digit(match.group(1))
    if int(match.group(2)) != expected:
        return f"{code!r} is not a LOINC code: the check digit of {match.group(1)} is {expected}"
    return None


def _snomed_problem(code: str) -> str | None:
    if SCTID.match(code) is None:
        return f"{code!r} is not a SNOMED CT identifier (6 to 18 digits)"
    if not is_verhoeff_valid(code):
        return f"{code!r} is not a SNOMED CT identifier: its check digit is wrong"
    if code[-3:-1] not in CONCEPT_PARTITIONS:
        return f"{code!r} is a SNOMED CT identifier of partition {code[-3:-1]}, not a concept"
    return None


def _mesh_problem(code: str) -> str | None:
    match = MESH_ID.match(code)
    if match is None:
        return f"{code!r} is not a MeSH descriptor or supplementary concept id (D or C and 6 or 9 digits)"
    letter, digits = match.groups()
    if len(digits) == 9 and int(digits) < MESH_SHORT_FORM_BELOW:
        return f"{code!r} is not NLM's form of this MeSH id: {letter}{digits[3:]}"
    return None


def check_codings(elements: list[Element], *, r5: bool = False) -> list[tuple[Element, str]]:
    """Return (Coding element, why) for every Coding among `elements` whose code is not in its system
    (`r5`: the elements are R5 output, where R5's codes count everywhere)."""
    r5_extensions = [
        element.location
        for element in elements
        if element.type_name == "Extension"
        and isinstance(element.value, dict)
        and str(element.value.get("url", "")).startswith(R5_EXTENSION)
    ]
    found = []
    for element in elements:
        if element.type_name != "Coding" or not isinstance(element.value, dict):
            continue
        system, code = element.value.get("system"), element.value.get("code")
        if not isinstance(system, str) or not isinstance(code, str):
            continue
        inside = r5 or any(element.location.startswith(f"{where}.") for where in r5_extensions)
        problem = code_problem(system, code, in_r5_extension=inside)
        if problem is not None:
            found.append((element, problem))
    return found
