"""How long history is kept: a DynamoDB TTL (keys.TTL_ATTRIBUTE) on the items that record
what members did, so that DynamoDB deletes them (within a few days of expiry, at no cost).

Every writer of a kind of keys.RETAINED_PREFIXES sets it when it writes, for the
community's period (:func:`retention_of`, passed down as ``retention``); items written
before that get it from :func:`backfill`, ``rollcall infra backfill-ttl``. Member items and
the community's settings have none: they live as long as the membership or the community
(``rollcall member forget``, ``rollcall community delete``).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.domain.models import DEFAULT_RETENTION_DAYS
from chalicelib.store import keys
from chalicelib.store.table import Cond, Item, Table

# 13 months: a year of history plus the month the last monthly report compares with. A
# community may keep history longer or shorter (its ``retention_days`` setting): every
# writer is passed :func:`retention_of` its community; this is the default for a caller
# that passes none.
RETENTION_DAYS = DEFAULT_RETENTION_DAYS
RETENTION = timedelta(days=RETENTION_DAYS)


def retention_of(community: Any) -> timedelta:
    """The community's retention period (its setting; the default for one stored before)."""
    return timedelta(days=int(getattr(community, "retention_days", None) or RETENTION_DAYS))


# The attributes that say when an item was written, most telling first.
_WHEN = (
    "at",
    "submitted_at",
    "replaced_at",
    "assigned_at",
    "closed_at",
    "generated_at",
    "claimed_at",
    "finished_at",
    "date",
)


def expires_at(at: datetime, retention: timedelta = RETENTION) -> int:
    """The TTL attribute's value for an item written at ``at`` (epoch seconds)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return int((at + retention).timestamp())


def written_at(item: Item) -> datetime | None:
    """When an item was written, as its own attributes say (None when none does)."""
    for attr in _WHEN:
        value = item.get(attr)
        if not isinstance(value, str) or not value:
            continue
        try:
            if len(value) == 10:
                return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
            return datetime.fromisoformat(value)
        except ValueError:
            continue
    return None


def backfill(
    table: Table, community_id: str, now: datetime, retention: timedelta = RETENTION
) -> dict[str, Any]:
    """Give every retained item of the community that has no TTL one: its own write time
    plus ``retention`` (``now`` when it says none). One Query per kind (paged) and one
    conditional UpdateItem per item without a TTL (UpdateItem cannot be batched, and a
    batched put would overwrite a concurrent change). Resumable: items done are skipped;
    an item whose time has passed expires within days."""
    from chalicelib.store.erasure import kind_of

    pk = keys.community_pk(community_id)
    set_now: Counter[str] = Counter()
    had: Counter[str] = Counter()
    for prefix in keys.RETAINED_PREFIXES:
        for item in table.query(pk, prefix=prefix):
            kind = kind_of(item["sk"])
            if keys.TTL_ATTRIBUTE in item:
                had[kind] += 1
                continue
            expiry = expires_at(written_at(item) or now, retention)
            written = table.update(
                pk,
                item["sk"],
                set={keys.TTL_ATTRIBUTE: expiry},
                cond=Cond.exists("pk") & Cond.absent(keys.TTL_ATTRIBUTE),
                return_new=False,
            )
            if written:
                set_now[kind] += 1
    return {
        "community": community_id,
        "retention_days": retention.days,
        "set": dict(sorted(set_now.items())),
        "already": dict(sorted(had.items())),
    }
