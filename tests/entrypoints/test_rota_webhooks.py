"""The duty rota through the webhook route (Chalice's test client, signed console bodies,
DynamoDB on moto): volunteering (not while on leave), a swap that takes effect when the named
member accepts within 24 hours, one that expires or is accepted by someone else and does
nothing, /rota and /me."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from chalice.test import Client

import app
from chalicelib.runtime import set_runtime
from chalicelib.store import keys
from chalicelib.store import rota as rota_store
from chalicelib.store.repository import Store
from tests.helpers import community, console_body, member, runtime, signed_headers

MONDAY = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, on duty since 09:00


@pytest.fixture
def wired(dynamo_table):
    store = Store(dynamo_table)
    store.create_community(community(rota_period="week"))
    store.bulk_save_members(
        [
            member("ann", last_active=date(2026, 12, 6)),
            member("bob", last_active=date(2026, 12, 6)),
            member("cat", leave_until=date(2026, 12, 20)),
            member("dan", last_active=date(2026, 12, 6)),
        ]
    )
    rota_store.put_duty(dynamo_table, "c1", "2026-W50", "ann", "Ann", volunteer=False, at=MONDAY)
    rt, _sent = runtime(store, MONDAY)
    set_runtime(rt)
    try:
        with Client(app.app) as client:
            yield client, store, rt
    finally:
        set_runtime(None)


def post(wired, text: str, *, user: str, message_id: str, at: datetime = MONDAY) -> list[str]:
    client, _store, rt = wired
    rt.clock.set(at)
    body = console_body(text, user=user, message_id=message_id)
    response = client.http.post("/webhooks/console", headers=signed_headers(body, at), body=body)
    assert response.status_code == 200
    return [line for reply in json.loads(response.body)["replies"] for line in reply]


def on_duty(store: Store) -> str:
    duty = rota_store.get_duty(store.table, "c1", "2026-W50")
    assert duty is not None
    return duty.user_id


def test_a_swap_takes_effect_when_the_named_member_accepts_within_24_hours(wired):
    _client, store, _rt = wired
    asked = post(wired, "/swap @bob", user="ann", message_id="s1")
    assert asked == [
        "Ann asks Bob to take over the duty for 2026-W50. Bob, answer /swap accept within "
        "24 hours to take it."
    ]
    # only the member named may accept: dan's answer changes nothing
    refused = post(wired, "/swap accept", user="dan", message_id="s2")
    assert refused == [
        "Dan, no swap is waiting for you (or it is over 24 hours old); nothing changed."
    ]
    assert on_duty(store) == "ann"
    done = post(wired, "同意换班", user="bob", message_id="s3", at=MONDAY + timedelta(hours=23))
    assert done == ["Swapped: Bob is now the duty monitor of the week for 2026-W50."]
    duty = rota_store.get_duty(store.table, "c1", "2026-W50")
    assert duty is not None and (duty.user_id, duty.swapped_from, duty.swap_to) == (
        "bob",
        "ann",
        None,
    )
    # the swap is spent: accepting again does nothing
    again = post(
        wired, "/swap accept", user="bob", message_id="s4", at=MONDAY + timedelta(hours=23)
    )
    assert "no swap is waiting" in again[0]


def test_a_swap_not_accepted_within_24_hours_does_nothing(wired):
    _client, store, _rt = wired
    post(wired, "换班 @bob", user="ann", message_id="s1")
    late = post(wired, "/swap accept", user="bob", message_id="s2", at=MONDAY + timedelta(hours=24))
    assert "no swap is waiting" in late[0]
    assert on_duty(store) == "ann"


def test_only_the_member_on_duty_asks_for_a_swap(wired):
    _client, store, _rt = wired
    reply = post(wired, "/swap @dan", user="bob", message_id="s1")
    assert reply == ["Bob, only the member on duty this period can ask for a swap."]
    item = store.table.get(keys.community_pk("c1"), keys.rota_sk("2026-W50"))
    assert item is not None and "swap_to" not in item


def test_volunteering_while_on_leave_is_one_line_and_writes_nothing(wired):
    _client, store, _rt = wired
    reply = post(wired, "报名值月", user="cat", message_id="v1")
    assert reply == ["Cat, you cannot volunteer while on leave; send /back first."]
    assert rota_store.volunteers(store.table, "c1", "2026-W51") == []


def test_a_volunteer_offers_for_the_next_period_once(wired):
    _client, store, _rt = wired
    first = post(wired, "/volunteer", user="dan", message_id="v1")
    assert first == ["Dan volunteered to be the duty monitor of the week for 2026-W51. Thank you!"]
    assert post(wired, "/volunteer", user="dan", message_id="v1") == []  # redelivered
    assert "already" in post(wired, "报名值周", user="dan", message_id="v2")[0]
    assert rota_store.volunteers(store.table, "c1", "2026-W51") == ["dan"]


def test_rota_shows_who_is_on_duty_and_who_is_next_and_me_shows_duty_served(wired):
    post(wired, "/volunteer", user="dan", message_id="v1")
    shown = post(wired, "/rota", user="bob", message_id="r1")
    assert shown == [
        "📋 The duty monitor of the week for 2026-W50: Ann\n"
        "Next (2026-W51), as things stand: Dan (volunteers may change it)"
    ]
    me = post(wired, "/me", user="ann", message_id="m1")
    assert "📋 You are the duty monitor of the week now (2026-W50); duty served: 1" in me[0]


def test_a_swap_to_a_member_on_leave_is_one_line_and_writes_nothing(wired):
    _client, store, _rt = wired
    reply = post(wired, "换班 @Cat", user="ann", message_id="s1")
    assert reply == ["Cat is on leave or exempt and cannot take the duty."]
    item = store.table.get(keys.community_pk("c1"), keys.rota_sk("2026-W50"))
    assert item is not None and "swap_to" not in item


@pytest.fixture
def sent(wired):
    """Everything the console platform delivered (group replies and DMs)."""
    _client, _store, rt = wired
    got: list = []
    rt.console_sink = got.append  # before the first post builds the console adapter
    return got


def test_the_member_who_takes_a_swap_gets_the_duties_note_privately_once(wired, sent):
    _client, store, _rt = wired
    store.update_community(store.get_community("c1"), rota_duties="Open the morning thread")
    post(wired, "/swap @bob", user="ann", message_id="s1")
    done = post(wired, "/swap accept", user="bob", message_id="s2")
    # the group hears of the swap, not the duties
    assert done == ["Swapped: Bob is now the duty monitor of the week for 2026-W50."]
    dms = [(m.user_id, m.text) for m in sent if m.kind == "direct"]
    assert len(dms) == 1
    user_id, text = dms[0]
    assert user_id == "bob"
    assert text.startswith("[DM → bob] Bob, you are the duty monitor of the week for 2026-W50.")
    assert "Open the morning thread" in text
    # the same delivery again: claimed already, no second note
    assert post(wired, "/swap accept", user="bob", message_id="s2") == []
    assert [m.user_id for m in sent if m.kind == "direct"] == ["bob"]
    # nothing of the note reached the group
    assert not any("morning thread" in m.text for m in sent if m.kind != "direct")


def test_a_swap_nobody_asked_for_sends_no_duties_note(wired, sent):
    refused = post(wired, "/swap accept", user="bob", message_id="s1")
    assert "no swap is waiting" in refused[0] and len(refused) == 1
    assert [m for m in sent if m.kind == "direct"] == []


def test_where_direct_messages_are_impossible_the_duties_note_goes_to_the_group(wired, sent):
    _client, _store, rt = wired
    rt.adapter("console").direct_messages = False
    post(wired, "换班 @bob", user="ann", message_id="s1")
    done = post(wired, "同意换班", user="bob", message_id="s2")
    assert done[0] == "Swapped: Bob is now the duty monitor of the week for 2026-W50."
    assert len(done) == 2 and done[1].startswith(
        "Bob, you are the duty monitor of the week for 2026-W50. Your duties:"
    )
    assert [m for m in sent if m.kind == "direct"] == []


def test_a_refused_direct_message_puts_the_duties_note_in_the_group(wired, sent, monkeypatch):
    from chalicelib.platforms.base import DirectRefused

    _client, _store, rt = wired
    adapter = rt.adapter("console")

    def refuse(chat, user_id, part):
        raise DirectRefused(f"{user_id} never started the bot")

    monkeypatch.setattr(adapter, "deliver_direct", refuse)
    post(wired, "/swap @bob", user="ann", message_id="s1")
    done = post(wired, "/swap accept", user="bob", message_id="s2")
    assert len(done) == 2 and done[1].startswith("Bob, you are the duty monitor")
    assert [m for m in sent if m.kind == "direct"] == []
