"""Precision and recall, shared by the accuracy benchmarks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class PrecisionRecall:
    """Counts of right, wrong and missed items; an empty side scores 1.0."""

    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positive + self.false_negative
        return self.true_positive / expected if expected else 1.0
