"""The criteria table, read without a browser: coded facts marked with their codes, "A or B" listed as
alternatives, a subgroup's threshold with its condition, and every registry string escaped.

Expected codes and values are written from the criteria texts (quoted in each test) and the LOINC / SNOMED
CT codes docs/architecture.md ("Identifiers and codes") and mappings/criteria-codes.json name; none is
copied from the tool's output.
"""

from __future__ import annotations

import json
from pathlib import Path

from fhir_adapter.report import write_reports
from fhir_adapter.report.criteria import criterion_rows
from fhir_adapter.resources import FhirVersion, build_trial_resources
from fhir_adapter.screening import trial_from_group
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.terms import Terms
from fhir_adapter.text import MAX_CRITERIA_CHARS, parse_criteria
from tests.conftest import CTGOV, SEED, study_json
from tests.report.pages import Table, read_page, table_with_caption


def _criteria(html: str) -> Table:
    return table_with_caption(read_page(html), "Eligibility:")


def _page(report_dir: Path, nct_id: str) -> str:
    return (report_dir / f"{nct_id}.html").read_text(encoding="utf-8")


def test_criteria_table_has_caption_and_scoped_headers(seed_html: str) -> None:
    table = _criteria(seed_html)
    assert table.caption.startswith("Eligibility: 7 inclusion and 18 exclusion rows")
    assert [c.attrs.get("scope") for c in table.rows[0]] == ["col"] * 4
    assert all(row[0].tag == "th" and row[0].attrs["scope"] == "row" for row in table.rows[1:])


def test_platelet_and_neutrophil_exclusion_is_marked_with_loinc_codes(seed_html: str) -> None:
    # "Inadequate bone marrow reserve as defined by a platelet count <30 x 109/L or absolute neutrophil
    # count <1.0 x 109/L": an exclusion "A or B" excludes A and excludes B, each coded.
    row = _criteria(seed_html).row("Exclusion 6")
    assert row[1].marks == ["platelet count <30 x 109/L", "absolute neutrophil count <1.0 x 109/L"]
    assert "LOINC 777-3" in row[2].text and "< 30 10^9/L" in row[2].text
    assert "LOINC 751-8" in row[2].text and "< 1 10^9/L" in row[2].text
    assert "Platelets" in row[2].text and "Neutrophils" in row[2].text


def test_ecog_range_is_coded_with_its_loinc_code(seed_html: str) -> None:
    row = _criteria(seed_html).row("Inclusion 4")  # "ECOG assessment of 0, 1, or 2."
    assert row[1].marks == ["ECOG assessment of 0, 1, or 2"]
    assert "LOINC 89247-1" in row[2].text and "0–2" in row[2].text


def test_structured_age_row_shows_snomed_age_code(seed_html: str) -> None:
    row = _criteria(seed_html).row("Age")  # minimumAge "18 Years"
    assert "SNOMED CT 397669002" in row[2].text and "≥ 18" in row[2].text


def test_inclusion_a_or_b_is_listed_as_alternatives_joined_by_or(seed_html: str) -> None:
    # "Serum monoclonal gammaglobulin (M protein) level ≥ 5 g/L; or urinary M protein level ≥ 200 mg/24
    # hours; or serum immunoglobulin free light chain ≥ 100 mg/L ... and abnormal ... ratio": three
    # alternatives, R4 keeps the text, the R5 EvidenceVariable codes each (the third with the ratio's words).
    row = _criteria(seed_html).row("Inclusion 2")
    assert row[2].classes.count("or") == 2
    assert "≥ 5 g/L" in row[2].text and "≥ 200" in row[2].text and "≥ 100 mg/L" in row[2].text
    assert row[1].marks == [
        "monoclonal gammaglobulin (M protein) level ≥ 5 g/L",
        "urinary M protein level ≥ 200 mg/24 hours",
        "free light chain ≥ 100 mg/L",
    ]
    assert "any of" in row[3].text and "R4 Group: text" in row[3].text
    assert "R5 EvidenceVariable states it exactly" in row[3].text


def test_r5_states_the_subgroup_threshold_with_its_condition(report_dir: Path, terms: Terms) -> None:
    # NCT04501120 inclusion 2: "ECOG ... 0 -2 (0 to 3 for participants >= 60 to 74 years of age ...)":
    # 0-2 for everyone outside the age band, or 0-3 for that age band (the R5 EvidenceVariable says "not in
    # the subgroup" on the general branch since issue 12's per-branch conditions).
    list(write_reports([CTGOV / "NCT04501120.json"], report_dir, terms))
    row = _criteria(_page(report_dir, "NCT04501120")).row("Inclusion 2")
    general, subgroup = row[2].text.split("LOINC 89247-1")[1:]
    assert "0–2" in general and "only when: not for participants >= 60 to 74 years" in general
    assert "0–3" in subgroup and "only when: for participants >= 60 to 74 years" in subgroup
    assert "or" in row[2].classes
    assert "conditional" in row[3].text and "R5 EvidenceVariable states it exactly" in row[3].text


def test_alt_threshold_depends_on_liver_metastases(report_dir: Path) -> None:
    # NCT02856893 inclusion 18: "ALT ≤2.5x ULN if no demonstrable liver metastases or ≤5xULN in the
    # presence of liver metastases".
    row = _criteria(_page(report_dir, "NCT02856893")).row("Inclusion 18")
    assert row[2].text.count("LOINC 1742-6") == 2
    assert (
        "≤ 2.5 x ULN" in row[2].text
        and "≤ 5 x ULN only when: in the presence of liver metastases" in row[2].text
    )


def test_registry_text_is_escaped_never_markup(tmp_path: Path, terms: Terms) -> None:
    study = study_json()
    protocol = study["protocolSection"]
    protocol["identificationModule"]["briefTitle"] = "<script>alert('title')</script>"
    protocol["identificationModule"]["officialTitle"] = "<script>alert('title')</script>"
    protocol["armsInterventionsModule"]["armGroups"][0]["description"] = (
        "</table><img src=x onerror=alert(1)>"
    )
    criteria = protocol["eligibilityModule"]["eligibilityCriteria"]
    protocol["eligibilityModule"]["eligibilityCriteria"] = criteria.replace(
        "1. Age ≥ 18 years.", '1. Age ≥ 18 years <a href="javascript:alert(2)">x</a>.'
    )
    record = tmp_path / "hostile.json"
    record.write_text(json.dumps(study), encoding="utf-8")
    [result] = list(write_reports([record], tmp_path / "out", terms))
    assert result.page is not None
    page = read_page(result.page.read_text(encoding="utf-8"))
    tags = {tag for tag, _ in page.tags}
    assert not tags & {"script", "img"}
    assert not any(attrs.get("href", "").startswith("javascript") for _, attrs in page.tags)
    text = "".join(page.text)
    assert "<script>alert('title')</script>" in text
    assert "</table><img src=x onerror=alert(1)>" in text
    assert '<a href="javascript:alert(2)">x</a>' in text
    index = read_page((tmp_path / "out" / "index.html").read_text(encoding="utf-8"))
    assert "script" not in {tag for tag, _ in index.tags}


def test_without_an_evidence_variable_the_group_codes_are_shown(terms: Terms) -> None:
    # The R5 build can fail where R4's does not; the R4 Group's codes then stand alone, matched by value.
    [trial] = list(read_trials([SEED]))
    assert isinstance(trial, TrialRecord)
    group = next(
        b.resource for b in build_trial_resources(trial, terms).resources if b.key.resource_type == "Group"
    )
    screening = trial_from_group(group, nct_id=trial.nct_id)
    parsed = parse_criteria(trial.eligibility.criteria or "")
    variable = next(
        b.resource
        for b in build_trial_resources(trial, terms, version=FhirVersion.R5).resources
        if b.key.resource_type == "EvidenceVariable"
    )
    with_r5 = criterion_rows(screening, parsed, variable)
    without = criterion_rows(screening, parsed, None)
    coded = [[(f.coding, f.value) for f in row.facts] for row in with_r5 if row.r4 == "coded"]
    assert coded == [[(f.coding, f.value) for f in row.facts] for row in without if row.r4 == "coded"]
    assert sum(len(c) for c in coded) >= 10


def test_criteria_text_the_parser_does_not_split_is_shown_as_written(tmp_path: Path, terms: Terms) -> None:
    study = study_json()
    long_text = "Inclusion Criteria:\n\n* " + "x " * (MAX_CRITERIA_CHARS // 2 + 1)
    study["protocolSection"]["eligibilityModule"]["eligibilityCriteria"] = long_text + "<b>end</b>"
    record = tmp_path / "long.json"
    record.write_text(json.dumps(study), encoding="utf-8")
    [result] = list(write_reports([record], tmp_path / "out", terms))
    assert result.page is not None
    page = read_page(result.page.read_text(encoding="utf-8"))
    assert "The criteria text was not split into criteria" in "".join(page.text)
    assert "x x x" in "".join(page.text) and "<b>end</b>" in "".join(page.text)
    assert "b" not in {tag for tag, _ in page.tags}
