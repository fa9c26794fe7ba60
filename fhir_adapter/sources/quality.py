"""Data-quality findings: what a record leaves out, contradicts or states ambiguously.

Any stage may report one; none of them stops a conversion. They travel with the output so a person can fix
the registry record or check the resource by hand. No FHIR here: `validation/` turns them into
OperationOutcome issues.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DataQualityIssue:
    """One finding about one trial: the field (CT.gov path), what is wrong, and where in the trial."""

    nct_id: str
    field: str
    message: str
    severity: str = "warning"
    arm: str | None = None
    drug: str | None = None

    def __str__(self) -> str:
        where = "".join(
            f" {label} {value!r}" for label, value in (("arm", self.arm), ("drug", self.drug)) if value
        )
        return f"{self.nct_id}{where}: {self.field}: {self.message}"


QualityReport = list[DataQualityIssue]
