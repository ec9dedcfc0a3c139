"""A webhook delivery, from raw request to HTTP answer, independent of Chalice.

verify (401) → parse (400 / handshake) → for each event: de-duplicate by the platform's
delivery id, find the community by chat, note the member, dispatch the command → the
adapter's answer. Bad input never becomes a 500: only a bug does, and then without a trace.

De-duplication costs a conditional write (``claim_event``) only where a redelivery would
otherwise do something twice: a command's reply and effects, a welcome. Chatter and a
member leaving are idempotent by themselves (noting activity writes the same values), and a
check-in de-duplicates itself: its own conditional put records the delivery id, and the
member item it updates keeps it too (chat/checkins.py). That is the hot path: a warm
check-in costs one read and two writes (member GetItem, check-in PutItem, member
UpdateItem), where claiming first made it five requests.

A command too slow for the platform's deadline (chat/router.py DEFERRED: ``/remind``,
``/confirm-removals``) is claimed, resolved and prechecked here like any other, so a member
who may not use it is refused at once; then it becomes one message on the job queue, and the
answer is "working on it" in the community's language (Discord: a deferred response, type
5, "thinking…"). The queue worker runs it and posts the result (chat/worker.py).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.chat.context import CommandContext
from chalicelib.chat.router import DEFERRED, SELF_DEDUPLICATING, dispatch, precheck
from chalicelib.domain.commands import parse_command
from chalicelib.domain.messages import t
from chalicelib.platforms.base import (
    BadPayload,
    HttpRequest,
    HttpResponse,
    InboundEvent,
    Message,
    RespondDeferred,
    Unauthorized,
)
from chalicelib.runtime import Runtime

log = logging.getLogger("rollcall.inbound")

# A chat message is small; anything past 1 MB is not a platform talking to us.
MAX_BODY_BYTES = 1024 * 1024


def handle_webhook(
    runtime: Runtime, platform: str, request: HttpRequest, now: datetime
) -> HttpResponse:
    adapter = runtime.adapter(platform)
    if adapter is None:
        return HttpResponse(404, {"error": f"unknown or unconfigured platform {platform!r}"})
    if len(request.body) > MAX_BODY_BYTES:
        return HttpResponse(413, {"error": "body too large"})
    try:
        adapter.verify(request, now)
    except Unauthorized as error:
        log.info("webhook rejected", extra={"platform": platform, "reason": str(error)})
        return HttpResponse(401, {"error": "invalid signature"})
    try:
        parsed = adapter.parse(request)
    except BadPayload as error:
        return HttpResponse(400, {"error": str(error)})
    if parsed.handshake is not None:
        return parsed.handshake
    last_event: InboundEvent | None = None
    replies: list[Message] = []
    deferred = False
    for event in parsed.events:
        last_event = event
        handled = _handle_event(runtime, event, now)
        replies.extend(handled.replies)
        deferred = deferred or handled.deferred
    # A platform that answers a queued command its own way (Discord: "thinking…" now, the
    # result as the interaction's follow-up) says so; the others acknowledge in words.
    if deferred and isinstance(adapter, RespondDeferred):
        return adapter.respond_deferred(last_event, replies)
    return adapter.respond(last_event, replies)


@dataclass(frozen=True)
class _Handled:
    replies: list[Message] = field(default_factory=list)
    # True when the command went to the queue: the replies are only its acknowledgement.
    deferred: bool = False


def handle_event(runtime: Runtime, event: InboundEvent, now: datetime) -> Sequence[Message]:
    """The replies to one event (for a deferred command: its acknowledgement)."""
    return _handle_event(runtime, event, now).replies


def _handle_event(runtime: Runtime, event: InboundEvent, now: datetime) -> _Handled:
    store = runtime.store
    if event.kind == "chat_migrated":
        return _Handled(_follow_migration(runtime, event))
    command = parse_command(event.text) if event.kind == "message" else None
    # A leave is claimed as a join is: retried after the member came back, it would end
    # their new membership.
    claims = event.kind in ("member_joined", "member_left") or (
        command is not None and command.name not in SELF_DEDUPLICATING
    )
    if claims and not _claim(runtime, event, now):
        return _Handled()
    sender = event.sender
    if event.kind == "member_left":
        left_from = store.find_community_by_chat(event.platform, event.chat_id)
        if left_from is not None:
            store.mark_member_left(left_from.id, sender.user_id)
        return _Handled()
    community, item, early = _community_and_member(store, event, command, now)
    if community is None:
        return _in_unbound_chat(runtime, event, command, claims, now)
    today = community.calendar.local_date(now)
    # Any message, command or chatter, counts as activity where the platform forwards it.
    # The platform's word on the sender's permissions (Discord's, in each interaction)
    # refreshes their role, from a claimed event only: a replay is dropped before this.
    seen = store.see_member(
        community.id,
        sender.user_id,
        sender.name,
        username=sender.username,
        today=today,
        item=item,
        platform_admin=sender.platform_admin if claims else None,
    )
    if command is not None and command.name in SELF_DEDUPLICATING:
        # The handler folds the activity write into its own update of the member item.
        ctx = CommandContext(
            store,
            community,
            seen.member,
            command,
            event,
            now,
            activity=seen.activity,
            checkin_delivery=seen.checkin_delivery,
            runtime=runtime,
            early_checkin=early,
        )
        return _Handled(list(dispatch(ctx)))
    return _from_seen_member(runtime, community, seen, item, event, command, now)


def _community_and_member(
    store: Any, event: InboundEvent, command: Any, now: datetime
) -> tuple[Any, dict[str, Any] | None, Any]:
    """The chat's community (None: bound to none) and the sender's member item; for a
    check-in in a community already cached, also its early put (chat/checkins.py)."""
    if command is not None and command.name == "checkin":
        # Warm: the check-in's put goes out with the member read (chat/checkins.py).
        community = store.cached_community(event.platform, event.chat_id)
        if community is not None:
            from chalicelib.chat.checkins import read_member_and_put_checkin

            item, early = read_member_and_put_checkin(store, community, event, command, now)
            return community, item, early
    community, item = store.find_community_and_member(
        event.platform, event.chat_id, event.sender.user_id
    )
    return community, item, None


def _in_unbound_chat(
    runtime: Runtime,
    event: InboundEvent,
    command: Any,
    claims: bool,
    now: datetime,
) -> _Handled:
    """An event from a chat bound to no community: a command gets the "how to bind" answer
    (or, for ``setup``, sets the group up); chatter gets silence."""
    if command is None:
        return _Handled()
    # Only an explicit command earns the "how to bind" answer; chatter gets silence, and
    # a redelivered command gets it once (a check-in is claimed here, on this rare path).
    if not claims and not _claim(runtime, event, now):
        return _Handled()
    if command.name == "setup":  # an organiser setting the group up (chat/setup.py)
        from chalicelib.chat.setup import setup_unbound

        store = runtime.store
        answer = setup_unbound(store, event, command, now)
        if answer.community is None or answer.owner is None:
            return _Handled(answer.replies)
        ctx = CommandContext(
            store, answer.community, answer.owner, command, event, now, runtime=runtime
        )
        return _enqueue_command(runtime, ctx)
    where = {"platform": event.platform, "chat_id": event.chat_id}
    return _Handled(
        [Message(t("zh-CN", "not_bound", **where)), Message(t("en", "not_bound", **where))]
    )


def _from_seen_member(
    runtime: Runtime,
    community: Any,
    seen: Any,
    item: Any,
    event: InboundEvent,
    command: Any,
    now: datetime,
) -> _Handled:
    """A bound chat's event once its sender was seen (and not a self-deduplicating
    command): the activity written, a platform role change audited, the joining or
    renaming ritual, then the command."""
    member = seen.member
    if seen.activity is not None:
        member = runtime.store.write_activity(community.id, event.sender.user_id, seen.activity)
    if seen.role_was is not None:
        _audit_platform_role(runtime, community, member, seen.role_was, now)
    ritual_replies: list[Message] = []
    introducing = _introducing(member, event, command)  # once per message
    if (
        event.kind == "member_joined"
        or (community.nickname_pattern and _renamed(item, member))
        or introducing
    ):
        ritual_replies = _ritual(runtime, community, member, event, introducing, now)
    if command is None:
        return _Handled(ritual_replies)
    handled = _run_command(runtime, community, member, command, event, now)
    if not ritual_replies:
        return handled
    return _Handled(ritual_replies + handled.replies, handled.deferred)


def _run_command(
    runtime: Runtime,
    community: Any,
    member: Any,
    command: Any,
    event: InboundEvent,
    now: datetime,
) -> _Handled:
    from chalicelib.chat import confirm  # not on a check-in's path (it never runs here)

    store = runtime.store
    ctx = CommandContext(store, community, member, command, event, now, runtime=runtime)
    if command.name == "confirm":
        released = confirm.release(ctx)
        if not isinstance(released, CommandContext):
            return _Handled(released)
        ctx = released  # the held command runs now, as if just sent
    elif confirm.guarded(ctx):
        return _Handled(confirm.hold(ctx))
    if ctx.command.name in DEFERRED:
        return _defer(runtime, ctx)
    return _Handled(list(dispatch(ctx)))


def _renamed(item: dict[str, Any] | None, member: Any) -> bool:
    """A display name the platform reports for the first time: a new member, or a rename
    (the nickname format is checked then: features/ritual.py)."""
    return item is None or item.get("name") != member.name


def _introducing(member: Any, event: InboundEvent, command: Any) -> bool:
    """A welcomed newcomer's ordinary message long enough to introduce them (no request)."""
    if command is not None or event.kind != "message" or member.welcomed_at is None:
        return False
    from chalicelib.domain.ritual import INTRO_MIN_CHARS

    return member.introduced_at is None and len(event.text.strip()) >= INTRO_MIN_CHARS


def _ritual(
    runtime: Runtime,
    community: Any,
    member: Any,
    event: InboundEvent,
    introducing: bool,
    now: datetime,
) -> list[Message]:
    """The joining ritual's part of an event (features/ritual.py): a join's welcome, claimed
    once per membership (two signals of one join, Telegram's service message and its
    chat_member update, or the sync seeing the newcomer first: one welcome); a nickname off
    the community's format, prompted by direct message at most once a day; an introduction
    (``introducing``, as _introducing found it for this message). A rename or a first
    message that is a command goes on to the command afterwards."""
    from chalicelib.features import ritual

    store = runtime.store
    replies: list[Message] = []
    if event.kind == "member_joined":
        owner = f"join:{event.platform}#{event.event_id or uuid.uuid4().hex}"
        replies.extend(ritual.welcome_joiner(store, community, member, owner, now))
    today = community.calendar.local_date(now)
    if ritual.nickname_needs_prompt(community, member, today) and ritual.claim_nickname_prompt(
        store, community, member, today, runtime.adapter(event.platform)
    ):
        from chalicelib.queue import nickname_prompt_message

        runtime.queue.send_batch([nickname_prompt_message(community.id, member.user_id)])
    if introducing and ritual.introduce(store, community, member, now):
        replies.append(Message(t(community.locale, "intro_done", name=member.display())))
    return replies


def _follow_migration(runtime: Runtime, event: InboundEvent) -> list[Message]:
    """A chat with a new id keeps its community: the binding moves by itself, and the new
    chat is told once, in both languages (the move is news to everyone in it)."""
    store = runtime.store
    old = event.moved_from
    community = store.find_community_by_chat(event.platform, old) if old else None
    if community is None or old is None:
        return []
    moved = store.follow_chat_migration(community, event.platform, old, event.chat_id)
    if moved is None:
        return []
    log.info("chat migrated", extra={"platform": event.platform, "community": moved.id})
    return [Message(t("zh-CN", "chat_migrated")), Message(t("en", "chat_migrated"))]


def _defer(runtime: Runtime, ctx: CommandContext) -> _Handled:
    """Refuse at once what the precheck refuses; queue the rest for the worker (one
    SendMessageBatch) and acknowledge it.

    The delivery id is already claimed, so a platform retry of this event would be dropped:
    when the queue refuses the message, the admin is told to ask again rather than left
    waiting for a result that will never come.
    """
    refused = precheck(ctx.command.name)(ctx)
    if refused:
        return _Handled(list(refused))
    return _enqueue_command(runtime, ctx)


def _enqueue_command(runtime: Runtime, ctx: CommandContext) -> _Handled:
    """Queue a command the precheck let through (or a /setup that created its community)."""
    from chalicelib.queue import command_message

    event = ctx.event
    # What de-duplicates the reply when SQS delivers the message twice: the platform's
    # delivery id, or (an event without one) an id of this request's own.
    command_id = event.event_id or f"queued-{uuid.uuid4().hex}"
    context = {"platform": event.platform, "community": ctx.community.id}
    try:
        runtime.queue.send_batch([command_message(event, ctx.now, command_id)])
    except Exception:  # SQS down or refusing: say so rather than 500 into a claimed retry
        log.exception("deferred command not queued", extra=context)
        return _Handled([ctx.say("deferred_not_started")])
    log.info("command deferred", extra={**context, "command": ctx.command.name})
    return _Handled([ctx.say("deferred_working")], deferred=True)


def _audit_platform_role(
    runtime: Runtime, community: Any, member: Any, was: tuple[Any, str | None], now: datetime
) -> None:
    """The audit item of a role the platform's permissions just changed (rare: one PutItem
    when the role changes, none otherwise)."""
    from chalicelib.domain.roles import PLATFORM_SOURCE, RoleChange
    from chalicelib.store.retention import retention_of
    from chalicelib.store.roles import record_role_change

    change = RoleChange(
        member.user_id,
        member.display(),
        was[0],
        member.role,
        PLATFORM_SOURCE,
        PLATFORM_SOURCE,
        now,
        old_source=was[1],
    )
    record_role_change(runtime.store.table, community.id, change, retention_of(community))
    log.info("role from platform", extra={"community": community.id, "role": member.role.value})


def _claim(runtime: Runtime, event: InboundEvent, now: datetime) -> bool:
    """False for a redelivery of an event already handled (one conditional PutItem; an
    event without a delivery id cannot be told apart and is always handled)."""
    if event.event_id and not runtime.store.claim_event(event.platform, event.event_id, now):
        log.info("duplicate delivery", extra={"platform": event.platform})
        return False
    return True
