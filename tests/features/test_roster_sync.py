"""Roster sync, the use case: joins, leaves, renames and returns from a platform's member
list, written in batches, nothing written from a refusal, a malformed list or a dry run."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
import responses

from chalicelib.domain.models import MemberStatus
from chalicelib.domain.roster import ChatMembers, ListedMember
from chalicelib.features.roster import plan_roster_sync, sync_roster
from chalicelib.jobs.runner import run_job
from chalicelib.platforms.base import ListRefused, MalformedAnswer
from chalicelib.store import keys
from chalicelib.store import roster as roster_store
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community, member, runtime

NOW = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)  # 04:00 on the 24th in Shanghai
TODAY = date(2026, 11, 24)


class Listing:
    """A platform's member list as an adapter hands it over (the adapters' own HTTP reads
    are tested in tests/platforms/test_member_lists.py)."""

    def __init__(self, answer: ChatMembers | Exception) -> None:
        self.answer = answer
        self.asked: list[tuple[list[str], int]] = []

    def read_chat_members(self, chat, roster, *, check_limit):
        self.asked.append((list(roster), check_limit))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def everyone(*people: tuple[str, str]) -> Listing:
    return Listing(ChatMembers(tuple(ListedMember(uid, name) for uid, name in people)))


@pytest.fixture
def store() -> Store:
    store = Store(MemoryTable())
    store.create_community(community(platform="slack", chat_id="C1"))
    store.bulk_save_members(
        [
            member("ann", name="Ann", observed_since=date(2026, 1, 1)),
            member("bob", name="Bob"),
            member(
                "cy",
                name="Cy",
                status=MemberStatus.LEFT,
                warned_rule="silent",
                warned_at=date(2026, 10, 1),
                current_streak=4,
                checkins=9,
            ),
        ]
    )
    return store


def test_the_first_sync_adds_the_silent_quietly_and_records_leaves(store):
    """Lurkers present at the first sync join the roster without a welcome storm; a member
    gone from the list is marked left, with their history kept."""
    c = store.get_community("c1")
    plan = plan_roster_sync(store, c, everyone(("ann", "Ann"), ("dee", "Dee")), NOW)
    assert plan.report.first and plan.welcome is None
    plan.write_changes()
    dee = store.get_member("c1", "dee")
    assert dee is not None and dee.is_present
    assert (dee.observed_since, dee.joined_at, dee.last_active) == (TODAY, TODAY, None)
    assert store.get_member("c1", "bob").status is MemberStatus.LEFT
    assert store.get_member("c1", "ann").observed_since == date(2026, 1, 1)  # untouched
    assert plan.report.counts() == {"joins": 1, "rejoins": 0, "leaves": 1, "renames": 0}


def test_later_joiners_are_welcomed_in_one_message_by_name(store):
    c = store.get_community("c1")
    sync_roster(store, c, everyone(("ann", "Ann"), ("bob", "Bob")), NOW)
    plan = plan_roster_sync(store, c, everyone(("ann", "Ann"), ("bob", "Bob"), ("eve", "Eve")), NOW)
    assert not plan.report.first
    assert plan.welcome is not None
    assert "Welcome to Study Group" in plan.welcome.text
    assert [m.user_id for m in plan.welcome.mentions] == ["eve"]


def test_a_rename_changes_the_name_and_nothing_else(store):
    c = store.get_community("c1")
    store.save_member(member("ann", name="Ann", checkins=12, current_streak=3))
    report = sync_roster(store, c, everyone(("ann", "Annie"), ("bob", "Bob")), NOW)
    assert report.renames == [{"user_id": "ann", "old": "Ann", "name": "Annie"}]
    ann = store.get_member("c1", "ann")
    assert (ann.name, ann.checkins, ann.current_streak) == ("Annie", 12, 3)


def test_a_return_after_leaving_is_a_new_membership(store):
    """docs/counting.md §3: observed from the day they came back, the old warning and
    streak cleared, their history (check-ins) kept."""
    c = store.get_community("c1")
    sync_roster(store, c, everyone(("ann", "Ann"), ("bob", "Bob"), ("cy", "Cy")), NOW)
    cy = store.get_member("c1", "cy")
    assert cy.is_present and cy.observed_since == TODAY and cy.joined_at == TODAY
    assert (cy.warned_rule, cy.warned_at, cy.current_streak, cy.checkins) == (None, None, 0, 9)


def test_a_dry_run_writes_nothing(store):
    c = store.get_community("c1")
    before = store.table.all_items()
    report = sync_roster(store, c, everyone(("dee", "Dee")), NOW, dry_run=True)
    assert report.counts()["joins"] == 1 and report.counts()["leaves"] == 2
    assert store.table.all_items() == before
    assert "dry run: nothing written" in report.describe()


def test_a_refusal_names_the_permission_and_changes_nothing(store):
    c = store.get_community("c1")
    before = store.table.all_items()
    refused = ListRefused("slack", "scope channels:read", "conversations.members: missing_scope")
    with pytest.raises(ListRefused, match="missing scope channels:read"):
        sync_roster(store, c, Listing(refused), NOW)
    assert store.table.all_items() == before


def test_a_malformed_list_names_the_platform_and_changes_nothing(store):
    c = store.get_community("c1")
    before = store.table.all_items()
    twice = Listing(ChatMembers((ListedMember("ann", "Ann"), ListedMember("ann", "Other"))))
    with pytest.raises(MalformedAnswer, match="slack sent a malformed member list"):
        sync_roster(store, c, twice, NOW)
    assert store.table.all_items() == before


def test_platforms_without_a_list_are_skipped_with_a_sentence(store):
    for platform in ("dingtalk", "wecom"):
        c = store.get_community("c1").with_changes(platform=platform)
        report = sync_roster(store, c, everyone(), NOW)
        assert report.skipped and "cannot see who joins or leaves" in report.skipped
    assert store.get_member("c1", "bob").is_present


def test_a_platform_that_only_checks_goes_on_where_the_last_run_stopped(store):
    """Telegram: a bounded slice of the roster per run, the next run starting after it;
    the platform's head count says how many members rollcall has not seen."""
    c = store.get_community("c1")
    store.bulk_save_members([member(f"m{n}", name=f"M{n}") for n in range(4)])
    first = Listing(
        ChatMembers(
            (ListedMember("ann", "Ann"),),
            complete=False,
            gone=("bob",),
            checked=("ann", "bob"),
            total=40,
        )
    )
    plan = plan_roster_sync(store, c, first, NOW, check_limit=2)
    plan.write_changes()
    assert first.asked[0] == (["ann", "bob", "m0", "m1", "m2", "m3"], 2)
    assert store.get_member("c1", "bob").status is MemberStatus.LEFT
    assert plan.report.unseen == 40 - 5 and plan.report.checked == 2
    # No joins can be seen this way, and nobody unchecked left.
    assert store.get_member("c1", "m3").is_present
    second = Listing(ChatMembers((), complete=False, checked=("m0", "m1"), total=40))
    plan_roster_sync(store, c, second, NOW, check_limit=2).write_changes()
    assert second.asked[0][0][:2] == ["m0", "m1"]  # bob left: 5 present, start at 2


def test_a_synced_out_member_is_not_mentioned_in_the_next_reminder(store):
    """Leavers are never reminded: the reminder after a sync @-mentions present members
    only."""
    c = store.get_community("c1")
    sync_roster(store, c, everyone(("ann", "Ann")), NOW)
    store.update_community(store.get_community("c1"), platform="console", chat_id="chat-1")
    at = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # 21:00 local
    rt, sent = runtime(store, at)
    result = run_job(rt, "daily-reminder", "c1", at)
    assert result.status == "sent"
    text = "\n".join(m.text for m in sent)
    assert "@Ann" in text and "@Bob" not in text


def test_writes_are_batches_of_changes_with_the_bookkeeping(store):
    """60 joins: 61 items (with the sync's own) in three BatchWriteItem requests."""
    c = store.get_community("c1")
    calls: list[int] = []
    real = store.table.batch_put

    def counting(items):
        items = list(items)
        calls.append(len(items))
        return real(items)

    store.table.batch_put = counting
    people = [("ann", "Ann"), ("bob", "Bob"), *((f"n{i:02}", f"N{i}") for i in range(60))]
    sync_roster(store, c, everyone(*people), NOW)
    assert calls == [61]
    assert roster_store.sync_state(store.table, "c1")["joins"] == 60
    assert store.table.get(keys.community_pk("c1"), keys.ROSTER_SYNC_SK) is not None


def test_a_sync_costs_pages_and_batches_not_requests_per_member(dynamo_table, requests_made):
    """300 members, 30 changes at the first sync: one Query of the roster, one GetItem of
    the bookkeeping, one BatchWriteItem of the 20 joiners (with the bookkeeping) and one
    conditional UpdateItem per member on the roster who changed (10 leaves): no read per
    member, no Scan. Changes to members already stored are never written as whole items
    read before the platform's (slow) list: see the test below."""
    store = Store(dynamo_table)
    store.create_community(community(platform="slack", chat_id="C1"))
    store.bulk_save_members([member(f"m{n:03}", name=f"M{n}") for n in range(300)])
    c = store.get_community("c1")
    people = [(f"m{n:03}", f"M{n}") for n in range(10, 300)]
    people += [(f"n{n:03}", f"N{n}") for n in range(20)]
    requests_made.reset()
    report = sync_roster(store, c, everyone(*people), NOW)
    assert report.counts() == {"joins": 20, "rejoins": 0, "leaves": 10, "renames": 0}
    assert dict(requests_made.counts) == {
        "Query": 1,
        "GetItem": 1,
        "BatchWriteItem": 1,
        "UpdateItem": 10,
    }


class Meanwhile(Listing):
    """A platform whose list takes long enough for members to act while it is read."""

    def __init__(self, answer: ChatMembers, during) -> None:
        super().__init__(answer)
        self.during = during

    def read_chat_members(self, chat, roster, *, check_limit):
        self.during()
        return super().read_chat_members(chat, roster, check_limit=check_limit)


def test_what_members_do_while_the_list_is_read_is_kept(store):
    """Reading a list takes seconds (pages, pacing): a rename must not put back the item
    read before it (Ann's check-in meanwhile kept), a member forgotten meanwhile must not
    come back, and a joiner whose first message made their item meanwhile keeps it."""
    from chalicelib.features import personal_data

    c = store.get_community("c1")
    sync_roster(store, c, everyone(("ann", "Ann"), ("bob", "Bob")), NOW)  # the first sync

    def meanwhile():
        ann = store.get_member("c1", "ann")
        store.save_member(replace(ann, checkins=ann.checkins + 5, points=42))
        personal_data.forget_member(store, "c1", "bob")
        store.save_member(member("dee", name="Dee", checkins=1))

    listing = Meanwhile(
        ChatMembers(
            (
                ListedMember("ann", "Ann B."),
                ListedMember("bob", "Bob B."),
                ListedMember("dee", "Dee"),
            )
        ),
        meanwhile,
    )
    report = sync_roster(store, c, listing, NOW)
    ann = store.get_member("c1", "ann")
    assert ann.name == "Ann B." and ann.points == 42 and ann.checkins >= 5
    assert store.get_member("c1", "bob") is None  # forgotten stays forgotten
    assert store.get_member("c1", "dee").checkins == 1  # their own item, not a blank one
    assert report.moved == 2  # Bob's rename and Dee's join: left to the next sync


# -- Discord through its real adapter: the community is who can view the bound channel ----

DC_API = "https://discord.test/api/v10"
DC_CHANNEL, DC_GUILD, CREW = "1111111111111111111", "197038439483310086", "41771983423143936"
VIEW = str(1 << 10)


def discord_member(user_id: str, name: str, roles: list[str]) -> dict:
    return {
        "user": {"id": user_id, "username": name.lower(), "global_name": name},
        "nick": None,
        "roles": roles,
        "joined_at": "2015-04-26T06:26:56.936000+00:00",
    }


@responses.activate
def test_a_discord_member_who_cannot_see_the_channel_leaves_the_roster():
    """The channel is the crew's only: a server member without the role is not in the
    community, and one on the roster who lost the role leaves at the next sync."""
    from chalicelib.platforms.discord import DiscordAdapter
    from tests.platforms.support import quiet_sender

    store = Store(MemoryTable())
    store.create_community(community(platform="discord", chat_id=DC_CHANNEL))
    store.bulk_save_members(
        [
            member("80351110224678912", name="Ann", username="ann"),
            member("80351110224678913", name="Bob", username="bob"),
        ]
    )
    responses.get(
        f"{DC_API}/channels/{DC_CHANNEL}",
        json={
            "id": DC_CHANNEL,
            "guild_id": DC_GUILD,
            "permission_overwrites": [
                {"id": DC_GUILD, "type": 0, "allow": "0", "deny": VIEW},
                {"id": CREW, "type": 0, "allow": VIEW, "deny": "0"},
            ],
        },
    )
    responses.get(
        f"{DC_API}/guilds/{DC_GUILD}",
        json={
            "id": DC_GUILD,
            "owner_id": "53908232506183680",
            "roles": [
                {"id": DC_GUILD, "permissions": "104324673"},
                {"id": CREW, "permissions": "0"},
            ],
        },
    )
    responses.get(
        f"{DC_API}/guilds/{DC_GUILD}/members",
        json=[
            discord_member("80351110224678912", "Ann", [CREW]),
            discord_member("80351110224678913", "Bob", []),  # lost the crew role
            discord_member("80351110224678914", "Dee", [CREW]),
            discord_member("80351110224678915", "Lurker", []),  # elsewhere in the server
        ],
    )
    adapter = DiscordAdapter(bytes(32), "bot-token", api_base=DC_API, sender=quiet_sender())
    report = sync_roster(store, store.get_community("c1"), adapter, NOW)
    assert report.counts() == {"joins": 1, "rejoins": 0, "leaves": 1, "renames": 0}
    assert store.get_member("c1", "80351110224678913").status is MemberStatus.LEFT
    assert store.get_member("c1", "80351110224678914").is_present
    assert store.get_member("c1", "80351110224678915") is None
    assert len(responses.calls) == 3  # the channel, the server, one page of members


@responses.activate
def test_a_discord_channel_the_bot_cannot_read_changes_nothing():
    from chalicelib.platforms.discord import DiscordAdapter
    from tests.platforms.support import quiet_sender

    store = Store(MemoryTable())
    store.create_community(community(platform="discord", chat_id=DC_CHANNEL))
    store.bulk_save_members([member("80351110224678912", name="Ann")])
    before = store.table.all_items()
    responses.get(
        f"{DC_API}/channels/{DC_CHANNEL}",
        status=403,
        json={"message": "Missing Access", "code": 50001},
    )
    adapter = DiscordAdapter(bytes(32), "bot-token", api_base=DC_API, sender=quiet_sender())
    with pytest.raises(ListRefused, match="missing the View Channel permission in the channel"):
        sync_roster(store, store.get_community("c1"), adapter, NOW)
    assert store.table.all_items() == before
