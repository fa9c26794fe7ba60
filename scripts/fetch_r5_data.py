"""Extract what the R5 validator checks from HL7's npm package hl7.fhir.r5.core 5.0.0.

Writes into fhir_adapter/validation/data/:

- `fhir.r5.schema.json`: the package's JSON Schema (openapi/fhir.schema.json, draft-06, 857 definitions) with
  the code lists put back. As published it has 26 enums: every `code` element is just a string pattern.
  Here each `code` element with a required binding gets its ValueSet's codes as an `enum`, as the official
  R4 schema has them, when the ValueSet can be listed from the package alone (codes listed, or whole
  CodeSystems the package holds complete, no filters); the others stay patterns and are listed under
  `source.unlisted`.
- `r5-invariants.json`: the FHIRPath constraints, in r4-invariants.json's format (see
  scripts/fetch_r4_invariants.py, whose helpers this script shares): every complex datatype and the
  resources fhir-adapter emits or reads.

Run from the repository root (it runs `npm pack`, and checks the tarball's SHA-512 integrity):

    python scripts/fetch_r5_data.py
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fetch_r4_invariants import SKIPPED_TYPES, _quantity_profiles, _type_entry, _without_repeats

PACKAGE = "hl7.fhir.r5.core@5.0.0"
# npm's integrity for hl7.fhir.r5.core 5.0.0 (package-lock.json of tests/hl7_packages).
INTEGRITY = "sha512-0TvJB1KKtokn/P2mRwcqEY8v8RN8IE/pQjvtlsPaJdYaDfYx4UBhuY4afAGeQjW01p9SNYPphxAFFkEsS6P05A=="
RESOURCES = (
    *("Resource", "DomainResource", "ResearchStudy", "Group", "EvidenceVariable", "PlanDefinition"),
    *("ActivityDefinition", "Organization", "Location", "Practitioner", "PractitionerRole", "Bundle"),
    "OperationOutcome",
)
DATA = Path(__file__).resolve().parent.parent / "fhir_adapter" / "validation" / "data"


def main() -> int:
    files = _fetch()
    if files is None:
        return 1
    definitions = [d for d in files.values() if d.get("resourceType") == "StructureDefinition"]
    schema = files["openapi/fhir.schema.json"]
    _correct_patterns(schema["definitions"])
    unlisted = _add_enums(schema["definitions"], definitions, files)
    schema["description"] = (
        f"{schema.get('description', '')} Code lists of required bindings added by scripts/fetch_r5_data.py."
    ).strip()
    schema["source"] = {"package": PACKAGE, "extracted_by": "scripts/fetch_r5_data.py", "unlisted": unlisted}
    _write("fhir.r5.schema.json", schema, indent=None)
    kept = [
        sd
        for sd in definitions
        if sd.get("derivation") == "specialization"
        and ((sd["kind"] == "complex-type" and sd["id"] not in SKIPPED_TYPES) or sd["id"] in RESOURCES)
    ]
    invariants = {
        "source": {"package": PACKAGE, "fhirVersion": "5.0.0", "extracted_by": "scripts/fetch_r5_data.py"},
        "types": _without_repeats({sd["id"]: _type_entry(sd) for sd in sorted(kept, key=lambda s: s["id"])}),
        "quantityProfiles": dict(sorted(_quantity_profiles(kept).items())),
    }
    _write("r5-invariants.json", invariants, indent=1)
    return 0


def _fetch() -> dict[str, Any] | None:
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=work, check=True, stdout=subprocess.DEVNULL)
        tarball = next(Path(work).glob("*.tgz"))
        digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
        if digest != INTEGRITY:
            print(f"{PACKAGE}: integrity {digest}, expected {INTEGRITY}", file=sys.stderr)
            return None
        files: dict[str, Any] = {}
        with tarfile.open(tarball) as archive:
            for member in archive.getmembers():
                name = member.name.removeprefix("package/")
                wanted = name.startswith(("StructureDefinition-", "ValueSet-", "CodeSystem-"))
                if member.isfile() and (wanted or name == "openapi/fhir.schema.json"):
                    data = archive.extractfile(member)
                    if data is not None:
                        files[name] = json.loads(data.read())
    return files


# The published schema's decimal pattern has a stray '}' (`[0-9]{1,9}})?$`), which no ECMA regex engine
# accepts; it is written as R4's schema writes it.
BROKEN_PATTERNS = {
    "^-?(0|[1-9][0-9]{0,17})(\\.[0-9]{1,17})?([eE][+-]?[0-9]{1,9}})?$": (
        "^-?(0|[1-9][0-9]{0,17})(\\.[0-9]{1,17})?([eE][+-]?[0-9]{1,9})?$"
    ),
}


def _correct_patterns(node: Any) -> None:
    """Replace each BROKEN_PATTERNS pattern in the schema, wherever it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and value in BROKEN_PATTERNS:
                node[key] = BROKEN_PATTERNS[value]
            else:
                _correct_patterns(value)
    elif isinstance(node, list):
        for item in node:
            _correct_patterns(item)


def _add_enums(schema: dict[str, Any], definitions: list[dict[str, Any]], files: dict[str, Any]) -> list[str]:
    """Put each required binding's codes on its `code` element in `schema`; return the paths left as is."""
    value_sets = {d["url"]: d for d in files.values() if d.get("resourceType") == "ValueSet"}
    code_systems = {d["url"]: d for d in files.values() if d.get("resourceType") == "CodeSystem"}
    unlisted = []
    for sd in definitions:
        if sd.get("derivation") != "specialization" or sd["kind"] not in ("resource", "complex-type"):
            continue
        for element in sd["snapshot"]["element"]:
            binding = element.get("binding", {})
            types = [t["code"] for t in element.get("type", [])]
            if binding.get("strength") != "required" or types != ["code"]:
                continue
            prop = _property(schema, element["path"])
            if prop is None:
                continue
            codes = _codes(str(binding.get("valueSet", "")).split("|")[0], value_sets, code_systems)
            if codes is None:
                unlisted.append(element["path"])
                continue
            target = prop["items"] if prop.get("type") == "array" else prop
            target.pop("$ref", None)
            target["enum"] = codes
    return sorted(set(unlisted))


def _property(schema: dict[str, Any], path: str) -> dict[str, Any] | None:
    """Return the schema property of an element path (A.b.c), following backbone definitions."""
    name, *parts = path.split(".")
    definition = schema.get(name)
    for index, part in enumerate(parts):
        prop = (definition or {}).get("properties", {}).get(part)
        if prop is None:
            return None
        if index == len(parts) - 1:
            return prop  # type: ignore[no-any-return]
        ref = str(prop.get("$ref") or prop.get("items", {}).get("$ref", ""))
        definition = schema.get(ref.rsplit("/", 1)[-1])
    return None


def _codes(url: str, value_sets: dict[str, Any], code_systems: dict[str, Any]) -> list[str] | None:
    """Return every code of a ValueSet, or None when the package alone cannot list them."""
    value_set = value_sets.get(url)
    compose = value_set.get("compose") if value_set else None
    if not compose or compose.get("exclude"):
        return None
    codes: list[str] = []
    for include in compose.get("include", []):
        if include.get("filter"):
            return None
        if include.get("valueSet"):
            for inner in include["valueSet"]:
                found = _codes(inner.split("|")[0], value_sets, code_systems)
                if found is None:
                    return None
                codes += found
        if include.get("concept"):
            codes += [c["code"] for c in include["concept"]]
        elif include.get("system"):
            system = code_systems.get(include["system"])
            if system is None or system.get("content") != "complete":
                return None
            codes += _all_codes(system.get("concept", []))
    return list(dict.fromkeys(codes)) or None


def _all_codes(concepts: list[dict[str, Any]]) -> list[str]:
    codes = []
    for concept in concepts:
        codes.append(concept["code"])
        codes += _all_codes(concept.get("concept", []))
    return codes


def _write(name: str, document: dict[str, Any], *, indent: int | None) -> None:
    separators = (",", ":") if indent is None else None
    text = json.dumps(document, indent=indent, ensure_ascii=False, separators=separators) + "\n"
    (DATA / name).write_text(text, encoding="utf-8")
    print(f"wrote {DATA / name} ({len(text):,} bytes)")


if __name__ == "__main__":
    sys.exit(main())
