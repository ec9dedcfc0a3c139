"""WeCom (企业微信): encrypted callbacks in, the group robot out.

Inbound, one callback scheme serves both of WeCom's senders: a self-built app's message
callback and a group robot's callback (群机器人回调). Settings: ``ROLLCALL_WECOM_TOKEN``,
``ROLLCALL_WECOM_ENCODING_AES_KEY`` and ``ROLLCALL_WECOM_CORP_ID``.

- ``msg_signature`` (query) = hex SHA-1 of the sorted ``[token, timestamp, nonce,
  encrypted]`` joined; a timestamp more than an hour off is refused (WeCom's nonce is
  unique for two hours; its retries come within seconds).
- AES-256-CBC with key = base64decode(EncodingAESKey + "="), IV = key[:16], and PKCS#7
  padding to **32** bytes (WeCom's, not AES's 16). Plaintext = 16 random bytes + 4-byte
  big-endian length + message + receive id. The receive id must be our corp id (app
  callbacks) or empty (group robot callbacks, as WeCom documents for robots).
- GET ``msg_signature/timestamp/nonce/echostr`` is the URL check: answered with the
  decrypted echostr as plain text, before anything touches DynamoDB (WeCom allows 1 s).
  A ``+`` that arrived as a space in the query is put back before checking.
- POST ``<xml><Encrypt>...</Encrypt></xml>``: the signature covers the Encrypt value; the
  decrypted XML is either an app message (``MsgType``, ``Content``, ``FromUserName``,
  ``MsgId``) or a robot callback (``ChatId``, ``ChatType``, ``From/UserId``, ``From/Name``,
  ``Text/Content``, ``WebhookUrl``, ``MsgId``). The chat is ``ChatId`` when present (robot
  callbacks, group or single). App messages are one-to-one with the app and carry no chat:
  their chat id is the sender's userid, so a community is bound to a WeCom group through
  the group robot, not the app. A group member must @ the robot to be heard; the leading
  ``@robot`` is removed. Events (robot added to a chat, app events) are acknowledged only.
- The outer envelope is never parsed as XML: its ``Encrypt`` value is found by a bounded
  scan (at most 128 KB, no DOCTYPE or ENTITY, exactly one element) before the signature is
  checked; anything without one is 401. Only the decrypted, verified message is parsed, by
  ElementTree, and only after a DOCTYPE or ENTITY declaration (billion laughs, external
  entities), a NUL byte or a non-UTF-8 body have been refused.

respond(): an empty 200 ``""`` (WeCom retries anything slower than 5 s, three times), after
sending the replies through the group robot: the robot of the callback (its WebhookUrl's
key, sent to our configured API base) or the community's robot. ``reply_later`` (a
deferred command's result) goes the same way, the community's robot only for the
community's own group: a robot posts into its group only, so a command asked in another
chat is answered through that chat's own robot or not at all.

Outbound: the group robot, ``ChatAddress.robot_webhook`` = the full
``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...`` URL, or just the key (then
``ROLLCALL_WECOM_API_BASE`` + ``/webhook/send?key=``). ``text`` parts (the default) carry
``@Name`` tokens in the content and the ids in ``mentioned_list``, each part at most 2,048
**bytes** of UTF-8 (WeCom's limit is in bytes: 2,048 bytes are ~680 Chinese characters);
``markdown`` parts mention with ``<@userid>`` within 4,096 bytes. ``errcode`` != 0 is a
failure; 45009 and 130101 (frequency limits) are retried after 5, 10, 20 s. A robot takes
20 messages a minute: parts are paced 3 s apart.

Direct messages go through the self-built app (应用消息), so ``direct_messages`` is True
only with ``ROLLCALL_WECOM_CORP_ID``, ``ROLLCALL_WECOM_CORP_SECRET`` (the app's Secret) and
``ROLLCALL_WECOM_AGENT_ID``:

- the access token from ``GET /gettoken?corpid=&corpsecret=``, cached until five minutes
  before its ``expires_in``; errcode 42001 (expired) or 40014 (invalid) on a send drops it
  and tries once more with a fresh one;
- ``POST /message/send?access_token=`` with ``{touser, msgtype, agentid, text|markdown}``
  and WeCom's duplicate check on (the same content to the same member within 10 minutes is
  sent once), so a retry after a timeout that WeCom had in fact accepted is not delivered
  twice. The message id is ``msgid``. App messages take at most 2,048 bytes: a
  ``markdown`` part longer than that goes as several messages. WeCom answers errcode 0
  even when a member did not get it: a member listed in ``invaliduser`` (not in the app's
  visible range, or no such userid) or ``unlicenseduser``, or errcode 81013 (no valid
  recipient), is a DeliveryError raised at once, as is 60020 (our IP is not in the app's
  trusted IPs: WeCom refuses self-built apps' calls from elsewhere).

There is no ``remove_member``: WeCom's group robot cannot remove anyone from a group.

Roster sync and admins (features/roster.py, features/roles.py), by the community's group
kind (``ChatAddress.group_kind``, domain/visibility.py), through the app's API with
``ROLLCALL_WECOM_CORP_ID`` and ``ROLLCALL_WECOM_CORP_SECRET`` (the same token):

- ``app`` (a group the app created, 应用群聊): ``GET /appchat/get?chatid=`` answers
  ``chat_info`` with ``owner`` and ``userlist`` (userids, no names): the whole list in one
  call; the owner is the group's admin.
- ``customer`` (a customer group, 客户群): ``POST /externalcontact/groupchat/get`` with
  ``{"chat_id", "need_name": 1}`` answers ``group_chat`` with ``owner``, ``member_list``
  (``userid``, ``type`` 1 staff / 2 external, ``join_time``, ``name``,
  ``group_nickname``) and ``admin_list`` (``userid``): one call. Joins and leaves also
  arrive at once as the app callback's ``change_external_chat`` event (``ChangeType``
  update, ``UpdateDetail`` add_member / del_member, the userids in ``MemChangeList``),
  one member event per userid; ``change_owner`` is left to the next sync.
- ``robot`` (or none): a group robot's group has no member API at all: sync says so.

A refusal (errcode 48002 API forbidden, 60011 no privilege, 60020 IP not trusted, a chat
the app may not read) names what the app needs and nothing is written; an answer without
its list or with a member without a userid is a MalformedAnswer.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import logging
import re
import struct
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qs, quote, urlsplit

from chalicelib.config import DEFAULT_API_BASES
from chalicelib.platforms.base import (
    REPLY_JOINER,
    AdminsUnavailable,
    BadPayload,
    ChatAddress,
    ChatLookup,
    Delivery,
    DeliveryError,
    DirectRefused,
    HttpRequest,
    HttpResponse,
    InboundEvent,
    ListRefused,
    MalformedAnswer,
    Message,
    Parsed,
    Sender,
    Unauthorized,
    api_base,
    community_robot,
    defuse,
    deliver_parts,
    deliver_replies,
    identifier,
    pack_replies,
    same_secret,
    skew_seconds,
    split_mentions,
    utf8_len,
)
from chalicelib.platforms.http import Answer, AppToken, HttpSender

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from chalicelib.domain.roster import ChatMembers

log = logging.getLogger("rollcall.platforms.wecom")

MAX_SKEW_SECONDS = 3600
TEXT_LIMIT_BYTES = 2048
MARKDOWN_LIMIT_BYTES = 4096
# 20 messages a minute per robot.
PER_ROBOT_INTERVAL = 3.0
THROTTLE_CODES = frozenset({45009, 130101})
THROTTLE_BACKOFF_SECONDS = 5.0
# App messages: text and markdown content both at most 2,048 bytes.
APP_MESSAGE_LIMIT_BYTES = 2048
# The app's access token is refreshed this long before WeCom says it expires (2 hours).
TOKEN_MARGIN_SECONDS = 300
TOKEN_INVALID_CODES = frozenset({40014, 42001})
# WeCom's own de-duplication of identical app messages to one member, in seconds.
DUPLICATE_CHECK_SECONDS = 600
# Refusals of an app message that retrying will not change, with what fixes them.
DM_REFUSALS = {
    81013: "no valid recipient: the member is not in the app's visible range, or no such userid",
    60020: "WeCom refuses this server's IP: add it to the app's trusted IPs (企业可信IP)",
    82001: "no valid recipient: the member is not in the app's visible range, or no such userid",
    40056: "ROLLCALL_WECOM_AGENT_ID is not this app's AgentId",
}
# Refusals of a member list or a group's details that retrying will not change: what the
# operator must grant or check.
LIST_REFUSALS = {
    48002: "API permission: the app may not call this API (for customer groups, add the app "
    "to 客户联系 → 可调用接口的应用)",
    60011: "the app's visible range (可见范围): it must include the group's members",
    60020: "a trusted IP (企业可信IP) for this server",
    86003: "a group the app created: appchat/get reads only those (check --group-kind)",
    40050: "a customer group the app may read: check the chat id and --group-kind",
    301002: "a customer group the app may read: check the chat id and --group-kind",
}
# What an app-group or customer-group read needs that a group robot does not.
APP_API = "the app (ROLLCALL_WECOM_CORP_ID and ROLLCALL_WECOM_CORP_SECRET)"
# change_external_chat's member changes, as the member events they are.
CUSTOMER_GROUP_CHANGES = {"add_member": "member_joined", "del_member": "member_left"}
BLOCK_SIZE = 32  # WeCom pads to 32 bytes
_DECLARATIONS = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
# The envelope WeCom posts is a few hundred bytes to a few KB (the base64 ciphertext of a
# 2,048-byte message, plus three short elements). It is read before its signature is known,
# so by a bounded scan, never by an XML parser: anything past this size is not WeCom.
MAX_ENVELOPE_BYTES = 128 * 1024
# The one element the signature covers, its value base64, in CDATA (as WeCom sends it) or
# not. Linear: one character class per group, no nested repetition.
_ENCRYPT = re.compile(
    rb"<Encrypt>\s*(?:<!\[CDATA\[\s*([A-Za-z0-9+/=]+)\s*\]\]>|([A-Za-z0-9+/=]+))\s*</Encrypt>"
)
_LEADING_MENTION = re.compile(r"^\s*@\S+\s*")
_JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}

Style = Literal["text", "markdown"]


@dataclass(frozen=True)
class WeComPart:
    """One robot message: ``text`` with its ``mentioned_list``, or ``markdown``."""

    content: str
    mentioned_list: tuple[str, ...] = ()
    msgtype: Style = "text"

    def __str__(self) -> str:
        return self.content


def msg_signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    """WeCom's own scheme: SHA-1 is theirs to choose, not ours."""
    joined = "".join(sorted([token, timestamp, nonce, encrypted])).encode("utf-8", "surrogatepass")
    return hashlib.sha1(joined).hexdigest()  # noqa: S324


def aes_key(encoding_aes_key: str) -> bytes | None:
    """The 32-byte key behind a 43-character EncodingAESKey; None when it is not one."""
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (ValueError, TypeError):
        return None
    return key if len(key) == 32 else None


def decrypt(key: bytes, encrypted: str) -> tuple[bytes, str]:
    """(message, receive id) inside a WeCom ciphertext; ValueError when it is not one."""
    from Crypto.Cipher import AES  # only requests that got past the signature pay for it

    try:
        raw = base64.b64decode(encrypted, validate=True)
    except (ValueError, TypeError):
        raise ValueError("ciphertext is not base64") from None
    if not raw or len(raw) % 16:
        raise ValueError("ciphertext has the wrong length")
    plain = AES.new(key, AES.MODE_CBC, key[:16]).decrypt(raw)
    pad = plain[-1]
    if not 1 <= pad <= BLOCK_SIZE or plain[-pad:] != bytes([pad]) * pad:
        raise ValueError("ciphertext does not decrypt under our key")
    content = plain[16:-pad]
    if len(content) < 4:
        raise ValueError("ciphertext too short")
    (length,) = struct.unpack(">I", content[:4])
    if 4 + length > len(content):
        raise ValueError("ciphertext does not decrypt under our key")
    try:
        receive_id = content[4 + length :].decode()
    except UnicodeDecodeError:
        raise ValueError("ciphertext does not decrypt under our key") from None
    return content[4 : 4 + length], receive_id


def parse_xml(data: bytes) -> Element:
    """ElementTree, but never on a document that declares anything: entity expansion
    (billion laughs) and external entities both need a DOCTYPE. NUL bytes and non-UTF-8
    are refused too, so a UTF-16 document cannot hide its DOCTYPE from the check."""
    import xml.etree.ElementTree as ElementTree

    if b"\x00" in data or _DECLARATIONS.search(data):
        raise ValueError("XML with a DOCTYPE or ENTITY declaration is refused")
    try:
        data.decode("utf-8")
        return ElementTree.fromstring(data)  # noqa: S314 - declarations refused above
    except (UnicodeDecodeError, ElementTree.ParseError):
        raise ValueError("body is not XML") from None


def build(settings: Any, runtime: Any) -> WeComAdapter:
    """Always built: a community's group robot sends with no app. Inbound requests are
    refused until the token and EncodingAESKey are set."""
    agent_id = settings.secret("ROLLCALL_WECOM_AGENT_ID").strip()
    if agent_id and not (agent_id.isascii() and agent_id.isdigit()):
        log.warning(
            "ROLLCALL_WECOM_AGENT_ID is not a number (the app's AgentId): direct messages off",
            extra={"platform": "wecom"},
        )
        agent_id = ""
    return WeComAdapter(
        token=settings.secret("ROLLCALL_WECOM_TOKEN"),
        encoding_aes_key=settings.secret("ROLLCALL_WECOM_ENCODING_AES_KEY"),
        corp_id=settings.secret("ROLLCALL_WECOM_CORP_ID"),
        corp_secret=settings.secret("ROLLCALL_WECOM_CORP_SECRET"),
        agent_id=int(agent_id) if agent_id else None,
        api_base=api_base(settings, "wecom"),
        find_chat=community_robot(runtime, "wecom"),
    )


class WeComAdapter:
    name = "wecom"

    def __init__(
        self,
        *,
        token: str = "",
        encoding_aes_key: str = "",
        corp_id: str = "",
        corp_secret: str = "",
        agent_id: int | None = None,
        api_base: str = DEFAULT_API_BASES["wecom"],
        find_chat: ChatLookup | None = None,
        style: Style = "text",
        sender: HttpSender | None = None,
        reply_sender: HttpSender | None = None,
        app_sender: HttpSender | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._token = token
        self._key = aes_key(encoding_aes_key) if encoding_aes_key else None
        # Robot callbacks carry an empty receive id; app callbacks our corp id.
        self._receive_ids = {"", corp_id} if corp_id else {""}
        self._api_base = api_base.rstrip("/")
        self._find_chat = find_chat
        self._style: Style = style
        self._sender = sender or HttpSender(min_interval=PER_ROBOT_INTERVAL)
        self._reply_sender = reply_sender or HttpSender.for_replies()
        self._corp_id = corp_id
        self._corp_secret = corp_secret
        self._agent_id = agent_id
        # The app's API is not the group robot: no 3 s robot pacing there.
        self._app_sender = app_sender or HttpSender()
        self._app_token = AppToken(
            "WeCom answered gettoken without an access_token",
            margin=TOKEN_MARGIN_SECONDS,
            monotonic=monotonic,
        )
        # Direct messages are app messages: the corp id, the app's secret and its AgentId.
        self.direct_messages = bool(corp_id and corp_secret and agent_id is not None)

    def __repr__(self) -> str:
        app = "set" if self.direct_messages else "unset"
        return f"WeComAdapter(api_base={self._api_base!r}, style={self._style!r}, app={app})"

    # -- inbound
    def verify(self, request: HttpRequest, now: datetime) -> None:
        if not self._token or self._key is None:
            raise Unauthorized("WeCom inbound is not configured (token, 43-character AES key)")
        query = request.query
        signed = query.get("msg_signature", "")
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        if not signed or not timestamp or not nonce:
            raise Unauthorized("missing signature")
        if skew_seconds(now, timestamp) > MAX_SKEW_SECONDS:
            raise Unauthorized("stale timestamp")
        if request.method.upper() == "GET":
            encrypted = _echostr(query)
            if not encrypted:
                raise Unauthorized("missing echostr")
        else:
            try:
                encrypted = _outer_encrypt(request.body)
            except ValueError:
                # Nothing a signature could cover: unauthenticated, whatever else it holds.
                raise Unauthorized("no Encrypt element to verify") from None
        expected = msg_signature(self._token, timestamp, nonce, encrypted)
        if not same_secret(expected, signed):
            raise Unauthorized("bad signature")

    def parse(self, request: HttpRequest) -> Parsed:
        if request.method.upper() == "GET":
            echo = self._decrypt(_echostr(request.query))
            try:
                text = echo.decode()
            except UnicodeDecodeError:
                raise BadPayload("echostr is not UTF-8") from None
            # The plaintext exactly: no quotes, no BOM, no newline, as WeCom asks.
            return Parsed(
                handshake=HttpResponse(200, text, {"Content-Type": "text/plain; charset=utf-8"})
            )
        try:
            encrypted = _outer_encrypt(request.body)
            inner = parse_xml(self._decrypt(encrypted))
        except ValueError as error:
            raise BadPayload(str(error)) from None
        return Parsed(events=self._events(inner))

    def _decrypt(self, encrypted: str) -> bytes:
        if self._key is None:
            raise BadPayload("ROLLCALL_WECOM_ENCODING_AES_KEY is not set")
        try:
            message, receive_id = decrypt(self._key, encrypted)
        except ValueError as error:
            raise BadPayload(str(error)) from None
        if receive_id not in self._receive_ids:
            raise BadPayload("message is for another corp id: check ROLLCALL_WECOM_CORP_ID")
        return message

    def _events(self, inner: Element) -> list[InboundEvent]:
        if inner.find("From") is not None or inner.find("WebhookUrl") is not None:
            return self._robot_events(inner)
        return self._app_events(inner)

    def _robot_events(self, inner: Element) -> list[InboundEvent]:
        msg_type = _text(inner, "MsgType")
        if msg_type == "text":
            text = _text(inner, "Text/Content")
        elif msg_type == "mixed":
            text = " ".join(
                _text(item, "Text/Content")
                for item in inner.iterfind("MixedMessage/MsgItem")
                if _text(item, "MsgType") == "text"
            )
        else:
            return []  # events (robot added or removed), button clicks, images
        chat_id, user_id = _text(inner, "ChatId"), _text(inner, "From/UserId")
        if not identifier(chat_id) or not identifier(user_id):
            raise BadPayload("robot callback without ChatId or From/UserId")
        if _text(inner, "ChatType") != "single":
            text = _LEADING_MENTION.sub("", text.strip(), count=1)  # the @robot addressing
        key = _robot_key(_text(inner, "WebhookUrl"))
        return [
            InboundEvent(
                kind="message",
                platform=self.name,
                chat_id=chat_id,
                sender=Sender(user_id=user_id, name=_text(inner, "From/Name")),
                text=text.strip(),
                event_id=_text(inner, "MsgId") or None,
                reply_context={"robot_key": key} if key else {},
            )
        ]

    def _app_events(self, inner: Element) -> list[InboundEvent]:
        msg_type = _text(inner, "MsgType")
        if msg_type == "event" and _text(inner, "Event") == "change_external_chat":
            return self._customer_group_events(inner)
        if not msg_type or msg_type == "event":
            return []  # subscribe, enter_agent, menu clicks: nothing a member said
        user_id = _text(inner, "FromUserName")
        if not identifier(user_id):
            raise BadPayload("message without FromUserName")
        return [
            InboundEvent(
                kind="message",
                platform=self.name,
                chat_id=_text(inner, "ChatId") or user_id,
                sender=Sender(user_id=user_id, name=""),
                text=_text(inner, "Content").strip() if msg_type == "text" else "",
                event_id=_text(inner, "MsgId") or None,
            )
        ]

    def _customer_group_events(self, inner: Element) -> list[InboundEvent]:
        """A customer group's members changed (``change_external_chat``, ChangeType
        update): one member_joined / member_left per userid of ``MemChangeList``. Other
        changes (a new owner, a new name, the group created or dismissed) are the next
        sync's to see."""
        kind = CUSTOMER_GROUP_CHANGES.get(_text(inner, "UpdateDetail"))
        if _text(inner, "ChangeType") != "update" or kind is None:
            return []
        chat_id = _text(inner, "ChatId")
        if not identifier(chat_id):
            raise BadPayload("change_external_chat without ChatId")
        version = _text(inner, "CurMemVer") or _text(inner, "CreateTime")
        events = []
        for item in inner.iterfind("MemChangeList/Item"):
            user_id = (item.text or "").strip()
            if not identifier(user_id):
                raise BadPayload("change_external_chat with an empty member")
            events.append(
                InboundEvent(
                    kind=kind,  # type: ignore[arg-type]
                    platform=self.name,
                    chat_id=chat_id,
                    sender=Sender(user_id=user_id, name=""),
                    # One change, one version: a redelivery is the same event.
                    event_id=f"{chat_id}:{version}:{kind}:{user_id}" if version else None,
                )
            )
        return events

    def respond(self, event: InboundEvent | None, replies: Sequence[Message]) -> HttpResponse:
        """An empty 200 after the replies went out through the robot, one quick attempt
        each: a slower answer would be retried by WeCom (then de-duplicated by MsgId)."""
        if event is None or not replies:
            return HttpResponse(200, "")
        chat = self._reply_address(event)
        if chat is None and self.direct_messages and event.chat_id == event.sender.user_id:
            # A message to the app itself: answered privately, as reply_later does.
            to = ChatAddress(self.name, event.chat_id)
            deliver_replies(
                lambda part: self.deliver_direct(to, event.sender.user_id, part),
                pack_replies((self.render(reply) for reply in replies), _merge),
                log=log,
                platform=self.name,
            )
            return HttpResponse(200, "")
        if chat is None:
            log.warning("no robot to reply through", extra={"platform": self.name})
            return HttpResponse(200, "")
        deliver_replies(
            lambda part: self._post(chat, part, self._reply_sender),
            pack_replies((self.render(reply) for reply in replies), _merge),
            log=log,
            platform=self.name,
        )
        return HttpResponse(200, "")

    def reply_later(
        self,
        event: InboundEvent,
        message: Message,
        *,
        community_chat: ChatAddress | None,
        asked_at: datetime,
        now: datetime,
    ) -> list[str]:
        """The answer to ``event`` after the webhook returned: through the robot the
        callback came through, else the community's robot when the event came from the
        community's group, else, for a message to the app itself (its chat is the sender),
        as an app message to the sender when the app can send them."""
        chat = self._callback_robot(event)
        if chat is None and community_chat is not None and community_chat.robot_webhook:
            chat = community_chat
        if chat is None and self.direct_messages and event.chat_id == event.sender.user_id:
            to = ChatAddress(self.name, event.chat_id)
            parts = [part for part in self.render(message) if part.content]
            return [self.deliver_direct(to, event.sender.user_id, part) for part in parts]
        if chat is None:
            raise DeliveryError(
                f"no robot to answer in WeCom chat {event.chat_id}: the message came through "
                "no group robot, and the chat is not a community group with one"
            )
        parts = [part for part in self.render(message) if part.content]
        return [self._post(chat, part, self._sender) for part in parts]

    def _reply_address(self, event: InboundEvent) -> ChatAddress | None:
        chat = self._callback_robot(event)
        if chat is not None:
            return chat
        return self._find_chat(event.chat_id) if self._find_chat else None

    def _callback_robot(self, event: InboundEvent) -> ChatAddress | None:
        """The robot a robot callback came through, by its key alone: sent to our own API
        base, never to a URL (a key with ``://`` would be taken for one)."""
        key = event.reply_context.get("robot_key")
        if not isinstance(key, str) or not key or "://" in key:
            return None
        return ChatAddress(self.name, event.chat_id, robot_webhook=key)

    # -- outbound
    def render(self, message: Message) -> list[WeComPart]:
        mentions = list({m.user_id: m for m in message.mentions}.values())
        if self._style == "markdown":
            pairs = [(f"<@{m.user_id}>", m.user_id) for m in mentions]
            text, tail = defuse(message.text, _PINGS), defuse(message.tail, _PINGS)
            parts = split_bytes(text, pairs, tail, MARKDOWN_LIMIT_BYTES)
            return [WeComPart(text, (), "markdown") for text, _ in parts]
        pairs = [(f"@{m.name or m.user_id}", m.user_id) for m in mentions]
        text, tail = defuse(message.text, _PINGS), defuse(message.tail, _PINGS)
        parts = split_bytes(text, pairs, tail, TEXT_LIMIT_BYTES)
        return [WeComPart(text, ids) for text, ids in parts]

    def deliver(self, chat: ChatAddress, part: WeComPart) -> str:
        return self._post(chat, part, self._sender)

    def send(self, chat: ChatAddress, message: Message) -> Delivery:
        return deliver_parts(lambda part: self.deliver(chat, part), self.render(message))

    def _post(self, chat: ChatAddress, part: WeComPart | str, sender: HttpSender) -> str:
        if isinstance(part, str):
            part = WeComPart(part)
        if not chat.robot_webhook:
            raise DeliveryError(
                f"WeCom chat {chat.chat_id} has no group robot: add one to the group and set "
                "it with `rollcall community update <id> --robot-webhook "
                "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...`"
            )
        url = self._robot_url(chat.robot_webhook)
        if part.msgtype == "markdown":
            payload: dict[str, Any] = {"msgtype": "markdown", "markdown": {"content": part.content}}
        else:
            text: dict[str, Any] = {"content": part.content}
            if part.mentioned_list:
                text["mentioned_list"] = list(part.mentioned_list)
            payload = {"msgtype": "text", "text": text}
        sender.request(
            "POST",
            url,
            pace_key=url,
            ok=_errcode_ok,
            retry_after=_throttle(),
            headers=_JSON_HEADERS,
            data=json.dumps(payload, ensure_ascii=False).encode(),
        )
        # Group robots answer without a message id; the run records a local one.
        return f"wecom-robot-{uuid.uuid4().hex[:16]}"

    def _robot_url(self, webhook: str) -> str:
        if "://" in webhook:
            return webhook
        return f"{self._api_base}/webhook/send?key={quote(webhook, safe='')}"

    # -- direct messages (the self-built app)
    def deliver_direct(self, chat: ChatAddress, user_id: str, part: WeComPart | str) -> str:
        """One part to a member privately as an app message (see the module docstring);
        returns WeCom's ``msgid`` (the last one when a long markdown part needed two)."""
        if not self.direct_messages:
            raise DeliveryError(
                "WeCom direct messages need the self-built app: set ROLLCALL_WECOM_CORP_ID, "
                "ROLLCALL_WECOM_CORP_SECRET and ROLLCALL_WECOM_AGENT_ID"
            )
        if isinstance(part, str):
            part = WeComPart(part)
        pieces = [part.content]
        if utf8_len(part.content) > APP_MESSAGE_LIMIT_BYTES:
            pieces = [t for t, _ in split_bytes(part.content, [], "", APP_MESSAGE_LIMIT_BYTES)]
        message_id = ""
        for piece in pieces:
            message_id = self._send_app_message(user_id, piece, part.msgtype)
        return message_id

    def _send_app_message(self, user_id: str, content: str, msgtype: Style) -> str:
        payload = {
            "touser": user_id,
            "msgtype": msgtype,
            "agentid": self._agent_id,
            msgtype: {"content": content},
            "enable_duplicate_check": 1,
            "duplicate_check_interval": DUPLICATE_CHECK_SECONDS,
        }

        def send(token: str) -> Answer:
            return self._app_sender.request(
                "POST",
                f"{self._api_base}/message/send",
                ok=_errcode_ok,
                retry_after=_throttle(),
                params={"access_token": token},
                headers=_JSON_HEADERS,
                data=json.dumps(payload, ensure_ascii=False).encode(),
            )

        def failed(error: DeliveryError) -> DeliveryError | None:
            code = _errcode(error.answer)
            if code in DM_REFUSALS:
                return DirectRefused(
                    f"WeCom refused a direct message to {user_id} ({code}): {DM_REFUSALS[code]}"
                )
            return None

        # 42001 (expired) or 40014 (revoked early): a fresh token, once.
        answer = self._app_token.call(
            self._fetch_token,
            send,
            rejected=lambda refused: _errcode(refused) in TOKEN_INVALID_CODES,
            failed=failed,
        )
        body = answer.body if _is_dict(answer.body) else {}
        for key in ("invaliduser", "unlicenseduser"):
            if user_id in str(body.get(key) or "").split("|"):
                raise DirectRefused(
                    f"WeCom did not deliver to {user_id} ({key}): the member is not in "
                    "the app's visible range, has no licence for it, or does not exist"
                )
        return str(body.get("msgid") or f"wecom-app-{uuid.uuid4().hex[:16]}")

    # -- the app's API for groups (roster sync, admins)
    @property
    def app_api(self) -> bool:
        """The app's API can be called: its corp id and secret are set (no AgentId needed)."""
        return bool(self._corp_id and self._corp_secret)

    def app_call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        payload: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One call of the app's API with the cached token (replaced once when WeCom says
        it is no longer valid); the answer's body. A refusal no retry changes is a
        ListRefused naming what is missing."""

        def send(token: str) -> Answer:
            extra: dict[str, Any] = {}
            if payload is not None:
                extra["data"] = json.dumps(payload, ensure_ascii=False).encode()
                extra["headers"] = _JSON_HEADERS
            return self._app_sender.request(
                method,
                f"{self._api_base}{path}",
                ok=_errcode_ok,
                retry_after=_throttle(),
                params={**(params or {}), "access_token": token},
                **extra,
            )

        def failed(error: DeliveryError) -> DeliveryError | None:
            code = _errcode(error.answer)
            if isinstance(code, int) and code not in THROTTLE_CODES | TOKEN_INVALID_CODES | {0}:
                need = LIST_REFUSALS.get(code, f"access (errcode {code})")
                return ListRefused("wecom", need, f"{path} errcode {code}")
            return None

        answer = self._app_token.call(
            self._fetch_token,
            send,
            rejected=lambda refused: _errcode(refused) in TOKEN_INVALID_CODES,
            failed=failed,
        )
        if not _is_dict(answer.body):
            raise MalformedAnswer("wecom", f"{path} answered without a JSON object")
        return dict(answer.body)

    def read_chat_members(
        self, chat: ChatAddress, roster: Sequence[str], *, check_limit: int
    ) -> ChatMembers:
        """The group's whole member list in one call (see the module docstring): an app
        group's ``userlist`` (userids only), a customer group's ``member_list`` (staff and
        external contacts, with names)."""
        from chalicelib.domain.roster import ChatMembers, ListedMember

        kind, group = _read_group(self, chat)
        people: list[ListedMember] = []
        if kind == "app":
            userlist = group.get("userlist")
            if not isinstance(userlist, list):
                raise MalformedAnswer("wecom", "chat_info without a userlist")
            people = [ListedMember(_userid(u), "") for u in userlist]
        else:
            members = group.get("member_list")
            if not isinstance(members, list):
                raise MalformedAnswer("wecom", "group_chat without a member_list")
            for item in members:
                if not isinstance(item, dict):
                    raise MalformedAnswer("wecom", "a member that is not an object")
                name = item.get("group_nickname") or item.get("name")
                people.append(
                    ListedMember(_userid(item.get("userid")), name if isinstance(name, str) else "")
                )
        return ChatMembers(tuple(people), complete=True)

    def chat_admin_ids(self, chat: ChatAddress) -> frozenset[str]:
        """The group's owner (an app group's ``owner``; a customer group's ``owner`` and
        its ``admin_list``), in the same one call as the member list."""
        try:
            kind, group = _read_group(self, chat)
        except (ListRefused, MalformedAnswer) as error:
            raise AdminsUnavailable(str(error)) from None
        ids = [group.get("owner")]
        if kind == "customer":
            admins = group.get("admin_list")
            if admins is not None and not isinstance(admins, list):
                raise AdminsUnavailable("wecom: group_chat's admin_list is not a list")
            ids += [a.get("userid") for a in admins or () if isinstance(a, dict)]
        found = frozenset(i for i in ids if isinstance(i, str) and identifier(i))
        if not found:
            raise AdminsUnavailable("wecom: the group's answer named no owner")
        return found

    def _fetch_token(self) -> tuple[Any, Any]:
        """A fresh app access token and its lifetime. ``AppToken`` caches it: WeCom limits
        how often a token may be fetched, and one serves every direct message of a warm
        Lambda."""
        answer = self._app_sender.request(
            "GET",
            f"{self._api_base}/gettoken",
            ok=_errcode_ok,
            retry_after=_throttle(),
            params={"corpid": self._corp_id, "corpsecret": self._corp_secret},
        )
        body = answer.body if _is_dict(answer.body) else {}
        return body.get("access_token"), body.get("expires_in")


# -- roster sync and admins (features/roster.py, features/roles.py)
def _read_group(adapter: WeComAdapter, chat: ChatAddress) -> tuple[str, dict[str, Any]]:
    """The group's details through the app: (its kind, the answer's chat_info or
    group_chat). Raises ListRefused (naming what the app needs), MalformedAnswer or
    DeliveryError; nothing is read for a group robot's group."""
    kind = chat.group_kind or "robot"
    if kind not in ("app", "customer"):
        raise ListRefused(
            "wecom",
            "a group the app can read: a group robot's group has no member API (set "
            "--group-kind app or customer for groups the app created or customer groups)",
        )
    if not adapter.app_api:
        raise ListRefused("wecom", APP_API)
    if kind == "app":
        answer = adapter.app_call("GET", "/appchat/get", params={"chatid": chat.chat_id})
        key = "chat_info"
    else:
        answer = adapter.app_call(
            "POST",
            "/externalcontact/groupchat/get",
            payload={"chat_id": chat.chat_id, "need_name": 1},
        )
        key = "group_chat"
    group = answer.get(key)
    if not isinstance(group, dict):
        raise MalformedAnswer("wecom", f"an answer without {key}")
    return kind, group


def _userid(value: Any) -> str:
    if not isinstance(value, str) or identifier(value) is None:
        raise MalformedAnswer("wecom", "a member without a userid")
    return value


def split_bytes(
    head: str, mentions: Sequence[tuple[str, str]], tail: str, limit: int
) -> list[tuple[str, tuple[str, ...]]]:
    """Parts of at most ``limit`` UTF-8 bytes (WeCom's measure), each with the ids it
    mentions; cuts fall between lines, else at character boundaries, never in a mention."""
    return split_mentions(head, mentions, tail, limit, measure=utf8_len)


def _merge(first: WeComPart, second: WeComPart) -> WeComPart | None:
    """Two reply parts of one style as one message, while within that style's byte limit."""
    limit = TEXT_LIMIT_BYTES if second.msgtype == "text" else MARKDOWN_LIMIT_BYTES
    content = first.content + REPLY_JOINER + second.content
    if first.msgtype != second.msgtype or utf8_len(content) > limit:
        return None
    return WeComPart(content, first.mentioned_list + second.mentioned_list, second.msgtype)


# What could ping in a message's words: markdown's ``<@userid>`` (``<@all>``), and, though a
# text message pings only whom ``mentioned_list`` names, @all / @所有人 / @mobile.
_PINGS = re.compile(r"<(?=@)|@(?=all(?![\w-])|所有人|\+?\d{5,})", re.IGNORECASE)


def _echostr(query: Any) -> str:
    # A "+" of the base64 may arrive as a space when a proxy decodes the query as a form.
    return str(query.get("echostr", "")).replace(" ", "+")


def _outer_encrypt(body: bytes) -> str:
    """The envelope's ``Encrypt`` value, by a bounded scan and no XML parser: the envelope
    is unauthenticated until this value's signature is checked. ValueError unless the body
    is small, declares nothing (no DTD, no ENTITY), and holds exactly one Encrypt element
    of base64; only the decrypted, verified message is ever parsed as XML."""
    if len(body) > MAX_ENVELOPE_BYTES:
        raise ValueError("body too large for a WeCom callback")
    if b"\x00" in body or _DECLARATIONS.search(body):
        raise ValueError("XML with a DOCTYPE or ENTITY declaration is refused")
    found = _ENCRYPT.findall(body)
    if len(found) != 1:
        raise ValueError("no Encrypt element" if not found else "more than one Encrypt element")
    cdata, plain = found[0]
    return str((cdata or plain).decode("ascii"))


def _text(element: Element, path: str) -> str:
    return (element.findtext(path) or "").strip()


def _robot_key(webhook_url: str) -> str:
    """The robot's key from a callback's WebhookUrl. We send to our own API base with it:
    the callback's host (``in.qyapi.weixin.qq.com``) may be reachable only inside WeCom."""
    if not webhook_url:
        return ""
    return (parse_qs(urlsplit(webhook_url).query).get("key") or [""])[0]


def _errcode_ok(answer: Answer) -> bool:
    return isinstance(answer.body, dict) and answer.body.get("errcode") == 0


def _is_dict(value: Any) -> bool:
    return isinstance(value, dict)


def _errcode(answer: Answer | None) -> Any:
    """WeCom's ``errcode`` in an answer's body; None without one."""
    return answer.body.get("errcode") if answer is not None and _is_dict(answer.body) else None


def _throttle() -> Callable[[Answer], float | None]:
    """A frequency-limited answer's wait (5, 10, 20 s), counted per request."""
    backoff = itertools.count()

    def retry_after(answer: Answer) -> float | None:
        if isinstance(answer.body, dict) and answer.body.get("errcode") in THROTTLE_CODES:
            return float(THROTTLE_BACKOFF_SECONDS * 2 ** next(backoff))
        return None

    return retry_after
