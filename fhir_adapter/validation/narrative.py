"""FHIRPath's htmlChecks() for txt-1 and txt-2, which fhirpathpy does not implement.

R4 Narrative.div must be an XHTML <div> holding only basic formatting elements, without active content
(https://hl7.org/fhir/R4/narrative.html#xhtml: txt-1), and must have some content (txt-2). R4 gives both the
expression htmlChecks(); txt-2 is evaluated as htmlHasContent() (see invariants.REWRITES). This checks the
element names, event-handler and script attributes, and non-empty content: a subset of the HL7 validator's
checks, enough to catch scripts, forms and empty narratives.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

XHTML = "{http://www.w3.org/1999/xhtml}"
# HTML 4.0 chapters 7-11 and 15 (minus section 9.4), <a>, images: the elements R4 allows in a narrative.
_HTML_ELEMENTS = """
    a abbr acronym b big blockquote br caption cite code col colgroup dd dfn div dl dt em h1 h2 h3 h4 h5 h6
    hr i img li ol p pre q samp small span strong sub sup table tbody td tfoot th thead tr tt ul var
"""
ALLOWED_ELEMENTS = frozenset(_HTML_ELEMENTS.split())


def html_checks(inputs: list[Any]) -> bool:
    """txt-1: return True when the one input is an XHTML div holding only permitted elements and attributes.

    >>> html_checks(['<div xmlns="http://www.w3.org/1999/xhtml"><p>Phase 2 study</p></div>'])
    True
    >>> html_checks(['<div xmlns="http://www.w3.org/1999/xhtml"><script>x()</script></div>'])
    False
    >>> html_checks(['<div xmlns="http://www.w3.org/1999/xhtml"> </div>'])  # empty: txt-2's concern
    True
    """
    root = _parsed_div(inputs)
    if root is None:
        return False
    for element in root.iter():
        name = element.tag.removeprefix(XHTML)
        if name == element.tag or name not in ALLOWED_ELEMENTS or not _attributes_allowed(element):
            return False
    return True


def html_has_content(inputs: list[Any]) -> bool:
    """txt-2: return True when the one input has some non-whitespace text, or an image.

    A div that does not parse is txt-1's to report; here only its text counts.

    >>> html_has_content(['<div xmlns="http://www.w3.org/1999/xhtml">\\n    </div>'])
    False
    >>> html_has_content(['<div xmlns="http://www.w3.org/1999/xhtml"><p>Phase 2 study</p></div>'])
    True
    """
    if len(inputs) != 1 or not isinstance(inputs[0], str):
        return False
    root = _parsed_div(inputs)
    if root is None:
        return bool(inputs[0].strip())
    return any(
        element.tag == f"{XHTML}img" or bool((element.text or "").strip() or (element.tail or "").strip())
        for element in root.iter()
    )


def _parsed_div(inputs: list[Any]) -> ET.Element | None:
    if len(inputs) != 1 or not isinstance(inputs[0], str):
        return None
    try:
        root = ET.fromstring(inputs[0])
    except ET.ParseError:
        return None
    return root if root.tag == f"{XHTML}div" else None


def _attributes_allowed(element: ET.Element) -> bool:
    for name, value in element.attrib.items():
        if name.lower().startswith("on") or value.strip().lower().startswith("javascript:"):
            return False
    return True
