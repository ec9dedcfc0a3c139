"""Member lists for roster sync, per platform, against the answers' real shapes (from each
platform's API reference): every page read before answering, a refusal naming the missing
permission, a malformed answer naming the platform."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest
import responses

from chalicelib.platforms import slack, telegram
from chalicelib.platforms.base import ChatAddress, ListRefused, MalformedAnswer, MemberLister
from chalicelib.platforms.feishu import FeishuAdapter
from chalicelib.platforms.slack import SlackAdapter
from chalicelib.platforms.telegram import TelegramAdapter
from tests.platforms.support import quiet_sender, timed_sender

# -- Slack: conversations.members + users.list -------------------------------------------

SLACK_API = "https://slack.test/api"
CHANNEL = "C012AB3CD"


def slack_adapter(clock) -> SlackAdapter:
    return SlackAdapter(
        "secret", "xoxb-test", api_base=SLACK_API, sender=timed_sender(clock, min_interval=1.0)
    )


def slack_user(user_id: str, name: str, display: str, **extra) -> dict:
    """A users.list member as Slack's reference shows one."""
    return {
        "id": user_id,
        "team_id": "T012AB3C4",
        "name": name,
        "deleted": False,
        "real_name": display.title(),
        "tz": "Asia/Shanghai",
        "profile": {
            "real_name": display.title(),
            "display_name": display,
            "real_name_normalized": display.title(),
            "display_name_normalized": display,
            "team": "T012AB3C4",
        },
        "is_admin": False,
        "is_owner": False,
        "is_bot": False,
        "is_app_user": False,
        "updated": 1502138686,
        **extra,
    }


def form(call) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(call.request.body).items()}


@responses.activate
def test_slack_lists_the_channel_page_by_page_and_names_it_from_users_list(clock):
    members_url = f"{SLACK_API}/conversations.members"
    users_url = f"{SLACK_API}/users.list"
    responses.post(
        members_url,
        json={
            "ok": True,
            "members": ["U023BECGF", "U061F7AUR"],
            "response_metadata": {"next_cursor": "e3VzZXJfaWQ6IFcxMjM0NTY3fQ=="},
        },
    )
    responses.post(
        members_url,
        json={
            "ok": True,
            "members": ["W012A3CDE", "B0BOT0001", "U0GUEST01"],
            "response_metadata": {"next_cursor": ""},
        },
    )
    responses.post(
        users_url,
        json={
            "ok": True,
            "members": [
                slack_user("U023BECGF", "bobby", "Bobby Tables"),
                slack_user("UNOTHERE1", "other", "Not In Channel"),
            ],
            "cache_ts": 1498777272,
            "response_metadata": {"next_cursor": "dXNlcjpVMEc5V0ZYTlo="},
        },
    )
    responses.post(
        users_url,
        json={
            "ok": True,
            "members": [
                slack_user("U061F7AUR", "ann", "", real_name="Ann Lee"),
                slack_user("W012A3CDE", "spengler", "spengler"),
                slack_user("B0BOT0001", "rollcall", "rollcall", is_bot=True),
            ],
            "response_metadata": {"next_cursor": ""},
        },
    )
    adapter = slack_adapter(clock)
    assert isinstance(adapter, MemberLister)
    listed = adapter.read_chat_members(ChatAddress("slack", CHANNEL), [], check_limit=0)
    assert listed.complete
    assert [(p.user_id, p.name, p.username) for p in listed.members] == [
        ("U023BECGF", "Bobby Tables", "bobby"),
        ("U061F7AUR", "Ann Lee", "ann"),
        ("W012A3CDE", "spengler", "spengler"),
        ("U0GUEST01", "", None),  # in the channel, not in the workspace's list: no name
    ]
    calls = [(c.request.url.rsplit("/", 1)[1], form(c)) for c in responses.calls]
    assert calls[0] == ("conversations.members", {"channel": CHANNEL, "limit": "1000"})
    assert calls[1][1]["cursor"] == "e3VzZXJfaWQ6IFcxMjM0NTY3fQ=="
    assert [c[0] for c in calls] == ["conversations.members"] * 2 + ["users.list"] * 2
    assert clock.sleeps == [1.0, 1.0]  # each method's pages a second apart


@responses.activate
def test_slack_missing_scope_names_the_scope(clock):
    responses.post(
        f"{SLACK_API}/conversations.members",
        json={
            "ok": False,
            "error": "missing_scope",
            "needed": "channels:read",
            "provided": "chat:write,commands",
        },
    )
    with pytest.raises(
        ListRefused, match="slack refused the member list: missing scope channels:read"
    ):
        slack_adapter(clock).read_chat_members(ChatAddress("slack", CHANNEL), [], check_limit=0)


@responses.activate
def test_slack_a_page_without_members_is_malformed(clock):
    responses.post(f"{SLACK_API}/conversations.members", json={"ok": True, "members": "U1"})
    with pytest.raises(MalformedAnswer, match="slack"):
        slack_adapter(clock).read_chat_members(ChatAddress("slack", CHANNEL), [], check_limit=0)


def test_slack_pages_are_a_thousand():
    assert slack.LIST_PAGE == 1000


# -- Telegram: getChatMemberCount + getChatMember ----------------------------------------

TG_API = "https://tg.test"
TG_TOKEN = "123456:ABC-DEF"
GROUP = "-1001234567890"


def tg_adapter(clock) -> TelegramAdapter:
    return TelegramAdapter(
        TG_TOKEN,
        "secret",
        api_base=TG_API,
        sender=timed_sender(clock, min_interval=1.0),
        list_sender=timed_sender(clock, min_interval=telegram.LIST_INTERVAL),
    )


def chat_member(user_id: int, status: str, first: str, **extra) -> dict:
    """getChatMember's answer: a ChatMember object (ChatMemberMember, ChatMemberLeft...)."""
    return {
        "ok": True,
        "result": {
            "user": {"id": user_id, "is_bot": False, "first_name": first, "language_code": "zh"},
            "status": status,
            **extra,
        },
    }


@responses.activate
def test_telegram_counts_the_chat_and_checks_a_bounded_slice_of_the_roster(clock):
    responses.post(f"{TG_API}/bot{TG_TOKEN}/getChatMemberCount", json={"ok": True, "result": 57})
    url = f"{TG_API}/bot{TG_TOKEN}/getChatMember"
    responses.post(url, json=chat_member(11, "member", "Ann"))
    responses.post(url, json=chat_member(12, "left", "Bob"))
    responses.post(url, json=chat_member(13, "kicked", "Cy", until_date=0))
    responses.post(url, json=chat_member(14, "restricted", "Dee", is_member=False))
    responses.post(
        url,
        status=400,
        json={"ok": False, "error_code": 400, "description": "Bad Request: user not found"},
    )
    responses.post(url, json=chat_member(16, "administrator", "Fay", can_manage_chat=True))
    listed = tg_adapter(clock).read_chat_members(
        ChatAddress("telegram", GROUP),
        ["11", "12", "13", "14", "15", "16", "17"],
        check_limit=6,
    )
    assert not listed.complete and listed.total == 57
    assert [(p.user_id, p.name) for p in listed.members] == [("11", "Ann"), ("16", "Fay")]
    assert listed.gone == ("12", "13", "14", "15")
    assert listed.checked == ("11", "12", "13", "14", "15", "16")  # 17 waits for the next run
    bodies = [json.loads(c.request.body) for c in responses.calls[1:]]
    assert bodies[0] == {"chat_id": GROUP, "user_id": 11}


@responses.activate
def test_telegram_a_bot_outside_the_group_is_a_refusal(clock):
    responses.post(
        f"{TG_API}/bot{TG_TOKEN}/getChatMemberCount",
        status=403,
        json={
            "ok": False,
            "error_code": 403,
            "description": "Forbidden: bot was kicked from the supergroup chat",
        },
    )
    with pytest.raises(ListRefused, match="missing the bot as a member of the group"):
        tg_adapter(clock).read_chat_members(ChatAddress("telegram", GROUP), ["1"], check_limit=5)


@responses.activate
def test_telegram_an_unknown_status_is_malformed(clock):
    responses.post(f"{TG_API}/bot{TG_TOKEN}/getChatMemberCount", json={"ok": True, "result": 3})
    responses.post(f"{TG_API}/bot{TG_TOKEN}/getChatMember", json=chat_member(1, "ghost", "X"))
    with pytest.raises(MalformedAnswer, match="telegram"):
        tg_adapter(clock).read_chat_members(ChatAddress("telegram", GROUP), ["1"], check_limit=5)


# -- Feishu: GET /im/v1/chats/{chat_id}/members ------------------------------------------

FS_BASE = "https://feishu.test/open-apis"
FS_CHAT = "oc_a0553eda9014c201e6969b478895c230"


def fs_adapter() -> FeishuAdapter:
    return FeishuAdapter(
        app_id="cli_x", app_secret="s3cret", api_base=FS_BASE, sender=quiet_sender()
    )


def fs_token(rsps) -> None:
    rsps.post(
        f"{FS_BASE}/auth/v3/tenant_access_token/internal",
        json={"code": 0, "msg": "ok", "tenant_access_token": "t-abc", "expire": 7200},
    )


def fs_page(items: list[tuple[str, str]], token: str, more: bool) -> dict:
    return {
        "code": 0,
        "msg": "success",
        "data": {
            "items": [
                {
                    "member_id_type": "open_id",
                    "member_id": member_id,
                    "name": name,
                    "tenant_key": "736588c9260f175d",
                }
                for member_id, name in items
            ],
            "page_token": token,
            "has_more": more,
            "member_total": 3,
        },
    }


def test_feishu_reads_every_page_as_the_app():
    url = f"{FS_BASE}/im/v1/chats/{FS_CHAT}/members"
    with responses.RequestsMock() as rsps:
        fs_token(rsps)
        rsps.get(url, json=fs_page([("ou_1", "张三"), ("ou_2", "李四")], "dmJCRHhpd3JRbGV1", True))
        rsps.get(url, json=fs_page([("ou_3", "王五")], "", False))
        listed = fs_adapter().read_chat_members(ChatAddress("feishu", FS_CHAT), [], check_limit=0)
        second = rsps.calls[2].request
    assert listed.complete
    assert [(p.user_id, p.name) for p in listed.members] == [
        ("ou_1", "张三"),
        ("ou_2", "李四"),
        ("ou_3", "王五"),
    ]
    assert "page_token=dmJCRHhpd3JRbGV1" in second.url and "member_id_type=open_id" in second.url
    assert second.headers["Authorization"] == "Bearer t-abc" and not second.body


def test_feishu_missing_scope_names_it():
    url = f"{FS_BASE}/im/v1/chats/{FS_CHAT}/members"
    with responses.RequestsMock() as rsps:
        fs_token(rsps)
        rsps.get(
            url,
            status=400,
            json={
                "code": 99991672,
                "msg": "Access denied. One of the following scopes is required: "
                "[im:chat, im:chat:readonly, im:chat.members:read].",
            },
        )
        with pytest.raises(ListRefused, match=r"missing scope im:chat\.members:read"):
            fs_adapter().read_chat_members(ChatAddress("feishu", FS_CHAT), [], check_limit=0)


def test_feishu_has_more_without_a_page_token_is_malformed():
    url = f"{FS_BASE}/im/v1/chats/{FS_CHAT}/members"
    with responses.RequestsMock() as rsps:
        fs_token(rsps)
        rsps.get(url, json=fs_page([("ou_1", "张三")], "", True))
        with pytest.raises(MalformedAnswer, match="feishu sent a malformed member list"):
            fs_adapter().read_chat_members(ChatAddress("feishu", FS_CHAT), [], check_limit=0)


def test_feishu_without_the_app_cannot_list():
    with pytest.raises(ListRefused, match="ROLLCALL_FEISHU_APP_ID"):
        FeishuAdapter(api_base=FS_BASE).read_chat_members(
            ChatAddress("feishu", FS_CHAT), [], check_limit=0
        )


# -- Discord: GET /guilds/{guild.id}/members ---------------------------------------------

DC_API = "https://discord.test/api/v10"
DC_CHANNEL = "1111111111111111111"
GUILD = "197038439483310086"


def dc_adapter(clock):
    from chalicelib.platforms.discord import DiscordAdapter

    return DiscordAdapter(bytes(32), "bot-token", api_base=DC_API, sender=timed_sender(clock))


def guild_member(
    user_id: str, username: str, *, nick=None, global_name=None, bot=False, roles=()
) -> dict:
    """A Guild Member object as Discord's reference shows one."""
    return {
        "user": {
            "id": user_id,
            "username": username,
            "discriminator": "0",
            "global_name": global_name,
            "avatar": "8342729096ea3675442027381ff50dfe",
            **({"bot": True} if bot else {}),
        },
        "nick": nick,
        "avatar": None,
        "roles": list(roles),
        "joined_at": "2015-04-26T06:26:56.936000+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
    }


OWNER = "53908232506183680"
CREW_ROLE, ADMIN_ROLE, MOD_ROLE = "41771983423143936", "41771983423143937", "41771983423143938"
VIEW = str(1 << 10)


def dc_channel(*overwrites: dict) -> dict:
    """A guild text channel as Discord's reference shows one."""
    return {
        "id": DC_CHANNEL,
        "type": 0,
        "guild_id": GUILD,
        "position": 6,
        "permission_overwrites": list(overwrites),
        "name": "study-group",
        "topic": None,
        "nsfw": False,
        "last_message_id": "155117677105512449",
        "rate_limit_per_user": 0,
        "parent_id": "399942396007890945",
    }


def overwrite(target: str, kind: int, *, allow: str = "0", deny: str = "0") -> dict:
    return {"id": target, "type": kind, "allow": allow, "deny": deny}


def dc_guild(everyone: str = "104324673") -> dict:
    """A Guild object (the fields read here, and a few around them)."""
    role = {"color": 0, "hoist": False, "position": 0, "managed": False, "mentionable": False}
    return {
        "id": GUILD,
        "name": "Study group",
        "owner_id": OWNER,
        "roles": [
            {**role, "id": GUILD, "name": "@everyone", "permissions": everyone},
            {**role, "id": CREW_ROLE, "name": "crew", "permissions": "0"},
            {**role, "id": ADMIN_ROLE, "name": "admins", "permissions": "8"},
            {**role, "id": MOD_ROLE, "name": "mods", "permissions": "2048"},
        ],
    }


def dc_server(channel: dict | None = None, guild: dict | None = None) -> None:
    responses.get(f"{DC_API}/channels/{DC_CHANNEL}", json=channel or dc_channel())
    responses.get(f"{DC_API}/guilds/{GUILD}", json=guild or dc_guild())


@responses.activate
def test_discord_lists_the_channels_server_page_by_page_without_bots(clock, monkeypatch):
    from chalicelib.platforms import discord

    monkeypatch.setattr(discord, "LIST_PAGE", 2)
    dc_server()
    url = f"{DC_API}/guilds/{GUILD}/members"
    responses.get(
        url,
        json=[
            guild_member("80351110224678912", "nelly", nick="Nell", global_name="Nelly"),
            guild_member("80351110224678913", "rollcall", bot=True),
        ],
    )
    responses.get(url, json=[guild_member("90351110224678914", "ann", global_name="Ann")])
    listed = dc_adapter(clock).read_chat_members(
        ChatAddress("discord", DC_CHANNEL), [], check_limit=0
    )
    assert [(p.user_id, p.name, p.username) for p in listed.members] == [
        ("80351110224678912", "Nell", "nelly"),
        ("90351110224678914", "Ann", "ann"),
    ]
    pages = [c.request.url for c in responses.calls[2:]]
    assert "after=0" in pages[0] and "after=80351110224678913" in pages[1]
    assert "limit=2" in pages[0]
    assert len(responses.calls) == 4  # the channel, the server, two pages


def read_dc(clock) -> list[str]:
    listed = dc_adapter(clock).read_chat_members(
        ChatAddress("discord", DC_CHANNEL), [], check_limit=0
    )
    assert listed.complete
    return [p.user_id for p in listed.members]


@responses.activate
def test_discord_a_private_channel_lists_only_the_role_that_sees_it_and_the_owner(clock):
    """@everyone denied View Channel, the crew role allowed: the rest of the server is not
    in the community, except the owner and an administrator, who see every channel."""
    dc_server(
        dc_channel(
            overwrite(GUILD, 0, deny=VIEW),
            overwrite(CREW_ROLE, 0, allow=VIEW),
        )
    )
    responses.get(
        f"{DC_API}/guilds/{GUILD}/members",
        json=[
            guild_member("80351110224678912", "nelly", roles=[CREW_ROLE]),
            guild_member("80351110224678913", "lurker"),
            guild_member("80351110224678914", "mod", roles=[MOD_ROLE]),
            guild_member("80351110224678915", "boss", roles=[ADMIN_ROLE]),
            guild_member(OWNER, "founder"),
            guild_member("80351110224678916", "crewbot", bot=True, roles=[CREW_ROLE]),
        ],
    )
    assert read_dc(clock) == ["80351110224678912", "80351110224678915", OWNER]
    assert [c.request.url.split("?")[0] for c in responses.calls[:2]] == [
        f"{DC_API}/channels/{DC_CHANNEL}",
        f"{DC_API}/guilds/{GUILD}",
    ]


@responses.activate
def test_discord_a_members_own_deny_hides_the_channel_their_role_shows(clock):
    dc_server(
        dc_channel(
            overwrite(GUILD, 0, deny=VIEW),
            overwrite(CREW_ROLE, 0, allow=VIEW),
            overwrite("80351110224678913", 1, deny=VIEW),
            overwrite("80351110224678914", 1, allow=VIEW),
        )
    )
    responses.get(
        f"{DC_API}/guilds/{GUILD}/members",
        json=[
            guild_member("80351110224678912", "nelly", roles=[CREW_ROLE]),
            guild_member("80351110224678913", "muted", roles=[CREW_ROLE]),
            guild_member("80351110224678914", "guest"),
        ],
    )
    assert read_dc(clock) == ["80351110224678912", "80351110224678914"]


@responses.activate
def test_discord_without_view_in_the_server_nobody_but_admins_is_listed(clock):
    """@everyone without View Channel server-wide and no overwrite: a role must grant it."""
    dc_server(guild=dc_guild(everyone="0"))
    responses.get(
        f"{DC_API}/guilds/{GUILD}/members",
        json=[
            guild_member("80351110224678912", "nelly", roles=[CREW_ROLE]),
            guild_member("80351110224678915", "boss", roles=[ADMIN_ROLE]),
        ],
    )
    assert read_dc(clock) == ["80351110224678915"]


@responses.activate
def test_discord_a_thread_is_seen_by_whoever_sees_its_channel(clock):
    """A thread carries no overwrites: its parent channel's decide."""
    parent = "2222222222222222222"
    thread = {"id": DC_CHANNEL, "type": 11, "guild_id": GUILD, "parent_id": parent}
    responses.get(f"{DC_API}/channels/{DC_CHANNEL}", json=thread)
    responses.get(
        f"{DC_API}/channels/{parent}",
        json={**dc_channel(overwrite(GUILD, 0, deny=VIEW), overwrite(CREW_ROLE, 0, allow=VIEW))},
    )
    responses.get(f"{DC_API}/guilds/{GUILD}", json=dc_guild())
    responses.get(
        f"{DC_API}/guilds/{GUILD}/members",
        json=[
            guild_member("80351110224678912", "nelly", roles=[CREW_ROLE]),
            guild_member("80351110224678913", "lurker"),
        ],
    )
    assert read_dc(clock) == ["80351110224678912"]


@responses.activate
def test_discord_a_channel_the_bot_cannot_see_is_refused_in_one_line_before_any_list(clock):
    responses.get(
        f"{DC_API}/channels/{DC_CHANNEL}",
        status=403,
        json={"message": "Missing Access", "code": 50001},
    )
    with pytest.raises(ListRefused) as refused:
        read_dc(clock)
    assert refused.value.permission == (
        "the View Channel permission in the channel (or the bot in the server)"
    )
    assert "\n" not in str(refused.value)
    assert len(responses.calls) == 1  # no members read, nothing to write from


@responses.activate
def test_discord_a_malformed_overwrite_or_role_is_an_error_not_a_partial_list(clock):
    dc_server(dc_channel(overwrite(GUILD, 0, deny="lots")))
    with pytest.raises(MalformedAnswer, match="discord sent a malformed member list"):
        read_dc(clock)
    responses.reset()
    bad = dc_guild()
    bad["roles"][1]["permissions"] = None
    dc_server(guild=bad)
    with pytest.raises(MalformedAnswer, match="a role without readable permissions"):
        read_dc(clock)


@responses.activate
def test_discord_without_the_members_intent_names_it(clock):
    dc_server()
    responses.get(
        f"{DC_API}/guilds/{GUILD}/members",
        status=403,
        json={"message": "Missing Access", "code": 50001},
    )
    with pytest.raises(ListRefused, match=r"Server Members intent \(GUILD_MEMBERS\)"):
        dc_adapter(clock).read_chat_members(ChatAddress("discord", DC_CHANNEL), [], check_limit=0)


def test_without_a_bot_token_the_list_is_refused_by_name_not_failed(clock):
    """A refusal is recorded once a day; a failure would be retried into the dead-letter
    queue every day."""
    from chalicelib.platforms.discord import DiscordAdapter

    with pytest.raises(ListRefused, match="ROLLCALL_SLACK_BOT_TOKEN"):
        SlackAdapter("secret", "", api_base=SLACK_API).read_chat_members(
            ChatAddress("slack", CHANNEL), [], check_limit=0
        )
    with pytest.raises(ListRefused, match="ROLLCALL_DISCORD_BOT_TOKEN"):
        DiscordAdapter(bytes(32), "", api_base=DC_API).read_chat_members(
            ChatAddress("discord", DC_CHANNEL), [], check_limit=0
        )
