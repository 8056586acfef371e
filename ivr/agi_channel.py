"""One FastAGI connection: pyst2's AGI over a socket, made safe for a server thread and a hostile peer.

pyst2's `asterisk.agi.AGI` expects stdin/stdout of a process. Over a socket it needs four fixes:
it installs a SIGHUP handler (impossible outside the main thread; FastAGI announces a hangup
with a `HANGUP` line instead), it writes every environment line to stderr (full caller numbers),
it reads lines without a length limit, and it cannot parse the `HANGUP` line. `SocketAGI` keeps
pyst2's command layer (execute, result parsing, typed helpers) and replaces exactly those.
"""
import re

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
    """Reads AGI lines from a socket file with a length bound, noting Asterisk's `HANGUP` line."""

    def __init__(self, rfile):
        self.rfile = rfile
        self.hung_up = False

    def readline(self):
        while True:
            raw = self.rfile.readline(MAX_LINE + 1)
            if len(raw) > MAX_LINE:
                raise AgiProtocolError(f"line longer than {MAX_LINE} bytes")
            if raw and not raw.endswith(b"\n"):
                raise AgiProtocolError("connection closed mid-line")
            if b"\x00" in raw:
                raise AgiProtocolError("binary data in an AGI line")
            line = raw.decode("utf-8", errors="replace")
            if line.strip() == "HANGUP":  # sent once when the channel hangs up; the reply follows
                self.hung_up = True
                continue
            if not raw and self.hung_up:
                raise AGIHangup("connection closed after hangup")
            if not raw:
                raise AGIHangup("connection closed by Asterisk")
            return line


def read_environment(lines):
    """The agi_* headers up to the blank line; AgiProtocolError on anything else."""
    env = {}
    for _ in range(MAX_HEADERS):
        line = lines.readline().strip()
        if not line:
            return env
        key, sep, value = line.partition(":")
        key = key.strip()
        if not sep or not _HEADER.fullmatch(key):
            raise AgiProtocolError("not an AGI environment header")
        env[key] = value.strip()
    raise AgiProtocolError(f"more than {MAX_HEADERS} environment headers")


class SocketAGI(AGI):
    """pyst2's AGI over a connected socket; `env` holds the checked environment."""

    def __init__(self, sock, rfile, wfile):  # pylint: disable=super-init-not-called
        # AGI.__init__ would install a signal handler and read the environment unbounded.
        self.sock = sock
        self.lines = AgiLines(rfile)
        self.stdin = self.lines
        self.stdout = _Writer(wfile)
        self.stderr = _Silent()
        self._got_sighup = False
        self.env = read_environment(self.lines)

    @property
    def hung_up(self):
        return self.lines.hung_up

    def set_timeout(self, seconds):
        """How long the next replies may take before the connection is given up."""
        self.sock.settimeout(seconds)

    def test_hangup(self):
        """pyst2 checks this before every command; a channel known to be gone accepts none but the
        few allowed on a dead channel, so nothing is refused here."""


class _Writer:
    """pyst2 writes str; the socket file takes bytes. Refuses line breaks inside a command."""

    def __init__(self, wfile):
        self.wfile = wfile

    def write(self, text):
        if "\n" in text.rstrip("\n") or "\r" in text:
            raise AgiProtocolError("line break inside an AGI command")
        self.wfile.write(text.encode("utf-8"))

    def flush(self):
        self.wfile.flush()
