"""A real Asterisk for tests and demos: a chroot into the Debian root built by
scripts/asterisk_root.sh, the Uitkijk configuration plus the simulated phone
network (lab-pstn), on free loopback ports.

The chroot sees only files under its root, so each lab renders its
configuration into ROOT/run/uitkijk-<id>/ (Asterisk sees /run/uitkijk-<id>/).
"""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from tts_prompts import PromptStore, get_engine
from voice.ami import AmiClient, AmiEvent, AmiUnavailable

from core.asterisk_values import AsteriskSettings, OperatorConf, TrunkConf
from asterisk_conf.render import render_config

ROOT_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "asterisk_root.sh"
ASTERISK = "/usr/sbin/asterisk"
STALE_AFTER = 600  # seconds

# The lab's way out: every number is a Local channel into the simulated network.
LAB_TRUNK = TrunkConf(name="lab", dial_template="Local/{number}@lab-pstn",
                      caller_id="+31850000000", channel_limit=30, cps=10.0)
# Lab numbers ending in 07 answer and stay on the line: the control room desk.
LAB_CONTROL_ROOM = "Local/31200000007@lab-pstn"


class LabError(RuntimeError):
    """The lab could not be built or Asterisk did not come up."""


def ensure_root(timeout: float = 900) -> Path:
    """Build the Asterisk root once (cached outside the repository) and return its path."""
    try:
        result = subprocess.run(["bash", str(ROOT_SCRIPT)], capture_output=True, text=True,
                                timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise LabError(f"building the Asterisk root took over {timeout:g} s") from None
    if result.returncode != 0:
        raise LabError(f"building the Asterisk root failed:\n{result.stderr[-2000:]}")
    if not result.stdout.strip():
        raise LabError(f"{ROOT_SCRIPT} printed no root path")
    return Path(result.stdout.strip().splitlines()[-1])


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CallCount:
    """Concurrent calls whose Uniqueid starts with `prefix`, from Asterisk's own Newchannel/Hangup
    events (not from the project's counters); the second half of a Local channel (`;2`) is not a call."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.current = self.peak = self.started = self.ended = 0
        self.first_start = self.last_end = None
        self.changed = threading.Condition()

    def __call__(self, event):
        uniqueid = event.get("Uniqueid") or ""
        if not uniqueid.startswith(self.prefix) or ";" in uniqueid:
            return
        with self.changed:
            if event.name == "Newchannel":
                self.current += 1
                self.started += 1
                self.peak = max(self.peak, self.current)
                self.first_start = self.first_start or time.monotonic()
            elif event.name == "Hangup":
                self.current -= 1
                self.ended += 1
                self.last_end = time.monotonic()
            self.changed.notify_all()

    def wait_ended(self, count, timeout):
        with self.changed:
            if not self.changed.wait_for(lambda: self.ended >= count, timeout):
                raise RuntimeError(f"only {self.ended} of {count} calls ended within {timeout} s")


class AsteriskLab:
    """One Asterisk process in the root, with its own ports, run directory and AMI secret.

    Asterisk gets SIGTERM when the thread that started it ends (so a killed
    test run leaves none behind): call start() from a thread that outlives the lab.
    """

    def __init__(self, root: Path, *, agi_port: int | None = None, ami_port: int | None = None,
                 sip_port: int | None = None, fallback_destination: str = LAB_CONTROL_ROOM,
                 trunks: Sequence[TrunkConf] = (LAB_TRUNK,),
                 operators: Sequence[OperatorConf] = (), verbose: int = 0) -> None:
        self.root = Path(root)
        if not (self.root / ASTERISK.lstrip("/")).exists():
            raise LabError(f"{self.root} holds no Asterisk; build it with {ROOT_SCRIPT}")
        self.instance_dir = f"/run/uitkijk-{uuid.uuid4().hex[:12]}"
        self.run_dir = self.host_path(self.instance_dir)
        self.trunks = tuple(trunks)
        self.operators = tuple(operators)
        self.settings = AsteriskSettings(
            ami_secret=secrets.token_hex(16),
            fallback_destination=fallback_destination,
            ami_port=ami_port or free_port(),
            agi_port=agi_port or free_port(),
            # A second FastAGI port the dialplan falls back to (tests run a server there when they need one).
            agi_fallback_host="127.0.0.1", agi_fallback_port=free_port(),
            sip_port=sip_port or free_port(socket.SOCK_DGRAM),
            sound_dir=f"{self.instance_dir}/sounds",
            instance_dir=self.instance_dir,
            verbose=verbose,
        )
        self._process: subprocess.Popen | None = None

    # -- where things are ---------------------------------------------------
    @property
    def ami_host(self) -> str:
        return self.settings.ami_host

    @property
    def ami_port(self) -> int:
        return self.settings.ami_port

    @property
    def ami_user(self) -> str:
        return self.settings.ami_user

    @property
    def ami_secret(self) -> str:
        return self.settings.ami_secret

    @property
    def agi_port(self) -> int:
        return self.settings.agi_port

    @property
    def agi_fallback_port(self) -> int:
        return self.settings.agi_fallback_port

    @property
    def sip_port(self) -> int:
        return self.settings.sip_port

    @property
    def sound_dir(self) -> str:
        """The prompt directory as Asterisk sees it (use in Playback/UITKIJK_FALLBACK)."""
        return self.settings.sound_dir

    @property
    def sound_dir_host(self) -> Path:
        """The prompt directory on this machine: copy prompt files here."""
        return self.host_path(self.settings.sound_dir)

    @property
    def log_file(self) -> Path:
        return self.run_dir / "log" / "messages.log"

    def host_path(self, asterisk_path: str) -> Path:
        """Where a path that Asterisk sees lives on this machine."""
        return self.root / asterisk_path.lstrip("/")

    def count_calls(self, prefix: str) -> tuple[AmiClient, CallCount]:
        """A connected AMI client counting the calls whose Uniqueid starts with `prefix` (close it)."""
        counter = CallCount(prefix)
        client = self.ami_client()
        for name in ("Newchannel", "Hangup"):
            client.subscribe(name, counter)
        client.connect()
        return client, counter

    def ami_client(self, timeout: float = 5.0) -> AmiClient:
        """A new, not yet connected AMI client for this lab."""
        return AmiClient(self.ami_host, self.ami_port, self.ami_user, self.ami_secret,
                         timeout=timeout)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    # -- life cycle ---------------------------------------------------------
    def start(self, timeout: float = 60) -> None:
        """Render the configuration, start Asterisk and wait until it is fully booted."""
        if self.running:
            raise LabError("the lab is already running")
        self._remove_stale_runs()
        for sub in ("db", "spool", "run", "log", "cache", "sounds"):
            (self.run_dir / sub).mkdir(parents=True, exist_ok=True)
        render_config(self.run_dir / "etc", self.settings, self.trunks, self.operators,
                      lab=True)
        self._install_fallback_prompt()
        with open(self.run_dir / "log" / "asterisk.out", "ab") as output:
            self._process = subprocess.Popen(
                ["setpriv", "--pdeathsig", "TERM",
                 "chroot", str(self.root), ASTERISK, "-f", "-n",
                 "-C", f"{self.instance_dir}/etc/asterisk.conf"],
                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        atexit.register(self.close)
        try:
            self._wait_fully_booted(timeout)
        except BaseException:
            self.stop()
            raise

    def _install_fallback_prompt(self) -> None:
        """The generic prompt the dialplan plays when the FastAGI server cannot run an alert call."""
        target = self.sound_dir_host / f"{self.settings.fallback_prompt}.wav"
        if not target.exists():
            store = PromptStore(self.run_dir / "cache" / "prompts", get_engine("espeak"))
            store.render_prompt("alert_fallback", "nl")
            store.export("alert_fallback", "nl", target)

    def stop(self, timeout: float = 15) -> None:
        """Stop Asterisk (SIGTERM, then SIGKILL); the run directory stays for restart()."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def restart(self, *, kill: bool = False, timeout: float = 60) -> None:
        """Stop and start again on the same ports; `kill` simulates a crash (SIGKILL)."""
        if kill and self.running:
            self._process.kill()
            self._process.wait()
        self.stop()
        self.start(timeout)

    def close(self) -> None:
        """Stop Asterisk and remove the run directory."""
        self.stop()
        atexit.unregister(self.close)
        shutil.rmtree(self.run_dir, ignore_errors=True)

    def __enter__(self) -> AsteriskLab:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals ----------------------------------------------------------
    def _wait_fully_booted(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        booted = threading.Event()

        def on_fully_booted(_event: AmiEvent) -> None:
            booted.set()

        while time.monotonic() < deadline:
            if not self.running:
                raise LabError(f"Asterisk exited during start-up:\n{self._output_tail()}")
            client = self.ami_client(timeout=max(1.0, deadline - time.monotonic()))
            client.subscribe("FullyBooted", on_fully_booted)
            try:
                client.connect()
            except AmiUnavailable:
                time.sleep(0.2)
                continue
            try:
                while client.connected and time.monotonic() < deadline:
                    if booted.wait(0.2):
                        return
            finally:
                client.close()
        raise LabError(f"Asterisk was not fully booted within {timeout:g} s:\n"
                       f"{self._output_tail()}")

    def _output_tail(self, lines: int = 30) -> str:
        texts = []
        for path in (self.run_dir / "log" / "asterisk.out", self.log_file):
            if path.exists():
                texts += path.read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(texts)

    def _remove_stale_runs(self) -> None:
        """Remove run directories of labs whose Asterisk is gone (e.g. after SIGKILL).

        Only directories untouched for STALE_AFTER seconds: a lab starting in
        another process has not written its pid file yet.
        """
        for run_dir in (self.root / "run").glob("uitkijk-*"):
            if run_dir == self.run_dir or time.time() - run_dir.stat().st_mtime < STALE_AFTER:
                continue
            pid_file = run_dir / "run" / "asterisk.pid"
            try:
                os.kill(int(pid_file.read_text().strip()), 0)
            except (OSError, ValueError):
                shutil.rmtree(run_dir, ignore_errors=True)
