"""Write the codes of HL7's complete CodeSystems (R4 and R5) into the validator's package data.

The validator checks that every code we emit in an HL7 code system exists there (a code such as
`other-arm` in `http://hl7.org/fhir/research-study-arm-type` is valid JSON and wrong). The codes come from
HL7's official npm packages, installed by the tests into tests/hl7_packages/node_modules. Run from the
repository root after `(cd tests/hl7_packages && npm ci)`:

    python scripts/build_hl7_codesystems.py

tests/validation/test_codesystems_data.py fails when the file and the packages disagree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ROOT / "tests" / "hl7_packages" / "node_modules"
SOURCES = {"r4": PACKAGES / "hl7.fhir.r4.examples", "r5": PACKAGES / "hl7.fhir.r5.core"}
TARGET = ROOT / "fhir_adapter" / "validation" / "data" / "hl7-codesystems.json"


def _codes(concepts: list[dict[str, Any]]) -> list[str]:
    """All codes of a CodeSystem's concept tree, depth first."""
    codes: list[str] = []
    stack = list(reversed(concepts))
    while stack:
        concept = stack.pop()
        codes.append(concept["code"])
        stack.extend(reversed(concept.get("concept", [])))
    return codes


def complete_codesystems(folder: Path) -> dict[str, list[str]]:
    """{canonical url: sorted codes} of every CodeSystem in `folder` whose content is complete."""
    systems: dict[str, list[str]] = {}
    for path in sorted(folder.glob("CodeSystem-*.json")):
        resource = json.loads(path.read_text(encoding="utf-8"))
        if resource.get("content") == "complete" and resource.get("url"):
            systems[resource["url"]] = sorted(set(_codes(resource.get("concept", []))))
    return dict(sorted(systems.items()))


def build() -> dict[str, Any]:
    return {
        "_about": "Codes of the complete CodeSystems in npm hl7.fhir.r4.examples 4.0.1 (r4) and "
        "hl7.fhir.r5.core 5.0.0 (r5); written by scripts/build_hl7_codesystems.py",
        **{version: complete_codesystems(folder) for version, folder in SOURCES.items()},
    }


def main() -> int:
    missing = [str(folder) for folder in SOURCES.values() if not folder.is_dir()]
    if missing:
        print(f"missing {', '.join(missing)}: run `(cd tests/hl7_packages && npm ci)` first", file=sys.stderr)
        return 1
    data = build()
    TARGET.write_text(json.dumps(data, indent=0, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {TARGET}: {len(data['r4'])} R4 and {len(data['r5'])} R5 code systems")
    return 0


if __name__ == "__main__":
    sys.exit(main())
