"""Recurring sessions' instances and attendance in the community's partition.

    C#<cid> / META                            the definitions (Community.sessions, JSON)
    C#<cid> / SES#<session>#<date>            an instance: speaker (+ name, topic), confirmed,
                                              recording, cancelled (+ by, told_in), picked_in
                                              (the run whose speaker rota picked)
    C#<cid> / SES#<session>#<date>#A#<member> one member's attendance (name, at)

An instance and all its attendees are one Query (paged), never a read per member. Every
write is one conditional request: a sign-up only where no other member signed up, an
attendance only where there is none (a redelivered or repeated 到 writes nothing twice).
Both kinds carry the retention TTL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.store import keys
from chalicelib.store.retention import RETENTION, expires_at
from chalicelib.store.table import Cond, Item, Table


@dataclass(frozen=True)
class Instance:
    session_id: str
    day: date
    speaker: str | None = None
    speaker_name: str | None = None
    topic: str | None = None
    confirmed: bool = False
    recording: str | None = None
    cancelled: bool = False
    # The period of the job's run that told the group of the cancellation (or "chat").
    told_in: str | None = None
    # The speaker-deadline run that picked the speaker (a session with a speaker rota).
    picked_in: str | None = None

    @classmethod
    def of(cls, session_id: str, day: date, item: Item | None) -> Instance:
        item = item or {}
        return cls(
            session_id,
            day,
            speaker=item.get("speaker") or None,
            speaker_name=item.get("speaker_name") or None,
            topic=item.get("topic") or None,
            confirmed=bool(item.get("confirmed")),
            recording=item.get("recording") or None,
            cancelled=bool(item.get("cancelled")),
            told_in=item.get("told_in") or None,
            picked_in=item.get("picked_in") or None,
        )


@dataclass(frozen=True)
class InstanceWithAttendees:
    instance: Instance
    attendees: dict[str, str] = field(default_factory=dict)  # member id → name


def _pk(community_id: str) -> str:
    return keys.community_pk(community_id)


def get_instance(table: Table, community_id: str, session_id: str, day: date) -> Instance:
    """One GetItem."""
    item = table.get(_pk(community_id), keys.session_instance_sk(session_id, day))
    return Instance.of(session_id, day, item)


def instance_with_attendees(
    table: Table, community_id: str, session_id: str, day: date
) -> InstanceWithAttendees:
    """The instance and everyone who attended: one Query (1 MB pages)."""
    sk = keys.session_instance_sk(session_id, day)
    instance_item: Item | None = None
    attendees: dict[str, str] = {}
    for item in table.query(_pk(community_id), prefix=sk):
        if item["sk"] == sk:
            instance_item = item
        elif "user_id" in item:
            attendees[str(item["user_id"])] = str(item.get("name") or item["user_id"])
    return InstanceWithAttendees(Instance.of(session_id, day, instance_item), attendees)


def _base(
    session_id: str, day: date, at: datetime, retention: timedelta = RETENTION
) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "day": day.isoformat(),
        keys.TTL_ATTRIBUTE: expires_at(at, retention),
    }


@dataclass(frozen=True)
class Written:
    """A conditional write: ``written``, or refused with the item that stood in the way."""

    written: bool
    item: Item = field(default_factory=dict)


def sign_up(
    table: Table,
    community_id: str,
    session_id: str,
    day: date,
    user_id: str,
    name: str,
    topic: str | None,
    at: datetime,
    retention: timedelta = RETENTION,
) -> Written:
    """Take the instance's speaker slot: one conditional UpdateItem, refused when another
    member holds it or the instance is cancelled (the same member may change their topic)."""
    fields = {
        **_base(session_id, day, at, retention),
        "speaker": user_id,
        "speaker_name": name,
        "signed_up_at": at.isoformat(),
    }
    if topic:
        fields["topic"] = topic
    result = table.update_or_old(
        _pk(community_id),
        keys.session_instance_sk(session_id, day),
        set=fields,
        cond=(Cond.absent("speaker") | Cond.eq("speaker", user_id)) & Cond.absent("cancelled"),
    )
    return Written(result.written, dict(result.item or {}))


def confirm_speaker(
    table: Table, community_id: str, session_id: str, day: date, by: str, at: datetime
) -> Written:
    """Confirm the signed-up speaker: one conditional UpdateItem (refused without one)."""
    result = table.update_or_old(
        _pk(community_id),
        keys.session_instance_sk(session_id, day),
        set={"confirmed": True, "confirmed_by": by, "confirmed_at": at.isoformat()},
        cond=Cond.exists("speaker") & Cond.absent("cancelled"),
    )
    return Written(result.written, dict(result.item or {}))


def record_picked_speaker(
    table: Table,
    community_id: str,
    session_id: str,
    day: date,
    user_id: str,
    name: str,
    period: str,
    at: datetime,
    *,
    replacing: str | None = None,
    retention: timedelta = RETENTION,
) -> Written:
    """Make the rota's pick the instance's confirmed speaker: one conditional UpdateItem,
    refused when the instance is confirmed already (an earlier or concurrent run picked, or
    an admin confirmed), a member other than ``replacing`` (the sign-up the pick saw, e.g.
    one who has left since) holds the slot, or it is cancelled. So a speaker is picked
    once, whatever replays."""
    held = Cond.absent("speaker") if replacing is None else Cond.eq("speaker", replacing)
    result = table.update_or_old(
        _pk(community_id),
        keys.session_instance_sk(session_id, day),
        set={
            **_base(session_id, day, at, retention),
            "speaker": user_id,
            "speaker_name": name,
            "confirmed": True,
            "confirmed_by": "rota",
            "confirmed_at": at.isoformat(),
            "picked_in": period,
        },
        cond=(held | Cond.eq("speaker", user_id))
        & Cond.absent("confirmed")
        & Cond.absent("cancelled"),
    )
    return Written(result.written, dict(result.item or {}))


def past_speakers(
    table: Table, community_id: str, session_id: str, before: date, since: date
) -> dict[str, date]:
    """Member id → the date of their latest confirmed talk of ``session_id`` from
    ``since`` to before ``before`` (cancelled instances do not count): one Query of the
    session's sort-key range, 1 MB pages, never a read per member. The range holds the
    instances' attendance items too; they are passed over."""
    latest: dict[str, date] = {}
    items = table.query(
        _pk(community_id),
        start=keys.session_instance_sk(session_id, since),
        end=keys.session_instance_sk(session_id, before),
    )
    for item in items:
        if "user_id" in item or not item.get("speaker") or not item.get("confirmed"):
            continue
        if item.get("cancelled"):
            continue
        day = date.fromisoformat(str(item["sk"]).rsplit("#", 1)[1])
        if day >= before:
            continue
        speaker = str(item["speaker"])
        if speaker not in latest or latest[speaker] < day:
            latest[speaker] = day
    return latest


def set_recording(
    table: Table,
    community_id: str,
    session_id: str,
    day: date,
    url: str,
    by: str,
    at: datetime,
    retention: timedelta = RETENTION,
) -> None:
    """Keep the recording's link (a later one replaces it): one UpdateItem."""
    table.update(
        _pk(community_id),
        keys.session_instance_sk(session_id, day),
        set={**_base(session_id, day, at, retention), "recording": url, "recording_by": by},
        return_new=False,
    )


def cancel(
    table: Table,
    community_id: str,
    session_id: str,
    day: date,
    by: str,
    at: datetime,
    *,
    told_in: str | None,
    retention: timedelta = RETENTION,
) -> bool:
    """Cancel the instance: one conditional UpdateItem; False when it already was."""
    fields = {**_base(session_id, day, at, retention), "cancelled": True, "cancelled_by": by}
    if told_in:
        fields["told_in"] = told_in
    written = table.update(
        _pk(community_id),
        keys.session_instance_sk(session_id, day),
        set=fields,
        cond=Cond.absent("cancelled"),
        return_new=False,
    )
    return bool(written)


def mark_told(table: Table, community_id: str, session_id: str, day: date, period: str) -> bool:
    """Record the run that told the group of a cancellation; False when one already had."""
    written = table.update(
        _pk(community_id),
        keys.session_instance_sk(session_id, day),
        set={"told_in": period},
        cond=Cond.exists("cancelled") & (Cond.absent("told_in") | Cond.eq("told_in", period)),
        return_new=False,
    )
    return bool(written)


def record_attendance(
    table: Table,
    community_id: str,
    session_id: str,
    day: date,
    user_id: str,
    name: str,
    at: datetime,
    retention: timedelta = RETENTION,
) -> bool:
    """One conditional PutItem per member and instance; False when already recorded."""
    item = {
        "pk": _pk(community_id),
        "sk": keys.session_attendance_sk(session_id, day, user_id),
        **_base(session_id, day, at, retention),
        "user_id": user_id,
        "name": name,
        "at": at.isoformat(),
    }
    return table.put(item, cond=Cond.absent("pk"))
