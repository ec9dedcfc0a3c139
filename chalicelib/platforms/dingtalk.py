"""DingTalk (钉钉): the robot's message callback in, the group's custom robot out.

Inbound (robot receive, HTTP mode): headers ``timestamp`` (ms) and ``sign`` = base64
HMAC-SHA256 keyed by the app secret (``ROLLCALL_DINGTALK_APP_SECRET``) over
``f"{timestamp}\\n{app secret}"``; more than an hour off is refused, as DingTalk's docs ask.
That sign does not cover the body: within its hour a captured (timestamp, sign) pair could
carry another body. Two consequences here: ``msgId`` de-duplicates honest redeliveries only,
and the ``sessionWebhook`` we reply through is trusted only on DingTalk's own hosts
(``oapi.dingtalk.com``, ``api.dingtalk.com`` or the configured API base), so a forged body
cannot make us post to a URL of its choosing. And a (timestamp, sign) pair is bound to the
first body it arrived with (store/replay.py, one conditional PutItem per request): the same
body again passes (a redelivery, de-duplicated by ``msgId``), any other body is refused with
401 before anything reads it. The window left: DingTalk signing two different messages in
the same millisecond, the second of which would then be refused.

Body: ``conversationId`` (the chat), ``senderStaffId`` (the member's userid in the
organisation, the id ``atUserIds`` needs; ``senderId`` when DingTalk leaves it out, e.g.
for members of other organisations), ``senderNick``, ``text.content`` (the @robot already
removed by DingTalk), ``msgId`` (delivery id), ``sessionWebhook`` and
``sessionWebhookExpiredTime`` (ms), ``conversationType`` ("2" a group, "1" one-to-one:
both are handled, a community binds whichever conversation id it was given).

respond(): replies go through the ``sessionWebhook`` while it is valid (no signing needed,
the URL is the credential), else through the community's custom robot; the HTTP answer is
an empty ``{}``. ``reply_later`` (a deferred command's result) goes the same two ways, the
sessionWebhook only while it has a minute left (parts are paced 3 s apart), and the
community's robot only for the community's own group: a robot posts into its group only,
so a command asked in another chat (an admin chat) is answered there or not at all.

Outbound: the community's custom robot (``ChatAddress.robot_webhook``: the full
``https://oapi.dingtalk.com/robot/send?access_token=...`` URL, or just the access token)
with 加签 when it has a secret: URL parameters ``timestamp`` (ms) and ``sign`` = URL-encoded
base64 HMAC-SHA256 keyed by the secret over ``f"{timestamp}\\n{secret}"``. Without a robot
there is no way in (the app's group-send API is not used): DeliveryError says to set one.
Body ``{"msgtype": "text", "text": {"content"}, "at": {"atUserIds": [...]}}``; each
mentioned id also appears as ``@id`` in the text, or DingTalk shows no mention.
``errcode`` != 0 is a failure. A robot takes 20 messages a minute and is then throttled
for ten minutes: parts are paced 3 s apart, and a throttled answer (130101) gives up at once
(waiting ten minutes would hold a Lambda idle); the job's retry resumes from the first
undelivered part. A robot set up with keywords (自定义关键词) refuses messages that lack
one: use 加签 instead.

Direct messages (``direct_messages`` is True once ``ROLLCALL_DINGTALK_APP_KEY`` and the app
secret are set) go through the enterprise internal app's robot, on the new Open API host
(``ROLLCALL_DINGTALK_OPENAPI_BASE``, default ``https://api.dingtalk.com``; the custom robot
stays on ``oapi.dingtalk.com``):

- the app's access token from ``POST /v1.0/oauth2/accessToken`` ``{appKey, appSecret}``,
  cached until five minutes before its ``expireIn``; an answer of 401 or
  ``InvalidAuthentication`` drops it and tries once more with a fresh one;
- ``POST /v1.0/robot/oToMessages/batchSend`` (header ``x-acs-dingtalk-access-token``) with
  ``{robotCode, userIds: [userid], msgKey: "sampleText", msgParam: '{"content": ...}'}``.
  The robot code is the app key unless ``ROLLCALL_DINGTALK_ROBOT_CODE`` says otherwise. The
  answer's ``processQueryKey`` is the message id. DingTalk answers 200 even when it did not
  deliver: a member in ``invalidStaffIdList`` (not in the organisation, or outside the
  app's range), ``flowControlledStaffIdList`` (too many messages to them) or
  ``filteredStaffIdList`` is a DeliveryError, raised at once.

There is no ``remove_member``: DingTalk has no robot API that removes someone from a group.

Roster sync and admins of a **scene group** (场景群, the app's own group:
``ChatAddress.group_kind`` "scene", domain/visibility.py), through the app's token:

- members: ``POST {openapi}/v1.0/im/sceneGroups/members/batchQuery`` with
  ``{openConversationId, maxResults, nextToken}``, answering ``memberUserIds``, ``hasMore``
  and ``nextToken`` (userids, no names), every page read before answering;
- owner and sub-admins: ``POST {api_base}/topapi/im/chat/scenegroup/get?access_token=``
  with ``{open_conversation_id}``, answering ``result.owner_staff_id`` and
  ``result.sub_admin_staff_ids`` (permission ``qyapi_chat_read``).

A refusal (a 403 naming ``requiredScopes``, errcode 4000003 for a group that is no scene
group) names what is missing and nothing is written. An ordinary group (a custom robot's)
has no member API: sync says so in one sentence.

Part size: DingTalk publishes no limit for robot text (reports range from 1,024 to 20,000
characters). Parts are cut at 2,000 characters: a 300-member reminder takes two or three
messages, well inside the 20/min budget.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

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
    json_object,
    pack_replies,
    same_secret,
    skew_seconds,
    split_mentions,
)
from chalicelib.platforms.http import Answer, AppToken, HttpSender

if TYPE_CHECKING:
    from chalicelib.domain.roster import ChatMembers

log = logging.getLogger("rollcall.platforms.dingtalk")

TIMESTAMP_HEADER = "timestamp"
SIGN_HEADER = "sign"
MAX_SKEW_MS = 3600 * 1000
# A bound (timestamp, sign) pair is kept this long past its window: TTL deletion is late,
# never early, so this only needs to be positive.
BOUND_MARGIN_SECONDS = 600
MESSAGE_LIMIT = 2000
# 20 messages a minute per robot.
PER_ROBOT_INTERVAL = 3.0
# A sessionWebhook about to expire is not worth a try.
SESSION_MARGIN_MS = 5000
# For a later answer, paced part by part: the sessionWebhook must outlive all the parts.
LATER_SESSION_MARGIN = timedelta(minutes=1)
# "send too fast": the robot is throttled for 10 minutes, longer than any Lambda should
# wait, so HttpSender gives up at once (its cap is 30 s).
THROTTLE_CODES = frozenset({130101, 410100})
THROTTLED_FOR_SECONDS = 600.0
TRUSTED_HOSTS = frozenset({"oapi.dingtalk.com", "api.dingtalk.com"})
DEFAULT_OPENAPI_BASE = "https://api.dingtalk.com"
# The app's access token is refreshed this long before DingTalk says it expires (2 hours).
TOKEN_MARGIN_SECONDS = 300
# Who did not get a batchSend, and why; DingTalk answers 200 all the same.
UNDELIVERED_LISTS = {
    "invalidStaffIdList": "not a member of the organisation, or outside the app's range",
    "flowControlledStaffIdList": "DingTalk is limiting messages to this member",
    "filteredStaffIdList": "DingTalk filtered the message for this member",
}
_JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}
# Scene groups: members per page (batchQuery's maxResults, at most 1,000) and a bound on
# pages (a scene group holds at most 3,000 members, so 3 pages; the bound stops a loop).
SCENE_PAGE = 1000
MAX_SCENE_PAGES = 50
# What reading a scene group needs, when DingTalk's refusal does not say.
SCENE_PERMISSION = "qyapi_chat_read"
SCENE_REFUSALS = {
    4000003: "a scene group: the chat is not one the app's template created (check "
    "--group-kind and the openConversationId)",
    88: SCENE_PERMISSION,
    60011: SCENE_PERMISSION,
}


@dataclass(frozen=True)
class DingTalkPart:
    """One message: its text, and the ids it @-mentions (each also written ``@id`` in it)."""

    text: str
    at_user_ids: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.text


def sign(secret: str, timestamp: str) -> str:
    """DingTalk's signature, inbound (app secret) and outbound (robot secret) alike."""
    mac = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def build(settings: Any, runtime: Any) -> DingTalkAdapter:
    """Always built: sending through a community's robot needs no app. Inbound requests are
    refused until ROLLCALL_DINGTALK_APP_SECRET is set."""
    return DingTalkAdapter(
        app_secret=settings.secret("ROLLCALL_DINGTALK_APP_SECRET"),
        app_key=settings.secret("ROLLCALL_DINGTALK_APP_KEY"),
        robot_code=settings.secret("ROLLCALL_DINGTALK_ROBOT_CODE"),
        api_base=api_base(settings, "dingtalk"),
        openapi_base=settings.secret("ROLLCALL_DINGTALK_OPENAPI_BASE") or DEFAULT_OPENAPI_BASE,
        find_chat=community_robot(runtime, "dingtalk"),
        clock=lambda: runtime.clock.now(),
        bind_body=_bind_in_store(runtime),
    )


# (timestamp, sign, body, expires_at) → False when the pair already came with another body.
BindBody = Callable[[str, str, bytes, int], bool]


def _bind_in_store(runtime: Any) -> BindBody:
    """The runtime's table remembers which body each signature pair came with first."""

    def bind(timestamp: str, signature: str, body: bytes, expires_at: int) -> bool:
        from chalicelib.store.replay import bind_signature

        return bind_signature(
            runtime.store.table, "dingtalk", timestamp, signature, body, expires_at=expires_at
        )

    return bind


class DingTalkAdapter:
    name = "dingtalk"

    def __init__(
        self,
        *,
        app_secret: str = "",
        app_key: str = "",
        robot_code: str = "",
        api_base: str = DEFAULT_API_BASES["dingtalk"],
        openapi_base: str = DEFAULT_OPENAPI_BASE,
        find_chat: ChatLookup | None = None,
        clock: Callable[[], datetime] | None = None,
        bind_body: BindBody | None = None,
        wall_clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        sender: HttpSender | None = None,
        reply_sender: HttpSender | None = None,
        openapi_sender: HttpSender | None = None,
    ) -> None:
        self._app_secret = app_secret
        self._app_key = app_key
        # An enterprise internal app's robot code is its app key, unless set otherwise.
        self._robot_code = robot_code or app_key
        self._api_base = api_base.rstrip("/")
        self._openapi_base = openapi_base.rstrip("/")
        self._find_chat = find_chat
        # Binds a verified signature pair to its body (build() always sets it; an adapter
        # made by hand without one, in a test, checks the signature alone).
        self._bind_body = bind_body
        # The request's arrival time (the runtime's clock) decides whether a sessionWebhook
        # still lives; a robot's signature needs the real time, whatever a replay says.
        self._clock = clock or (lambda: datetime.fromtimestamp(time.time(), UTC))
        self._wall_clock = wall_clock
        self._sender = sender or HttpSender(min_interval=PER_ROBOT_INTERVAL)
        self._reply_sender = reply_sender or HttpSender.for_replies()
        # The app's Open API is not the custom robot: no 3 s robot pacing there.
        self._openapi_sender = openapi_sender or HttpSender()
        self._trusted_hosts = TRUSTED_HOSTS | {urlsplit(self._api_base).netloc}
        self._token = AppToken(
            "DingTalk answered without an accessToken",
            margin=TOKEN_MARGIN_SECONDS,
            monotonic=monotonic,
        )
        # Direct messages go through the app's robot: its key and secret are both needed.
        self.direct_messages = bool(app_key and app_secret)

    def __repr__(self) -> str:
        app = "set" if self.direct_messages else "unset"
        return f"DingTalkAdapter(api_base={self._api_base!r}, app={app})"

    # -- inbound
    def verify(self, request: HttpRequest, now: datetime) -> None:
        if not self._app_secret:
            raise Unauthorized("DingTalk inbound is not configured")
        timestamp, signed = request.header(TIMESTAMP_HEADER), request.header(SIGN_HEADER)
        if not timestamp or not signed:
            raise Unauthorized("missing signature")
        if skew_seconds(now, timestamp, unit=0.001) > MAX_SKEW_MS / 1000:
            raise Unauthorized("stale timestamp")
        expected = sign(self._app_secret, timestamp)
        if not same_secret(expected, signed):
            raise Unauthorized("bad signature")
        if self._bind_body is not None:
            expires_at = int(timestamp) // 1000 + MAX_SKEW_MS // 1000 + BOUND_MARGIN_SECONDS
            if not self._bind_body(timestamp, expected, request.body, expires_at):
                raise Unauthorized("signature already used with another body")

    def parse(self, request: HttpRequest) -> Parsed:
        body = json_object(request.body)
        chat_id = body.get("conversationId")
        user_id = body.get("senderStaffId") or body.get("senderId")
        if not isinstance(chat_id, str) or not identifier(chat_id):
            raise BadPayload("conversationId is required")
        if not isinstance(user_id, str) or not identifier(user_id):
            raise BadPayload("senderStaffId or senderId is required")
        text = ""
        if body.get("msgtype", "text") == "text":
            content = body.get("text")
            text = content.get("content", "") if isinstance(content, dict) else ""
            if not isinstance(text, str):
                raise BadPayload("text.content must be a string")
        nick = body.get("senderNick")
        event = InboundEvent(
            kind="message",
            platform=self.name,
            chat_id=chat_id,
            sender=Sender(user_id=user_id, name=nick if isinstance(nick, str) else ""),
            text=text.strip(),
            event_id=str(body["msgId"]) if body.get("msgId") else None,
            reply_context=self._session(body),
            workspace=identifier(body.get("chatbotCorpId")),
        )
        return Parsed(events=[event])

    def _session(self, body: dict[str, Any]) -> dict[str, Any]:
        url, expires = body.get("sessionWebhook"), body.get("sessionWebhookExpiredTime")
        if not isinstance(url, str) or not isinstance(expires, int):
            return {}
        parts = urlsplit(url)
        if parts.scheme != "https" or parts.netloc not in self._trusted_hosts:
            log.warning("untrusted sessionWebhook ignored", extra={"platform": self.name})
            return {}
        return {"session_webhook": url, "session_expires_ms": expires}

    def respond(self, event: InboundEvent | None, replies: Sequence[Message]) -> HttpResponse:
        """Replies through the sessionWebhook while it lives (else the community's robot),
        sent while DingTalk waits, one quick attempt each; then an empty 200."""
        if event is None or not replies:
            return HttpResponse(200, {})
        chat = self._reply_address(event)
        if chat is None:
            log.warning(
                "no way to reply: no live sessionWebhook, no robot", extra={"platform": self.name}
            )
            return HttpResponse(200, {})
        deliver_replies(
            lambda part: self._post(chat, part, self._reply_sender),
            pack_replies((self.render(reply) for reply in replies), _merge),
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
        """The answer to ``event`` after the webhook returned: its sessionWebhook while it
        lives, else the community's robot when the event came from the community's group
        (see the module docstring)."""
        chat = self._session_address(event, now + LATER_SESSION_MARGIN)
        if chat is None:
            chat = community_chat if community_chat and community_chat.robot_webhook else None
        if chat is None:
            raise DeliveryError(
                f"no way to answer in DingTalk chat {event.chat_id}: its sessionWebhook has "
                "expired, and only a community's own group with a custom robot (`rollcall "
                "community update <id> --robot-webhook ...`) can be posted to without one"
            )
        parts = [part for part in self.render(message) if part.text]
        return [self._post(chat, part, self._sender) for part in parts]

    def _session_address(self, event: InboundEvent, until: datetime) -> ChatAddress | None:
        """The event's sessionWebhook as an address, while it lives past ``until`` and is
        on DingTalk's own hosts (a queued event is checked again, as parse checks it)."""
        url = event.reply_context.get("session_webhook")
        expires = event.reply_context.get("session_expires_ms")
        if not isinstance(url, str) or not isinstance(expires, int) or isinstance(expires, bool):
            return None
        parts = urlsplit(url)
        if parts.scheme != "https" or parts.netloc not in self._trusted_hosts:
            return None
        if until.timestamp() * 1000 >= expires:
            return None
        return ChatAddress(self.name, event.chat_id, robot_webhook=url)

    def _reply_address(self, event: InboundEvent) -> ChatAddress | None:
        until = self._clock() + timedelta(milliseconds=SESSION_MARGIN_MS)
        session = self._session_address(event, until)
        if session is not None:
            return session
        return self._find_chat(event.chat_id) if self._find_chat else None

    # -- outbound
    def render(self, message: Message) -> list[DingTalkPart]:
        mentions = [(f"@{i}", i) for i in _unique(m.user_id for m in message.mentions)]
        text, tail = defuse(message.text, _AT_ALL), defuse(message.tail, _AT_ALL)
        parts = split_mentions(text, mentions, tail, MESSAGE_LIMIT)
        return [DingTalkPart(text, ids) for text, ids in parts]

    def deliver(self, chat: ChatAddress, part: DingTalkPart) -> str:
        return self._post(chat, part, self._sender)

    def send(self, chat: ChatAddress, message: Message) -> Delivery:
        return deliver_parts(lambda part: self.deliver(chat, part), self.render(message))

    def _post(self, chat: ChatAddress, part: DingTalkPart | str, sender: HttpSender) -> str:
        if isinstance(part, str):
            part = DingTalkPart(part)
        if not chat.robot_webhook:
            raise DeliveryError(
                f"DingTalk chat {chat.chat_id} has no robot: add a custom robot to the group "
                "and set it with `rollcall community update <id> --robot-webhook "
                "https://oapi.dingtalk.com/robot/send?access_token=... --robot-secret SEC...`"
            )
        url = self._robot_url(chat.robot_webhook)
        params: dict[str, str] = {}
        if chat.robot_secret:
            timestamp = str(int(self._wall_clock() * 1000))
            params = {"timestamp": timestamp, "sign": sign(chat.robot_secret, timestamp)}
        payload: dict[str, Any] = {"msgtype": "text", "text": {"content": part.text}}
        if part.at_user_ids:
            payload["at"] = {"atUserIds": list(part.at_user_ids), "isAtAll": False}
        sender.request(
            "POST",
            url,
            pace_key=url,
            ok=_errcode_ok,
            retry_after=_retry_after,
            params=params,  # requests URL-encodes the base64 sign (+, /, =), as DingTalk asks
            headers=_JSON_HEADERS,
            data=json.dumps(payload, ensure_ascii=False).encode(),
        )
        # DingTalk's robots answer without a message id; the run records a local one.
        return f"dingtalk-robot-{uuid.uuid4().hex[:16]}"

    def _robot_url(self, webhook: str) -> str:
        if "://" in webhook:
            return webhook
        return f"{self._api_base}/robot/send?access_token={quote(webhook, safe='')}"

    # -- direct messages (the app's robot)
    def deliver_direct(self, chat: ChatAddress, user_id: str, part: DingTalkPart | str) -> str:
        """One part to a member privately through the app's robot (see the module
        docstring); returns DingTalk's ``processQueryKey``."""
        if not self.direct_messages:
            raise DeliveryError(
                "DingTalk direct messages need the app: set ROLLCALL_DINGTALK_APP_KEY and "
                "ROLLCALL_DINGTALK_APP_SECRET (a custom robot cannot message a member)"
            )
        text = part.text if isinstance(part, DingTalkPart) else str(part)
        payload = {
            "robotCode": self._robot_code,
            "userIds": [user_id],
            "msgKey": "sampleText",
            "msgParam": json.dumps({"content": text}, ensure_ascii=False),
        }
        body = self._openapi_post("/v1.0/robot/oToMessages/batchSend", payload, refusals=True)
        for key, why in UNDELIVERED_LISTS.items():
            listed = body.get(key)
            if isinstance(listed, list) and user_id in [str(i) for i in listed]:
                raise DirectRefused(f"DingTalk did not deliver to {user_id} ({key}): {why}")
        query_key = body.get("processQueryKey")
        return str(query_key) if query_key else f"dingtalk-dm-{uuid.uuid4().hex[:16]}"

    # -- scene groups (roster sync, admins)
    def read_chat_members(
        self, chat: ChatAddress, roster: Sequence[str], *, check_limit: int
    ) -> ChatMembers:
        """A scene group's members, every page (see the module docstring)."""
        from chalicelib.domain.roster import ChatMembers, ListedMember

        self._scene_group_only(chat)
        people: list[ListedMember] = []
        next_token = ""
        for _ in range(MAX_SCENE_PAGES):
            payload: dict[str, Any] = {"openConversationId": chat.chat_id, "maxResults": SCENE_PAGE}
            if next_token:
                payload["nextToken"] = next_token
            body = self._scene_call("/v1.0/im/sceneGroups/members/batchQuery", payload)
            ids = body.get("memberUserIds")
            if not isinstance(ids, list):
                raise MalformedAnswer("dingtalk", "a page without memberUserIds")
            for user_id in ids:
                if not isinstance(user_id, str) or identifier(user_id) is None:
                    raise MalformedAnswer("dingtalk", "a member without a userid")
                people.append(ListedMember(user_id, ""))
            if not body.get("hasMore"):
                return ChatMembers(tuple(people), complete=True)
            next_token = body.get("nextToken") or ""
            if not isinstance(next_token, str) or not next_token:
                raise MalformedAnswer("dingtalk", "hasMore without a nextToken")
        raise MalformedAnswer("dingtalk", f"the list did not end after {MAX_SCENE_PAGES} pages")

    def chat_admin_ids(self, chat: ChatAddress) -> frozenset[str]:
        """A scene group's owner and sub-admins: one call (see the module docstring)."""
        try:
            self._scene_group_only(chat)
            body = self._scene_info(chat.chat_id)
        except (ListRefused, MalformedAnswer) as error:
            raise AdminsUnavailable(str(error)) from None
        result = body.get("result")
        if not isinstance(result, dict):
            raise AdminsUnavailable("dingtalk: the scene group's answer had no result")
        subs = result.get("sub_admin_staff_ids") or []
        if not isinstance(subs, list):
            raise AdminsUnavailable("dingtalk: sub_admin_staff_ids is not a list")
        ids = [result.get("owner_staff_id"), *subs]
        found = frozenset(i for i in ids if isinstance(i, str) and identifier(i))
        if not found:
            raise AdminsUnavailable("dingtalk: the scene group's answer named no owner")
        return found

    def _scene_group_only(self, chat: ChatAddress) -> None:
        if chat.group_kind != "scene":
            raise ListRefused(
                "dingtalk",
                "a scene group: an ordinary group's robot has no member API (set "
                "--group-kind scene for the app's scene groups)",
            )
        if not self.direct_messages:
            raise ListRefused(
                "dingtalk", "the app (ROLLCALL_DINGTALK_APP_KEY and ROLLCALL_DINGTALK_APP_SECRET)"
            )

    def _scene_call(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """A new Open API call for a scene group: a 4xx but 429 is a ListRefused naming the
        scope DingTalk says is required (``accessdenieddetail.requiredScopes``)."""

        def send(token: str) -> Answer:
            return self._openapi_sender.request(
                "POST",
                f"{self._openapi_base}{path}",
                headers={**_JSON_HEADERS, "x-acs-dingtalk-access-token": token},
                data=json.dumps(payload, ensure_ascii=False).encode(),
            )

        def failed(error: DeliveryError) -> DeliveryError | None:
            answer = error.answer
            if answer is None or not 400 <= answer.status < 500 or answer.status == 429:
                return None
            body = answer.body if isinstance(answer.body, dict) else {}
            detail = body.get("accessdenieddetail")
            scopes = detail.get("requiredScopes") if isinstance(detail, dict) else None
            if isinstance(scopes, list) and scopes:
                need = ", ".join(str(s) for s in scopes)
            elif answer.status == 403:
                need = SCENE_PERMISSION
            else:
                need = SCENE_REFUSALS[4000003]
            return ListRefused("dingtalk", need, f"{path}: {body.get('code', answer.status)}")

        answer = self._token.call(self._fetch_token, send, rejected=_token_rejected, failed=failed)
        if not isinstance(answer.body, dict):
            raise MalformedAnswer("dingtalk", f"{path} answered without a JSON object")
        return answer.body

    def _scene_info(self, conversation_id: str) -> dict[str, Any]:
        """``topapi/im/chat/scenegroup/get`` on the classic host, with the same token."""

        def send(token: str) -> Answer:
            return self._openapi_sender.request(
                "POST",
                f"{self._api_base}/topapi/im/chat/scenegroup/get",
                ok=_errcode_ok,
                params={"access_token": token},
                headers=_JSON_HEADERS,
                data=json.dumps({"open_conversation_id": conversation_id}).encode(),
            )

        def failed(error: DeliveryError) -> DeliveryError | None:
            body = error.answer.body if error.answer is not None else None
            code = body.get("errcode") if isinstance(body, dict) else None
            if not isinstance(code, int) or code in THROTTLE_CODES:
                return None
            need = SCENE_REFUSALS.get(code, f"access (errcode {code})")
            return ListRefused("dingtalk", need, f"scenegroup/get errcode {code}")

        answer = self._token.call(
            self._fetch_token,
            send,
            rejected=lambda refused: _errcode(refused) in (40014, 42001),
            failed=failed,
        )
        if not isinstance(answer.body, dict):
            raise MalformedAnswer("dingtalk", "scenegroup/get answered without a JSON object")
        return answer.body

    def _openapi_post(
        self, path: str, payload: dict[str, Any], *, refusals: bool = False
    ) -> dict[str, Any]:
        """A call to the new Open API with the app's token, replaced once when DingTalk
        says it is not valid (401 / InvalidAuthentication). With ``refusals``, any other
        4xx answer but 429 (e.g. ``staffId.notExisted``) is DirectRefused: it will not
        change on a retry."""

        def send(token: str) -> Answer:
            return self._openapi_sender.request(
                "POST",
                f"{self._openapi_base}{path}",
                headers={**_JSON_HEADERS, "x-acs-dingtalk-access-token": token},
                data=json.dumps(payload, ensure_ascii=False).encode(),
            )

        def failed(error: DeliveryError) -> DeliveryError | None:
            status = error.answer.status if error.answer is not None else 0
            if refusals and 400 <= status < 500 and status != 429:
                return DirectRefused(str(error))
            return None

        answer = self._token.call(self._fetch_token, send, rejected=_token_rejected, failed=failed)
        return answer.body if isinstance(answer.body, dict) else {}

    def _fetch_token(self) -> tuple[Any, Any]:
        """A fresh app access token and its lifetime (``AppToken`` caches it: one token
        request serves every direct message of a warm Lambda)."""
        answer = self._openapi_sender.request(
            "POST",
            f"{self._openapi_base}/v1.0/oauth2/accessToken",
            headers=_JSON_HEADERS,
            data=json.dumps({"appKey": self._app_key, "appSecret": self._app_secret}).encode(),
        )
        body = answer.body if isinstance(answer.body, dict) else {}
        return body.get("accessToken"), body.get("expireIn")


# A robot pings only whom ``at`` lists, never by text; still, the words of a message never
# read as a mention of everyone (@all, @所有人) or of a phone number (@mobile).
_AT_ALL = re.compile(r"@(?=all(?![\w-])|所有人|everyone(?![\w-])|\+?\d{5,})", re.IGNORECASE)


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def _merge(first: DingTalkPart, second: DingTalkPart) -> DingTalkPart | None:
    """Two reply parts as one message, with both parts' mentions, while within the limit."""
    text = first.text + REPLY_JOINER + second.text
    if len(text) > MESSAGE_LIMIT:
        return None
    return DingTalkPart(text, first.at_user_ids + second.at_user_ids)


def _errcode_ok(answer: Answer) -> bool:
    return isinstance(answer.body, dict) and answer.body.get("errcode") == 0


def _errcode(answer: Answer) -> Any:
    return answer.body.get("errcode") if isinstance(answer.body, dict) else None


def _token_rejected(answer: Answer) -> bool:
    code = answer.body.get("code") if isinstance(answer.body, dict) else None
    return answer.status == 401 or code == "InvalidAuthentication"


def _retry_after(answer: Answer) -> float | None:
    if isinstance(answer.body, dict) and answer.body.get("errcode") in THROTTLE_CODES:
        return THROTTLED_FOR_SECONDS
    return None
