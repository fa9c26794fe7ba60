"""Logging flags on every command: level, text or JSON lines, timestamps, a log file; and contact details
(names, phones, emails of the real fixture records) only at debug level."""

from __future__ import annotations

import argparse
import json
import re
import shutil
from pathlib import Path

import pytest

from fhir_adapter.cli import EXIT_OK, EXIT_USAGE, _parser, main
from tests.conftest import CTGOV, SEED, load_json
from tests.fhir_server.harness import FhirTestServer

# Fixture records with central contacts (names, phones, emails) and officials.
WITH_CONTACTS = ("NCT00399243", "NCT00410098", "NCT01100827", "NCT02387086", "NCT03281889")
TIMESTAMPED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR) ")


def _people(nct_ids: tuple[str, ...]) -> set[str]:
    """Return the names, phones and emails the records hold: central and site contacts, officials."""
    found: set[str] = set()
    for nct_id in nct_ids:
        module = load_json(CTGOV / f"{nct_id}.json")["protocolSection"].get("contactsLocationsModule", {})
        sites = [c for site in module.get("locations", []) for c in site.get("contacts", [])]
        for contact in [*module.get("centralContacts", []), *sites]:
            found |= {contact.get(key) for key in ("name", "phone", "email")}
        found |= {official.get("name") for official in module.get("overallOfficials", [])}
    return {value for value in found if value}


def _inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for nct_id in WITH_CONTACTS:
        shutil.copy(CTGOV / f"{nct_id}.json", folder / f"{nct_id}.json")
    return folder


def _leaked(text: str) -> list[str]:
    return sorted(value for value in _people(WITH_CONTACTS) if value in text)


def test_convert_logs_contact_details_at_debug_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _inputs(tmp_path)
    debug_log, info_log = tmp_path / "debug.log", tmp_path / "info.log"
    out = str(tmp_path / "out")
    assert (
        main(["convert", str(folder), "--out", out, "--log-level", "debug", "--log-file", str(debug_log)])
        == 0
    )
    assert len(_leaked(debug_log.read_text(encoding="utf-8"))) >= len(WITH_CONTACTS)  # the check can fail
    capsys.readouterr()
    assert (
        main(["convert", str(folder), "--out", out, "--log-level", "info", "--log-file", str(info_log)]) == 0
    )
    captured = capsys.readouterr()
    assert "convert: " in info_log.read_text(encoding="utf-8")  # info lines were written
    assert _leaked(info_log.read_text(encoding="utf-8") + captured.out + captured.err) == []


def test_push_logs_contact_details_at_debug_only(
    clean_fhir_server: FhirTestServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _inputs(tmp_path)
    push = ["push", str(folder), "--server", clean_fhir_server.base_url, "--journal", str(tmp_path / "j")]
    assert main([*push, "--log-level", "debug", "--log-file", str(tmp_path / "debug.log")]) == EXIT_OK
    assert _leaked((tmp_path / "debug.log").read_text(encoding="utf-8"))
    clean_fhir_server.reset()
    capsys.readouterr()
    assert main([*push, "--log-level", "info", "--log-format", "json"]) == EXIT_OK
    captured = capsys.readouterr()
    assert '"stage": "client"' in captured.err  # info lines were written, as JSON
    assert _leaked(captured.out + captured.err) == []


def test_json_lines_carry_time_level_trial_stage_and_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["convert", str(SEED), "--out", str(tmp_path), "--log-level", "info", "--log-format", "json"]
    assert main(args) == EXIT_OK
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    [written] = [line for line in lines if line["stage"] == "convert"]
    assert set(written) == {"time", "level", "trial", "stage", "message"}
    assert written["trial"] == "NCT06158412" and written["level"] == "INFO"
    assert written["message"].endswith(f" resources written to {tmp_path / 'NCT06158412.json'}")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", written["time"])


def test_text_lines_are_timestamped_and_the_flags_go_before_or_after_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--log-level", "info", "convert", str(SEED), "--out", str(tmp_path)]) == EXIT_OK
    before = capsys.readouterr().err.splitlines()
    assert main(["convert", str(SEED), "--out", str(tmp_path), "--log-level", "info"]) == EXIT_OK
    after = capsys.readouterr().err.splitlines()
    for lines in (before, after):
        assert any(TIMESTAMPED.match(line) and "INFO NCT06158412: convert: " in line for line in lines)
    assert main(["convert", str(SEED), "--out", str(tmp_path)]) == EXIT_OK
    assert "INFO" not in capsys.readouterr().err  # the default level is warning


def test_every_command_takes_the_logging_flags() -> None:
    [commands] = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert len(commands.choices) >= 7
    for name, command in commands.choices.items():
        helptext = command.format_help()
        assert "--log-level" in helptext and "--log-format" in helptext and "--log-file" in helptext, name


def test_a_log_file_that_cannot_be_opened_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder_in_the_way = tmp_path / "logs"
    folder_in_the_way.mkdir()
    args = ["convert", str(SEED), "--out", str(tmp_path / "out"), "--log-file", str(folder_in_the_way)]
    assert main(args) == EXIT_USAGE
    assert f"--log-file {folder_in_the_way}: " in capsys.readouterr().err
