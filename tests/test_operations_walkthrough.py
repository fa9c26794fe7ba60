"""docs/operations.md's walk-through works as written: its marked shell blocks run, in order, as one script
against the test FHIR server (the script's own server start is left out and its address put in place of
127.0.0.1:8080; the gateway's and fake API's ports become free ones). The trial lands under the hospital's
identifier base, through mutual TLS and a SMART token, and the nightly sync writes nothing the second time."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import requests

from tests.conftest import REPO
from tests.fhir_server.harness import FhirTestServer, free_port

DOC = REPO / "docs" / "operations.md"
RUN = "<!-- walkthrough -->"
HOSPITAL = "https://fhir.hospital.example/fhir-adapter"


def walkthrough_blocks() -> list[str]:
    """Return the sh blocks that follow a `<!-- walkthrough -->` marker, in order."""
    text = DOC.read_text(encoding="utf-8")
    return re.findall(re.escape(RUN) + r"\n```sh\n(.*?)```", text, re.DOTALL)


def test_the_walkthrough_has_its_steps() -> None:
    blocks = walkthrough_blocks()
    assert len(blocks) == 5
    joined = "\n".join(blocks)
    for step in ("openssl genpkey", "python -m tests.client.gateway", "fhir-adapter.toml", "push", "sync"):
        assert step in joined, step


def test_the_operations_walkthrough_runs_as_written(
    clean_fhir_server: FhirTestServer, tmp_path: Path
) -> None:
    server = clean_fhir_server.base_url.removeprefix("http://")
    script = "\n".join(walkthrough_blocks())
    script = script.replace("127.0.0.1:8080", server)
    script = script.replace("8443", str(free_port())).replace("8081", str(free_port()))
    (tmp_path / "fixtures").symlink_to(REPO / "fixtures")
    (tmp_path / "tests").symlink_to(REPO / "tests")
    wrapped = "set -eu\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n" + script
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(tmp_path),
        "HOME": str(tmp_path),
    }
    done = subprocess.run(
        ["bash", "-c", wrapped],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    assert "placeholder namespace" not in done.stderr  # the config file sets the hospital's base
    found = requests.get(
        f"{clean_fhir_server.base_url}/ResearchStudy", params={"_summary": "count"}, timeout=10
    ).json()
    assert found["total"] == 2  # NCT06158412 by push, NCT03418623 by the nightly sync
    [summary_path] = (tmp_path / "ops" / "state").glob("summary-*.json")
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    assert summary["exit_code"] == 0 and summary["outcomes"] == {}  # the second night: nothing changed
    gateway_log = (tmp_path / "ops" / "gateway.log").read_text(encoding="utf-8")
    assert gateway_log.startswith("gateway: https://127.0.0.1:")
