"""Every fixture record (all of shared/ctgov/v2 and the seed) converts to a Bundle that every validation
layer passes without an error or a warning (model, R4 JSON Schema, FHIRPath invariants, references, UCUM,
project rules), and every resource survives a round trip through the model (dict -> model -> dump -> model
gives the same model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fhir_adapter.bundle import build_bundle
from fhir_adapter.resources import build_trial_resources
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.terms import Terms
from fhir_adapter.validation import validate_bundle
from fhir_adapter.validation.model import model_class
from tests.conftest import CTGOV

RECORDS = sorted(CTGOV.glob("*.json"))


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.stem)
def test_record_converts_to_a_valid_r4_bundle(terms: Terms, path: Path) -> None:
    [trial] = list(read_trials([path]))
    assert isinstance(trial, TrialRecord)
    bundle = build_bundle(build_trial_resources(trial, terms))
    assert [str(i) for i in validate_bundle(bundle)] == []
    for entry in bundle["entry"]:
        resource = entry["resource"]
        cls = model_class(resource["resourceType"])
        model = cls.model_validate(resource)
        again = cls.model_validate(model.model_dump(mode="json", exclude_none=True))
        assert again == model
