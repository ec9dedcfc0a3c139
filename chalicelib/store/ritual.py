"""The joining ritual's writes: each step is one conditional write, so a redelivery, a second
signal of the same join or a race between a join event and the roster sync changes nothing
twice.

* The welcome: a claim item per membership (``WLC#<user>#<joined>``, store/claims.py),
  whoever sees the newcomer first; the member item then notes ``welcomed_at``.
* Accepting the rules, introducing oneself: set once on the member item (never moved).
* The nickname prompt: the member item's ``nickname_prompted_on`` set to today's local
  date, refused when it already says today (at most one prompt a day).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from chalicelib.store import claims, keys
from chalicelib.store.table import Cond, Table

# The join event and the sync race within hours at most (the sync runs daily and sees an
# item the join event wrote): the claim need not outlive two days.
WELCOME_CLAIM_TTL = timedelta(days=2)
# The daily roster sync's owner token: every sync run (a retry, a duplicate delivery that
# plans before its claim) recovers the claims of the one before, since nothing of a sync
# is written until its welcome is out.
SYNC_OWNER = "roster-sync"


def claim_welcome(
    table: Table, community_id: str, user_id: str, joined: date, owner: str, now: datetime
) -> bool:
    """True when this membership's welcome is ``owner``'s to send (one conditional PutItem)."""
    item = {
        "pk": keys.community_pk(community_id),
        "sk": keys.welcome_sk(user_id, joined),
        "user_id": user_id,
        "claimed_at": now.isoformat(),
        keys.TTL_ATTRIBUTE: int((now + WELCOME_CLAIM_TTL).timestamp()),
    }
    return claims.claim_new(table, item, owner_attr="welcomed_by", owner=owner).owned


def note_welcomed(table: Table, community_id: str, user_id: str, now: datetime) -> bool:
    """The member item notes the welcome (for /pending and the introduction)."""
    return table.update(
        keys.community_pk(community_id),
        keys.member_sk(user_id),
        set={"welcomed_at": now.isoformat()},
        cond=Cond.exists("pk"),
        return_new=False,
    )


def _set_once(table: Table, community_id: str, user_id: str, attr: str, now: datetime) -> bool:
    return table.update(
        keys.community_pk(community_id),
        keys.member_sk(user_id),
        set={attr: now.isoformat()},
        cond=Cond.exists("pk") & Cond.absent(attr),
        return_new=False,
    )


def accept_rules(table: Table, community_id: str, user_id: str, now: datetime) -> bool:
    """True the first time; False when accepted already (nothing changes)."""
    return _set_once(table, community_id, user_id, "rules_accepted_at", now)


def record_introduction(table: Table, community_id: str, user_id: str, now: datetime) -> bool:
    """True the first time; False when introduced already (nothing changes)."""
    return _set_once(table, community_id, user_id, "introduced_at", now)


def claim_nickname_prompt(table: Table, community_id: str, user_id: str, today: date) -> bool:
    """True when no prompt went to this member on local date ``today`` yet, now noted."""
    day = today.isoformat()
    return table.update(
        keys.community_pk(community_id),
        keys.member_sk(user_id),
        set={"nickname_prompted_on": day},
        cond=Cond.exists("pk")
        & (Cond.absent("nickname_prompted_on") | Cond.ne("nickname_prompted_on", day)),
        return_new=False,
    )
