"""SMS pacing: 10,000 messages through Prism (Twilio's spec) at a configured 100 per second.

Several sender processes share one sender's slots in Redis, as RQ workers do. What counts is what
arrives: a recording HTTP proxy in front of Prism timestamps every request, and the figures
(total time, the busiest one-second window) come from those timestamps. The naive baseline, run
in the same session, is the same processes sending the same number of messages, each pacing itself
with sleep at its share of the rate (rate / processes): what it costs in time, and how far its
independent sleeps drift over the limit, is reported as it is.
"""
import bisect
import multiprocessing
import os
import tempfile
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests
from redis import Redis

from sms.transport import TwilioSmsTransport
from lab.prism import ACCOUNT_SID, AUTH_TOKEN, PrismUnavailable, prepare_spec, start_prism, stop_prism
from twilio_gateway.client import make_twilio_client
from core.pacing import SendSchedule

MESSAGES = int(os.environ.get("UITKIJK_BENCH_SMS", 10_000))
RATE_PER_S = float(os.environ.get("UITKIJK_BENCH_SMS_RATE", 100))
SENDERS = int(os.environ.get("UITKIJK_BENCH_SMS_SENDERS", 4))
REDIS_URL = os.environ.get("UITKIJK_BENCH_REDIS", "redis://127.0.0.1:6379/13")
FROM = "+3197010000000"
TEXT = "Uitkijk: Man, ongeveer 30 jaar, donkere jas, op een rode fiets. Gezien? Bel gratis 0800 0011 en toets code 4711."


class RecordingProxy:
    """Forwards every request to ``target`` and keeps the moment each one arrived."""

    def __init__(self, target):
        self.arrivals = []
        local = threading.local()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else keep-alive answers wait on delayed ACKs (40 ms each)
            wbufsize = 64 * 1024  # headers and body leave in one write

            def do_POST(self):
                proxy.arrivals.append(time.time())
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if not hasattr(local, "session"):
                    local.session = requests.Session()
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type")}
                answer = local.session.post(target + self.path, data=body, headers=headers, timeout=30)
                self.send_response(answer.status_code)
                self.send_header("Content-Type", answer.headers.get("Content-Type", "application/json"))
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def take(self):
        arrivals, self.arrivals = sorted(self.arrivals), []
        return arrivals

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _shared_limiter_sender(base_url, prefix, count, start_at):
    """One worker: the project's transport, paced through the shared slots in Redis."""
    client = make_twilio_client(ACCOUNT_SID, AUTH_TOKEN, base_url=base_url)
    schedule = SendSchedule(Redis.from_url(REDIS_URL), prefix=prefix)
    transport = TwilioSmsTransport(client, schedule, rate_per_s=RATE_PER_S, from_number=FROM,
                                   max_pacing_wait_s=3600)
    time.sleep(max(0.0, start_at - time.time()))
    for n in range(count):
        transport.send_direct(None, f"+316{n % 100_000_000:08d}", TEXT)


def _sleeping_sender(base_url, count, start_at):
    """The naive worker: paces only itself at its share of the rate, sleeping processes/rate between sends."""
    session = requests.Session()
    url = f"{base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    time.sleep(max(0.0, start_at - time.time()))
    for n in range(count):
        session.post(url, data={"To": f"+316{n:08d}", "From": FROM, "Body": TEXT}, auth=(ACCOUNT_SID, AUTH_TOKEN))
        time.sleep(SENDERS / RATE_PER_S)


def _run_senders(target, args_for, total):
    context = multiprocessing.get_context("fork")
    start_at = time.time() + 1.0
    shares = [total // SENDERS + (1 if i < total % SENDERS else 0) for i in range(SENDERS)]
    processes = [context.Process(target=target, args=(*args_for(), share, start_at)) for share in shares]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise RuntimeError(f"a sender process exited with {process.exitcode}")


def busiest_second(arrivals):
    """The most arrivals in one second of the clock (what "per second" means to Twilio)."""
    return max(Counter(int(t) for t in arrivals).values(), default=0)


def busiest_window(arrivals):
    """The most arrivals in any one-second window starting at an arrival (stricter; jitter shows here)."""
    return max((bisect.bisect_left(arrivals, t + 1.0) - i for i, t in enumerate(arrivals)), default=0)


def run(report, log):
    workdir = Path(tempfile.mkdtemp(prefix="bench-sms-"))
    try:
        process, prism = start_prism(prepare_spec(workdir), workdir)
    except PrismUnavailable as exc:
        raise SystemExit(f"bench sms needs Prism (scripts/prism.sh): {exc}") from exc
    proxy = RecordingProxy(prism.base_url)
    prefix = f"bench-sms-{uuid.uuid4().hex[:8]}"
    try:
        log(f"sending {MESSAGES:,} SMS at {RATE_PER_S:g}/s from {SENDERS} processes sharing one limiter")
        _run_senders(_shared_limiter_sender, lambda: (proxy.base_url, prefix), MESSAGES)
        ours = proxy.take()
        log(f"naive: {MESSAGES:,} SMS from {SENDERS} processes, each sleeping {SENDERS}/{RATE_PER_S:g} s between sends")
        _run_senders(_sleeping_sender, lambda: (proxy.base_url,), MESSAGES)
        naive = proxy.take()
    finally:
        proxy.close()
        stop_prism(process)
        redis = Redis.from_url(REDIS_URL)
        for key in redis.scan_iter(f"{prefix}*"):
            redis.delete(key)
        redis.close()
    for arrivals in (ours, naive):
        if len(arrivals) != MESSAGES:
            raise RuntimeError(f"Prism received {len(arrivals)} of {MESSAGES} messages")
    minimum_s = MESSAGES / RATE_PER_S
    total_s, naive_s = (arrivals[-1] - arrivals[0] + 1.0 / RATE_PER_S for arrivals in (ours, naive))
    worst, naive_worst = busiest_second(ours), busiest_second(naive)
    window, naive_window = busiest_window(ours), busiest_window(naive)
    within = total_s <= minimum_s * 1.05 and worst <= RATE_PER_S
    if not within:
        log(f"FAILED: {total_s:.1f} s for a {minimum_s:.0f} s minimum (limit 5% over), busiest second {worst}")
    report(f"{MESSAGES:,} SMS via Prism at {RATE_PER_S:g}/s, {SENDERS} processes, counted at the receiver",
           f"{total_s:.1f} s ({total_s / minimum_s - 1:+.1%}), max {worst}/s "
           f"(sliding {window}){'' if within else ' FAIL'}",
           f"each process sleeping {SENDERS}/{RATE_PER_S:g} s, the same {MESSAGES:,}: {naive_s:.1f} s "
           f"({naive_s / minimum_s - 1:+.1%}), max {naive_worst}/s (sliding {naive_window})", naive_s / total_s)
