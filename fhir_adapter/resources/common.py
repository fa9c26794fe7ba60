"""What every builder shares: the FHIR version, deterministic resource keys, and small JSON shapes."""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any
from urllib.parse import quote

from fhir_adapter.terms import CTGOV_CODE_SYSTEM_BASE, PROJECT_BASE

# uuid5 namespace for every id and urn:uuid the adapter makes: the same key always gives the same uuid.
KEY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, PROJECT_BASE)
_NAMESPACE_SHA1 = hashlib.sha1(KEY_NAMESPACE.bytes, usedforsecurity=False)


def key_uuid5(name: str) -> str:
    """Return `str(uuid.uuid5(KEY_NAMESPACE, name))`, without building UUID objects: a trial with a thousand
    sites needs a thousand of them (RFC 4122 section 4.3: SHA-1 of namespace and name, version and variant
    bits set).

    >>> key_uuid5("Location|x|y") == str(uuid.uuid5(KEY_NAMESPACE, "Location|x|y"))
    True
    """
    digest = _NAMESPACE_SHA1.copy()
    digest.update(name.encode("utf-8"))
    raw = bytearray(digest.digest()[:16])
    raw[6] = (raw[6] & 0x0F) | 0x50
    raw[8] = (raw[8] & 0x3F) | 0x80
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


class FhirVersion(StrEnum):
    """The FHIR release written and checked: R4 (4.0.1, what EHRs serve; the default) or R5 (5.0.0)."""

    R4 = "4.0.1"
    R5 = "5.0.0"


Json = dict[str, Any]


@dataclass(frozen=True)
class ResourceKey:
    """A resource's identity: its type and the identifier the adapter finds it by on any server."""

    resource_type: str
    system: str
    value: str

    @cached_property
    def uuid(self) -> str:
        return key_uuid5(f"{self.resource_type}|{self.system}|{self.value}")

    @cached_property
    def full_url(self) -> str:
        return f"urn:uuid:{self.uuid}"

    @property
    def conditional_url(self) -> str:
        """Return the conditional-update URL, `Type?identifier=system|value`, escaped for a query string."""
        token = f"{_escape_token(self.system)}|{_escape_token(self.value)}"
        return f"{self.resource_type}?identifier={quote(token, safe=':/|')}"

    def identifier(self, **extra: Any) -> Json:
        return {**extra, "system": self.system, "value": self.value}

    def reference(self, display: str | None = None) -> Json:
        return {"reference": self.full_url, "display": display} if display else {"reference": self.full_url}


_TOKEN_SPECIALS = frozenset("\\|,$")


def _escape_token(part: str) -> str:
    r"""Escape FHIR search special characters in one half of a token (`\`, `|`, `,`, `$`).

    >>> _escape_token("a|b,c")
    'a\\|b\\,c'
    """
    if not _TOKEN_SPECIALS.intersection(part):
        return part
    return re.sub(r"([\\|,$])", r"\\\1", part)


def slug(text: str) -> str:
    """Return a stable, readable key part: ASCII lower case words joined by '-'.

    >>> slug("The First Affiliated Hospital of Xiamen University")
    'the-first-affiliated-hospital-of-xiamen-university'
    >>> slug("Clínica AMO / Salvador")
    'clinica-amo-salvador'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"


def unique_slugs(texts: Iterable[str]) -> list[str]:
    """Return a slug per text, numbering repeats so two equal texts still get two keys.

    >>> unique_slugs(["Arm A", "Arm A", "Arm B"])
    ['arm-a', 'arm-a-2', 'arm-b']
    """
    seen: dict[str, int] = {}
    result = []
    for text in texts:
        base = slug(text)
        seen[base] = seen.get(base, 0) + 1
        result.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return result


def compact(element: Mapping[str, Any]) -> Json:
    """Return `element` without None, empty strings, lists or objects (FHIR forbids empty elements).

    >>> compact({"a": None, "b": [], "c": "x", "d": {}, "e": 0, "f": False})
    {'c': 'x', 'e': 0, 'f': False}
    """
    return {k: v for k, v in element.items() if v is not None and v not in ("", [], {})}


def text_concept(text: str | None, codings: list[dict[str, str]] | None = None) -> Json | None:
    """Return a CodeableConcept with its codings and text, or None when it would be empty."""
    concept = compact({"coding": codings or None, "text": text})
    return concept or None


def ctgov_concept(enum_name: str, code: str | None) -> Json | None:
    """Return a CT.gov enum value as a CodeableConcept in the project's code system for that enum.

    >>> ctgov_concept("allocation", "RANDOMIZED")["text"]
    'Randomized'
    """
    if not code:
        return None
    return {"coding": [ctgov_coding(enum_name, code)], "text": humanize(code)}


def ctgov_coding(enum_name: str, code: str) -> dict[str, str]:
    """Return a CT.gov enum value as a Coding in the project's code system for that enum.

    >>> ctgov_coding("status", "RECRUITING")["system"]
    'https://fhir-adapter.invalid/fhir/CodeSystem/ctgov-status'
    """
    return {"system": f"{CTGOV_CODE_SYSTEM_BASE}ctgov-{enum_name}", "code": code, "display": humanize(code)}


def humanize(code: str) -> str:
    """Return a CT.gov enum code as words.

    >>> humanize("ACTIVE_NOT_RECRUITING")
    'Active not recruiting'
    >>> humanize("NA")
    'NA'
    """
    if len(code) <= 3:  # acronyms such as NA, NIH, FED read worse capitalised
        return code
    return code.replace("_", " ").capitalize()


def present(items: Iterable[Json | None]) -> list[Json]:
    """Return the items that are not None."""
    return [item for item in items if item is not None]
