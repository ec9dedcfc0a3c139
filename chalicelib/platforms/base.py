"""The one small interface every chat platform adapter shares.

Inbound, an adapter verifies a raw HTTP request, answers the platform's handshakes, and
parses what is left into rollcall's own ``InboundEvent`` values. Outbound, it renders a
platform-neutral ``Message`` (text plus @mentions) in the platform's own mention syntax,
split to the platform's size limit without breaking a mention, and delivers it.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, runtime_checkable

from chalicelib.config import DEFAULT_API_BASES

if TYPE_CHECKING:  # roster sync only: not on a webhook's cold start
    from chalicelib.domain.roster import ChatMembers


class Unauthorized(Exception):
    """Forged, missing or stale signature: answer 401 and do nothing else."""


class DeliveryError(Exception):
    """The platform did not take a message, after retries. ``answer`` is the platform's
    last refused answer (an ``http.Answer``) when HttpSender got one, None when the platform
    was never reached or the error is not HttpSender's: a refusal then reads apart from a
    network failure."""

    def __init__(self, message: str, *, answer: Any = None) -> None:
        super().__init__(message)
        self.answer = answer


class DirectRefused(DeliveryError):
    """The platform refused a direct message for good (the member never started the bot,
    closed DMs, is outside the app's range): the job falls back to the group. A plain
    DeliveryError from a DM (the platform down after retries) fails the run instead, so it
    is retried later rather than turned into a fallback."""


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
    # Whether the platform says, in this very event, that the sender administers the chat
    # (Discord's ``member.permissions``: ADMINISTRATOR or MANAGE_GUILD); None where the
    # event says nothing about it. A claimed command refreshes the member's role from it.
    platform_admin: bool | None = None


# "chat_migrated": the chat has a new id (a Telegram group upgraded to a supergroup):
# ``chat_id`` is the new one, ``moved_from`` the old.
EventKind = Literal["message", "member_joined", "member_left", "chat_migrated"]


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
    # The author of the message this one replies to, where the platform says (Telegram's
    # ``reply_to_message.from``): ``/review`` sent as a reply reviews that member.
    reply_to: Sender | None = None
    # The workspace or tenant the chat belongs to, where the platform says (Slack's team
    # id, Feishu's tenant key, Discord's guild id, DingTalk's corp id): an operator may let
    # a whole workspace /setup without an invite code (store/invites.py).
    workspace: str | None = None
    # The sender's or group's language, where the platform says (Telegram's
    # ``language_code``, Discord's ``locale``): a new community's default language.
    locale: str | None = None
    # A chat_migrated event's old chat id.
    moved_from: str | None = None


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
    # Which kind of group this is where a platform has several (domain/visibility.py).
    group_kind: str | None = None

    def __repr__(self) -> str:  # keep secrets out of logs and tracebacks
        robot = " robot=set" if self.robot_webhook else ""
        return f"ChatAddress({self.platform}:{self.chat_id}{robot})"


# A chat's address with its community's robot, for replies that must go through one.
ChatLookup = Callable[[str], ChatAddress | None]


def community_robot(runtime: Any, platform: str) -> ChatLookup:
    """The lookup robot platforms (Feishu, DingTalk, WeCom) reply through when the event
    brought no way of its own: the chat's community's robot, None when the chat is no
    community's or its community has no robot."""

    def find_chat(chat_id: str) -> ChatAddress | None:
        community = runtime.store.find_community_by_chat(platform, chat_id)
        if community is None or not community.robot_webhook:
            return None
        return ChatAddress(platform, chat_id, community.robot_webhook, community.robot_secret)

    return find_chat


def api_base(settings: Any, platform: str) -> str:
    """The platform's API base: the configured one (a proxy, Lark, a test server), else the
    platform's own."""
    return (settings.api_bases.get(platform) or DEFAULT_API_BASES[platform]).rstrip("/")


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


@runtime_checkable
class DirectMessages(Protocol):
    """Optional: adapters that can message one member privately (a DM). Jobs check for it
    with ``isinstance`` and fall back to the group where it is missing or refused."""

    # True when this deployment is configured to send direct messages (credentials set).
    direct_messages: bool

    def render(self, message: Message) -> list[Any]:
        """As Adapter.render: a direct message is sent part by part too."""

    def deliver_direct(self, chat: ChatAddress, user_id: str, part: Any) -> str:
        """Send one part of ``render(message)`` privately to ``user_id``, a member of
        ``chat``; returns the platform's message id. Raises DirectRefused when the platform
        refuses for good (e.g. a Telegram user who never started the bot), without retries,
        and DeliveryError when it could not be reached after retries."""


@runtime_checkable
class MemberRemoval(Protocol):
    """Optional: adapters whose platform API can remove a member from the group."""

    def remove_member(self, chat: ChatAddress, user_id: str) -> bool:
        """Remove ``user_id`` from ``chat`` so that they can be invited back later; True
        when the platform did it, False when it refused (e.g. missing permission)."""


class ListRefused(DeliveryError):
    """The platform refused to list the chat's members for a reason no retry changes (a
    missing scope or permission, the bot not in the chat). ``permission`` names exactly
    what the platform says is missing, as the operator must grant it."""

    def __init__(self, platform: str, permission: str, detail: str = "") -> None:
        message = f"{platform} refused the member list: missing {permission}"
        super().__init__(f"{message} ({detail})" if detail else message)
        self.platform = platform
        self.permission = permission


class MalformedAnswer(DeliveryError):
    """A member list whose answer cannot be read (a page without its members, an id that is
    not one): nothing is written from it."""

    def __init__(self, platform: str, what: str) -> None:
        super().__init__(f"{platform} sent a malformed member list: {what}")
        self.platform = platform


@runtime_checkable
class MemberLister(Protocol):
    """Optional: adapters whose platform can say who is in a chat (roster sync,
    features/roster.py). ``read_chat_members`` reads every page before it answers, paced
    within the platform's limits; it raises ListRefused, MalformedAnswer or DeliveryError
    and never answers with part of a list.

    ``roster`` is the present roster's user ids in the order to check them, for platforms
    without a list (Telegram), which check at most ``check_limit`` of them one by one and
    answer for those only (``ChatMembers.complete`` False)."""

    def read_chat_members(
        self, chat: ChatAddress, roster: Sequence[str], *, check_limit: int
    ) -> ChatMembers: ...


@dataclass(frozen=True)
class ChannelPost:
    """One member's message read from a channel's history: who and when, never what (the
    words need a privileged intent rollcall does not ask for)."""

    user_id: str
    name: str
    username: str | None
    at: datetime  # aware UTC


@dataclass(frozen=True)
class ChannelHistory:
    """What one read of a channel's history found: members' posts (bots, webhooks and
    system messages left out) and the id of the newest message read of any kind, the cursor
    the next read starts after (None: nothing new). ``more``: the read stopped at its page
    bound with messages still unread."""

    posts: tuple[ChannelPost, ...]
    last_id: str | None
    pages: int
    more: bool = False


class HistoryRefused(DeliveryError):
    """The platform refused to show the channel's history for a reason no retry changes:
    ``permission`` names what the operator must grant."""

    def __init__(self, platform: str, permission: str, detail: str = "") -> None:
        message = f"{platform} refused the channel's messages: missing {permission}"
        super().__init__(f"{message} ({detail})" if detail else message)
        self.platform = platform
        self.permission = permission


class MalformedHistory(DeliveryError):
    """A history page that cannot be read: nothing is written from the read."""

    def __init__(self, platform: str, what: str) -> None:
        super().__init__(f"{platform} sent a malformed message history: {what}")
        self.platform = platform


@runtime_checkable
class ChannelReader(Protocol):
    """Optional: adapters that read a channel's past messages over their API (Discord, whose
    bot receives only interactions over HTTP). ``read_channel_history`` reads at most
    ``max_pages`` pages of messages after message ``after_id`` (or, with none, sent since
    ``since``), oldest first, paced within the platform's limits. Raises HistoryRefused,
    MalformedHistory or DeliveryError, before anything is written."""

    def read_channel_history(
        self, chat: ChatAddress, after_id: str | None, *, since: datetime, max_pages: int
    ) -> ChannelHistory: ...


class AdminsUnavailable(Exception):
    """The platform would not say who its admins are (a missing permission or scope, the
    chat unknown to it): the message names the platform and what it needs. Nothing changes."""


@runtime_checkable
class ChatAdmins(Protocol):
    """Optional: adapters whose platform API lists a chat's owners and admins (Telegram
    ``getChatAdministrators``, Slack workspace admins, Feishu chat owner and managers).
    Discord needs none: every interaction carries the member's permissions."""

    def chat_admin_ids(self, chat: ChatAddress) -> frozenset[str]:
        """The user ids of the chat's owners and admins (people, not bots). Raises
        AdminsUnavailable when the platform refuses, DeliveryError when unreachable."""
        ...


@runtime_checkable
class RespondDeferred(Protocol):
    """Optional: adapters whose platform answers a command that went to the queue in a way
    of its own (Discord's deferred response), instead of ``respond`` with the
    acknowledgement."""

    def respond_deferred(
        self, event: InboundEvent | None, replies: Sequence[Message]
    ) -> HttpResponse: ...


@runtime_checkable
class ReplyLater(Protocol):
    """Optional: adapters that answer an event after the webhook has returned, the way the
    platform offers for that event (a slash command's response_url, an interaction's
    follow-up, a reply in the member's topic, a DingTalk sessionWebhook). The queue worker
    answers deferred commands with it (chat/worker.py), and falls back to
    ``send`` into the chat where an adapter lacks it. Only the adapter knows which of these
    ways still works for the event, so the worker keeps none of that logic."""

    def reply_later(
        self,
        event: InboundEvent,
        message: Message,
        *,
        community_chat: ChatAddress | None,
        asked_at: datetime,
        now: datetime,
    ) -> list[str]:
        """Deliver ``message`` (rendered and split as ``render`` does) as the answer to
        ``event``; returns the platform's message ids (a local id where it gives none).

        ``community_chat`` is the chat the event came from, with the community's robot,
        when that chat is the community's group; None for another chat (an admin chat),
        which a group robot must never post into. ``asked_at`` is when the platform sent
        the event: response URLs and interaction tokens live for a while from then.
        Raises DeliveryError when the message did not arrive; the caller retries it.
        """
        ...


# How a platform measures a message: characters (``len``) or UTF-8 bytes (WeCom). Measures
# must be additive (the measure of a concatenation is the sum of the measures), which both
# are: it lets the splitter track a part's size instead of measuring it again per token.
Measure = Callable[[str], int]
# Between two replies packed into one message.
REPLY_JOINER = "\n\n"
# The longest HTML entity our escaping produces (``&amp;``).
_ENTITY_MAX = 5


# Put inside a mention's syntax, it leaves the text looking the same but no longer a mention.
ZERO_WIDTH_SPACE = "\u200b"


def defuse(text: str, pattern: re.Pattern[str]) -> str:
    """``text`` with a zero-width space after the first character of every match of
    ``pattern``: how each adapter keeps the words of a Message (member-supplied names,
    notes, homework and review text among them) from mentioning anyone. Each adapter's
    pattern matches its platform's own mention syntax (``<at``, ``@everyone``, ``<@``...);
    the mentions a Message intends are rendered apart from its text, and are not touched."""
    return pattern.sub(lambda m: m.group(0)[0] + ZERO_WIDTH_SPACE + m.group(0)[1:], text)


def utf8_len(text: str) -> int:
    """WeCom's measure: its robots count a message's limit in UTF-8 bytes."""
    return len(text.encode("utf-8"))


# A JSON escape that may stand for half of a surrogate pair; json.loads joins whole pairs,
# so any surrogate left in its result is a lone one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def load_json(raw: bytes | str) -> Any:
    """``json.loads`` for payloads, raising ValueError for anything that is not JSON.

    RecursionError counts as not JSON: ``[[[[...`` nested a few thousand deep exhausts the
    decoder's stack, which would otherwise surface as a 500. Bytes are decoded strictly
    (``json.loads`` itself lets UTF-8-encoded surrogates through), and a lone surrogate that
    a JSON escape carries becomes U+FFFD: no reply, log line or store write then fails to
    encode a member's text.
    """
    text = raw.decode(json.detect_encoding(raw)) if isinstance(raw, bytes) else raw
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if _SURROGATE_ESCAPE.search(text):
        value = _without_lone_surrogates(value)
    return value


def _without_lone_surrogates(value: Any) -> Any:
    """Replace lone surrogates in every string (keys too), without recursion: the value may
    be nested as deep as the decoder allowed."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    stack = [value] if isinstance(value, list | dict) else []
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key in [k for k in node if _LONE_SURROGATE.search(k)]:
                node[_LONE_SURROGATE.sub("\ufffd", key)] = node.pop(key)
        for key, item in list(node.items() if isinstance(node, dict) else enumerate(node)):
            if isinstance(item, str):
                node[key] = _LONE_SURROGATE.sub("\ufffd", item)
            elif isinstance(item, list | dict):
                stack.append(item)
    return value


def json_object(body: bytes) -> dict[str, Any]:
    """A request body that must be one JSON object (see ``load_json``), or BadPayload with
    the reason."""
    try:
        value = load_json(body)
    except ValueError:  # UnicodeDecodeError is a ValueError
        raise BadPayload("body is not JSON") from None
    if not isinstance(value, dict):
        raise BadPayload("body must be a JSON object")
    return value


# No platform's user or chat id comes near this; DynamoDB refuses keys past 1-2 KB.
MAX_ID_LENGTH = 256


def identifier(value: Any) -> str | None:
    """A user or chat id from a payload as rollcall keeps it (a string), or None when it is
    not one: a non-blank string or an integer, of sane length. The store refuses a blank id
    (a 500 if it got that far), so adapters ask here first and answer 400 or ignore."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value)
    return text if text.strip() and len(text) <= MAX_ID_LENGTH else None


def same_secret(expected: str, supplied: str) -> bool:
    """Constant-time comparison of a secret or signature with what a request supplied.
    Bytes, not str: ``compare_digest`` refuses non-ASCII str, and a header is attacker input
    (even a lone surrogate, which a plain ``encode()`` refuses with an exception)."""
    return hmac.compare_digest(
        expected.encode("utf-8", "surrogatepass"), supplied.encode("utf-8", "surrogatepass")
    )


def skew_seconds(now: datetime, timestamp: str, *, unit: float = 1.0) -> float:
    """How far a signed request's timestamp header (in ``unit`` seconds) is from ``now``.

    Unauthorized unless it is a plain decimal number of sane length: ``int()`` alone takes
    ``+1_0`` and other scripts' digits, and a 400-digit number cannot become a float
    (OverflowError, which would be a 500 for any unsigned request).
    """
    if not (0 < len(timestamp) <= 20 and timestamp.isascii() and timestamp.isdigit()):
        raise Unauthorized("bad timestamp")
    return abs(now.timestamp() - int(timestamp) * unit)


def fit(text: str, limit: int, measure: Measure = len) -> str:
    """The longest prefix of ``text`` that measures at most ``limit``: a cut never splits a
    character, whatever the measure."""
    if measure(text) <= limit:
        return text
    if measure is len:
        return text[:limit]
    low, high = 0, len(text)  # measure(text[:low]) <= limit < measure(text[:high])
    while high - low > 1:
        middle = (low + high) // 2
        if measure(text[:middle]) <= limit:
            low = middle
        else:
            high = middle
    return text[:low]


def cut_long_lines(text: str, limit: int, *, measure: Measure = len, entities: bool = False) -> str:
    """Every line of ``text`` cut into lines of at most ``limit``.

    The splitter below would otherwise cut an over-long line hard; cutting first lets a
    caller choose where. With ``entities`` (HTML-escaped text: Telegram, Slack) no cut falls
    inside an entity such as ``&amp;``, so no part carries half of one.
    """
    lines: list[str] = []
    for line in text.split("\n"):
        while measure(line) > limit:
            cut = max(1, len(fit(line, limit, measure)))
            if entities:
                amp = line.rfind("&", max(0, cut - _ENTITY_MAX), cut)
                if amp > 0 and ";" not in line[amp:cut]:
                    cut = amp
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    return "\n".join(lines)


def split_parts(
    head: str,
    tokens: Sequence[str],
    tail: str,
    limit: int,
    *,
    separator: str = " ",
    measure: Measure = len,
) -> list[str]:
    """Pack ``head``, mention ``tokens`` and ``tail`` into parts that measure at most
    ``limit`` (characters by default; ``measure=utf8_len`` for a byte limit).

    A token is never cut (unless it alone exceeds the limit); the head opens the first part
    and the tail closes the last. A head or tail too long for one part is cut at line
    boundaries (then, for an over-long line, at a character boundary) so nothing is refused.
    """
    return [text for text, _ in _split(head, tokens, tail, limit, separator, measure)]


def split_mentions(
    head: str,
    mentions: Sequence[tuple[str, str]],
    tail: str,
    limit: int,
    *,
    measure: Measure = len,
) -> list[tuple[str, tuple[str, ...]]]:
    """``split_parts`` for platforms that list a message's mentions beside its text
    (DingTalk's ``atUserIds``, WeCom's ``mentioned_list``): ``mentions`` are (token, user id)
    pairs, and each part comes with the ids of the tokens it carries."""
    ids = [user_id for _, user_id in mentions]
    tokens = [token for token, _ in mentions]
    parts: list[tuple[str, tuple[str, ...]]] = []
    start = 0
    for text, count in _split(head, tokens, tail, limit, " ", measure):
        parts.append((text, tuple(ids[start : start + count])))
        start += count
    return parts


def _split(
    head: str,
    tokens: Sequence[str],
    tail: str,
    limit: int,
    separator: str,
    measure: Measure,
) -> list[tuple[str, int]]:
    """The parts, each with how many of the tokens it carries."""
    if limit < 20:
        raise ValueError("limit too small to split into")
    parts: list[tuple[str, int]] = []
    current, size, count = "", 0, 0

    def flush() -> None:
        nonlocal current, size, count
        if current or count:
            parts.append((current, count))
        current, size, count = "", 0, 0

    for line in _chunks(head, limit, measure):
        flush()
        current, size = line, measure(line)
    separator_size = measure(separator)
    for token in tokens:
        token = fit(token, limit, measure)
        token_size = measure(token)
        joiner, joiner_size = (
            (separator, separator_size) if current and not current.endswith("\n") else ("", 0)
        )
        if size + joiner_size + token_size > limit:
            flush()
            joiner, joiner_size = "", 0
        current += joiner + token
        size += joiner_size + token_size
        count += 1
    if tail:
        joiner = "\n" if current else ""
        if size + measure(joiner) + measure(tail) > limit:
            flush()
            *leading, last = _chunks(tail, limit, measure)
            parts.extend((line, 0) for line in leading)
            current = last
        else:
            current += joiner + tail
    flush()
    return parts or [("", 0)]


def _chunks(text: str, limit: int, measure: Measure) -> list[str]:
    """``text`` in pieces of at most ``limit``, cut between lines where a line fits."""
    if measure(text) <= limit:
        return [text] if text else []
    out: list[str] = []
    current = ""
    for line in cut_long_lines(text, limit, measure=measure).split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if measure(candidate) > limit:
            out.append(current)
            current = line
        else:
            current = candidate
    if current:
        out.append(current)
    return out


T = TypeVar("T")


def pack_replies(
    renders: Iterable[Sequence[T]],
    merge: Callable[[T, T], T | None],
    *,
    text: Callable[[T], str] = str,
) -> list[T]:
    """Several replies' rendered parts in as few messages as fit, in order: "unknown
    command" plus the help is one message, not two. ``merge(a, b)`` is ``a`` and ``b`` as
    one message, or None when they do not fit in one. Parts whose ``text`` is empty are
    dropped (a platform refuses an empty message)."""
    packed: list[T] = []
    for parts in renders:
        for part in parts:
            if not text(part):
                continue
            merged = merge(packed[-1], part) if packed else None
            if merged is None:
                packed.append(part)
            else:
                packed[-1] = merged
    return packed


def join_texts(limit: int, measure: Measure = len) -> Callable[[str, str], str | None]:
    """The ``merge`` for plain text parts: joined by a blank line while within ``limit``."""

    def merge(first: str, second: str) -> str | None:
        joined = first + REPLY_JOINER + second
        return joined if measure(joined) <= limit else None

    return merge


def deliver_replies(
    deliver: Callable[[Any], object],
    parts: Iterable[Any],
    *,
    log: logging.Logger,
    platform: str,
    what: str = "reply not delivered",
) -> None:
    """Send reply parts while the platform waits for our answer, in order, stopping at the
    first that fails: the rest would fail the same way, and the platform's deadline is
    running. A lost reply is logged as ``what``, never raised: the event is already claimed,
    so the platform's retry would only be a duplicate."""
    for part in parts:
        try:
            deliver(part)
        except DeliveryError as error:
            log.warning(what, extra={"platform": platform, "error": str(error)})
            break


def deliver_parts(deliver: Callable[[Any], str], parts: Sequence[Any]) -> Delivery:
    """Deliver rendered parts in order; stop at the first failure (the platform is down or
    refusing, and trying the rest would only add waits) and count what was not sent, so
    the job records exactly which parts went out."""
    delivery = Delivery()
    for index, part in enumerate(parts):
        try:
            delivery.sent.append(deliver(part))
        except DeliveryError as error:
            delivery.failed = len(parts) - index
            delivery.errors.append(str(error))
            break
    return delivery


@runtime_checkable
class MessagePins(Protocol):
    """Optional: adapters whose platform pins a message in the chat (Telegram
    ``pinChatMessage``, Slack ``pins.add``, Feishu's pin API). Announcements are pinned
    after they are posted (jobs/post_announcements.py)."""

    def pin_message(self, chat: ChatAddress, message_id: str) -> None:
        """Pin ``message_id`` (as ``deliver`` returned it) in ``chat``. Raises DeliveryError
        when the platform refuses or cannot be reached."""
        ...


class ThreadRefused(DeliveryError):
    """The platform will not put a reply in the message's thread for a reason no retry
    changes (a missing permission, a message sent through a group robot that has no id the
    API knows): the runner posts the part into the group instead and records why."""


@runtime_checkable
class ThreadReplies(Protocol):
    """Optional: adapters whose platform replies in a message's thread (Slack ``thread_ts``,
    a Discord thread started from the message, a Telegram reply, Feishu's reply in thread).
    A plan's ``InThread`` parts go this way (the digest's full list under its summary);
    elsewhere they are posted into the group after it."""

    def reply_in_thread(self, chat: ChatAddress, message_id: str, part: Any) -> str:
        """Send one rendered part as a reply in the thread of ``message_id`` (as ``deliver``
        returned it) in ``chat``; returns the reply's message id. Calling it again for the
        same message must not open a second thread (a retried run does). Raises
        ThreadRefused when the platform refuses for good, DeliveryError otherwise."""
        ...
