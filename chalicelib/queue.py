"""The job queue: SQS in AWS, an in-process twin locally and in tests.

The dispatcher sends one message per due (community, job, period); a worker runs each.
Messages are small JSON documents; ``SendMessageBatch`` carries 10 per request.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Protocol

# SQS's own limit for SendMessageBatch.
SQS_BATCH_MAX = 10
MAX_RETRY_ROUNDS = 5


class QueueError(RuntimeError):
    """Messages SQS would not take after retries."""


class JobQueue(Protocol):
    def send_batch(self, messages: Iterable[dict[str, Any]]) -> int: ...


class SqsQueue:
    def __init__(
        self, client: Any, queue_url: str, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.client = client
        self.queue_url = queue_url
        self._sleep = sleep

    @classmethod
    def from_name(cls, client: Any, name: str) -> SqsQueue:
        return cls(client, client.get_queue_url(QueueName=name)["QueueUrl"])

    def send_batch(self, messages: Iterable[dict[str, Any]]) -> int:
        """Send 10 to a request; entries SQS fails are retried (with backoff), then raised."""
        sent = 0
        chunk: list[dict[str, Any]] = []
        for message in messages:
            chunk.append(message)
            if len(chunk) == SQS_BATCH_MAX:
                sent += self._send_chunk(chunk)
                chunk = []
        if chunk:
            sent += self._send_chunk(chunk)
        return sent

    def _send_chunk(self, chunk: list[dict[str, Any]]) -> int:
        entries = {
            str(i): {"Id": str(i), "MessageBody": json.dumps(m, sort_keys=True)}
            for i, m in enumerate(chunk)
        }
        for attempt in range(MAX_RETRY_ROUNDS + 1):
            response = self.client.send_message_batch(
                QueueUrl=self.queue_url, Entries=list(entries.values())
            )
            failed = {f["Id"] for f in response.get("Failed", [])}
            entries = {k: v for k, v in entries.items() if k in failed}
            if not entries:
                return len(chunk)
            self._sleep(min(2.0, 0.1 * 2**attempt))
        raise QueueError(f"{len(entries)} messages not accepted by SQS after retries")


class MemoryQueue:
    """An in-process queue with SQS's batching behaviour, for the local runtime and tests."""

    def __init__(self) -> None:
        self.messages: deque[dict[str, Any]] = deque()
        self.requests = 0
        self._lock = threading.Lock()

    def send_batch(self, messages: Iterable[dict[str, Any]]) -> int:
        batch = [json.loads(json.dumps(m, sort_keys=True)) for m in messages]
        with self._lock:
            self.requests += -(-len(batch) // SQS_BATCH_MAX)
            self.messages.extend(batch)
        return len(batch)

    def drain(self) -> list[dict[str, Any]]:
        with self._lock:
            out = list(self.messages)
            self.messages.clear()
        return out
