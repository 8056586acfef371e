"""Fixtures for tests against a real Asterisk (the lab from lab.asterisk).

Locally these tests skip when the Asterisk root cannot be built (no root user,
no Debian mirror); with CI=true they fail instead.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lab.asterisk import AsteriskLab, LabError, ensure_root
from voice.ami import AmiClient, AmiEvent

EVENT_WAIT = 30.0  # seconds; a generous bound for a call step, not a performance check


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"real Asterisk required in CI: {reason}")
    pytest.skip(f"real Asterisk unavailable: {reason}")


@pytest.fixture(scope="session")
def asterisk_root() -> Path:
    """The cached Debian root holding Asterisk (built on first use)."""
    if os.geteuid() != 0:
        _unavailable("building and entering the chroot needs root")
    try:
        return ensure_root()
    except (LabError, OSError) as exc:
        _unavailable(str(exc))


@pytest.fixture(scope="session")
def asterisk_lab(asterisk_root: Path) -> Iterator[AsteriskLab]:
    """One running lab Asterisk for the whole session."""
    lab = AsteriskLab(asterisk_root, verbose=3)
    try:
        lab.start()
    except LabError as exc:
        lab.close()
        _unavailable(str(exc))
    yield lab
    lab.close()


class EventLog:
    """Collects AMI events from pyst2's thread and lets a test wait for one."""

    def __init__(self) -> None:
        self._events: list[AmiEvent] = []
        self._changed = threading.Condition()

    def __call__(self, event: AmiEvent) -> None:
        with self._changed:
            self._events.append(event)
            self._changed.notify_all()

    def events(self, predicate: Callable[[AmiEvent], bool] = lambda e: True) -> list[AmiEvent]:
        with self._changed:
            return [e for e in self._events if predicate(e)]

    def wait_for(self, predicate: Callable[[AmiEvent], bool],
                 timeout: float = EVENT_WAIT) -> AmiEvent:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for event in self._events:
                    if predicate(event):
                        return event
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = ", ".join(e.name for e in self._events[-30:])
                    raise AssertionError(f"no matching AMI event; last seen: {seen}")
                self._changed.wait(remaining)

    def wait_hangup(self, uniqueid: str) -> AmiEvent:
        """The Hangup event of the channel whose Uniqueid is `uniqueid`."""
        return self.wait_for(lambda e: e.name == "Hangup" and e.get("Uniqueid") == uniqueid)

    def originate_response(self, action_id: str) -> AmiEvent:
        return self.wait_for(lambda e: e.name == "OriginateResponse"
                             and e.get("ActionID") == action_id)


@pytest.fixture
def ami_events() -> EventLog:
    """An empty log of AMI events."""
    return EventLog()


@pytest.fixture
def ami(asterisk_lab: AsteriskLab, ami_events: EventLog) -> Iterator[AmiClient]:
    """A connected AMI client whose events all go to `ami_events`."""
    client = asterisk_lab.ami_client()
    client.subscribe("*", ami_events)
    client.connect()
    yield client
    client.close()


@pytest.fixture
def channel_id() -> str:
    """A fresh Uniqueid for the call a test originates."""
    return f"test-{uuid.uuid4().hex[:16]}"


class FastAgiStub:
    """A one-call FastAGI server: reads the AGI environment, then runs a script.

    The script is a list of AGI commands; each reply line is kept. With
    `flow_done`, it ends as a finished Uitkijk flow does (UITKIJK_FLOW_DONE=1).
    """

    def __init__(self, port: int, commands: list[str], flow_done: bool) -> None:
        self.environment: dict[str, str] = {}
        self.replies: list[str] = []
        self._commands = commands + (["SET VARIABLE UITKIJK_FLOW_DONE 1"] if flow_done else [])
        self._server = socket.create_server(("127.0.0.1", port))
        self._server.settimeout(EVENT_WAIT)
        self._done = threading.Event()
        self._error: BaseException | None = None
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        try:
            connection, _ = self._server.accept()
            with connection, connection.makefile("rwb", buffering=0) as stream:
                while (line := stream.readline().decode()).strip():
                    key, _, value = line.partition(":")
                    self.environment[key.strip()] = value.strip()
                for command in self._commands:
                    stream.write(f"{command}\n".encode())
                    self.replies.append(stream.readline().decode().strip())
        except BaseException as exc:  # handed to the test thread by wait()
            self._error = exc
        finally:
            self._server.close()
            self._done.set()

    def close(self) -> None:
        """Stop listening (wakes a pending accept) so the port is free for the next test."""
        try:
            self._server.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._done.wait(EVENT_WAIT)

    def wait(self, timeout: float = EVENT_WAIT) -> None:
        if not self._done.wait(timeout):
            raise AssertionError("Asterisk never finished a FastAGI session")
        if self._error is not None:
            raise AssertionError(f"FastAGI stub failed: {self._error!r}")


@pytest.fixture
def fastagi(asterisk_lab: AsteriskLab) -> Iterator[Callable[..., FastAgiStub]]:
    """Start a one-call FastAGI stub on the lab's AGI port: fastagi(commands, flow_done)."""
    stubs: list[FastAgiStub] = []

    def start(commands: list[str] | None = None, flow_done: bool = True) -> FastAgiStub:
        stubs.append(FastAgiStub(asterisk_lab.agi_port, commands or [], flow_done))
        return stubs[-1]

    yield start
    for stub in stubs:
        stub.close()
