"""Parse legacy ClinicalTrials.gov XML safely, and read its elements by path with the path named in errors.

Paths are written from the root, `/`-separated, with a 1-based XPath index on repeated elements:
`clinical_study/location[3]/facility/address/city`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from fhir_adapter.errors import InputError
from fhir_adapter.sources.fields import Where
from fhir_adapter.sources.xml_values import dedent_textblock, legacy_code, parse_legacy_date, unify_newlines

DOCTYPE_FIELD = "<!DOCTYPE>"


class _DoctypeFound(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class _Builder(ET.TreeBuilder):
    """A TreeBuilder that refuses any DOCTYPE and knows which elements are open, for error messages."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []

    def start(self, tag: str, attrs: dict[str, str], /) -> ET.Element:
        self.open.append(tag)
        return super().start(tag, attrs)

    def end(self, tag: str, /) -> ET.Element:
        self.open.pop()
        return super().end(tag)

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        # Expat reports the DOCTYPE before reading its internal subset, so stopping here means no entity
        # is ever declared or expanded ("billion laughs") and no external DTD is named, let alone fetched.
        raise _DoctypeFound(name)


def parse_xml(data: bytes, file: str) -> ET.Element:
    """Return the root element of an XML document; raise InputError for malformed XML or any DOCTYPE."""
    builder = _Builder()
    parser = ET.XMLParser(target=builder)
    try:
        parser.feed(data)
        root: ET.Element = parser.close()
    except _DoctypeFound as exc:
        raise InputError(
            "a DOCTYPE is not accepted (no DTDs or entities are read)",
            file=file,
            field=DOCTYPE_FIELD,
            value=exc.name,
        ) from exc
    except ET.ParseError as exc:
        raise InputError(
            f"not well-formed XML: {exc}", file=file, field="/".join(builder.open) or None
        ) from exc
    return root


class XmlNode:
    """An element (or the absence of one) at a known path; getters return stripped text or None.

    Unknown child elements are ignored; a value that cannot be read raises InputError naming its path.
    """

    def __init__(self, element: ET.Element | None, path: str, where: Where) -> None:
        self.element = element
        self.path = path
        self.where = where

    def child_path(self, tag: str) -> str:
        return f"{self.path}/{tag}"

    def error(self, tag: str, reason: str, value: str | None = None) -> InputError:
        return self.where.error(self.child_path(tag) if tag else self.path, reason, value)

    def text(self, tag: str) -> str | None:
        """Return the stripped text of the first `tag` child (a relative path such as 'address/city')."""
        found = self.element.find(tag) if self.element is not None else None
        value = (found.text or "").strip() if found is not None else ""
        return unify_newlines(value) if value else None

    def texts(self, tag: str) -> tuple[str, ...]:
        """Return the stripped, non-empty texts of every `tag` child, in order."""
        if self.element is None:
            return ()
        values = ((child.text or "").strip() for child in self.element.findall(tag))
        return tuple(unify_newlines(value) for value in values if value)

    def node(self, tag: str) -> XmlNode:
        found = self.element.find(tag) if self.element is not None else None
        return XmlNode(found, self.child_path(tag), self.where)

    def nodes(self, tag: str) -> list[XmlNode]:
        if self.element is None:
            return []
        found = self.element.findall(tag)
        return [XmlNode(e, f"{self.child_path(tag)}[{i}]", self.where) for i, e in enumerate(found, 1)]

    def attribute(self, tag: str, name: str) -> str | None:
        """Return the stripped value of attribute `name` on the first `tag` child, or None."""
        found = self.element.find(tag) if self.element is not None else None
        value = (found.get(name) or "").strip() if found is not None else ""
        return value or None

    def code(self, tag: str) -> str | None:
        """Return the v2 code of the legacy word in `tag` ('Active Comparator' -> 'ACTIVE_COMPARATOR')."""
        value = self.text(tag)
        return legacy_code(value) if value else None

    def codes(self, tag: str) -> tuple[str, ...]:
        return tuple(legacy_code(value) for value in self.texts(tag))

    def date(self, tag: str) -> str | None:
        """Return the legacy date in `tag` as an ISO partial date ('May 2008' -> '2008-05')."""
        value = self.text(tag)
        if value is None:
            return None
        try:
            return parse_legacy_date(value)
        except ValueError as exc:
            raise self.error(tag, str(exc), value) from exc

    def integer(self, tag: str) -> int | None:
        value = self.text(tag)
        if value is None:
            return None
        if not (value.isascii() and value.isdigit()):
            raise self.error(tag, "expected a whole number", value)
        return int(value)

    def textblock(self, tag: str) -> str | None:
        """Return the text block under `tag` (`tag/textblock`) dedented, its line structure kept."""
        found = self.element.find(f"{tag}/textblock") if self.element is not None else None
        return dedent_textblock(found.text or "") if found is not None else None
