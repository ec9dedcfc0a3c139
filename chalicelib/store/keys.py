"""Every key in the table is built here and nowhere else.

One table holds everything (DESIGN.md section 3). A community's partition ``C#<cid>`` holds
its settings, members, check-ins, homework and job runs, so that "the members of C" or
"who checked in on D" is one Query (paged), never a request per member.
"""

from __future__ import annotations

import zlib
from datetime import date
from zlib import crc32

META = "META"

# Global secondary indexes (see schema.py): "kind" lists things of one kind (communities),
# "due" is the dispatcher's index of next run times.
KIND_INDEX = "kind"
DUE_INDEX = "due"
COMMUNITY_KIND = "COMMUNITY"
TTL_ATTRIBUTE = "expires_at"

MEMBER_PREFIX = "M#"
CHECKIN_PREFIX = "CI#"
MAKEUP_PREFIX = "MU#"
EVENT_PREFIX = "EVT#"
# A community's roster-sync bookkeeping (features/roster.py): when it last synced, where the
# next one-by-one check starts. Names no member.
SYNC_PREFIX = "SYNC#"
ROSTER_SYNC_SK = f"{SYNC_PREFIX}ROSTER"
# Where the channel-activity read stopped (features/channel_activity.py): the newest message
# id read, advanced only once the activity it found is written.
ACTIVITY_CURSOR_SK = f"{SYNC_PREFIX}ACTIVITY"


def community_pk(community_id: str) -> str:
    return f"C#{community_id}"


def chat_pk(platform: str, chat_id: str) -> str:
    return f"CHAT#{platform}#{chat_id}"


def member_sk(user_id: str) -> str:
    return f"{MEMBER_PREFIX}{user_id}"


def checkin_sk(local_date: date, user_id: str) -> str:
    return f"{CHECKIN_PREFIX}{local_date.isoformat()}#{user_id}"


def checkin_day_prefix(local_date: date) -> str:
    return f"{CHECKIN_PREFIX}{local_date.isoformat()}#"


def makeup_quota_sk(month: str, user_id: str) -> str:
    """A member's make-up count for one month (``2026-11``): one small item per member-month,
    so the monthly limit is a conditional counter rather than a count over check-ins."""
    return f"{MAKEUP_PREFIX}{month}#{user_id}"


# DynamoDB refuses partition keys over 2,048 bytes; a delivery id is whatever the (signed)
# body says, so a long one is replaced by its digest rather than failing the request.
_MAX_ID_BYTES = 200


def delivery_id(platform: str, event_id: str) -> str:
    """A platform's delivery id, qualified by the platform (ids are unique only within one)
    and capped: a long one is replaced by its digest, in keys and in the attributes a
    check-in keeps it in (an id as long as the body would make an item DynamoDB refuses)."""
    if len(event_id.encode("utf-8", "replace")) > _MAX_ID_BYTES:
        import hashlib

        event_id = "sha256:" + hashlib.sha256(event_id.encode("utf-8", "replace")).hexdigest()
    return f"{platform}#{event_id}"


def event_pk(platform: str, event_id: str) -> str:
    """Inbound delivery ids (Slack event_id, Telegram update_id, ...) for de-duplication."""
    return f"{EVENT_PREFIX}{delivery_id(platform, event_id)}"


def run_sk(job: str, period: str) -> str:
    return f"RUN#{job}#{period}"


def run_refused_prefix(job: str, period: str, epoch: str) -> str:
    """A run's refused direct messages, one small item each, per epoch (a forced replay
    starts a new one, so the refusals of the replayed run no longer count)."""
    return f"RUNX#{job}#{period}#{epoch}#"


def run_refused_sk(job: str, period: str, epoch: str, index: int) -> str:
    return f"{run_refused_prefix(job, period, epoch)}{index:06d}"


def due_item_sk(job: str) -> str:
    return f"DUE#{job}"


def due_index_pk(shard: int) -> str:
    """A partition of the ``due`` index: every job's pointers share the shards, so the
    dispatcher's tick needs no list of jobs and a new job adds no Query."""
    return f"DUE#{shard:02d}"


def community_kind_sk(created_at_iso: str, community_id: str) -> str:
    return f"{created_at_iso}#{community_id}"


# -- weekly homework (store/homework.py) ------------------------------------------------------
# One community partition, one prefix per kind and cycle, so "the submissions of C0042" or
# "the reviews of C0042" is one Query. Cycle ids (C0042) sort as numbers, so a range of
# cycles is one Query too. Prefixes are chosen so none begins with another ("HW#" vs "HWH#").

SUBMISSION_PREFIX = "HW#"
SUBMISSION_HISTORY_PREFIX = "HWH#"
REVIEW_PREFIX = "RV#"
ASSIGNMENT_PREFIX = "AS#"
STRIKE_PREFIX = "HWS#"
CYCLE_CLOSE_PREFIX = "HWC#"


def submission_sk(cycle_id: str, user_id: str) -> str:
    """A member's current submission for a cycle (a resubmission replaces it)."""
    return f"{SUBMISSION_PREFIX}{cycle_id}#{user_id}"


def cycle_submissions_prefix(cycle_id: str) -> str:
    return f"{SUBMISSION_PREFIX}{cycle_id}#"


def submission_history_sk(cycle_id: str, user_id: str, submitted_at_iso: str) -> str:
    """An earlier version of a submission, kept when it was replaced."""
    return f"{SUBMISSION_HISTORY_PREFIX}{cycle_id}#{user_id}#{submitted_at_iso}"


def submission_history_prefix(cycle_id: str, user_id: str) -> str:
    return f"{SUBMISSION_HISTORY_PREFIX}{cycle_id}#{user_id}#"


def review_sk(cycle_id: str, reviewee: str, reviewer: str) -> str:
    """``cycle_id`` is the cycle of the submission reviewed, not of the review's date."""
    return f"{REVIEW_PREFIX}{cycle_id}#{reviewee}#{reviewer}"


def cycle_reviews_prefix(cycle_id: str) -> str:
    return f"{REVIEW_PREFIX}{cycle_id}#"


def assignment_sk(cycle_id: str, reviewee: str) -> str:
    """Who reviews ``reviewee``'s submission for the cycle."""
    return f"{ASSIGNMENT_PREFIX}{cycle_id}#{reviewee}"


def cycle_assignments_prefix(cycle_id: str) -> str:
    return f"{ASSIGNMENT_PREFIX}{cycle_id}#"


def strike_sk(cycle_id: str, user_id: str) -> str:
    """A missed cycle: the exact record behind a member's strike counter."""
    return f"{STRIKE_PREFIX}{cycle_id}#{user_id}"


def cycle_strikes_prefix(cycle_id: str) -> str:
    return f"{STRIKE_PREFIX}{cycle_id}#"


def cycle_close_sk(cycle_id: str) -> str:
    """What a cycle's digest showed, so the next digest notes only later work."""
    return f"{CYCLE_CLOSE_PREFIX}{cycle_id}"


def cycles_range(prefix: str, first_cycle: str, last_cycle: str) -> tuple[str, str]:
    """The sort-key range (inclusive, for BETWEEN) of a kind's items over the cycles
    ``first_cycle``..``last_cycle``: ``HW#C0005#`` to ``HW#C0017$`` (``$`` sorts just after
    ``#``, so the last cycle's items are in and the next cycle's are not)."""
    return f"{prefix}{first_cycle}#", f"{prefix}{last_cycle}$"


# -- monthly reports and removals (store/reports.py) -------------------------------------------
# A report is a small header (RPT#, what the message says) plus its rows in a few large
# items (RPR#, every member's line, ~300 KB each), so "the latest report" is one Query of
# the headers alone and a whole report is one GetItem plus one Query. Removals sort by time.

REPORT_PREFIX = "RPT#"
REPORT_ROWS_PREFIX = "RPR#"
REMOVAL_PREFIX = "RM#"


def report_sk(month: str) -> str:
    """The header of the report covering ``month`` (``2026-10``), which is its id."""
    return f"{REPORT_PREFIX}{month}"


def report_rows_sk(month: str, part: int) -> str:
    return f"{REPORT_ROWS_PREFIX}{month}#{part:04d}"


def report_rows_prefix(month: str) -> str:
    return f"{REPORT_ROWS_PREFIX}{month}#"


def removal_sk(at_iso: str, user_id: str) -> str:
    """A member removed after an admin confirmed: when (UTC ISO), who."""
    return f"{REMOVAL_PREFIX}{at_iso}#{user_id}"


# -- role changes (store/roles.py) -------------------------------------------------------------
# One audit item per change of a member's role: when (UTC ISO), who. "ROLE#" begins no other
# prefix and none begins it ("RM#", "RPT#", "RPR#", "RUN#", "RUNX#", "RV#").
ROLE_CHANGE_PREFIX = "ROLE#"


def role_change_sk(at_iso: str, user_id: str, old: str, new: str) -> str:
    """A change of ``user_id``'s role from ``old`` to ``new`` at ``at_iso`` (a command
    time may carry two changes of one member: a revocation and a grant)."""
    return f"{ROLE_CHANGE_PREFIX}{at_iso}#{user_id}#{old}#{new}"


# -- signatures that do not cover the body (store/replay.py) -----------------------------------
SIGNATURE_PREFIX = "SIG#"
SIGNATURE_SK = "BODY"


def signature_pk(platform: str, timestamp: str, signature: str) -> str:
    """A (timestamp, signature) header pair already verified, so both are short: DingTalk's
    timestamp is at most 20 digits and its sign a 44-character base64 digest."""
    return f"{SIGNATURE_PREFIX}{platform}#{timestamp}#{signature}"


# -- admin commands held until confirmed (chat/confirm.py) -------------------------------------
CONFIRM_PREFIX = "CONFIRM#"


def confirm_sk(user_id: str, code: str) -> str:
    """An admin command held for ``user_id`` until they send ``code`` back."""
    return f"{CONFIRM_PREFIX}{user_id}#{code}"


# -- invite codes and allowed workspaces (store/invites.py) -----------------------------------
# One partition for every code the operator issued and every workspace allowed to set up
# without one: ``rollcall invite list`` is one Query of it (a few hundred small items at
# most; codes expire and are deleted by their TTL). Codes are kept by their SHA-256 only.
INVITE_PK = "INVITE"
INVITE_CODE_PREFIX = "CODE#"
INVITE_ALLOW_PREFIX = "ALLOW#"


def invite_code_sk(code_hash: str) -> str:
    return f"{INVITE_CODE_PREFIX}{code_hash}"


def invite_allow_sk(platform: str, workspace: str) -> str:
    return f"{INVITE_ALLOW_PREFIX}{platform}#{workspace}"


# -- settings changed, for the record (features/communities.py) --------------------------------
# One small item per change: who (a user id, or the operator's CLI), when, old -> new. Names a
# member, so it is personal data (PERSONAL_PREFIXES): relabelled when they are forgotten.
AUDIT_PREFIX = "AUD#"


def audit_sk(at_iso: str, field: str) -> str:
    return f"{AUDIT_PREFIX}{at_iso}#{field}"


# -- homework counters outside the member item (store/homework.py) -----------------------------
# Written only by the weekly digest (batch puts: no concurrent writer to undo), so that a
# close costs one request per 25 changed members instead of an UpdateItem on each member.
# "HWM#" begins with no other prefix and none begins with it ("HW#", "HWH#", "HWS#", "HWC#").
HOMEWORK_COUNTERS_PREFIX = "HWM#"


def homework_counters_sk(user_id: str) -> str:
    """A member's strike count and misses in a row, as of the last close that changed them."""
    return f"{HOMEWORK_COUNTERS_PREFIX}{user_id}"


# -- strikes and counters packed in buckets (store/homework.py; issue 19) ----------------------
# A cycle's strikes are STRIKE_BUCKETS items ``HWS#<cycle>$<bb>`` (a map member -> misses in a
# row), the counters COUNTER_BUCKETS items ``HWM$<bb>`` (a map member -> counters); a member's
# bucket is a stable hash of their id (crc32, never Python's salted hash). Neither can be an
# older per-member key: those have "#" where these have "$" ("HWS#<cycle>#<member>",
# "HWM#<member>"), and "$" sorts right after "#", so one Query range reads both shapes: a
# cycle's strikes "HWS#<cycle>#" .. "HWS#<cycle>$\uffff", every counter "HWM#" .. "HWM$\uffff".
# Sized for 100,000 members with 35-character ids (Feishu's): the largest strike bucket is
# ~116 KB with every member struck, the largest counters bucket ~105 KB (7-character ids:
# 30 KB and 62 KB), far under DynamoDB's 400 KB.
STRIKE_BUCKETS = 32
COUNTER_BUCKETS = 64
HOMEWORK_COUNTERS_BUCKET_PREFIX = "HWM$"
# Their "kind" attribute, and the map each packs (erasure removes a member's entry of it).
STRIKE_BUCKET_KIND = "strike-bucket"
COUNTERS_BUCKET_KIND = "hw-counters-bucket"
PACKED_MAPS = {STRIKE_BUCKET_KIND: "strikes", COUNTERS_BUCKET_KIND: "counters"}


def member_bucket(user_id: str, buckets: int) -> int:
    """The member's bucket among ``buckets``: the same in every process and release."""
    return zlib.crc32(user_id.encode("utf-8")) % buckets


def strike_bucket_sk(cycle_id: str, bucket: int) -> str:
    """The strikes of ``cycle_id`` of the members whose bucket is ``bucket``."""
    return f"{STRIKE_PREFIX}{cycle_id}${bucket:02d}"


def cycle_strikes_range(first: str, last: str) -> tuple[str, str]:
    """Sort keys from the strikes of ``first`` to those of ``last``, both shapes (the older
    per-member records and the buckets): one Query."""
    return f"{STRIKE_PREFIX}{first}#", f"{STRIKE_PREFIX}{last}$\uffff"


def counters_bucket_sk(bucket: int) -> str:
    """The homework counters of the members whose bucket is ``bucket``."""
    return f"{HOMEWORK_COUNTERS_BUCKET_PREFIX}{bucket:02d}"


# Every member's counters, both shapes (older "HWM#<member>" items and the buckets).
COUNTERS_RANGE = (HOMEWORK_COUNTERS_PREFIX, HOMEWORK_COUNTERS_BUCKET_PREFIX + "\uffff")


# -- warnings outside the member item (store/reports.py) ---------------------------------------
# The monthly report's warning state as it was kept before the buckets below: one small
# item per member it warned, still read, no longer written. "WRN#" begins no other prefix.
WARNING_PREFIX = "WRN#"


def warning_sk(user_id: str) -> str:
    """A member's warning: the rule and the local date it was given (rule None: cleared)."""
    return f"{WARNING_PREFIX}{user_id}"


# -- warnings packed in buckets (store/reports.py; issue 19) ---------------------------------
# Every member's warning is an entry of a map member -> {rule, at, month} in one of
# WARNING_BUCKETS items ``WRN$<bb>``; a member's bucket is member_bucket(user_id,
# WARNING_BUCKETS) (crc32, the same in every process and release). WARNING_BUCKETS must
# never change in place: readers and writers find a member's entry by it (a new count needs a
# new prefix and a copy). "WRN$" sorts right after "WRN#", so one Query range reads both the
# buckets and the older per-member items (WARNINGS_RANGE). Sized for 100,000 members with
# 35-character ids (Feishu's), every one warned: ~140 KB a bucket, under DynamoDB's 400 KB.
WARNING_BUCKETS = 64
WARNING_BUCKET_PREFIX = "WRN$"
WARNING_BUCKET_KIND = "warning-bucket"
PACKED_MAPS[WARNING_BUCKET_KIND] = "warnings"  # erasure removes a member's entry from it
WARNINGS_RANGE = (WARNING_PREFIX, WARNING_BUCKET_PREFIX + "\uffff")


def warning_bucket_sk(bucket: int) -> str:
    """The warnings of the members whose bucket is ``bucket``."""
    return f"{WARNING_BUCKET_PREFIX}{bucket:02d}"


def member_warning_bucket_sk(user_id: str) -> str:
    """The bucket holding ``user_id``'s warning entry."""
    return warning_bucket_sk(member_bucket(user_id, WARNING_BUCKETS))


# -- the organiser's pages (store/manage.py) -------------------------------------------------
# A sign-in link, by the SHA-256 of its token (the token itself is never stored), single use,
# expiring within minutes. The pages' settings changes are audited like every other
# (``AUD#``, above). "LINK#" begins no other prefix and none begins with it.
SIGNIN_PREFIX = "LINK#"


def signin_sk(token_digest: str) -> str:
    return f"{SIGNIN_PREFIX}{token_digest}"


# -- the monthly goal (store/goals.py) ---------------------------------------------------------
# One prefix per community month holds the goal and every member's progress, so the goal
# board, the digest's goal line and the month-end section are one Query each. "GOAL#" begins
# no other prefix and none begins it; a month is always YYYY-MM, so months never overlap.
GOAL_PREFIX = "GOAL#"


def goal_sk(month: str) -> str:
    """The goal of the community's local month (``2026-12``): title, target, unit, who set
    it and when (and who cleared it, when cleared)."""
    return f"{GOAL_PREFIX}{month}"


def goal_month_prefix(month: str) -> str:
    """The goal and every member's progress of ``month``."""
    return f"{GOAL_PREFIX}{month}"


def goal_progress_sk(month: str, user_id: str) -> str:
    """A member's cumulative progress towards the month's goal."""
    return f"{GOAL_PREFIX}{month}#P#{user_id}"


# -- a leader's /remind of their squad (store/roles.py) ----------------------------------------
# Once per (squad, local date): names the squad, no member; expires after a few days. "SQR#"
# begins no other prefix and none begins it.
SQUAD_REMINDED_PREFIX = "SQR#"


def squad_reminded_sk(day: str, squad: str) -> str:
    """``squad`` was reminded by a leader's /remind on local date ``day`` (``2026-11-23``)."""
    return f"{SQUAD_REMINDED_PREFIX}{day}#{squad}"


# -- the joining ritual (store/ritual.py) ------------------------------------------------------
# A membership's welcome, claimed once whoever sees the newcomer first (their join event or
# the daily roster sync): by user and the local date the membership began. Expires within
# days (the two only race within hours). "WLC#" begins no other prefix and none begins it.
WELCOME_PREFIX = "WLC#"


def welcome_sk(user_id: str, joined: date) -> str:
    return f"{WELCOME_PREFIX}{user_id}#{joined.isoformat()}"


def welcome_member_prefix(user_id: str) -> str:
    """Every welcome claim of one member (their memberships')."""
    return f"{WELCOME_PREFIX}{user_id}#"


# -- members' data rights (store/erasure.py, features/personal_data.py) ------------------------
# Every kind of item a community partition holds besides its META, by sort-key prefix, so a
# member's data is found by Query (no Scan) and a community is purged kind by kind.

RUN_PREFIX = "RUN#"
RUN_REFUSED_PREFIX = "RUNX#"
DUE_ITEM_PREFIX = "DUE#"

# Kinds that may name a member (their user id in the key or in an attribute, or their name).
# -- stars (jobs/post_monthly_stars.py, post_quarterly_stars.py, chat 颁奖) -----------------

STAR_PREFIX = "STAR#"


def stars_sk(period: str) -> str:
    """The stars of one month (``2026-11``) or quarter (``2026-Q4``)."""
    return f"{STAR_PREFIX}{period}"


def hand_award_sk(month: str, at_iso: str) -> str:
    """A hand-picked award given in ``month`` at ``at``."""
    return f"{STAR_PREFIX}{month}#hand#{at_iso}"


# -- the duty rota (store/rota.py) -----------------------------------------------------------
# Who served (is serving) each period, with a pending swap request on the same item, so a
# swap is one conditional UpdateItem; and each period's volunteers. The pick reads the
# history and the period's volunteers with one Query each. Both name a member (personal) and
# are kept for the retention period. "ROTA#" and "ROTV#" begin no other prefix and none
# begins them ("ROLE#", "RM#", "RPT#", "RPR#", "RUN#", "RUNX#", "RV#").
ROTA_PREFIX = "ROTA#"
ROTA_VOLUNTEER_PREFIX = "ROTV#"


def rota_sk(period: str) -> str:
    """Who is on duty for a rota period (``2026-W49``, ``2026-12``), and a swap they asked."""
    return f"{ROTA_PREFIX}{period}"


def rota_volunteer_sk(period: str, user_id: str) -> str:
    """A member who volunteered for a rota period."""
    return f"{ROTA_VOLUNTEER_PREFIX}{period}#{user_id}"


def rota_volunteers_prefix(period: str) -> str:
    return f"{ROTA_VOLUNTEER_PREFIX}{period}#"


# -- recurring sessions (store/sessions.py) ----------------------------------------------------

# An instance's item (speaker, confirmed, topic, recording, cancelled) and each member's
# attendance sort under ``SES#<session id>#<date>``: an instance with all its attendees is one
# Query (paged). "SES#" begins no other prefix and none begins it.
SESSION_PREFIX = "SES#"


def session_instance_sk(session_id: str, day: date) -> str:
    return f"{SESSION_PREFIX}{session_id}#{day.isoformat()}"


def session_attendance_sk(session_id: str, day: date, user_id: str) -> str:
    """One member's attendance of one instance: a conditional put, once per member."""
    return f"{SESSION_PREFIX}{session_id}#{day.isoformat()}#A#{user_id}"


# A cycle's review assignments packed (store/homework.py): the reviewee's entry lives in the
# bucket a stable hash of their id names, one set of buckets per round (M: the digest's
# assignments, L: the late round's, written a cycle later), so a review reads its entry by
# key and the late round never overwrites the main round's.
ASSIGNMENT_BUCKET_PREFIX = "ASP#"
ASSIGNMENT_BUCKETS = 16  # never changed in place: readers find entries by it (a new prefix)


def assignment_bucket(reviewee: str) -> int:
    """The bucket of ``reviewee``'s assignment: the same in every process and release."""
    return crc32(reviewee.encode("utf-8")) % ASSIGNMENT_BUCKETS


def assignment_bucket_sk(cycle_id: str, late_round: bool, bucket: int) -> str:
    return f"{ASSIGNMENT_BUCKET_PREFIX}{cycle_id}#{'L' if late_round else 'M'}#{bucket:02d}"


def cycle_assignment_buckets_prefix(cycle_id: str) -> str:
    return f"{ASSIGNMENT_BUCKET_PREFIX}{cycle_id}#"


PERSONAL_PREFIXES = (
    CHECKIN_PREFIX,
    MAKEUP_PREFIX,
    SUBMISSION_PREFIX,
    SUBMISSION_HISTORY_PREFIX,
    REVIEW_PREFIX,
    ASSIGNMENT_PREFIX,
    STRIKE_PREFIX,
    CYCLE_CLOSE_PREFIX,
    REPORT_PREFIX,
    REPORT_ROWS_PREFIX,
    REMOVAL_PREFIX,
    AUDIT_PREFIX,
    ROLE_CHANGE_PREFIX,
    STAR_PREFIX,
    GOAL_PREFIX,
    ROTA_PREFIX,
    ROTA_VOLUNTEER_PREFIX,
    SESSION_PREFIX,
    ASSIGNMENT_BUCKET_PREFIX,
)

# A member's current state outside the member item (the homework counters, the warning) and
# admin commands held for a code: personal too, but not history with a retention period
# (the counters and the warning live as long as the membership; a held command 10 minutes).
STATE_PREFIXES = (
    HOMEWORK_COUNTERS_PREFIX,
    WARNING_PREFIX,
    CONFIRM_PREFIX,
    SIGNIN_PREFIX,
    WELCOME_PREFIX,
    HOMEWORK_COUNTERS_BUCKET_PREFIX,
    WARNING_BUCKET_PREFIX,
)

# Kinds kept for a retention period only (keys.TTL_ATTRIBUTE), oldest history first to go.
# Not strike records: a member's counters (HWM#) point at their last one, and a record gone
# reads as a strike cleared by late work; they live as long as the membership.
RETAINED_PREFIXES = (
    *(p for p in PERSONAL_PREFIXES if p != STRIKE_PREFIX),
    RUN_PREFIX,
    RUN_REFUSED_PREFIX,
)

# An announcement's text (its schedule is on the community item): read when it is posted.
ANNOUNCEMENT_PREFIX = "ANN#"


def announcement_sk(announcement_id: str) -> str:
    return f"{ANNOUNCEMENT_PREFIX}{announcement_id}"


# Every kind of the partition but META: a purge that finds nothing under these is done.
PARTITION_PREFIXES = (
    MEMBER_PREFIX,
    *RETAINED_PREFIXES,
    STRIKE_PREFIX,
    *STATE_PREFIXES,
    DUE_ITEM_PREFIX,
    SYNC_PREFIX,
    SQUAD_REMINDED_PREFIX,  # no member named; expires by its own TTL within days
    ANNOUNCEMENT_PREFIX,  # the group's announcements' texts; no member named
)


# -- committee positions (store/positions.py) ----------------------------------------------------
# An appointment or a dismissal is audited beside role changes, under "ROLE#" (same retention,
# same erasure): the old and new positions in place of roles, marked so neither reads as one.
def position_change_sk(at_iso: str, user_id: str, old: str | None, new: str | None) -> str:
    """``user_id``'s committee position changed from ``old`` to ``new`` (None: none)."""
    return role_change_sk(at_iso, user_id, f"pos:{old or '-'}", f"pos:{new or '-'}")
