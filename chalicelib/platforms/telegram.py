"""Telegram: a bot webhook in, the Bot API out.

Inbound, Telegram signs nothing: the ``secret_token`` we hand to ``setWebhook`` comes back in
``X-Telegram-Bot-Api-Secret-Token`` on every delivery, and that header is the only proof a
request is Telegram's (no timestamp either, so dedupe by ``update_id`` is what stops a
replay from doing anything twice). A non-2xx answer makes Telegram retry the update for up
to 24 h, so anything we merely don't handle is answered 200 with nothing to do.

Outbound, messages are HTML (``parse_mode=HTML``): every piece of text is escaped, members
with a username are mentioned as ``@username`` and the others with a ``tg://user?id=`` link
(Telegram's documented way to mention a user who has none). A message is at most 4,096
characters; we measure the rendered HTML, which is never shorter than what Telegram counts
after parsing entities. (Telegram counts UTF-16 units, so text made mostly of emoji could
still exceed it; rollcall's texts are not.)

Pace: ~1 message/s per chat (``HttpSender(min_interval=1.0)``). Telegram also allows only 20
messages per minute in one group: a 300-mention reminder renders to a handful of parts and
a community's jobs send a few messages a day, so we stay far under it without a counter;
a job that ever sends more must spread its parts, and a 429 is honoured either way
(``parameters.retry_after``). ``ok: false`` in a body is a failure whatever the status.

Direct messages are ``sendMessage`` to the member's user id. Telegram lets a bot write
only to users who started a private chat with it: the others answer 403 ("bot can't
initiate conversation with a user", "bot was blocked by the user") or 400 "chat not
found", a refusal that will not change on a retry. DMs to different members are not paced
against each other; Telegram's ~30 messages/s overall is far above what one job's
sequential sends reach, and a 429 is honoured anyway.

Answering later (``reply_later``, a deferred command's result) is ``sendMessage`` as the
inline answer would have been: a reply to the member's message (``reply_parameters``,
sent anyway when they deleted it meanwhile) and, asked in a forum topic, into that topic
(``message_thread_id``), where a plain message to the chat would land in General instead.

Removal is ``banChatMember`` then ``unbanChatMember(only_if_banned)``: Telegram has no
"kick", and a ban alone would keep the member from coming back by invite. The bot needs
the admin right ``can_restrict_members``.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeGuard

from chalicelib.config import DEFAULT_API_BASES
from chalicelib.platforms.base import (
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
    defuse,
    deliver_parts,
    deliver_replies,
    identifier,
    join_texts,
    json_object,
    pack_replies,
    same_secret,
    split_parts,
)
from chalicelib.platforms.http import Answer, HttpSender

if TYPE_CHECKING:
    from chalicelib.domain.roster import ChatMembers

log = logging.getLogger("rollcall.platforms.telegram")

SECRET_HEADER = "x-telegram-bot-api-secret-token"  # noqa: S105 (a header name, not a secret)
MESSAGE_LIMIT = 4096
# Telegram's documented pace for one chat; see the module docstring for the per-group cap.
PER_CHAT_INTERVAL = 1.0
# Joins and leaves arrive as service messages inside "message" updates; in large
# supergroups Telegram may leave those out, and only "chat_member" updates (sent when the
# bot is an admin and asks for them) say who came and went.
ALLOWED_UPDATES = ("message", "chat_member")
# A ChatMember's statuses that mean "in the chat" (restricted members: per is_member).
IN_CHAT = ("creator", "administrator", "member")
# Who never started the bot, blocked it or deleted their account: Telegram's answers to a
# direct message that no retry changes (403 always; these 400s).
DIRECT_REFUSALS_400 = ("chat not found", "peer_id_invalid")
# What setWebhook accepts as secret_token.
# getChatMember's statuses (ChatMember in the Bot API), and its answers for a user id it does
# not know in the chat (never joined, deleted account): that user is not there.
MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
USER_NOT_THERE = ("user not found", "participant_id_invalid", "user_id_invalid")
# Roster-sync reads, one chat at a time: Telegram allows ~30 requests/s overall; 20/s
# leaves room for the messages other communities' jobs send meanwhile.
LIST_INTERVAL = 0.05
SECRET_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_INTEGER = re.compile(r"-?[0-9]{1,20}")


def build(settings: Any, runtime: Any) -> TelegramAdapter | None:
    """Telegram is configured only with both the bot token (to send) and the webhook secret
    (to trust what arrives): half a configuration would either accept forgeries or be mute."""
    token = settings.secret("ROLLCALL_TELEGRAM_BOT_TOKEN")
    secret = settings.secret("ROLLCALL_TELEGRAM_SECRET_TOKEN")
    if not token or not secret:
        return None
    return TelegramAdapter(token, secret, api_base=api_base(settings, "telegram"))


def set_webhook(settings: Any, url: str, *, sender: HttpSender | None = None) -> dict[str, Any]:
    """Point the bot's webhook at ``url`` with our secret token (``rollcall platform setup
    telegram``). Returns Telegram's answer; raises ValueError for a configuration Telegram
    would refuse and DeliveryError when Telegram does."""
    token = settings.secret("ROLLCALL_TELEGRAM_BOT_TOKEN")
    secret = settings.secret("ROLLCALL_TELEGRAM_SECRET_TOKEN")
    if not token or not secret:
        raise ValueError("set ROLLCALL_TELEGRAM_BOT_TOKEN and ROLLCALL_TELEGRAM_SECRET_TOKEN first")
    if not SECRET_TOKEN_PATTERN.match(secret):
        raise ValueError(
            "ROLLCALL_TELEGRAM_SECRET_TOKEN must be 1-256 characters of A-Z, a-z, 0-9, _ and -"
        )
    payload = {"url": url, "secret_token": secret, "allowed_updates": list(ALLOWED_UPDATES)}
    answer = (sender or HttpSender()).request(
        "POST",
        f"{api_base(settings, 'telegram')}/bot{token}/setWebhook",
        ok=_ok,
        retry_after=_retry_after,
        json=payload,
    )
    return dict(answer.body)


class TelegramAdapter:
    name = "telegram"

    def __init__(
        self,
        bot_token: str,
        secret_token: str,
        *,
        api_base: str = DEFAULT_API_BASES["telegram"],
        sender: HttpSender | None = None,
        list_sender: HttpSender | None = None,
    ) -> None:
        self._token = bot_token
        self._secret = secret_token
        self._api_base = api_base.rstrip("/")
        self._sender = sender or HttpSender(min_interval=PER_CHAT_INTERVAL)
        # Roster-sync reads are paced apart from messages (LIST_INTERVAL, not 1 s each).
        self._list_sender = list_sender or HttpSender(min_interval=LIST_INTERVAL)
        # build() needs the token anyway; this keeps an adapter made without one honest.
        self.direct_messages = bool(bot_token)

    def __repr__(self) -> str:  # the token is in every API URL: keep it out of tracebacks
        return f"TelegramAdapter(api_base={self._api_base!r})"

    # -- inbound
    def verify(self, request: HttpRequest, now: datetime) -> None:
        supplied = request.header(SECRET_HEADER)
        if not supplied:
            raise Unauthorized("missing secret token")
        if not same_secret(self._secret, supplied):
            raise Unauthorized("bad secret token")

    def parse(self, request: HttpRequest) -> Parsed:
        update = json_object(request.body)
        update_id = update.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise BadPayload("update_id is required")
        changed = update.get("chat_member")
        if isinstance(changed, dict):
            membership = self._membership(changed)
            return Parsed(events=[_with_id(membership, str(update_id))] if membership else [])
        message = update.get("message")
        if not isinstance(message, dict):
            # edited_message, channel_post, callback_query, my_chat_member...: not ours, and a
            # non-2xx would only make Telegram redeliver it for a day.
            return Parsed()
        chat = message.get("chat")
        chat_id = identifier(chat.get("id")) if isinstance(chat, dict) else None
        if chat_id is None:
            raise BadPayload("message.chat.id is required")
        events = list(self._events(message, chat_id))
        # One update, one delivery id; several events from it need ids of their own that a
        # redelivery of the same update reproduces exactly.
        ids = (
            [str(update_id)]
            if len(events) == 1
            else [f"{update_id}#{i}" for i in range(len(events))]
        )
        return Parsed(events=[_with_id(e, i) for e, i in zip(events, ids, strict=True)])

    def _events(self, message: dict[str, Any], chat_id: str) -> Iterable[InboundEvent]:
        context = _reply_context(message)
        # A welcome is not threaded under the join notice: service messages are not ones a
        # member wrote, and an inline answer that Telegram refuses is lost without a trace.
        service_context = _thread(context)
        moved = _migration(message, chat_id)
        if moved is not None:
            new_chat, old_chat = moved
            author = message.get("from")
            yield replace(
                self._event(
                    "chat_migrated",
                    new_chat,
                    author if _is_person(author) else {"id": 0},
                    context={},
                ),
                moved_from=old_chat,
            )
            return
        joined = message.get("new_chat_members")
        if isinstance(joined, list):
            for user in joined:
                if _is_person(user):
                    yield self._event("member_joined", chat_id, user, context=service_context)
            return
        left = message.get("left_chat_member")
        if isinstance(left, dict):
            if _is_person(left):
                yield self._event("member_left", chat_id, left, context=service_context)
            return
        # Posts on behalf of a chat (anonymous admins, a linked channel's auto-forwards) carry
        # sender_chat: no member wrote them.
        if "sender_chat" in message or not _is_person(message.get("from")):
            return
        text = message.get("text") or message.get("caption") or ""  # a photo captioned 打卡
        if not isinstance(text, str):
            raise BadPayload("message.text must be a string")
        yield self._event(
            "message",
            chat_id,
            message["from"],
            text=text,
            context=context,
            reply_to=_reply_author(message),
        )

    def _membership(self, changed: dict[str, Any]) -> InboundEvent | None:
        """A ``chat_member`` update (ChatMemberUpdated): a join when the member was out of
        the chat and is in it now, a leave the other way round; other changes (promotions,
        restrictions) are nobody's arrival."""
        chat = changed.get("chat")
        chat_id = identifier(chat.get("id")) if isinstance(chat, dict) else None
        old, new = changed.get("old_chat_member"), changed.get("new_chat_member")
        if chat_id is None or not isinstance(old, dict) or not isinstance(new, dict):
            raise BadPayload("chat_member needs chat.id, old_chat_member and new_chat_member")
        user = new.get("user")
        if not _is_person(user):
            return None
        was, now_in = _in_chat(old), _in_chat(new)
        if was == now_in:
            return None
        kind: EventKind = "member_joined" if now_in else "member_left"
        return self._event(kind, chat_id, user, context={})

    def _event(
        self,
        kind: EventKind,
        chat_id: str,
        user: dict[str, Any],
        *,
        text: str = "",
        context: dict[str, Any],
        reply_to: Sender | None = None,
    ) -> InboundEvent:
        return InboundEvent(
            kind=kind,
            platform=self.name,
            chat_id=chat_id,
            sender=_sender(user),
            text=text,
            reply_context=context,
            reply_to=reply_to,
            locale=_language(user),
        )

    def respond(self, event: InboundEvent | None, replies: Sequence[Message]) -> HttpResponse:
        """Answer in the webhook response itself (Telegram runs the method in the body), which
        costs no API call and no pacing. When the replies need several messages, the leading
        ones go through the API first and the last one inline: Telegram only runs the inline
        method after our response, so this is the order that keeps the parts in order."""
        if event is None:
            return HttpResponse(200)
        parts = pack_replies((self.render(r) for r in replies), join_texts(MESSAGE_LIMIT))
        if not parts:
            return HttpResponse(200)
        *early, last = parts
        reply = _reply_fields(event.reply_context)

        def send(numbered: tuple[int, str]) -> str:
            index, part = numbered
            return self._send(event.chat_id, part, reply if index == 0 else _thread(reply))

        # A failure stops the leading parts only: the last part still goes inline.
        deliver_replies(
            send, enumerate(early), log=log, platform=self.name, what="reply part not delivered"
        )
        inline = {
            "method": "sendMessage",
            "chat_id": event.chat_id,
            "text": last,
            "parse_mode": "HTML",
            **(_thread(reply) if early else reply),
        }
        return HttpResponse(200, inline)

    def reply_later(
        self,
        event: InboundEvent,
        message: Message,
        *,
        community_chat: ChatAddress | None,
        asked_at: datetime,
        now: datetime,
    ) -> list[str]:
        """The answer to ``event`` after the webhook returned: the first part replies to
        the member's message, and every part stays in the member's forum topic. A topic
        closed or deleted meanwhile ("message thread not found") takes the answer in the
        group's main thread instead of failing until the dead-letter queue."""
        reply = _reply_fields(event.reply_context)
        sent: list[str] = []
        for index, part in enumerate(part for part in self.render(message) if part):
            fields = reply if index == 0 else _thread(reply)
            try:
                sent.append(self._send(event.chat_id, part, fields))
            except DeliveryError as error:
                if "message_thread_id" not in fields or not _thread_gone(error.answer):
                    raise
                reply = {k: v for k, v in reply.items() if k != "message_thread_id"}
                fields = {k: v for k, v in fields.items() if k != "message_thread_id"}
                sent.append(self._send(event.chat_id, part, fields))
        return sent

    # -- outbound
    def render(self, message: Message) -> list[str]:
        head = cut_long_lines(_words(message.text), MESSAGE_LIMIT, entities=True)
        tail = cut_long_lines(_words(message.tail), MESSAGE_LIMIT, entities=True)
        tokens = [mention(m.user_id, m.name, m.username) for m in message.mentions]
        return split_parts(head, tokens, tail, MESSAGE_LIMIT)

    def deliver(self, chat: ChatAddress, part: str) -> str:
        return self._send(chat.chat_id, part)

    def send(self, chat: ChatAddress, message: Message) -> Delivery:
        return deliver_parts(lambda part: self.deliver(chat, part), self.render(message))

    def deliver_direct(self, chat: ChatAddress, user_id: str, part: str) -> str:
        """A private chat's id is the user's id. A refusal (the member never started the bot,
        or blocked it) is one answer, never retried: the caller falls back to the group."""
        try:
            return self._send(user_id, part)
        except DeliveryError as error:
            refusal = _direct_refusal(error.answer)
            if refusal is None:
                raise
            raise DirectRefused(
                f"Telegram refused a direct message to user {user_id}: {refusal}"
            ) from None

    def remove_member(self, chat: ChatAddress, user_id: str) -> bool:
        """Ban, then lift the ban at once: the member is out of the group and may come back
        by invite. False (remove by hand) when Telegram refuses (the bot lacks
        ``can_restrict_members``, the member is an admin or the owner) or cannot be
        reached; the caller records that, so nothing here raises."""
        target = {"chat_id": chat.chat_id, "user_id": _user_id(user_id)}
        banned = self._admin_call("banChatMember", target)
        if banned is not None:
            log.warning(
                "member not removed",
                extra={"platform": self.name, "chat": chat.chat_id, "error": banned},
            )
            return False
        unbanned = self._admin_call("unbanChatMember", {**target, "only_if_banned": True})
        if unbanned is not None:
            # Out of the group all the same; only coming back by invite needs an admin now.
            log.warning(
                "removed member still banned",
                extra={"platform": self.name, "chat": chat.chat_id, "error": unbanned},
            )
        return True

    # -- roster sync (features/roster.py)
    def read_chat_members(
        self, chat: ChatAddress, roster: Sequence[str], *, check_limit: int
    ) -> ChatMembers:
        """Telegram has no member list: the head count (``getChatMemberCount``), and the
        first ``check_limit`` of ``roster`` confirmed one by one (``getChatMember``),
        paced at ``LIST_INTERVAL``. ``left`` and ``kicked`` (and ``restricted`` with
        ``is_member`` false) are gone; so is a user Telegram no longer knows in the chat."""
        from chalicelib.domain.roster import ChatMembers, ListedMember

        total = self._list_call("getChatMemberCount", {"chat_id": chat.chat_id})
        if not isinstance(total, int) or isinstance(total, bool) or total < 0:
            raise MalformedAnswer("telegram", "getChatMemberCount without a count")
        present: list[ListedMember] = []
        gone: list[str] = []
        checked = list(roster[: max(0, check_limit)])
        for user_id in checked:
            target = {"chat_id": chat.chat_id, "user_id": _user_id(user_id)}
            member = self._list_call("getChatMember", target, missing_user=True)
            if member is None:
                gone.append(user_id)
                continue
            user = member.get("user") if isinstance(member, dict) else None
            status = member.get("status") if isinstance(member, dict) else None
            if not isinstance(user, dict) or str(user.get("id")) != str(user_id):
                raise MalformedAnswer("telegram", f"getChatMember for {user_id} without the user")
            if status not in MEMBER_STATUSES:
                raise MalformedAnswer("telegram", f"getChatMember status {str(status)[:20]!r}")
            if status in ("left", "kicked") or (
                status == "restricted" and member.get("is_member") is False
            ):
                gone.append(user_id)
                continue
            sender = _sender(user)
            present.append(ListedMember(sender.user_id, sender.name, sender.username))
        return ChatMembers(
            tuple(present), complete=False, gone=tuple(gone), checked=tuple(checked), total=total
        )

    def _list_call(
        self, method: str, payload: dict[str, Any], *, missing_user: bool = False
    ) -> Any:
        """``result`` of a read for roster sync; ListRefused when the bot may not read the
        chat (not in it, kicked), None for a user Telegram does not know there when
        ``missing_user``."""
        try:
            answer = self._list_sender.request(
                "POST",
                f"{self._api_base}/bot{self._token}/{method}",
                pace_key=str(payload["chat_id"]),
                ok=_ok,
                retry_after=_retry_after,
                json=payload,
            )
        except DeliveryError as error:
            refused = error.answer
            description = _description(refused) or ""
            if refused is not None and refused.status in (400, 403):
                lowered = description.lower()
                if (
                    missing_user
                    and refused.status == 400
                    and any(r in lowered for r in USER_NOT_THERE)
                ):
                    return None
                raise ListRefused(
                    "telegram", "the bot as a member of the group", f"{method}: {description}"
                ) from None
            raise
        if not isinstance(answer.body, dict) or "result" not in answer.body:
            raise MalformedAnswer("telegram", f"{method} without a result")
        return answer.body["result"]

    def chat_admin_ids(self, chat: ChatAddress) -> frozenset[str]:
        """``getChatAdministrators``: the group's creator and administrators, bots left out
        (one call; Telegram lists every admin at once)."""
        try:
            answer = self._sender.request(
                "POST",
                f"{self._api_base}/bot{self._token}/getChatAdministrators",
                ok=_ok,
                retry_after=_retry_after,
                json={"chat_id": chat.chat_id},
            )
        except DeliveryError as error:
            if error.answer is None:
                raise
            reason = _description(error.answer) or f"status {error.answer.status}"
            raise AdminsUnavailable(
                f"telegram refused getChatAdministrators for chat {chat.chat_id}: {reason}"
            ) from None
        result = answer.body.get("result") if isinstance(answer.body, dict) else None
        if not isinstance(result, list):
            raise AdminsUnavailable("telegram: getChatAdministrators answered no list")
        return frozenset(
            str(entry["user"]["id"])
            for entry in result
            if isinstance(entry, dict)
            and entry.get("status") in ("creator", "administrator")
            and _is_person(entry.get("user"))
        )

    def pin_message(self, chat: ChatAddress, message_id: str) -> None:
        """``pinChatMessage`` quietly (the post itself already notified); the bot needs the
        "pin messages" right in a group."""
        refused = self._admin_call(
            "pinChatMessage",
            {
                "chat_id": chat.chat_id,
                "message_id": int(message_id),
                "disable_notification": True,
            },
        )
        if refused is not None:
            raise DeliveryError(f"telegram refused the pin: {refused}")

    # -- thread replies (jobs/runner.py: the digest's full list under its summary)
    def reply_in_thread(self, chat: ChatAddress, message_id: str, part: str) -> str:
        """``sendMessage`` with ``reply_parameters`` naming the message: the reply shows it
        quoted, and opens its thread in a group with comments or topics. If the message was
        deleted meanwhile, Telegram posts the part anyway (``allow_sending_without_reply``)."""
        if not message_id.isascii() or not message_id.isdigit():
            raise ThreadRefused(f"not a Telegram message id: {message_id[:40]!r}")
        reference = {"message_id": int(message_id), "allow_sending_without_reply": True}
        return self._send(chat.chat_id, part, {"reply_parameters": reference})

    def _admin_call(self, method: str, payload: dict[str, Any]) -> str | None:
        """Call ``method``; None when Telegram did it, else why not (for the log)."""
        try:
            self._sender.request(
                "POST",
                f"{self._api_base}/bot{self._token}/{method}",
                ok=_ok,
                retry_after=_retry_after,
                json=payload,
            )
        except DeliveryError as error:
            return f"{method}: {_description(error.answer) or error}"
        return None

    def _send(self, chat_id: str, text: str, extra: dict[str, Any] | None = None) -> str:
        payload = {"chat_id": chat_id, "text": text, "parse_mode": "HTML", **(extra or {})}
        answer = self._sender.request(
            "POST",
            f"{self._api_base}/bot{self._token}/sendMessage",
            pace_key=chat_id,
            ok=_ok,
            retry_after=_retry_after,
            json=payload,
        )
        result = answer.body.get("result") if isinstance(answer.body, dict) else None
        return str(result.get("message_id", "")) if isinstance(result, dict) else ""


# Telegram makes ``@username`` (5 to 32 letters, digits, underscores) in any message a mention
# that notifies that user; not after a letter or a slash (``/checkin@bot``, an e-mail).
_USERNAME_MENTION = re.compile(r"(?<![\w/@])@(?=[A-Za-z][A-Za-z0-9_]{4})")


def _words(text: str) -> str:
    """A Message's words in HTML mode: escaped (no tag or ``tg://user`` link gets in), and
    no ``@username`` in them notifies anyone."""
    return defuse(html.escape(text, quote=False), _USERNAME_MENTION)


def mention(user_id: str, name: str, username: str | None) -> str:
    """``@username`` pings and links by itself; without one, a ``tg://user?id=`` link in HTML
    mode is Telegram's way to mention a user by id."""
    if username:
        return "@" + html.escape(username, quote=False)
    label = html.escape(name or str(user_id), quote=False)
    return f'<a href="tg://user?id={html.escape(str(user_id), quote=True)}">{label}</a>'


def _is_person(user: Any) -> TypeGuard[dict[str, Any]]:
    """A member worth counting: bots (ours included) never check in."""
    return (
        isinstance(user, dict) and identifier(user.get("id")) is not None and not user.get("is_bot")
    )


def _sender(user: dict[str, Any]) -> Sender:
    name = " ".join(str(user[k]) for k in ("first_name", "last_name") if user.get(k)).strip()
    username = user.get("username")
    return Sender(
        user_id=str(user["id"]),
        name=name or (str(username) if username else str(user["id"])),
        username=str(username) if username else None,
    )


def _reply_author(message: dict[str, Any]) -> Sender | None:
    """Who wrote the message this one answers, when a member did.

    In a forum topic every message that is not an explicit reply arrives with
    ``reply_to_message`` set to the topic's opening service message
    (``forum_topic_created``, whose id is the thread id): its author only opened the topic.
    Posts on behalf of a chat (``sender_chat``) and bots are nobody's to review.
    """
    replied = message.get("reply_to_message")
    if not isinstance(replied, dict) or "sender_chat" in replied:
        return None
    if "forum_topic_created" in replied or (
        message.get("is_topic_message")
        and replied.get("message_id") == message.get("message_thread_id")
    ):
        return None
    author = replied.get("from")
    return _sender(author) if _is_person(author) else None


def _in_chat(member: dict[str, Any]) -> bool:
    status = member.get("status")
    return status in IN_CHAT or (status == "restricted" and member.get("is_member") is True)


def _migration(message: dict[str, Any], chat_id: str) -> tuple[str, str] | None:
    """(new chat id, old chat id) when the message says the group became a supergroup:
    ``migrate_to_chat_id`` in the old group, ``migrate_from_chat_id`` in the new one."""
    to = identifier(message.get("migrate_to_chat_id"))
    if to is not None:
        return (to, chat_id) if to != chat_id else None
    came_from = identifier(message.get("migrate_from_chat_id"))
    if came_from is not None:
        return (chat_id, came_from) if came_from != chat_id else None
    return None


def _with_id(event: InboundEvent, event_id: str) -> InboundEvent:
    return replace(event, event_id=event_id)


def _reply_context(message: dict[str, Any]) -> dict[str, Any]:
    context: dict[str, Any] = {}
    if isinstance(message.get("message_id"), int):
        context["message_id"] = message["message_id"]
    if message.get("is_topic_message") and isinstance(message.get("message_thread_id"), int):
        context["message_thread_id"] = message["message_thread_id"]  # forum topics
    return context


def _reply_fields(context: Any) -> dict[str, Any]:
    """sendMessage fields that thread our answer under the member's message. reply_parameters
    (Bot API 7.0) replaces the deprecated reply_to_message_id and, unlike it, can say "send
    anyway" when the member deleted their message meanwhile, which an inline answer (whose
    failure we never see) needs."""
    fields: dict[str, Any] = {}
    if context.get("message_id") is not None:
        fields["reply_parameters"] = {
            "message_id": context["message_id"],
            "allow_sending_without_reply": True,
        }
    if context.get("message_thread_id") is not None:
        fields["message_thread_id"] = context["message_thread_id"]
    return fields


def _thread_gone(answer: Any) -> bool:
    """Telegram's answer when a forum topic no longer takes messages."""
    body = getattr(answer, "body", None)
    description = body.get("description", "") if isinstance(body, dict) else ""
    return getattr(answer, "status", 0) == 400 and "thread not found" in str(description)


def _thread(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k == "message_thread_id"}


def _user_id(user_id: str) -> int | str:
    """Telegram's user ids are integers; one that is not is passed on for Telegram to
    refuse with its own reason (``int()`` alone would also take ``1_0`` or other scripts'
    digits)."""
    return int(user_id) if _INTEGER.fullmatch(user_id) else user_id


def _description(answer: Answer | None) -> str | None:
    body = answer.body if answer is not None and isinstance(answer.body, dict) else {}
    description = body.get("description")
    return description if isinstance(description, str) else None


def _direct_refusal(answer: Answer | None) -> str | None:
    """Telegram's reason when a direct message is refused for good, else None."""
    if answer is None or answer.status not in (400, 403):
        return None
    description = _description(answer) or f"HTTP {answer.status}"
    if answer.status == 403 or any(r in description.lower() for r in DIRECT_REFUSALS_400):
        return description
    return None


def _ok(answer: Answer) -> bool:
    return isinstance(answer.body, dict) and answer.body.get("ok") is True


def _retry_after(answer: Answer) -> float | None:
    """Telegram says how long to wait in the body (``parameters.retry_after``), not a header."""
    body = answer.body if isinstance(answer.body, dict) else {}
    parameters = body.get("parameters")
    value = parameters.get("retry_after") if isinstance(parameters, dict) else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return max(0.0, float(value))
    return None


def _language(user: dict[str, Any]) -> str | None:
    """The user's interface language (``language_code``, e.g. ``zh-hans``), if Telegram says."""
    code = user.get("language_code")
    return code if isinstance(code, str) and code else None
