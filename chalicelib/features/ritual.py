"""The joining ritual and the nickname format, the feature: the webhook (a join event, a
rename, an introduction), the chat commands (群规 同意 自我介绍 待确认) and the daily roster
sync all call these use cases; the rules are pure (domain/ritual.py), each write one
conditional request (store/ritual.py).

* A newcomer is welcomed once per membership, whoever sees them first: their join event
  (inbound.py) or, after the community's first sync, the daily roster sync. Both claim the
  same item (``WLC#<user>#<joined>``); the loser says nothing. Members found by the first
  sync are added quietly and never welcomed.
* The welcome: the community's welcome text (or the default line), its group rules, the
  request to accept them (同意 / /agree) and to introduce oneself (自我介绍 … / /intro …, or
  the first ordinary message of at least INTRO_MIN_CHARS characters after the welcome).
* A nickname that does not follow the community's format gets one polite prompt by direct
  message, on joining and on a rename the platform reports (a message under a new display
  name, the roster sync's renames), at most one a day (a conditional write of the date).
  Where the bot cannot write privately, nothing is posted: never a public list.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from chalicelib.domain.messages import t
from chalicelib.domain.models import Community, Member
from chalicelib.domain.ritual import (
    Pending,
    fill,
    nickname_ok,
    nickname_prompt_due,
    pending_members,
)
from chalicelib.platforms.base import (
    ChatAddress,
    DeliveryError,
    DirectMessages,
    Mention,
    Message,
)
from chalicelib.store import ritual as ritual_store
from chalicelib.store.repository import Store

log = logging.getLogger("rollcall.ritual")


def rules_text(community: Community, name: str) -> str | None:
    """The group rules with their placeholders filled (None: the community has none)."""
    if not community.group_rules:
        return None
    return fill(
        community.group_rules, name=name, community=community.name, link=community.community_link
    )


def welcome_message(
    community: Community,
    names: Sequence[str],
    mentions: Sequence[Mention] = (),
    pinned: Sequence[str] = (),
) -> Message:
    """The welcome of one newcomer (or of several, from the sync): the welcome text, the
    rules and what is asked of them, and the announcements pinned now, in the community's
    language."""
    locale = community.locale
    name = t(locale, "ritual_group_names").join(names)
    if community.welcome_text:
        head = fill(
            community.welcome_text,
            name=name,
            community=community.name,
            link=community.community_link,
        )
    else:
        head = t(locale, "welcome", name=name, community=community.name)
    parts = [head]
    rules = rules_text(community, name)
    if rules:
        parts.append(t(locale, "ritual_rules", rules=rules))
        ask = (
            "ritual_ask_accept_required"
            if community.require_rules_acceptance
            else "ritual_ask_accept"
        )
        parts.append(t(locale, ask))
    parts.append(t(locale, "ritual_ask_intro"))
    if community.nickname_format:
        parts.append(t(locale, "ritual_nickname_hint", format=community.nickname_format))
    if pinned:
        parts.append(t(locale, "ritual_pinned", texts="\n".join(f"📌 {p}" for p in pinned)))
    return Message("\n\n".join(parts), tuple(mentions))


def _pinned(store: Store, community: Community, now: datetime) -> list[str]:
    """The announcements pinned now (features/announcements.py): no request when the
    community has none scheduled."""
    if not community.announcements:
        return []
    from chalicelib.features.announcements import pinned_announcements

    return pinned_announcements(store, community, now)


def welcome_joiner(
    store: Store, community: Community, member: Member, owner: str, now: datetime
) -> list[Message]:
    """A join event's welcome: claimed for this membership (two signals of one join, or the
    sync that saw the newcomer first: nothing), noted on the member item, composed."""
    joined = member.joined_at or community.calendar.local_date(now)
    if not ritual_store.claim_welcome(
        store.table, community.id, member.user_id, joined, owner, now
    ):
        log.info("welcome already claimed", extra={"community": community.id})
        return []
    ritual_store.note_welcomed(store.table, community.id, member.user_id, now)
    return [welcome_message(community, [member.display()], pinned=_pinned(store, community, now))]


def accept_rules(store: Store, community: Community, member: Member, now: datetime) -> bool:
    """True when this acceptance is new (a second 同意 changes nothing)."""
    return ritual_store.accept_rules(store.table, community.id, member.user_id, now)


def introduce(store: Store, community: Community, member: Member, now: datetime) -> bool:
    """True when this introduction is new (a second one changes nothing)."""
    return ritual_store.record_introduction(store.table, community.id, member.user_id, now)


def pending(store: Store, community: Community, now: datetime) -> list[Pending]:
    """Newcomers still owing a step after ``pending_hours``: one Query of the roster (pages)."""
    return pending_members(community, store.list_members(community.id), now)


def pending_text(community: Community, found: Sequence[Pending]) -> str:
    locale = community.locale
    hours = community.pending_hours
    if not found:
        return t(locale, "pending_none", hours=hours)
    tz = community.calendar
    lines = [t(locale, "pending_header", hours=hours, count=len(found))]
    for p in found:
        missing = [
            t(locale, key)
            for key, owed in (
                ("pending_not_accepted", not p.accepted),
                ("pending_not_introduced", not p.introduced),
            )
            if owed
        ]
        lines.append(
            t(
                locale,
                "pending_line",
                name=p.member.display(),
                since=tz.local_date(p.welcomed_at).isoformat(),
                missing=t(locale, "pending_and").join(missing),
            )
        )
    return "\n".join(lines)


def nickname_prompt(community: Community, member: Member) -> Message:
    return Message(
        t(
            community.locale,
            "nickname_prompt",
            name=member.display(),
            community=community.name,
            format=community.nickname_format or community.nickname_pattern or "",
        )
    )


def nickname_needs_prompt(community: Community, member: Member, today: date) -> bool:
    """No request: whether a prompt is due (a format set, the name off it, none today)."""
    return (
        bool(community.nickname_pattern)
        and not nickname_ok(community, member.display())
        and nickname_prompt_due(member, today)
    )


def claim_nickname_prompt(
    store: Store, community: Community, member: Member, today: date, adapter: Any
) -> bool:
    """Whether a polite prompt is owed now: the member's name is off the format, the
    platform can write privately (never in the group), and no prompt went today (claimed
    here, one conditional write: a prompt that then fails to send is not retried today).
    The webhook claims; the worker sends (send_nickname_prompt), off the webhook's
    deadline."""
    if not nickname_needs_prompt(community, member, today):
        return False
    if not isinstance(adapter, DirectMessages) or not adapter.direct_messages:
        return False  # never in the group
    return ritual_store.claim_nickname_prompt(store.table, community.id, member.user_id, today)


def send_nickname_prompt(store: Store, community_id: str, user_id: str, adapter: Any) -> bool:
    """The claimed prompt, by direct message (the queue worker); True when sent. A member
    gone or renamed to the format since the claim gets nothing; a refused DM is logged."""
    community = store.get_community(community_id)
    member = store.get_member(community_id, user_id)
    if member is None or nickname_ok(community, member.display()):
        return False
    if not isinstance(adapter, DirectMessages) or not adapter.direct_messages:
        return False
    chat = ChatAddress(
        community.platform, community.chat_id, community.robot_webhook, community.robot_secret
    )
    try:
        for part in adapter.render(nickname_prompt(community, member)):
            adapter.deliver_direct(chat, member.user_id, part)
    except DeliveryError as error:  # DirectRefused too: the member closed DMs
        log.info("nickname prompt not sent", extra={"community": community.id, "error": str(error)})
        return False
    return True


def ritual_for_sync(
    store: Store, community: Community, sync: Any, now: datetime, *, direct: bool = True
) -> tuple[list[Message], list[Any]]:
    """The daily roster sync's part (jobs/sync_rosters.py): the welcome of the arrivals it
    claims (after the first sync only), and nickname prompts by direct message for arrivals
    and renames off the format, as the plan's messages and targets. Claims are made here,
    before anything is sent; the sync's changes carry ``welcomed_at`` and the prompt's date
    for the members not stored yet. Where the platform cannot write privately (``direct``
    False) nobody is prompted: a prompt never falls back to the group."""
    from chalicelib.jobs.plan import Direct

    report = sync.report
    if report.skipped or report.first:
        return [], []
    today = community.calendar.local_date(now)
    stamp = now.isoformat()
    welcomed: list[Mention] = []
    messages: list[Message] = []
    targets: list[Any] = []

    def due(member: Member) -> bool:
        return direct and nickname_needs_prompt(community, member, today)

    def prompt(member: Member) -> None:
        messages.append(nickname_prompt(community, member))
        targets.append(Direct(member.user_id))

    for item in sync.items:  # joins: no member item yet
        user_id = item["user_id"]
        if ritual_store.claim_welcome(
            store.table, community.id, user_id, today, ritual_store.SYNC_OWNER, now
        ):
            item["welcomed_at"] = stamp
            welcomed.append(Mention(user_id, item["name"], item.get("username")))
        member = Member(community.id, user_id, item["name"], username=item.get("username"))
        if due(member):
            item["nickname_prompted_on"] = today.isoformat()
            prompt(member)
    rejoined = {p["user_id"] for p in report.rejoins}
    renamed = {p["user_id"]: p["name"] for p in report.renames}
    for user_id, fields, _status in sync.updates:
        if user_id in rejoined and ritual_store.claim_welcome(
            store.table, community.id, user_id, today, ritual_store.SYNC_OWNER, now
        ):
            fields["welcomed_at"] = stamp
            name = fields.get("name") or user_id
            welcomed.append(Mention(user_id, name, fields.get("username")))
        if user_id in renamed or user_id in rejoined:
            member = Member(
                community.id, user_id, fields.get("name") or renamed.get(user_id, user_id)
            )
            if due(member) and ritual_store.claim_nickname_prompt(
                store.table, community.id, user_id, today
            ):
                prompt(member)
    if welcomed:
        welcome = welcome_message(
            community,
            [m.name for m in welcomed],
            welcomed,
            pinned=_pinned(store, community, now),
        )
        messages.insert(0, welcome)
        targets.insert(0, None)
    return messages, targets
