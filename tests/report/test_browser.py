"""The seed's page in a real browser: headless Chromium (Debian package `chromium`; scripts/test installs
it) renders it to a PNG and dumps its DOM. The DOM's text must hold what the page is for, and the
screenshot must not be blank (a blank page, rendered the same way, gives one colour: the check can fail)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.report.pages import read_page
from tests.report.png import distinct_colours, png_rows

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
WINDOW = "--window-size=1280,1600"
MEDIA_BOX = re.compile(rb"/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]")
A4_LANDSCAPE = (842, 595)  # points
TIMEOUT = 120


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found is None:
        pytest.fail("headless Chromium is needed: apt-get install chromium (scripts/test installs it)")
    return found


def _run(chromium: str, profile: Path, *args: str) -> str:
    done = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_browser_shows_the_seed_page_text(chromium: str, report_dir: Path, tmp_path: Path) -> None:
    dom = _run(chromium, tmp_path / "profile", "--dump-dom", (report_dir / "NCT06158412.html").as_uri())
    page = read_page(dom)
    text = " ".join("".join(page.text).split())
    for expected in (
        "All-trans Retinoic Acid in Combination With a KPD Regimen",
        "Regimen: cycle calendar",
        "Cycle 1 (28-day cycle, 1 cycle.)",
        "dose missing",  # ATRA "mg/m2/day": no number
        "route missing",  # carfilzomib: no route written
        "cycle 1 only",  # carfilzomib 20 mg/m2 on days 1 and 2 of cycle 1
        "if ≤75 years",  # dexamethasone 40 mg
        "LOINC 777-3",
        "SNOMED CT 397669002",
        "Data-quality findings",
        "dose has no number",
    ):
        assert expected in text, expected
    assert [tag for tag, _ in page.tags].count("table") >= 4
    assert "script" not in {tag for tag, _ in page.tags}


def test_the_seed_screenshot_is_not_blank(chromium: str, report_dir: Path, tmp_path: Path) -> None:
    shot = tmp_path / "seed.png"
    page = (report_dir / "NCT06158412.html").as_uri()
    _run(chromium, tmp_path / "profile", f"--screenshot={shot}", WINDOW, page)
    width, height, _ = png_rows(shot)
    assert (width, height) == (1280, 1600)
    colours = distinct_colours(shot, every=4)
    assert len(colours) > 50  # text, tables, marks: hundreds of anti-aliased shades
    blank = tmp_path / "blank.html"
    blank.write_text('<!DOCTYPE html><html lang="en"><title>blank</title></html>', encoding="utf-8")
    blank_shot = tmp_path / "blank.png"
    _run(chromium, tmp_path / "profile", f"--screenshot={blank_shot}", WINDOW, blank.as_uri())
    assert len(distinct_colours(blank_shot, every=4)) == 1


def test_the_seed_page_prints_on_a4_landscape(chromium: str, report_dir: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "seed.pdf"
    page = (report_dir / "NCT06158412.html").as_uri()
    _run(chromium, tmp_path / "profile", "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page)
    sizes = {(round(float(w)), round(float(h))) for w, h in MEDIA_BOX.findall(pdf.read_bytes())}
    assert sizes == {A4_LANDSCAPE}  # the page's @page rule, not the browser's default portrait Letter
    assert len(MEDIA_BOX.findall(pdf.read_bytes())) >= 2
