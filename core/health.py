"""Liveness and readiness of a process, and which of its dependencies is down.

`/healthz` answers 200 while the process runs; `/readyz` answers 200 when every dependency the process
needs answers, else 503, naming the ones that do not. The web serves both through Flask; the worker,
the call service and the FastAGI server serve them (and `/metrics`) with `serve_probes` on a port of
their own.
"""
import json
import logging
import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import REGISTRY, make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer
from sqlalchemy import text

log = logging.getLogger(__name__)


def database_check(rt):
    def check():
        with rt.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    return check


def redis_check(rt):
    return rt.redis.ping


def readiness(checks):
    """(ready, report) for {name: check}; a check is ready when it returns anything but False, raising nothing."""
    results = {}
    for name, check in checks.items():
        try:
            ok = check() is not False
            results[name] = "up" if ok else "down"
        except Exception as exc:  # any failure of a dependency means "down"; its kind says why
            results[name] = f"down: {exc.__class__.__name__}"
    down = sorted(name for name, state in results.items() if state != "up")
    return not down, {"ready": not down, "down": down, "checks": results}


def standard_checks(rt):
    return {"database": database_check(rt), "redis": redis_check(rt)}


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def probe_app(checks, process, registry=REGISTRY):
    """A WSGI app: /healthz, /readyz, and /metrics (Prometheus)."""
    metrics = make_wsgi_app(registry)

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            return metrics(environ, start_response)
        if path == "/healthz":
            status, body = "200 OK", {"process": process, "alive": True}
        elif path == "/readyz":
            ready, body = readiness(checks)
            body["process"] = process
            status = "200 OK" if ready else "503 Service Unavailable"
        else:
            status, body = "404 Not Found", {"error": "unknown probe"}
        payload = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
        return [payload]
    return app


def serve_probes(host, port, checks, process):
    """Serve the probes in a daemon thread; port 0 switches them off. Returns the server (or None)."""
    if not port:
        return None
    try:
        server = make_server(host, int(port), probe_app(checks, process), ThreadingWSGIServer,
                             handler_class=_QuietHandler)
    except OSError as exc:  # the port is taken (a second process of this kind here): the work goes on without
        log.error("%s: probes not served on %s:%s (%s); give this process a port of its own", process, host, port,
                  exc.strerror or exc)
        return None
    threading.Thread(target=server.serve_forever, daemon=True, name="probes").start()
    log.info("%s: health, readiness and metrics on http://%s:%s/", process, host, server.server_port)
    return server
