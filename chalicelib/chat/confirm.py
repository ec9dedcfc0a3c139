"""Admin commands from DingTalk take effect only once the admin confirms a one-time code
that rollcall sent them privately.

DingTalk signs a timestamp, not the body (docs/security-platforms.md). A (timestamp, sign)
pair is bound to the first body it arrived with (store/replay.py), but whoever captures a
pair before its first delivery could still send a body of their own with it. So a command
that changes settings or people (``/theme <text>``, ``/exempt``, ``/confirm-removals``,
``/settings <change>``, ``/role``)
arriving from DingTalk is held: a 6-digit code goes to the admin by direct message, and only
``确认 <code>`` / ``/confirm <code>`` from the same member within 10 minutes runs it, once.
Where no direct message can reach the admin, such a command is refused and the operator's
CLI is the way. A forger holds no code: it travelled by a channel the signature scheme does
not touch.

Costs: holding is one PutItem and the direct message; confirming one conditional UpdateItem
(the claim: a code runs once) that returns the held command.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import replace
from datetime import timedelta

from chalicelib.chat.context import CommandContext
from chalicelib.domain.commands import parse_command
from chalicelib.platforms.base import (
    ChatAddress,
    DeliveryError,
    DirectMessages,
    InboundEvent,
    Message,
)
from chalicelib.store import claims, keys
from chalicelib.store.table import Cond

# Platforms whose signature does not cover the body, and the commands held there.
GUARDED_PLATFORMS = frozenset({"dingtalk"})
GUARDED_COMMANDS = frozenset(
    {"theme", "exempt", "confirm_removals", "settings", "role", "award", "goal", "announce"}
    | {"appoint", "dismiss"}
    | {"confirm_speaker", "cancel_session"}
    | {"forget"}
)
CODE_TTL = timedelta(minutes=10)
_CODE = re.compile(r"^\d{6}$")


def guarded(ctx: CommandContext) -> bool:
    """Whether this command must be confirmed before it runs: an admin's command that
    changes something, from a platform whose signature does not cover the body. A member
    who is no admin is refused by the command itself; ``/theme`` alone only shows it."""
    command = ctx.command
    if ctx.event.platform not in GUARDED_PLATFORMS or command.name not in GUARDED_COMMANDS:
        return False
    if command.name in ("theme", "settings", "goal") and not command.args.strip():
        return False  # only shows them
    if command.name == "goal":
        from chalicelib.domain.goals import BOARD_WORDS  # not on every message's path

        if command.args.strip().lower() in BOARD_WORDS:
            return False  # the goal board: nothing changes
    if command.name == "announce" and command.args.strip().lower() in ("", "list", "列表"):
        return False  # the usage or the list: nothing changes
    if command.name == "forget" and not _confirms(command.args):
        return False  # only counts what would go: the confirmation is the one held
    return ctx.may(command.name)


def _confirms(args: str) -> bool:
    from chalicelib.chat.personal import CONFIRM_WORDS

    return any(w in CONFIRM_WORDS for w in args.casefold().split())


def hold(ctx: CommandContext) -> list[Message]:
    """Keep the command and send its code privately; the group hears only that a code went
    out (or that it could not)."""
    community, member, event = ctx.community, ctx.member, ctx.event
    word = event.text.strip()[:80]
    adapter = ctx.runtime.adapter(community.platform) if ctx.runtime is not None else None
    if not isinstance(adapter, DirectMessages) or not adapter.direct_messages:
        return [ctx.say("confirm_no_dm", command=word)]
    code = f"{secrets.randbelow(1_000_000):06d}"
    expires = ctx.now + CODE_TTL
    pk, sk = keys.community_pk(community.id), keys.confirm_sk(member.user_id, code)
    ctx.store.table.put(
        {
            "pk": pk,
            "sk": sk,
            "text": event.text,
            "valid_until": expires.isoformat(),
            keys.TTL_ATTRIBUTE: int(expires.timestamp()),
        }
    )
    chat = ChatAddress(
        community.platform, community.chat_id, community.robot_webhook, community.robot_secret
    )
    try:
        for part in adapter.render(ctx.say("confirm_code_dm", code=code, command=word)):
            adapter.deliver_direct(chat, member.user_id, part)
    except DeliveryError:  # refused for good or unreachable: nothing is held
        ctx.store.table.delete(pk, sk)
        return [ctx.say("confirm_no_dm", command=word)]
    return [ctx.say("confirm_sent", command=word)]


def release(ctx: CommandContext) -> CommandContext | list[Message]:
    """``/confirm <code>``: the held command's context (its event's text and command in
    place of the confirmation), once; or the refusal."""
    code = ctx.command.args.strip()
    if not _CODE.match(code):
        return [ctx.say("confirm_usage")]
    pk = keys.community_pk(ctx.community.id)
    sk = keys.confirm_sk(ctx.member.user_id, code)
    # Used once: marked with this attempt's own token by one conditional write (a lost
    # answer is still ours: store/claims.py); the item itself expires with its TTL.
    claim = claims.claim(
        ctx.store.table,
        pk,
        sk,
        owner_attr="used_by",
        owner=uuid.uuid4().hex,
        set={"used_at": ctx.now.isoformat()},
        cond=Cond.exists("pk") & Cond.absent("used_by"),
    )
    held = claim.item if claim.owned else None
    if held is None or str(held.get("valid_until", "")) < ctx.now.isoformat():
        return [ctx.say("confirm_unknown")]
    command = parse_command(held["text"])
    if command is None:
        return [ctx.say("confirm_unknown")]
    event: InboundEvent = replace(ctx.event, text=held["text"])
    return replace(ctx, event=event, command=command)


def handle_confirm(ctx: CommandContext) -> list[Message]:
    """Reached only where the webhook did not take ``/confirm`` itself (inbound.py does):
    nothing is held for such a path."""
    return [ctx.say("confirm_unknown")]
