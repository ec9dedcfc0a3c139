"""Communities, the feature: create one (the operator's CLI, or an organiser's ``/setup
<code>`` in the group), change its settings (``rollcall community update`` or ``/settings``)
with the same validator (domain/settings.py), an audit record per change, and the schedule
recomputed at once (jobs/scheduling.py).

Costs: creating is the chat binding's check (one GetItem), the community's PutItem and the
binding's, the owner's PutItem and one PutItem per job pointer; an invite code adds its one
conditional UpdateItem. A change of settings is one UpdateItem of exactly the fields given
(store/repository.py: never a whole-item write of a cached copy), one PutItem per audit
record and the job pointers again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.models import Community, Member, Role, parse_platform
from chalicelib.domain.settings import (
    check_community_id,
    check_settings,
    job_moved,
    parse_settings,
)
from chalicelib.store import keys
from chalicelib.store.repository import AlreadyBound, Store, new_community_id
from chalicelib.store.retention import RETENTION, expires_at, retention_of

# A new community's language decides its timezone when nothing else does: a Chinese
# group most likely keeps China's time, an English one gets UTC until an admin says.
DEFAULT_TIMEZONE = {"zh-CN": "Asia/Shanghai", "en": "UTC"}


@dataclass(frozen=True)
class Created:
    community: Community
    next_runs: dict[str, str]  # job → UTC ISO


def new_community(
    *,
    name: str,
    platform: str,
    chat_id: str,
    raw: Mapping[str, str],
    now: datetime,
    community_id: str | None = None,
    paused_cycles: tuple[int, ...] | None = None,
    locale: str = "zh-CN",
    timezone: str | None = None,
) -> Community:
    """A community as the settings in ``raw`` say, validated, not yet stored. Without a
    timezone in ``raw`` it gets ``timezone``, or else its language's (DEFAULT_TIMEZONE)."""
    changes = parse_settings(raw)
    if paused_cycles is not None:
        changes["paused_cycles"] = paused_cycles
    chosen = changes.get("locale", locale)
    base = {"locale": chosen, "timezone": timezone or DEFAULT_TIMEZONE.get(chosen, "UTC")}
    community = Community(
        id=new_community_id() if community_id is None else check_community_id(community_id),
        name=name,
        platform=parse_platform(platform),
        chat_id=chat_id,
        created_at=now.replace(microsecond=0),
        **{**base, **changes},
    )
    check_settings(community, changed=changes)  # no members yet
    return community


def create_community(store: Store, community: Community, now: datetime) -> Created:
    """Store the community, bind its chat and point its jobs at their first runs (the
    CLI). A chat bound meanwhile raises AlreadyBound and leaves nothing of this community
    behind."""
    store.create_community(community)
    return Created(community, schedule_jobs(store, community, now))


def schedule_jobs(store: Store, community: Community, now: datetime) -> dict[str, str]:
    """Point a new community's jobs at their first runs (those it has keep theirs: a
    retried /setup schedules nothing twice); job → next run, UTC ISO. In chat this runs in
    the queue worker (chat/setup.py): the schedule needs every job's declaration, which the
    webhook's function is not meant to reach (tests/deploy/test_policy_reach.py)."""
    from chalicelib.jobs.scheduling import ensure_scheduled

    ensure_scheduled(store.table, community, now)
    return next_runs(store, community.id)


def next_runs(store: Store, community_id: str) -> dict[str, str]:
    """Each job's next run as its pointer says (UTC ISO): one Query."""
    pk = keys.community_pk(community_id)
    return {
        item["job"]: item["scheduled_at"]
        for item in store.table.query(pk, prefix=keys.due_item_sk(""))
    }


# -- /setup from the group ----------------------------------------------------------------

SETUP_CREATED = "created"
SETUP_BAD_CODE = "bad_code"
SETUP_ALREADY_BOUND = "already_bound"


@dataclass(frozen=True)
class SetupResult:
    outcome: str
    community: Community | None = None
    next_runs: dict[str, str] = field(default_factory=dict)
    by_workspace: bool = False


@dataclass(frozen=True)
class Organiser:
    user_id: str
    name: str
    username: str | None = None


def setup_from_chat(
    store: Store,
    *,
    platform: str,
    chat_id: str,
    organiser: Organiser,
    code: str,
    name: str,
    locale: str,
    workspace: str | None,
    now: datetime,
    today: date | None = None,
) -> SetupResult:
    """An organiser's ``/setup <code>`` in a group: the community, bound to the group, the
    organiser its owner (its jobs: :func:`schedule_jobs`). A wrong, used-up, expired or
    revoked code (or one for another platform) creates nothing; nor does a group already
    set up.

    The code is taken (one conditional write: two groups racing for its last use cannot both
    have it) before anything is created, and given back when the group turns out to be set up
    by a racing /setup meanwhile. A workspace the operator allowed needs no code.
    """
    from chalicelib.domain.invites import normalise_code
    from chalicelib.store import invites

    if store.find_community_by_chat(platform, chat_id) is not None:
        return SetupResult(SETUP_ALREADY_BOUND)
    allowed = invites.workspace_allowed(store.table, platform, workspace)
    typed = None
    if not allowed:
        typed = normalise_code(code)
        if typed is None or invites.use_invite(store.table, typed, platform, now) is None:
            return SetupResult(SETUP_BAD_CODE)
    community = new_community(
        name=name, platform=platform, chat_id=chat_id, raw={}, now=now, locale=locale
    )
    try:
        # Stored and bound here; its jobs are scheduled by the queue worker that answers
        # the organiser (schedule_jobs), the webhook staying within its IAM policy.
        store.create_community(community)
    except AlreadyBound:
        if typed is not None:
            invites.give_back(store.table, typed)
        return SetupResult(SETUP_ALREADY_BOUND)
    local_day = today or community.calendar.local_date(now)
    store.save_member(
        Member(
            community_id=community.id,
            user_id=organiser.user_id,
            name=organiser.name,
            username=organiser.username,
            role=Role.OWNER,
            joined_at=local_day,
            observed_since=local_day,
            last_active=local_day,
        )
    )
    record_changes(
        store,
        community.id,
        {"community": (None, "created by /setup" + (" (workspace)" if allowed else ""))},
        by=organiser.user_id,
        now=now,
        retention=retention_of(community),
    )
    return SetupResult(SETUP_CREATED, community, {}, allowed)


# -- settings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Changed:
    community: Community
    # field → (old, new), as stored: only the fields whose value changed
    changes: dict[str, tuple[Any, Any]]
    next_runs: dict[str, str]

    @property
    def job(self) -> str:
        """The job whose next run the change moved the most telling way."""
        return job_moved(self.changes)


def change_settings(
    store: Store,
    current: Community,
    raw: Mapping[str, str],
    *,
    by: str,
    now: datetime,
    also: Mapping[str, Any] | None = None,
) -> Changed:
    """Change the settings in ``raw`` (``{setting name: text}``, domain/settings.py), and
    any field values in ``also`` the caller parsed itself (the CLI's name and paused
    cycles): validated as a whole first (InvalidValue: nothing written), then one UpdateItem
    of the fields given, an audit record each (``by``: a user id, or ``cli``), and every
    job's next run computed again."""
    from chalicelib.jobs.scheduling import schedule_community

    changes = parse_settings(raw)
    changes.update(also or {})
    members = None
    if "reviewers" in raw:  # reviewers are judged against the roster (one Query)
        members = sum(1 for m in store.list_members(current.id) if m.is_present)
    check_settings(current.with_changes(**changes), changed=changes, members=members)
    updated = store.update_community(current, **changes)
    diff = {
        name: (getattr(current, name), getattr(updated, name))
        for name in changes
        if getattr(current, name) != getattr(updated, name)
    }
    # Kept for the period as it stands after the change (a change of the period itself too).
    record_changes(store, current.id, diff, by=by, now=now, retention=retention_of(updated))
    return Changed(updated, diff, schedule_community(store.table, updated, now))


def _plain(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def record_changes(
    store: Store,
    community_id: str,
    diff: Mapping[str, tuple[Any, Any]],
    *,
    by: str,
    now: datetime,
    retention: timedelta = RETENTION,
) -> None:
    """One small item per field changed: who, when, old → new (kept for the community's
    ``retention``; relabelled when the member who changed it is forgotten)."""

    at = now.isoformat()
    # One PutItem each (a change names one or two fields): the webhook's function is not
    # granted BatchWriteItem (tests/deploy/test_policy_reach.py), and needs no batch here.
    for name, (old, new) in diff.items():
        store.table.put(
            {
                "pk": keys.community_pk(community_id),
                "sk": keys.audit_sk(at, name),
                "at": at,
                "by": by,
                "field": name,
                "old": _plain(old),
                "new": _plain(new),
                keys.TTL_ATTRIBUTE: expires_at(now, retention),
            }
        )


def audit_trail(
    store: Store, community_id: str, *, newest_first: bool = False, limit: int | None = None
) -> list[dict[str, Any]]:
    """The community's settings changes (from chat, the CLI or the pages), oldest first
    unless ``newest_first``: one Query."""
    pk = keys.community_pk(community_id)
    return [
        {k: v for k, v in item.items() if k not in ("pk", keys.TTL_ATTRIBUTE)}
        for item in store.table.query(
            pk, prefix=keys.AUDIT_PREFIX, reverse=newest_first, limit=limit
        )
    ]


def local_run(at_iso: str, timezone: str) -> str:
    """A next run (stored in UTC) as the community reads it: ``2026-12-05 20:30 Asia/Shanghai``."""
    from chalicelib.domain.calendar import zone

    local = datetime.fromisoformat(at_iso).astimezone(zone(timezone))
    return f"{local:%Y-%m-%d %H:%M} {timezone}"


# -- this week's theme (chat /theme 主题 and the settings page) -------------------------------

# Words that clear the theme instead of setting it (chat ``/theme clear``; the page's empty box).
THEME_CLEAR_WORDS = frozenset({"clear", "off", "none", "-", "清除", "取消", "无"})


@dataclass(frozen=True)
class ThemeChange:
    """The theme after a change: None when cleared; ``cut`` when it was shortened."""

    community: Community
    theme: str | None
    week: str | None
    cut: bool


def set_theme(
    store: Store, community: Community, text: str, *, today: date, by: str, now: datetime
) -> ThemeChange:
    """Set this ISO week's check-in theme (a clear word or nothing clears it), cut to
    THEME_MAX_CHARS; the change is audited like a setting. The caller checks permission."""
    from chalicelib.domain.checkins import THEME_MAX_CHARS, cut_text

    typed = text.strip()
    if not typed or typed.lower() in THEME_CLEAR_WORDS:
        theme, week, cut = None, None, False
    else:
        theme, cut = cut_text(typed, THEME_MAX_CHARS)
        week = community.calendar.iso_week(today)
    saved = store.update_community(community, theme=theme, theme_week=week)
    if community.theme != theme:
        record_changes(
            store,
            community.id,
            {"theme": (community.theme, theme)},
            by=by,
            now=now,
            retention=retention_of(community),
        )
    return ThemeChange(saved, theme, week, cut)
