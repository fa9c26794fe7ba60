"""What a FHIR server says it can do, read from its CapabilityStatement (`GET [base]/metadata`).

Only the server-mode `rest` entry counts (https://hl7.org/fhir/R4/capabilitystatement.html). Transaction and
batch are system interactions; conditional update is per resource type; `$validate` may be declared for the
whole system or per type, by name or by the canonical `Resource-validate` definition.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ANY_TYPE = "*"
VALIDATE_DEFINITION = "http://hl7.org/fhir/OperationDefinition/Resource-validate"


@dataclass(frozen=True)
class Capabilities:
    """The parts of a CapabilityStatement the client acts on. `*` in a set stands for every type."""

    fhir_version: str | None
    transaction: bool
    batch: bool
    conditional_update: frozenset[str] = frozenset()
    validate: frozenset[str] = frozenset()
    software: str | None = None
    update_create: frozenset[str] = frozenset()  # types that accept `PUT Type/id` of a new id (updateCreate)

    def supports_conditional_update(self, resource_type: str) -> bool:
        """Return whether `PUT resource_type?search` is declared for `resource_type`."""
        return resource_type in self.conditional_update or ANY_TYPE in self.conditional_update

    def supports_update_create(self, resource_type: str) -> bool:
        """Return whether `PUT resource_type/id` may create a resource with an id the client chose."""
        return resource_type in self.update_create or ANY_TYPE in self.update_create

    def supports_validate(self, resource_type: str) -> bool:
        """Return whether `POST resource_type/$validate` is declared."""
        return resource_type in self.validate or ANY_TYPE in self.validate


def parse_capabilities(statement: Mapping[str, Any]) -> Capabilities:
    """Return the Capabilities a CapabilityStatement declares.

    >>> caps = parse_capabilities({"resourceType": "CapabilityStatement", "fhirVersion": "4.0.1",
    ...     "rest": [{"mode": "server", "interaction": [{"code": "batch"}],
    ...               "resource": [{"type": "Group", "conditionalUpdate": True}]}]})
    >>> (caps.fhir_version, caps.transaction, caps.batch, caps.supports_conditional_update("Group"))
    ('4.0.1', False, True, True)
    >>> caps.supports_update_create("Group")
    False
    """
    rest = [r for r in _dicts(statement.get("rest")) if r.get("mode", "server") == "server"]
    interactions = {i.get("code") for r in rest for i in _dicts(r.get("interaction"))}
    resources = [res for r in rest for res in _dicts(r.get("resource"))]
    conditional = {str(res.get("type")) for res in resources if res.get("conditionalUpdate") is True}
    update_create = {str(res.get("type")) for res in resources if res.get("updateCreate") is True}
    validate = {str(res.get("type")) for res in resources if _has_validate(res)}
    if any(_has_validate(r) for r in rest) or "Resource" in validate:  # declared for every type
        validate.add(ANY_TYPE)
    software = statement.get("software")
    return Capabilities(
        fhir_version=_str_or_none(statement.get("fhirVersion")),
        transaction="transaction" in interactions,
        batch="batch" in interactions,
        conditional_update=frozenset(conditional),
        validate=frozenset(validate),
        software=_str_or_none(software.get("name")) if isinstance(software, Mapping) else None,
        update_create=frozenset(update_create),
    )


def _has_validate(declaring: Mapping[str, Any]) -> bool:
    return any(
        op.get("name") in ("validate", "$validate")
        or str(op.get("definition", "")).startswith(VALIDATE_DEFINITION)
        for op in _dicts(declaring.get("operation"))
    )


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None
