"""What the screening concluded about one characteristic, one criterion, and one patient."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fhir_adapter.screening.evidence import Evidence
from fhir_adapter.screening.trial import EXCLUSION, Characteristic, Criterion


class Result(StrEnum):
    """A criterion's result for a patient. For an exclusion, `met` means the exclusion applies."""

    MET = "met"
    NOT_MET = "not-met"
    UNKNOWN = "unknown"


class Verdict(StrEnum):
    """excluded: an exclusion met or an inclusion not met; likely: every coded criterion passed;
    possible: nothing failed, something coded is unknown."""

    EXCLUDED = "excluded"
    POSSIBLE = "possible"
    LIKELY = "likely"


@dataclass(frozen=True)
class Finding:
    """Whether the patient has what one characteristic states (`holds`), why, and the data used.

    `review` marks a characteristic the tool never decides (criterion text only, eligibility logic R4 keeps
    as text, healthy volunteers): it is listed for the coordinator and does not count against `likely`.
    """

    characteristic: Characteristic
    holds: bool | None
    reason: str
    evidence: tuple[Evidence, ...] = ()
    review: bool = False

    @property
    def satisfied(self) -> bool | None:
        """Return whether the patient conforms to the characteristic, `exclude` applied (R4 semantics)."""
        if self.holds is None:
            return None
        return self.holds != self.characteristic.exclude


@dataclass(frozen=True)
class CriterionResult:
    """One criterion's result for one patient, with the finding for each of its characteristics."""

    criterion: Criterion
    findings: tuple[Finding, ...]

    @property
    def review(self) -> bool:
        return all(f.review for f in self.findings)

    @property
    def passed(self) -> bool | None:
        """Return True when every characteristic is satisfied, False when one is not, else None."""
        states = [f.satisfied for f in self.findings]
        if any(s is False for s in states):
            return False
        return True if states and all(s is True for s in states) else None

    @property
    def result(self) -> Result:
        passed = self.passed
        if passed is None:
            return Result.UNKNOWN
        excluded_when_met = self.criterion.section == EXCLUSION
        return Result.MET if passed != excluded_when_met else Result.NOT_MET

    @property
    def reason(self) -> str:
        return "; ".join(f.reason for f in self.findings if f.reason)


@dataclass(frozen=True)
class PatientScreen:
    """One patient's screening: the verdict and every criterion's result."""

    patient_id: str
    results: tuple[CriterionResult, ...]

    @property
    def verdict(self) -> Verdict:
        coded = [r for r in self.results if not r.review]
        if any(r.passed is False for r in coded):
            return Verdict.EXCLUDED
        if coded and all(r.passed is True for r in coded):
            return Verdict.LIKELY
        return Verdict.POSSIBLE
