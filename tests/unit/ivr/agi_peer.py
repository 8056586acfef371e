"""A scripted Asterisk on the far end of a socket pair, replaying tests/fixtures/agi transcripts."""
import fnmatch
import socket
import threading
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "agi"


def load(name):
    """[(direction, line)] of a transcript; direction 'A' (Asterisk sends) or 'S' (server sends)."""
    entries = []
    for raw in (FIXTURES / name).read_text().splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        direction, _, line = raw.partition(":")
        if direction not in ("A", "S"):
            raise ValueError(f"{name}: bad transcript line {raw!r}")
        entries.append((direction, line[1:] if line.startswith(" ") else line))
    return entries


def environment(recorded="env_alerted_caller.txt", **overrides):
    """A recorded environment with some headers replaced (value None drops the header)."""
    lines = []
    for _, line in load(recorded):
        key = line.split(":", 1)[0]
        if key in overrides:
            if overrides[key] is not None:
                lines.append(f"{key}: {overrides.pop(key)}")
            else:
                overrides.pop(key)
            continue
        lines.append(line)
    blank = lines.pop()  # keep the blank line last
    lines += [f"{k}: {v}" for k, v in overrides.items()] + [blank]
    return lines


class ScriptedAsterisk:
    """Plays the Asterisk side: sends the environment, then checks/answers in transcript order."""

    def __init__(self, transcript, env_lines):
        self.server_sock, self.peer = socket.socketpair()
        self.transcript = transcript
        self.env_lines = env_lines
        self.errors = []
        self.extra = []  # lines the server sent after the transcript ended
        self.thread = threading.Thread(target=self._play, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def _play(self):
        stream = self.peer.makefile("rwb", buffering=0)
        try:
            for line in self.env_lines:
                stream.write(f"{line}\n".encode())
            for direction, expected in self.transcript:
                if direction == "A":
                    stream.write(f"{expected}\n".encode())
                    continue
                got = stream.readline().decode().rstrip("\n")
                if not fnmatch.fnmatchcase(got, expected):
                    self.errors.append(f"expected {expected!r}\n     got {got!r}")
                    return
            self.peer.settimeout(0.5)
            try:
                while line := stream.readline():
                    self.extra.append(line.decode().rstrip("\n"))
            except OSError:
                pass
        finally:
            stream.close()
            self.peer.close()

    def wait(self):
        self.thread.join(10)
        assert not self.thread.is_alive(), "the scripted Asterisk is still waiting"
        assert not self.errors, "\n".join(self.errors)
