"""Shared by the job tests: one scheduled tick through the dispatcher, the queue worker and
the claim, for the job a test module names in ``TICKED_JOB``."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

import pytest

from chalicelib.jobs.dispatch_due_jobs import dispatch_due_jobs
from chalicelib.queue import MemoryQueue
from chalicelib.store.repository import Store
from chalicelib.worker import handle_records
from tests.helpers import runtime


@pytest.fixture
def tick(request) -> Callable:
    """``tick(store, at, rt_sent=None)``: one dispatcher tick at ``at``, delivered twice
    (EventBridge delivers at least once), then the worker on the messages it enqueued for
    the module's ``TICKED_JOB``. Returns ``(runtime, sent)``; pass them back as
    ``rt_sent`` for the next tick to keep the same runtime and what it sent."""
    job = request.module.TICKED_JOB

    def run(store: Store, at: datetime, rt_sent=None):
        rt, sent = rt_sent or runtime(store, at)
        rt.clock.set(at)
        queue = MemoryQueue()
        dispatch_due_jobs(store.table, queue, at)
        dispatch_due_jobs(store.table, queue, at)
        messages = [m for m in queue.drain() if m["job"] == job]
        records = [(f"m{n}", json.dumps(m)) for n, m in enumerate(messages)]
        assert handle_records(rt, records, at) == {"batchItemFailures": []}
        return rt, sent

    return run
