"""The lists a change rewrites whole (sessions, announcements, cohorts on the community
item): a writer holding an old copy (a warm container's cache, or an admin adding at the
same moment as another) never erases an entry another writer added since."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.features import announcements, sessions
from chalicelib.store import keys
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import CommunityChanged, Store
from tests.helpers import community

NOW = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)


class RacingTable(MemoryTable):
    """Runs ``meanwhile`` just before the first guarded write of the community item lands:
    another writer's change that arrived between our read and our write."""

    def __init__(self) -> None:
        super().__init__()
        self.meanwhile: list = []

    def update(self, pk, sk, *args, **kwargs):
        if sk == keys.META and kwargs.get("cond") is not None and self.meanwhile:
            self.meanwhile.pop(0)()
        return super().update(pk, sk, *args, **kwargs)


def session(sid: str) -> dict[str, str]:
    return {"id": sid, "title": sid, "weekday": "fri", "at": "20:00"}


@pytest.fixture
def racing() -> Store:
    made = Store(RacingTable())
    made.create_community(community())
    return made


@pytest.fixture
def stored(store: Store) -> Store:
    """conftest's store: on the in-memory table and on moto's DynamoDB (the guard is a
    condition on a list of strings or of maps, compared whole)."""
    store.create_community(community())
    return store


def test_a_session_added_from_an_old_copy_keeps_the_one_added_since(stored):
    store = stored
    old = store.get_community("c1")
    sessions.add_session(store, store.get_community("c1"), session("first"), NOW)
    sessions.add_session(store, old, session("second"), NOW)  # a cached copy without "first"
    ids = [d.id for d in sessions.definitions(store.get_community("c1"))]
    assert ids == ["first", "second"]


def test_two_admins_adding_at_once_both_keep_their_session(racing):
    store = racing
    table = store.table
    assert isinstance(table, RacingTable)
    other = Store(table)
    table.meanwhile.append(
        lambda: sessions.add_session(other, other.get_community("c1"), session("theirs"), NOW)
    )
    sessions.add_session(store, store.get_community("c1"), session("mine"), NOW)
    ids = sorted(d.id for d in sessions.definitions(store.get_community("c1")))
    assert ids == ["mine", "theirs"]


def test_announcements_and_cohorts_added_at_once_are_all_kept(racing):
    store = racing
    table = store.table
    assert isinstance(table, RacingTable)
    other = Store(table)
    c1 = store.get_community("c1")
    table.meanwhile.append(
        lambda: announcements.add_announcement(other, c1, "at 2026-12-09T09:00 theirs", "boss", NOW)
    )
    announcements.add_announcement(store, c1, "at 2026-12-08T09:00 mine", "boss", NOW)
    previews = sorted(e["preview"] for e in store.get_community("c1").announcements)
    assert previews == ["mine", "theirs"]
    table.meanwhile.append(
        lambda: announcements.add_cohort(
            other, c1, "Cohort B", date(2027, 1, 4), date(2027, 1, 31), NOW
        )
    )
    announcements.add_cohort(store, c1, "Cohort A", date(2026, 12, 7), date(2026, 12, 31), NOW)
    names = sorted(e["name"] for e in store.get_community("c1").cohorts)
    assert names == ["Cohort A", "Cohort B"]


def test_a_cancel_racing_an_addition_keeps_the_addition(racing):
    store = racing
    table = store.table
    assert isinstance(table, RacingTable)
    c1 = store.get_community("c1")
    entry, _ = announcements.add_announcement(store, c1, "at 2026-12-08T09:00 old", "b", NOW)
    table.meanwhile.append(
        lambda: announcements.add_announcement(
            Store(table), c1, "at 2026-12-09T09:00 new", "b", NOW
        )
    )
    assert announcements.cancel_announcement(store, c1, entry["id"])
    previews = [e["preview"] for e in store.get_community("c1").announcements]
    assert previews == ["new"]


def test_a_guarded_write_on_a_changed_list_is_refused_not_applied(stored):
    store = stored
    old = store.get_community("c1")
    sessions.add_session(store, old, session("first"), NOW)
    with pytest.raises(CommunityChanged):
        store.update_community(old, guard=("sessions",), sessions=())
    assert [d.id for d in sessions.definitions(store.get_community("c1"))] == ["first"]
    # maps in a list: an announcement added since an old copy was read
    old = store.get_community("c1")
    announcements.add_announcement(store, old, "at 2026-12-08T09:00 kept", "b", NOW)
    with pytest.raises(CommunityChanged):
        store.update_community(old, guard=("announcements",), announcements=())
    current = store.get_community("c1")
    assert [e["preview"] for e in current.announcements] == ["kept"]
    # and unchanged since read: the guarded write goes through
    store.update_community(current, guard=("announcements",), announcements=())
    assert store.get_community("c1").announcements == ()


def test_a_removal_racing_an_addition_keeps_the_added_session(racing):
    """The removal read the list before another admin added a session: its guarded write
    is refused, it reads again, and removes only its own."""
    store = racing
    table = store.table
    assert isinstance(table, RacingTable)
    other = Store(table)
    sessions.add_session(store, store.get_community("c1"), session("old"), NOW)
    table.meanwhile.append(
        lambda: sessions.add_session(other, other.get_community("c1"), session("new"), NOW)
    )
    sessions.remove_session(store, store.get_community("c1"), "old")
    ids = [d.id for d in sessions.definitions(store.get_community("c1"))]
    assert ids == ["new"]
