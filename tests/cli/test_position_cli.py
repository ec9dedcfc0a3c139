"""``rollcall member set-position`` and the ``positions`` setting, as an operator runs them."""

from __future__ import annotations

import json


def setup_community(cli) -> str:
    created = cli(
        "community", "create", "--name", "晨读营", "--platform", "console", "--chat-id", "room-1",
        "--json",
    )  # fmt: skip
    cid = json.loads(created.stdout)["id"]
    cli("member", "add", "--community", cid, "444", "--name", "Amy")
    return cid


def test_set_position_appoints_dismisses_and_refuses_an_unknown_one(cli):
    cid = setup_community(cli)
    out = cli("member", "set-position", "--community", cid, "--user", "444", "study-officer")
    assert out.stdout.strip() == "444 now holds 学习委员 (was none)"
    again = cli(
        "member", "set-position", "--community", cid, "--user", "444", "学习委员", "--json"
    )  # fmt: skip
    assert json.loads(again.stdout) == {
        "community": cid,
        "user_id": "444",
        "position": "学习委员",
        "old": "学习委员",
        "changed": False,
    }
    bad = cli("member", "set-position", "--community", cid, "--user", "444", "king", ok=False)
    assert bad.exit_code == 1
    assert bad.stderr.strip() == (
        "error: unknown position 'king'; positions are 学习委员/study-officer, "
        "活动委员/activity-officer"
    )
    out = cli("member", "set-position", "--community", cid, "--user", "444", "none")
    assert out.stdout.strip() == "444 now holds no position (was 学习委员)"
    missing = cli("member", "set-position", "--community", cid, "--user", "9", "学习委员", ok=False)
    assert missing.exit_code == 1 and missing.stderr.startswith("error: unknown member")


def test_a_position_that_would_grant_removals_is_refused_by_community_update(cli):
    cid = setup_community(cli)
    bad = cli(
        "community", "update", cid, "--positions", "纪律委员:confirm_removals", ok=False
    )  # fmt: skip
    assert bad.exit_code == 1
    assert bad.stderr.strip() == (
        "error: position 纪律委员 may not be given confirm_removals: it stays owner-and-admin only"
    )
    cli("community", "update", cid, "--positions", "纪律委员/discipline:remind")
    shown = json.loads(cli("community", "show", cid, "--json").stdout)
    assert shown["positions"] == ["纪律委员/discipline:remind"]
    out = cli("member", "set-position", "--community", cid, "--user", "444", "discipline")
    assert out.stdout.strip() == "444 now holds 纪律委员 (was none)"
