"""The FastAGI server: Asterisk's `AGI(agi://host:port/<script>)` lands here, one thread per call.

`agi_network_script` picks the flow from an explicit table (ivr.call_engine.build_flows), built when the server
starts: nothing registers itself on import. `python -m ivr.fastagi [--host H] [--port P]` runs it
with the project's configuration (AGI_HOST, AGI_PORT, PROMPT_DIR, ...).
"""
import argparse
import logging
import signal
import socketserver
import sys
import threading

from core.numbers import mask

from .agi_channel import AgiProtocolError, SocketAGI
from .agi_runner import AgiCall, CallServices
from .call_engine import build_flows
from .settings import FlowSettings

log = logging.getLogger(__name__)

ENVIRONMENT_TIMEOUT_S = 5  # a peer that connects and says nothing is let go after this


class _CallHandler(socketserver.StreamRequestHandler):
    def setup(self):
        self.timeout = self.server.environment_timeout_s  # until the environment is read; then per command
        super().setup()

    def handle(self):
        try:
            agi = SocketAGI(self.connection, self.rfile, self.wfile)
        except AgiProtocolError as exc:
            log.warning("FastAGI from %s: not an AGI session (%s); closed", self.client_address[0], exc)
            return
        except Exception as exc:  # timeout, reset, EOF before the blank line
            log.warning("FastAGI from %s: no AGI environment (%s); closed",
                        self.client_address[0], exc.__class__.__name__)
            return
        try:
            AgiCall(agi, self.server.services).run()
        except Exception:  # the runner already guards each call; this only keeps the server up
            log.exception("FastAGI call from %s failed", mask(agi.env.get("agi_callerid")))


class FastAgiServer(socketserver.ThreadingTCPServer):
    """Serves many calls at once; a call's failure ends that call only."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, services: CallServices, environment_timeout_s=ENVIRONMENT_TIMEOUT_S):
        self.services = services
        self.environment_timeout_s = environment_timeout_s
        super().__init__(address, _CallHandler)

    def handle_error(self, request, client_address):
        log.exception("FastAGI connection from %s", client_address[0] if client_address else "?")


def build_services(config, on_decision=None):
    """Everything the calls share, from the project's configuration."""
    from bridge.leases import OperatorLeases
    from core import runtime
    from core.alert_calls import AlertCallLedger
    from core.inbound import InboundCallLog, SnapshotDirectory
    from tts_prompts import PromptStore, get_engine

    from .prompts import PromptFiles

    rt = runtime.configure(config)
    settings = FlowSettings.from_config(rt.config)
    directory = SnapshotDirectory(rt.db, rt.config["DEFAULT_REGION"], float(rt.config["IVR_SNAPSHOT_S"]))
    store = PromptStore(rt.config["PROMPT_DIR"], get_engine(rt.config["TTS_ENGINE"]))
    return CallServices(
        flows=build_flows(directory, settings),
        prompts=PromptFiles(store, rt.config.get("ASTERISK_PROMPT_DIR")),
        call_log=InboundCallLog(rt.db),
        alert_ledger=AlertCallLedger(rt.db),
        leases=OperatorLeases(rt.redis, rt.config["QUEUE_PREFIX"],
                              int(rt.config["OPERATOR_LEASE_S"])),
        region=rt.config["DEFAULT_REGION"],
        recording_dir=rt.config.get("ASTERISK_RECORDINGS_DIR") or rt.config["RECORDINGS_DIR"],
        call_max_s=int(rt.config["CALL_MAX_S"]),
        on_decision=on_decision,
    )


def main(argv=None):
    from core.config import load_config

    config = load_config()
    parser = argparse.ArgumentParser(prog="python -m ivr.fastagi", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=config["AGI_HOST"])
    parser.add_argument("--port", type=int, default=int(config["AGI_PORT"]))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    server = FastAgiServer((args.host, args.port), build_services(config))
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
