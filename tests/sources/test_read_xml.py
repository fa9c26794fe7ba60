"""The legacy XML reader: every fixture reads and converts, two records read field by field as written in
the files, the same study reads alike from XML and v2 JSON, and bad input is a located InputError."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from fhir_adapter.bundle import build_bundle
from fhir_adapter.errors import InputError, MappingError
from fhir_adapter.resources import build_trial_resources
from fhir_adapter.sources import Contact, Organization, Site, TrialRecord, read_trials
from fhir_adapter.terms import Terms
from fhir_adapter.text import parse_criteria
from fhir_adapter.validation import check_resource
from fhir_adapter.validation.references import bundle_targets
from tests.conftest import CTGOV, FIXTURES

CTGOV_XML = FIXTURES / "ctgov-xml"
RECORDS = sorted(CTGOV_XML.glob("*.xml"))
# A redacted device trial: status Withheld has no R4 ResearchStudy.status, and the status table
# (mappings/ctgov-status-r4.json) chooses a mapping error over a guessed status.
WITHHELD = "NCT03182660"


def _read(path: Path) -> TrialRecord:
    [trial] = list(read_trials([path]))
    assert isinstance(trial, TrialRecord), trial
    return trial


def _fixture(nct_id: str) -> TrialRecord:
    return _read(CTGOV_XML / f"{nct_id}.xml")


def _error_for(tmp_path: Path, text: str, name: str = "study.xml") -> InputError:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    [error] = list(read_trials([path]))
    assert isinstance(error, InputError)
    assert error.file == str(path) and str(path) in str(error)
    return error


def _edited(nct_id: str, old: str, new: str) -> str:
    text = (CTGOV_XML / f"{nct_id}.xml").read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    return text.replace(old, new)


# --- every fixture ---------------------------------------------------------------------------------------


def test_fixture_folder_holds_the_21_shared_records() -> None:
    assert len(RECORDS) == 21


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.stem)
def test_every_fixture_reads_as_its_own_nct_id(path: Path) -> None:
    trial = _read(path)
    assert (trial.nct_id, trial.source) == (path.stem, str(path))


@pytest.mark.parametrize("path", [p for p in RECORDS if p.stem != WITHHELD], ids=lambda p: p.stem)
def test_every_fixture_converts_to_resources_that_pass_every_check(terms: Terms, path: Path) -> None:
    bundle = build_bundle(build_trial_resources(_read(path), terms))
    targets = bundle_targets(bundle)
    for entry in bundle["entry"]:
        assert [str(i) for i in check_resource(entry["resource"], targets=targets)] == []


def test_withheld_record_reads_but_has_no_r4_status(terms: Terms) -> None:
    trial = _fixture(WITHHELD)
    assert (trial.overall_status, trial.study_type) == ("WITHHELD", None)  # study_type N/A: redacted
    assert trial.lead_sponsor == Organization(name="[Redacted]")
    with pytest.raises(MappingError, match="WITHHELD"):
        build_trial_resources(trial, terms)


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.stem)
def test_every_coded_value_has_a_row_in_its_mapping_table(terms: Terms, path: Path) -> None:
    trial = _read(path)
    values = [
        ("ctgov-status-r4", trial.overall_status),
        ("ctgov-status-r4", trial.last_known_status),
        ("ctgov-phase", "+".join(trial.phases)),
        ("ctgov-primary-purpose", trial.design.primary_purpose),
        ("ctgov-sex", trial.eligibility.sex),
        *(("ctgov-arm-type", arm.type) for arm in trial.arms),
        *(("ctgov-intervention-type", i.type) for i in trial.interventions),
        *(("ctgov-site-status", site.status) for site in trial.sites),
        *(("ctgov-agency-class", o.agency_class) for o in (trial.lead_sponsor, *trial.collaborators) if o),
        *(("ctgov-official-role", official.role) for official in trial.officials),
    ]
    unknown = [(table, code) for table, code in values if code and not terms.knows(table, code)]
    assert unknown == []


# --- two records, field by field, against the files as read by eye -----------------------------------------


def test_morpheus_tnbc_reads_as_written() -> None:
    trial = _fixture("NCT03424005")
    assert (trial.acronym, trial.org_study_id, trial.organization) == (
        "Morpheus-TNBC",
        "CO40115",
        "Hoffmann-La Roche",
    )
    assert [s.id for s in trial.secondary_ids] == ["2017-002038-21"]
    assert (trial.overall_status, trial.last_known_status, trial.why_stopped) == ("RECRUITING", None, None)
    assert (trial.study_type, trial.phases) == ("INTERVENTIONAL", ("PHASE1", "PHASE2"))
    assert (
        trial.start_date,
        trial.primary_completion_date,
        trial.completion_date,
        trial.last_update_date,
    ) == (
        "2018-03-30",
        "2021-08-17",
        "2021-08-17",
        "2019-04-16",
    )
    assert (
        trial.lead_sponsor and trial.lead_sponsor.name,
        trial.lead_sponsor and trial.lead_sponsor.agency_class,
    ) == (
        "Hoffmann-La Roche",
        "INDUSTRY",
    )
    assert [(c.name, c.agency_class) for c in trial.collaborators] == [("Seattle Genetics, Inc.", "INDUSTRY")]
    design = trial.design
    assert (design.allocation, design.intervention_model, design.primary_purpose, design.masking) == (
        "RANDOMIZED",
        "PARALLEL",
        "TREATMENT",
        "NONE",
    )
    assert (trial.enrollment_count, trial.enrollment_type) == (310, "ESTIMATED")
    assert (trial.condition_meshes, trial.intervention_meshes) == ((), ())


def test_morpheus_tnbc_arms_link_their_interventions() -> None:
    trial = _fixture("NCT03424005")
    assert len(trial.arms) == 9 and len(trial.interventions) == 9
    arms = {arm.label: arm for arm in trial.arms}
    assert arms["Capecitabine"].type == "ACTIVE_COMPARATOR"
    assert [i.label for i in trial.interventions_for(arms["Capecitabine"])] == ["Drug: Capecitabine"]
    triplet = arms["Atezolizumab + Bevacizumab + Cobimetinib"]
    assert triplet.type == "EXPERIMENTAL"
    assert triplet.intervention_names == ("Drug: Atezolizumab", "Drug: Bevacizumab", "Drug: Cobimetinib")
    [ipatasertib] = [i for i in trial.interventions if i.name == "Ipatasertib"]
    assert ipatasertib.arm_labels == ("Atezolizumab + Ipatasertib",)
    assert ipatasertib.description == (
        "Ipatasertib will be administered by mouth 400 mg once a day, on Day 1-21 of each 28 day cycle"
    )


def test_morpheus_tnbc_eligibility_contacts_and_a_site() -> None:
    trial = _fixture("NCT03424005")
    criteria = trial.eligibility.criteria or ""
    assert criteria.splitlines()[:5] == [
        "Inclusion Criteria Stage 1",
        "",
        "  -  ECOG Performance Status of 0 or 1",
        "",
        "  -  Metastatic or inoperable locally advanced, histologically documented TNBC (absence of",
    ]
    assert criteria.splitlines()[5] == "     HER2, ER, and PR expression)"
    assert criteria.endswith("  -  Additional drug-specific exclusion criteria might apply.")
    eligibility = trial.eligibility
    assert (eligibility.sex, eligibility.minimum_age, eligibility.maximum_age) == ("ALL", "18 Years", None)
    assert eligibility.healthy_volunteers is False
    assert trial.central_contacts == (
        Contact(
            name="Reference Study ID Number: CO40115 www.roche.com/about_roche/roche_worldwide.htm",
            role="CONTACT",
            phone="888-662-6728 (U.S. and Canada)",
            email="global-roche-genentech-trials@gene.com",
        ),
    )
    assert [(o.name, o.role, o.affiliation) for o in trial.officials] == [
        ("Clinical Trials", "STUDY_DIRECTOR", "Hoffmann-La Roche")
    ]
    assert len(trial.sites) == 22
    assert trial.sites[9] == Site(
        facility="Centre Léon Bérard", status="RECRUITING", city="Lyon", zip="69008", country="France"
    )


def test_euclidian_reads_as_written() -> None:
    trial = _fixture("NCT01341288")
    assert (trial.brief_title, trial.acronym) == (
        "Robotic Seed Implantation for Prostate Cancer Brachytherapy",
        "EUCLIDIAN",
    )
    assert [s.id for s in trial.secondary_ids] == ["2007-24", "R01CA091763"]
    assert (trial.overall_status, trial.why_stopped, trial.phases) == (
        "TERMINATED",
        "Slow accrual",
        ("PHASE1",),
    )
    assert (trial.start_date, trial.primary_completion_date, trial.completion_date) == (
        "2008-07-29",
        "2015-02-26",
        "2015-02-27",
    )
    assert (
        trial.last_update_date == "2017-04-10"
    )  # from lastchanged_date: the record predates last_update_posted
    assert trial.lead_sponsor is not None
    assert (trial.lead_sponsor.name, trial.lead_sponsor.agency_class) == (
        "Sidney Kimmel Cancer Center at Thomas Jefferson University",
        "OTHER",
    )
    assert [(c.name, c.agency_class) for c in trial.collaborators] == [
        ("National Cancer Institute (NCI)", "NIH")
    ]
    assert (trial.design.intervention_model, trial.design.masking, trial.design.allocation) == (
        "SINGLE_GROUP",
        "NONE",
        None,
    )
    assert (trial.enrollment_count, trial.enrollment_type) == (2, "ACTUAL")
    assert trial.keywords[:2] == ("prostate cancer", "EUCLIDIAN") and len(trial.keywords) == 6
    assert trial.conditions == ("Prostate Cancer",)
    assert trial.condition_meshes == ()  # 'Prostatic Neoplasms' comes without a MeSH id: not guessed


def test_euclidian_arm_intervention_eligibility_site_and_references() -> None:
    trial = _fixture("NCT01341288")
    [arm] = trial.arms
    [robot] = trial.interventions_for(arm)
    assert (arm.label, arm.type, robot.label) == ("Implant", "EXPERIMENTAL", "Device: EUCLIDIAN Robot")
    assert robot.other_names == (
        "Endo-Uro Computed Lattice for Intratumoral Delivery, Implantation, Ablation with Nanosensing",
    )
    lines = (trial.eligibility.criteria or "").splitlines()
    assert lines[:4] == [
        "Inclusion Criteria:",
        "",
        "  -  Histologically confirmed, adenocarcinoma of the prostate, clinical stage T1c-T2b, NX,",
        "     N0, M0.",
    ]
    assert "     beginning < or = 6 months prior to registration is acceptable." in lines
    assert (trial.eligibility.sex, trial.eligibility.minimum_age, trial.eligibility.maximum_age) == (
        "MALE",
        "40 Years",
        None,
    )
    assert trial.eligibility.healthy_volunteers is False
    assert [(o.name, o.role) for o in trial.officials] == [("Adam Dicker, MD, PhD", "PRINCIPAL_INVESTIGATOR")]
    assert trial.sites == (
        Site(
            facility="Thomas Jefferson University",
            city="Philadelphia",
            state="Pennsylvania",
            zip="19107",
            country="United States",
        ),
    )
    [reference] = trial.references
    assert (reference.pmid, reference.type) == ("21361179", None)
    assert (reference.citation or "").startswith("Podder TK, Buzurovic I")
    assert [(link.url, link.label) for link in trial.links] == [
        (
            "http://www.KimmelCancerCenter.org",
            "Kimmel Cancer Center at Thomas Jefferson University, an NCI-Designated Cancer Center",
        ),
        ("http://www.JeffersonHospital.org", "Thomas Jefferson University Hospitals"),
    ]


def test_site_contacts_and_investigators_become_site_contacts() -> None:
    first = _fixture("NCT02465060").sites[0]
    assert (first.facility, first.status) == (
        "University of Alabama at Birmingham Cancer Center",
        "RECRUITING",
    )
    assert first.contacts == (
        Contact(name="Carla I. Falkson", role="CONTACT", email="ecog.rss@jimmy.harvard.edu"),
        Contact(name="Carla I. Falkson", role="PRINCIPAL_INVESTIGATOR"),
    )


def test_overall_contact_and_backup_are_central_contacts_in_order() -> None:
    trial = _fixture("NCT03133988")
    assert [(c.name, c.phone, c.email) for c in trial.central_contacts] == [
        ("Sutton Edlich", "(240) 552-8082", "edlichs@macrogenics.com"),
        ("Emily Ashley", "(240) 552-8073", "ashleye@macrogenics.com"),
    ]
    assert (trial.study_type, trial.overall_status) == ("EXPANDED_ACCESS", "AVAILABLE")


def test_unknown_status_keeps_the_last_known_one() -> None:
    trial = _fixture("NCT02591940")
    assert (trial.overall_status, trial.last_known_status) == ("UNKNOWN", "ENROLLING_BY_INVITATION")


def test_character_reference_carriage_returns_do_not_break_dedenting() -> None:
    criteria = _fixture("NCT04452435").eligibility.criteria or ""
    assert "\r" not in criteria
    assert criteria.splitlines()[:3] == [
        "Inclusion Criteria:",
        "",
        "  1. Written informed consent, consistent with ICH-GCP R2 and local laws, obtained before",
    ]


# --- the same study from both formats ------------------------------------------------------------------------


def test_same_study_reads_alike_from_xml_and_v2_json() -> None:
    xml, v2 = _fixture("NCT02513394"), _read(CTGOV / "NCT02513394.json")

    def stable(t: TrialRecord) -> tuple[object, ...]:
        # Fields the registry did not change between the 2020 XML snapshot and the 2023 v2 record.
        return (
            t.brief_title,
            t.official_title,
            t.acronym,
            t.org_study_id,
            t.organization,
            t.overall_status,
            t.start_date,
            t.study_type,
            t.phases,
            t.design,
            t.enrollment_count,
            t.enrollment_type,
            t.arms,
            t.interventions,
            t.conditions,
            t.lead_sponsor,
            (t.eligibility.sex, t.eligibility.minimum_age, t.eligibility.maximum_age),
            t.eligibility.healthy_volunteers,
        )

    assert stable(xml) == stable(v2)


def test_xml_criteria_parse_into_the_same_criteria_as_the_v2_record() -> None:
    xml, v2 = _fixture("NCT02513394"), _read(CTGOV / "NCT02513394.json")
    parsed_xml = parse_criteria(xml.eligibility.criteria or "")
    parsed_v2 = parse_criteria(v2.eligibility.criteria or "")
    assert len(parsed_xml) == 34
    assert [(c.section, c.text) for c in parsed_xml] == [(c.section, c.text) for c in parsed_v2]


# --- bad input ---------------------------------------------------------------------------------------------


def test_malformed_xml_names_the_file_and_the_open_element(tmp_path: Path) -> None:
    error = _error_for(tmp_path, _edited("NCT01341288", "<gender>Male</gender>", "<gender>Male</sex>"))
    assert error.field == "clinical_study/eligibility/gender"
    assert "not well-formed XML: mismatched tag" in str(error)


def test_truncated_file_is_malformed_xml(tmp_path: Path) -> None:
    text = (CTGOV_XML / "NCT01341288.xml").read_text(encoding="utf-8")
    error = _error_for(tmp_path, text[: text.index("<phase>") + len("<phase>Pha")])
    assert error.field == "clinical_study/phase"
    assert "not well-formed XML" in str(error)


def test_missing_nct_id_names_the_element_path(tmp_path: Path) -> None:
    error = _error_for(tmp_path, _edited("NCT01341288", "<nct_id>NCT01341288</nct_id>", ""))
    assert (error.field, error.nct_id) == ("clinical_study/id_info/nct_id", None)
    assert "clinical_study/id_info/nct_id: missing" in str(error)


def test_malformed_nct_id_is_an_error(tmp_path: Path) -> None:
    error = _error_for(
        tmp_path, _edited("NCT01341288", "<nct_id>NCT01341288</nct_id>", "<nct_id>NCT123</nct_id>")
    )
    assert (error.field, error.value) == ("clinical_study/id_info/nct_id", "NCT123")


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>',
        '<!DOCTYPE clinical_study SYSTEM "file:///etc/passwd">',
        '<!DOCTYPE clinical_study SYSTEM "https://clinicaltrials.gov/ct2/html/images/info/public.dtd">',
    ],
    ids=["entity-expansion", "external-file", "public-dtd"],
)
def test_any_doctype_is_refused(tmp_path: Path, doctype: str) -> None:
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    error = _error_for(tmp_path, _edited("NCT01341288", head, head + "\n" + doctype))
    assert error.field == "<!DOCTYPE>"
    assert "a DOCTYPE is not accepted" in str(error)


@pytest.mark.parametrize(
    ("old", "new", "field", "value"),
    [
        ("July 29, 2008", "29/07/2008", "clinical_study/start_date", "29/07/2008"),
        ("July 29, 2008", "Juli 29, 2008", "clinical_study/start_date", "Juli 29, 2008"),
        ("February 27, 2015", "February 30, 2015", "clinical_study/completion_date", "February 30, 2015"),
        ('type="Actual">2<', 'type="Actual">two<', "clinical_study/enrollment", "two"),
        (
            "<healthy_volunteers>No<",
            "<healthy_volunteers>Maybe<",
            "clinical_study/eligibility/healthy_volunteers",
            "Maybe",
        ),
    ],
    ids=["numeric-date", "misspelt-month", "no-such-day", "enrollment-in-words", "healthy-volunteers-maybe"],
)
def test_unreadable_values_name_the_element_and_value(
    tmp_path: Path, old: str, new: str, field: str, value: str
) -> None:
    error = _error_for(tmp_path, _edited("NCT01341288", old, new))
    assert (error.field, error.value, error.nct_id) == (field, value, "NCT01341288")
    assert f"NCT01341288 ({tmp_path / 'study.xml'}): {field}: " in str(error)


def test_a_document_of_another_kind_is_an_error(tmp_path: Path) -> None:
    error = _error_for(tmp_path, "<studies><study/></studies>")
    assert error.field == "studies"
    assert "expected a <clinical_study> document" in str(error)


def test_unknown_elements_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "x.xml"
    robot = "<keyword>robot</keyword>"
    path.write_text(_edited("NCT01341288", robot, robot + "<future_thing a='1'><x>y</x></future_thing>"))
    assert replace(_read(path), source="") == replace(_fixture("NCT01341288"), source="")


# --- folders -------------------------------------------------------------------------------------------------


def test_folder_mixing_json_and_xml_is_read_in_name_order(tmp_path: Path) -> None:
    shutil.copy(CTGOV_XML / "NCT01341288.xml", tmp_path / "b.xml")
    shutil.copy(CTGOV / "NCT03418623.json", tmp_path / "a.json")
    (tmp_path / "c").mkdir()
    shutil.copy(CTGOV_XML / "NCT03424005.xml", tmp_path / "c" / "d.xml")
    shutil.copy(CTGOV / "NCT06158412.json", tmp_path / "c.json")
    (tmp_path / "notes.txt").write_text("not a record", encoding="utf-8")
    (tmp_path / ".cache").mkdir()
    shutil.copy(CTGOV_XML / "NCT00002475.xml", tmp_path / ".cache" / "x.xml")
    results = list(read_trials([tmp_path]))
    assert [r.nct_id for r in results if isinstance(r, TrialRecord)] == [
        "NCT03418623",
        "NCT01341288",
        "NCT03424005",
        "NCT06158412",
    ]


def test_a_broken_xml_file_in_a_folder_does_not_stop_the_others(tmp_path: Path) -> None:
    shutil.copy(CTGOV_XML / "NCT01341288.xml", tmp_path / "a.xml")
    (tmp_path / "b.xml").write_text("<clinical_study><id_info>", encoding="utf-8")
    shutil.copy(CTGOV / "NCT03418623.json", tmp_path / "c.json")
    results = list(read_trials([tmp_path]))
    assert [type(r).__name__ for r in results] == ["TrialRecord", "InputError", "TrialRecord"]


def test_whole_xml_fixture_folder_reads_without_errors() -> None:
    results = list(read_trials([CTGOV_XML]))
    assert [r.nct_id for r in results if isinstance(r, TrialRecord)] == [p.stem for p in RECORDS]


def test_fda_regulation_flags_are_read_and_a_bad_one_is_named(tmp_path: Path) -> None:
    assert (_fixture("NCT03424005").fda_regulated_drug, _fixture("NCT03424005").fda_regulated_device) == (
        True,
        False,
    )
    edited = _edited("NCT01341288", "<is_fda_regulated_device>Yes", "<is_fda_regulated_device>Perhaps")
    error = _error_for(tmp_path, edited)
    assert error.field == "clinical_study/oversight_info/is_fda_regulated_device"
    assert "expected 'Yes' or 'No'" in str(error) and error.value == "Perhaps"
