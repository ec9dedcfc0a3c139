"""Slack: slash commands and the Events API in, ``chat.postMessage`` out.

Inbound, every request is signed: ``X-Slack-Signature`` = ``v0=`` + hex HMAC-SHA256 of
``v0:{timestamp}:{raw body}`` under the app's signing secret, and a timestamp more than five
minutes off is a replay. Two body shapes share the route:

- slash commands, as a form. ``/checkin note`` becomes the chat text ``/checkin note``. Slack
  reserves several of our words (``/me``, ``/leave``, ``/remind`` are built in), so one
  umbrella command works too: ``/rollcall checkin note`` or ``/rollcall 打卡`` become
  ``/checkin note`` and ``打卡``. The delivery id is the ``trigger_id``.
- Events API JSON: the ``url_verification`` handshake, then ``event_callback`` envelopes with
  ``app_mention`` (the leading ``<@BOT>`` removed), plain ``message`` (members' chatter and
  Chinese commands like ``打卡``), ``member_joined_channel`` and ``member_left_channel``. The
  delivery id is the envelope's ``event_id``, the same on Slack's retries
  (``X-Slack-Retry-Num``), so a retry is answered once.

Names: events carry only user ids, so a Slack sender comes with no name (``""``: the store
keeps a known member's name, e.g. from ``rollcall member import``, and shows a new one by
user id). Slash commands' ``user_name`` is deprecated by Slack and not used: mixing it with
events would rewrite the stored name back and forth. A ``users.info`` lookup could fill real
names later, once per member and cached, never once per message. Mentions use ``<@U123>``
and need no name.

Outbound: ``chat.postMessage`` with the bot token, text escaped (``&``, ``<``, ``>``). Slack
truncates text past 40,000 characters, but a wall of that size is unreadable: parts are cut
at 3,000 (a section block's size). ~1 message/s per channel; 429 honours ``Retry-After``; a
body with ``ok: false`` is a failure, ``ratelimited`` a retry.

Direct messages: ``conversations.open`` (scope ``im:write``) turns a user id into the id of
the bot's DM with them, kept per user for the adapter's life, then ``chat.postMessage``
posts there. Removal: ``conversations.kick`` (``channels:manage`` for public channels,
``groups:write`` for private ones). Slack answers both with HTTP 200 and an ``error`` code;
none but ``ratelimited`` changes on a retry, so each is one answer.

Answering later (``reply_later``, a deferred command's result): a slash command's
``response_url`` takes five messages within 30 minutes of the command and needs no bot
token, so an app configured with its signing secret alone still gets its results out.
Each rendered part is one use; without a bot token, parts beyond the uses left are joined
into one longer message (Slack shows up to 40,000 characters). Once the URL has expired,
is used up or is refused, and for Events API messages, the part goes through
``chat.postMessage`` into the channel, in the member's thread when there is one. Only a
``response_url`` on ``hooks.slack.com`` (or the configured API base's host) is posted to:
a URL taken from a payload is never trusted further than that.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from chalicelib.config import DEFAULT_API_BASES
from chalicelib.platforms.base import (
    REPLY_JOINER,
    AdminsUnavailable,
    BadPayload,
    ChatAddress,
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
    cut_long_lines,
    deliver_parts,
    deliver_replies,
    identifier,
    join_texts,
    json_object,
    pack_replies,
    same_secret,
    skew_seconds,
    split_parts,
)
from chalicelib.platforms.http import Answer, HttpSender

if TYPE_CHECKING:
    from chalicelib.domain.roster import ChatMembers

log = logging.getLogger("rollcall.platforms.slack")

SIGNATURE_HEADER = "x-slack-signature"
TIMESTAMP_HEADER = "x-slack-request-timestamp"
MAX_SKEW_SECONDS = 300
# Readable, section-sized parts; Slack's own hard limit (40,000) is no target.
MESSAGE_LIMIT = 3000
# chat.postMessage's documented pace for one channel.
PER_CHANNEL_INTERVAL = 1.0
# Message subtypes that are still a member talking (a file shared with a caption counts:
# a photo captioned 打卡 is a check-in). Edits, joins, topic changes... are not.
MEMBER_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})
# conversations.kick's "the member is not in the channel": what removal wanted anyway.
# Roster sync reads 1,000 members a page (Slack's maximum; it advises 200 for speed, but
# fewer pages is what keeps a 10,000-member channel under Tier 2's 20 requests a minute),
# and stops a cursor that never ends.
LIST_PAGE = 1000
MAX_LIST_PAGES = 500
KICK_ALREADY_DONE = frozenset({"not_in_channel"})
# chat.postMessage's answers for a thread_ts whose message is gone: no reply can go under it.
THREAD_GONE = frozenset({"thread_not_found", "message_not_found"})
# A slash command's response_url takes this many messages within this long of the command
# (Slack's documented limits); the margin keeps a last post from arriving just too late.
RESPONSE_URL_USES = 5
RESPONSE_URL_LIFETIME = timedelta(minutes=30)
RESPONSE_URL_MARGIN = timedelta(minutes=1)
RESPONSE_URL_HOST = "hooks.slack.com"
# What Slack shows of one message (it truncates beyond): the most a response_url part may
# carry when, without a bot token, several parts must share the uses left.
TEXT_LIMIT = 40000
_LEADING_MENTION = re.compile(r"^\s*<@[A-Z0-9]+(?:\|[^>]*)?>[\s:,]*")


# users.list pages of 200: 250 pages is a 50,000-person workspace, far past any community.
MAX_USER_PAGES = 250


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 request signature (what Slack sends, and what tests sign with)."""
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def build(settings: Any, runtime: Any) -> SlackAdapter | None:
    """Slack is configured by its signing secret: without it nothing inbound can be trusted.
    The bot token is optional: slash commands are answered inline without it; only
    posting (events' replies, jobs) needs it, and fails with DeliveryError until it is set."""
    secret = settings.secret("ROLLCALL_SLACK_SIGNING_SECRET")
    if not secret:
        return None
    return SlackAdapter(
        secret, settings.secret("ROLLCALL_SLACK_BOT_TOKEN"), api_base=api_base(settings, "slack")
    )


class SlackAdapter:
    name = "slack"

    def __init__(
        self,
        signing_secret: str,
        bot_token: str = "",
        *,
        api_base: str = DEFAULT_API_BASES["slack"],
        sender: HttpSender | None = None,
        reply_sender: HttpSender | None = None,
    ) -> None:
        self._secret = signing_secret
        self._token = bot_token
        self._api_base = api_base.rstrip("/")
        self._sender = sender or HttpSender(min_interval=PER_CHANNEL_INTERVAL)
        # Slack wants every answer within 3 s: one quick attempt a reply part.
        self._reply_sender = reply_sender or HttpSender.for_replies()
        self.direct_messages = bool(bot_token)
        # user id -> the bot's DM channel with them: stable, so opened once per user.
        self._dm_channels: dict[str, str] = {}
        # response_url -> the messages this adapter posted through it (a warm container
        # answers every retry of a command; RESPONSE_URL_USES once Slack refused it).
        self._response_url_uses: dict[str, int] = {}
        api = urlsplit(self._api_base)
        self._response_url_origins = {("https", RESPONSE_URL_HOST), (api.scheme, api.netloc)}

    def __repr__(self) -> str:
        token = "set" if self._token else "unset"
        return f"SlackAdapter(api_base={self._api_base!r}, bot_token={token})"

    # -- inbound
    def verify(self, request: HttpRequest, now: datetime) -> None:
        timestamp = request.header(TIMESTAMP_HEADER)
        signature = request.header(SIGNATURE_HEADER)
        if not timestamp or not signature:
            raise Unauthorized("missing signature")
        if skew_seconds(now, timestamp) > MAX_SKEW_SECONDS:
            raise Unauthorized("stale timestamp")
        expected = sign(self._secret, timestamp, request.body)
        if not same_secret(expected, signature):
            raise Unauthorized("bad signature")

    def parse(self, request: HttpRequest) -> Parsed:
        if _is_form(request):
            return self._parse_form(request.body)
        return self._parse_json(request.body)

    def _parse_form(self, body: bytes) -> Parsed:
        try:
            form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        except UnicodeDecodeError:
            raise BadPayload("form body is not UTF-8") from None
        if form.get("ssl_check") == "1":
            return Parsed(handshake=HttpResponse(200))  # Slack checking our certificate
        if "payload" in form:
            return Parsed()  # block actions / shortcuts: we post none, so none are ours
        if "command" not in form:
            raise BadPayload("form body has no command")
        user_id, channel_id = form.get("user_id", ""), form.get("channel_id", "")
        if identifier(user_id) is None or identifier(channel_id) is None:
            raise BadPayload("user_id and channel_id are required")
        event = InboundEvent(
            kind="message",
            platform=self.name,
            chat_id=channel_id,
            sender=Sender(user_id=user_id, name=""),  # see the module docstring
            text=slash_text(form["command"], form.get("text", "")),
            event_id=form.get("trigger_id") or None,
            reply_context={"slash": True, "response_url": form.get("response_url", "")},
            workspace=identifier(form.get("team_id")),
        )
        return Parsed(events=[event])

    def _parse_json(self, raw: bytes) -> Parsed:
        body = json_object(raw)
        kind = body.get("type")
        if kind == "url_verification":
            challenge = body.get("challenge")
            if not isinstance(challenge, str):
                raise BadPayload("url_verification without a challenge")
            return Parsed(handshake=HttpResponse(200, {"challenge": challenge}))
        if kind != "event_callback":
            return Parsed()  # app_rate_limited and future envelope types: acknowledge only
        event = body.get("event")
        if not isinstance(event, dict):
            raise BadPayload("event_callback without an event")
        parsed = self._event(event, _bot_users(body))
        if parsed is None:
            return Parsed()
        event_id = body.get("event_id")
        parsed = replace(parsed, workspace=identifier(body.get("team_id")))
        return Parsed(events=[_with_id(parsed, str(event_id) if event_id else None)])

    def _event(self, event: dict[str, Any], bot_users: set[str]) -> InboundEvent | None:
        kind = event.get("type")
        user, channel = event.get("user"), event.get("channel")
        if not isinstance(user, str) or not isinstance(channel, str):
            return None
        if identifier(user) is None or identifier(channel) is None:
            return None
        if kind in ("member_joined_channel", "member_left_channel"):
            if user in bot_users:
                return None  # our own bot joining is not a member joining
            joined: EventKind = (
                "member_joined" if kind == "member_joined_channel" else "member_left"
            )
            return self._inbound(joined, channel, user)
        if kind not in ("app_mention", "message") or _from_a_bot(event):
            return None  # bot posts (ours included) would otherwise answer themselves
        text = event.get("text") or ""
        if not isinstance(text, str):
            raise BadPayload("event.text must be a string")
        if kind == "app_mention":
            text = _LEADING_MENTION.sub("", text, count=1)
        else:
            if event.get("subtype") not in MEMBER_SUBTYPES:
                return None
            if any(f"<@{bot}" in text for bot in bot_users):
                # Slack sends this message twice: also as app_mention, which answers the
                # command. Here it only counts as activity, or the member gets two replies.
                text = ""
        context = (
            {"thread_ts": event["thread_ts"]} if isinstance(event.get("thread_ts"), str) else {}
        )
        return self._inbound("message", channel, user, text=text, context=context)

    def _inbound(
        self,
        kind: EventKind,
        channel: str,
        user: str,
        *,
        text: str = "",
        context: dict[str, Any] | None = None,
    ) -> InboundEvent:
        return InboundEvent(
            kind=kind,
            platform=self.name,
            chat_id=channel,
            sender=Sender(user_id=user, name=""),
            text=text,
            reply_context=context or {},
        )

    def respond(self, event: InboundEvent | None, replies: Sequence[Message]) -> HttpResponse:
        """Slash commands are answered in the response body (in_channel, visible to all);
        several parts: the leading ones through chat.postMessage first, the last inline, so
        they read in order. Events take no reply in the body: their replies are posted, then
        an empty 200 acknowledges (anything slower than 3 s is retried by Slack and then
        deduplicated by event_id)."""
        if event is None:
            return HttpResponse(200)
        parts = pack_replies((self.render(r) for r in replies), join_texts(MESSAGE_LIMIT))
        if event.reply_context.get("slash"):
            if not parts:
                return HttpResponse(200)
            if len(parts) > 1 and not self._token:
                # Without a bot token, the inline answer is the only way in: one longer message
                # (Slack takes up to 40,000 characters) beats losing the leading parts.
                parts = [REPLY_JOINER.join(parts)]
            *early, last = parts
            self._post_replies(event, early)
            return HttpResponse(200, {"response_type": "in_channel", "text": last})
        self._post_replies(event, parts)
        return HttpResponse(200)

    def _post_replies(self, event: InboundEvent, parts: Sequence[str]) -> None:
        thread_ts = event.reply_context.get("thread_ts")
        extra = {"thread_ts": thread_ts} if thread_ts else {}
        deliver_replies(
            lambda part: self._post(event.chat_id, part, extra, self._reply_sender),
            parts,
            log=log,
            platform=self.name,
            what="reply part not delivered",
        )

    def reply_later(
        self,
        event: InboundEvent,
        message: Message,
        *,
        community_chat: ChatAddress | None,
        asked_at: datetime,
        now: datetime,
    ) -> list[str]:
        """A deferred answer: through the slash command's response_url while it takes one,
        else ``chat.postMessage`` (in the thread the member wrote in). See the module
        docstring."""
        parts = [part for part in self.render(message) if part]
        url = self._response_url(event, asked_at, now)
        if url is not None and not self._token:
            left = RESPONSE_URL_USES - self._response_url_uses.get(url, 0)
            if len(parts) > left:
                # Nothing else can post the rest: fewer, longer messages instead.
                parts = pack_replies([parts], join_texts(TEXT_LIMIT))
        thread_ts = event.reply_context.get("thread_ts")
        extra = {"thread_ts": thread_ts} if isinstance(thread_ts, str) and thread_ts else {}
        ids: list[str] = []
        for part in parts:
            if url is not None and self._response_url_uses.get(url, 0) < RESPONSE_URL_USES:
                sent = self._post_response_url(url, event.chat_id, part)
                if sent is not None:
                    ids.append(sent)
                    continue
            if not self._token:
                raise DeliveryError(
                    "ROLLCALL_SLACK_BOT_TOKEN is not set and the command's response_url is "
                    "missing, expired (30 minutes), used up (5 messages) or refused: cannot "
                    "post to Slack"
                )
            ids.append(self._post(event.chat_id, part, extra, self._sender))
        return ids

    def _response_url(self, event: InboundEvent, asked_at: datetime, now: datetime) -> str | None:
        """The slash command's response_url while it may still take a message; None for
        events (which have none), an expired one, or one not on Slack's host."""
        context = event.reply_context
        url = context.get("response_url")
        if not context.get("slash") or not isinstance(url, str) or not url:
            return None
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) not in self._response_url_origins:
            log.warning("untrusted response_url ignored", extra={"platform": self.name})
            return None
        if now - asked_at >= RESPONSE_URL_LIFETIME - RESPONSE_URL_MARGIN:
            return None
        return url

    def _post_response_url(self, url: str, channel: str, text: str) -> str | None:
        """Post one part through a response_url, visible to the channel. None when Slack
        refused the URL (expired, used up, invalid: a 4xx or ``ok: false``), which is then
        not tried again; DeliveryError when Slack could not be reached, since the part may
        yet go through the URL on a retry."""
        try:
            self._sender.request(
                "POST",
                url,
                pace_key=channel,
                ok=_response_url_ok,
                retry_after=_retry_after,
                json={"response_type": "in_channel", "text": text},
            )
        except DeliveryError as error:
            answer = error.answer
            if answer is None or answer.status >= 500 or answer.status == 429:
                raise
            self._response_url_uses[url] = RESPONSE_URL_USES
            log.warning(
                "response_url refused; posting to the channel instead",
                extra={"platform": self.name, "error": str(error)},
            )
            return None
        self._response_url_uses[url] = self._response_url_uses.get(url, 0) + 1
        # A response_url answers "ok" and no timestamp: the run records a local id.
        return f"slack-response-{uuid.uuid4().hex[:16]}"

    # -- outbound
    def render(self, message: Message) -> list[str]:
        head = cut_long_lines(escape(message.text), MESSAGE_LIMIT, entities=True)
        tail = cut_long_lines(escape(message.tail), MESSAGE_LIMIT, entities=True)
        tokens = [f"<@{m.user_id}>" for m in message.mentions]
        return split_parts(head, tokens, tail, MESSAGE_LIMIT)

    def deliver(self, chat: ChatAddress, part: str) -> str:
        return self._post(chat.chat_id, part, {}, self._sender)

    def send(self, chat: ChatAddress, message: Message) -> Delivery:
        return deliver_parts(lambda part: self.deliver(chat, part), self.render(message))

    def deliver_direct(self, chat: ChatAddress, user_id: str, part: str) -> str:
        """Post into the bot's DM with the member. A refusal from ``conversations.open``
        (``user_not_found``, ``cannot_dm_bot``, ``user_disabled``, ``missing_scope``...) is
        one answer, never retried: the caller falls back to the channel."""
        channel = self._dm_channel(user_id)
        try:
            return self._post(channel, part, {}, self._sender)
        except DeliveryError:
            self._dm_channels.pop(user_id, None)  # open it afresh next time
            raise

    def _dm_channel(self, user_id: str) -> str:
        cached = self._dm_channels.get(user_id)
        if cached is not None:
            return cached
        body = self._call("conversations.open", {"users": user_id})
        channel = body.get("channel") if body.get("ok") else None
        channel_id = channel.get("id") if isinstance(channel, dict) else None
        if not isinstance(channel_id, str) or identifier(channel_id) is None:
            reason = _error(body) if not body.get("ok") else "no channel in the answer"
            raise DirectRefused(f"Slack refused a direct message to user {user_id}: {reason}")
        self._dm_channels[user_id] = channel_id
        return channel_id

    def remove_member(self, chat: ChatAddress, user_id: str) -> bool:
        """Kick the member from the channel; they can be invited back. True when they are
        out (``not_in_channel``: already gone); False when Slack refuses
        (``restricted_action``, ``missing_scope``, ``cant_kick_from_general``...) or cannot
        be reached: the caller records "remove by hand", so nothing here raises."""
        try:
            body = self._call("conversations.kick", {"channel": chat.chat_id, "user": user_id})
        except DeliveryError as error:
            reason = str(error)
        else:
            if body.get("ok") or body.get("error") in KICK_ALREADY_DONE:
                return True
            reason = _error(body)
        log.warning(
            "member not removed",
            extra={"platform": self.name, "chat": chat.chat_id, "error": reason},
        )
        return False

    # -- pins (jobs/post_announcements.py)
    def pin_message(self, chat: ChatAddress, message_id: str) -> None:
        """``pins.add`` (scope ``pins:write``); ``already_pinned`` is done already."""
        body = self._call("pins.add", {"channel": chat.chat_id, "timestamp": message_id})
        if not body.get("ok") and body.get("error") != "already_pinned":
            raise DeliveryError(f"slack refused the pin: {_error(body)}")

    # -- thread replies (jobs/runner.py: the digest's full list under its summary)
    def reply_in_thread(self, chat: ChatAddress, message_id: str, part: str) -> str:
        """``chat.postMessage`` with ``thread_ts`` set to the message's ts: a thread is
        only the replies to that ts, so a retried run adds to the same one. A message
        Slack no longer has (``thread_not_found``, ``message_not_found``) refuses for good."""
        try:
            return self._post(chat.chat_id, part, {"thread_ts": message_id}, self._sender)
        except DeliveryError as error:
            body = error.answer.body if error.answer is not None else None
            code = body.get("error") if isinstance(body, dict) else None
            if code not in THREAD_GONE:
                raise
            raise ThreadRefused(f"slack refused the thread reply: {code}") from None

    # -- roster sync (features/roster.py)
    def read_chat_members(
        self, chat: ChatAddress, roster: Sequence[str], *, check_limit: int
    ) -> ChatMembers:
        """The channel's members (``conversations.members``, 1,000 a page) named from the
        workspace's users (``users.list``, 1,000 a page): O(pages) requests, never one per
        member. Bots and deactivated accounts are nobody's roster; a member ``users.list``
        does not show (a Slack Connect guest) is listed without a name. Every page is read
        before this answers."""
        from chalicelib.domain.roster import ChatMembers, ListedMember

        if not self._token:
            raise ListRefused("slack", "the bot token (ROLLCALL_SLACK_BOT_TOKEN)")
        ids: list[str] = []
        for page in self._pages("conversations.members", {"channel": chat.chat_id}):
            members = page.get("members")
            if not isinstance(members, list) or not all(
                isinstance(m, str) and identifier(m) for m in members
            ):
                raise MalformedAnswer("slack", "conversations.members without user ids")
            ids.extend(members)
        wanted = set(ids)
        named: dict[str, ListedMember] = {}
        excluded: set[str] = {"USLACKBOT"}
        for page in self._pages("users.list", {}):
            users = page.get("members")
            if not isinstance(users, list):
                raise MalformedAnswer("slack", "users.list without members")
            for user in users:
                user_id = user.get("id") if isinstance(user, dict) else None
                if not isinstance(user_id, str) or user_id not in wanted:
                    continue
                if user.get("is_bot") or user.get("deleted") or user.get("is_app_user"):
                    excluded.add(user_id)
                    continue
                named[user_id] = ListedMember(user_id, _display_name(user), user.get("name"))
        people = [
            named.get(user_id, ListedMember(user_id, ""))
            for user_id in dict.fromkeys(ids)
            if user_id not in excluded
        ]
        return ChatMembers(tuple(people), complete=True)

    def _pages(self, method: str, form: dict[str, str]) -> Iterator[dict[str, Any]]:
        """Every page of a cursor-paginated read, paced one request a second per method;
        ListRefused for an answer no retry changes (a missing scope, the bot not in the
        channel), naming the scope Slack says is needed."""
        cursor = ""
        for _ in range(MAX_LIST_PAGES):
            page = self._call(
                method,
                {**form, "limit": str(LIST_PAGE), **({"cursor": cursor} if cursor else {})},
                pace_key=method,
            )
            if not page.get("ok"):
                error = str(page.get("error") or "unknown error")
                needed = page.get("needed")
                if error == "missing_scope" and isinstance(needed, str) and needed:
                    raise ListRefused("slack", f"scope {needed}", f"{method}: missing_scope")
                if error in ("not_in_channel", "channel_not_found"):
                    raise ListRefused("slack", "the bot in the channel", f"{method}: {error}")
                raise ListRefused("slack", f"access to {method}", error)
            yield page
            metadata = page.get("response_metadata")
            cursor = metadata.get("next_cursor", "") if isinstance(metadata, dict) else ""
            if not cursor:
                return
            if not isinstance(cursor, str):
                raise MalformedAnswer("slack", f"{method} with a cursor that is not one")
        raise MalformedAnswer("slack", f"{method} did not end after {MAX_LIST_PAGES} pages")

    def chat_admin_ids(self, chat: ChatAddress) -> frozenset[str]:
        """The workspace's owners and admins (``is_owner``/``is_admin`` as ``users.info``
        reports them), read from ``users.list`` 200 at a time: O(pages) calls, not one per
        member. Needs the ``users:read`` scope; deleted users and bots are left out."""
        admins: set[str] = set()
        cursor = ""
        for _ in range(MAX_USER_PAGES):
            form = {"limit": "200", **({"cursor": cursor} if cursor else {})}
            body = self._call("users.list", form)
            if not body.get("ok"):
                raise AdminsUnavailable(f"slack refused users.list: {_error(body)}")
            for user in body.get("members") or []:
                if (
                    isinstance(user, dict)
                    and (user.get("is_admin") or user.get("is_owner"))
                    and not user.get("deleted")
                    and not user.get("is_bot")
                    and isinstance(user.get("id"), str)
                ):
                    admins.add(user["id"])
            meta = body.get("response_metadata")
            cursor = meta.get("next_cursor", "") if isinstance(meta, dict) else ""
            if not cursor:
                break
        return frozenset(admins)

    def _call(
        self, method: str, form: dict[str, str], *, pace_key: str | None = None
    ) -> dict[str, Any]:
        """A Web API method whose answer is final whether ``ok`` or not (only ``ratelimited``
        is retried); the caller reads the ``error`` code. Form-encoded, which every method
        accepts."""
        if not self._token:
            raise DeliveryError(f"ROLLCALL_SLACK_BOT_TOKEN is not set: cannot call {method}")
        answer = self._sender.request(
            "POST",
            f"{self._api_base}/{method}",
            pace_key=pace_key,
            ok=_answered,
            retry_after=_retry_after,
            headers={"Authorization": f"Bearer {self._token}"},
            data=form,
        )
        return dict(answer.body)

    def _post(self, channel: str, text: str, extra: dict[str, Any], sender: HttpSender) -> str:
        if not self._token:
            raise DeliveryError("ROLLCALL_SLACK_BOT_TOKEN is not set: cannot post to Slack")
        answer = sender.request(
            "POST",
            f"{self._api_base}/chat.postMessage",
            pace_key=channel,
            ok=_ok,
            retry_after=_retry_after,
            headers={"Authorization": f"Bearer {self._token}"},
            json={"channel": channel, "text": text, **extra},
        )
        return str(answer.body.get("ts", "")) if isinstance(answer.body, dict) else ""


def _display_name(user: dict[str, Any]) -> str:
    """The name Slack shows: the profile's display name, else the real name, else the
    handle."""
    profile: dict[str, Any] = user["profile"] if isinstance(user.get("profile"), dict) else {}
    for value in (
        profile.get("display_name"),
        profile.get("real_name"),
        user.get("real_name"),
        user.get("name"),
    ):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def escape(text: str) -> str:
    """Slack's three control characters; everything else, mrkdwn included, passes."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slash_text(command: str, text: str) -> str:
    """A slash command as the chat text rollcall's command parser reads."""
    from chalicelib.domain.commands import parse_command

    command, text = command.strip(), text.strip()
    own = parse_command(command)
    if own is not None and own.name != "unknown":
        return f"{command} {text}".strip()  # /checkin note
    # An umbrella command (/rollcall, /rc): its text is the command.
    if not text:
        return "/help"
    inner = parse_command(text)
    if inner is not None and inner.name != "unknown":
        return text  # /rollcall 打卡, /rollcall /checkin
    return "/" + text.lstrip("/")  # /rollcall checkin note


def _is_form(request: HttpRequest) -> bool:
    content_type = request.header("content-type").lower()
    if "application/x-www-form-urlencoded" in content_type:
        return True
    return not content_type and not request.body.lstrip().startswith(b"{")


def _bot_users(envelope: dict[str, Any]) -> set[str]:
    """Our bot's user id(s), from the envelope's authorizations (not authed_users, which
    may list the humans who installed the app)."""
    authorizations = envelope.get("authorizations")
    return {
        authorization["user_id"]
        for authorization in (authorizations if isinstance(authorizations, list) else [])
        if isinstance(authorization, dict)
        and authorization.get("is_bot")
        and isinstance(authorization.get("user_id"), str)
    }


def _from_a_bot(event: dict[str, Any]) -> bool:
    return bool(
        event.get("bot_id")
        or event.get("bot_profile")
        or event.get("subtype") == "bot_message"
        or event.get("user") == "USLACKBOT"
    )


def _with_id(event: InboundEvent, event_id: str | None) -> InboundEvent:
    return replace(event, event_id=event_id)


def _ok(answer: Answer) -> bool:
    return isinstance(answer.body, dict) and answer.body.get("ok") is True


def _response_url_ok(answer: Answer) -> bool:
    """A response_url answers 200 with ``ok`` (text) or ``{"ok": true}``."""
    return not (isinstance(answer.body, dict) and answer.body.get("ok") is False)


def _error(body: dict[str, Any]) -> str:
    """Slack's error code, with the scope it lacks for ``missing_scope``."""
    error = str(body.get("error") or "unknown error")
    needed = body.get("needed")
    return f"{error} (needs {needed})" if error == "missing_scope" and needed else error


def _answered(answer: Answer) -> bool:
    """A Web API answer to act on: ``ok``, or an error code other than ``ratelimited``."""
    body = answer.body
    if not isinstance(body, dict):
        return False
    return body.get("ok") is True or (
        isinstance(body.get("error"), str) and body["error"] != "ratelimited"
    )


def _retry_after(answer: Answer) -> float | None:
    """``ok: false, error: ratelimited`` is a throttle whatever the status: retry, after
    Retry-After when Slack gave one (HttpSender reads the header), else a second."""
    if isinstance(answer.body, dict) and answer.body.get("error") == "ratelimited":
        headers = {k.lower(): v for k, v in answer.headers.items()}
        try:
            return max(0.0, float(headers.get("retry-after", 1.0)))
        except ValueError:
            return 1.0
    return None
