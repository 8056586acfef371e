"""Hostile FastAGI peers for tests and benchmarks: connections that send a plausible AGI environment
one byte at a time, as slowly as the server lets them, to hold its threads."""
import socket
import threading


class Trickler:
    """A peer sending an AGI environment one byte every `pause` seconds until the server cuts it (or,
    against a server without deadlines, answers it: `got_command`)."""

    def __init__(self, port, pause=2.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.pause = pause
        self.cut = threading.Event()
        self.got_command = False
        threading.Thread(target=self._trickle, daemon=True).start()

    def _trickle(self):
        payload = b"agi_network_script: inbound\nagi_callerid: 0201234501\n" * 100
        try:
            for byte in payload:
                self.sock.sendall(bytes([byte]))
                self.sock.settimeout(self.pause)
                try:
                    data = self.sock.recv(64)
                except TimeoutError:
                    continue
                self.got_command = bool(data)
                break
        except OSError:  # reset by the server: cut
            pass
        self.cut.set()
        self.sock.close()


class Swarm:
    """`count` tricklers at all times: each one the server cuts is replaced at once, until stop()."""

    def __init__(self, port, count, pause=2.0):
        self.port, self.count, self.pause = port, count, pause
        self.connections = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._keep_one, daemon=True) for _ in range(count)]
        for thread in self._threads:
            thread.start()

    def _keep_one(self):
        while not self._stop.is_set():
            try:
                trickler = Trickler(self.port, self.pause)
            except OSError:  # the backlog is full for a moment
                self._stop.wait(0.1)
                continue
            self.connections += 1
            while not trickler.cut.wait(0.5):
                if self._stop.is_set():
                    trickler.sock.close()
                    return

    def stop(self):
        self._stop.set()
        for thread in self._threads:
            thread.join(5)
