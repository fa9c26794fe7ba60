"""Write mappings/ctgov-country-iso3166.json: ClinicalTrials.gov country names to ISO 3166-1 alpha-2 codes.

CT.gov writes a site's country as an English name ("United States", "Korea, Republic of", "Russia"). The
table maps every English short name, common name and official name of ISO 3166-1 (as Debian's iso-codes
package publishes ISO's list, /usr/share/iso-codes/json/iso_3166-1.json, 249 countries), plus the
spellings CT.gov uses that ISO does not (`CTGOV_SPELLINGS`), and marks the names of countries that no
longer exist as unmatched (`NO_CURRENT_CODE`): their old codes are withdrawn, so no current code is right.
Run from the repository root:

    python scripts/build_country_map.py [path/to/iso_3166-1.json]

tests/resources/test_countries.py checks the file against the iso-codes list when the machine has it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "mappings" / "ctgov-country-iso3166.json"
ISO_CODES = Path("/usr/share/iso-codes/json/iso_3166-1.json")
ISO_3166_SYSTEM = "urn:iso:std:iso:3166"
NAME_KEYS = ("name", "common_name", "official_name")

# Names CT.gov writes that are not one of ISO's names for the country: seen in the fixtures (Russia, Turkey)
# or in CT.gov's country list before ISO renamed the country.
CTGOV_SPELLINGS = {
    "Russia": "RU",
    "Turkey": "TR",
    "Turkey (Türkiye)": "TR",
    "Macedonia, The Former Yugoslav Republic of": "MK",
    "Swaziland": "SZ",
    "Cape Verde": "CV",
    "Burma": "MM",
    "Côte D'Ivoire": "CI",
    "Cote D'Ivoire": "CI",
    "Libyan Arab Jamahiriya": "LY",
    "Palestinian Territory, occupied": "PS",
    "Palestinian Territories, Occupied": "PS",
    "Virgin Islands (U.S.)": "VI",
    "Reunion": "RE",
    "Curacao": "CW",
    "Macau": "MO",
    "Vatican City": "VA",
}
# Countries that no longer exist: a site there cannot be given a current code.
NO_CURRENT_CODE = (
    "Former Serbia and Montenegro",
    "Serbia and Montenegro",
    "Former Yugoslavia",
    "Netherlands Antilles",
)


def country_rows(iso_entries: Iterable[Mapping[str, str]]) -> dict[str, tuple[str, str] | None]:
    """Return {CT.gov country name: (alpha-2 code, ISO short name)}, None for a country with no code."""
    short_names = {}
    rows: dict[str, tuple[str, str] | None] = {}
    for entry in iso_entries:
        code = entry["alpha_2"]
        short_names[code] = entry["name"]
        for key in NAME_KEYS:
            if key in entry:
                rows[entry[key]] = (code, entry["name"])
    for name, code in CTGOV_SPELLINGS.items():
        rows.setdefault(name, (code, short_names[code]))
    for name in NO_CURRENT_CODE:
        rows[name] = None
    return dict(sorted(rows.items()))


def concept_map(rows: Mapping[str, tuple[str, str] | None], iso_version: str) -> dict[str, Any]:
    return {
        "resourceType": "ConceptMap",
        "id": TARGET.stem,
        "url": f"https://fhir-adapter.invalid/fhir/ConceptMap/{TARGET.stem}",
        "version": "0.1.0",
        "name": "CtgovCountryIso3166",
        "title": "CT.gov country name to ISO 3166-1 alpha-2",
        "status": "active",
        "date": "2026-12-02",
        "publisher": "fhir-adapter",
        "description": "Source values: the country names of ClinicalTrials.gov locations (API v2 "
        "locations[].country, legacy XML location/facility/address/country), which are ISO 3166-1 English "
        "names or older CT.gov spellings. Targets: ISO 3166-1 alpha-2 codes and short names as ISO's list "
        f"is published by Debian iso-codes {iso_version} (iso_3166-1.json), https://salsa.debian.org/"
        "iso-codes-team/iso-codes. Written by scripts/build_country_map.py; countries that no longer exist "
        "are unmatched.",
        "sourceUri": "https://fhir-adapter.invalid/fhir/ValueSet/ctgov-country",
        "targetUri": "http://hl7.org/fhir/ValueSet/iso3166-1-2",
        "group": [
            {
                "source": "https://fhir-adapter.invalid/fhir/CodeSystem/ctgov-country",
                "target": ISO_3166_SYSTEM,
                "element": [_element(name, row) for name, row in rows.items()],
            }
        ],
    }


def _element(name: str, row: tuple[str, str] | None) -> dict[str, Any]:
    if row is None:
        return {"code": name, "target": [{"equivalence": "unmatched", "comment": "no longer a country"}]}
    code, display = row
    return {"code": name, "target": [{"code": code, "display": display, "equivalence": "equivalent"}]}


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else ISO_CODES
    if not source.is_file():
        print(f"{source} not found: install Debian's iso-codes or give the file's path", file=sys.stderr)
        return 1
    entries = json.loads(source.read_text(encoding="utf-8"))["3166-1"]
    version = _iso_codes_version()
    text = json.dumps(concept_map(country_rows(entries), version), indent=2, ensure_ascii=False)
    TARGET.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {TARGET} ({len(entries)} countries)")
    return 0


def _iso_codes_version() -> str:
    status = Path("/var/lib/dpkg/status")
    if status.is_file():
        for block in status.read_text(encoding="utf-8", errors="replace").split("\n\n"):
            if block.startswith("Package: iso-codes\n"):
                for line in block.splitlines():
                    if line.startswith("Version: "):
                        return line.removeprefix("Version: ").split("-")[0]
    return "(unknown version)"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
