"""`fhir-adapter fetch` against the fake ClinicalTrials.gov API: one file per study, as the API gives it; NCT
ids fetched in lists and accounted for (unknown, renamed, not matching); exit codes."""

from __future__ import annotations

import functools
import json
from datetime import date
from pathlib import Path

import pytest

from fhir_adapter.cli import EXIT_CANNOT_PROCEED, EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, main
from fhir_adapter.client import CtgovClient
from fhir_adapter.sources import TrialRecord, read_trials
from tests.conftest import CTGOV
from tests.ctgov_api.server import FakeCtgovApi
from tests.fhir_server.harness import free_port

FAST = ["--requests-per-minute", "60000"]


def _fetch(api: FakeCtgovApi, out: Path, *args: str) -> int:
    return main(["fetch", *args, "--out", str(out), "--ctgov-url", api.base_url, *FAST])


def test_a_query_writes_one_file_per_study_page_by_page(
    ctgov_api: FakeCtgovApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "studies"
    assert (
        _fetch(ctgov_api, out, "--condition", "lymphoma", "--status", "RECRUITING", "--page-size", "3")
        == EXIT_OK
    )
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "NCT01949129.json",
        "NCT03937544.json",
        "NCT04767165.json",
        "NCT05014165.json",
        "NCT05147467.json",
        "NCT05464836.json",
        "NCT05480501.json",
    ]
    for name in names:  # byte for byte the API's record, which the reader takes as it is
        assert json.loads((out / name).read_text("utf-8")) == json.loads((CTGOV / name).read_text("utf-8"))
    trials = [t for t in read_trials([out]) if isinstance(t, TrialRecord)]
    assert len(trials) == 7
    assert len(ctgov_api.calls()) == 3  # 7 studies, pages of 3
    captured = capsys.readouterr()
    assert f"fetched 7 studies of 7 matching into {out}/ in 3 requests" in captured.out
    assert "[7] NCT05480501 -> " in captured.err


def test_ids_are_fetched_in_one_list_and_the_unknown_one_is_named(
    ctgov_api: FakeCtgovApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "studies"
    code = _fetch(ctgov_api, out, "NCT06158412", "nct00033839", "NCT00000001")
    assert code == EXIT_SOME_FAILED
    assert sorted(p.name for p in out.iterdir()) == ["NCT00033839.json", "NCT06158412.json"]
    assert capsys.readouterr().out.splitlines()[1] == "  not found (1): NCT00000001"
    paths = [path for path, _ in ctgov_api.requests]
    assert paths == ["/api/v2/studies", "/api/v2/studies/NCT00000001"]  # one list, then the missing one alone


def test_an_id_that_exists_but_fails_the_other_criteria_is_not_written(
    ctgov_api: FakeCtgovApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "studies"
    assert _fetch(ctgov_api, out, "NCT06158412", "NCT05882279", "--status", "RECRUITING") == EXIT_OK
    assert [p.name for p in out.iterdir()] == ["NCT06158412.json"]
    assert "  not matching the other criteria: NCT05882279" in capsys.readouterr().out


def test_an_alias_is_fetched_under_its_current_id(
    ctgov_api: FakeCtgovApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ctgov_api.update_study(
        "NCT06158412",
        lambda s: s["protocolSection"]["identificationModule"].update(nctIdAliases=["NCT00000002"]),
        posted=date(2026, 1, 5),
    )
    assert _fetch(ctgov_api, tmp_path / "studies", "NCT00000002") == EXIT_OK
    assert [p.name for p in (tmp_path / "studies").iterdir()] == ["NCT06158412.json"]
    assert "  NCT00000002 is now NCT06158412" in capsys.readouterr().out


def test_since_fetches_only_what_was_updated_from_that_day(ctgov_api: FakeCtgovApi, tmp_path: Path) -> None:
    out = tmp_path / "studies"
    assert _fetch(ctgov_api, out, "--condition", "lymphoma", "--since", "2025-04-10") == EXIT_OK
    assert sorted(p.name for p in out.iterdir()) == ["NCT03934567.json", "NCT04318938.json"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "no selection: give NCT ids, --term, --condition, --sponsor, --location or --status"),
        (["NCT1234"], "'NCT1234' is not an NCT id"),
        (["--status", "OPEN"], "status 'OPEN' is not one of"),
        (["--term", "x", "--since", "yesterday"], "--since 'yesterday' is not a date (YYYY-MM-DD)"),
        (["--term", "x", "--page-size", "5000"], "--page-size must be 1 to 1000, not 5000"),
        (["--term", "x", "--ctgov-url", "ftp://x"], "--ctgov-url: base URL must be an http(s) URL"),
    ],
    ids=["nothing", "bad-id", "bad-status", "bad-since", "page-size", "ctgov-url"],
)
def test_a_wrong_selection_is_a_usage_error(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fetch", *args, "--out", str(tmp_path / "out")]) == EXIT_USAGE
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_api_that_cannot_be_reached_is_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    monkeypatch.setattr(
        "fhir_adapter.cli.selection.CtgovClient", functools.partial(CtgovClient, sleep=waits.append)
    )
    closed = f"http://127.0.0.1:{free_port()}/api/v2"
    args = ["fetch", "--term", "x", "--out", str(tmp_path / "out"), "--ctgov-url", closed]
    assert main(args) == EXIT_CANNOT_PROCEED
    err = capsys.readouterr().err
    assert f"GET {closed}/studies?query.term=x" in err and "could not connect" in err
    assert len(waits) == 4  # one request's retries, then the fetch stopped
