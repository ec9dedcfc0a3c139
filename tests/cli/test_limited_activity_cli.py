"""`rollcall community update` and `rollcall report rules` refuse an inactive_days rule on
WeCom and DingTalk until the community acknowledges that the bot sees no chatter there
(domain/visibility.py); the refusal is one line and writes nothing."""

from __future__ import annotations

import json

import responses

from tests.cli.test_cli import create

SILENT = [{"id": "silent", "kind": "inactive_days", "warn": 30, "remove": 45}]


# -- from the CLI ------------------------------------------------------------------------


def wecom_community(cli) -> str:
    cid = create(cli)
    cli("community", "bind", "--community", cid, "--platform", "wecom", "--chat-id", "g1", "--move")
    return cid


def test_the_cli_refuses_then_takes_the_acknowledgement(cli):
    cid = wecom_community(cli)
    refused = cli("community", "update", cid, "--removal", "on", ok=False)
    assert refused.exit_code == 1 and "never the group's chatter" in refused.stderr
    assert refused.stderr.count("\n") == 1
    shown = json.loads(cli("community", "show", cid, "--json").stdout)
    assert not shown.get("removal_enabled")
    cli("community", "update", cid, "--removal", "on", "--ack-limited-activity", "on")
    shown = json.loads(cli("community", "show", cid, "--json").stdout)
    assert shown["removal_enabled"] and shown["ack_limited_activity"]


def test_report_rules_refuses_a_silence_rule_on_wecom_without_the_flag(cli):
    cid = wecom_community(cli)
    rules = json.dumps(SILENT)
    refused = cli("report", "rules", "--community", cid, "--set", rules, ok=False)
    assert refused.exit_code == 1 and "'silent' measures days since last activity" in (
        refused.stderr
    )
    shown = json.loads(cli("report", "rules", "--community", cid, "--json").stdout)
    assert shown["default_rules"] is True
    done = cli(
        "report",
        "rules",
        "--community",
        cid,
        "--set",
        rules,
        "--ack-limited-activity",
        "on",
        "--json",
    )
    assert json.loads(done.stdout)["rules"] == SILENT


# -- a WeCom group the app created, synced from the CLI -----------------------------------

WECOM = "https://wecom.test/cgi-bin"


@responses.activate
def test_member_sync_reads_an_app_group_once_its_kind_is_set(cli, monkeypatch):
    monkeypatch.setenv("ROLLCALL_WECOM_API_BASE", WECOM)
    monkeypatch.setenv("ROLLCALL_WECOM_CORP_ID", "wx5823bf96d3bd56c7")
    monkeypatch.setenv("ROLLCALL_WECOM_CORP_SECRET", "app-secret")
    cid = wecom_community(cli)
    skipped = cli("member", "sync", "--community", cid)
    assert skipped.stdout.startswith("WeCom shows a group robot no member list")
    refused = cli("community", "update", cid, "--group-kind", "scene", ok=False)
    assert "group kind on wecom must be one of robot, app, customer" in refused.stderr
    cli("community", "update", cid, "--group-kind", "app")
    responses.get(f"{WECOM}/gettoken", json={"errcode": 0, "access_token": "t", "expires_in": 7200})
    responses.get(
        f"{WECOM}/appchat/get",
        json={
            "errcode": 0,
            "errmsg": "ok",
            "chat_info": {"chatid": "g1", "name": "n", "owner": "u1", "userlist": ["u1", "u2"]},
        },
    )
    done = json.loads(cli("member", "sync", "--community", cid, "--json").stdout)
    assert done["joins"] == 2 and done["first_sync"] is True
    responses.replace(
        responses.GET, f"{WECOM}/appchat/get", json={"errcode": 86003, "errmsg": "no chat"}
    )
    refused = cli("member", "sync", "--community", cid, ok=False)
    assert refused.stderr.startswith(
        "error: wecom refused the member list: missing a group the app created"
    )
