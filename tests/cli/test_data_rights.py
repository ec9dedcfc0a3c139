"""Members' data rights from the command line: forget a member, delete a community, list
removals, backfill retention; as an operator runs them, on the embedded endpoint."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

AT = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
def community(cli) -> str:
    """A console community with two members, a check-in each and a removal of one."""
    from chalicelib.store import checkins, reports
    from rollcall.context import open_store

    made = cli(
        "community",
        "create",
        "--name",
        "晨读营",
        "--platform",
        "console",
        "--chat-id",
        "room-1",
        "--json",
    )
    cid = json.loads(made.stdout)["id"]
    cli("member", "add", "--community", cid, "u-zelda-7", "--name", "Zelda Quux")
    cli("member", "add", "--community", cid, "u-bob-2", "--name", "Bob")
    with open_store() as store:
        for user in ("u-zelda-7", "u-bob-2"):
            checkins.record_checkin(store.table, cid, user, date(2026, 11, 5), AT, note="hi")
        reports.record_removal(
            store.table,
            cid,
            user_id="u-bob-2",
            name="Bob",
            rule="silent",
            report="2026-10",
            confirmed_by="u-zelda-7",
            at=AT,
            platform="by_hand",
        )
    return cid


def _partition(cid: str) -> list[dict]:
    from rollcall.context import open_store

    with open_store() as store:
        return list(store.table.query(f"C#{cid}"))


def test_member_forget_deletes_their_data_and_says_what_it_deleted(cli, community):
    out = cli("member", "forget", "--community", community, "u-zelda-7", "--json")
    done = json.loads(out.stdout)
    assert done["deleted"] == {"checkins": 1, "member": 1}
    assert done["relabelled"] == {"removals": 1}
    left = json.dumps(_partition(community), ensure_ascii=False)
    assert "u-zelda-7" not in left and "Zelda" not in left
    text = cli("member", "forget", "--community", community, "u-bob-2").stdout
    assert "forgot u-bob-2" in text and "checkins" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--community", "{cid}", "u-nobody"), "error: unknown member 'u-nobody'"),
        (("--community", "cnope", "u-zelda-7"), "error: unknown community 'cnope'"),
    ],
)
def test_member_forget_of_an_unknown_member_is_one_line_and_deletes_nothing(
    cli, community, args, message
):
    before = _partition(community)
    result = cli("member", "forget", *(a.format(cid=community) for a in args), ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == message + (
        f" in community {community}" if "nobody" in message else ""
    )
    assert _partition(community) == before


def test_community_delete_needs_the_name_typed_and_then_purges_everything(cli, community):
    before = _partition(community)
    wrong = cli("community", "delete", community, "--confirm", "晨读", ok=False)
    assert wrong.exit_code == 1 and len(wrong.stderr.strip().splitlines()) == 1
    assert "nothing deleted" in wrong.stderr
    assert _partition(community) == before
    done = json.loads(cli("community", "delete", community, "--confirm", "晨读营", "--json").stdout)
    assert done["released"] == ["console chat room-1"]
    assert done["deleted"]["member"] == 2 and done["deleted"]["community"] == 1
    assert _partition(community) == []
    assert json.loads(cli("community", "list", "--json").stdout) == []
    # the chat is free for a new community
    cli("community", "create", "--name", "new", "--platform", "console", "--chat-id", "room-1")


def test_report_removals_lists_who_by_which_rule_confirmed_by_whom(cli, community):
    rows = json.loads(cli("report", "removals", "--community", community, "--json").stdout)
    assert rows == [
        {
            "user_id": "u-bob-2",
            "name": "Bob",
            "rule": "silent",
            "report": "2026-10",
            "confirmed_by": "u-zelda-7",
            "at": AT.isoformat(),
            "platform": "by_hand",
        }
    ]
    text = cli("report", "removals", "--community", community).stdout
    assert "2026-11-05 12:00 UTC  u-bob-2 Bob  rule silent" in text
    assert "confirmed by u-zelda-7" in text


def test_infra_backfill_ttl_sets_an_expiry_once(cli, community):
    from chalicelib.store import keys
    from rollcall.context import open_store

    # New items carry their expiry when written; the removal plays one written before.
    (removal,) = [i for i in _partition(community) if i["sk"].startswith("RM#")]
    assert keys.TTL_ATTRIBUTE in removal
    del removal[keys.TTL_ATTRIBUTE]
    with open_store() as store:
        store.table.put(removal)
    first = json.loads(cli("infra", "backfill-ttl", "--community", community, "--json").stdout)
    assert first["set"] == {"removals": 1} and first["already"] == {"checkins": 2}
    assert all(
        keys.TTL_ATTRIBUTE in i
        for i in _partition(community)
        if i["sk"].startswith(("CI#", "RM#", "RUN#"))
    )
    again = cli("infra", "backfill-ttl", "--community", community).stdout
    assert "nothing to do" in again


def test_member_data_shows_everything_kept_about_them_and_nothing_of_others(cli, community):
    data = json.loads(cli("member", "data", "--community", community, "u-zelda-7", "--json").stdout)
    assert data["member"][0]["name"] == "Zelda Quux"
    assert [c["user_id"] for c in data["checkins"]] == ["u-zelda-7"]
    assert data["removals"][0]["confirmed_by"] == "u-zelda-7"  # Bob's removal names her
    text = cli("member", "data", "--community", community, "u-bob-2").stdout
    assert "Bob" in text and "u-zelda-7" in text  # his removal, confirmed by her
    missing = cli("member", "data", "--community", community, "u-nobody", ok=False)
    assert missing.exit_code == 1 and missing.stderr.startswith("error: unknown member")
