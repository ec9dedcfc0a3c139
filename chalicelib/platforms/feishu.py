"""Feishu and Lark: event subscriptions in, app or custom-bot messages out.

Feishu (open.feishu.cn) and Lark (open.larksuite.com) are one API on two domains: the base
comes from ``ROLLCALL_FEISHU_API_BASE`` (``https://open.larksuite.com/open-apis`` for Lark).

Inbound (event subscription, schema 2.0; the v1 ``event_callback`` message still parses):

- With ``ROLLCALL_FEISHU_ENCRYPT_KEY`` set, Feishu signs every event: ``X-Lark-Signature`` =
  hex SHA-256 of ``timestamp + nonce + encrypt_key + raw body``; we refuse a timestamp more
  than an hour off (a replay; Feishu's own retries come within 15 s and 5 min, and a 6-hour
  retry of "打卡" would land on the wrong day anyway). The body is ``{"encrypt": b64(iv ‖
  AES-256-CBC ciphertext)}`` with key SHA-256(encrypt key). Feishu does *not* sign the URL
  verification request, so an unsigned request is accepted only when it decrypts under our
  key to a ``url_verification`` carrying our verification token.
- Without an encrypt key, the body's verification token (``token`` in v1 and the handshake,
  ``header.token`` in v2) must equal ``ROLLCALL_FEISHU_VERIFICATION_TOKEN``. That token is a
  shared secret, not a signature, so this mode exists on the local stage only: any other
  stage refuses Feishu inbound without an encrypt key (401, and an error naming
  ``ROLLCALL_FEISHU_ENCRYPT_KEY`` in the log). A body without a readable token is 401 too.
- ``url_verification`` is answered ``{"challenge": ...}`` before anything touches DynamoDB
  (Feishu wants it within 1 s); AES (pycryptodome) is imported only when a body is encrypted.
- ``im.message.receive_v1``: ``event.message.chat_id``, sender ``open_id``; text messages'
  ``{"text": ...}`` content with the leading ``@_user_N`` placeholders removed (a group
  message reaches the bot only when it is @-mentioned, so those address the bot) and later
  ones turned into ``@Name`` (``点评 @小明``). Other message types count as activity with no
  text. Messages from bots and apps are ignored, so we never answer ourselves. The event
  carries no sender name: the name is left empty (the store keeps the member's id then).
- ``im.chat.member.user.added_v1`` / ``deleted_v1`` / ``withdrawn_v1``: one member event per
  user, with delivery id ``{event_id}:{open_id}`` so each is de-duplicated on its own.

Outbound, two ways into a group:

- the community's custom bot (``ChatAddress.robot_webhook``) when set, signed when it has a
  secret (加签: ``sign`` = base64 HMAC-SHA256 with key ``f"{timestamp}\\n{secret}"`` over an
  empty message); 100 messages/min and 5/s per bot, so parts are paced 0.6 s apart;
- otherwise the app: ``tenant_access_token`` (``ROLLCALL_FEISHU_APP_ID`` / ``_APP_SECRET``,
  cached in the adapter until five minutes before it expires) and ``POST
  /im/v1/messages?receive_id_type=chat_id``. An answer saying the token is invalid drops the
  cache and tries once more with a fresh one.

Direct messages and removal need the app (a custom bot can do neither), so
``direct_messages`` is True only with ``ROLLCALL_FEISHU_APP_ID`` / ``_APP_SECRET``:

- ``deliver_direct``: ``POST /im/v1/messages?receive_id_type=open_id`` with a fresh ``uuid``
  per part, which Feishu de-duplicates for an hour, so a retry after a timeout that Feishu
  had in fact accepted does not send the part twice. The app needs ``im:message:send_as_bot``
  and the member must be in its availability range (可用范围); refusals that will not change
  by retrying (230013 not in the range or resigned, 230035 bot blocked, 230038 another
  tenant, 99992351/99992361 an open id that is not this app's, 99991672 scope missing...)
  raise DeliveryError at once, naming the fix.
- ``remove_member``: ``DELETE /im/v1/chats/{chat_id}/members?member_id_type=open_id`` with
  ``{"id_list": [open_id]}``. Only the group owner, a group admin, or the app that created
  the group may remove members: any refusal code is False. An id in ``not_existed_id_list``
  is a user who no longer exists (True: nothing left to remove); an id in
  ``invalid_id_list`` is one Feishu would not act on (False: the member may still be
  there, so an admin checks by hand). Network errors and 5xx after retries raise
  DeliveryError: the platform said nothing either way.

Answering later (``reply_later``, a deferred command's result): the member's message id
(``om_...``) is kept with the event, so the app replies to that message (``POST
/im/v1/messages/{message_id}/reply``, with a ``uuid`` per part that a retry repeats, so
Feishu drops the repeat). When Feishu refuses the reply (the message was withdrawn
meanwhile), or without the app, the part goes into the chat as any message does; the
community's custom bot serves only the community's own group.

A body ``code`` other than 0 is a failure; 11232 (bot sending too fast, frequent on the
hour and half hour), 99991400 and 230020 (frequency limits), 232019 (group operations too
fast) and HTTP 429 are retried with backoff, honouring ``x-ogw-ratelimit-reset`` when
Feishu sends it. Mentions are
``<at user_id="ou_...">Name</at>``. Parts are cut at 4,000 characters: at most ~12 KB of
UTF-8 plus JSON quoting, under the custom bot's 20 KB body limit (figures for the app API
are larger); bodies are sent as UTF-8 JSON, not ``\\uXXXX`` escapes, which would triple
Chinese text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from chalicelib.config import DEFAULT_API_BASES
from chalicelib.platforms.base import (
    AdminsUnavailable,
    BadPayload,
    ChatAddress,
    ChatLookup,
    Delivery,
    DeliveryError,
    DirectRefused,
    EventKind,
    HttpRequest,
    HttpResponse,
    InboundEvent,
    ListRefused,
    MalformedAnswer,
    Message,
    Parsed,
    Sender,
    ThreadRefused,
    Unauthorized,
    api_base,
    community_robot,
    defuse,
    deliver_parts,
    deliver_replies,
    identifier,
    join_texts,
    json_object,
    load_json,
    pack_replies,
    same_secret,
    skew_seconds,
    split_parts,
)
from chalicelib.platforms.http import Answer, AppToken, HttpSender

if TYPE_CHECKING:
    from chalicelib.domain.roster import ChatMembers

log = logging.getLogger("rollcall.platforms.feishu")

SIGNATURE_HEADER = "x-lark-signature"
TIMESTAMP_HEADER = "x-lark-request-timestamp"
NONCE_HEADER = "x-lark-request-nonce"
MAX_SKEW_SECONDS = 3600
MESSAGE_LIMIT = 4000
# Custom bots take 5 messages/s and 100/min; 0.6 s apart keeps a long reminder under both.
PER_CHAT_INTERVAL = 0.6
# A token is refreshed this long before Feishu says it expires (tokens live ~2 hours).
TOKEN_MARGIN_SECONDS = 300
THROTTLE_CODES = frozenset({11232, 99991400, 230020, 232019})
# Roster sync: 100 members a page (the API's maximum), and what each refusal means the
# app lacks (Feishu's error codes for GET /im/v1/chats/{chat_id}/members).
LIST_PAGE = 100
MAX_LIST_PAGES = 1000
LIST_REFUSALS = {
    99991672: "scope im:chat.members:read (or im:chat:readonly)",
    99991679: "scope im:chat.members:read (or im:chat:readonly)",
    232011: "the bot as a member of the group",
    232025: "the app's bot ability",
    232034: "an installed, active app",
}
TOKEN_INVALID_CODES = frozenset({99991661, 99991663, 99991668})
# Direct-message refusals that retrying will not change, with what fixes them.
DM_REFUSALS = {
    230013: "the member is not in the app's availability range (可用范围), or has left the "
    "organisation: add them to the range and publish a new version",
    230035: "the member blocked the bot, or the tenant restricts who may message them",
    230038: "the member belongs to another tenant",
    230006: "the app's bot capability is not enabled",
    230027: "the app lacks a permission for this message",
    99991672: "the app lacks the im:message:send_as_bot scope",
    99992351: "no such open_id",
    99992361: "the open_id belongs to another app",
}
MEMBER_EVENTS: dict[str, EventKind] = {
    "im.chat.member.user.added_v1": "member_joined",
    "im.chat.member.user.deleted_v1": "member_left",
    "im.chat.member.user.withdrawn_v1": "member_left",
}
_LEADING_PLACEHOLDERS = re.compile(r"^(?:\s*@_user_\d+)+\s*")
_PLACEHOLDER = re.compile(r"@_user_\d+")
# A message id (om_ and hex in Feishu's docs), as it may go into a request path.
_MESSAGE_ID = re.compile(r"om_[A-Za-z0-9_-]{1,128}")
_JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


def signature(timestamp: str, nonce: str, encrypt_key: str, body: bytes) -> str:
    """The ``X-Lark-Signature`` Feishu sends with an encrypted event."""
    signed = (timestamp + nonce + encrypt_key).encode("utf-8", "surrogatepass") + body
    return hashlib.sha256(signed).hexdigest()


def robot_sign(secret: str, timestamp: str) -> str:
    """A custom bot's 加签: HMAC-SHA256 keyed by ``timestamp\\nsecret`` over nothing."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def decrypt_bytes(encrypt_key: str, encrypted: str) -> bytes:
    """Feishu's AES-256-CBC: key SHA-256(encrypt key), base64(iv ‖ ciphertext), PKCS#7.
    ValueError when it is not ours."""
    from Crypto.Cipher import AES  # only encrypted bodies pay for the import
    from Crypto.Util.Padding import unpad

    try:
        raw = base64.b64decode(encrypted, validate=True)
    except (ValueError, TypeError):
        raise ValueError("encrypt is not base64") from None
    if len(raw) < 32 or len(raw) % 16:
        raise ValueError("encrypt has the wrong length")
    key = hashlib.sha256(encrypt_key.encode()).digest()
    plain = AES.new(key, AES.MODE_CBC, raw[:16]).decrypt(raw[16:])
    try:
        return unpad(plain, 16)
    except ValueError:
        raise ValueError("encrypt does not decrypt under our key") from None


def decrypt(encrypt_key: str, encrypted: str) -> dict[str, Any]:
    """The event inside ``{"encrypt": ...}``; ValueError when it is not ours or not JSON."""
    plain = decrypt_bytes(encrypt_key, encrypted)
    try:
        body = load_json(plain.decode())
    except ValueError:  # a UnicodeDecodeError is a ValueError
        raise ValueError("encrypt does not decrypt to JSON under our key") from None
    if not isinstance(body, dict):
        raise ValueError("decrypted event is not a JSON object")
    return body


class AppError(DeliveryError):
    """An Open API call the app could not make, with Feishu's ``code`` when it gave one
    (None for network errors and answers without a code)."""

    def __init__(self, message: str, code: int | None) -> None:
        super().__init__(message)
        self.code = code


def build(settings: Any, runtime: Any) -> FeishuAdapter:
    """Always built: a community can send through its own custom bot with no app at all.
    Inbound requests are refused until a verification token or encrypt key is set."""
    return FeishuAdapter(
        verification_token=settings.secret("ROLLCALL_FEISHU_VERIFICATION_TOKEN"),
        encrypt_key=settings.secret("ROLLCALL_FEISHU_ENCRYPT_KEY"),
        app_id=settings.secret("ROLLCALL_FEISHU_APP_ID"),
        app_secret=settings.secret("ROLLCALL_FEISHU_APP_SECRET"),
        api_base=api_base(settings, "feishu"),
        find_chat=community_robot(runtime, "feishu"),
        # Feishu signs requests only when an encrypt key is set; the verification token alone
        # is a shared string inside the body, good enough on a developer's machine only.
        signed_only=settings.stage != "local",
    )


class FeishuAdapter:
    name = "feishu"

    def __init__(
        self,
        *,
        verification_token: str = "",
        encrypt_key: str = "",
        app_id: str = "",
        app_secret: str = "",
        api_base: str = DEFAULT_API_BASES["feishu"],
        find_chat: ChatLookup | None = None,
        sender: HttpSender | None = None,
        reply_sender: HttpSender | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        signed_only: bool = False,
    ) -> None:
        self._verification_token = verification_token
        self._signed_only = signed_only
        self._encrypt_key = encrypt_key
        self._app_id = app_id
        self._app_secret = app_secret
        self._api_base = api_base.rstrip("/")
        self._find_chat = find_chat
        self._sender = sender or HttpSender(min_interval=PER_CHAT_INTERVAL)
        self._reply_sender = reply_sender or HttpSender.for_replies()
        self._wall_clock = wall_clock
        self._tenant_token = AppToken(
            "Feishu answered without a tenant_access_token",
            margin=TOKEN_MARGIN_SECONDS,
            monotonic=monotonic,
        )
        # Direct messages (and removal) go through the app; a custom bot has no such API.
        self.direct_messages = bool(app_id and app_secret)

    def __repr__(self) -> str:
        app = "set" if self._app_id else "unset"
        return f"FeishuAdapter(api_base={self._api_base!r}, app={app})"

    # -- inbound
    def verify(self, request: HttpRequest, now: datetime) -> None:
        if self._encrypt_key:
            signed = request.header(SIGNATURE_HEADER)
            if signed:
                self._verify_signature(request, signed, now)
                return
            # Only the URL verification comes unsigned: it must decrypt under our key and
            # carry our token, which no one without both secrets can produce.
            try:
                body = decrypt(self._encrypt_key, json_object(request.body)["encrypt"])
            except (BadPayload, ValueError, KeyError, TypeError):
                raise Unauthorized("missing signature") from None
            if body.get("type") != "url_verification" or not self._token_matches(body):
                raise Unauthorized("missing signature")
            return
        if self._signed_only:
            log.error(
                "Feishu inbound refused: set ROLLCALL_FEISHU_ENCRYPT_KEY (the Encrypt Key of "
                "the app's event subscription); without it Feishu does not sign requests, "
                "and only the local stage accepts the verification token alone",
                extra={"platform": self.name},
            )
            raise Unauthorized("ROLLCALL_FEISHU_ENCRYPT_KEY is not set")
        if not self._verification_token:
            raise Unauthorized("Feishu inbound is not configured")
        try:
            body = json_object(request.body)
        except BadPayload:
            # The token is inside the body: a body we cannot read proves nothing.
            raise Unauthorized("no verification token") from None
        if not self._token_matches(body):
            raise Unauthorized("bad verification token")

    def _verify_signature(self, request: HttpRequest, signed: str, now: datetime) -> None:
        timestamp = request.header(TIMESTAMP_HEADER)
        nonce = request.header(NONCE_HEADER)
        if not timestamp or not nonce:
            raise Unauthorized("missing signature")
        if skew_seconds(now, timestamp) > MAX_SKEW_SECONDS:
            raise Unauthorized("stale timestamp")
        expected = signature(timestamp, nonce, self._encrypt_key, request.body)
        if not same_secret(expected, signed):
            raise Unauthorized("bad signature")

    def _token_matches(self, body: dict[str, Any]) -> bool:
        header = body.get("header")
        token = header.get("token") if isinstance(header, dict) else body.get("token")
        return (
            bool(self._verification_token)
            and isinstance(token, str)
            and same_secret(self._verification_token, token)
        )

    def parse(self, request: HttpRequest) -> Parsed:
        body = json_object(request.body)
        if "encrypt" in body:
            if not self._encrypt_key:
                raise BadPayload("encrypted event but ROLLCALL_FEISHU_ENCRYPT_KEY is not set")
            if not isinstance(body["encrypt"], str):
                raise BadPayload("encrypt must be a string")
            try:
                body = decrypt(self._encrypt_key, body["encrypt"])
            except ValueError as error:
                raise BadPayload(str(error)) from None
        if body.get("type") == "url_verification":
            challenge = body.get("challenge")
            if not isinstance(challenge, str):
                raise BadPayload("url_verification without a challenge")
            return Parsed(handshake=HttpResponse(200, {"challenge": challenge}))
        if body.get("schema") == "2.0":
            return Parsed(events=self._parse_v2(body))
        if body.get("type") == "event_callback":
            return Parsed(events=self._parse_v1(body))
        raise BadPayload("not a Feishu event: no schema 2.0 header and no v1 event_callback")

    def _parse_v2(self, body: dict[str, Any]) -> list[InboundEvent]:
        header, event = body.get("header"), body.get("event")
        if not isinstance(header, dict) or not isinstance(event, dict):
            raise BadPayload("schema 2.0 event without header or event")
        event_type = header.get("event_type")
        event_id = str(header["event_id"]) if header.get("event_id") else None
        if event_type == "im.message.receive_v1":
            tenant = identifier(header.get("tenant_key"))
            return [replace(e, workspace=tenant) for e in self._message(event, event_id)]
        if event_type in MEMBER_EVENTS:
            return self._members(event, event_id, MEMBER_EVENTS[event_type])
        return []  # events we did not subscribe to on purpose: acknowledge only

    def _message(self, event: dict[str, Any], event_id: str | None) -> list[InboundEvent]:
        message, sender = event.get("message"), event.get("sender")
        if not isinstance(message, dict) or not isinstance(sender, dict):
            raise BadPayload("im.message.receive_v1 without message or sender")
        if sender.get("sender_type", "user") != "user":
            return []  # bots and apps, ours included, would otherwise answer themselves
        chat_id = message.get("chat_id")
        open_id = _open_id(sender.get("sender_id"))
        if not isinstance(chat_id, str) or not identifier(chat_id) or not open_id:
            raise BadPayload("message.chat_id and sender.sender_id.open_id are required")
        text = ""
        if message.get("message_type") == "text":
            text = _message_text(message.get("content"), message.get("mentions"))
        return [
            InboundEvent(
                kind="message",
                platform=self.name,
                chat_id=chat_id,
                sender=Sender(user_id=open_id, name=""),
                text=text,
                event_id=event_id,
                reply_context=_reply_context(message.get("message_id")),
            )
        ]

    def _members(
        self, event: dict[str, Any], event_id: str | None, kind: EventKind
    ) -> list[InboundEvent]:
        chat_id, users = event.get("chat_id"), event.get("users")
        if not isinstance(chat_id, str) or not identifier(chat_id) or not isinstance(users, list):
            raise BadPayload("member event without chat_id or users")
        events = []
        for user in users:
            open_id = _open_id(user.get("user_id")) if isinstance(user, dict) else None
            if not open_id:
                continue
            name = user.get("name")
            events.append(
                InboundEvent(
                    kind=kind,
                    platform=self.name,
                    chat_id=chat_id,
                    sender=Sender(user_id=open_id, name=name if isinstance(name, str) else ""),
                    event_id=f"{event_id}:{open_id}" if event_id else None,
                )
            )
        return events

    def _parse_v1(self, body: dict[str, Any]) -> list[InboundEvent]:
        event = body.get("event")
        if not isinstance(event, dict):
            raise BadPayload("event_callback without an event")
        if event.get("type") != "message":
            return []
        chat_id, open_id = event.get("open_chat_id"), _open_id(event)
        if not isinstance(chat_id, str) or not identifier(chat_id) or not open_id:
            raise BadPayload("v1 message without open_chat_id or open_id")
        text = event.get("text_without_at_bot") or event.get("text") or ""
        return [
            InboundEvent(
                kind="message",
                platform=self.name,
                chat_id=chat_id,
                sender=Sender(user_id=open_id, name=""),
                text=text.strip() if isinstance(text, str) else "",
                event_id=str(body["uuid"]) if body.get("uuid") else None,
                reply_context=_reply_context(event.get("open_message_id")),
            )
        ]

    def respond(self, event: InboundEvent | None, replies: Sequence[Message]) -> HttpResponse:
        """Feishu takes no message in the answer: replies are sent while the request is open
        (one quick attempt each), then an empty 200 acknowledges. A lost reply is logged, not
        retried: the event is already claimed, so Feishu's retry would be a duplicate."""
        if event is None or not replies:
            return HttpResponse(200, {})
        chat = self._reply_address(event.chat_id)
        if chat is None:
            log.warning(
                "no way to reply: set ROLLCALL_FEISHU_APP_ID/_APP_SECRET or a robot webhook",
                extra={"platform": self.name},
            )
            return HttpResponse(200, {})
        deliver_replies(
            lambda part: self._deliver(chat, part, self._reply_sender),
            pack_replies((self.render(r) for r in replies), join_texts(MESSAGE_LIMIT)),
            log=log,
            platform=self.name,
        )
        return HttpResponse(200, {})

    def reply_later(
        self,
        event: InboundEvent,
        message: Message,
        *,
        community_chat: ChatAddress | None,
        asked_at: datetime,
        now: datetime,
    ) -> list[str]:
        """The answer to ``event`` after the webhook returned: a reply to the member's
        message through the app when it can (the answer then shows what it answers), else
        the community's custom bot (for the community's group only: it posts nowhere
        else) or the app, into the chat."""
        message_id = event.reply_context.get("message_id")
        reply_to = (
            message_id
            if self.direct_messages
            and isinstance(message_id, str)
            and _MESSAGE_ID.fullmatch(message_id)
            else None
        )
        chat = community_chat or ChatAddress(self.name, event.chat_id)
        ids: list[str] = []
        for index, part in enumerate(p for p in self.render(message) if p):
            if reply_to is not None:
                try:
                    ids.append(self._reply_app(reply_to, event.chat_id, part, index))
                    continue
                except AppError as error:
                    if error.code is None or error.code in THROTTLE_CODES:
                        raise  # no answer either way: the part may yet go as a reply
                    # Withdrawn or deleted meanwhile, or not a message the bot may answer:
                    # Feishu posted nothing, so the chat gets it instead.
                    log.warning(
                        "Feishu refused a reply; sending to the chat",
                        extra={"platform": self.name, "code": error.code, "error": str(error)},
                    )
                    reply_to = None
            ids.append(self._deliver(chat, part, self._sender))
        return ids

    def _reply_app(self, message_id: str, chat_id: str, part: str, index: int) -> str:
        """``POST /im/v1/messages/{message_id}/reply`` as the app. The ``uuid`` is the
        same for the same part of the same answer, and Feishu sends a given uuid once an
        hour: a retry after a timeout Feishu had in fact accepted posts nothing twice."""
        dedupe = hashlib.sha256(f"{message_id}#{index}#{part}".encode()).hexdigest()[:32]
        payload = {
            "msg_type": "text",
            "content": json.dumps({"text": part}, ensure_ascii=False),
            "uuid": dedupe,
        }
        answer = self._app_request(
            "POST",
            f"/im/v1/messages/{quote(message_id, safe='')}/reply",
            self._sender,
            params={},
            payload=payload,
            pace_key=chat_id,
        )
        return _message_id(answer)

    def _reply_address(self, chat_id: str) -> ChatAddress | None:
        if self._app_id and self._app_secret:
            return ChatAddress(self.name, chat_id)
        return self._find_chat(chat_id) if self._find_chat else None

    # -- outbound
    def render(self, message: Message) -> list[str]:
        tokens = [mention_tag(m.user_id, m.name) for m in _unique(message.mentions)]
        text, tail = defuse(message.text, _AT_TAG), defuse(message.tail, _AT_TAG)
        return split_parts(text, tokens, tail, MESSAGE_LIMIT)

    def deliver(self, chat: ChatAddress, part: str) -> str:
        return self._deliver(chat, part, self._sender)

    def send(self, chat: ChatAddress, message: Message) -> Delivery:
        return deliver_parts(lambda part: self.deliver(chat, part), self.render(message))

    def _deliver(self, chat: ChatAddress, part: str, sender: HttpSender) -> str:
        if chat.robot_webhook:
            return self._deliver_robot(chat, part, sender)
        if self._app_id and self._app_secret:
            return self._deliver_app(chat.chat_id, part, sender)
        raise DeliveryError(
            f"cannot send to Feishu chat {chat.chat_id}: set the community's custom bot "
            "(rollcall community update <id> --robot-webhook URL [--robot-secret SECRET]) "
            "or ROLLCALL_FEISHU_APP_ID and ROLLCALL_FEISHU_APP_SECRET"
        )

    def _deliver_robot(self, chat: ChatAddress, part: str, sender: HttpSender) -> str:
        url = chat.robot_webhook or ""
        payload: dict[str, Any] = {"msg_type": "text", "content": {"text": part}}
        if chat.robot_secret:
            timestamp = str(int(self._wall_clock()))
            payload = {"timestamp": timestamp, "sign": robot_sign(chat.robot_secret, timestamp)}
            payload.update({"msg_type": "text", "content": {"text": part}})
        answer = sender.request(
            "POST",
            url,
            pace_key=url,
            ok=_code_ok,
            retry_after=_throttle(),
            headers=_JSON_HEADERS,
            data=_json_bytes(payload),
        )
        data = answer.body.get("data") if isinstance(answer.body, dict) else None
        message_id = data.get("message_id") if isinstance(data, dict) else None
        # Custom bots answer without a message id; the run records a local one instead.
        return str(message_id) if message_id else f"feishu-robot-{uuid.uuid4().hex[:16]}"

    def _deliver_app(self, chat_id: str, part: str, sender: HttpSender) -> str:
        payload = {
            "receive_id": chat_id,
            "msg_type": "text",
            "content": json.dumps({"text": part}, ensure_ascii=False),
        }
        answer = self._app_request(
            "POST",
            "/im/v1/messages",
            sender,
            params={"receive_id_type": "chat_id"},
            payload=payload,
            pace_key=chat_id,
        )
        return _message_id(answer)

    def deliver_direct(self, chat: ChatAddress, user_id: str, part: str) -> str:
        """One part to a member privately, as the app (see the module docstring)."""
        if not self.direct_messages:
            raise DeliveryError(
                "Feishu direct messages need the app: set ROLLCALL_FEISHU_APP_ID and "
                "ROLLCALL_FEISHU_APP_SECRET (a custom bot cannot message a member privately)"
            )
        payload = {
            "receive_id": user_id,
            "msg_type": "text",
            "content": json.dumps({"text": str(part)}, ensure_ascii=False),
            "uuid": uuid.uuid4().hex,  # one per part: Feishu drops a repeat within an hour
        }
        try:
            answer = self._app_request(
                "POST",
                "/im/v1/messages",
                self._sender,
                params={"receive_id_type": "open_id"},
                payload=payload,
                pace_key=f"dm:{user_id}",  # Feishu allows 5 messages/s to one user
            )
        except AppError as error:
            hint = DM_REFUSALS.get(error.code) if isinstance(error.code, int) else None
            if hint is None:
                raise
            raise DirectRefused(
                f"Feishu refused a direct message to {user_id} ({error.code}): {hint}"
            ) from None
        return _message_id(answer)

    def remove_member(self, chat: ChatAddress, user_id: str) -> bool:
        """Remove a member from the group through the app (see the module docstring)."""
        if not self.direct_messages:
            log.info(
                "Feishu removal needs the app (ROLLCALL_FEISHU_APP_ID/_APP_SECRET)",
                extra={"platform": self.name},
            )
            return False
        try:
            answer = self._app_request(
                "DELETE",
                f"/im/v1/chats/{quote(chat.chat_id, safe='')}/members",
                self._sender,
                params={"member_id_type": "open_id"},
                payload={"id_list": [user_id]},
            )
        except AppError as error:
            if error.code is None or error.code in THROTTLE_CODES:
                raise  # no answer either way (network, 5xx, still throttled): not a refusal
            log.warning(
                "Feishu refused a removal (the bot must be the group's owner or an admin)",
                extra={"platform": self.name, "code": error.code, "error": str(error)},
            )
            return False
        data = answer.body.get("data") if isinstance(answer.body, dict) else None
        data = data if isinstance(data, dict) else {}
        if user_id in _id_list(data.get("not_existed_id_list")):
            return True  # no such user any more: nothing is left to remove
        if user_id in _id_list(data.get("invalid_id_list")):
            log.warning(
                "Feishu did not act on the member's id: remove them by hand",
                extra={"platform": self.name},
            )
            return False
        return True

    # -- pins (jobs/post_announcements.py)
    def pin_message(self, chat: ChatAddress, message_id: str) -> None:
        """``POST /im/v1/pins`` as the app. A custom bot's posts have no message id the
        API knows (the run records a local one): those cannot be pinned."""
        if not self.direct_messages or message_id.startswith("feishu-robot-"):
            raise DeliveryError("Feishu pins need the app (ROLLCALL_FEISHU_APP_ID/_APP_SECRET)")
        self._app_request(
            "POST", "/im/v1/pins", self._sender, params={}, payload={"message_id": message_id}
        )

    # -- thread replies (jobs/runner.py: the digest's full list under its summary)
    def reply_in_thread(self, chat: ChatAddress, message_id: str, part: str) -> str:
        """``POST /im/v1/messages/{message_id}/reply`` with ``reply_in_thread`` as the app.
        Its ``uuid`` (the same for the same message and part) lets Feishu drop a repeat
        within the hour: a resumed run does not post the reply twice. A custom bot's posts
        have no id the API knows, and Feishu's refusals (the message recalled, the bot out
        of the chat) are final: ThreadRefused, and the part goes to the group instead."""
        if not self.direct_messages or not _MESSAGE_ID.fullmatch(message_id):
            raise ThreadRefused(
                "feishu replies in a thread need the app (ROLLCALL_FEISHU_APP_ID/_APP_SECRET) "
                "and a message it sent; the group's custom bot cannot"
            )
        dedupe = hashlib.sha256(f"{message_id}\n{part}".encode()).hexdigest()[:32]
        reply = {
            "content": json.dumps({"text": part}, ensure_ascii=False),
            "msg_type": "text",
            "reply_in_thread": True,
            "uuid": dedupe,
        }
        path = f"/im/v1/messages/{quote(message_id, safe='')}/reply"
        try:
            answer = self._app_request(
                "POST", path, self._sender, params={}, payload=reply, pace_key=chat.chat_id
            )
        except AppError as error:
            if error.code is None or error.code in THROTTLE_CODES:
                raise
            raise ThreadRefused(f"feishu refused the thread reply: {error}") from None
        return _message_id(answer)

    # -- roster sync (features/roster.py)
    def read_chat_members(
        self, chat: ChatAddress, roster: Sequence[str], *, check_limit: int
    ) -> ChatMembers:
        """The group's members through the app (``GET /im/v1/chats/{chat_id}/members``,
        ``page_token`` pages of 100, bots never listed), every page read before this
        answers. A refusal names the scope or right Feishu says is missing."""
        from chalicelib.domain.roster import ChatMembers, ListedMember

        if not self.direct_messages:
            raise ListRefused(
                "feishu", "the app (ROLLCALL_FEISHU_APP_ID and ROLLCALL_FEISHU_APP_SECRET)"
            )
        people: list[ListedMember] = []
        token = ""
        path = f"/im/v1/chats/{quote(chat.chat_id, safe='')}/members"
        for _ in range(MAX_LIST_PAGES):
            params = {"member_id_type": "open_id", "page_size": str(LIST_PAGE)}
            if token:
                params["page_token"] = token
            try:
                answer = self._app_request("GET", path, self._sender, params=params, payload=None)
            except AppError as error:
                if error.code is None or error.code in THROTTLE_CODES:
                    raise
                raise ListRefused(
                    "feishu",
                    LIST_REFUSALS.get(error.code, f"access (code {error.code})"),
                    str(error),
                ) from None
            data = answer.body.get("data") if isinstance(answer.body, dict) else None
            items = data.get("items") if isinstance(data, dict) else None
            if not isinstance(data, dict) or not isinstance(items, list):
                raise MalformedAnswer("feishu", "a page without items")
            for item in items:
                member_id = item.get("member_id") if isinstance(item, dict) else None
                if not isinstance(member_id, str) or identifier(member_id) is None:
                    raise MalformedAnswer("feishu", "a member without a member_id")
                name = item.get("name")
                people.append(ListedMember(member_id, name if isinstance(name, str) else ""))
            token = data.get("page_token") or ""
            if not data.get("has_more"):
                return ChatMembers(tuple(people), complete=True)
            if not isinstance(token, str) or not token:
                raise MalformedAnswer("feishu", "has_more without a page_token")
        raise MalformedAnswer("feishu", f"the list did not end after {MAX_LIST_PAGES} pages")

    def chat_admin_ids(self, chat: ChatAddress) -> frozenset[str]:
        """The group's owner and managers (``GET /im/v1/chats/{chat_id}``: ``owner_id``
        and ``user_manager_id_list``, open ids), through the app: one call. Needs the app
        (ROLLCALL_FEISHU_APP_ID/_APP_SECRET) with the ``im:chat:readonly`` scope."""
        if not self.direct_messages:
            raise AdminsUnavailable(
                "feishu: reading the group's owner and managers needs the app "
                "(ROLLCALL_FEISHU_APP_ID and ROLLCALL_FEISHU_APP_SECRET)"
            )
        try:
            answer = self._app_request(
                "GET",
                f"/im/v1/chats/{quote(chat.chat_id, safe='')}",
                self._sender,
                params={"user_id_type": "open_id"},
                payload=None,
            )
        except AppError as error:
            if error.code is None or error.code in THROTTLE_CODES:
                raise
            raise AdminsUnavailable(
                f"feishu refused to read chat {chat.chat_id} ({error.code}): the app needs "
                "im:chat:readonly and must be in the group"
            ) from None
        data = answer.body.get("data") if isinstance(answer.body, dict) else None
        if not isinstance(data, dict):
            raise AdminsUnavailable("feishu: the chat's answer had no data")
        owner = data.get("owner_id") if data.get("owner_id_type", "open_id") == "open_id" else None
        ids = [owner, *_id_list(data.get("user_manager_id_list"))]
        return frozenset(str(i) for i in ids if isinstance(i, str) and i)

    def _app_request(
        self,
        method: str,
        path: str,
        sender: HttpSender,
        *,
        params: dict[str, str],
        payload: dict[str, Any] | None,
        pace_key: str | None = None,
    ) -> Answer:
        """One Open API call as the app: the cached tenant token, replaced once when Feishu
        says it is no longer valid. AppError carries Feishu's code when the body had one."""

        def send(token: str) -> Answer:
            return sender.request(
                method,
                f"{self._api_base}{path}",
                pace_key=pace_key,
                ok=_code_ok,
                retry_after=_throttle(),
                params=params,
                headers={**_JSON_HEADERS, "Authorization": f"Bearer {token}"},
                **({"data": _json_bytes(payload)} if payload is not None else {}),
            )

        def failed(error: DeliveryError) -> DeliveryError:
            code = _code(error.answer.body) if error.answer is not None else None
            return AppError(str(error), code if isinstance(code, int) else None)

        return self._tenant_token.call(
            lambda: self._fetch_tenant_token(sender),
            send,
            rejected=lambda refused: _code(refused.body) in TOKEN_INVALID_CODES,
            failed=failed,
        )

    def _fetch_tenant_token(self, sender: HttpSender) -> tuple[Any, Any]:
        """A fresh tenant_access_token and its lifetime (``AppToken`` caches it: one token
        request serves every send of a warm Lambda)."""
        answer = sender.request(
            "POST",
            f"{self._api_base}/auth/v3/tenant_access_token/internal",
            ok=_code_ok,
            headers=_JSON_HEADERS,
            data=_json_bytes({"app_id": self._app_id, "app_secret": self._app_secret}),
        )
        body = answer.body if isinstance(answer.body, dict) else {}
        return body.get("tenant_access_token"), body.get("expire")


# Feishu's text mention tag, ``<at user_id="all"></at>`` pinging everyone: in a Message's
# words, opening or closing, any spacing or case, it is not a tag once defused.
_AT_TAG = re.compile(r"<(?=\s*/?\s*at(?![\w-]))", re.IGNORECASE)


def mention_tag(user_id: str, name: str) -> str:
    """Feishu's text mention; the client shows the member's current name whatever we write,
    so angle brackets and quotes are dropped rather than escaped."""
    clean_id = user_id.replace('"', "").replace("<", "").replace(">", "")
    clean_name = name.replace("<", "").replace(">", "")
    return f'<at user_id="{clean_id}">{clean_name}</at>'


def _message_text(content: Any, mentions: Any) -> str:
    if not isinstance(content, str):
        raise BadPayload("text message without content")
    try:
        text = load_json(content).get("text", "")
    except (ValueError, AttributeError):
        raise BadPayload("text message content is not JSON") from None
    if not isinstance(text, str):
        raise BadPayload("text message content has no text")
    names = {
        m["key"]: m.get("name") or ""
        for m in (mentions if isinstance(mentions, list) else [])
        if isinstance(m, dict) and isinstance(m.get("key"), str)
    }
    text = _LEADING_PLACEHOLDERS.sub("", text, count=1)
    text = _PLACEHOLDER.sub(lambda match: "@" + (names.get(match.group(0)) or "?"), text)
    return text.strip()


def _reply_context(message_id: Any) -> dict[str, Any]:
    """What a later answer needs to reply to the member's message: its ``om_`` id."""
    if isinstance(message_id, str) and _MESSAGE_ID.fullmatch(message_id):
        return {"message_id": message_id}
    return {}


def _open_id(sender_id: Any) -> str | None:
    if isinstance(sender_id, dict) and isinstance(sender_id.get("open_id"), str):
        return identifier(sender_id["open_id"])
    return None


def _message_id(answer: Answer) -> str:
    data = answer.body.get("data") if isinstance(answer.body, dict) else None
    return str(data.get("message_id", "")) if isinstance(data, dict) else ""


def _id_list(value: Any) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def _json_bytes(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


def _unique(mentions: Iterable[Any]) -> list[Any]:
    seen: set[str] = set()
    out = []
    for mention in mentions:
        if mention.user_id not in seen:
            seen.add(mention.user_id)
            out.append(mention)
    return out


def _code(body: Any) -> Any:
    if not isinstance(body, dict):
        return None
    return body.get("code", body.get("StatusCode"))  # custom bots once answered StatusCode


def _code_ok(answer: Answer) -> bool:
    return bool(_code(answer.body) == 0)


def _throttle() -> Callable[[Answer], float | None]:
    """A throttled answer's wait: Feishu's ``x-ogw-ratelimit-reset`` when given, else 1, 2,
    4 s..., counted per request."""
    backoff = itertools.count()

    def retry_after(answer: Answer) -> float | None:
        if answer.status != 429 and _code(answer.body) not in THROTTLE_CODES:
            return None
        headers = {k.lower(): v for k, v in answer.headers.items()}
        try:
            return max(0.0, float(headers["x-ogw-ratelimit-reset"]))
        except (KeyError, ValueError):
            return float(2 ** next(backoff))

    return retry_after
