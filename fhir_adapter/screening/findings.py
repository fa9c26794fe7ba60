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
    """One criterion's result for one patient, with the finding for each of its characteristics.

    `passed` is True when every characteristic is satisfied, False when one is not, else None; `review` is
    True when the tool decides none of them. Build it with `of`, which works both out.
    """

    criterion: Criterion
    findings: tuple[Finding, ...]
    passed: bool | None
    review: bool

    @classmethod
    def of(cls, criterion: Criterion, findings: tuple[Finding, ...]) -> CriterionResult:
        states = [f.satisfied for f in findings]
        passed = False if False in states else (True if states and all(states) else None)
        return cls(criterion, findings, passed, all(f.review for f in findings))

    @property
    def result(self) -> Result:
        if self.passed is None:
            return Result.UNKNOWN
        excluded_when_met = self.criterion.section == EXCLUSION
        return Result.MET if self.passed != excluded_when_met else Result.NOT_MET

    @property
    def reason(self) -> str:
        return "; ".join(f.reason for f in self.findings if f.reason)


@dataclass(frozen=True)
class PatientScreen:
    """One patient's screening: every criterion's result and the verdict (build it with `of`)."""

    patient_id: str
    results: tuple[CriterionResult, ...]
    verdict: Verdict

    @classmethod
    def of(cls, patient_id: str, results: tuple[CriterionResult, ...]) -> PatientScreen:
        coded = [r for r in results if not r.review]
        if any(r.passed is False for r in coded):
            verdict = Verdict.EXCLUDED
        elif coded and all(r.passed is True for r in coded):
            verdict = Verdict.LIKELY
        else:
            verdict = Verdict.POSSIBLE
        return cls(patient_id, results, verdict)
