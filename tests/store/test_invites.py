"""Invite codes (store/invites.py) on both tables: a code works for its uses only, until it
expires, on its platform; two groups racing for the last use cannot both have it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.invites import (
    ALPHABET,
    code_hash,
    new_code,
    normalise_code,
    parse_expiry,
)
from chalicelib.domain.models import InvalidValue
from chalicelib.store import invites, keys
from chalicelib.store.memory import MemoryTable

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
UNTIL = NOW + timedelta(days=30)


def issue(table, uses: int = 1, platform: str | None = None, until: datetime = UNTIL) -> str:
    code = new_code()
    invites.put_invite(table, code, uses=uses, valid_until=until, platform=platform, now=NOW)
    return code


def test_codes_are_typable_and_read_back_however_they_are_typed():
    code = new_code()
    assert code.startswith("RC-") and len(code) == len("RC-XXXX-XXXX-XXXX")
    assert all(c in ALPHABET for c in code[3:].replace("-", ""))
    assert not set("01OILU") & set(code[3:])  # no look-alikes
    assert normalise_code(code.lower().replace("-", " ")) == code
    assert normalise_code(code[3:].replace("-", "")) == code
    assert normalise_code("RC-0000-1111-OOOO") is None
    assert normalise_code("hello") is None
    assert len({new_code() for _ in range(200)}) == 200


def test_only_the_hash_of_a_code_is_stored(table):
    code = issue(table)
    [item] = list(table.query(keys.INVITE_PK))
    assert code not in repr(item)
    assert item["sk"] == keys.invite_code_sk(code_hash(code))


def test_a_single_use_code_works_once(table):
    code = issue(table)
    used = invites.use_invite(table, code, "telegram", NOW)
    assert used is not None and used.uses_left == 0
    assert invites.use_invite(table, code, "telegram", NOW) is None


def test_a_counted_code_works_that_many_times(table):
    code = issue(table, uses=3)
    left = [invites.use_invite(table, code, "slack", NOW) for _ in range(4)]
    assert [u.uses_left if u else None for u in left] == [2, 1, 0, None]


def test_an_expired_code_is_refused_and_keeps_its_uses(table):
    code = issue(table, uses=2, until=NOW + timedelta(hours=1))
    assert invites.use_invite(table, code, "slack", NOW + timedelta(hours=1)) is None
    [kept] = invites.list_invites(table)
    assert kept.uses_left == 2
    assert invites.use_invite(table, code, "slack", NOW + timedelta(minutes=59)) is not None


def test_a_code_for_one_platform_is_refused_on_another(table):
    code = issue(table, platform="telegram")
    assert invites.use_invite(table, code, "slack", NOW) is None
    assert invites.use_invite(table, code, "telegram", NOW) is not None


def test_an_unknown_or_revoked_code_is_refused(table):
    assert invites.use_invite(table, new_code(), "slack", NOW) is None
    code = issue(table)
    [made] = invites.list_invites(table)
    assert invites.find_invites(table, made.id) == [made]
    assert invites.delete_invite(table, made.hashed)
    assert invites.use_invite(table, code, "slack", NOW) is None
    assert list(table.query(keys.INVITE_PK)) == []  # no item made up by the refusal


def test_a_use_given_back_can_be_taken_again(table):
    code = issue(table)
    assert invites.use_invite(table, code, "slack", NOW) is not None
    invites.give_back(table, code)
    assert invites.use_invite(table, code, "slack", NOW) is not None


def test_two_groups_racing_for_the_last_use_cannot_both_win(table):
    """Eight setups at once for a code with one use left: exactly one gets it. Without the
    condition on the use count, every one of them would (and the count go negative)."""
    code = issue(table, uses=2)
    assert invites.use_invite(table, code, "slack", NOW) is not None
    won: list[bool] = []

    def race(start: threading.Barrier | None = None) -> None:
        if start is not None:
            start.wait()
        won.append(invites.use_invite(table, code, "slack", NOW) is not None)

    if isinstance(table, MemoryTable):
        start = threading.Barrier(8)
        threads = [threading.Thread(target=race, args=(start,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        # moto applies concurrent conditional writes without DynamoDB's isolation (two may
        # both pass their condition), so on moto the eight attempts come one after another:
        # the condition is what is under test, and DynamoDB makes each write atomic.
        for _ in range(8):
            race()
    assert sorted(won) == [False] * 7 + [True]
    [kept] = invites.list_invites(table)
    assert kept.uses_left == 0


def test_a_stale_read_cannot_take_a_use_that_is_gone():
    """Even a caller that saw a use left (both read before either wrote) is refused by the
    conditional write itself: the race is decided by DynamoDB, not by a read."""
    table = MemoryTable()
    code = issue(table)
    seen_by_both = list(invites.list_invites(table))
    assert seen_by_both[0].usable("slack", NOW)
    assert invites.use_invite(table, code, "slack", NOW) is not None
    assert invites.use_invite(table, code, "slack", NOW) is None


def test_an_allowed_workspace_needs_no_code_until_disallowed(table):
    assert not invites.workspace_allowed(table, "slack", "T123")
    invites.allow_workspace(table, "slack", "T123", NOW)
    assert invites.workspace_allowed(table, "slack", "T123")
    assert not invites.workspace_allowed(table, "feishu", "T123")
    assert not invites.workspace_allowed(table, "slack", None)
    assert invites.disallow_workspace(table, "slack", "T123")
    assert not invites.workspace_allowed(table, "slack", "T123")


def test_listing_is_one_query_of_the_invite_partition(dynamo_table, requests_made):
    for _ in range(3):
        issue(dynamo_table)
    requests_made.reset()
    assert len(list(invites.list_invites(dynamo_table))) == 3
    assert dict(requests_made.counts) == {"Query": 1}


def test_an_expiry_date_covers_its_whole_day_and_must_be_ahead():
    assert parse_expiry("2027-01-31", NOW) == datetime(2027, 2, 1, tzinfo=UTC)
    with pytest.raises(InvalidValue, match="already past"):
        parse_expiry("2026-11-22", NOW)
    with pytest.raises(InvalidValue, match="a date like"):
        parse_expiry("soon", NOW)
