"""Benchmark push: trials per second for a first push and an unchanged re-push, against the test server.

    python benchmarks/push.py [FOLDER]

FOLDER defaults to fixtures/ctgov/. Starts the project's test FHIR server (tests/fhir_server, Node) on a
free 127.0.0.1 port, pushes every record, pushes them again (nothing should be written), and stops it.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the test server harness lives in tests/

from fhir_adapter.client import FhirClient  # noqa: E402
from fhir_adapter.settings import Settings  # noqa: E402
from fhir_adapter.sync import sync_trials  # noqa: E402
from fhir_adapter.terms import load_terms  # noqa: E402
from tests.fhir_server.harness import FhirTestServer  # noqa: E402


def timed_push(folder: Path, client: FhirClient, label: str) -> None:
    terms = load_terms()
    start = time.perf_counter()
    outcomes = Counter(result.outcome for result in sync_trials([str(folder)], client, terms))
    seconds = time.perf_counter() - start
    total = sum(outcomes.values())
    print(
        f"{label:22s} {total} trials in {seconds:6.1f} s = {total / seconds:6.2f} trials/s  {dict(outcomes)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("folder", nargs="?", type=Path, default=REPO / "fixtures" / "ctgov")
    folder = parser.parse_args().folder
    with FhirTestServer() as server, FhirClient(Settings(base_url=server.base_url)) as client:
        print(f"folder: {folder}; server: {server.base_url}")
        timed_push(folder, client, "first push")
        timed_push(folder, client, "unchanged re-push")


if __name__ == "__main__":
    main()
