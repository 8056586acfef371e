"""The FastAGI server: Asterisk's `AGI(agi://host:port/<script>)` lands here, one thread per call.

`agi_network_script` picks the flow from an explicit table (ivr.call_engine.build_flows), built when the server
starts: nothing registers itself on import. `python -m ivr.fastagi [--host H] [--port P]` runs it
with the project's configuration (AGI_HOST, AGI_PORT, PROMPT_DIR, ...).
"""
import argparse
import ipaddress
import logging
import selectors
import signal
import socket
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from core.health import serve_probes, standard_checks
from core.log_redaction import configure_logging
from core.metrics import FASTAGI_CALLS, FASTAGI_DECISION
from core.numbers import mask
from core.private_files import private_dir

from .agi_channel import AgiProtocolError, Environment, SocketAGI
from .agi_runner import AgiCall, CallServices
from .call_engine import build_flows
from .settings import FlowSettings

log = logging.getLogger(__name__)

ENVIRONMENT_TIMEOUT_S = 5.0  # the whole environment must be in by then (Asterisk sends it at once)
MAX_CALLS = 400  # calls served at once; more go to the dialplan's fallback
MAX_WAITING = 1000  # connections waiting for their environment; more cut the oldest
ALLOWED_PEERS = ("127.0.0.1", "::1")  # Asterisk's addresses (or networks)
LISTEN_BACKLOG = 512
ACCEPTS_PER_WAKE = 64
POLL_S = 0.5


class FastAgiServer:
    """Accepts FastAGI connections, reads their environments, and runs at most `max_calls` calls at once.

    One thread (`serve_forever`) accepts connections and reads every AGI environment on
    non-blocking sockets: a peer that trickles or says nothing costs a file descriptor, never a
    thread, and is cut when its `environment_timeout_s` deadline passes. At most `max_waiting`
    connections wait for their environment; when another arrives the longest-waiting one is cut
    (Asterisk sends its environment at once, so the oldest waiting peer is the likeliest trickler).
    A complete environment starts the call in a thread of its own if fewer than `max_calls` run;
    otherwise the connection is closed at once and the dialplan's fallback takes the call (a prompt
    and the control room, never silence). Peers outside `allowed_peers` are closed on accept.
    Once running, each reply of Asterisk must arrive within its deadline (`SocketAGI`).
    """

    def __init__(self, address, services: CallServices, environment_timeout_s=ENVIRONMENT_TIMEOUT_S,
                 max_calls=MAX_CALLS, max_waiting=MAX_WAITING, allowed_peers=ALLOWED_PEERS):
        self.services = services
        self.environment_timeout_s = environment_timeout_s
        self.max_waiting = max_waiting
        self.allowed = [ipaddress.ip_network(p.strip(), strict=False) for p in allowed_peers if p.strip()]
        self.counts = {"refused": 0, "cut": 0, "overflow": 0, "calls": 0}
        self._slots = threading.BoundedSemaphore(max_calls)
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self._listener = socket.create_server(address, family=family, backlog=LISTEN_BACKLOG)
        self._listener.setblocking(False)
        self.server_address = self._listener.getsockname()[:2]
        self._waiting = OrderedDict()  # socket -> _Waiting, oldest first
        self._wake_r, self._wake_w = socket.socketpair()
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ, "accept")
        self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._stop = threading.Event()
        self._stopped = threading.Event()

    def serve_forever(self):
        self._stopped.clear()
        try:
            while not self._stop.is_set():
                timeout = self._next_deadline()
                for key, _ in self._selector.select(timeout):
                    if key.data == "accept":
                        self._accept()
                    elif key.data == "wake":
                        self._wake_r.recv(64)
                    else:
                        self._receive(key.fileobj)
                self._cut_expired()
        finally:
            self._stopped.set()

    def shutdown(self):
        """Stop serve_forever and wait for it to return; calls under way go on to their end."""
        self._stop.set()
        self._wake_w.send(b"x")
        self._stopped.wait()

    def server_close(self):
        for sock in list(self._waiting):
            self._drop(sock)
        self._selector.close()
        for sock in (self._listener, self._wake_r, self._wake_w):
            sock.close()

    def _next_deadline(self):
        if not self._waiting:
            return POLL_S
        oldest = next(iter(self._waiting.values()))
        return max(0.0, min(POLL_S, oldest.deadline - time.monotonic()))

    def _accept(self):
        for _ in range(ACCEPTS_PER_WAKE):
            try:
                sock, peer = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # out of file descriptors: leave the rest in the backlog
                log.error("FastAGI accept failed: %s", exc)
                return
            if not self._allowed(peer[0]):
                self.counts["refused"] += 1
                log.warning("FastAGI connection from %s refused: not a configured Asterisk address", peer[0])
                sock.close()
                continue
            sock.setblocking(False)
            self._waiting[sock] = _Waiting(time.monotonic() + self.environment_timeout_s, Environment(), peer[0])
            self._selector.register(sock, selectors.EVENT_READ, "environment")
            if len(self._waiting) > self.max_waiting:
                oldest = next(iter(self._waiting))
                log.warning("FastAGI: %d connections wait for their environment; the oldest, from %s, is cut",
                            len(self._waiting), self._waiting[oldest].peer)
                self._cut(oldest)

    def _allowed(self, host):
        try:
            address = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return False
        if address.version == 6 and address.ipv4_mapped:
            address = address.ipv4_mapped
        return any(address in network for network in self.allowed)

    def _receive(self, sock):
        waiting = self._waiting[sock]
        try:
            data = sock.recv(65536)
            if not data:
                raise AgiProtocolError("closed before the end of the environment")
            complete = waiting.environment.feed(data)
        except (BlockingIOError, InterruptedError):
            return
        except (AgiProtocolError, OSError) as exc:
            log.warning("FastAGI from %s: no AGI environment (%s); closed", waiting.peer, exc)
            self._drop(sock)
            return
        if complete:
            self._selector.unregister(sock)
            del self._waiting[sock]
            self._start_call(sock, waiting)

    def _cut_expired(self):
        now = time.monotonic()
        while self._waiting:
            sock, waiting = next(iter(self._waiting.items()))
            if waiting.deadline > now:
                return
            log.warning("FastAGI from %s: no complete AGI environment within %g s; closed",
                        waiting.peer, self.environment_timeout_s)
            self._cut(sock)

    def _cut(self, sock):
        self.counts["cut"] += 1
        self._drop(sock)

    def _drop(self, sock):
        self._waiting.pop(sock, None)
        try:
            self._selector.unregister(sock)
        except (KeyError, ValueError):
            pass
        sock.close()

    def _start_call(self, sock, waiting):
        if not self._slots.acquire(blocking=False):
            self.counts["overflow"] += 1
            log.warning("FastAGI: all call slots in use; call from %s (%s) left to the dialplan's fallback",
                        mask(waiting.environment.env.get("agi_callerid")), waiting.peer)
            sock.close()
            return
        self.counts["calls"] += 1
        threading.Thread(target=self._run_call, args=(sock, waiting), daemon=True,
                         name=f"agi-{waiting.environment.env.get('agi_uniqueid', '')[:32]}").start()

    def _run_call(self, sock, waiting):
        env = waiting.environment.env
        try:
            sock.setblocking(True)
            with FASTAGI_CALLS.track_inprogress():
                AgiCall(SocketAGI(sock, env, waiting.environment.rest), self.services).run()
        except Exception:  # the runner already guards each call; this only keeps the server up
            log.exception("FastAGI call from %s failed", mask(env.get("agi_callerid")))
        finally:
            sock.close()
            self._slots.release()


@dataclass
class _Waiting:
    deadline: float
    environment: Environment
    peer: str


def server_limits(config):
    """FastAgiServer's keyword arguments from the configuration (AGI_* keys)."""
    return {"environment_timeout_s": config["AGI_ENVIRONMENT_TIMEOUT_S"],
            "max_calls": config["AGI_MAX_CALLS"], "max_waiting": config["AGI_MAX_WAITING"],
            "allowed_peers": [p for p in config["AGI_ALLOWED_PEERS"].split(",") if p.strip()]}


def recording_dir(config):
    """Where Asterisk records tips, as it sees it. On this host (no ASTERISK_RECORDINGS_DIR) the directory
    is made private first, so no other user hears the callers."""
    if config.get("ASTERISK_RECORDINGS_DIR"):
        return config["ASTERISK_RECORDINGS_DIR"]
    return str(private_dir(config["RECORDINGS_DIR"]))


def build_services(config, on_decision=None):
    """Everything the calls share, from the project's configuration."""
    from bridge.leases import OperatorLeases
    from core import runtime
    from core.alert_calls import AlertCallLedger
    from core.call_records import InboundCallLog
    from core.directory_snapshot import SnapshotDirectory
    from core.genuine_check import PhoneCheckLimits
    from tts_prompts import PromptStore

    from .prompts import PromptFiles

    rt = runtime.configure(config)
    settings = FlowSettings.from_config(rt.config)
    directory = SnapshotDirectory(rt.db, rt.config["DEFAULT_REGION"], rt.config["IVR_SNAPSHOT_S"]).start()
    store = PromptStore.from_config(rt.config)
    return CallServices(
        flows=build_flows(directory, settings,
                          PhoneCheckLimits(rt.redis, rt.db, rt.config, rt.config["SECRET_KEY"])),
        prompts=PromptFiles(store, rt.config["ASTERISK_PROMPT_DIR"]),
        call_log=InboundCallLog(rt.db),
        alert_ledger=AlertCallLedger(rt.db),
        leases=OperatorLeases(rt.redis, rt.config["QUEUE_PREFIX"], rt.config["OPERATOR_LEASE_S"]),
        region=rt.config["DEFAULT_REGION"],
        recording_dir=recording_dir(rt.config),
        call_max_s=rt.config["CALL_MAX_S"],
        on_decision=on_decision,
    )


def main(argv=None):
    from core.config import load_config

    config = load_config()
    parser = argparse.ArgumentParser(prog="python -m ivr.fastagi", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=config["AGI_HOST"])
    parser.add_argument("--port", type=int, default=int(config["AGI_PORT"]))
    args = parser.parse_args(argv)
    configure_logging()
    services = build_services(config, on_decision=lambda flow, s: FASTAGI_DECISION.labels(flow).observe(s))
    server = FastAgiServer((args.host, args.port), services, **server_limits(config))
    from core import runtime
    rt = runtime.get()
    serve_probes(rt.config["PROBE_HOST"], rt.config["FASTAGI_PROBE_PORT"], standard_checks(rt), "FastAGI")
    # shutdown() waits for serve_forever to return, so it runs in a thread of its own.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    log.info("FastAGI serving %s on %s:%d", ", ".join(server.services.flows), args.host, args.port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
