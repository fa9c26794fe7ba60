"""FHIRPath's htmlChecks() for txt-1 and txt-2, which fhirpathpy does not implement.

R4 Narrative.div must be an XHTML <div> holding only basic formatting elements, without active content
(https://hl7.org/fhir/R4/narrative.html#xhtml), and must have some content (txt-2). This checks the
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
    """Return True when the one input is a permitted, non-empty XHTML narrative div.

    >>> html_checks(['<div xmlns="http://www.w3.org/1999/xhtml"><p>Phase 2 study</p></div>'])
    True
    >>> html_checks(['<div xmlns="http://www.w3.org/1999/xhtml"><script>x()</script></div>'])
    False
    >>> html_checks(['<div xmlns="http://www.w3.org/1999/xhtml"> </div>'])
    False
    """
    if len(inputs) != 1 or not isinstance(inputs[0], str):
        return False
    try:
        root = ET.fromstring(inputs[0])
    except ET.ParseError:
        return False
    if root.tag != f"{XHTML}div":
        return False
    has_content = False
    for element in root.iter():
        name = element.tag.removeprefix(XHTML)
        if name == element.tag or name not in ALLOWED_ELEMENTS or not _attributes_allowed(element):
            return False
        has_content = has_content or name == "img" or bool((element.text or "").strip())
        has_content = has_content or bool((element.tail or "").strip())
    return has_content


def _attributes_allowed(element: ET.Element) -> bool:
    for name, value in element.attrib.items():
        if name.lower().startswith("on") or value.strip().lower().startswith("javascript:"):
            return False
    return True
