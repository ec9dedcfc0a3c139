"""The worker: each SQS message is a (community, job, period) run (jobs/run_queued_jobs.py),
a deferred chat command (chat/worker.py), a community to reschedule, a shard of the due
index to dispatch (jobs/dispatch_due_jobs.py), or a nickname prompt the webhook claimed
(features/ritual.py).

Failures are reported per record (SQS partial batch responses), so one bad community or
one undeliverable reply never holds up the others; a message that can never succeed is a
BadMessage, dropped with an error log.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.chat.context import CommandPaused
from chalicelib.chat.worker import BadMessage, QueuedCommand, queued_command, run_queued_command
from chalicelib.jobs.dispatch_due_jobs import dispatch_shard
from chalicelib.jobs.run_queued_jobs import run_queued_job
from chalicelib.jobs.runner import TIME_RESERVE, RunStatus
from chalicelib.jobs.scheduling import reschedule_community
from chalicelib.logs import metric
from chalicelib.queue import COMMAND, DISPATCH, NICKNAME, RESCHEDULE
from chalicelib.store.due import is_partition

log = logging.getLogger("rollcall.worker")


@dataclass(frozen=True)
class Reschedule:
    """Schedule a community's jobs again (its settings changed on the organiser's pages)."""

    community_id: str


@dataclass(frozen=True)
class NicknamePrompt:
    """Send the nickname prompt the webhook claimed for ``user_id`` today."""

    community_id: str
    user_id: str


@dataclass(frozen=True)
class Shard:
    """Enqueue one partition's runs due by the tick's time (after ``after``, if given)."""

    partition: str
    tick: datetime
    since: datetime | None = None
    after: str | None = None
    until: datetime | None = None  # the look-ahead's end (None: an older tick's, ``tick``)


def parse_message(
    body: str,
) -> dict[str, str] | QueuedCommand | Reschedule | Shard | NicknamePrompt:
    """A job run's fields, a deferred command, a reschedule, a shard to dispatch or a
    nickname prompt; BadMessage saying what is wrong."""
    try:
        message = json.loads(body)
    except (TypeError, ValueError):
        raise BadMessage("not JSON") from None
    if not isinstance(message, dict):
        raise BadMessage("not a JSON object")
    if "kind" in message:  # job runs carry no kind: the dispatcher's format predates kinds
        if message["kind"] == RESCHEDULE:
            if not isinstance(message.get("community"), str) or not message["community"]:
                raise BadMessage("missing community")
            return Reschedule(message["community"])
        if message["kind"] == DISPATCH:
            return _shard(message)
        if message["kind"] == NICKNAME:
            for name in ("community", "user"):
                if not isinstance(message.get(name), str) or not message[name]:
                    raise BadMessage(f"missing {name}")
            return NicknamePrompt(message["community"], message["user"])
        if message["kind"] != COMMAND:
            raise BadMessage(f"unknown kind {str(message['kind'])[:40]!r}")
        return queued_command(message)
    for name in ("community", "job", "period", "scheduled_at"):
        if not isinstance(message.get(name), str) or not message[name]:
            raise BadMessage(f"missing {name}")
    return message


def _shard(message: dict[str, Any]) -> Shard:
    partition, after = message.get("partition"), message.get("after")
    if not isinstance(partition, str) or not is_partition(partition):
        raise BadMessage("missing or unknown partition")
    tick = _instant(message.get("tick"))
    if tick is None:
        raise BadMessage("missing tick")
    since = _instant(message.get("since"))
    if since is None and message.get("since") is not None:
        raise BadMessage("since is not a time")
    if after is not None and not isinstance(after, str):
        raise BadMessage("after is not a string")
    until = _instant(message.get("until"))
    if until is None and message.get("until") is not None:
        raise BadMessage("until is not a time")
    return Shard(partition, tick, since, after, until)


def _instant(text: Any) -> datetime | None:
    """An ISO time with its zone, or None."""
    try:
        at = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None
    return at if at is not None and at.tzinfo is not None else None


# What became of one record: done (deleted by SQS), failed (SQS retries it after its
# visibility timeout), or again (queued again at once as a new message).
DONE, FAILED, AGAIN = "done", "failed", "again"


def send_claimed_prompt(runtime: Any, prompt: NicknamePrompt) -> str:
    """A nickname prompt by direct message: DONE once sent or refused (a refused DM is not
    retried: the claim was today's one), FAILED when something broke before (retried)."""
    from chalicelib.features.ritual import send_nickname_prompt

    try:
        community = runtime.store.get_community(prompt.community_id)
        adapter = runtime.adapter(community.platform)
        send_nickname_prompt(runtime.store, prompt.community_id, prompt.user_id, adapter)
    except Exception:
        log.exception("nickname prompt failed", extra={"community": prompt.community_id})
        return FAILED
    return DONE


def handle_records(
    runtime: Any,
    records: Iterable[tuple[str, str]],
    now: datetime,
    *,
    time_left: Callable[[], float] | None = None,
) -> dict[str, list[dict[str, str]]]:
    """``records`` are (message id, body) pairs. Returns SQS's partial batch response.

    ``time_left`` (seconds left in this invocation): a run that pauses for lack of time
    (RunStatus.PAUSED), and every record after the first not started once time is short,
    goes back on the queue as a new message, so the next invocation goes on at once, with
    a fresh receive count (a long run is progress, not a failure for the dead-letter
    queue). Should the queue refuse them, they are reported as failures and SQS redelivers
    them instead.
    """
    failures: list[dict[str, str]] = []
    again: list[tuple[str, str]] = []  # (message id, body) to queue again
    # What to keep back: TIME_RESERVE, or a quarter of a short function's whole time.
    reserve = min(TIME_RESERVE, time_left() / 4) if time_left is not None else TIME_RESERVE
    records = list(records)
    shards = [(i, body) for i, body in records if _is_shard(body)]
    if len(shards) > 1:
        # The tick's shard messages often arrive in one batch: read side by side (each is
        # SQS round trips), so a batch of shards takes as long as its largest, not the sum.
        with ThreadPoolExecutor(max_workers=len(shards)) as pool:
            outcomes = list(
                pool.map(lambda r: _handle(runtime, r[0], r[1], now, time_left, reserve), shards)
            )
        failures += [
            {"itemIdentifier": i} for (i, _), o in zip(shards, outcomes, strict=True) if o == FAILED
        ]
        records = [r for r in records if r not in shards]
    started = False
    for message_id, body in records:
        if time_left is not None and started and time_left() < reserve:
            outcome = AGAIN
        else:
            started = True
            outcome = _handle(runtime, message_id, body, now, time_left, reserve)
        if outcome == FAILED:
            failures.append({"itemIdentifier": message_id})
        elif outcome == AGAIN:
            again.append((message_id, body))
    if again:
        try:
            runtime.queue.send_batch(json.loads(body) for _, body in again)
        except Exception:
            log.exception("could not queue again; SQS will redeliver", extra={"count": len(again)})
            failures.extend({"itemIdentifier": message_id} for message_id, _ in again)
        else:
            metric("MessagesQueuedAgain", len(again))
    return {"batchItemFailures": failures}


def _is_shard(body: str) -> bool:
    try:
        message = json.loads(body)
    except (TypeError, ValueError):
        return False
    return isinstance(message, dict) and message.get("kind") == DISPATCH


def _handle(
    runtime: Any,
    message_id: str,
    body: str,
    now: datetime,
    time_left: Callable[[], float] | None,
    reserve: float,
) -> str:
    """One record: a job run or a deferred command; DONE, FAILED or AGAIN."""
    try:
        message = parse_message(body)
    except BadMessage as error:
        reason = str(error)
        log.error("bad queue message dropped", extra={"message_id": message_id, "reason": reason})
        return DONE
    if isinstance(message, Reschedule):
        try:
            reschedule_community(runtime.store, message.community_id, now)
        except Exception:
            log.exception("reschedule failed", extra={"community": message.community_id})
            return FAILED
        return DONE
    if isinstance(message, NicknamePrompt):
        return send_claimed_prompt(runtime, message)
    if isinstance(message, Shard):
        return _dispatch_shard_message(runtime, message, time_left)
    if isinstance(message, QueuedCommand):
        return _run_command_message(runtime, message_id, message, now, time_left)
    context = {"message_id": message_id, "community": message["community"], "job": message["job"]}
    try:
        result = run_queued_job(runtime, message, now, time_left=time_left, reserve=reserve)
    except Exception:
        log.exception("run failed", extra=context)
        return FAILED
    if result is not None and result.status in (RunStatus.FAILED, RunStatus.BUSY):
        # Busy: another worker's lease is live (a duplicate delivery at the same time, or a
        # crashed worker's): SQS retries after its visibility timeout, longer than the
        # lease, and the retry finds the run finished or takes it over.
        return FAILED
    if result is not None and result.status == RunStatus.PAUSED:
        return AGAIN
    return DONE


def _dispatch_shard_message(
    runtime: Any, message: Shard, time_left: Callable[[], float] | None
) -> str:
    """A shard of the tick's dispatch: its due runs queued (DONE), or FAILED to be retried."""
    try:
        dispatch_shard(
            runtime.store.table,
            runtime.queue,
            message.partition,
            message.tick,
            until=message.until,
            since=message.since,
            after=message.after,
            time_left=time_left,
            clock=runtime.clock.now,
        )
    except Exception:
        log.exception("shard dispatch failed", extra={"partition": message.partition})
        return FAILED
    return DONE


def _run_command_message(
    runtime: Any,
    message_id: str,
    message: QueuedCommand,
    now: datetime,
    time_left: Callable[[], float] | None,
) -> str:
    """A deferred command: answered (DONE), paused for lack of time (AGAIN), or FAILED
    (busy elsewhere, or an error) to be retried."""
    context = {"message_id": message_id, "platform": message.platform}
    try:
        answered = run_queued_command(runtime, message, now, time_left=time_left)
    except CommandPaused:
        return AGAIN
    except Exception:
        log.exception("deferred command failed", extra={**context, "command": message.command.name})
        return FAILED
    return FAILED if answered.status == "busy" else DONE
