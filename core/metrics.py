"""Prometheus metrics of Uitkijk's processes (prometheus_client).

Counted where things happen, in the process they happen in: sends (`uitkijk_sends_total`, whose rate is
sends per second), FastAGI decision times, calls in progress, trunk channels in use. Read from Redis and
the ledger when scraped (`LedgerCollector`, in the web's `/metrics`): queue depths and deliveries by state.
"""
from datetime import timedelta

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from redis.exceptions import RedisError
from rq.registry import ScheduledJobRegistry

from . import ledger
from .models import utcnow

SENDS = Counter("uitkijk_sends", "Deliveries handed to a transport, by channel and result", ["channel", "result"])
FASTAGI_DECISION = Histogram("uitkijk_fastagi_decision_seconds", "FastAGI: AGI start to the first Dial, by flow",
                             ["flow"], buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
FASTAGI_CALLS = Gauge("uitkijk_fastagi_calls_in_progress", "FastAGI sessions being served by this process")
ALERT_CALLS = Gauge("uitkijk_alert_calls_in_progress", "Alert calls placed and not yet settled, by trunk",
                    ["trunk"])
TRUNK_CHANNELS = Gauge("uitkijk_trunk_channels_in_use", "Channel leases held on a trunk (shared by every call "
                       "service)", ["trunk"])

# Deliveries counted by the collector: those of actions launched this long ago at most.
RECENT = timedelta(days=1)


class LedgerCollector:
    """Queue depths (waiting and scheduled jobs) and the recent ledger by channel and state, read at scrape."""

    def __init__(self, rt):
        self.rt = rt

    def collect(self):
        depth = GaugeMetricFamily("uitkijk_queue_jobs", "RQ jobs waiting (or scheduled) per queue",
                                  labels=["queue", "kind"])
        try:
            for queue in self.rt.queues.in_priority_order():
                depth.add_metric([queue.name, "waiting"], queue.count)
                scheduled = ScheduledJobRegistry(queue.name, connection=self.rt.redis)
                depth.add_metric([queue.name, "scheduled"], scheduled.count)
        except RedisError:
            pass  # /readyz says Redis is down; no made-up numbers here
        yield depth
        states = GaugeMetricFamily("uitkijk_deliveries", "Deliveries of the last day's actions, by channel and state",
                                   labels=["channel", "state"])
        with self.rt.db.session() as session:
            for (channel, state), count in ledger.counts_by_state(session, utcnow() - RECENT).items():
                states.add_metric([channel, state], count)
        yield states
