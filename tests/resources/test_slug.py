"""slug() skips the Unicode decomposition for ASCII text (issue 16): the keys must not change for it."""

from __future__ import annotations

import re
import unicodedata

import pytest

from fhir_adapter.resources.common import slug


def _slug_by_decomposition(text: str) -> str:
    """The rule as first written: every text decomposed (NFKD), non-ASCII marks dropped, then slugged."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"


@pytest.mark.parametrize(
    "text",
    [
        "Memorial Sloan Kettering Cancer Center New York New York United States",  # ASCII: the fast path
        "Clínica AMO / Salvador",  # accents decomposed, then dropped
        "Universitätsklinikum Köln",
        "ＭＤ Ａｎｄｅｒｓｏｎ",  # full-width letters: NFKD makes them ASCII
        "北京协和医院",  # nothing ASCII left: "x"
        "---",
        "",
        "Site 0019 ½",
    ],
)
def test_slug_is_the_same_with_or_without_the_ascii_fast_path(text: str) -> None:
    assert slug(text) == _slug_by_decomposition(text)
