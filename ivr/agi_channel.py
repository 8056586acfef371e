"""One FastAGI connection: pyst2's AGI over a socket, made safe for a server thread and a hostile peer.

pyst2's `asterisk.agi.AGI` expects stdin/stdout of a process. Over a socket it needs four fixes:
it installs a SIGHUP handler (impossible outside the main thread; FastAGI announces a hangup
with a `HANGUP` line instead), it writes every environment line to stderr (full caller numbers),
it reads lines without a length limit or deadline, and it cannot parse the `HANGUP` line. `SocketAGI`
keeps pyst2's command layer (execute, result parsing, typed helpers) and replaces exactly those.
"""
import re
import socket
import time

from asterisk.agi import AGI, AGIHangup

MAX_LINE = 4096  # bytes; Asterisk's own lines are far shorter
MAX_HEADERS = 100  # Asterisk sends about 30 agi_* headers
_HEADER = re.compile(r"agi_[a-z0-9_]{1,40}")


class AgiProtocolError(Exception):
    """The peer does not speak AGI: a line too long, binary junk, too many headers, no blank line."""


class _Silent:
    """Where pyst2's debug chatter goes: nowhere (it would log caller numbers in full)."""

    def write(self, _text):
        pass

    def flush(self):
        pass


class AgiLines:
    """Reads AGI lines from a socket, each within a deadline, with a length bound, noting `HANGUP`.

    A socket timeout bounds one recv only: a peer sending a byte a second would hold a line open
    forever. Here the whole line must arrive within `timeout_s` of asking for it.
    """

    def __init__(self, sock, timeout_s, buffered=b""):
        self.sock = sock
        self.timeout_s = timeout_s
        self.buffer = bytearray(buffered)
        self.hung_up = False

    def _raw_line(self):
        deadline = time.monotonic() + self.timeout_s
        while True:
            end = self.buffer.find(b"\n", 0, MAX_LINE)
            if end >= 0:
                raw = bytes(self.buffer[:end + 1])
                del self.buffer[:end + 1]
                return raw
            if len(self.buffer) >= MAX_LINE:
                raise AgiProtocolError(f"line longer than {MAX_LINE} bytes")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise socket.timeout(f"no complete line within {self.timeout_s:g} s")
            self.sock.settimeout(remaining)
            chunk = self.sock.recv(MAX_LINE + 1)
            if not chunk:
                raw = bytes(self.buffer)
                self.buffer.clear()
                return raw
            self.buffer += chunk

    def readline(self):
        while True:
            raw = self._raw_line()
            if raw and not raw.endswith(b"\n"):
                raise AgiProtocolError("connection closed mid-line")
            line = check_line(raw)
            if line.strip() == "HANGUP":  # sent once when the channel hangs up; the reply follows
                self.hung_up = True
                continue
            if not raw and self.hung_up:
                raise AGIHangup("connection closed after hangup")
            if not raw:
                raise AGIHangup("connection closed by Asterisk")
            return line


def check_line(raw):
    """One line as text; AgiProtocolError for binary junk."""
    if b"\x00" in raw:
        raise AgiProtocolError("binary data in an AGI line")
    return raw.decode("utf-8", errors="replace")


class Environment:
    """The agi_* headers up to the blank line, fed as bytes arrive (the server reads many at once)."""

    def __init__(self):
        self.env = {}
        self.pending = bytearray()
        self.complete = False
        self.rest = b""  # bytes after the blank line: Asterisk's next line, already received

    def feed(self, data):
        """Take received bytes; True once the blank line is in. AgiProtocolError on anything not AGI."""
        self.pending += data
        while not self.complete:
            end = self.pending.find(b"\n", 0, MAX_LINE)
            if end < 0:
                if len(self.pending) >= MAX_LINE:
                    raise AgiProtocolError(f"line longer than {MAX_LINE} bytes")
                return False
            line = check_line(bytes(self.pending[:end + 1])).strip()
            del self.pending[:end + 1]
            if not line:
                self.complete, self.rest = True, bytes(self.pending)
                return True
            if len(self.env) >= MAX_HEADERS:
                raise AgiProtocolError(f"more than {MAX_HEADERS} environment headers")
            key, sep, value = line.partition(":")
            key = key.strip()
            if not sep or not _HEADER.fullmatch(key):
                raise AgiProtocolError("not an AGI environment header")
            self.env[key] = value.strip()
        return True


def read_environment(sock, timeout_s):
    """Read the environment from a blocking socket within `timeout_s`; (env, bytes after it)."""
    environment = Environment()
    deadline = time.monotonic() + timeout_s
    while not environment.complete:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout(f"no AGI environment within {timeout_s:g} s")
        sock.settimeout(remaining)
        chunk = sock.recv(65536)
        if not chunk:
            raise AgiProtocolError("connection closed before the end of the environment")
        environment.feed(chunk)
    return environment.env, environment.rest


class SocketAGI(AGI):
    """pyst2's AGI over a connected socket; `env` holds the checked environment.

    Pass `env` (and the bytes received after it) when the server has read the environment already;
    without it the environment is read here, within `environment_timeout_s`.
    """

    def __init__(self, sock, env=None, buffered=b"", environment_timeout_s=5.0,
                 reply_timeout_s=120.0):  # pylint: disable=super-init-not-called
        # AGI.__init__ would install a signal handler and read the environment unbounded.
        self.sock = sock
        if env is None:
            env, buffered = read_environment(sock, environment_timeout_s)
        self.lines = AgiLines(sock, reply_timeout_s, buffered)
        self.stdin = self.lines
        self.stdout = _Writer(sock)
        self.stderr = _Silent()
        self._got_sighup = False
        self.env = env

    @property
    def hung_up(self):
        return self.lines.hung_up

    def set_timeout(self, seconds):
        """How long each of the next replies may take, in all, before the connection is given up."""
        self.lines.timeout_s = seconds

    def test_hangup(self):
        """pyst2 checks this before every command; a channel known to be gone accepts none but the
        few allowed on a dead channel, so nothing is refused here."""


class _Writer:
    """pyst2 writes str; the socket takes bytes. Refuses line breaks inside a command."""

    def __init__(self, sock):
        self.sock = sock

    def write(self, text):
        if "\n" in text.rstrip("\n") or "\r" in text:
            raise AgiProtocolError("line break inside an AGI command")
        self.sock.sendall(text.encode("utf-8"))

    def flush(self):
        pass
