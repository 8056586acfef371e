"""Running Prism with Twilio's own OpenAPI spec (API v2010), for tests of the Twilio transports.

Prism validates every request against the spec (path, form body, Basic auth) and answers a
violation with 422 (or 401) listing what is wrong. Twilio's spec defines only the success
responses, so the fixture serves a copy with Twilio's 429 and 503 responses added to the create
operations of Messages and Calls; a test asks for one with the header ``Prefer: code=429``.
Prism answers with the spec's examples, not with what it was sent: a RecordingProxy in front of it
keeps each request, for tests of what the transports ask of Twilio.
"""
import base64
import copy
import json
import os
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Mapping, Optional
from urllib.parse import parse_qs

import requests

from twilio_gateway.client import make_twilio_client

REPO = Path(__file__).resolve().parents[1]
PRISM_SCRIPT = REPO / "scripts" / "prism.sh"
INSTALL_TIMEOUT_S = 600
START_TIMEOUT_S = 90

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "prism-test-token"
CREATE_OPERATIONS = (
    "/2010-04-01/Accounts/{AccountSid}/Messages.json",
    "/2010-04-01/Accounts/{AccountSid}/Calls.json",
)
RETRY_AFTER_S = 7


@dataclass(frozen=True)
class PrismServer:
    """A running Prism: where it listens and which spec it serves."""

    base_url: str
    spec_path: Path
    log_path: Path

    def client(self, prefer: Optional[str] = None, extra_headers: Optional[Mapping[str, str]] = None):
        """A Twilio REST client aimed at this Prism; ``prefer`` forces a response (e.g. "code=429")."""
        headers = dict(extra_headers or {})
        if prefer:
            headers["Prefer"] = prefer
        return make_twilio_client(ACCOUNT_SID, AUTH_TOKEN, base_url=self.base_url, extra_headers=headers)


class PrismUnavailable(RuntimeError):
    """Prism could not be installed or started; the message says why."""


def _twilio_error(code: int, status: int, message: str) -> dict:
    return {"code": code, "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}


def _error_response(description: str, examples: dict, headers: Optional[dict] = None) -> dict:
    schema = {
        "type": "object",
        "required": ["code", "message", "status"],
        "properties": {"code": {"type": "integer"}, "message": {"type": "string"},
                       "more_info": {"type": "string"}, "status": {"type": "integer"}},
    }
    response = {"description": description,
                "content": {"application/json": {
                    "schema": schema,
                    "examples": {name: {"value": value} for name, value in examples.items()}}}}
    if headers:
        response["headers"] = headers
    return response


def spec_with_error_responses(spec: dict) -> dict:
    """A copy of Twilio's spec whose create operations can also answer 429 and 503.

    No 4xx other than 429 is added: for an invalid request Prism answers with the spec's 422
    or 400 response when there is one, and only without one does it list the violations.
    """
    derived = copy.deepcopy(spec)
    responses = {
        "429": _error_response(
            "Too many requests",
            {"too_many_requests": _twilio_error(20429, 429, "Too Many Requests")},
            headers={"Retry-After": {"schema": {"type": "integer"}, "example": RETRY_AFTER_S}},
        ),
        "503": _error_response("Service unavailable",
                               {"unavailable": _twilio_error(20503, 503, "Service Unavailable")}),
    }
    for path in CREATE_OPERATIONS:
        derived["paths"][path]["post"]["responses"].update(copy.deepcopy(responses))
    return derived


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_listening(process: subprocess.Popen, base_url: str, log_path: Path):
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise PrismUnavailable(f"Prism exited with {process.returncode}: {log_path.read_text()[-2000:]}")
        try:
            requests.get(base_url, timeout=5)  # any answer (a 404 for "/") means it is up
            return
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or slow on a loaded machine
            time.sleep(0.2)
    raise PrismUnavailable(f"Prism did not listen within {START_TIMEOUT_S} s: {log_path.read_text()[-2000:]}")


def prepare_spec(workdir: Path) -> Path:
    """Install Prism if needed and write the spec with error responses into ``workdir``."""
    try:
        found = subprocess.run([str(PRISM_SCRIPT), "spec"], capture_output=True, text=True,
                               timeout=INSTALL_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PrismUnavailable(f"{PRISM_SCRIPT.name} spec failed: {exc}") from exc
    if found.returncode != 0:
        raise PrismUnavailable(f"{PRISM_SCRIPT.name} spec exited {found.returncode}: {found.stderr[-2000:]}")
    spec = json.loads(Path(found.stdout.strip()).read_text())
    spec_path = workdir / "twilio_api_v2010_with_errors.json"
    spec_path.write_text(json.dumps(spec_with_error_responses(spec)))
    return spec_path


def start_prism(spec_path: Path, workdir: Path) -> tuple[subprocess.Popen, PrismServer]:
    """Start Prism on a free loopback port and wait until it answers."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = workdir / "prism.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([str(PRISM_SCRIPT), "start", str(port), str(spec_path)],
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_until_listening(process, base_url, log_path)
    except PrismUnavailable:
        stop_prism(process)
        raise
    return process, PrismServer(base_url, spec_path, log_path)


def stop_prism(process: subprocess.Popen):
    """Stop the Prism this module started (its own process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@dataclass(frozen=True)
class SeenRequest:
    """One request as Twilio's API would receive it: path, Basic auth and form (first value per field)."""

    method: str
    path: str
    account_sid: str
    auth_token: str
    form: dict


class RecordingProxy:
    """Forwards every request to ``target`` (a Prism) and keeps it in ``requests``, in arrival order."""

    def __init__(self, target: str):
        self.requests: list[SeenRequest] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                scheme, _, encoded = (self.headers.get("Authorization") or "").partition(" ")
                user, _, password = (base64.b64decode(encoded).decode() if scheme == "Basic" else "").partition(":")
                form = {name: values[0] for name, values in parse_qs(body.decode()).items()}
                proxy.requests.append(SeenRequest(self.command, self.path, user, password, form))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                answer = requests.request(self.command, target + self.path, data=body, headers=headers, timeout=30)
                self.send_response(answer.status_code)
                for name, value in answer.headers.items():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_DELETE = _forward

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self):
        self._server.shutdown()
        self._server.server_close()
