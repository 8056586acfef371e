"""The process's runtime registry (core.runtime): jobs get the runtime their process installed, explicitly."""
import pytest
from rq import SimpleWorker

from core import runtime
from core.jobs import send_deliveries


@runtime.job
def _which_runtime(rt, token):
    return rt.config["QUEUE_PREFIX"], token


def test_a_job_gets_the_runtime_its_worker_installed(rt):
    """Enqueued with ids only, run by a real RQ worker: the job's first argument is the installed runtime."""
    job = rt.queues.normal.enqueue(_which_runtime, "t1")
    SimpleWorker(rt.queues.in_priority_order(), connection=rt.redis).work(burst=True, logging_level="ERROR")
    assert job.return_value() == (rt.config["QUEUE_PREFIX"], "t1")
    assert _which_runtime.with_runtime(rt, "t2") == (rt.config["QUEUE_PREFIX"], "t2")


def test_nothing_builds_a_runtime_behind_a_callers_back(rt):
    """Without an installed runtime a job fails loudly instead of wiring itself from the environment."""
    runtime.uninstall()
    with pytest.raises(runtime.NoRuntime):
        runtime.get()
    with pytest.raises(runtime.NoRuntime):
        send_deliveries([1])


def test_configuring_again_replaces_and_closes_the_runtime_before(config):
    first = runtime.configure(config)
    second = runtime.configure(config)
    assert runtime.get() is second is not first
    runtime.uninstall()
