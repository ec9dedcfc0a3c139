"""`rollcall member sync`, as an operator runs it: counts and names, a dry run that writes
nothing, one plain line where the platform has no list, the missing permission named."""

from __future__ import annotations

import json

import pytest
import responses

from tests.cli.test_cli import create

API = "https://slack.test/api"


@pytest.fixture
def slack_env(monkeypatch):
    monkeypatch.setenv("ROLLCALL_SLACK_SIGNING_SECRET", "secret")
    monkeypatch.setenv("ROLLCALL_SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("ROLLCALL_SLACK_API_BASE", API)


def slack_community(cli, tmp_path) -> str:
    cid = create(cli)
    cli("community", "bind", "--community", cid, "--platform", "slack", "--chat-id", "C1", "--move")
    roster = tmp_path / "members.csv"
    roster.write_text(
        "user_id,name,role,squad,joined_at\nU1,王芳,member,A,2026-11-01\nU2,李雷,member,A,2026-11-01\n",
        encoding="utf-8",
    )
    cli("member", "import", "--community", cid, str(roster))
    return cid


def lists(*people: tuple[str, str]) -> None:
    responses.post(
        f"{API}/conversations.members",
        json={"ok": True, "members": [u for u, _ in people], "response_metadata": {}},
    )
    responses.post(
        f"{API}/users.list",
        json={
            "ok": True,
            "members": [
                {"id": u, "name": n, "deleted": False, "profile": {"display_name": n}}
                for u, n in people
            ],
            "response_metadata": {"next_cursor": ""},
        },
    )


@responses.activate
def test_member_sync_prints_what_changed_and_a_dry_run_writes_nothing(cli, tmp_path, slack_env):
    cid = slack_community(cli, tmp_path)
    lists(("U1", "王芳芳"), ("U3", "韩梅梅"))
    dry = cli("member", "sync", "--community", cid, "--dry-run")
    assert "would change" in dry.stdout and "1 joins" in dry.stdout and "1 leaves" in dry.stdout
    assert "U3  韩梅梅" in dry.stdout and "王芳 → 王芳芳" in dry.stdout
    assert "nothing written" in dry.stdout
    listed = json.loads(cli("member", "list", "--community", cid, "--json").stdout)
    assert sorted(m["user_id"] for m in listed) == ["U1", "U2"]

    done = json.loads(cli("member", "sync", "--community", cid, "--json").stdout)
    assert (done["joins"], done["leaves"], done["renames"]) == (1, 1, 1)
    assert done["first_sync"] is True and done["left"] == [{"user_id": "U2", "name": "李雷"}]
    listed = {
        m["user_id"]: m
        for m in json.loads(cli("member", "list", "--community", cid, "--json").stdout)
    }
    assert listed["U2"]["status"] == "left" and listed["U1"]["name"] == "王芳芳"
    assert listed["U3"]["status"] == "active"
    # The community moved to Slack by `community bind`: the daily sync is scheduled.
    shown = json.loads(cli("community", "show", cid, "--json").stdout)
    assert "roster-sync" in shown["next_runs"]


@responses.activate
def test_member_sync_names_the_missing_scope_and_exits_1(cli, tmp_path, slack_env):
    cid = slack_community(cli, tmp_path)
    responses.post(
        f"{API}/conversations.members",
        json={"ok": False, "error": "missing_scope", "needed": "channels:read"},
    )
    result = cli("member", "sync", "--community", cid, ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: slack refused the member list: missing scope channels:read "
        "(conversations.members: missing_scope)"
    )


def test_member_sync_on_dingtalk_says_it_cannot_see_in_one_line(cli):
    cid = create(cli)
    assert (
        "roster-sync" not in json.loads(cli("community", "show", cid, "--json").stdout)["next_runs"]
    )  # a console community is not synced
    cli(
        "community",
        "bind",
        "--community",
        cid,
        "--platform",
        "dingtalk",
        "--chat-id",
        "cid1",
        "--move",
    )
    result = cli("member", "sync", "--community", cid)
    assert result.stdout.strip().count("\n") == 0
    assert "DingTalk shows a robot no member list" in result.stdout
