"""``rollcall goal set|show|clear``: the monthly goal from the CLI, as an operator runs it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest


def setup_community(cli, locale: str = "zh-CN") -> str:
    created = cli(
        "community", "create", "--name", "读书会", "--platform", "console", "--chat-id", "room",
        "--locale", locale, "--json",
    )  # fmt: skip
    cid = json.loads(created.stdout)["id"]
    for user, name in (("111", "Olga"), ("333", "Max"), ("444", "Amy")):
        cli("member", "add", "--community", cid, user, "--name", name)
    return cid


def local_month(cid: str, now: datetime) -> str:
    from chalicelib.features.goals import goal_month
    from rollcall.context import open_store

    with open_store() as store:
        return goal_month(store.get_community(cid), now)


def report(cid: str, user: str, text: str) -> None:
    from chalicelib.features.goals import report_progress
    from rollcall.context import open_store

    with open_store() as store:
        community = store.get_community(cid)
        member = store.get_member(cid, user)
        report_progress(store.table, community, member, text, datetime.now(UTC), delivery=None)


def test_set_show_and_clear_the_months_goal(cli):
    cid = setup_community(cli)
    before = datetime.now(UTC)
    set_ = json.loads(cli("goal", "set", "--community", cid, "读完《原则》 300页", "--json").stdout)
    assert set_["title"] == "读完《原则》" and set_["target"] == 300 and set_["unit"] == "页"
    assert set_["month"] in {local_month(cid, before), local_month(cid, datetime.now(UTC))}
    report(cid, "111", "300")
    report(cid, "333", "100")
    report(cid, "333", "+20")
    shown = json.loads(cli("goal", "show", "--community", cid, "--json").stdout)
    assert shown["goal"] == {"title": "读完《原则》", "target": 300, "unit": "页"}
    assert shown["finished"] == [{"user_id": "111", "name": "Olga"}]
    assert shown["leaders"] == [{"user_id": "333", "name": "Max", "progress": 120}]
    assert (shown["reporting"], shown["total"], shown["possible"]) == (2, 420, 900)
    text = cli("goal", "show", "--community", cid).stdout
    assert "Olga" in text and "420" in text
    cleared = cli("goal", "clear", "--community", cid)
    assert cleared.stdout.startswith(f"goal of {set_['month']} turned off")
    after = json.loads(cli("goal", "show", "--community", cid, "--json").stdout)
    assert after["goal"] is None


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("set", "just words"), "error: Set this month's goal: rollcall goal set --community ID"),
        (("set", "读完 0页"), "error: The target must be a whole number from 1 to"),
        (("show", "--month", "2026-13"), "error: --month '2026-13': give a month like 2026-12"),
        (("clear",), "error: no goal in "),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(cli, args, error):
    cid = setup_community(cli)
    command, *rest = args
    result = cli("goal", command, "--community", cid, *rest, ok=False)
    assert result.exit_code == 1
    assert result.stderr.startswith(error), result.stderr
    assert result.stderr.count("\n") == 1
    shown = json.loads(cli("goal", "show", "--community", cid, "--json").stdout)
    assert shown["goal"] is None


def test_an_unknown_community_is_one_line(cli):
    result = cli("goal", "show", "--community", "nope", ok=False)
    assert result.exit_code == 1 and result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1
