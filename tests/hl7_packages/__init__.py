"""HL7's official FHIR packages from npm, installed on first use: the ground truth tests check against.

- ``hl7.fhir.r4.examples`` 4.0.1: R4's ~5,300 example resources, CodeSystems, ValueSets and
  StructureDefinitions, one JSON file each.
- ``hl7.fhir.r5.core`` 5.0.0: R5's CodeSystems, ValueSets and StructureDefinitions.
"""

from __future__ import annotations

from pathlib import Path

from tests.npm import npm_ci

HERE = Path(__file__).resolve().parent
R4_EXAMPLES = "hl7.fhir.r4.examples"
R5_CORE = "hl7.fhir.r5.core"


def hl7_package(name: str) -> Path:
    """Return the folder of one installed HL7 package (`R4_EXAMPLES` or `R5_CORE`), installing on first use."""
    npm_ci(HERE, Path("node_modules") / R5_CORE / "package.json")
    folder = HERE / "node_modules" / name
    if not folder.is_dir():
        raise FileNotFoundError(f"{name} is not in {HERE / 'package.json'}")
    return folder
