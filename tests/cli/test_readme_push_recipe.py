"""The README's "Try a push locally" recipe works as written: it starts the test FHIR server, waits for its
/metadata before pushing (no race with the start), creates the seed's resources, then finds them unchanged."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO
from tests.fhir_server.harness import FhirTestServer, free_port

MARKER = "<!-- push recipe:"


def recipe() -> str:
    """Return the shell block that follows the push recipe marker in README.md."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"```sh\n(.*?)```", readme[readme.index(MARKER) :], re.DOTALL)
    assert match is not None, "README.md: no sh block after the push recipe marker"
    return match.group(1)


def test_the_readme_push_recipe_waits_for_the_server_then_pushes(
    fhir_server: FhirTestServer, tmp_path: Path
) -> None:
    # `fhir_server` has installed the server's npm packages; the recipe starts its own on another port.
    assert "/metadata" in recipe()
    env = {
        **os.environ,
        "PORT": str(free_port()),
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    done = subprocess.run(
        ["sh", "-c", recipe()], cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert re.search(r"^dry run, nothing written: 1 trial: 1 created", done.stdout, re.MULTILINE)
    assert re.fullmatch(r"1 trial: 1 created, 0 updated, 0 unchanged, 0 failed", lines[-2])
    assert lines[-1] == "1 trial: 0 created, 0 updated, 1 unchanged, 0 failed"
    assert "could not connect" not in done.stdout + done.stderr
