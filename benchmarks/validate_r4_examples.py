"""Benchmark: validate HL7's R4 examples package (what tests/validation/test_r4_examples.py runs), with CPU
seconds per layer, the slowest files, and the count of files that fail.

    python -m benchmarks.validate_r4_examples [--top N]

Needs tests/hl7_packages installed (the tests run `npm ci` there on first use). Times are CPU time of this
process (`time.process_time`), so other work on the machine does not inflate them. Layers are timed one by
one on every resource (a Bundle's entries each on their own, as `validate_bundle` checks them), then the
whole run is timed as `validate_files(..., rules=RuleSet.BASE)` does it.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from fhir_adapter.validation import RuleSet, validate_files
from fhir_adapter.validation.elements import walk_resource
from fhir_adapter.validation.invariants import check_invariants
from fhir_adapter.validation.model import check_model
from fhir_adapter.validation.schema import check_schema
from fhir_adapter.validation.units import check_units
from tests.hl7_packages import R4_EXAMPLES, hl7_package

NOT_RESOURCES = frozenset({"package.json", ".index.json"})


def _resources(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Return what `validate` checks one by one: a Bundle's shell and entries, or the resource itself."""
    if document.get("resourceType") != "Bundle":
        return [document]
    entries = document.get("entry", [])
    shell = {k: v for k, v in document.items() if k != "entry"}
    return [shell] + [
        e["resource"] for e in entries if isinstance(e, dict) and isinstance(e.get("resource"), dict)
    ]


def layer_seconds(files: list[Path]) -> tuple[dict[str, float], int]:
    """Return CPU seconds per layer over every resource of `files`, and the number of resources."""
    spent: dict[str, float] = {}
    count = 0

    def timed(label: str, work: Callable[[], Any]) -> Any:
        start = time.process_time()
        result = work()
        spent[label] = spent.get(label, 0.0) + time.process_time() - start
        return result

    for path in files:
        document: dict[str, Any] = timed("read JSON", partial(_read, path))
        for resource in _resources(document):
            count += 1
            timed("model", partial(check_model, resource))
            timed("r4-schema", partial(check_schema, resource))
            elements = timed("walk", partial(walk_resource, resource))
            timed("invariant", partial(check_invariants, elements))
            timed("ucum", partial(check_units, elements))
    return spent, count


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--top", type=int, default=10, help="how many of the slowest files to list")
    args = parser.parse_args()
    folder = hl7_package(R4_EXAMPLES)
    files = sorted(path for path in folder.glob("*.json") if path.name not in NOT_RESOURCES)
    print(f"{len(files)} files in {folder}")
    spent, count = layer_seconds(files)
    print(f"{count} resources (a Bundle's shell and entries each count)")
    for label, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        print(f"  {label:12s} {seconds:7.1f} s CPU {count / max(seconds, 1e-9):10,.0f} resources/s")
    start = time.process_time()
    reports = list(validate_files(files, rules=RuleSet.BASE))
    total = time.process_time() - start
    failed = [report for report in reports if report.failed()]
    print(
        f"validate --rules base, all files: {total:.1f} s CPU, {count / total:,.0f} resources/s; "
        f"{len(failed)} files fail"
    )
    for report in sorted(reports, key=lambda r: -r.seconds)[: args.top]:
        print(f"  {report.seconds:6.2f} s  {Path(report.source).name}")


if __name__ == "__main__":
    main()
