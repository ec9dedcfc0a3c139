"""Every key in the table is built here and nowhere else.

One table holds everything (DESIGN.md section 3). A community's partition ``C#<cid>`` holds
its settings, members, check-ins, homework and job runs, so that "the members of C" or
"who checked in on D" is one Query (paged), never a request per member.
"""

from __future__ import annotations

from datetime import date

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


def event_pk(platform: str, event_id: str) -> str:
    """Inbound delivery ids (Slack event_id, Telegram update_id, ...) for de-duplication."""
    return f"{EVENT_PREFIX}{platform}#{event_id}"


def run_sk(job: str, period: str) -> str:
    return f"RUN#{job}#{period}"


def due_item_sk(job: str) -> str:
    return f"DUE#{job}"


def due_index_pk(job: str, shard: int) -> str:
    return f"DUE#{job}#{shard}"


def community_kind_sk(created_at_iso: str, community_id: str) -> str:
    return f"{created_at_iso}#{community_id}"
