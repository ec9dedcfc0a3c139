"""The pure diff of roster sync: joins, rejoins, leaves and renames from a member list."""

from __future__ import annotations

import pytest

from chalicelib.domain.models import MemberStatus
from chalicelib.domain.roster import ChatMembers, ListedMember, MalformedList, diff_roster, rotate
from tests.helpers import member


def listed(*people: tuple[str, str]) -> ChatMembers:
    return ChatMembers(tuple(ListedMember(uid, name) for uid, name in people))


def test_a_complete_list_gives_joins_leaves_and_renames():
    roster = [member("ann", name="Ann"), member("bob", name="Bob"), member("cy", name="Cy")]
    diff = diff_roster(roster, listed(("ann", "Ann"), ("bob", "Robert"), ("dee", "Dee")))
    assert [p.user_id for p in diff.joins] == ["dee"]
    assert [m.user_id for m in diff.leaves] == ["cy"]
    assert [(m.user_id, p.name) for m, p in diff.renames] == [("bob", "Robert")]
    assert diff.rejoins == () and diff.changes == 3


def test_a_member_who_had_left_and_is_listed_again_rejoins():
    """A return is a new membership (docs/counting.md), not a rename or a no-op."""
    roster = [member("ann", status=MemberStatus.LEFT), member("bob", status=MemberStatus.REMOVED)]
    diff = diff_roster(roster, listed(("ann", "Ann"), ("bob", "Bob")))
    assert [m.user_id for m, _ in diff.rejoins] == ["ann", "bob"]
    assert diff.joins == () and diff.leaves == () and diff.renames == ()


def test_someone_who_left_already_is_not_a_leaver_again():
    diff = diff_roster([member("ann", status=MemberStatus.LEFT)], listed())
    assert diff.changes == 0


def test_an_unchanged_roster_changes_nothing():
    roster = [member("ann", name="Ann", username="ann_x")]
    diff = diff_roster(roster, ChatMembers((ListedMember("ann", "Ann", "ann_x"),)))
    assert diff.changes == 0


def test_an_empty_name_from_the_platform_is_unknown_not_a_rename():
    diff = diff_roster([member("ann", name="Ann")], listed(("ann", "")))
    assert diff.changes == 0


def test_a_new_username_is_a_rename():
    diff = diff_roster(
        [member("ann", name="Ann", username="old")],
        ChatMembers((ListedMember("ann", "Ann", "new"),)),
    )
    assert [p.username for _, p in diff.renames] == ["new"]


def test_a_partial_list_only_says_who_it_checked_is_gone():
    """Telegram checks a few roster members: the unchecked ones are not leavers, and the
    list has no way to tell joins."""
    roster = [member("ann"), member("bob"), member("cy")]
    answer = ChatMembers(
        (ListedMember("ann", "Ann"),), complete=False, gone=("bob",), checked=("ann", "bob")
    )
    diff = diff_roster(roster, answer)
    assert [m.user_id for m in diff.leaves] == ["bob"]
    assert diff.joins == () and diff.renames == ()


@pytest.mark.parametrize(
    "answer",
    [
        ChatMembers((ListedMember("ann", "Ann"), ListedMember("ann", "Annie"))),
        ChatMembers((ListedMember(" ", "Blank"),)),
        ChatMembers((ListedMember("ann", "Ann"),), complete=False, gone=("ann",)),
    ],
)
def test_a_list_that_cannot_be_right_is_refused(answer):
    with pytest.raises(MalformedList):
        diff_roster([member("ann")], answer)


def test_rotate_goes_on_where_the_last_run_stopped_and_wraps():
    ids = ["c", "a", "d", "b"]
    assert rotate(ids, 0) == ["a", "b", "c", "d"]
    assert rotate(ids, 3) == ["d", "a", "b", "c"]
    assert rotate(ids, 6) == ["c", "d", "a", "b"]
    assert rotate([], 5) == []
