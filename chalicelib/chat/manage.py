"""后台 / /manage: an owner or admin receives, by direct message, a single-use sign-in link
to the community's pages (chalicelib/manage/), valid 15 minutes. Never in the group: where
the bot cannot message them privately the reply says the operator's ``rollcall manage
link`` makes one. The delivery was claimed before the handler runs (router: not
SELF_DEDUPLICATING), so a redelivered message sends no second link.
"""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.chat.admin import refuse_non_admin
from chalicelib.chat.context import CommandContext
from chalicelib.platforms.base import ChatAddress, DirectMessages, DirectRefused, Message


def handle_manage(ctx: CommandContext) -> Sequence[Message]:
    refused = refuse_non_admin(ctx)
    if refused:
        return refused
    return _send_link(ctx, own_page=False)


def handle_mypage(ctx: CommandContext) -> Sequence[Message]:
    """我的主页 / /mypage: any member receives, by direct message only, a single-use link to
    their own page (their check-ins, streak, points, homework); it opens nothing else."""
    return _send_link(ctx, own_page=True)


def _send_link(ctx: CommandContext, *, own_page: bool) -> Sequence[Message]:
    from chalicelib.features.manage import issue_link, issue_member_link, signin_url
    from chalicelib.jobs.runner import can_send_direct

    name = ctx.member.display()
    community = ctx.community
    adapter = ctx.runtime.adapter(community.platform)
    if adapter is None or not isinstance(adapter, DirectMessages) or not can_send_direct(adapter):
        if own_page:  # the operator makes admins' links; a member's page waits for DMs
            return [ctx.say("mypage_no_dm", name=name)]
        return [
            ctx.say("manage_no_dm", name=name, community=community.id, user_id=ctx.member.user_id)
        ]
    settings = ctx.runtime.settings
    if not settings.public_url or settings.manage_key() is None:
        return [ctx.say("manage_not_configured", name=name)]
    ctx.write_activity()
    issue = issue_member_link if own_page else issue_link
    token = issue(ctx.store, community, ctx.member, ctx.now)
    url = signin_url(settings.public_url, community.id, token)
    chat = ChatAddress(
        community.platform, community.chat_id, community.robot_webhook, community.robot_secret
    )
    link = ctx.say("mypage_link" if own_page else "manage_link", community=community.name, url=url)
    try:
        for part in adapter.render(link):
            adapter.deliver_direct(chat, ctx.member.user_id, part)
    except DirectRefused:
        return [ctx.say("mypage_refused" if own_page else "manage_refused", name=name)]
    return [ctx.say("mypage_sent" if own_page else "manage_sent", name=name)]
