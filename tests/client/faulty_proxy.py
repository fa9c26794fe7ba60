"""A tiny HTTP server on 127.0.0.1 that breaks answers the way networks do, for the client's fault tests.

`responses` fakes answers above `requests`; it cannot send a body shorter than its Content-Length or a
chunked body cut mid-way, which is what a dropped connection gives a real client. This server can: it
answers from a script (`Reply`), or forwards to a real server (the test FHIR server) and breaks the answer
it got back, so a write really lands while its answer never arrives whole.

Faults: `cut` (Content-Length larger than the body sent, then close), `chunked-cut` (a chunked body ended
without its last chunk), `broken-json` (a complete answer whose JSON is cut short), `drop` (close without
answering), `ok` (the answer as it is).
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal
from urllib.parse import urlsplit

Fault = Literal["ok", "cut", "chunked-cut", "broken-json", "drop"]
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}


@dataclass(frozen=True)
class Reply:
    """One scripted answer: status, body and the fault to apply to it."""

    body: bytes = b'{"resourceType": "Bundle", "type": "searchset"}'
    status: int = 200
    fault: Fault = "ok"
    content_type: str = "application/fhir+json"


@dataclass(frozen=True)
class Seen:
    """A request the server received."""

    method: str
    path: str
    body: bytes


@dataclass
class FaultPlan:
    """Which requests to break: `faults[i]` applies to the i-th request `matches` accepts; the rest pass.

    `before`, when given, runs before each matching request is forwarded (to change the server meanwhile).
    """

    matches: Callable[[str, str], bool] = field(default=lambda method, path: True)
    faults: list[Fault] = field(default_factory=list)
    before: Callable[[], None] | None = None


class FaultyServer:
    """Answers from `script` (one Reply per request, in order), or forwards to `upstream` per `plan`."""

    def __init__(
        self,
        *,
        script: list[Reply] | None = None,
        upstream: str | None = None,
        plan: FaultPlan | None = None,
    ) -> None:
        self.script = list(script or [])
        self.upstream = upstream
        self.plan = plan or FaultPlan()
        self.seen: list[Seen] = []
        self.connections: list[socket.socket] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FaultyServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop answering, drop the open (keep-alive) connections and close the port, as a server going down
        does: later connections are refused."""
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            for connection in self.connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)

    def next_reply(self, method: str, path: str, body: bytes) -> Reply:
        """Return the answer to this request: the next scripted one, or upstream's with the planned fault."""
        with self._lock:
            self.seen.append(Seen(method, path, body))
            if self.upstream is None:
                return self.script.pop(0) if self.script else Reply(b"no more scripted answers", 599)
            fault: Fault = "ok"
            matches = self.plan.matches(method, path)
            if matches and self.plan.faults:
                fault = self.plan.faults.pop(0)
            if matches and self.plan.before is not None:
                self.plan.before()
        return self._forward(method, path, body, fault)

    def _forward(self, method: str, path: str, body: bytes, fault: Fault) -> Reply:
        assert self.upstream is not None
        target = urlsplit(self.upstream)
        connection = http.client.HTTPConnection(target.hostname or "", target.port, timeout=30)
        try:
            headers = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
            connection.request(method, path, body=body or None, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
            content_type = answer.getheader("Content-Type", "application/fhir+json")
            return Reply(data, answer.status, fault, content_type)
        finally:
            connection.close()


def _handler_for(owner: FaultyServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet: the tests read `seen`
            return

        def setup(self) -> None:
            super().setup()
            with owner._lock:
                owner.connections.append(self.connection)

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            reply = owner.next_reply(self.command, self.path, body)
            self.wfile.write(_raw(reply))
            self.wfile.flush()
            if reply.fault != "ok":
                self.close_connection = True

        do_GET = do_POST = do_PUT = do_DELETE = _answer  # noqa: N815 - http.server's method names

    return Handler


def _raw(reply: Reply) -> bytes:
    """Return the bytes to send for `reply`, broken as its fault says."""
    if reply.fault == "drop":
        return b""
    head = f"HTTP/1.1 {reply.status} {http.client.responses.get(reply.status, 'Status')}\r\n"
    head += f"Content-Type: {reply.content_type}\r\n"
    body = reply.body
    half = body[: max(1, len(body) // 2)]
    if reply.fault == "chunked-cut":
        head += "Transfer-Encoding: chunked\r\n\r\n"
        return head.encode() + f"{len(half):x}\r\n".encode() + half + b"\r\n"
    if reply.fault == "broken-json":
        body = half
    sent = half if reply.fault == "cut" else body
    head += f"Content-Length: {len(body)}\r\n"
    if reply.fault != "ok":
        head += "Connection: close\r\n"
    return head.encode() + b"\r\n" + sent
