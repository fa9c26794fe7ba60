"""Write Bundles are validated the same in worker processes as in this one (a large push uses the cores)."""

from __future__ import annotations

import pytest

from fhir_adapter.bundle import build_bundle
from fhir_adapter.resources import build_trial_resources
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.sync import checks
from fhir_adapter.sync.checks import BundleChecker, bundle_errors
from fhir_adapter.terms import Terms
from tests.conftest import SEED


def test_a_worker_process_finds_the_same_errors(terms: Terms, monkeypatch: pytest.MonkeyPatch) -> None:
    [trial] = [t for t in read_trials([SEED]) if isinstance(t, TrialRecord)]
    bundle = build_bundle(build_trial_resources(trial, terms))
    study = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "ResearchStudy")
    study["status"] = "recruiting"  # an R5 state, not an R4 ResearchStudy.status
    expected = bundle_errors(bundle)
    assert any("status" in error for error in expected)
    monkeypatch.setattr(checks, "INLINE_FIRST", 0)
    checker = BundleChecker(processes=2)
    try:
        assert checker.errors(bundle) == expected
        assert checker._pool is not None  # it did go to a worker
    finally:
        checker.close()


def test_the_first_bundles_are_checked_here_without_starting_workers(terms: Terms) -> None:
    [trial] = [t for t in read_trials([SEED]) if isinstance(t, TrialRecord)]
    bundle = build_bundle(build_trial_resources(trial, terms))
    checker = BundleChecker(processes=4)
    assert [checker.errors(bundle) for _ in range(checks.INLINE_FIRST)] == [[]] * checks.INLINE_FIRST
    assert checker._pool is None
    checker.close()
