"""Start and stop the in-memory FHIR R4 test server (server.js beside this file) from Python.

Usage::

    with FhirTestServer() as server:
        requests.get(f"{server.base_url}/metadata", timeout=10)
        server.reset()

The server is Medplum's FhirRouter + MemoryRepository behind a small node:http wrapper; see README.md.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import requests

from tests.npm import NpmInstallError, npm_ci

SERVER_DIR = Path(__file__).resolve().parent
_SENTINEL_PACKAGE = Path("node_modules") / "@medplum" / "fhir-router" / "package.json"


class FhirTestServerError(RuntimeError):
    """The test server could not be installed, started or reset."""


def free_port() -> int:
    """Returns a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"(no log: {exc})"
    return "\n".join(text.splitlines()[-lines:])


class FhirTestServer:
    """One node process serving FHIR R4 at ``base_url`` (``http://127.0.0.1:PORT``, no path prefix)."""

    def __init__(
        self,
        *,
        directory: Path = SERVER_DIR,
        node: str = "node",
        npm: str = "npm",
        startup_timeout: float = 60.0,
        stop_grace: float = 5.0,
        npm_timeout: float = 600.0,
        keep_log: bool = False,
    ) -> None:
        self.directory = directory
        self.node = node
        self.npm = npm
        self.startup_timeout = startup_timeout
        self.stop_grace = stop_grace
        self.npm_timeout = npm_timeout
        self.keep_log = keep_log
        self.startup_seconds: float | None = None
        self.npm_ci_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._port: int | None = None
        self._tmpdir: Path | None = None
        self._log_path: Path | None = None

    # -- properties -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``; FHIR is served at the root (``/metadata``, ``/ResearchStudy``...)."""
        if self._port is None or self._process is None:
            raise FhirTestServerError("FhirTestServer is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def log_path(self) -> Path | None:
        """The server's log file (one line per request), while the server runs or when keep_log is set."""
        return self._log_path

    def log_tail(self, lines: int = 40) -> str:
        return _tail(self._log_path, lines) if self._log_path is not None else ""

    # -- lifecycle --------------------------------------------------------------------------

    def ensure_installed(self) -> None:
        """Runs ``npm ci`` in the server folder when its node_modules are missing."""
        try:
            seconds = npm_ci(self.directory, _SENTINEL_PACKAGE, npm=self.npm, timeout=self.npm_timeout)
        except NpmInstallError as exc:
            raise FhirTestServerError(str(exc)) from exc
        if seconds is not None:
            self.npm_ci_seconds = seconds

    def start(self) -> FhirTestServer:
        if self._process is not None:
            return self
        if shutil.which(self.node) is None:
            raise FhirTestServerError(f"`{self.node}` not found: install Node.js 20+")
        self.ensure_installed()
        self._tmpdir = Path(tempfile.mkdtemp(prefix="fhir-test-server-"))
        self._log_path = self._tmpdir / "server.log"
        started = time.monotonic()
        last_error = ""
        for _attempt in range(3):
            self._spawn(free_port())
            ready, last_error = self._wait_ready(started + self.startup_timeout)
            if ready:
                self.startup_seconds = time.monotonic() - started
                atexit.register(self.stop)
                return self
            tail = self.log_tail()
            self._terminate()
            if "EADDRINUSE" not in tail:
                break
        tail = self.log_tail()
        self._cleanup_tmpdir(force=False)
        raise FhirTestServerError(
            f"FHIR test server did not become ready: {last_error}\n--- server log ---\n{tail}"
        )

    def _spawn(self, port: int) -> None:
        assert self._log_path is not None
        env = dict(os.environ)
        env["PORT"] = str(port)
        with self._log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [self.node, "--experimental-websocket", "server.js"],
                cwd=self.directory,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._port = port

    def _wait_ready(self, deadline: float) -> tuple[bool, str]:
        assert self._process is not None
        url = f"http://127.0.0.1:{self._port}/metadata"
        last_error = "timed out"
        while time.monotonic() < deadline:
            code = self._process.poll()
            if code is not None:
                return False, f"server exited with code {code}"
            try:
                response = requests.get(url, timeout=2)
                if response.status_code == 200 and response.json().get("fhirVersion") == "4.0.1":
                    return True, ""
                last_error = f"GET /metadata answered {response.status_code}"
            except (requests.RequestException, ValueError) as exc:
                last_error = f"GET /metadata failed: {exc.__class__.__name__}"
            time.sleep(0.1)
        return False, f"{last_error} (after {self.startup_timeout:.0f} s)"

    def reset(self) -> None:
        """Empties the repository (``POST /$reset``)."""
        response = requests.post(f"{self.base_url}/$reset", timeout=10)
        if response.status_code != 200:
            raise FhirTestServerError(f"reset failed: {response.status_code} {response.text[:500]}")

    def _terminate(self) -> None:
        process, self._process = self._process, None
        self._port = None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=self.stop_grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=self.stop_grace)

    def _cleanup_tmpdir(self, *, force: bool) -> None:
        if self._tmpdir is not None and (force or not self.keep_log):
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None
            self._log_path = None

    def stop(self) -> None:
        """Terminates the server (SIGTERM, then SIGKILL after ``stop_grace`` seconds)."""
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)
        self._terminate()
        self._cleanup_tmpdir(force=False)

    def __enter__(self) -> FhirTestServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
