"""Benchmark validation: ms per typical trial Bundle (all layers), and ms per resource for each layer.

    python benchmarks/validate.py [FOLDER] [--rounds N]

FOLDER (default fixtures/ctgov/) holds CT.gov records; each is converted to its R4 Bundle first (not timed).
"Typical" is the Bundle of median size (entries) in the folder, and the seed NCT06158412 when present: each
timed as `validate_bundle` runs it in `convert`, best of N, after a warm-up that loads the schema and
compiles the FHIRPath expressions. The per-layer table times each layer alone over every resource of every
Bundle; "walk" finds the typed elements that the invariant, references, UCUM and project layers share.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fhir_adapter.bundle import build_bundle
from fhir_adapter.resources import build_trial_resources
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.terms import load_terms
from fhir_adapter.validation import validate_bundle
from fhir_adapter.validation.elements import Element, walk_resource
from fhir_adapter.validation.invariants import check_invariants
from fhir_adapter.validation.model import check_model
from fhir_adapter.validation.references import bundle_targets, check_references
from fhir_adapter.validation.rules import check_rules
from fhir_adapter.validation.schema import check_schema
from fhir_adapter.validation.units import check_units

REPO = Path(__file__).resolve().parent.parent
SEED = "NCT06158412"


def bundles(folder: Path) -> dict[str, dict[str, Any]]:
    terms = load_terms()
    return {
        item.nct_id: build_bundle(build_trial_resources(item, terms))
        for item in read_trials([folder])
        if isinstance(item, TrialRecord)
    }


def best_ms(work: Callable[[], object], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def layer_table(found: dict[str, dict[str, Any]], rounds: int) -> list[tuple[str, float]]:
    """Return (layer, ms per resource) over every resource of every Bundle."""
    resources = [entry["resource"] for bundle in found.values() for entry in bundle["entry"]]
    walked: list[list[Element]] = [walk_resource(resource) for resource in resources]
    targets = [bundle_targets(bundle) for bundle in found.values() for _ in bundle["entry"]]
    layers: list[tuple[str, Callable[[], object]]] = [
        ("model (fhir.resources R4B)", lambda: [check_model(r) for r in resources]),
        ("r4-schema (one type's schema)", lambda: [check_schema(r) for r in resources]),
        ("walk (typed elements)", lambda: [walk_resource(r) for r in resources]),
        ("invariant (fhirpathpy)", lambda: [check_invariants(e) for e in walked]),
        ("references", lambda: [check_references(e, t) for e, t in zip(walked, targets, strict=True)]),
        ("ucum", lambda: [check_units(e) for e in walked]),
        ("project", lambda: [check_rules(e) for e in walked]),
    ]
    return [(label, best_ms(work, rounds) / len(resources)) for label, work in layers]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("folder", nargs="?", type=Path, default=REPO / "fixtures" / "ctgov")
    parser.add_argument("--rounds", type=int, default=5, help="best of N timed passes (default 5)")
    args = parser.parse_args()
    found = bundles(args.folder)
    for bundle in found.values():  # warm-up: schema, validators, compiled expressions
        validate_bundle(bundle)
    sizes = sorted(found, key=lambda nct: (len(found[nct]["entry"]), nct))
    median = sizes[len(sizes) // 2]
    resources = sum(len(b["entry"]) for b in found.values())
    print(f"folder: {args.folder}: {len(found)} Bundles, {resources} resources")
    for label, nct in (("seed", SEED), ("median-size", median)):
        if nct in found:
            count = len(found[nct]["entry"])
            ms = best_ms(lambda nct=nct: validate_bundle(found[nct]), args.rounds)  # type: ignore[misc]
            print(f"{label} Bundle {nct} ({count} resources): {ms:7.1f} ms, all layers")
    per_bundle = [best_ms(lambda b=b: validate_bundle(b), 1) for b in found.values()]  # type: ignore[misc]
    print(f"all Bundles: median {statistics.median(per_bundle):.1f} ms, max {max(per_bundle):.0f} ms")
    print("ms per resource, each layer alone:")
    for label, ms in layer_table(found, args.rounds):
        print(f"  {label:32s} {ms:6.3f}")


if __name__ == "__main__":
    main()
