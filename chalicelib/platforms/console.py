"""The console platform: rollcall's own chat, for the local runtime, the demo and tests.

Inbound it is a real webhook like the others: a JSON body signed with HMAC-SHA256 under
``ROLLCALL_CONSOLE_SECRET`` (header ``X-Rollcall-Signature: sha256=<hex>`` and a timestamp
header inside a 5-minute window), so the local runtime exercises the same verify → parse →
handle path as production. Outbound it hands each message part to a sink: the local
runtime prints them, tests collect them.

It also does what only some real platforms can, so the demo and ``rollcall serve`` show
every path a job may take: direct messages (``direct_messages`` is True) reach the sink as
``[DM → user_id] text``, and ``remove_member`` records ``[removed from the chat: user_id]``
and succeeds. Each record says what it is (``SentMessage.kind``) and whom it concerns
(``SentMessage.user_id``), so a sink can also tell them apart without reading the text.
Members are shown by id, as ``rollcall job run --dry-run`` shows them: looking names up
would cost a read per message, and the jobs' request counts are pinned on this adapter.

Body: ``{"type": "message"|"member_joined"|"member_left", "chat_id": "...",
"user": {"id": "...", "name": "...", "username": "..."}, "text": "...", "message_id": "..."}``

Only the local stage (``ROLLCALL_STAGE`` unset or ``local``) has it: see ``build``.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from chalicelib.platforms.base import (
    BadPayload,
    ChatAddress,
    Delivery,
    HttpRequest,
    HttpResponse,
    InboundEvent,
    Message,
    Parsed,
    Sender,
    Unauthorized,
    identifier,
    json_object,
    same_secret,
    skew_seconds,
    split_parts,
)

log = logging.getLogger("rollcall.platforms.console")

SIGNATURE_HEADER = "x-rollcall-signature"
TIMESTAMP_HEADER = "x-rollcall-timestamp"
# Same window as Slack's: old enough deliveries are replays, not retries.
MAX_SKEW_SECONDS = 300
MESSAGE_LIMIT = 4000


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}:".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


SentKind = Literal["message", "direct", "removal"]


@dataclass(frozen=True)
class SentMessage:
    chat_id: str
    text: str
    message_id: str
    # "message" into the group; "direct" privately to ``user_id``; "removal" of ``user_id``.
    kind: SentKind = "message"
    user_id: str | None = None


Sink = Callable[[SentMessage], None]


def print_sink(sent: SentMessage) -> None:
    print(sent.text, flush=True)


def build(settings: Any, runtime: Any) -> ConsoleAdapter | None:
    """The console platform exists only on the local stage, and there only where a secret
    was set. A deployed stage never has it, whatever its environment says: a console
    community's members are whoever holds one shared secret, and the console's own
    abilities (direct messages and removals that always succeed) are for trying rollcall
    out, not for a real group. ``/webhooks/console`` is then 404 like an unknown platform."""
    if not settings.console_secret:
        return None
    if settings.stage != "local":
        log.warning(
            "ROLLCALL_CONSOLE_SECRET is ignored: the console platform exists on the local "
            "stage only",
            extra={"platform": "console", "stage": settings.stage},
        )
        return None
    return ConsoleAdapter(settings.console_secret, runtime.console_sink or print_sink)


class ConsoleAdapter:
    name = "console"
    # The console can always "message" a member privately: it is all local.
    direct_messages = True

    def __init__(self, secret: str, sink: Sink = print_sink, *, limit: int = MESSAGE_LIMIT) -> None:
        self._secret = secret
        self._limit = limit
        self._sink = sink
        self._ids = itertools.count(1)

    # -- inbound
    def verify(self, request: HttpRequest, now: datetime) -> None:
        timestamp = request.header(TIMESTAMP_HEADER)
        signature = request.header(SIGNATURE_HEADER)
        if not self._secret or not timestamp or not signature:
            raise Unauthorized("missing signature")
        if skew_seconds(now, timestamp) > MAX_SKEW_SECONDS:
            raise Unauthorized("stale timestamp")
        if not same_secret(sign(self._secret, timestamp, request.body), signature):
            raise Unauthorized("bad signature")

    def parse(self, request: HttpRequest) -> Parsed:
        body = json_object(request.body)
        kind = body.get("type", "message")
        if kind not in ("message", "member_joined", "member_left"):
            raise BadPayload(f"unknown type {kind!r}")
        chat_id, user = identifier(body.get("chat_id")), body.get("user")
        if chat_id is None:
            raise BadPayload("chat_id is required")
        user_id = identifier(user.get("id")) if isinstance(user, dict) else None
        if user_id is None:
            raise BadPayload("user.id is required")
        text = body.get("text", "")
        if not isinstance(text, str):
            raise BadPayload("text must be a string")
        assert isinstance(user, dict)  # user_id was read from it
        name = user.get("name")
        username = user.get("username")
        event = InboundEvent(
            kind=kind,
            platform=self.name,
            chat_id=chat_id,
            sender=Sender(
                user_id=user_id,
                name=str(name) if name else user_id,
                username=str(username) if username else None,
            ),
            text=text,
            event_id=str(body["message_id"]) if body.get("message_id") else None,
        )
        return Parsed(events=[event])

    def respond(self, event: InboundEvent | None, replies: Sequence[Message]) -> HttpResponse:
        if event is not None:
            chat = ChatAddress(self.name, event.chat_id)
            for reply in replies:
                self.send(chat, reply)
        return HttpResponse(200, {"ok": True, "replies": [self.render(r) for r in replies]})

    def reply_later(
        self,
        event: InboundEvent,
        message: Message,
        *,
        community_chat: ChatAddress | None,
        asked_at: datetime,
        now: datetime,
    ) -> list[str]:
        """A later answer is a message into the chat it was asked in, like any other: the
        sink sees it (a sink that raises DeliveryError makes it undelivered)."""
        return self.send(ChatAddress(self.name, event.chat_id), message).sent

    # -- outbound
    def render(self, message: Message) -> list[str]:
        tokens = [f"@{m.username or m.name}" for m in message.mentions]
        return split_parts(message.text, tokens, message.tail, self._limit)

    def deliver(self, chat: ChatAddress, part: str) -> str:
        message_id = f"console-{next(self._ids)}"
        self._sink(SentMessage(chat_id=chat.chat_id, text=part, message_id=message_id))
        return message_id

    def send(self, chat: ChatAddress, message: Message) -> Delivery:
        return Delivery(sent=[self.deliver(chat, part) for part in self.render(message)])

    def deliver_direct(self, chat: ChatAddress, user_id: str, part: str) -> str:
        """A part sent privately to a member: the sink sees it marked as a DM, so a log of
        the chat reads who got it and that the group did not."""
        message_id = f"console-dm-{next(self._ids)}"
        text = f"[DM → {user_id}] {part}"
        self._sink(SentMessage(chat.chat_id, text, message_id, "direct", user_id))
        return message_id

    def remove_member(self, chat: ChatAddress, user_id: str) -> bool:
        """The console's members are only the roster: removing one is recording it, so the
        demo shows a confirmed removal through to the platform step."""
        text = f"[removed from the chat: {user_id}]"
        self._sink(
            SentMessage(chat.chat_id, text, f"console-{next(self._ids)}", "removal", user_id)
        )
        return True
