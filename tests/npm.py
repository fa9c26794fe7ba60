"""Install a test folder's npm packages once (`npm ci` from its lockfile), safely across test workers."""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import tempfile
import time
from pathlib import Path


class NpmInstallError(RuntimeError):
    """npm is missing, or `npm ci` failed or timed out."""


def npm_ci(directory: Path, sentinel: Path, *, npm: str = "npm", timeout: float = 600.0) -> float | None:
    """Run `npm ci` in `directory` unless `directory / sentinel` exists; return the seconds it took.

    Returns None when nothing had to be installed. A file lock keeps parallel test workers from running
    two installs into the same folder.
    """
    if (directory / sentinel).is_file():
        return None
    if shutil.which(npm) is None:
        raise NpmInstallError(f"`{npm}` not found: install Node.js 20+ with npm")
    lock_path = Path(tempfile.gettempdir()) / f"fhir-adapter-npm-ci-{directory.name}.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if (directory / sentinel).is_file():
                return None
            started = time.monotonic()
            try:
                done = subprocess.run(
                    [npm, "ci", "--no-audit", "--no-fund"],
                    cwd=directory,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    timeout=timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise NpmInstallError(f"npm ci timed out after {timeout:.0f} s in {directory}") from exc
            if done.returncode != 0:
                output = done.stdout.decode("utf-8", errors="replace")[-4000:]
                raise NpmInstallError(f"npm ci failed ({done.returncode}) in {directory}:\n{output}")
            return time.monotonic() - started
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
