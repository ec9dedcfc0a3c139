"""Builders shared by tests: communities, members, signed console webhooks."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from chalicelib.clock import FixedClock
from chalicelib.config import Settings
from chalicelib.domain.models import Community, Member
from chalicelib.platforms.console import SentMessage, sign
from chalicelib.runtime import Runtime
from chalicelib.store.repository import Store

SECRET = "console-test-secret"


def community(**overrides: Any) -> Community:
    fields: dict[str, Any] = {
        "id": "c1",
        "name": "Study Group",
        "platform": "console",
        "chat_id": "chat-1",
        "timezone": "Asia/Shanghai",
        "locale": "en",
    }
    fields.update(overrides)
    return Community(**fields)


def member(user_id: str, **overrides: Any) -> Member:
    fields: dict[str, Any] = {
        "community_id": "c1",
        "user_id": user_id,
        "name": user_id.title(),
        "joined_at": date(2026, 1, 1),
    }
    fields.update(overrides)
    return Member(**fields)


def runtime(store: Store, at: datetime) -> tuple[Runtime, list[SentMessage]]:
    """A Runtime on ``store`` with the console platform enabled and its output collected."""
    sent: list[SentMessage] = []
    rt = Runtime(settings=Settings(console_secret=SECRET), store=store, clock=FixedClock(at))
    rt.console_sink = sent.append
    return rt, sent


def console_body(
    text: str = "",
    *,
    user: str = "u1",
    name: str | None = None,
    chat: str = "chat-1",
    kind: str = "message",
    message_id: str | None = None,
) -> bytes:
    body: dict[str, Any] = {
        "type": kind,
        "chat_id": chat,
        "user": {"id": user, "name": name or user.title()},
        "text": text,
    }
    if message_id:
        body["message_id"] = message_id
    return json.dumps(body, ensure_ascii=False).encode()


def signed_headers(body: bytes, at: datetime, secret: str = SECRET) -> dict[str, str]:
    stamp = str(int(at.timestamp()))
    return {
        "Content-Type": "application/json",
        "X-Rollcall-Timestamp": stamp,
        "X-Rollcall-Signature": sign(secret, stamp, body),
    }
