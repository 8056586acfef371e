"""A thin, guarded client for the Asterisk Manager Interface, built on pyst2.

pyst2's `asterisk.manager.Manager` does the socket work and runs two threads
(reader and event dispatch). It has four sharp edges that this module covers:

* it waits forever for a reply: each call here runs under a watchdog that
  shuts the socket down after `timeout` seconds and raises AmiTimeout;
* replies are matched to actions by order only: actions are serialised;
* an exception in an event callback kills its dispatch thread: callbacks are
  wrapped and their errors logged;
* on Python 3 it cannot parse `ChanVariable` headers (it calls dict.has_key),
  so the manager.conf rendered by asterisk_conf sets no `channelvars`.

pyst2's FastAGI module (asterisk.fastagi) imports the Python 2 `SocketServer`
and cannot be used; nothing here needs it.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from asterisk.manager import (
    Manager,
    ManagerAuthException,
    ManagerException,
    ManagerSocketException,
)

log = logging.getLogger(__name__)

_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class AmiError(Exception):
    """Base class for AMI failures."""


class AmiUnavailable(AmiError):
    """Asterisk cannot be reached, refused the login, or the connection was lost."""


class AmiTimeout(AmiUnavailable):
    """Asterisk did not answer within the client's timeout; the connection is closed."""


class AmiActionFailed(AmiError):
    """Asterisk answered an action with `Response: Error`."""


@dataclass(frozen=True)
class AmiEvent:
    """One AMI event: its name and all its headers (including `Event`)."""

    name: str
    headers: Mapping[str, str] = field(repr=False)

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.headers.get(key, default)

    def __getitem__(self, key: str) -> str:
        return self.headers[key]


EventCallback = Callable[[AmiEvent], None]


def _check_header_value(key: str, value: object) -> str:
    """A header's text, refused when a line break in it would start a header or action of its own."""
    text = str(value)
    if "\r" in text or "\n" in text or "\r" in key or "\n" in key:
        raise ValueError(f"AMI header {key!r} must not contain a line break")
    return text


class AmiClient:
    """One AMI connection. Subscribe before `connect()` to see events sent at login."""

    def __init__(self, host: str, port: int, user: str, secret: str, *,
                 timeout: float = 5.0) -> None:
        self.host = host
        self.port = port
        # The login's Username and Secret are AMI headers too: a line break would smuggle in an action.
        self.user = _check_header_value("Username", user)
        self._secret = _check_header_value("Secret", secret)
        self.timeout = timeout
        self._manager: Manager | None = None
        self._callbacks: dict[tuple[str, EventCallback], Callable] = {}
        self._action_lock = threading.Lock()

    # -- connection ---------------------------------------------------------
    def connect(self) -> None:
        """Connect and log in; raises AmiUnavailable (or AmiTimeout) on failure."""
        if self._manager is not None:
            raise AmiError("already connected")
        manager = Manager()
        for (name, _), wrapper in self._callbacks.items():
            manager.register_event(name, wrapper)
        self._manager = manager
        try:
            self._guarded(manager.connect, self.host, self.port)
            self._guarded(manager.login, self.user, self._secret)
        except ManagerAuthException as exc:
            self._discard()
            raise AmiUnavailable(f"AMI login refused for user {self.user!r}: {exc}") from None
        except AmiError:
            self._discard()
            raise

    @property
    def connected(self) -> bool:
        return self._manager is not None and self._manager.connected()

    def close(self) -> None:
        """Log off and stop pyst2's threads; safe to call more than once."""
        if self._manager is None:
            return
        try:
            self._guarded(self._manager.close)
        except AmiError:
            pass  # the connection is gone either way
        self._manager = None

    def __enter__(self) -> AmiClient:
        self.connect()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- events -------------------------------------------------------------
    def subscribe(self, event_name: str, callback: EventCallback) -> None:
        """Call `callback(AmiEvent)` for each `event_name` event ('*' for all).

        Callbacks run on pyst2's dispatch thread, one at a time: keep them short.
        """
        def wrapper(event, _manager) -> None:
            try:
                callback(AmiEvent(event.name, dict(event.headers)))
            except Exception:
                log.exception("AMI event callback failed on %s", event.name)

        self._callbacks[(event_name, callback)] = wrapper
        if self._manager is not None:
            self._manager.register_event(event_name, wrapper)

    def unsubscribe(self, event_name: str, callback: EventCallback) -> None:
        wrapper = self._callbacks.pop((event_name, callback))
        if self._manager is not None:
            self._manager.unregister_event(event_name, wrapper)

    # -- actions ------------------------------------------------------------
    def send(self, action: str, headers: Mapping[str, object] | None = None,
             variables: Mapping[str, object] | None = None) -> dict[str, str]:
        """Send one action and return the response headers; raises AmiActionFailed on Error."""
        return dict(self._send(action, headers, variables).headers)

    def originate(self, channel: str, *, context: str, exten: str = "s", priority: int = 1,
                  ring_timeout: float = 30.0, caller_id: str | None = None,
                  variables: Mapping[str, object] | None = None,
                  action_id: str | None = None, channel_id: str | None = None) -> str:
        """Start a call without waiting for it (Async) and return its ActionID.

        The outcome arrives as an OriginateResponse event with that ActionID.
        `channel_id` becomes the channel's Uniqueid, so every later event of
        the call (Newstate, Hangup) can be matched to it.
        """
        headers: dict[str, object] = {
            "Channel": channel, "Context": context, "Exten": exten, "Priority": priority,
            "Timeout": int(ring_timeout * 1000), "Async": "true",
            "ActionID": action_id or f"uitkijk-{uuid.uuid4().hex}",
        }
        if caller_id:
            headers["CallerID"] = caller_id
        if channel_id:
            headers["ChannelId"] = channel_id
        self.send("Originate", headers, variables)
        return str(headers["ActionID"])

    def hangup(self, channel: str, cause: int = 16) -> None:
        self.send("Hangup", {"Channel": channel, "Cause": cause})

    def command(self, cli_command: str) -> str:
        """Run an Asterisk CLI command and return its output."""
        response = self._send("Command", {"Command": cli_command})
        # pyst2 keeps only the last of repeated headers: read every Output line.
        prefix = "Output:"
        return "\n".join(line[len(prefix):].strip() for line in response.response
                         if line.startswith(prefix))

    # -- internals ----------------------------------------------------------
    @staticmethod
    def _variable(name: str, value: object) -> str:
        if not _VARIABLE_NAME.fullmatch(name):
            raise ValueError(f"invalid channel variable name {name!r}")
        return f"{name}={_check_header_value(name, value)}"

    def _send(self, action: str, headers: Mapping[str, object] | None = None,
              variables: Mapping[str, object] | None = None):
        message: dict[str, object] = {"Action": _check_header_value("Action", action)}
        for key, value in (headers or {}).items():
            message[key] = _check_header_value(key, value)
        if variables:
            message["Variable"] = [self._variable(k, v) for k, v in variables.items()]
        message.setdefault("ActionID", f"uitkijk-{uuid.uuid4().hex}")
        manager = self._require_manager()
        with self._action_lock:
            response = self._guarded(manager.send_action, message)
        if response.get_header("Response") == "Error":
            raise AmiActionFailed(f"{action}: {response.get_header('Message', 'error')}")
        return response

    def _require_manager(self) -> Manager:
        if self._manager is None or not self._manager.connected():
            raise AmiUnavailable("not connected to AMI")
        return self._manager

    def _guarded(self, call: Callable, *args: object):
        """Run a blocking pyst2 call; past the timeout, cut the connection so it returns."""
        timed_out = threading.Event()

        def cut() -> None:
            timed_out.set()
            self._shutdown_socket()
            # pyst2 wakes only the waiters it knows of; connect() is not one of them.
            if self._manager is not None:
                self._manager._response_queue.put(None)

        watchdog = threading.Timer(self.timeout, cut)
        watchdog.daemon = True
        watchdog.start()
        try:
            result = call(*args)
        except (ManagerAuthException, AmiError):
            raise
        except (ManagerException, OSError, ValueError) as exc:  # ValueError: closed socket
            if timed_out.is_set():
                raise self._timeout_error() from None
            raise AmiUnavailable(f"AMI at {self.host}:{self.port} unavailable: "
                                 f"{self._describe(exc)}") from None
        finally:
            watchdog.cancel()
        if timed_out.is_set():
            raise self._timeout_error()
        return result

    def _timeout_error(self) -> AmiTimeout:
        return AmiTimeout(f"AMI at {self.host}:{self.port} did not answer "
                          f"within {self.timeout:g} s")

    def _shutdown_socket(self) -> None:
        stream = getattr(self._manager, "_sock", None)
        raw = getattr(stream, "_sock", None)  # pyst2 keeps a socket.SocketIO
        if raw is not None:
            try:
                raw.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _discard(self) -> None:
        """Drop a manager that failed to connect or log in, ending its threads."""
        self._shutdown_socket()
        manager, self._manager = self._manager, None
        if manager is not None and manager._running.is_set():
            manager._connected.clear()  # skip pyst2's Logoff on a dead socket
            manager.close()

    @staticmethod
    def _describe(exc: Exception) -> str:
        if isinstance(exc, ManagerSocketException) and len(exc.args) == 2:
            return str(exc.args[1])
        return str(exc) or type(exc).__name__
