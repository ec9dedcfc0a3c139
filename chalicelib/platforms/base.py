"""The one small interface every chat platform adapter shares.

Inbound, an adapter verifies a raw HTTP request, answers the platform's handshakes, and
parses what is left into rollcall's own ``InboundEvent`` values. Outbound, it renders a
platform-neutral ``Message`` (text plus @mentions) in the platform's own mention syntax,
split to the platform's size limit without breaking a mention, and delivers it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol


class Unauthorized(Exception):
    """Forged, missing or stale signature: answer 401 and do nothing else."""


class DeliveryError(Exception):
    """The platform did not take a message, after retries."""


class BadPayload(Exception):
    """A verified request whose body we cannot understand: answer 400 with this reason."""


@dataclass(frozen=True)
class HttpRequest:
    method: str
    headers: Mapping[str, str]  # keys lower-cased
    query: Mapping[str, str]
    body: bytes

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: str | bytes | dict[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Sender:
    user_id: str
    name: str
    username: str | None = None


EventKind = Literal["message", "member_joined", "member_left"]


@dataclass(frozen=True)
class InboundEvent:
    kind: EventKind
    platform: str
    chat_id: str
    sender: Sender
    text: str = ""
    # The platform's delivery id (Slack event_id, Telegram update_id, ...) for de-duplication.
    event_id: str | None = None
    # What the adapter needs to answer this event in place (a response_url, a sessionWebhook).
    reply_context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Parsed:
    """What a verified request turned out to be: a handshake to answer, or events."""

    events: Sequence[InboundEvent] = ()
    handshake: HttpResponse | None = None


@dataclass(frozen=True)
class Mention:
    user_id: str
    name: str
    username: str | None = None


@dataclass(frozen=True)
class Message:
    """Platform-neutral text: ``text`` first, then ``mentions`` (each rendered the platform's
    way), then ``tail``. Adapters split long mention lists across several messages."""

    text: str
    mentions: tuple[Mention, ...] = ()
    tail: str = ""


@dataclass(frozen=True)
class ChatAddress:
    """Where a group message goes: the chat, plus the per-community robot (Feishu custom
    bot, DingTalk robot, WeCom group robot) where the platform sends through one. The robot
    secret is never logged or printed in full."""

    platform: str
    chat_id: str
    robot_webhook: str | None = None
    robot_secret: str | None = None

    def __repr__(self) -> str:  # keep secrets out of logs and tracebacks
        robot = " robot=set" if self.robot_webhook else ""
        return f"ChatAddress({self.platform}:{self.chat_id}{robot})"


@dataclass
class Delivery:
    """What a send did: the platform's message ids, and how many parts failed."""

    sent: list[str] = field(default_factory=list)
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed == 0


class Adapter(Protocol):
    name: str

    def verify(self, request: HttpRequest, now: datetime) -> None:
        """Raise Unauthorized unless the request provably comes from the platform."""

    def parse(self, request: HttpRequest) -> Parsed:
        """Handshake or events; raise BadPayload with a reason."""

    def respond(self, event: InboundEvent | None, replies: Sequence[Message]) -> HttpResponse:
        """The HTTP answer to the webhook: inline replies where the platform takes them,
        otherwise an empty 200 after delivering them with ``send``."""

    def render(self, message: Message) -> list[Any]:
        """The message as the platform's parts (text or a JSON payload), each within the
        platform's size limit. Jobs record delivery part by part, so a resumed run never
        sends a delivered part again."""

    def deliver(self, chat: ChatAddress, part: Any) -> str:
        """Send one rendered part into a group chat; returns the platform's message id.
        Retries and pacing are the adapter's; raises DeliveryError when it gives up."""

    def send(self, chat: ChatAddress, message: Message) -> Delivery:
        """Render and deliver a whole message."""


def split_parts(
    head: str, tokens: Sequence[str], tail: str, limit: int, *, separator: str = " "
) -> list[str]:
    """Pack ``head``, mention ``tokens`` and ``tail`` into parts of at most ``limit`` characters.

    A token is never cut; the head opens the first part and the tail closes the last. When the
    head alone is too long it is cut at line boundaries (then hard) so nothing is refused.
    """
    if limit < 20:
        raise ValueError("limit too small to split into")
    parts: list[str] = []
    current = ""

    def flush() -> None:
        nonlocal current
        if current:
            parts.append(current)
        current = ""

    for line in _chunks(head, limit):
        flush()
        current = line
    for token in tokens:
        token = token[:limit]
        joiner = separator if current and not current.endswith("\n") else ""
        if len(current) + len(joiner) + len(token) > limit:
            flush()
            joiner = ""
        current += joiner + token
    if tail:
        joiner = "\n" if current else ""
        if len(current) + len(joiner) + len(tail) > limit:
            flush()
            for line in _chunks(tail, limit)[:-1]:
                parts.append(line)
            current = _chunks(tail, limit)[-1]
        else:
            current += joiner + tail
    flush()
    return parts or [""]


def _chunks(text: str, limit: int) -> list[str]:
    if len(text) <= limit:
        return [text] if text else []
    out: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                out.append(current)
                current = ""
            out.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            out.append(current)
            current = line
        else:
            current = candidate
    if current:
        out.append(current)
    return out
