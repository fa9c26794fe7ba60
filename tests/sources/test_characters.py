"""Registry text with Unicode spaces, line separators and control characters reads as the README says."""

from __future__ import annotations

import json
from pathlib import Path

from fhir_adapter.bundle import build_bundle
from fhir_adapter.resources import build_trial_resources
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.terms import Terms
from fhir_adapter.validation.layers import check_document
from tests.conftest import SEED, load_json

HOSTILE = "Age\u00a0\u2265\u202f18\u3000years\u2028ECOG 0-1\r\nplatelets\u200b \u0007>= 100"


def _seed_with_criteria(tmp_path: Path, criteria: str) -> TrialRecord:
    study = load_json(SEED)
    study["protocolSection"]["eligibilityModule"]["eligibilityCriteria"] = criteria
    study["protocolSection"]["identificationModule"]["briefTitle"] = "Title\u00a0with\u0085line"
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(study, ensure_ascii=True), encoding="utf-8")
    [trial] = list(read_trials([path]))
    assert isinstance(trial, TrialRecord)
    return trial


def test_unicode_spaces_and_line_ends_are_normalised_and_controls_removed(tmp_path: Path) -> None:
    trial = _seed_with_criteria(tmp_path, HOSTILE)
    assert trial.eligibility.criteria == "Age \u2265 18 years\nECOG 0-1\nplatelets >= 100"
    assert trial.brief_title == "Title with\nline"


def test_a_record_with_a_control_character_converts_to_a_valid_bundle(tmp_path: Path, terms: Terms) -> None:
    trial = _seed_with_criteria(tmp_path, HOSTILE)
    bundle = build_bundle(build_trial_resources(trial, terms))
    errors = [str(issue) for issue in check_document(bundle).issues if issue.severity == "error"]
    assert errors == []
    assert "\u0007" not in json.dumps(bundle, ensure_ascii=False)
