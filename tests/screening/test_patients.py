"""Reading patients from Bundles: who owns which resource, and clear errors for what cannot be read."""

from __future__ import annotations

import pytest

from fhir_adapter.errors import InputError
from fhir_adapter.screening import patients_in


def _entry(resource: dict[str, object], full_url: str | None = None) -> dict[str, object]:
    return {"fullUrl": full_url, "resource": resource} if full_url else {"resource": resource}


def test_resources_go_to_the_patient_they_reference_in_any_form() -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            _entry({"resourceType": "Patient", "id": "a"}, "urn:uuid:1"),
            _entry({"resourceType": "Patient", "id": "b"}),
            _entry({"resourceType": "Observation", "id": "o1", "subject": {"reference": "urn:uuid:1"}}),
            _entry(
                {
                    "resourceType": "Observation",
                    "id": "o2",
                    "subject": {"reference": "https://ehr/fhir/Patient/b"},
                }
            ),
            _entry({"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/b"}}),
            _entry({"resourceType": "Observation", "id": "o3", "subject": {"reference": "Patient/zzz"}}),
            _entry({"resourceType": "MedicationRequest", "id": "m1", "subject": {"reference": "Patient/a"}}),
        ],
    }
    records = {r.id: r for r in patients_in(bundle, source="x.json")}
    assert [o["id"] for o in records["a"].observations] == ["o1"]
    assert [o["id"] for o in records["b"].observations] == ["o2"]
    assert [c["id"] for c in records["b"].conditions] == ["c1"]


def test_a_lone_patient_is_read() -> None:
    assert [r.id for r in patients_in({"resourceType": "Patient", "id": "p"}, source="p.json")] == ["p"]


@pytest.mark.parametrize(
    ("document", "message"),
    [({"resourceType": "Bundle", "entry": []}, "the Bundle holds no Patient"),
     ({"resourceType": "Patient"}, "Patient.id: a Patient without an id"),
     ([1, 2], "neither a Bundle nor a Patient")],
)  # fmt: skip
def test_what_cannot_be_read_names_the_file_and_field(document: object, message: str) -> None:
    with pytest.raises(InputError, match=message) as raised:
        patients_in(document, source="bad.json")
    assert raised.value.file == "bad.json"
