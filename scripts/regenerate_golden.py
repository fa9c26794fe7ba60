"""Regenerate tests/golden/ from the fixtures. Review every change by hand before committing it.

python scripts/regenerate_golden.py                    # R4: tests/golden/NCT06158412.bundle.json
python scripts/regenerate_golden.py --fhir-version r5  # R5: tests/golden/NCT06158412.r5.bundle.json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fhir_adapter.bundle import build_bundle, to_json_bytes
from fhir_adapter.resources import FhirVersion, build_trial_resources
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.terms import load_terms

REPO = Path(__file__).resolve().parent.parent
GOLDEN = {"NCT06158412": REPO / "fixtures" / "ctgov" / "NCT06158412.json"}
SUFFIXES = {FhirVersion.R4: ".bundle.json", FhirVersion.R5: ".r5.bundle.json"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--fhir-version", choices=("r4", "r5"), default="r4")
    version = FhirVersion.R5 if parser.parse_args(argv).fhir_version == "r5" else FhirVersion.R4
    terms = load_terms()
    for nct_id, source in GOLDEN.items():
        [trial] = list(read_trials([source]))
        if not isinstance(trial, TrialRecord):
            print(trial, file=sys.stderr)
            return 1
        target = REPO / "tests" / "golden" / f"{nct_id}{SUFFIXES[version]}"
        bundle = build_bundle(build_trial_resources(trial, terms, version=version), version=version)
        target.write_bytes(to_json_bytes(bundle, indent=2))
        print(f"wrote {target}: review the diff against the source record before committing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
