"""Deferred chat commands in the queue worker: run once, answered once per delivery id.

A deferred chat command (chat/router.py DEFERRED, queued by inbound.py) is run by the same
handler the webhook would have called, in worker mode (``CommandContext.in_worker``: no
inline cap on slow work), as of the time it was asked; its result is posted where it was
asked, the way the platform answers that event (the adapter's ``reply_later``: a Slack
slash command's response_url, a Discord follow-up, a reply in the member's Telegram topic,
a DingTalk sessionWebhook...), or into the chat with ``send`` for an adapter without one.
The worker keeps no platform's addressing rules. Its effects are idempotent by
themselves (``/remind`` goes through the job runner's claim, a removal is a conditional
write per member), and its reply is claimed per delivery id (store/deferred.py), so a
message SQS delivers twice answers once.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.chat.context import CommandContext
from chalicelib.chat.router import DEFERRED, dispatch
from chalicelib.domain.commands import Command, parse_command
from chalicelib.domain.models import Community, Member
from chalicelib.logs import metric
from chalicelib.platforms.base import (
    ChatAddress,
    DeliveryError,
    InboundEvent,
    Mention,
    Message,
    ReplyLater,
)
from chalicelib.queue import event_of
from chalicelib.store import deferred
from chalicelib.store.records import from_fields

log = logging.getLogger("rollcall.worker")

# A worker holds a command's reply this long (the worker Lambda times out after 60 s).
REPLY_LEASE = timedelta(minutes=5)


class BadMessage(ValueError):
    """A queue message that can never succeed: dropped with an error log, not retried."""


@dataclass(frozen=True)
class QueuedCommand:
    """A deferred chat command as the webhook queued it (queue.command_message)."""

    platform: str
    command_id: str
    requested_at: datetime
    event: InboundEvent
    command: Command


@dataclass(frozen=True)
class CommandResult:
    # "sent": the replies are delivered; "duplicate": another delivery of the message
    # answered it; "busy": another worker holds it now (retried later); "taken-over": this
    # worker lost its lease meanwhile.
    status: str
    replies: int = 0


def queued_command(message: dict[str, Any]) -> QueuedCommand:
    """A deferred command's queue message, checked; BadMessage saying what is wrong."""
    command_id, requested = message.get("command_id"), message.get("requested_at")
    if not isinstance(command_id, str) or not command_id:
        raise BadMessage("missing command_id")
    try:
        requested_at = datetime.fromisoformat(requested) if isinstance(requested, str) else None
    except ValueError:
        requested_at = None
    if requested_at is None or requested_at.tzinfo is None:
        raise BadMessage("requested_at is not an ISO-8601 time with its offset")
    try:
        event = event_of(message)
    except ValueError as error:
        raise BadMessage(str(error)) from None
    command = parse_command(event.text)
    if command is None or command.name not in DEFERRED:
        raise BadMessage("not a deferred command")
    if event.platform == "discord":
        context = event.reply_context
        for name in ("application_id", "interaction_token"):
            if not isinstance(context.get(name), str) or not context[name]:
                raise BadMessage(f"missing reply_context.{name}")
    return QueuedCommand(event.platform, command_id, requested_at, event, command)


def run_queued_command(
    runtime: Any,
    queued: QueuedCommand,
    now: datetime,
    *,
    time_left: Callable[[], float] | None = None,
) -> CommandResult:
    """Run a deferred command and post its replies, once per command id.

    Raises when a reply could not be delivered (DeliveryError) or the command failed, after
    releasing the reply's claim: SQS then retries the message, which delivers the replies
    the first attempt kept, from the first one not yet delivered.
    """
    table = runtime.store.table
    platform, command_id = queued.platform, queued.command_id
    owner = uuid.uuid4().hex
    context = {"platform": platform, "command": queued.command.name}
    claim = deferred.claim_reply_outcome(
        table, platform, command_id, now, owner=owner, lease=REPLY_LEASE
    )
    claimed = claim.item if claim.owned else None
    if claimed is None:
        if (claim.item or {}).get("status") != deferred.DONE:
            # Another worker's lease is live (the same message handed to two workers):
            # not done yet, so SQS must keep the message and retry, or a crash of that
            # worker would leave the command unanswered for good.
            log.info("deferred command in another worker's hands", extra=context)
            return CommandResult("busy")
        log.info("deferred command already answered", extra=context)
        return CommandResult("duplicate")
    try:
        return _answer(runtime, queued, now, claimed, owner, context, time_left)
    except Exception:
        try:
            deferred.release_reply(table, platform, command_id, owner)
        except Exception:  # the lease then expires by itself; the first error matters
            log.exception("reply claim not released", extra=context)
        raise


def _answer(
    runtime: Any,
    queued: QueuedCommand,
    now: datetime,
    claimed: dict[str, Any],
    owner: str,
    context: dict[str, str],
    time_left: Callable[[], float] | None = None,
) -> CommandResult:
    store, event = runtime.store, queued.event
    table, platform, command_id = store.table, queued.platform, queued.command_id
    community, item = store.find_community_and_member(platform, event.chat_id, event.sender.user_id)
    if "replies" in claimed:
        replies = _replies_from(claimed["replies"])
    else:
        replies = []
        if community is None or item is None:
            # Unbound, or the member deleted, since the webhook queued it: nothing to run.
            log.warning("deferred command's chat or member is gone", extra=context)
        else:
            member = from_fields(Member, item)
            ctx = CommandContext(
                store,
                community,
                member,
                queued.command,
                event,
                queued.requested_at,
                in_worker=True,
                time_left=time_left,
                command_id=command_id,
                runtime=runtime,
            )
            replies = list(dispatch(ctx))
        if not replies and platform == "discord":
            replies = [Message("✅")]  # an interaction left "thinking…" reads as a failure
        if not deferred.keep_replies(table, platform, command_id, owner, _replies_text(replies)):
            return CommandResult("taken-over")
    adapter = runtime.adapter(platform)
    if adapter is None and replies:
        raise DeliveryError(f"platform {platform!r} is not configured here")
    for index in range(int(claimed.get("delivered", 0)), len(replies)):
        _deliver(adapter, community, queued, replies[index], now)
        if not deferred.record_delivered(table, platform, command_id, owner, index + 1):
            return CommandResult("taken-over")
    deferred.finish_reply(table, platform, command_id, owner, now)
    metric("DeferredCommandsAnswered", dimensions={"command": queued.command.name})
    log.info("deferred command answered", extra={**context, "replies": len(replies)})
    return CommandResult("sent", len(replies))


def _deliver(
    adapter: Any,
    community: Community | None,
    queued: QueuedCommand,
    message: Message,
    now: datetime,
) -> None:
    """Post one reply where the command was asked; DeliveryError when it did not arrive."""
    event = queued.event
    group = community_chat(community, event)
    if isinstance(adapter, ReplyLater):
        adapter.reply_later(
            event, message, community_chat=group, asked_at=queued.requested_at, now=now
        )
        return
    delivery = adapter.send(group or ChatAddress(event.platform, event.chat_id), message)
    if not delivery.ok:
        raise DeliveryError("; ".join(delivery.errors) or "reply not delivered")


def community_chat(community: Community | None, event: InboundEvent) -> ChatAddress | None:
    """The chat the command came from with the community's robot, when it is the
    community's group; None for another chat (its admin chat). A group robot (Feishu,
    DingTalk, WeCom) posts into its own group only, so it must not answer elsewhere."""
    if community is None or (event.platform, event.chat_id) != (
        community.platform,
        community.chat_id,
    ):
        return None
    return ChatAddress(
        community.platform, community.chat_id, community.robot_webhook, community.robot_secret
    )


def _replies_text(replies: Sequence[Message]) -> str:
    return json.dumps(
        [
            {
                "text": m.text,
                "mentions": [[x.user_id, x.name, x.username] for x in m.mentions],
                "tail": m.tail,
            }
            for m in replies
        ],
        ensure_ascii=False,
    )


def _replies_from(text: str) -> list[Message]:
    return [
        Message(r["text"], tuple(Mention(*mention) for mention in r["mentions"]), r["tail"])
        for r in json.loads(text)
    ]
