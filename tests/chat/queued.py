"""Running what the webhook queued: the worker over an in-memory queue, as SQS hands it
messages (``handle_records``, the entry point's own function)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from chalicelib.queue import MemoryQueue
from chalicelib.worker import handle_records

WORKING = "⏳ Working on it… the result follows here shortly."


def run_worker(
    rt: Any, queue: MemoryQueue, at: datetime, *, times: int = 1
) -> dict[str, list[dict[str, str]]]:
    """Hand every queued message to the worker, each ``times`` times in one batch (SQS may
    deliver a message more than once); the partial batch response."""
    bodies = [json.dumps(m) for m in queue.drain()]
    records = [(f"msg-{n}-{i}", body) for n, body in enumerate(bodies) for i in range(times)]
    return handle_records(rt, records, at)
