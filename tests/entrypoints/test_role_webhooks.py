"""Roles through the real webhook route, with payloads signed as the platforms sign them.

* Discord: every interaction carries ``member.permissions``; ADMINISTRATOR (0x8) or
  MANAGE_GUILD (0x20) makes the member a rollcall admin, and a later interaction without
  them takes the role back unless it was set explicitly. A forged request changes nothing,
  and a replayed one (the same interaction again) changes nothing either.
* Slack: the owner's ``/rollcall role <@U…|name> admin`` (Slack reserves no /role, but the
  umbrella is how every command reaches Slack), refused for an admin who is not the owner.
* DingTalk: /role is held until the owner confirms the code sent privately.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
import responses
from chalice.test import Client
from Crypto.PublicKey import ECC
from Crypto.Signature import eddsa

import app
from chalicelib.clock import FixedClock
from chalicelib.config import Settings
from chalicelib.domain.models import Role
from chalicelib.platforms.slack import sign as slack_sign
from chalicelib.runtime import Runtime, set_runtime
from chalicelib.store.repository import Store
from chalicelib.store.roles import role_changes
from tests.helpers import community, member

AT = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)

# -- Discord ------------------------------------------------------------------------------------

CHANNEL = "1111111111111111111"
GUILD = "290926798626357999"
MOD = "53908232506183680"
AMY = "80351110224678913"
OWNER = "41771983423143937"


@pytest.fixture
def discord(dynamo_table):
    key = ECC.generate(curve="ed25519")
    store = Store(dynamo_table)
    store.create_community(community(platform="discord", chat_id=CHANNEL))
    store.bulk_save_members([member(OWNER, name="Olga", role=Role.OWNER), member(AMY, name="Amy")])
    settings = Settings(
        secrets={"ROLLCALL_DISCORD_PUBLIC_KEY": key.public_key().export_key(format="raw").hex()},
        api_bases={"discord": "https://discord.test/api/v10"},
    )
    set_runtime(Runtime(settings=settings, store=store, clock=FixedClock(AT)))
    try:
        with Client(app.app) as client:
            yield client, store, key
    finally:
        set_runtime(None)


def interaction(
    key,
    interaction_id: str,
    user: str,
    permissions: str | None,
    name: str = "help",
    options: list | None = None,
) -> tuple[dict[str, str], bytes]:
    guild_member = {"user": {"id": user, "username": f"user{user[-3:]}"}, "roles": []}
    if permissions is not None:
        guild_member["permissions"] = permissions
    data = {"id": "771825006014889984", "name": name, "type": 1}
    if options:
        data["options"] = options
    body = json.dumps(
        {
            "id": interaction_id,
            "application_id": "2222222222222222222",
            "type": 2,
            "data": data,
            "guild_id": GUILD,
            "channel_id": CHANNEL,
            "member": guild_member,
            "token": "A_UNIQUE_TOKEN",
            "version": 1,
        }
    ).encode()
    stamp = str(int(AT.timestamp()))
    signature = eddsa.new(key, "rfc8032").sign(stamp.encode() + body)
    headers = {
        "Content-Type": "application/json",
        "X-Signature-Ed25519": signature.hex(),
        "X-Signature-Timestamp": stamp,
    }
    return headers, body


def post(client, headers, body):
    return client.http.post("/webhooks/discord", headers=headers, body=body)


def content(response) -> str:
    assert response.status_code == 200
    return json.loads(response.body)["data"]["content"]


@pytest.mark.parametrize(
    ("permissions", "admin"),
    [
        ("8", True),  # ADMINISTRATOR
        ("32", True),  # MANAGE_GUILD
        ("2147483656", True),  # ADMINISTRATOR among others
        ("2048", False),  # SEND_MESSAGES only
        ("0", False),
    ],
)
def test_discord_permissions_in_the_interaction_make_an_admin(discord, permissions, admin):
    client, store, key = discord
    reply = content(post(client, *interaction(key, "i1", MOD, permissions)))
    assert ("Admin commands:" in reply) is admin
    stored = store.get_member("c1", MOD)
    assert stored.role is (Role.ADMIN if admin else Role.MEMBER)
    assert stored.role_source == ("platform" if admin else None)
    audits = role_changes(store.table, "c1")
    assert [(a["user_id"], a["old"], a["new"], a["by"]) for a in audits] == (
        [(MOD, "member", "admin", "platform")] if admin else []
    )


def test_a_discord_admin_demoted_on_discord_loses_the_role_and_a_replay_does_not_restore_it(
    discord,
):
    client, store, key = discord
    first = interaction(key, "i1", MOD, "8")
    post(client, *first)
    assert store.get_member("c1", MOD).role is Role.ADMIN
    reply = content(post(client, *interaction(key, "i2", MOD, "0")))
    assert "Admin commands:" not in reply
    assert store.get_member("c1", MOD).role is Role.MEMBER
    # The earlier interaction, replayed with its valid signature: dropped as a redelivery.
    replayed = post(client, *first)
    assert replayed.status_code == 200
    assert store.get_member("c1", MOD).role is Role.MEMBER
    changes = {(a["old"], a["new"]) for a in role_changes(store.table, "c1")}
    assert changes == {("member", "admin"), ("admin", "member")}


def test_a_check_in_refreshes_no_role_so_its_replay_cannot_restore_one(discord):
    """A check-in de-duplicates itself in its own write, after the member is read: a role
    refreshed there could be granted again by a replay within Discord's 5 minutes. So only
    claimed commands refresh the role, and a check-in (first delivery or replay) leaves it."""
    client, store, key = discord
    post(client, *interaction(key, "i1", MOD, "8"))
    post(client, *interaction(key, "i2", MOD, "0"))
    checkin = interaction(key, "i3", MOD, "8", "checkin")
    assert post(client, *checkin).status_code == 200
    assert post(client, *checkin).status_code == 200
    assert store.get_member("c1", MOD).role is Role.MEMBER
    assert store.get_member("c1", MOD).checkins == 1


def test_a_forged_interaction_changes_nothing(discord):
    client, store, key = discord
    headers, body = interaction(key, "i1", MOD, "8")
    forged = body.replace(b'"permissions": "8"', b'"permissions": "40"')
    assert post(client, headers, forged).status_code == 401
    other_key = ECC.generate(curve="ed25519")
    assert post(client, *interaction(other_key, "i2", MOD, "8")).status_code == 401
    assert store.get_member("c1", MOD) is None
    assert role_changes(store.table, "c1") == []


def test_an_explicit_role_outlasts_what_discord_says(discord):
    """An owner's role, and a member the owner set explicitly, stay whatever the
    permissions say."""
    client, store, key = discord
    post(client, *interaction(key, "i1", OWNER, "0"))
    assert store.get_member("c1", OWNER).role is Role.OWNER
    role = [
        {"type": 6, "name": "member", "value": AMY},
        {"type": 3, "name": "role", "value": "leader"},
    ]
    reply = content(post(client, *interaction(key, "i2", OWNER, "8", "role", role)))
    assert reply == "✅ Amy is now leader (was member)."
    post(client, *interaction(key, "i3", AMY, "8"))
    assert store.get_member("c1", AMY).role is Role.LEADER


def test_a_discord_admin_by_permission_cannot_make_admins(discord):
    """Platform admins are rollcall admins, not owners: granting admin stays the owner's."""
    client, store, key = discord
    grant = [
        {"type": 6, "name": "member", "value": AMY},
        {"type": 3, "name": "role", "value": "admin"},
    ]
    reply = content(post(client, *interaction(key, "i1", MOD, "8", "role", grant)))
    assert reply == "Only the owner can make or unmake admins."
    assert store.get_member("c1", AMY).role is Role.MEMBER
    reply = content(post(client, *interaction(key, "i2", OWNER, "0", "role", grant)))
    assert reply == "✅ Amy is now admin (was member)."
    assert store.get_member("c1", AMY).role_source == "chat"


# -- Slack --------------------------------------------------------------------------------------

SLACK_SECRET = "slack-signing-secret"
SLACK_CHANNEL = "C0LAN2Q65"
SLACK_OWNER = "U2147483697"
SLACK_ADMIN = "U0ADMIN01"
SLACK_AMY = "U0AMY0001"


@pytest.fixture
def slack(dynamo_table):
    store = Store(dynamo_table)
    store.create_community(community(platform="slack", chat_id=SLACK_CHANNEL))
    store.bulk_save_members(
        [
            member(SLACK_OWNER, name="Steve", role=Role.OWNER),
            member(SLACK_ADMIN, name="Ada", role=Role.ADMIN),
            member(SLACK_AMY, name="Amy"),
        ]
    )
    settings = Settings(
        secrets={"ROLLCALL_SLACK_SIGNING_SECRET": SLACK_SECRET},
        api_bases={"slack": "https://slack.test/api"},
    )
    set_runtime(Runtime(settings=settings, store=store, clock=FixedClock(AT)))
    try:
        with Client(app.app) as client, responses.RequestsMock():
            yield client, store
    finally:
        set_runtime(None)


def slash(text: str, user: str, trigger: str, secret: str = SLACK_SECRET):
    body = urlencode(
        {
            "team_id": "T0001",
            "channel_id": SLACK_CHANNEL,
            "user_id": user,
            "user_name": "someone",
            "command": "/rollcall",
            "text": text,
            "response_url": "https://hooks.slack.com/commands/T0001/1234/5678",
            "trigger_id": trigger,
        }
    ).encode()
    stamp = str(int(AT.timestamp()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": slack_sign(secret, stamp, body),
    }
    return headers, body


def slack_post(client, headers, body):
    return client.http.post("/webhooks/slack", headers=headers, body=body)


def test_the_owner_makes_an_admin_on_slack_through_the_umbrella(slack):
    client, store = slack
    answer = slack_post(client, *slash(f"role <@{SLACK_AMY}|amy> admin", SLACK_OWNER, "t1"))
    assert json.loads(answer.body)["text"] == "✅ Amy is now admin (was member)."
    assert store.get_member("c1", SLACK_AMY).role is Role.ADMIN
    [audit] = role_changes(store.table, "c1")
    assert (audit["by"], audit["source"]) == (SLACK_OWNER, "chat")


def test_on_slack_an_admin_cannot_grant_admin_and_a_forged_request_changes_nothing(slack):
    client, store = slack
    answer = slack_post(client, *slash(f"role <@{SLACK_AMY}|amy> admin", SLACK_ADMIN, "t1"))
    assert json.loads(answer.body)["text"] == "Only the owner can make or unmake admins."
    forged = slash(f"role <@{SLACK_AMY}|amy> admin", SLACK_OWNER, "t2", secret="guess")
    assert slack_post(client, *forged).status_code == 401
    assert store.get_member("c1", SLACK_AMY).role is Role.MEMBER
    assert role_changes(store.table, "c1") == []


def test_on_slack_a_leader_is_made_and_sees_their_squad(slack):
    client, store = slack
    store.save_member(member(SLACK_AMY, name="Amy", squad="A"))
    slack_post(client, *slash(f"role <@{SLACK_AMY}|amy> leader", SLACK_ADMIN, "t1"))
    assert store.get_member("c1", SLACK_AMY).role is Role.LEADER
    answer = slack_post(client, *slash("squad", SLACK_AMY, "t2"))
    assert json.loads(answer.body)["text"].startswith("👥 Squad A · 2026-11-23")


# -- DingTalk: held for the code sent privately -------------------------------------------------


def test_on_dingtalk_a_role_change_waits_for_the_owners_code(dynamo_table):
    """DingTalk signs a timestamp, not the body: a captured header pair must not be enough
    to make someone an admin (chat/confirm.py)."""
    from tests.platforms.test_dingtalk_confirm import ADMIN as DING_OWNER
    from tests.platforms.test_dingtalk_confirm import code_sent, send, wired

    store = wired(dynamo_table)
    store.save_member(member(DING_OWNER, role=Role.OWNER))
    store.save_member(member("amy", name="Amy"))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        from tests.platforms.test_dingtalk import BATCH_SEND, SESSION, TOKEN_URL

        rsps.add(responses.POST, SESSION, json={"errcode": 0, "errmsg": "ok"})
        rsps.add(responses.POST, TOKEN_URL, json={"accessToken": "t", "expireIn": 7200})
        rsps.add(responses.POST, BATCH_SEND, json={"processQueryKey": "q"})
        try:
            with Client(app.app) as client:
                assert send(client, "设为管理员 @Amy", "m1").status_code == 200
                assert store.get_member("c1", "amy").role is Role.MEMBER  # held
                code = code_sent(rsps)
                assert send(client, f"确认 {code}", "m2").status_code == 200
        finally:
            set_runtime(None)
    assert store.get_member("c1", "amy").role is Role.ADMIN
    [audit] = role_changes(store.table, "c1")
    assert audit["by"] == DING_OWNER
