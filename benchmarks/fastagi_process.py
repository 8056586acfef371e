"""The project's FastAGI server in a process of its own, as in production (`python -m ivr.fastagi`), for the
benchmarks that place calls through the lab Asterisk: their AMI clients and Originates do not share its
interpreter. Also the prompts it plays, rendered as a deployment and the launches render them."""
import concurrent.futures
import contextlib
import logging
import multiprocessing
import queue
import threading
import time

from core import runtime
from core.caller_directory import InboundDirectory
from ivr.call_engine import build_flows
from ivr.fastagi import FastAgiServer, build_services
from tts_prompts import PromptStore, get_engine


def render_prompts(prompt_dir, titles, log):
    """The prompt catalogue and the actions' titles, rendered as a deployment and the launches do."""
    started = time.perf_counter()
    store = PromptStore(prompt_dir, get_engine("espeak"))
    store.render_catalogue()
    for title in set(titles):
        store.render_text(title, "nl")
    log(f"  prompts and {len(set(titles))} titles rendered in {time.perf_counter() - started:.1f} s")


def _serve(config, database_directory, warm_numbers, decisions, ready, stop):
    logging.getLogger("core.runtime").setLevel(logging.ERROR)  # console transports: nothing is sent here
    services = build_services(config, on_decision=lambda flow, seconds: decisions.put(seconds))
    rt = runtime.get()
    if database_directory:
        services.flows = build_flows(InboundDirectory(rt.db, rt.config["DEFAULT_REGION"]),
                                     services.flows["inbound"].settings)
    if warm_numbers:
        _warm(services.flows["inbound"].directory, warm_numbers)
    server = FastAgiServer(("127.0.0.1", int(config["AGI_PORT"])), services)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ready.set()
    stop.wait()
    server.shutdown()
    server.server_close()
    rt.close()


def _warm(directory, numbers):
    """Look up other alerted participants at once, so the statements are compiled and the pool holds
    its steady connections, as in a server that has been up a while."""
    def look_up(number):
        match = directory.identify(number)
        if match.actions:
            directory.route(match.actions[0].id)

    with concurrent.futures.ThreadPoolExecutor(len(numbers)) as pool:
        list(pool.map(look_up, numbers))


@contextlib.contextmanager
def fastagi_process(config, label, database_directory=False, warm_numbers=()):
    """The server of `config` (build_services: the in-memory snapshot of callers, or with database_directory
    the database-backed InboundDirectory) on config["AGI_PORT"], warmed by looking up `warm_numbers`; yields
    a list that holds its decision times (seconds, CallServices.on_decision) once it has stopped."""
    context = multiprocessing.get_context("spawn")
    decisions, ready, stop = context.Queue(), context.Event(), context.Event()
    server = context.Process(target=_serve, args=(config, database_directory, tuple(warm_numbers), decisions,
                                                  ready, stop), name=f"fastagi-{label}", daemon=True)
    server.start()
    times = []
    try:
        while not ready.wait(0.5):
            if not server.is_alive():
                raise RuntimeError(f"the {label} FastAGI server failed to start (its error is above)")
        yield times
    finally:
        stop.set()
        server.join(30)
        if server.is_alive():
            server.kill()
        with contextlib.suppress(queue.Empty):
            while True:
                times.append(decisions.get(timeout=1))
