"""Benchmark full validation (`validate`, `convert --check full`): resources/s, each layer and in total.

    python -m benchmarks.validate [FOLDER ...] [--corpus N] [--rounds N]

Folders default to fixtures/ctgov/ and a folder of `--corpus` records (default 2,000) written by
benchmarks/corpus.py from ../shared/ctgov/v2 (the 92 records, copies with new ids) in a temporary directory;
`--corpus 0` leaves it out. Each record is converted to its R4 Bundle first (not timed), one at a time, so
memory stays flat. Times are CPU seconds of this process (`time.process_time`): the machine is shared, and
CPU time is what one core spends whatever else runs.

- total: `validate_bundle` as `convert --check full` and `validate` run it on every Bundle (the Bundle's own
  elements, then each entry; identical entry content is checked once: the cache hits are reported);
- each layer alone over every entry resource: the model (fhir.resources R4B; it runs only where the model
  shortcut, timed next, cannot say it finds nothing), the R4 JSON Schema, the walk
  that finds the typed elements (shared by the next four), the FHIRPath invariants, references, UCUM and
  the project rules; and the Bundle shell (the Bundle's own model, schema, walk and invariants).

Issue 16's target: >= 5,000 resources/s in total on one core (0.2 ms a resource).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from benchmarks.corpus import DEFAULT_SOURCE, write_corpus
from fhir_adapter.bundle import build_bundle
from fhir_adapter.resources import build_trial_resources
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.terms import load_terms
from fhir_adapter.validation import validate_bundle
from fhir_adapter.validation.elements import walk_resource
from fhir_adapter.validation.invariants import check_invariants
from fhir_adapter.validation.layers import CHECKED_CONTENT
from fhir_adapter.validation.model import check_model
from fhir_adapter.validation.model_shortcut import surely_accepted
from fhir_adapter.validation.references import bundle_targets, check_references
from fhir_adapter.validation.rules import check_rules
from fhir_adapter.validation.schema import check_schema
from fhir_adapter.validation.units import check_units

REPO = Path(__file__).resolve().parent.parent
TARGET = 5_000  # resources per second, issue 16

Bundle = dict[str, Any]


def bundles(folder: Path) -> Iterator[Bundle]:
    """Yield each record's R4 Bundle, one at a time."""
    terms = load_terms()
    for item in read_trials([folder]):
        if isinstance(item, TrialRecord):
            yield build_bundle(build_trial_resources(item, terms))


def _shell(bundle: Bundle) -> None:
    shell = {k: v for k, v in bundle.items() if k != "entry"}
    shell["entry"] = [{k: v for k, v in e.items() if k != "resource"} for e in bundle["entry"]]
    check_model(shell)
    check_schema(shell)
    check_invariants(walk_resource(bundle, skip_entry_resources=True))


def layer_work(bundle: Bundle) -> list[tuple[str, Callable[[], object]]]:
    """Return (layer, work) for each layer alone over one Bundle's entry resources."""
    resources = [entry["resource"] for entry in bundle["entry"]]
    walked = [walk_resource(resource) for resource in resources]
    targets = bundle_targets(bundle)
    return [
        ("model (fhir.resources R4B)", lambda: [check_model(r) for r in resources]),
        ("model shortcut (skips the model)", lambda: [surely_accepted(r) for r in resources]),
        ("r4-schema (jsonschema-rs)", lambda: [check_schema(r) for r in resources]),
        ("walk (typed elements)", lambda: [walk_resource(r) for r in resources]),
        ("invariant (FHIRPath)", lambda: [check_invariants(e) for e in walked]),
        ("references", lambda: [check_references(e, targets) for e in walked]),
        ("ucum", lambda: [check_units(e) for e in walked]),
        ("project rules", lambda: [check_rules(e) for e in walked]),
        ("Bundle shell (all layers)", lambda: _shell(bundle)),
    ]


def cpu(work: Callable[[], object]) -> float:
    start = time.process_time()
    work()
    return time.process_time() - start


def measure(folder: Path, rounds: int) -> None:
    """Print the total and per-layer figures for one folder."""
    warm = next(bundles(folder))
    validate_bundle(warm)  # loads the schema, models and compiled expressions
    layers: dict[str, float] = {}
    total = float("inf")
    count = records = 0
    for _ in range(rounds):
        CHECKED_CONTENT.clear()  # each round starts with an empty cache
        seconds = 0.0
        count = records = 0
        for bundle in bundles(folder):
            records += 1
            count += len(bundle["entry"])
            seconds += cpu(lambda bundle=bundle: validate_bundle(bundle))  # type: ignore[misc]
            for label, work in layer_work(bundle):
                layers[label] = layers.get(label, 0.0) + cpu(work) / rounds
        total = min(total, seconds)
    print(f"{folder}: {records} records, {count} resources")
    print(f"  {'layer':30s} {'ms/resource':>11s} {'resources/s':>12s}")
    for label, seconds in layers.items():
        print(f"  {label:30s} {seconds / count * 1000:11.3f} {count / seconds:12,.0f}")
    rate = count / total
    print(
        f"  {'TOTAL validate_bundle':30s} {total / count * 1000:11.3f} {rate:12,.0f}"
        f"   ({rate / TARGET:.2f} of the {TARGET:,}/s target; {CHECKED_CONTENT.hits} entries from the cache)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--corpus", type=int, default=2000, help="records in the generated folder (0: none)")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="records the corpus copies")
    parser.add_argument("--rounds", type=int, default=1, help="passes per folder, best total (default 1)")
    args = parser.parse_args()
    folders = args.folders or [REPO / "fixtures" / "ctgov"]
    with tempfile.TemporaryDirectory(prefix="fhir-adapter-validate-") as temp:
        if args.corpus:
            folders.append(Path(temp) / f"corpus-{args.corpus}")
            write_corpus(args.source, folders[-1], args.corpus)
        for folder in folders:
            measure(folder, args.rounds)


if __name__ == "__main__":
    main()
