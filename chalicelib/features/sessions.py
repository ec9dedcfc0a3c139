"""Recurring sessions' use cases (分享会), for chat (chat/sessions.py), the ``sessions`` job
(jobs/post_sessions.py) and the CLI (``rollcall session add|list|cancel|remove``).

Definitions live on the community item (``Community.sessions``), instances and attendance
in store/sessions.py. Costs: a sign-up, a confirmation, a recording, a cancellation and an
attendance are one conditional write each (an attendance also credits its points: one
GetItem and one UpdateItem of the member); a phase's post one GetItem of its instance, the
summary one Query of the instance's prefix whatever the number of attendees, the speaker
alert without an admin chat one roster Query. With a speaker rota the deadline's pick is
one roster Query, one Query of the session's last year of instances (their speakers; the
range holds their attendance items too, read in 1 MB pages) and one conditional
UpdateItem, never a read per member.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain import sessions as rules
from chalicelib.domain.messages import t
from chalicelib.domain.models import Community, Member
from chalicelib.domain.roles import member_may
from chalicelib.domain.rota import Pick
from chalicelib.domain.sessions import SessionDef, SessionError
from chalicelib.platforms.base import Message
from chalicelib.store import sessions as session_store
from chalicelib.store.retention import retention_of
from chalicelib.store.sessions import Instance
from chalicelib.store.table import Table

log = logging.getLogger("rollcall.sessions")

_WEEKDAYS = {
    "zh-CN": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
# The job that posts every phase (jobs/post_sessions.py declares it under this name).
JOB = "sessions"
# The most names a summary lists; the count is always the whole number.
SUMMARY_NAMES = 200


def definitions(community: Community) -> list[SessionDef]:
    return rules.definitions_of(community.sessions)


def _say(community: Community, key: str, **values: Any) -> str:
    return t(community.locale, key, **values)


def _weekday(community: Community, d: date) -> str:
    return _WEEKDAYS.get(community.locale, _WEEKDAYS["en"])[d.weekday()]


def _local_time(community: Community, instant: datetime) -> str:
    return instant.astimezone(community.calendar.tz).strftime("%H:%M")


def _speaker(community: Community, instance: Instance) -> str:
    if not instance.speaker:
        return _say(community, "session_no_speaker")
    name = instance.speaker_name or instance.speaker
    if instance.confirmed:
        return name
    return _say(community, "session_speaker_pending", name=name)


def _topic(definition: SessionDef, instance: Instance) -> str:
    return instance.topic or definition.title


# -- definitions (operators) -------------------------------------------------------------------


def add_session(
    store: Any, community: Community, values: Mapping[str, Any], now: datetime
) -> SessionDef:
    """Add a definition (SessionError with one line when it cannot be taken; nothing is
    written then) and point the sessions job at its next phase."""
    calendar = community.calendar
    definition = rules.parse_definition(values, calendar, calendar.local_date(now))
    # Fresh and guarded: a cached copy, or another admin adding at the same moment, never
    # erases a session the list holds (the list is rewritten whole).
    _, updated = store.rewrite_community(
        community.id,
        lambda read: {"sessions": rules.with_definition(read.sessions, definition)},
        guard=("sessions",),
    )
    point_sessions_job(store.table, updated, now)
    log.info("session added", extra={"community": community.id, "session": definition.id})
    return definition


def remove_session(store: Any, community: Community, session_id: str) -> SessionDef:
    """Remove a definition (SessionError when there is none by that id; nothing is written
    then). Its phases still to come are not posted (the job skips a phase whose session is
    gone, and computes its next slots from the definitions left); its past instances,
    attendance and recordings stay. Rewritten fresh and guarded like ``add_session``, so a
    session another admin adds at the same moment is kept."""
    sid = (session_id or "").strip().lower()
    read, _ = store.rewrite_community(
        community.id,
        lambda read: {"sessions": rules.without_definition(read.sessions, sid)},
        guard=("sessions",),
    )
    found = next(d for d in definitions(read) if d.id == sid)
    log.info("session removed", extra={"community": community.id, "session": sid})
    return found


def point_sessions_job(table: Table, community: Community, now: datetime) -> None:
    """Point the sessions job at its first phase after ``now``, unless its pointer already
    holds an earlier phase still to run (a phase due a minute ago must not be skipped; the
    worker finds the new session's phases after it). The community's other jobs keep theirs.
    """
    from chalicelib.jobs.schedule import next_slot
    from chalicelib.store import due, keys

    slot = next_slot(community, JOB, now)
    if slot is None:
        return
    held = table.get(keys.community_pk(community.id), keys.due_item_sk(JOB))
    if held is not None and datetime.fromisoformat(held["scheduled_at"]) <= slot.scheduled_at:
        return
    due.put_due(table, community.id, JOB, slot.period, slot.scheduled_at, now=now)


def resolve_date(community: Community, text: str, now: datetime) -> tuple[SessionDef, date]:
    """The instance a date names (``12-12``, ``2026-12-12``); SessionError otherwise."""
    today = community.calendar.local_date(now)
    day = rules.parse_session_date(text, today)
    if day is None:
        raise SessionError(f"not a date: {text!r} (e.g. 2026-12-12 or 12-12)")
    definition = rules.find_instance(definitions(community), day)
    if definition is None:
        raise SessionError(f"there is no session on {day.isoformat()}")
    return definition, day


def cancel_instance(
    table: Table,
    community: Community,
    definition: SessionDef,
    day: date,
    by: str,
    now: datetime,
    *,
    told_in: str | None = None,
) -> bool:
    """Cancel one instance before it starts; False when it already was. SessionError when
    it has started. ``told_in``: where the group was told already (a cancellation typed in
    the group is its own notice), else the job's next phase of it tells the group once."""
    if definition.start(community.calendar, day) <= now:
        raise SessionError(f"the session on {day.isoformat()} has already started")
    done = session_store.cancel(
        table,
        community.id,
        definition.id,
        day,
        by,
        now,
        told_in=told_in,
        retention=retention_of(community),
    )
    if done:
        log.info("session cancelled", extra={"community": community.id, "session": definition.id})
    return done


@dataclass(frozen=True)
class Upcoming:
    definition: SessionDef
    day: date
    start: datetime
    instance: Instance

    def as_dict(self) -> dict[str, Any]:
        return {
            "session": self.definition.id,
            "title": self.definition.title,
            "date": self.day.isoformat(),
            "start": self.start.isoformat(),
            "speaker": self.instance.speaker,
            "confirmed": self.instance.confirmed,
            "topic": self.instance.topic,
            "cancelled": self.instance.cancelled,
        }


def upcoming(table: Table, community: Community, now: datetime, limit: int = 4) -> list[Upcoming]:
    """The next instances with their speakers: one GetItem each (``limit`` of them)."""
    found = rules.upcoming(definitions(community), community.calendar, now, limit)
    return [
        Upcoming(s, d, start, session_store.get_instance(table, community.id, s.id, d))
        for start, s, d in found
    ]


def upcoming_text(table: Table, community: Community, now: datetime) -> str:
    coming = upcoming(table, community, now)
    if not coming:
        return _say(community, "session_list_none")
    lines = [_say(community, "session_list_head")]
    for c in coming:
        values = {
            "date": c.day.isoformat(),
            "weekday": _weekday(community, c.day),
            "time": _local_time(community, c.start),
            "title": c.definition.title,
        }
        if c.instance.cancelled:
            lines.append(_say(community, "session_list_cancelled", **values))
        else:
            speaker = _speaker(community, c.instance)
            if c.instance.topic:
                speaker = f"{speaker} · {c.instance.topic}"
            lines.append(_say(community, "session_list_line", speaker=speaker, **values))
    return "\n".join(lines)


# -- members and admins in chat ----------------------------------------------------------------


def _instance_for(community: Community, text: str, now: datetime) -> tuple[SessionDef, date, str]:
    """Date, definition and the rest of the text; SessionError(key) for the chat to map."""
    today = community.calendar.local_date(now)
    day, rest = rules.split_date(text, today)
    if day is None:
        raise SessionError("usage")
    definition = rules.find_instance(definitions(community), day)
    if definition is None:
        raise SessionError("none_on:" + day.isoformat())
    return definition, day, rest


def speak(table: Table, community: Community, member: Member, text: str, now: datetime) -> str:
    """``报名分享 12-12 [topic]``: take the instance's speaker slot (refused for a past,
    taken or cancelled date, or a date with no session; nothing written then)."""
    try:
        definition, day, rest = _instance_for(community, text, now)
    except SessionError as error:
        return _refusal(community, str(error), "session_speak_usage")
    if definition.start(community.calendar, day) <= now:
        return _say(community, "session_past", date=day.isoformat())
    topic = rules.cut_topic(rest) or None
    written = session_store.sign_up(
        table,
        community.id,
        definition.id,
        day,
        member.user_id,
        member.display(),
        topic,
        now,
        retention_of(community),
    )
    if not written.written:
        if written.item.get("cancelled"):
            return _say(community, "session_is_cancelled", date=day.isoformat())
        name = written.item.get("speaker_name") or written.item.get("speaker")
        return _say(community, "session_taken", date=day.isoformat(), name=name)
    return _say(
        community,
        "session_signed_up",
        name=member.display(),
        date=day.isoformat(),
        title=definition.title,
    )


def _refusal(community: Community, reason: str, usage_key: str) -> str:
    if reason.startswith("none_on:"):
        return _say(community, "session_none_on", date=reason.split(":", 1)[1])
    return _say(community, usage_key)


def confirm(table: Table, community: Community, member: Member, text: str, now: datetime) -> str:
    """``确认分享 12-12`` (admins): confirm the signed-up speaker."""
    if not member_may(community, member, "confirm_speaker"):
        return _say(community, "session_admins_only", name=member.display())
    try:
        definition, day, _ = _instance_for(community, text, now)
    except SessionError as error:
        return _refusal(community, str(error), "session_confirm_usage")
    written = session_store.confirm_speaker(
        table, community.id, definition.id, day, member.user_id, now
    )
    if not written.written:
        if written.item.get("cancelled"):
            return _say(community, "session_is_cancelled", date=day.isoformat())
        return _say(community, "session_no_signup", date=day.isoformat())
    name = written.item.get("speaker_name") or written.item.get("speaker")
    return _say(community, "session_confirmed", name=name, date=day.isoformat())


def session_on(community: Community, now: datetime) -> bool:
    """A session's attendance window holds ``now`` (no request)."""
    return rules.current_instance(definitions(community), community.calendar, now) is not None


def attend(table: Table, community: Community, member: Member, now: datetime) -> tuple[str, bool]:
    """``到`` / ``/here`` during a session's window: one conditional put per member and
    instance, and the points a check-in earns, once. Returns the reply and whether this
    call recorded the attendance."""
    found = rules.current_instance(definitions(community), community.calendar, now)
    if found is None:
        return _say(community, "session_not_now"), False
    definition, day = found
    instance = session_store.get_instance(table, community.id, definition.id, day)
    if instance.cancelled:
        return _say(community, "session_is_cancelled", date=day.isoformat()), False
    if not session_store.record_attendance(
        table,
        community.id,
        definition.id,
        day,
        member.user_id,
        member.display(),
        now,
        retention_of(community),
    ):
        return _say(community, "session_already_here", name=member.display()), False
    from chalicelib.features.points import credit_action

    credit_action(
        table,
        community,
        member.user_id,
        f"SES#{definition.id}#{day.isoformat()}",
        community.points_checkin,
        today=community.calendar.local_date(now),
        now=now,
    )
    reply = _say(
        community,
        "session_attended",
        name=member.display(),
        title=definition.title,
        date=day.isoformat(),
    )
    return reply, True


def add_recording(
    table: Table, community: Community, member: Member, text: str, now: datetime
) -> str:
    """``录播 [date] URL`` (the speaker or an admin): the latest started instance's link."""
    words = (text or "").split()
    if not words:
        return _say(community, "session_recording_usage")
    url = words[-1]
    defs = definitions(community)
    if len(words) > 1:
        day = rules.parse_session_date(words[0], community.calendar.local_date(now))
        definition = rules.find_instance(defs, day) if day else None
        if day is None:
            return _say(community, "session_recording_usage")
        if definition is None:
            return _say(community, "session_none_on", date=day.isoformat())
    else:
        latest = rules.latest_started(defs, community.calendar, now)
        if latest is None:
            return _say(community, "session_recording_none")
        definition, day = latest
    if not rules.is_recording_url(url):
        return _say(community, "session_recording_bad_url")
    if definition.start(community.calendar, day) > now:
        return _say(community, "session_recording_none")
    if not member_may(community, member, "confirm_speaker"):
        instance = session_store.get_instance(table, community.id, definition.id, day)
        if instance.speaker != member.user_id:
            return _say(community, "session_recording_who", name=member.display())
    session_store.set_recording(
        table,
        community.id,
        definition.id,
        day,
        url,
        member.user_id,
        now,
        retention_of(community),
    )
    return _say(community, "session_recording_saved", date=day.isoformat(), url=url)


def cancel_from_chat(
    table: Table, community: Community, member: Member, text: str, now: datetime, *, in_group: bool
) -> str:
    """``取消分享 12-12`` (admins). Typed in the group, the reply is the group's notice."""
    if not member_may(community, member, "cancel_session"):
        return _say(community, "session_admins_only", name=member.display())
    try:
        definition, day, _ = _instance_for(community, text, now)
    except SessionError as error:
        return _refusal(community, str(error), "session_cancel_usage")
    try:
        done = cancel_instance(
            table,
            community,
            definition,
            day,
            member.user_id,
            now,
            told_in="chat" if in_group else None,
        )
    except SessionError:
        return _say(community, "session_past", date=day.isoformat())
    if not done:
        return _say(community, "session_already_cancelled", date=day.isoformat())
    return cancelled_notice(community, definition, day)


def cancelled_notice(community: Community, definition: SessionDef, day: date) -> str:
    start = definition.start(community.calendar, day)
    return _say(
        community,
        "session_cancelled_notice",
        title=definition.title,
        date=day.isoformat(),
        time=_local_time(community, start),
    )


# -- the job's posts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PhasePost:
    """What one phase of an instance posts: messages (with targets), or why nothing."""

    messages: Sequence[Message] = ()
    targets: Sequence[Any] = ()
    skip: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    # Called once the messages are out (a cancellation told).
    after: Any = None
    # The message goes to each of these admins privately (the group sees it once when a
    # direct message cannot be sent).
    to_admins: tuple[str, ...] = ()
    # The last message goes to this member privately (the group sees it when it cannot).
    to_member: str | None = None


def phase_post(
    store: Any, community: Community, period: str, now: datetime, *, direct: bool = False
) -> PhasePost:
    """The post of ``period`` (``friday#2026-12-11#remind``) as of ``now``.

    Guards, each a skip recorded on the run: a definition removed since; a cancelled
    instance (its first phase after the cancellation tells the group, once; the others
    are skipped); an announcement, a reminder or a speaker alert at or after the start (a
    reminder never arrives once its session began); "starting" or "questions" once it
    ended.
    """
    parsed = rules.parse_period(period)
    by_id = {d.id: d for d in definitions(community)}
    definition = by_id.get(parsed.session_id)
    if definition is None:
        return PhasePost(skip=f"no session {parsed.session_id!r} any more")
    calendar, day, phase = community.calendar, parsed.day, parsed.phase
    start, end = definition.start(calendar, day), definition.end(calendar, day)
    table = store.table
    if phase == rules.SUMMARY:
        held = session_store.instance_with_attendees(table, community.id, definition.id, day)
        instance = held.instance
    else:
        held = None
        instance = session_store.get_instance(table, community.id, definition.id, day)
    if instance.cancelled:
        return _cancelled_post(table, community, definition, day, instance, period, now)
    late = _too_late(phase, now, start, end)
    if late is not None:
        return late
    values = {
        "title": definition.title,
        "date": day.isoformat(),
        "weekday": _weekday(community, day),
        "time": _local_time(community, start),
        "speaker": _speaker(community, instance),
        "topic": _topic(definition, instance),
        "duration": definition.duration_minutes,
    }
    if phase in PHASE_TEXTS:
        text = _phase_text(community, definition, instance, phase, values)
        return PhasePost(messages=[Message(text)])
    if phase == rules.SPEAKER_ALERT:
        if definition.speaker_rota and (instance.picked_in == period or not instance.confirmed):
            return _rota_pick(
                store, community, definition, instance, period, values, now, direct=direct
            )
        if instance.confirmed:
            return PhasePost(skip="the speaker is confirmed")
        return _speaker_alert(store, community, instance, values, direct=direct)
    assert held is not None
    return _summary(community, held, values)


# What the group is told at each phase that only posts a text.
PHASE_TEXTS = {
    rules.ANNOUNCE: "session_announce",
    rules.REMIND: "session_remind",
    rules.START: "session_start",
    rules.QUESTIONS: "session_questions",
}


def _cancelled_post(
    table: Table,
    community: Community,
    definition: SessionDef,
    day: date,
    instance: Instance,
    period: str,
    now: datetime,
) -> PhasePost:
    """A cancelled instance: its first phase after the cancellation tells the group
    (once, and only while the session would not have ended yet); the others skip."""
    if instance.told_in not in (None, period):
        return PhasePost(skip="cancelled; the group was told")
    if now >= definition.end(community.calendar, day):  # the news would come too late
        return PhasePost(skip="cancelled")

    def told() -> None:
        session_store.mark_told(table, community.id, definition.id, day, period)

    return PhasePost(
        messages=[Message(cancelled_notice(community, definition, day))],
        summary={"cancelled": True},
        after=told,
    )


def _too_late(phase: str, now: datetime, start: datetime, end: datetime) -> PhasePost | None:
    """A skip for a phase whose moment has passed: no announcement, reminder or speaker
    alert once the session started; no "starting" or "questions" once it ended."""
    if phase in (rules.ANNOUNCE, rules.REMIND, rules.SPEAKER_ALERT) and now >= start:
        return PhasePost(skip="the session has started")
    if phase in (rules.START, rules.QUESTIONS) and now >= end:
        return PhasePost(skip="the session has ended")
    return None


def _phase_text(
    community: Community,
    definition: SessionDef,
    instance: Instance,
    phase: str,
    values: dict[str, Any],
) -> str:
    """The group's text at an announcement, a reminder, the start or question time."""
    if phase == rules.ANNOUNCE and not instance.speaker:
        values = {**values, "speaker": _say(community, "session_speaker_open", date=values["date"])}
    if phase == rules.QUESTIONS:
        minutes = definition.duration_minutes - (definition.talk_minutes or 0)
        return _say(community, PHASE_TEXTS[phase], minutes=minutes, **values)
    return _say(community, PHASE_TEXTS[phase], **values)


def _summary(
    community: Community, held: session_store.InstanceWithAttendees, values: dict[str, Any]
) -> PhasePost:
    names = sorted(held.attendees.values())
    shown = names[:SUMMARY_NAMES]
    listed = ("、" if community.locale == "zh-CN" else ", ").join(shown)
    if len(names) > len(shown):
        listed += " …"
    text = _say(
        community,
        "session_summary",
        count=len(names),
        names=listed or _say(community, "session_nobody"),
        **values,
    )
    url = held.instance.recording
    tail = (
        _say(community, "session_summary_recording", url=url)
        if url
        else _say(community, "session_summary_no_recording")
    )
    return PhasePost(
        messages=[Message(text + "\n" + tail)],
        summary={"attendees": len(names), "recording": bool(url)},
    )


# How far back the rota looks for who spoke last.
ROTA_LOOKBACK = timedelta(days=366)


def _rota_pick(
    store: Any,
    community: Community,
    definition: SessionDef,
    instance: Instance,
    period: str,
    values: dict[str, Any],
    now: datetime,
    *,
    direct: bool,
) -> PhasePost:
    """The speaker deadline of a session with a speaker rota: the speaker is picked
    (domain/sessions.py ``pick_speaker``: the member who signed up, else the least recently
    spoke), announced in the group and told privately; recorded once the messages are out
    by one conditional write (store/sessions.py ``record_picked_speaker``). A run that
    resumes or replays after the pick was recorded announces the recorded speaker, never a
    second pick. Nobody to pick: the admins are alerted as without a rota.

    Cost: one roster Query, one Query of the session's instances of the last year (their
    speakers), one UpdateItem."""
    table, day = store.table, instance.day
    members = list(store.list_members(community.id))
    if instance.picked_in == period and instance.speaker:
        pick: Pick | None = Pick(instance.speaker, instance.speaker_name or instance.speaker, False)
    else:
        spoke = session_store.past_speakers(
            table, community.id, definition.id, day, day - ROTA_LOOKBACK
        )
        pick = rules.pick_speaker(
            community.id, definition.id, day, members, spoke, instance.speaker
        )
    if pick is None:
        alert = _speaker_alert(store, community, instance, values, direct=direct, members=members)
        return PhasePost(
            messages=alert.messages,
            targets=alert.targets,
            to_admins=alert.to_admins,
            summary={"picked": None},
        )
    shown = {**values, "speaker": pick.name, "topic": instance.topic or definition.title}
    announce = _say(community, "session_rota_picked", **shown)
    note = _say(community, "session_rota_note", **shown)
    chosen = pick

    def record() -> None:
        if instance.picked_in != period:
            session_store.record_picked_speaker(
                table,
                community.id,
                definition.id,
                day,
                chosen.user_id,
                chosen.name,
                period,
                now,
                replacing=instance.speaker,
                retention=retention_of(community),
            )

    return PhasePost(
        messages=[Message(announce), Message(note)],
        summary={"picked": pick.user_id, "signed_up": pick.volunteer},
        after=record,
        to_member=pick.user_id,
    )


def _speaker_alert(
    store: Any,
    community: Community,
    instance: Instance,
    values: dict[str, Any],
    *,
    direct: bool,
    members: Sequence[Member] | None = None,
) -> PhasePost:
    if instance.speaker:
        pending = _say(
            community,
            "session_alert_pending",
            name=instance.speaker_name or instance.speaker,
            date=values["date"],
        )
    else:
        pending = _say(community, "session_alert_open")
    text = _say(community, "session_speaker_alert", pending=pending, **values)
    message = Message(text)
    if community.admin_chat_id:
        return PhasePost(messages=[message], targets=[community.admin_chat_id])
    if members is None:
        members = list(store.list_members(community.id))
    admins = [m.user_id for m in members if m.is_admin and m.is_present]
    if not admins or not direct:
        return PhasePost(messages=[message])  # to the group: the admins read it there
    return PhasePost(messages=[message], to_admins=tuple(admins))


def latest_phase_period(community: Community, now: datetime) -> str | None:
    """The period of the last phase due at or before ``now`` (within two weeks), for a run
    by hand without ``--period``."""
    defs = definitions(community)
    last = None
    for when, period in rules.all_phase_times(defs, community.calendar, now - timedelta(days=14)):
        if when > now:
            break
        last = period
    return last
