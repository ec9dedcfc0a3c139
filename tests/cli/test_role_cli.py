"""``rollcall member set-role`` and ``rollcall member admins``, as an operator runs them."""

from __future__ import annotations

import json

import pytest
import responses

TG_TOKEN = "123456789:AAH-secret-bot-token-value"
TG_BASE = "https://telegram.test"
GROUP = "-1001234567890"


def setup_community(cli, platform: str = "console", chat: str = "room-1") -> str:
    created = cli(
        "community", "create", "--name", "晨读营", "--platform", platform, "--chat-id", chat,
        "--json",
    )  # fmt: skip
    cid = json.loads(created.stdout)["id"]
    for user, name in (("111", "Olga"), ("333", "Max"), ("444", "Amy")):
        cli("member", "add", "--community", cid, user, "--name", name)
    return cid


def listed(cli, cid: str) -> dict[str, tuple[str, str | None]]:
    members = json.loads(cli("member", "list", "--community", cid, "--json").stdout)
    return {m["user_id"]: (m["role"], m.get("role_source")) for m in members}


def test_set_role_gives_an_explicit_audited_role(cli):
    cid = setup_community(cli)
    out = cli("member", "set-role", "--community", cid, "--user", "444", "leader")
    assert out.stdout.strip() == "444 is now leader (was member)"
    again = cli("member", "set-role", "--community", cid, "--user", "444", "LEADER", "--json")
    assert json.loads(again.stdout) == {
        "community": cid,
        "user_id": "444",
        "role": "leader",
        "old": "leader",
        "changed": False,
    }
    cli("member", "set-role", "--community", cid, "--user", "111", "owner")
    assert listed(cli, cid)["444"] == ("leader", "cli")
    assert listed(cli, cid)["111"] == ("owner", "cli")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("--user", "nobody", "admin"), "error: unknown member 'nobody' in community"),
        (("--user", "444", "boss"), "error: role must be one of owner, admin, leader, member"),
    ],
)
def test_set_role_refuses_bad_input_in_one_line_and_changes_nothing(cli, args, error):
    cid = setup_community(cli)
    result = cli("member", "set-role", "--community", cid, *args, ok=False)
    assert result.exit_code == 1
    assert result.stderr.startswith(error) and result.stderr.count("\n") == 1
    assert listed(cli, cid)["444"] == ("member", None)


def test_admins_on_a_platform_without_a_list_fails_in_one_line(cli):
    cid = setup_community(cli)
    result = cli("member", "admins", "--community", cid, ok=False)
    assert result.exit_code == 1
    assert result.stderr == "error: console has no admin list rollcall can read\n"


def test_admins_reads_telegrams_administrators(cli, monkeypatch):
    monkeypatch.setenv("ROLLCALL_TELEGRAM_BOT_TOKEN", TG_TOKEN)
    monkeypatch.setenv("ROLLCALL_TELEGRAM_SECRET_TOKEN", "tg_secret")
    monkeypatch.setenv("ROLLCALL_TELEGRAM_API_BASE", TG_BASE)
    cid = setup_community(cli, "telegram", GROUP)
    cli("member", "set-role", "--community", cid, "--user", "111", "owner")
    answer = {
        "ok": True,
        "result": [
            {"user": {"id": 111, "is_bot": False, "first_name": "Olga"}, "status": "creator"},
            {"user": {"id": 333, "is_bot": False, "first_name": "Max"}, "status": "administrator"},
        ],
    }
    url = f"{TG_BASE}/bot{TG_TOKEN}/getChatAdministrators"
    with responses.RequestsMock() as rsps:
        rsps.post(url, json=answer)
        rsps.post(url, json=answer)
        dry = cli("member", "admins", "--community", cid, "--dry-run")
        assert dry.stdout.splitlines() == [
            "telegram: 2 admin(s); would change 1 role(s)",
            "  333 Max: member -> admin",
        ]
        assert listed(cli, cid)["333"] == ("member", None)
        done = json.loads(cli("member", "admins", "--community", cid, "--json").stdout)
    assert done["changes"] == [{"user_id": "333", "name": "Max", "old": "member", "new": "admin"}]
    assert listed(cli, cid)["333"] == ("admin", "platform")
    assert listed(cli, cid)["111"] == ("owner", "cli")


def test_admins_names_what_telegram_refused(cli, monkeypatch):
    monkeypatch.setenv("ROLLCALL_TELEGRAM_BOT_TOKEN", TG_TOKEN)
    monkeypatch.setenv("ROLLCALL_TELEGRAM_SECRET_TOKEN", "tg_secret")
    monkeypatch.setenv("ROLLCALL_TELEGRAM_API_BASE", TG_BASE)
    cid = setup_community(cli, "telegram", GROUP)
    url = f"{TG_BASE}/bot{TG_TOKEN}/getChatAdministrators"
    refusal = {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
    with responses.RequestsMock() as rsps:
        rsps.post(url, json=refusal, status=400)
        result = cli("member", "admins", "--community", cid, ok=False)
    assert result.stderr == (
        f"error: telegram refused getChatAdministrators for chat {GROUP}: "
        "Bad Request: chat not found\n"
    )


def test_a_csv_role_is_explicit_and_an_export_imported_back_keeps_each_source(cli, tmp_path):
    cid = setup_community(cli)
    cli("member", "set-role", "--community", cid, "--user", "333", "admin")
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "user_id,name,role,squad,joined_at\n"
        "444,Amy,leader,A,2026-11-01\n"
        "555,New,member,A,2026-11-01\n"
        "666,Boss,admin,,2026-11-01\n",
        encoding="utf-8",
    )
    cli("member", "import", "--community", cid, str(roster))
    roles = listed(cli, cid)
    assert roles["444"] == ("leader", "csv")
    assert roles["555"] == ("member", None)  # a plain member: the platform may promote them
    assert roles["666"] == ("admin", "csv")
    exported = tmp_path / "export.csv"
    cli("member", "export", "--community", cid, "-o", str(exported))
    cli("member", "import", "--community", cid, str(exported))
    assert listed(cli, cid) == roles | {"333": ("admin", "cli")}


def test_a_role_set_from_the_cli_is_audited_for_the_communitys_retention(cli):
    from datetime import datetime, timedelta

    from chalicelib.store import keys
    from chalicelib.store.retention import expires_at
    from rollcall.context import open_store

    cid = setup_community(cli)
    cli("community", "update", cid, "--retention-days", "200")
    cli("member", "set-role", "--community", cid, "--user", "444", "leader")
    with open_store() as store:
        items = list(store.table.query(keys.community_pk(cid)))
    [change] = [i for i in items if i["sk"].startswith(keys.ROLE_CHANGE_PREFIX)]
    kept = expires_at(datetime.fromisoformat(change["at"]), timedelta(days=200))
    assert change[keys.TTL_ATTRIBUTE] == kept
    # the settings change that set the period is kept for it too
    [audit] = [
        i for i in items if i["sk"].startswith(keys.AUDIT_PREFIX) and i["field"] != "community"
    ]
    assert audit["field"] == "retention_days"
    kept = expires_at(datetime.fromisoformat(audit["at"]), timedelta(days=200))
    assert audit[keys.TTL_ATTRIBUTE] == kept
