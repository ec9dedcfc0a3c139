"""The console platform: rollcall's own chat, for the local runtime, the demo and tests.

Inbound it is a real webhook like the others: a JSON body signed with HMAC-SHA256 under
``ROLLCALL_CONSOLE_SECRET`` (header ``X-Rollcall-Signature: sha256=<hex>`` and a timestamp
header inside a 5-minute window), so the local runtime exercises the same verify → parse →
handle path as production. Outbound it hands each message part to a sink: the local
runtime prints them, tests collect them.

Body: ``{"type": "message"|"member_joined"|"member_left", "chat_id": "...",
"user": {"id": "...", "name": "...", "username": "..."}, "text": "...", "message_id": "..."}``
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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

SIGNATURE_HEADER = "x-rollcall-signature"
TIMESTAMP_HEADER = "x-rollcall-timestamp"
# Same window as Slack's: old enough deliveries are replays, not retries.
MAX_SKEW_SECONDS = 300
MESSAGE_LIMIT = 4000


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}:".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


@dataclass(frozen=True)
class SentMessage:
    chat_id: str
    text: str
    message_id: str


Sink = Callable[[SentMessage], None]


def print_sink(sent: SentMessage) -> None:
    print(sent.text, flush=True)


def build(settings: Any, runtime: Any) -> ConsoleAdapter | None:
    """The console platform exists only where a secret was set (never by default in AWS)."""
    if not settings.console_secret:
        return None
    return ConsoleAdapter(settings.console_secret, runtime.console_sink or print_sink)


class ConsoleAdapter:
    name = "console"

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
