"""The web's /healthz, /readyz and /metrics, for a load balancer and Prometheus (no login: they say nothing
about participants; keep them off the public internet all the same)."""
from flask import Blueprint, Response, current_app, jsonify
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from core.health import readiness, standard_checks
from core.metrics import LedgerCollector

bp = Blueprint("probes", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(process="web", alive=True)


@bp.get("/readyz")
def readyz():
    ready, body = readiness(standard_checks(current_app.extensions["uitkijk"]))
    body["process"] = "web"
    return jsonify(body), 200 if ready else 503


@bp.get("/metrics")
def metrics():
    """This process's metrics, and the queues and ledger as Redis and the database hold them now."""
    system = CollectorRegistry()
    system.register(LedgerCollector(current_app.extensions["uitkijk"]))
    return Response(generate_latest(REGISTRY) + generate_latest(system), content_type=CONTENT_TYPE_LATEST)


def init_app(app):
    app.register_blueprint(bp)
