"""Discord: interactions (slash commands) in, channel messages out.

Inbound, every interaction is signed with Ed25519 (``X-Signature-Ed25519`` over
``X-Signature-Timestamp`` + raw body) under the application's public key. Discord
deliberately sends bad signatures and removes an endpoint that accepts one, so anything
unproven is a 401; a timestamp more than 5 minutes off is refused as a replay too. PING is
answered with PONG. An application command ``/checkin note`` (options in order, a user
option as ``<@id>``) becomes the chat text ``/checkin note``; the interaction id is the
delivery id (Discord does not redeliver, but a replayed body must still do nothing twice).

Answering: a type 4 response within 3 s. rollcall's command handlers are one or two
DynamoDB calls, fast enough to answer inline. Slow admin commands answer ``deferred()``
(type 5, "thinking…") and the queue worker posts the result with ``reply_later``: a
follow-up through the interaction token, which needs no bot token and stays valid for 15
minutes (used for 14, a margin for the parts' own sends); past that (a retry after an
outage), or when Discord says the token is no longer valid, the result goes into the
channel with the bot token instead.

Outbound: ``POST /channels/{id}/messages`` with ``Authorization: Bot <token>``. Content is at
most 2,000 characters and may ping at most 100 users, so a 300-mention reminder is split by
both; ``allowed_mentions`` lists exactly the members a part means to ping and nothing else
(``parse: []``), so an ``@everyone`` in a member's note never pings the server. 429 honours
``retry_after`` in the body and ``Retry-After``. Bounded retries matter here: 10,000 invalid
requests (401/403/429) in 10 minutes get the bot's IP banned by Cloudflare.

Direct messages: ``POST /users/@me/channels`` with the member's id opens (or returns) the
bot's DM channel, kept per user for the adapter's life; the part is posted there. A member
who closed DMs from server members answers 403 with code 50007, a refusal sent once and
never retried (each would count as an invalid request). Discord asks bots not to DM a whole
server unprompted; rollcall's jobs DM only the few members a message is about (a quiet
member's reminder, a reviewer's assignments, a warning), never a broadcast.

Removal: the community's chat id is a channel; ``GET /channels/{id}`` names its guild
(kept per channel), then ``DELETE /guilds/{guild}/members/{user}`` kicks (a kicked member
can rejoin by invite) with the reason in the audit log. The bot needs KICK_MEMBERS and a
role above the member's.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from chalicelib.config import DEFAULT_API_BASES
from chalicelib.platforms.base import (
    REPLY_JOINER,
    BadPayload,
    ChannelHistory,
    ChannelPost,
    ChatAddress,
    Delivery,
    DeliveryError,
    DirectRefused,
    HistoryRefused,
    HttpRequest,
    HttpResponse,
    InboundEvent,
    ListRefused,
    MalformedAnswer,
    MalformedHistory,
    Message,
    Parsed,
    Sender,
    ThreadRefused,
    Unauthorized,
    api_base,
    defuse,
    deliver_parts,
    deliver_replies,
    identifier,
    json_object,
    pack_replies,
    skew_seconds,
    split_parts,
)
from chalicelib.platforms.http import Answer, HttpSender

if TYPE_CHECKING:
    from chalicelib.domain.discord_permissions import GuildPermissions, Overwrite
    from chalicelib.domain.roster import ChatMembers

log = logging.getLogger("rollcall.platforms.discord")

SIGNATURE_HEADER = "x-signature-ed25519"
TIMESTAMP_HEADER = "x-signature-timestamp"
MAX_SKEW_SECONDS = 300
MESSAGE_LIMIT = 2000
MAX_MENTIONS_PER_MESSAGE = 100  # allowed_mentions.users takes at most 100 ids
# Discord's own pacing is per-route buckets read from headers; a second between one
# channel's parts keeps a reminder well inside them without tracking buckets.
PER_CHANNEL_INTERVAL = 1.0
# An interaction token answers follow-ups for 15 minutes from the interaction; past this
# the result goes into the channel with the bot token.
INTERACTION_TOKEN_LIFETIME = timedelta(minutes=14)
# A follow-up Discord refuses because the interaction token is not (or no longer) valid:
# 401, or 404 Unknown Webhook / 400 Invalid Webhook Token.
UNKNOWN_WEBHOOK, INVALID_WEBHOOK_TOKEN = 10015, 50027
# Discord asks API clients to identify themselves this way.
USER_AGENT = "DiscordBot (https://github.com/rollcall/rollcall, 0.1)"

# Shown in the server's audit log beside each kick rollcall makes.
REMOVAL_REASON = "rollcall: removal confirmed by an admin"
# JSON error codes (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
CANNOT_MESSAGE_USER = 50007  # DMs closed, no shared server, or the bot is blocked
UNKNOWN_MEMBER, UNKNOWN_USER = 10007, 10013  # not in the guild (any more), or no such user
# A members read refused: no access (the bot not in the server, or the app without the
# Server Members intent), or a permission missing.
MISSING_ACCESS, MISSING_PERMISSIONS = 50001, 50013
# Starting a thread from a message: one exists already (a retried run: it has the message's
# id, so the reply goes into it all the same); refusals no retry changes (no access, no
# Create Public Threads, a channel that takes no threads).
THREAD_ALREADY_CREATED = 160004
THREAD_REFUSALS = frozenset({50001, 50013, 50024})
# A reply by reference the channel refused: no access or permission, the message unknown.
REPLY_REFUSALS = frozenset({10008, 50001, 50013, 50035})
# Threads started for a digest's full list are archived after a week without messages.
THREAD_ARCHIVE_MINUTES = 10080
# Roster sync: 1,000 members a page (the maximum), a bound on a list that never ends.
LIST_PAGE = 1000
MAX_LIST_PAGES = 1000
# Interaction types (what arrives) and interaction callback types (what we answer).
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
PONG, CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, AUTOCOMPLETE_RESULT = (
    1,
    4,
    5,
    6,
    8,
)
EPHEMERAL = 64  # message flag: only the invoking member sees it
# Option types that carry a user (or role) id rather than a plain value.
_USER_OPTION, _MENTIONABLE_OPTION = 6, 9
_MENTION = re.compile(r"<@!?(\d+)>")
# What pings in a message's words: @everyone, @here, <@user>, <@!user>, <@&role>, <#channel>.
# allowed_mentions already stops all but the intended users; defused, they do not even look
# like mentions (and stay harmless should a payload ever be sent without allowed_mentions).
_PINGS = re.compile(r"@(?=everyone|here)|<(?=[@#])", re.IGNORECASE)
# Permission bits (a decimal string in ``member.permissions``) that make a Discord member a
# rollcall admin: they run the server, so they run its communities.
ADMINISTRATOR, MANAGE_GUILD = 0x8, 0x20
# A user, channel or guild id, as it may go into a request path.
_SNOWFLAKE = re.compile(r"[0-9]{1,20}")
# Activity (features/channel_activity.py): a channel's history, 100 messages a page (the
# maximum). A snowflake's top 42 bits are milliseconds since Discord's epoch (2015).
HISTORY_PAGE = 100
DISCORD_EPOCH_MS = 1_420_070_400_000
UNKNOWN_CHANNEL = 10003
# Message types that are a member writing: DEFAULT and REPLY. Joins, pins, boosts and the
# bot's own command answers (type 20, authored by the bot) are not a member's activity.
MEMBER_MESSAGE_TYPES = frozenset({0, 19})
# Channel types that are threads (announcement, public, private): their permissions are
# their parent channel's.
THREAD_TYPES = frozenset({10, 11, 12})


def build(settings: Any, runtime: Any) -> DiscordAdapter | None:
    """Discord is configured by the application's public key (32 bytes, hex), the one thing
    needed to trust interactions. The bot token is needed only to post into channels."""
    public_key = settings.secret("ROLLCALL_DISCORD_PUBLIC_KEY")
    if not public_key:
        return None
    try:
        key = bytes.fromhex(public_key.strip())
    except ValueError:
        key = b""
    if len(key) != 32:
        log.error("ROLLCALL_DISCORD_PUBLIC_KEY is not 32 bytes of hex: Discord stays off")
        return None
    return DiscordAdapter(
        key, settings.secret("ROLLCALL_DISCORD_BOT_TOKEN"), api_base=api_base(settings, "discord")
    )


def deferred() -> dict[str, Any]:
    """The answer for an interaction whose work cannot finish within 3 s: Discord shows
    "thinking…" until ``DiscordAdapter.reply_later`` posts the result (within 15 minutes)."""
    return {"type": DEFERRED_CHANNEL_MESSAGE}


class DiscordAdapter:
    name = "discord"

    def __init__(
        self,
        public_key: bytes,
        bot_token: str = "",
        *,
        api_base: str = DEFAULT_API_BASES["discord"],
        sender: HttpSender | None = None,
        reply_sender: HttpSender | None = None,
    ) -> None:
        self._public_key = public_key
        self._verifier_key: Any = None  # imported on first verify: pycryptodome is not free
        self._token = bot_token
        self._api_base = api_base.rstrip("/")
        self._sender = sender or HttpSender(min_interval=PER_CHANNEL_INTERVAL)
        # Discord wants the interaction answered within 3 s: one quick attempt a part.
        self._reply_sender = reply_sender or HttpSender.for_replies()
        self.direct_messages = bool(bot_token)
        # user id -> DM channel id, and channel id -> guild id: both stable, asked once.
        self._dm_channels: dict[str, str] = {}
        self._guilds: dict[str, str] = {}

    def __repr__(self) -> str:
        token = "set" if self._token else "unset"
        return f"DiscordAdapter(api_base={self._api_base!r}, bot_token={token})"

    # -- inbound
    def verify(self, request: HttpRequest, now: datetime) -> None:
        signature_hex = request.header(SIGNATURE_HEADER)
        timestamp = request.header(TIMESTAMP_HEADER)
        if not signature_hex or not timestamp:
            raise Unauthorized("missing signature")
        try:
            signature = bytes.fromhex(signature_hex)
        except ValueError:
            raise Unauthorized("malformed signature") from None
        if skew_seconds(now, timestamp) > MAX_SKEW_SECONDS:
            raise Unauthorized("stale timestamp")
        from Crypto.Signature import eddsa

        try:
            verifier = eddsa.new(self._key(), "rfc8032")
            verifier.verify(timestamp.encode() + request.body, signature)
        except ValueError:
            raise Unauthorized("bad signature") from None

    def _key(self) -> Any:
        if self._verifier_key is None:
            from Crypto.Signature import eddsa

            try:
                self._verifier_key = eddsa.import_public_key(self._public_key)
            except ValueError:
                log.error("ROLLCALL_DISCORD_PUBLIC_KEY is not an Ed25519 public key")
                raise Unauthorized("unusable public key") from None
        return self._verifier_key

    def parse(self, request: HttpRequest) -> Parsed:
        body = json_object(request.body)
        kind = body.get("type")
        if kind == PING:
            return Parsed(handshake=HttpResponse(200, {"type": PONG}))
        if kind in (MESSAGE_COMPONENT, MODAL_SUBMIT):
            # We post no buttons or modals; acknowledge without changing anything.
            return Parsed(handshake=HttpResponse(200, {"type": DEFERRED_UPDATE}))
        if kind == AUTOCOMPLETE:
            return Parsed(
                handshake=HttpResponse(200, {"type": AUTOCOMPLETE_RESULT, "data": {"choices": []}})
            )
        if kind != APPLICATION_COMMAND:
            raise BadPayload(f"unknown interaction type {kind!r}")
        return Parsed(events=[self._command(body)])

    def _command(self, body: dict[str, Any]) -> InboundEvent:
        data = body.get("data")
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            raise BadPayload("data.name is required")
        member: dict[str, Any] = body["member"] if isinstance(body.get("member"), dict) else {}
        user = member.get("user") or body.get("user")
        user_id = identifier(user.get("id")) if isinstance(user, dict) else None
        if not isinstance(user, dict) or not isinstance(user.get("id"), str) or not user_id:
            raise BadPayload("member.user or user is required")
        channel: dict[str, Any] = body["channel"] if isinstance(body.get("channel"), dict) else {}
        channel_id = body.get("channel_id") or channel.get("id")
        if not isinstance(channel_id, str) or identifier(channel_id) is None:
            raise BadPayload("channel_id is required")
        words = [f"/{data['name']}", *_option_words(data.get("options"), data.get("resolved"))]
        name = member.get("nick") or user.get("global_name") or user.get("username") or user_id
        username = user.get("username")
        return InboundEvent(
            kind="message",
            platform=self.name,
            chat_id=channel_id,
            sender=Sender(
                user_id=user_id,
                name=str(name),
                username=username if isinstance(username, str) and username else None,
                platform_admin=guild_admin(member.get("permissions")),
            ),
            text=" ".join(words),
            event_id=str(body["id"]) if body.get("id") else None,
            # What reply_later needs to answer later; the token is a credential for 15 minutes.
            reply_context={
                "application_id": body.get("application_id"),
                "interaction_token": body.get("token"),
            },
            workspace=identifier(body.get("guild_id")),
            locale=_text_or_none(body.get("guild_locale")) or _text_or_none(body.get("locale")),
        )

    def respond_deferred(
        self, event: InboundEvent | None, replies: Sequence[Message]
    ) -> HttpResponse:
        """A command that went to the queue: an interaction is answered once, so the answer
        is ``deferred()`` ("thinking…"), not the acknowledgement; ``reply_later`` posts
        the result as its follow-up."""
        return HttpResponse(200, deferred())

    def respond(self, event: InboundEvent | None, replies: Sequence[Message]) -> HttpResponse:
        """A type 4 answer carries the reply. Several parts: the leading ones go to the channel
        first and the last answers the interaction, so the parts read in order (a follow-up
        would need the answer to exist already, which it does not while we are still in the
        request)."""
        parts = pack_replies(
            (self.render(r) for r in replies), _merge, text=lambda part: part["content"]
        )
        if event is None or not parts:
            # Every interaction must be answered or the member sees "interaction failed".
            return HttpResponse(
                200, {"type": CHANNEL_MESSAGE, "data": {"content": "✅", "flags": EPHEMERAL}}
            )
        *early, last = parts
        channel = f"/channels/{event.chat_id}/messages"
        # A failure stops the leading parts only: the last part still goes inline.
        deliver_replies(
            lambda part: self._post(channel, part, self._reply_sender, True),
            early,
            log=log,
            platform=self.name,
            what="reply part not delivered",
        )
        return HttpResponse(200, {"type": CHANNEL_MESSAGE, "data": last})

    # -- outbound
    def render(self, message: Message) -> list[dict[str, Any]]:
        """Payloads of at most 2,000 characters and 100 pinged users each."""
        ids = [m.user_id for m in message.mentions]
        tokens = [f"<@{user_id}>" for user_id in ids]
        step = MAX_MENTIONS_PER_MESSAGE
        groups = [tokens[i : i + step] for i in range(0, len(tokens), step)] or [[]]
        texts: list[str] = []
        for index, group in enumerate(groups):
            head = defuse(message.text, _PINGS) if index == 0 else ""
            tail = defuse(message.tail, _PINGS) if index == len(groups) - 1 else ""
            texts.extend(split_parts(head, group, tail, MESSAGE_LIMIT))
        return [payload(text, set(ids)) for text in texts]

    def deliver(self, chat: ChatAddress, part: dict[str, Any] | str) -> str:
        if isinstance(part, str):
            part = payload(part, set())
        return self._post(f"/channels/{chat.chat_id}/messages", part, self._sender, True)

    def send(self, chat: ChatAddress, message: Message) -> Delivery:
        return deliver_parts(lambda part: self.deliver(chat, part), self.render(message))

    def deliver_direct(self, chat: ChatAddress, user_id: str, part: dict[str, Any] | str) -> str:
        """Post into the bot's DM with the member; 50007 (DMs closed) fails at once and the
        caller falls back to the channel."""
        if isinstance(part, str):
            part = payload(part, set())
        if not _SNOWFLAKE.fullmatch(user_id):
            raise DeliveryError(f"not a Discord user id: {user_id[:40]!r}")
        channel_id = self._dm_channel(user_id)
        try:
            return self._post(f"/channels/{channel_id}/messages", part, self._sender, True)
        except DeliveryError as error:
            self._dm_channels.pop(user_id, None)  # open it afresh next time
            if _code(error.answer) != CANNOT_MESSAGE_USER:
                raise
            raise DirectRefused(
                f"Discord refused a direct message to user {user_id}: "
                "Cannot send messages to this user (50007)"
            ) from None

    # -- thread replies (jobs/runner.py: the digest's full list under its summary)
    def reply_in_thread(
        self, chat: ChatAddress, message_id: str, part: dict[str, Any] | str
    ) -> str:
        """Start a public thread from the message (``POST /channels/{channel}/messages/
        {message}/threads``, Create Public Threads) and post the part into it. A thread
        started from a message has the message's id, so a retried run that finds one
        already (160004) posts into that one: never a second thread. Refused the thread,
        the part answers the message in the channel (``message_reference``, Read Message
        History); refused that too, ThreadRefused names both reasons."""
        if isinstance(part, str):
            part = payload(part, set())
        if not _SNOWFLAKE.fullmatch(message_id):
            raise ThreadRefused(f"not a Discord message id: {message_id[:40]!r}")
        first_line = str(part.get("content") or "").split("\n", 1)[0].strip()
        opening = {
            "name": first_line[:100] or "rollcall",
            "auto_archive_duration": THREAD_ARCHIVE_MINUTES,
        }
        path = f"/channels/{chat.chat_id}/messages/{message_id}/threads"
        try:
            self._post(path, opening, self._sender, True)
        except DeliveryError as error:
            code = _code(error.answer)
            if code in THREAD_REFUSALS:
                return self._reply_by_reference(chat, message_id, part, str(error))
            if code != THREAD_ALREADY_CREATED:
                raise
        try:
            return self._post(f"/channels/{message_id}/messages", part, self._sender, True)
        except DeliveryError as error:
            # A thread the bot may open but not write in (Send Messages in Threads missing):
            # the part answers the message in the channel instead, as when refused the thread.
            if _code(error.answer) in THREAD_REFUSALS:
                return self._reply_by_reference(chat, message_id, part, str(error))
            raise

    def _reply_by_reference(
        self, chat: ChatAddress, message_id: str, part: dict[str, Any], refused: str
    ) -> str:
        reference = {"message_id": message_id, "fail_if_not_exists": False}
        reply = {**part, "message_reference": reference}
        try:
            return self._post(f"/channels/{chat.chat_id}/messages", reply, self._sender, True)
        except DeliveryError as error:
            if _code(error.answer) not in REPLY_REFUSALS:
                raise
            raise ThreadRefused(
                f"discord refused a thread ({refused}) and a reply ({error})"
            ) from None

    def _dm_channel(self, user_id: str) -> str:
        cached = self._dm_channels.get(user_id)
        if cached is not None:
            return cached
        try:
            answer = self._request("POST", "/users/@me/channels", json={"recipient_id": user_id})
        except DeliveryError as error:
            if error.answer is None or error.answer.status not in (400, 403, 404):
                raise
            raise DirectRefused(
                f"Discord refused a direct message to user {user_id}: {error}"
            ) from None
        channel_id = answer.body.get("id") if isinstance(answer.body, dict) else None
        if not isinstance(channel_id, str) or identifier(channel_id) is None:
            raise DeliveryError("Discord opened no DM channel: no id in the answer")
        self._dm_channels[user_id] = channel_id
        return channel_id

    def remove_member(self, chat: ChatAddress, user_id: str) -> bool:
        """Kick the member from the server the community's channel belongs to. True when
        they are out (204, or 10007 Unknown Member: already gone); False when Discord
        refuses (403: no KICK_MEMBERS, or the member's role is above the bot's) or cannot be
        reached: the caller records "remove by hand", so nothing here raises."""
        reason = self._kick(chat.chat_id, user_id)
        if reason is None:
            return True
        log.warning(
            "member not removed",
            extra={"platform": self.name, "chat": chat.chat_id, "error": reason},
        )
        return False

    def _kick(self, channel_id: str, user_id: str) -> str | None:
        """None when the member is out of the guild, else why not."""
        if not (_SNOWFLAKE.fullmatch(channel_id) and _SNOWFLAKE.fullmatch(user_id)):
            return "not a Discord channel and user id"
        try:
            guild_id = self._guild_of(channel_id)
        except DeliveryError as error:
            return f"cannot find the channel's server: {error}"
        if guild_id is None:
            return "the channel belongs to no server"
        try:
            self._request(
                "DELETE",
                f"/guilds/{guild_id}/members/{user_id}",
                extra_headers={"X-Audit-Log-Reason": quote(REMOVAL_REASON, safe=" /")},
            )
        except DeliveryError as error:
            if _gone(error.answer):
                return None
            return str(error)
        return None

    # -- roster sync (features/roster.py)
    def read_chat_members(
        self, chat: ChatAddress, roster: Sequence[str], *, check_limit: int
    ) -> ChatMembers:
        """The server's members who can view the community's channel, bots left out.

        ``GET /channels/{id}`` (its server and its permission overwrites) and
        ``GET /guilds/{id}`` (its owner and its roles' permissions) once per sync, then
        ``GET /guilds/{id}/members``, 1,000 a page, ``after`` the last id; each member's
        VIEW_CHANNEL is computed as Discord does (domain/discord_permissions.py). Needs the
        Server Members privileged intent enabled for the app, and View Channel for the bot
        in the channel."""
        from chalicelib.domain.roster import ChatMembers, ListedMember

        if not self._token:
            raise ListRefused("discord", "the bot token (ROLLCALL_DISCORD_BOT_TOKEN)")
        view = self._channel_view(chat.chat_id)
        people: list[ListedMember] = []
        after = "0"
        for _ in range(MAX_LIST_PAGES):
            try:
                answer = self._request(
                    "GET",
                    f"/guilds/{view.guild_id}/members",
                    params={"limit": str(LIST_PAGE), "after": after},
                )
            except DeliveryError as error:
                raise self._list_refusal(error) from None
            page = answer.body
            if not isinstance(page, list):
                raise MalformedAnswer("discord", "a members page that is not a list")
            for entry in page:
                user = entry.get("user") if isinstance(entry, dict) else None
                user_id = user.get("id") if isinstance(user, dict) else None
                if (
                    not isinstance(user, dict)
                    or not isinstance(user_id, str)
                    or not _SNOWFLAKE.fullmatch(user_id)
                ):
                    raise MalformedAnswer("discord", "a member without a user id")
                after = max(after, user_id, key=int)
                if user.get("bot"):
                    continue
                if not view.can_view(user_id, _member_roles(entry)):
                    continue  # in the server, but the channel is hidden from them
                name = entry.get("nick") or user.get("global_name") or user.get("username")
                username = user.get("username")
                people.append(
                    ListedMember(
                        user_id,
                        name if isinstance(name, str) else "",
                        username if isinstance(username, str) else None,
                    )
                )
            if len(page) < LIST_PAGE:
                return ChatMembers(tuple(people), complete=True)
        raise MalformedAnswer("discord", f"the list did not end after {MAX_LIST_PAGES} pages")

    def _channel_view(self, channel_id: str) -> GuildPermissions:
        """The channel's server, owner, roles and overwrites: two requests, read fresh each
        sync (roles and overwrites change); the channel's guild is kept as ``_guild_of``
        keeps it."""
        from chalicelib.domain.discord_permissions import GuildPermissions

        if not _SNOWFLAKE.fullmatch(channel_id):
            raise MalformedAnswer("discord", f"not a channel id: {channel_id[:40]!r}")
        try:
            channel = self._request("GET", f"/channels/{channel_id}").body
        except DeliveryError as error:
            raise self._channel_refusal(error) from None
        if not isinstance(channel, dict):
            raise MalformedAnswer("discord", "a channel that is not an object")
        guild_id = channel.get("guild_id")
        if not isinstance(guild_id, str) or not _SNOWFLAKE.fullmatch(guild_id):
            raise MalformedAnswer("discord", f"channel {channel_id} belongs to no server")
        self._guilds[channel_id] = guild_id
        parent = channel.get("parent_id")
        if channel.get("type") in THREAD_TYPES and isinstance(parent, str):
            # A thread has no overwrites of its own: who sees it is who sees its channel
            # (one request more; a private thread's own membership is not read).
            if not _SNOWFLAKE.fullmatch(parent):
                raise MalformedAnswer("discord", "a thread whose channel is not an id")
            try:
                channel = self._request("GET", f"/channels/{parent}").body
            except DeliveryError as error:
                raise self._channel_refusal(error) from None
            if not isinstance(channel, dict):
                raise MalformedAnswer("discord", "a channel that is not an object")
        overwrites = _overwrites(channel.get("permission_overwrites", []))
        try:
            guild = self._request("GET", f"/guilds/{guild_id}").body
        except DeliveryError as error:
            raise self._channel_refusal(error) from None
        if not isinstance(guild, dict):
            raise MalformedAnswer("discord", "a server that is not an object")
        owner_id = guild.get("owner_id")
        return GuildPermissions(
            guild_id=guild_id,
            owner_id=owner_id if isinstance(owner_id, str) else None,
            roles=_role_permissions(guild.get("roles")),
            overwrites=overwrites,
        )

    def _channel_refusal(self, error: DeliveryError) -> DeliveryError:
        """A refused read of the channel or its server: what the bot lacks, in one line."""
        return _refused(
            error,
            ListRefused,
            {UNKNOWN_CHANNEL: "access to the channel (Unknown Channel: deleted?)"},
            forbidden="the View Channel permission in the channel (or the bot in the server)",
        )

    def read_channel_history(
        self, chat: ChatAddress, after_id: str | None, *, since: datetime, max_pages: int
    ) -> ChannelHistory:
        """Members' messages in the channel after message ``after_id`` (none yet: those sent
        since ``since``): ``GET /channels/{id}/messages?after=…&limit=100``, pages a second
        apart, at most ``max_pages``. Authors and times only: the words need the privileged
        Message Content intent, which this does not use. Bots, webhooks and system messages
        are left out, but the cursor moves past them. Needs View Channel and Read Message
        History; without the latter Discord answers an empty list, not a refusal."""
        if not self._token:
            raise HistoryRefused("discord", "the bot token (ROLLCALL_DISCORD_BOT_TOKEN)")
        if not _SNOWFLAKE.fullmatch(chat.chat_id):
            raise MalformedHistory("discord", f"not a channel id: {chat.chat_id[:40]!r}")
        valid = after_id is not None and _SNOWFLAKE.fullmatch(after_id) is not None
        after = int(after_id) if valid and after_id is not None else snowflake_at(since)
        path = f"/channels/{chat.chat_id}/messages"
        posts: list[ChannelPost] = []
        newest: int | None = None
        for pages in range(1, max_pages + 1):
            try:
                answer = self._request(
                    "GET",
                    path,
                    params={"after": str(after), "limit": str(HISTORY_PAGE)},
                    pace_key=f"history:{chat.chat_id}",
                )
            except DeliveryError as error:
                raise self._history_refusal(error) from None
            page = answer.body
            if not isinstance(page, list):
                raise MalformedHistory("discord", "a page that is not a list")
            # Discord lists a page newest first; read it oldest first.
            for message_id, entry in sorted(_history_entries(page)):
                if message_id <= after:
                    continue  # not after the cursor: already read
                newest = max(newest or 0, message_id)
                post = _member_post(message_id, entry)
                if post is not None:
                    posts.append(post)
            if page:
                after = max(after, newest or after)
            if len(page) < HISTORY_PAGE:
                return ChannelHistory(tuple(posts), _id_or_none(newest), pages)
        return ChannelHistory(tuple(posts), _id_or_none(newest), max_pages, more=True)

    def _history_refusal(self, error: DeliveryError) -> DeliveryError:
        """What a refused history read lacks, by Discord's code; other failures as they are
        (a 5xx after its retries fails the run, and the queue tries again)."""
        return _refused(
            error,
            HistoryRefused,
            {
                MISSING_ACCESS: "the View Channel permission in the channel "
                "(or the bot in the server)",
                MISSING_PERMISSIONS: "the Read Message History permission",
                UNKNOWN_CHANNEL: "access to the channel (Unknown Channel: deleted?)",
            },
        )

    def _list_refusal(self, error: DeliveryError) -> DeliveryError:
        """What a refused members read lacks, by Discord's code; other failures as they are."""
        return _refused(
            error,
            ListRefused,
            {
                MISSING_ACCESS: "the Server Members intent (GUILD_MEMBERS) or the bot in the "
                "server",
                MISSING_PERMISSIONS: "the View Channel permission",
            },
        )

    def _guild_of(self, channel_id: str) -> str | None:
        if channel_id in self._guilds:
            return self._guilds[channel_id]
        answer = self._request("GET", f"/channels/{channel_id}")
        guild_id = answer.body.get("guild_id") if isinstance(answer.body, dict) else None
        if not isinstance(guild_id, str) or identifier(guild_id) is None:
            return None  # a DM or group DM: no server to remove anyone from
        self._guilds[channel_id] = guild_id
        return guild_id

    def _request(
        self,
        method: str,
        path: str,
        *,
        extra_headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Answer:
        """A bot-authorised call that is not a message (no pacing, but the same retries)."""
        if not self._token:
            raise DeliveryError("ROLLCALL_DISCORD_BOT_TOKEN is not set: cannot call Discord")
        headers = {
            "User-Agent": USER_AGENT,
            "Authorization": f"Bot {self._token}",
            **(extra_headers or {}),
        }
        return self._sender.request(
            method, self._api_base + path, retry_after=_retry_after, headers=headers, **kwargs
        )

    def follow_up(self, application_id: str, token: str, message: Message) -> list[str]:
        """Post a deferred interaction's result (after ``deferred()``): the interaction token
        authorises it, no bot token needed. Returns the message ids."""
        path = _follow_up_path(application_id, token)
        return [self._post(path, part, self._sender, False) for part in self.render(message)]

    def reply_later(
        self,
        event: InboundEvent,
        message: Message,
        *,
        community_chat: ChatAddress | None,
        asked_at: datetime,
        now: datetime,
    ) -> list[str]:
        """A deferred interaction's result: a follow-up while the interaction token lives,
        else (late, or the token refused before any part went out) a message in the
        channel with the bot token. See the module docstring."""
        parts = [part for part in self.render(message) if part["content"]]
        context = event.reply_context
        application_id, token = context.get("application_id"), context.get("interaction_token")
        usable = (
            isinstance(application_id, str)
            and _SNOWFLAKE.fullmatch(application_id) is not None
            and isinstance(token, str)
            and bool(token)
            and now - asked_at < INTERACTION_TOKEN_LIFETIME
        )
        ids: list[str] = []
        if usable:
            path = _follow_up_path(str(application_id), str(token))
            for part in parts:
                try:
                    ids.append(self._post(path, part, self._sender, False))
                except DeliveryError as error:
                    if ids or not _token_refused(error.answer):
                        # Parts already went out as follow-ups (the rest must not move to
                        # another place), or Discord refused the part itself, not the token.
                        raise
                    log.warning(
                        "interaction token refused; answering in the channel",
                        extra={"platform": self.name, "chat": event.chat_id},
                    )
                    break
            else:
                return ids
        channel = f"/channels/{event.chat_id}/messages"
        return [self._post(channel, part, self._sender, True) for part in parts]

    def _post(
        self,
        path: str,
        part: dict[str, Any],
        sender: HttpSender,
        as_bot: bool,
    ) -> str:
        headers = {"User-Agent": USER_AGENT}
        if as_bot:
            if not self._token:
                raise DeliveryError("ROLLCALL_DISCORD_BOT_TOKEN is not set: cannot post to Discord")
            headers["Authorization"] = f"Bot {self._token}"
        answer = sender.request(
            "POST",
            self._api_base + path,
            pace_key=path.split("?")[0],
            retry_after=_retry_after,
            headers=headers,
            json=part,
        )
        return str(answer.body.get("id", "")) if isinstance(answer.body, dict) else ""


def guild_admin(permissions: Any) -> bool | None:
    """Whether an interaction's ``member.permissions`` (the member's computed permissions in
    the channel, a decimal string) include ADMINISTRATOR or MANAGE_GUILD; None when there
    are none to read (a DM interaction, a malformed value)."""
    if not isinstance(permissions, str) or not permissions.isdigit() or len(permissions) > 30:
        return None
    return bool(int(permissions) & (ADMINISTRATOR | MANAGE_GUILD))


def _permission_bits(value: Any, what: str) -> int:
    """A permission set as Discord sends it: a decimal string (an int tolerated)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isdigit() and len(value) <= 30:
        return int(value)
    raise MalformedAnswer("discord", f"{what} without readable permissions")


def _role_permissions(roles: Any) -> dict[str, int]:
    """A guild's ``roles``: role id -> permission bits."""
    if not isinstance(roles, list):
        raise MalformedAnswer("discord", "a server without its roles")
    found: dict[str, int] = {}
    for role in roles:
        role_id = role.get("id") if isinstance(role, dict) else None
        if not isinstance(role_id, str) or not _SNOWFLAKE.fullmatch(role_id):
            raise MalformedAnswer("discord", "a role without an id")
        found[role_id] = _permission_bits(role.get("permissions"), "a role")
    return found


def _overwrites(entries: Any) -> tuple[Overwrite, ...]:
    """A channel's ``permission_overwrites`` (type 0 a role's, 1 a member's)."""
    from chalicelib.domain.discord_permissions import MEMBER, ROLE, Overwrite

    if not isinstance(entries, list):
        raise MalformedAnswer("discord", "a channel's overwrites that are not a list")
    found: list[Overwrite] = []
    for entry in entries:
        target = entry.get("id") if isinstance(entry, dict) else None
        kind = entry.get("type") if isinstance(entry, dict) else None
        kind = {"role": ROLE, "member": MEMBER}.get(kind, kind) if isinstance(kind, str) else kind
        if not isinstance(target, str) or not _SNOWFLAKE.fullmatch(target):
            raise MalformedAnswer("discord", "an overwrite without an id")
        if kind not in (ROLE, MEMBER) or isinstance(kind, bool):
            raise MalformedAnswer("discord", "an overwrite of neither a role nor a member")
        found.append(
            Overwrite(
                target,
                kind,
                _permission_bits(entry.get("allow"), "an overwrite"),
                _permission_bits(entry.get("deny"), "an overwrite"),
            )
        )
    return tuple(found)


def _member_roles(entry: dict[str, Any]) -> list[str]:
    roles = entry.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise MalformedAnswer("discord", "a member whose roles are not a list of ids")
    return roles


def snowflake_at(instant: datetime) -> int:
    """The smallest message id Discord could give a message sent at ``instant``: reading
    ``after`` it reads what was sent since."""
    ms = int(instant.timestamp() * 1000) - DISCORD_EPOCH_MS
    return max(0, ms) << 22


def snowflake_time(message_id: int) -> datetime:
    """When a message was sent, from its id (exact to the millisecond)."""
    return datetime.fromtimestamp(((message_id >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)


def _history_entries(page: list[Any]) -> list[tuple[int, dict[str, Any]]]:
    """A page's messages by id; a message without an id, or without an author's id, makes
    the whole read malformed (nothing is written from it)."""
    entries: list[tuple[int, dict[str, Any]]] = []
    for entry in page:
        message_id = entry.get("id") if isinstance(entry, dict) else None
        author = entry.get("author") if isinstance(entry, dict) else None
        author_id = author.get("id") if isinstance(author, dict) else None
        if not isinstance(message_id, str) or not _SNOWFLAKE.fullmatch(message_id):
            raise MalformedHistory("discord", "a message without an id")
        if not isinstance(author_id, str) or not _SNOWFLAKE.fullmatch(author_id):
            raise MalformedHistory("discord", f"message {message_id} without an author id")
        entries.append((int(message_id), entry))
    return entries


def _member_post(message_id: int, entry: dict[str, Any]) -> ChannelPost | None:
    """A member's own message as a post; None for bots, webhooks and system messages."""
    author: dict[str, Any] = entry["author"]
    if author.get("bot") or author.get("system") or entry.get("webhook_id"):
        return None
    if entry.get("type", 0) not in MEMBER_MESSAGE_TYPES:
        return None
    name = author.get("global_name") or author.get("username")
    username = author.get("username")
    return ChannelPost(
        user_id=author["id"],
        name=name if isinstance(name, str) else "",
        username=username if isinstance(username, str) and username else None,
        at=snowflake_time(message_id),
    )


def _id_or_none(message_id: int | None) -> str | None:
    return str(message_id) if message_id is not None else None


def _follow_up_path(application_id: str, token: str) -> str:
    """The follow-up webhook; ``wait`` makes Discord answer with the message (its id)."""
    return f"/webhooks/{application_id}/{quote(token, safe='')}?wait=true"


def payload(content: str, mentionable: set[str]) -> dict[str, Any]:
    """A message that pings exactly the mentioned members it names, and nobody else."""
    users: list[str] = []
    for user_id in _MENTION.findall(content):
        if user_id in mentionable and user_id not in users:
            users.append(user_id)
    return {"content": content, "allowed_mentions": {"parse": [], "users": users}}


def _option_words(options: Any, resolved: Any) -> list[str]:
    """Command options as the words a member would have typed, in order; subcommands by
    name. A user option is ``<@id>``, a role ``<@&id>``: Discord's own mention syntax."""
    roles = resolved.get("roles", {}) if isinstance(resolved, dict) else {}
    words: list[str] = []
    for option in options if isinstance(options, list) else []:
        if not isinstance(option, dict):
            continue
        if "options" in option:  # subcommand or group
            words.append(str(option.get("name", "")))
            words.extend(_option_words(option["options"], resolved))
            continue
        value = option.get("value")
        if value is None:
            continue
        if option.get("type") in (_USER_OPTION, _MENTIONABLE_OPTION):
            words.append(f"<@&{value}>" if str(value) in roles else f"<@{value}>")
        elif isinstance(value, bool):
            words.append("yes" if value else "no")
        else:
            words.append(str(value))
    return words


def _merge(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any] | None:
    """Two reply payloads as one message, while within 2,000 characters and 100 pings."""
    content = first["content"] + REPLY_JOINER + second["content"]
    users = first["allowed_mentions"]["users"] + [
        u
        for u in second["allowed_mentions"]["users"]
        if u not in first["allowed_mentions"]["users"]
    ]
    if len(content) > MESSAGE_LIMIT or len(users) > MAX_MENTIONS_PER_MESSAGE:
        return None
    return {"content": content, "allowed_mentions": {"parse": [], "users": users}}


def _retry_after(answer: Answer) -> float | None:
    """Discord's 429 body says ``retry_after`` in seconds (a float, finer than the header)."""
    value = answer.body.get("retry_after") if isinstance(answer.body, dict) else None
    if answer.status == 429 and isinstance(value, int | float) and not isinstance(value, bool):
        return max(0.0, float(value))
    return None


def _code(answer: Answer | None) -> int | None:
    """Discord's JSON error code (``{"message": ..., "code": 50007}``)."""
    body = answer.body if answer is not None and isinstance(answer.body, dict) else {}
    code = body.get("code")
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def _token_refused(answer: Answer | None) -> bool:
    """Discord refusing a follow-up because the interaction token is not valid (expired,
    or the interaction unknown): nothing was posted, and nothing will be with it."""
    if answer is None:
        return False
    return answer.status == 401 or _code(answer) in (UNKNOWN_WEBHOOK, INVALID_WEBHOOK_TOKEN)


def _gone(answer: Answer | None) -> bool:
    """A 404 saying the member is not in the guild (any more): what a kick wanted."""
    return (
        answer is not None
        and answer.status == 404
        and _code(answer) in (UNKNOWN_MEMBER, UNKNOWN_USER)
    )


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _refused(
    error: DeliveryError,
    refusal: type[ListRefused] | type[HistoryRefused],
    lacks: Mapping[int | None, str],
    *,
    forbidden: str | None = None,
) -> DeliveryError:
    """A 401/403/404 as the refusal that names what the bot lacks (``lacks`` by Discord's
    error code, ``forbidden`` for any other 403); other failures as they are."""
    answer = error.answer
    if answer is None or answer.status not in (401, 403, 404):
        return error
    if answer.status == 401:
        return refusal("discord", "a valid bot token", str(error))
    code = _code(answer)
    if code in lacks:
        return refusal("discord", lacks[code], str(error))
    if forbidden is not None and answer.status == 403:
        return refusal("discord", forbidden, str(error))
    return refusal("discord", f"access (code {code})", str(error))
