"""/mydata (我的数据): a member receives, by direct message, everything rollcall keeps about
them in this community. Never in the group: where the bot cannot message them privately the
answer says so, and nothing of their data is posted.

Deferred (chat/router.py DEFERRED): finding the member's items reads every check-in of the
community (store/erasure.py), more than a webhook's deadline allows in a large one. The DM
is sent by the queue worker; a queue message delivered twice may send it twice (the reply in
the group is claimed once per delivery, the DM is not), which repeats nothing to anyone else.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chalicelib.chat.context import CommandContext
from chalicelib.platforms.base import ChatAddress, DirectRefused, Message


def precheck_mydata(ctx: CommandContext) -> Sequence[Message] | None:
    """The webhook's inline answer when the platform cannot DM at all (nothing to queue)."""
    if not _can_dm(ctx):
        return [ctx.say("mydata_no_dm", name=ctx.member.display())]
    return None


def _adapter(ctx: CommandContext) -> Any:
    from chalicelib.runtime import get_runtime

    return get_runtime().adapter(ctx.community.platform)


def _can_dm(ctx: CommandContext) -> bool:
    from chalicelib.jobs.runner import can_send_direct

    adapter = _adapter(ctx)
    return adapter is not None and can_send_direct(adapter)


def handle_mydata(ctx: CommandContext) -> Sequence[Message]:
    from chalicelib.features.personal_data import compose_member_data, member_data

    name = ctx.member.display()
    adapter = _adapter(ctx)
    if adapter is None or not _can_dm(ctx):
        return [ctx.say("mydata_no_dm", name=name)]
    ctx.write_activity()
    community = ctx.community
    data = member_data(ctx.store, community.id, ctx.member.user_id)
    message = compose_member_data(community, ctx.member.name, ctx.member.user_id, data)
    chat = ChatAddress(
        community.platform, community.chat_id, community.robot_webhook, community.robot_secret
    )
    try:
        for part in adapter.render(message):
            adapter.deliver_direct(chat, ctx.member.user_id, part)
    except DirectRefused:
        return [ctx.say("mydata_refused", name=name)]
    return [ctx.say("mydata_sent", name=name)]
