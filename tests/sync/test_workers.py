"""Trials are built and write Bundles validated the same in worker processes as in this one (a large push
uses the cores), and a small run never starts a worker."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from fhir_adapter.resources import FhirVersion
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.sync import workers
from fhir_adapter.sync.workers import BuildFailed, Built, Workers, build_trial, bundle_errors
from fhir_adapter.terms import Terms
from tests.conftest import CTGOV, SEED

R4 = FhirVersion.R4


def _trials(*nct_ids: str) -> list[TrialRecord]:
    return [t for t in read_trials([CTGOV / f"{n}.json" for n in nct_ids]) if isinstance(t, TrialRecord)]


def test_a_worker_process_builds_and_checks_as_this_one_does(
    terms: Terms, monkeypatch: pytest.MonkeyPatch
) -> None:
    trials = _trials("NCT06158412", "NCT03418623")
    unknown = dataclasses.replace(
        trials[0], overall_status="PAUSED", last_known_status=None
    )  # no R4 status for it: the build fails
    here = [build_trial(t, terms, R4) for t in trials]
    bundle = copy.deepcopy(here[0].bundle)
    study = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "ResearchStudy")
    study["status"] = "recruiting"  # an R5 state, not an R4 ResearchStudy.status
    expected_errors = bundle_errors(bundle)
    assert any("status" in error for error in expected_errors)

    monkeypatch.setattr(workers, "INLINE_FIRST", 0)
    pool = Workers(terms, R4, processes=2)
    try:
        *built, failed = pool.build([*trials, unknown])
        assert pool._pool is not None  # the work did go to the worker processes
        assert [b.content_hash for b in built if isinstance(b, Built)] == [b.content_hash for b in here]
        assert isinstance(failed, BuildFailed) and "'PAUSED'" in str(failed)
        assert pool.errors(bundle) == expected_errors
    finally:
        pool.close()


def test_the_first_tasks_run_here_without_starting_workers(terms: Terms) -> None:
    [trial] = [t for t in read_trials([SEED]) if isinstance(t, TrialRecord)]
    pool = Workers(terms, R4, processes=4)
    built = pool.build([trial] * workers.INLINE_FIRST)
    assert {b.content_hash for b in built if isinstance(b, Built)} == {
        build_trial(trial, terms, R4).content_hash
    }
    first = built[0]
    assert isinstance(first, Built)
    assert [pool.errors(first.bundle) for _ in range(workers.INLINE_FIRST)] == [[]] * workers.INLINE_FIRST
    assert pool._pool is None
    pool.close()
