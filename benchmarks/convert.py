"""Benchmark conversion: records per second and peak memory, conversion alone and with model validation.

    python benchmarks/convert.py [FOLDER] [--rounds N]

FOLDER defaults to fixtures/ctgov/. "Conversion alone" is read + build + Bundle + JSON bytes, as `convert`
does before it writes; "with validation" adds the fhir.resources R4B model check of every resource. The R4
JSON Schema layer is reported separately, since docs/architecture.md ("Validation") weighs it per resource.
Memory is the peak traced by tracemalloc while streaming, read after a quarter, half and all of the records: a
flat line means memory does not grow with the number of records read.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from fhir_adapter.bundle import build_bundle, to_json_bytes
from fhir_adapter.resources import build_trial_resources
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.terms import Terms, load_terms
from fhir_adapter.validation.model import check_model
from fhir_adapter.validation.schema import check_schema

REPO = Path(__file__).resolve().parent.parent


def convert_only(trial: TrialRecord, terms: Terms) -> int:
    return len(to_json_bytes(build_bundle(build_trial_resources(trial, terms))))


def convert_and_model(trial: TrialRecord, terms: Terms) -> int:
    bundle = build_bundle(build_trial_resources(trial, terms))
    problems = sum(len(check_model(entry["resource"])) for entry in bundle["entry"])
    return len(to_json_bytes(bundle)) + problems


def convert_model_and_schema(trial: TrialRecord, terms: Terms) -> int:
    bundle = build_bundle(build_trial_resources(trial, terms))
    problems = sum(
        len(check_model(e["resource"])) + len(check_schema(e["resource"])) for e in bundle["entry"]
    )
    return len(to_json_bytes(bundle)) + problems


def timed(
    folder: Path, terms: Terms, work: Callable[[TrialRecord, Terms], int], rounds: int
) -> tuple[int, float]:
    best = float("inf")
    count = 0
    for _ in range(rounds):
        start = time.perf_counter()
        count = sum(
            1 for item in read_trials([folder]) if isinstance(item, TrialRecord) and work(item, terms) >= 0
        )
        best = min(best, time.perf_counter() - start)
    return count, best


def streamed_peaks(folder: Path, terms: Terms, total: int) -> list[tuple[int, float]]:
    marks = {max(1, total // 4), max(1, total // 2), total}
    peaks = []
    tracemalloc.start()
    done = 0
    for item in read_trials([folder]):
        if isinstance(item, TrialRecord):
            convert_only(item, terms)
            done += 1
            if done in marks:
                peaks.append((done, tracemalloc.get_traced_memory()[1] / 2**20))
    tracemalloc.stop()
    return peaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("folder", nargs="?", type=Path, default=REPO / "fixtures" / "ctgov")
    parser.add_argument("--rounds", type=int, default=3, help="best of N timed passes (default 3)")
    args = parser.parse_args()
    terms = load_terms()
    for item in read_trials([args.folder]):  # warm up: imports, schema load, caches
        if isinstance(item, TrialRecord):
            convert_model_and_schema(item, terms)
            break
    print(f"folder: {args.folder}")
    runs = (
        ("conversion alone", convert_only),
        ("conversion + R4B model validation", convert_and_model),
        ("conversion + model + R4 JSON Schema", convert_model_and_schema),
    )
    for label, work in runs:
        count, seconds = timed(args.folder, terms, work, args.rounds)
        print(f"{label:40s} {count} records in {seconds:6.3f} s = {count / seconds:8.1f} records/s")
    for done, peak in streamed_peaks(args.folder, terms, count):
        print(f"peak traced memory after {done:4d} records: {peak:7.1f} MiB")


if __name__ == "__main__":
    main()
