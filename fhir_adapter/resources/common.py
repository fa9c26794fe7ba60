"""What every builder shares: the FHIR version, deterministic resource keys, and small JSON shapes."""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar, overload
from urllib.parse import quote

from fhir_adapter.terms import CTGOV_CODE_SYSTEM_BASE, PROJECT_BASE

# uuid5 namespace for every id and urn:uuid the adapter makes: the same key always gives the same uuid.
KEY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, PROJECT_BASE)
_NAMESPACE_SHA1 = hashlib.sha1(KEY_NAMESPACE.bytes, usedforsecurity=False)
# The hex digit of the variant nibble (RFC 4122: bits 10xx) for each hex digit the hash gave there.
_VARIANT_DIGIT = {digit: "89ab"[int(digit, 16) & 0b11] for digit in "0123456789abcdef"}


def key_uuid5(name: str) -> str:
    """Return `str(uuid.uuid5(KEY_NAMESPACE, name))`, without building UUID objects: a trial with a thousand
    sites needs a thousand of them (RFC 4122 section 4.3: SHA-1 of namespace and name, version and variant
    bits set).

    >>> key_uuid5("Location|x|y") == str(uuid.uuid5(KEY_NAMESPACE, "Location|x|y"))
    True
    """
    digest = _NAMESPACE_SHA1.copy()
    digest.update(name.encode("utf-8"))
    text = digest.hexdigest()  # the version digit (12) becomes 5, the variant digit (16) one of 8, 9, a, b
    return f"{text[:8]}-{text[8:12]}-5{text[13:16]}-{_VARIANT_DIGIT[text[16]]}{text[17:20]}-{text[20:32]}"


class FhirVersion(StrEnum):
    """The FHIR release written and checked: R4 (4.0.1, what EHRs serve; the default) or R5 (5.0.0)."""

    R4 = "4.0.1"
    R5 = "5.0.0"


Json = dict[str, Any]
Owner = TypeVar("Owner")
Value = TypeVar("Value")


class computed_once(Generic[Owner, Value]):  # noqa: N801 - used as a decorator, like cached_property
    """functools.cached_property without its lock (Python 3.11 takes one on every first read): the value
    is computed on the first read and kept in the instance's __dict__, which later reads find first.
    A trial of a thousand sites reads a thousand keys' uuids."""

    def __init__(self, function: Callable[[Owner], Value]) -> None:
        self.function = function
        self.name = function.__name__
        self.__doc__ = function.__doc__

    @overload
    def __get__(self, instance: None, owner: type[Owner]) -> computed_once[Owner, Value]: ...
    @overload
    def __get__(self, instance: Owner, owner: type[Owner]) -> Value: ...
    def __get__(self, instance: Owner | None, owner: type[Owner]) -> computed_once[Owner, Value] | Value:
        if instance is None:
            return self
        value = self.function(instance)
        instance.__dict__[self.name] = value
        return value


@dataclass(frozen=True)
class ResourceKey:
    """A resource's identity: its type and the identifier the adapter finds it by on any server."""

    resource_type: str
    system: str
    value: str

    @computed_once
    def uuid(self) -> str:
        return key_uuid5(f"{self.resource_type}|{self.system}|{self.value}")

    @computed_once
    def full_url(self) -> str:
        return f"urn:uuid:{self.uuid}"

    @property
    def conditional_url(self) -> str:
        """Return the conditional-update URL, `Type?identifier=system|value`, escaped for a query string."""
        token = f"{_escape_token(self.system)}|{_escape_token(self.value)}"
        if _QUERY_SAFE.fullmatch(token) is None:  # else quote would return it unchanged, more slowly
            token = quote(token, safe=":/|")
        return f"{self.resource_type}?identifier={token}"

    def identifier(self, **extra: Any) -> Json:
        return {**extra, "system": self.system, "value": self.value}

    def reference(self, display: str | None = None) -> Json:
        return {"reference": self.full_url, "display": display} if display else {"reference": self.full_url}


_TOKEN_SPECIAL = re.compile(r"[\\|,$]")
# What urllib.parse.quote(safe=":/|") leaves as it is: ASCII letters, digits, "_.-~" and the safe ones.
_QUERY_SAFE = re.compile(r"[A-Za-z0-9_.\-~:/|]*")


def _escape_token(part: str) -> str:
    r"""Escape FHIR search special characters in one half of a token (`\`, `|`, `,`, `$`).

    >>> _escape_token("a|b,c")
    'a\\|b\\,c'
    """
    if _TOKEN_SPECIAL.search(part) is None:
        return part
    return re.sub(r"([\\|,$])", r"\\\1", part)


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """Return a stable, readable key part: ASCII lower case words joined by '-'.

    >>> slug("The First Affiliated Hospital of Xiamen University")
    'the-first-affiliated-hospital-of-xiamen-university'
    >>> slug("Clínica AMO / Salvador")
    'clinica-amo-salvador'
    """
    if not text.isascii():  # NFKD leaves ASCII as it is: most names skip the decomposition (issue 16)
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", text.lower()).strip("-") or "x"


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


_EMPTY: tuple[str, list[Any], dict[str, Any]] = ("", [], {})


def compact(element: Mapping[str, Any]) -> Json:
    """Return `element` without None, empty strings, lists or objects (FHIR forbids empty elements).

    >>> compact({"a": None, "b": [], "c": "x", "d": {}, "e": 0, "f": False})
    {'c': 'x', 'e': 0, 'f': False}
    """
    # A true value is kept without comparing it to each empty value; a false one is dropped unless it is
    # a number or a boolean (0, 0.0, False), whatever else equals "", [] or {} included.
    return {k: v for k, v in element.items() if v or (v is not None and v not in _EMPTY)}


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
