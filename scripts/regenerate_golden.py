"""Regenerate tests/golden/ from the fixtures. Review every change by hand before committing it."""

from __future__ import annotations

import sys
from pathlib import Path

from fhir_adapter.bundle import build_bundle, to_json_bytes
from fhir_adapter.resources import build_trial_resources
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.terms import load_terms

REPO = Path(__file__).resolve().parent.parent
GOLDEN = {"NCT06158412": REPO / "fixtures" / "ctgov" / "NCT06158412.json"}


def main() -> int:
    terms = load_terms()
    for nct_id, source in GOLDEN.items():
        [trial] = list(read_trials([source]))
        if not isinstance(trial, TrialRecord):
            print(trial, file=sys.stderr)
            return 1
        target = REPO / "tests" / "golden" / f"{nct_id}.bundle.json"
        target.write_bytes(to_json_bytes(build_bundle(build_trial_resources(trial, terms)), indent=2))
        print(f"wrote {target}: review the diff against the source record before committing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
