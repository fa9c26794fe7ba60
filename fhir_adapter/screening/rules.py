"""The screening rules' data, from mappings/screening-lab-equivalents.json (a FHIR ConceptMap).

Which observation codes report a characteristic's measure, the analytes' molar masses, the score an answer
code stands for, the tests that show a status and what their results mean. The file's description says how
each group is read; a hospital overrides rows with a ConceptMap of the same id in a `--mappings` folder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from fhir_adapter.errors import SettingsError
from fhir_adapter.terms import LOINC_SYSTEM, MAPPINGS_PACKAGE, PROJECT_BASE, SNOMED_SYSTEM

RULES_ID = "screening-lab-equivalents"
RULES_FILE = f"{RULES_ID}.json"
PROPERTY_BASE = f"{PROJECT_BASE}/screening"
MOLAR_MASS = f"{PROPERTY_BASE}/molar-mass"
OBSERVATION_CODE = f"{PROPERTY_BASE}/observation-code"
WHEN_POSITIVE = f"{PROPERTY_BASE}/when-positive"
WHEN_NEGATIVE = f"{PROPERTY_BASE}/when-negative"
SCORE_SYSTEM = f"{PROJECT_BASE}/CodeSystem/screening-score"
RESULT_SYSTEM = f"{PROJECT_BASE}/CodeSystem/screening-result"
PRESENCE_VALUES = ("present", "absent", "unknown")
_MOLAR_MASS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*g/mol\s*$")

Code = tuple[str, str]  # (system, code)


@dataclass(frozen=True)
class StatusTest:
    """A test that shows a status: what a positive and a negative result mean (present/absent/unknown)."""

    code: Code
    when_positive: str
    when_negative: str


@dataclass(frozen=True)
class ScreeningRules:
    """The loaded rules; every lookup answers for a (system, code) pair."""

    equivalents: Mapping[Code, frozenset[Code]]
    molar_masses: Mapping[Code, float]
    score_answers: Mapping[tuple[Code, Code], float]
    status_tests: Mapping[Code, tuple[StatusTest, ...]]
    result_meanings: Mapping[Code, str]
    score_codes: frozenset[Code] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "score_codes", frozenset(observation for observation, _ in self.score_answers)
        )

    def observation_codes(self, code: Code) -> frozenset[Code]:
        """Return the observation codes that report the measure `code` names: itself and its equivalents."""
        return frozenset({code, *self.equivalents.get(code, frozenset())})

    def molar_mass(self, code: Code) -> float | None:
        return self.molar_masses.get(code)

    def is_score(self, code: Code) -> bool:
        """Return True for a score observation (ECOG, Karnofsky): numbers compared as written."""
        return code in self.score_codes

    def score(self, observation: Code, answer: Code) -> float | None:
        return self.score_answers.get((observation, answer))

    def tests_for(self, status: Code) -> tuple[StatusTest, ...]:
        return self.status_tests.get(status, ())

    def result_meaning(self, code: Code) -> str | None:
        """Return 'positive' or 'negative' for a coded result or interpretation, None when unknown."""
        return self.result_meanings.get(code)


def load_screening_rules(extra_dirs: Iterable[str | Path] = ()) -> ScreeningRules:
    """Return the built-in rules, with rows from ConceptMaps of the same id in `extra_dirs` replacing ours."""
    text = resources.files(MAPPINGS_PACKAGE).joinpath(RULES_FILE).read_text(encoding="utf-8")
    rows = dict(_rows(json.loads(text), RULES_FILE))
    for directory in extra_dirs:
        for path in sorted(Path(directory).glob("*.json")):
            document = _read(path)
            if isinstance(document, dict) and document.get("id") == RULES_ID:
                rows.update(_rows(document, str(path)))
    return _build(rows.values())


_Row = tuple[str, str, dict[str, Any]]  # group source, group target, element


def _rows(document: Any, origin: str) -> Iterator[tuple[tuple[str, str, str], _Row]]:
    if not isinstance(document, dict) or document.get("resourceType") != "ConceptMap":
        raise SettingsError(f"{origin}: not a FHIR ConceptMap")
    for group in document.get("group") or []:
        source, target = str(group.get("source", "")), str(group.get("target", ""))
        for element in group.get("element") or []:
            if not isinstance(element, dict) or not isinstance(element.get("code"), str):
                raise SettingsError(f"{origin}: group {source} -> {target}: an element without a code")
            yield (source, target, element["code"]), (source, target, element)


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SettingsError(f"{path}: cannot read the mapping file: {exc}") from exc


def _build(rows: Iterable[_Row]) -> ScreeningRules:
    equivalents: dict[Code, set[Code]] = {}
    molar_masses: dict[Code, float] = {}
    scores: dict[tuple[Code, Code], float] = {}
    tests: dict[Code, list[StatusTest]] = {}
    meanings: dict[Code, str] = {}
    for source, target, element in rows:
        code = (source, element["code"])
        for row in element.get("target") or []:
            if row.get("equivalence") == "unmatched" or not row.get("code"):
                continue
            if target == SCORE_SYSTEM:
                for observation in _depends_on(row):
                    scores[(observation, code)] = float(row["code"])
            elif target == RESULT_SYSTEM:
                meanings[code] = str(row["code"])
            elif source == SNOMED_SYSTEM and target == LOINC_SYSTEM:
                tests.setdefault(code, []).append(_status_test(code, row))
            elif target == LOINC_SYSTEM:
                equivalents.setdefault(code, set()).add((target, row["code"]))
                mass = _product(row, MOLAR_MASS)
                if mass is not None:
                    molar_masses[code] = _molar_mass(code, mass)
    return ScreeningRules(
        MappingProxyType({k: frozenset(v) for k, v in equivalents.items()}),
        MappingProxyType(molar_masses),
        MappingProxyType(scores),
        MappingProxyType({k: tuple(v) for k, v in tests.items()}),
        MappingProxyType(meanings),
    )


def _depends_on(row: Mapping[str, Any]) -> list[Code]:
    return [
        (str(d.get("system", LOINC_SYSTEM)), str(d["value"]))
        for d in row.get("dependsOn") or []
        if d.get("property") == OBSERVATION_CODE and d.get("value")
    ]


def _product(row: Mapping[str, Any], name: str) -> str | None:
    return next((str(p["value"]) for p in row.get("product") or [] if p.get("property") == name), None)


def _status_test(status: Code, row: Mapping[str, Any]) -> StatusTest:
    positive = _product(row, WHEN_POSITIVE) or "unknown"
    negative = _product(row, WHEN_NEGATIVE) or "unknown"
    for value in (positive, negative):
        if value not in PRESENCE_VALUES:
            raise SettingsError(
                f"{RULES_ID}: test {row['code']} for {status[1]}: {value!r} is not one of {PRESENCE_VALUES}"
            )
    return StatusTest((LOINC_SYSTEM, str(row["code"])), positive, negative)


def _molar_mass(code: Code, text: str) -> float:
    """Return the molar mass in g/mol written as '113.12 g/mol'.

    >>> _molar_mass(("http://loinc.org", "2160-0"), "113.12 g/mol")
    113.12
    """
    match = _MOLAR_MASS.match(text)
    if not match:
        raise SettingsError(f"{RULES_ID}: {code[1]}: molar mass {text!r} is not written as '<number> g/mol'")
    return float(match.group(1))
