"""A trial's dosing texts, normalized and read once for all of its arms.

Every arm of a trial reads the same texts: its own description, and interventions often linked to several
arms. Reading a text (normalizing it, finding its doses and schedule words) does not depend on the arm, so
it is done once per trial; which drug a dose belongs to depends on the arm and is settled per arm.

A text is read up to MAX_TEXT_CHARS characters: CT.gov caps arm and intervention descriptions at 1,000
characters, so a longer one is not a dosing text, and a bound keeps every step linear in practice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from fhir_adapter.sources import Arm, Intervention, TrialRecord
from fhir_adapter.text.regimen.doses import normalize
from fhir_adapter.text.regimen.names import is_drug_intervention
from fhir_adapter.text.regimen.reading import Reading, read_text

MAX_TEXT_CHARS = 10_000


def bounded(text: str) -> str:
    """Return the part of `text` the parser reads: its first MAX_TEXT_CHARS characters.

    >>> len(bounded("5 mg/m2 " * 5000)) == MAX_TEXT_CHARS
    True
    """
    return text[:MAX_TEXT_CHARS]


@dataclass(frozen=True, eq=False)
class TrialTexts:
    """The trial's texts: `normalized` arm labels and descriptions and intervention descriptions (where
    abbreviations are defined), and the reading of each description as written."""

    normalized: tuple[str, ...]
    readings: Mapping[str, Reading]

    def reading(self, text: str) -> Reading:
        """Return the reading of `text`: the trial's own when it is one of its descriptions."""
        known = self.readings.get(text)
        return known if known is not None else read_text(text)


def trial_texts(trial: TrialRecord) -> TrialTexts:
    """Return the trial's texts, read once per trial (the last few trials are kept)."""
    return _trial_texts(trial.arms, trial.interventions)


@lru_cache(maxsize=8)
def _trial_texts(arms: tuple[Arm, ...], interventions: tuple[Intervention, ...]) -> TrialTexts:
    written = [t for arm in arms for t in (arm.label, arm.description)]
    written += [i.description for i in interventions]
    drugs = [i.description for i in interventions if is_drug_intervention(i)]
    descriptions = [arm.description for arm in arms] + drugs
    readings = {bounded(text): read_text(bounded(text)) for text in descriptions if text}
    return TrialTexts(tuple(normalize(bounded(t)) for t in written if t), MappingProxyType(readings))
