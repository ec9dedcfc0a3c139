"""The job queue: SQS in AWS, an in-process twin locally and in tests.

Messages are small JSON documents; ``SendMessageBatch`` carries 10 per request. Two kinds
travel on it, and the worker (chalicelib/worker.py) runs both:

* a job run, sent by the dispatcher, one per due (community, job, period):
  ``{"community", "job", "period", "scheduled_at"}`` (no ``kind``: the original format);
* a deferred chat command, sent by the webhook for a command too slow to answer within the
  platform's deadline (chat/router.py DEFERRED): ``{"kind": "command", "platform",
  "command_id", "requested_at", "event"}``, the event as ``command_message`` writes it;
* a community's jobs to schedule again after its settings changed on the organiser's pages
  (computing the next runs needs every job's module, which the webhooks' function does not
  load): ``{"kind": "reschedule", "community"}``;
* a shard of the dispatcher's index to read, sent by the tick (jobs/dispatch_due_jobs.py):
  ``{"kind": "dispatch", "partition", "tick", "until"}``, ``"since"`` but on a sweep and,
  for a continuation, ``"after"``.

A job run read ahead of its time carries ``"delay_seconds"``: SqsQueue sends it as the
message's DelaySeconds (SQS holds it until the run's time; at most 900) and leaves it out
of the body.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from chalicelib.platforms.base import InboundEvent, Sender

# SQS's own limit for SendMessageBatch.
SQS_BATCH_MAX = 10
MAX_RETRY_ROUNDS = 5
# SQS's longest DelaySeconds, and the message field that asks for one (not sent in the body).
MAX_DELAY_SECONDS = 900
DELAY = "delay_seconds"


# The kind of a deferred chat command's message.
COMMAND = "command"
# The kind of a "schedule this community's jobs again" message.
RESCHEDULE = "reschedule"
# The kind of a "read this shard of the due index and enqueue its runs" message.
DISPATCH = "dispatch"
# A nickname prompt claimed by the webhook, sent by direct message from the worker (a DM
# may need the platform's token first: not within a webhook's deadline).
NICKNAME = "nickname-prompt"
# A queued command's text is cut to this: a deferred command reads its first word or two,
# and a message must stay far below SQS's 256 KB (a webhook body may be up to 1 MB).
MAX_QUEUED_TEXT = 4000


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
        entries = {str(i): _entry(str(i), m) for i, m in enumerate(chunk)}
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


def _entry(entry_id: str, message: dict[str, Any]) -> dict[str, Any]:
    """One SendMessageBatch entry: the body without ``delay_seconds``, which becomes the
    entry's DelaySeconds."""
    body = {k: v for k, v in message.items() if k != DELAY}
    entry: dict[str, Any] = {"Id": entry_id, "MessageBody": json.dumps(body, sort_keys=True)}
    delay = int(message.get(DELAY) or 0)
    if delay > 0:
        entry["DelaySeconds"] = min(delay, MAX_DELAY_SECONDS)
    return entry


class MemoryQueue:
    """An in-process queue with SQS's batching behaviour, for the local runtime and tests."""

    def __init__(self, on_send: Callable[[], None] | None = None) -> None:
        self.messages: deque[dict[str, Any]] = deque()
        self.requests = 0
        self._lock = threading.Lock()
        # Called after messages arrive: the local runtime wakes its worker with it, as SQS
        # wakes Lambda's poller, so a deferred command does not wait for the next tick.
        self._on_send = on_send

    def send_batch(self, messages: Iterable[dict[str, Any]]) -> int:
        batch = [json.loads(json.dumps(m, sort_keys=True)) for m in messages]
        with self._lock:
            self.requests += -(-len(batch) // SQS_BATCH_MAX)
            self.messages.extend(batch)
        if batch and self._on_send is not None:
            self._on_send()
        return len(batch)

    def drain(self) -> list[dict[str, Any]]:
        with self._lock:
            out = list(self.messages)
            self.messages.clear()
        return out


# -- deferred chat commands ----------------------------------------------------------------


def command_message(event: InboundEvent, requested_at: datetime, command_id: str) -> dict[str, Any]:
    """The queue message of a deferred chat command: the event as parsed (its
    ``reply_context`` carries what answering needs, e.g. Discord's interaction token, a
    credential for 15 minutes that SQS keeps encrypted at rest and that is never logged),
    when it was asked, and ``command_id``, what de-duplicates its reply."""
    return {
        "kind": COMMAND,
        "platform": event.platform,
        "command_id": command_id,
        "requested_at": requested_at.isoformat(),
        "event": {
            "kind": event.kind,
            "chat_id": event.chat_id,
            "sender": _sender_fields(event.sender),
            "text": event.text[:MAX_QUEUED_TEXT],
            "event_id": event.event_id,
            "reply_context": dict(event.reply_context),
            "reply_to": _sender_fields(event.reply_to) if event.reply_to else None,
        },
    }


def event_of(message: Mapping[str, Any]) -> InboundEvent:
    """The event ``command_message`` queued, as the adapter parsed it; ValueError saying
    what is wrong when the message does not hold one."""
    platform, fields = message.get("platform"), message.get("event")
    if not isinstance(platform, str) or not platform:
        raise ValueError("missing platform")
    if not isinstance(fields, dict):
        raise ValueError("missing event")
    if fields.get("kind") != "message":
        raise ValueError("event is not a message")
    chat_id, text, event_id = fields.get("chat_id"), fields.get("text"), fields.get("event_id")
    if not isinstance(chat_id, str) or not chat_id:
        raise ValueError("missing event.chat_id")
    if not isinstance(text, str):
        raise ValueError("missing event.text")
    if event_id is not None and not isinstance(event_id, str):
        raise ValueError("event.event_id is not a string")
    reply_context = fields.get("reply_context", {})
    if not isinstance(reply_context, dict):
        raise ValueError("event.reply_context is not an object")
    reply_to = fields.get("reply_to")
    return InboundEvent(
        kind="message",
        platform=platform,
        chat_id=chat_id,
        sender=_sender(fields.get("sender"), "event.sender"),
        text=text,
        event_id=event_id,
        reply_context=reply_context,
        reply_to=None if reply_to is None else _sender(reply_to, "event.reply_to"),
    )


def _sender_fields(sender: Sender) -> dict[str, Any]:
    return {"user_id": sender.user_id, "name": sender.name, "username": sender.username}


def _sender(fields: Any, where: str) -> Sender:
    if not isinstance(fields, dict):
        raise ValueError(f"missing {where}")
    user_id, name, username = fields.get("user_id"), fields.get("name"), fields.get("username")
    if not isinstance(user_id, str) or not user_id:
        raise ValueError(f"missing {where}.user_id")
    if not isinstance(name, str) or not (username is None or isinstance(username, str)):
        raise ValueError(f"malformed {where}")
    return Sender(user_id=user_id, name=name, username=username)


def nickname_prompt_message(community_id: str, user_id: str) -> dict[str, Any]:
    return {"kind": NICKNAME, "community": community_id, "user": user_id}


def reschedule_message(community_id: str) -> dict[str, Any]:
    return {"kind": RESCHEDULE, "community": community_id}


def shard_message(
    partition: str,
    tick: datetime,
    *,
    until: datetime | None = None,
    since: datetime | None = None,
    after: str | None = None,
) -> dict[str, Any]:
    """A shard message: enqueue ``partition``'s runs whose index key is after ``since``
    (None: any time before) and by ``until`` (the tick's look-ahead; ``tick`` when not
    given), those after the due key ``after`` only (a continuation)."""
    message = {
        "kind": DISPATCH,
        "partition": partition,
        "tick": tick.isoformat(),
        "until": (until or tick).isoformat(),
    }
    if since is not None:
        message["since"] = since.isoformat()
    if after is not None:
        message["after"] = after
    return message
