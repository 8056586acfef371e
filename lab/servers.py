"""Private Redis and PostgreSQL servers on free loopback ports, and the project's processes, for tests that
kill or restart them.

The shared servers (6379, 5432) serve every test at once; a test that kills its Redis or restarts its
PostgreSQL gets one of its own here.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port, up, timeout_s=20):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            if up:
                return
        except OSError:
            if not up:
                return
        time.sleep(0.05)
    raise TimeoutError(f"port {port} did not go {'up' if up else 'down'}")


class RedisServer:
    """A redis-server without persistence: a restart loses every job, as a crashed Redis would."""

    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    @staticmethod
    def available():
        return shutil.which("redis-server") is not None

    def start(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for_port(self.port, up=True)
        return self

    def kill(self):
        """SIGKILL: no goodbye to the clients, nothing kept."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        _wait_for_port(self.port, up=False)

    def restart(self):
        self.kill()
        return self.start()


class PostgresCluster:
    """A PostgreSQL 15 cluster of its own (initdb, pg_ctl) in a temporary directory, trust on loopback,
    that a test may restart; removed by close()."""

    def __init__(self):
        self.workdir = Path(tempfile.mkdtemp(prefix="uitkijk-pg-"))
        self.datadir = self.workdir / "pgdata"
        self.port = free_port()

    @staticmethod
    def available():
        return (PG_BIN / "initdb").exists()

    def url(self, database="postgres"):
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args):
        # PostgreSQL refuses to run as root; the cluster belongs to the postgres account then.
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def init(self):
        if os.geteuid() == 0:
            shutil.chown(self.workdir, "postgres")
        self._run("initdb", "-D", str(self.datadir), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        return self

    def start(self):
        self._run("pg_ctl", "-D", str(self.datadir), "-w", "-l", str(self.workdir / "pg.log"), "-o",
                  f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off "
                  "-c max_connections=200", "start")
        return self

    def stop(self, mode="immediate"):
        """`immediate` drops every connection at once, as a crash would."""
        self._run("pg_ctl", "-D", str(self.datadir), "-w", "-m", mode, "stop")

    def restart(self):
        self.stop()
        return self.start()

    def close(self):
        try:
            self.stop()
        except subprocess.CalledProcessError:  # not running
            pass
        shutil.rmtree(self.workdir, ignore_errors=True)


REPO = Path(__file__).resolve().parent.parent


class ProjectProcess:
    """One of the project's processes (worker.py, python -m voice.call_events, ...) with its own environment;
    what it logs goes to a file the test can read."""

    def __init__(self, args, environment, log_path):
        self.args = args
        self.environment = {**os.environ, **{k: str(v) for k, v in environment.items()}, "PYTHONPATH": str(REPO)}
        self.log_path = Path(log_path)
        self.process = None

    def start(self):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([str(REPO / ".venv" / "bin" / "python"), *self.args], cwd=REPO,
                                            env=self.environment, stdout=log, stderr=subprocess.STDOUT)
        return self

    @property
    def alive(self):
        return self.process is not None and self.process.poll() is None

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self):
        """SIGKILL: no clean-up, as a crashed machine."""
        if self.alive:
            self.process.kill()
        if self.process:
            self.process.wait()

    def stop(self, timeout_s=10):
        if self.alive:
            self.process.terminate()
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.kill()
