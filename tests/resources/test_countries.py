"""The country table (mappings/ctgov-country-iso3166.json): every country of the fixtures, all of ISO 3166-1."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from fhir_adapter.sources import DuplicateRecord, TrialRecord, read_trials
from fhir_adapter.terms import ISO_3166_SYSTEM, Terms
from scripts.build_country_map import ISO_CODES, TARGET, concept_map, country_rows
from tests.conftest import CTGOV, FIXTURES, load_json

TABLE = "ctgov-country-iso3166"


def _fixture_countries() -> Iterator[str]:
    for trial in read_trials([CTGOV, FIXTURES / "ctgov-xml"]):
        if isinstance(trial, DuplicateRecord):
            continue  # the XML and JSON records of one trial: the newer is read
        assert isinstance(trial, TrialRecord)
        yield from (site.country for site in trial.sites if site.country)


FIXTURE_COUNTRIES = sorted(set(_fixture_countries()))


@pytest.mark.parametrize("country", FIXTURE_COUNTRIES)
def test_every_fixture_country_has_a_row(terms: Terms, country: str) -> None:
    assert terms.knows(TABLE, country), f"{country!r}: add it to scripts/build_country_map.py"


@pytest.mark.parametrize(
    ("country", "code"),
    [
        ("United States", "US"),
        ("United Kingdom", "GB"),
        ("Korea, Republic of", "KR"),  # ISO's name, and CT.gov's before 2023
        ("South Korea", "KR"),  # CT.gov's newer name
        ("Russian Federation", "RU"),
        ("Russia", "RU"),  # not an ISO name; CT.gov writes it (NCT04688775)
        ("Turkey", "TR"),  # ISO renamed it Türkiye in 2022
        ("Taiwan", "TW"),
        ("Iran, Islamic Republic of", "IR"),
        ("Czechia", "CZ"),
        ("Puerto Rico", "PR"),
        ("Guam", "GU"),
        ("Hong Kong", "HK"),
        ("Former Serbia and Montenegro", None),  # no longer a country: no current code
    ],
)
def test_country_names_map_to_their_alpha_2_code(terms: Terms, country: str, code: str | None) -> None:
    target = terms.map(TABLE, country)
    assert (target.code if target else None) == code
    assert terms.knows(TABLE, country)
    if target:
        assert target.system == ISO_3166_SYSTEM


def test_the_table_covers_all_249_iso_countries_with_two_letter_codes() -> None:
    [group] = load_json(TARGET)["group"]
    codes = {t["code"] for e in group["element"] for t in e["target"] if "code" in t}
    assert len(codes) == 249
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in codes)


@pytest.mark.skipif(not ISO_CODES.is_file(), reason="Debian's iso-codes is not installed here")
def test_the_table_is_what_the_script_writes_from_iso_codes() -> None:
    entries = json.loads(ISO_CODES.read_text(encoding="utf-8"))["3166-1"]
    written = load_json(TARGET)
    assert written["group"] == concept_map(country_rows(entries), "")["group"]
