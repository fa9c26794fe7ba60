"""The README's nightly-sync recipe works as written: its shell block, run with `sh` against the fake
ClinicalTrials.gov API and the test FHIR server, creates the trials, then writes nothing, nightly (only what
changed is fetched) or weekly (`--full`: everything is fetched and compared)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from fhir_adapter.client import FhirClient
from fhir_adapter.settings import Settings
from tests.conftest import REPO
from tests.ctgov_api.server import FakeCtgovApi
from tests.fhir_server.harness import FhirTestServer
from tests.sync.test_sync import TYPES

MARKER = "<!-- nightly-trials recipe:"


def recipe() -> str:
    """Return the shell block that follows the recipe marker in README.md."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    after = readme[readme.index(MARKER) :]
    match = re.search(r"```sh\n(.*?)```", after, re.DOTALL)
    assert match is not None, "README.md: no sh block after the nightly-trials marker"
    return match.group(1)


def _versions(server: FhirTestServer) -> dict[str, str]:
    with FhirClient(Settings(server.base_url)) as client:
        return {
            f"{t}/{r['id']}": r["meta"]["versionId"]
            for t in TYPES
            for r in client.search(t, {"_count": "500"})
        }


def test_the_readme_recipe_syncs_then_writes_nothing(
    ctgov_api: FakeCtgovApi, clean_fhir_server: FhirTestServer, tmp_path: Path
) -> None:
    script = tmp_path / "nightly-trials.sh"
    script.write_text(recipe(), encoding="utf-8")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "FHIR_SERVER": clean_fhir_server.base_url,
        "CTGOV_URL": ctgov_api.base_url,
    }

    def run(*options: str) -> dict[str, object]:
        done = subprocess.run(
            ["sh", str(script), *options],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert len(done.stdout.splitlines()) == 1  # one summary line
        summary: dict[str, object] = json.loads((tmp_path / "sync-summary.json").read_text("utf-8"))
        return summary

    first = run()
    assert first["outcomes"] == {"created": 11}
    assert list((tmp_path / "state" / "fhir-adapter").glob("sync-*.json"))  # the state, where XDG says
    before = _versions(clean_fhir_server)
    second = run()
    assert second["outcomes"] == {} and second["since"] is not None
    assert _versions(clean_fhir_server) == before
    weekly = run("--full")
    assert weekly["outcomes"] == {"unchanged": 11} and weekly["since"] is None
    assert _versions(clean_fhir_server) == before
