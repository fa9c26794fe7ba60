"""Benchmark screening: patients per second and peak memory, 10,000 patients x 1 trial from a folder.

    python benchmarks/screen.py [--patients N] [--trial FILE] [--format json|table|csv]

Generates N synthetic patients (one collection Bundle each: a Patient with a dozen recent lab results,
scores and status tests, some stale or in other units; deterministic) in a temporary folder, then screens
them against the trial (default: the seed NCT06158412, converted in memory) exactly as `fhir-adapter screen
--patients-dir` does: read the folder, evaluate, write the output (to a null sink). Time is the best of
--rounds passes; memory is the peak traced by tracemalloc in a separate pass, read after a quarter, half and
all of the patients: a flat line means memory does not grow with the number screened.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import tempfile
import time
import tracemalloc
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from fhir_adapter.errors import InputError
from fhir_adapter.screening import (
    CsvWriter,
    JsonWriter,
    ScreeningContext,
    ScreeningTrial,
    TableWriter,
    load_screening_rules,
    read_patient_folder,
    read_trial_file,
    screen_patients,
)
from fhir_adapter.terms import load_terms

REPO = Path(__file__).resolve().parent.parent
SCREENING_DATE = date(2025, 1, 31)
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
NEGATIVE = {"coding": [{"system": "http://snomed.info/sct", "code": "260385009"}]}
# (code, unit, low, high): value drawn uniformly, so some patients pass and some fail each threshold.
LABS = [
    ("777-3", "10*9/L", 10, 400),
    ("751-8", "10*9/L", 0.5, 6),
    ("8636-3", "ms", 380, 500),
    ("2164-2", "mL/min", 10, 120),
    ("75327-7", "mo", 1, 24),
    ("718-7", "g/dL", 7, 16),
    ("1920-8", "U/L", 10, 120),
]


def synthetic_patient(number: int, rng: random.Random) -> dict[str, Any]:
    """Return one patient's collection Bundle: random but plausible values, dated in or out of the window."""
    pid = f"bench-{number:06d}"
    entries: list[dict[str, Any]] = [
        {"resourceType": "Patient", "id": pid, "gender": rng.choice(["female", "male"]),
         "birthDate": f"{rng.randint(1930, 2010)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"}
    ]  # fmt: skip
    for index, (code, unit, low, high) in enumerate(LABS):
        quantity = {"value": round(rng.uniform(low, high), 1), "unit": unit, "system": UCUM, "code": unit}
        entries.append(_observation(pid, index, code, _day(rng), valueQuantity=quantity))
    entries.append(_observation(pid, 20, "89247-1", _day(rng), valueInteger=rng.randint(0, 4)))
    for index, code in enumerate(("9836-8", "5196-1", "11259-9", "2106-3"), start=30):
        entries.append(_observation(pid, index, code, _day(rng), valueCodeableConcept=NEGATIVE))
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in entries]}


def _observation(pid: str, index: int, code: str, day: str, **value: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": f"{pid}-{index}", "status": "final",
            "code": {"coding": [{"system": LOINC, "code": code}]}, "subject": {"reference": f"Patient/{pid}"},
            "effectiveDateTime": day, **value}  # fmt: skip


def _day(rng: random.Random) -> str:
    return "2024-11-15" if rng.random() < 0.1 else f"2025-01-{rng.randint(2, 31):02d}"


def generate(folder: Path, count: int) -> None:
    rng = random.Random(15)
    for number in range(count):
        path = folder / f"bench-{number:06d}.json"
        path.write_text(json.dumps(synthetic_patient(number, rng)), encoding="utf-8")


def screen_folder(
    trial: ScreeningTrial, folder: Path, context: ScreeningContext, kind: str, marks: set[int]
) -> Counter[str]:
    """Screen every patient of the folder and write the output to a null sink, as the CLI does."""
    sink = io.StringIO()
    writer = _writer(kind, sink, trial, context)
    verdicts: Counter[str] = Counter()
    for item in screen_patients(trial, read_patient_folder(folder), context):
        if isinstance(item, InputError):
            verdicts["unreadable"] += 1
            continue
        writer.write(item)
        verdicts[item.verdict.value] += 1
        done = sum(verdicts.values())
        if done in marks:
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            print(f"peak traced memory after {done:6d} patients: {peak:7.1f} MiB")
        sink.seek(0)
        sink.truncate()
    writer.close()
    return verdicts


def _writer(
    kind: str, sink: io.StringIO, trial: ScreeningTrial, context: ScreeningContext
) -> JsonWriter | CsvWriter | TableWriter:
    if kind == "json":
        return JsonWriter(sink, trial, context)
    if kind == "csv":
        return CsvWriter(sink, trial)
    return TableWriter(sink, trial, context)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--patients", type=int, default=10_000, help="how many patients (default 10,000)")
    parser.add_argument("--trial", type=Path, default=REPO / "fixtures" / "ctgov" / "NCT06158412.json")
    parser.add_argument("--format", choices=("json", "table", "csv"), default="json")
    parser.add_argument("--rounds", type=int, default=1, help="best of N timed passes (default 1)")
    args = parser.parse_args()
    trial = read_trial_file(args.trial, load_terms())
    context = ScreeningContext(load_screening_rules(), SCREENING_DATE)
    with tempfile.TemporaryDirectory(prefix="screen-bench-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        generate(folder, args.patients)
        print(f"generated {args.patients} patient Bundles in {time.perf_counter() - started:.1f} s")
        best, cpu = float("inf"), float("inf")
        for _ in range(args.rounds):
            started, started_cpu = time.perf_counter(), time.process_time()
            verdicts = screen_folder(trial, folder, context, args.format, set())
            best = min(best, time.perf_counter() - started)
            cpu = min(cpu, time.process_time() - started_cpu)
        total = sum(verdicts.values())
        print(f"trial {trial.nct_id}, {len(trial.criteria)} criteria, output {args.format}; {dict(verdicts)}")
        print(f"screened {total} patients in {best:.2f} s = {total / best:,.0f} patients/s (wall clock)")
        print(f"CPU time {cpu:.2f} s = {total / cpu:,.0f} patients/s on one core (other load not counted)")
        tracemalloc.start()
        screen_folder(trial, folder, context, args.format, {max(1, total // 4), max(1, total // 2), total})
        tracemalloc.stop()


if __name__ == "__main__":
    main()
