"""The duty rota in the community's partition.

    C#<cid> / ROTA#<period>            who is on duty (user_id, name, how picked, when), and
                                       a pending swap they asked for (swap_to, swap_to_name,
                                       swap_at); swapped_from once a swap took effect
    C#<cid> / ROTV#<period>#<member>   a member who volunteered for the period

The whole served history is one Query of ``ROTA#`` (one item per period, kept for the
retention period: about 57 weeks or 13 months, a page or two); a period's volunteers are one
Query of ``ROTV#<period>#``. A swap rides on the period's item, so accepting one is a single
conditional UpdateItem: it checks who is on duty, who was asked, and the 24-hour window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from chalicelib.store import keys
from chalicelib.store.retention import RETENTION, expires_at
from chalicelib.store.table import Cond, Item, Table

SWAP_FIELDS = ("swap_to", "swap_to_name", "swap_at")


def _iso(at: datetime) -> str:
    """UTC ISO text: comparable as strings, as the swap window's condition compares it."""
    return at.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class Duty:
    period: str
    user_id: str
    name: str
    volunteer: bool = False
    swapped_from: str | None = None
    swap_to: str | None = None
    swap_to_name: str | None = None
    swap_at: datetime | None = None


def duty_of(item: Item) -> Duty:
    swap_at = item.get("swap_at")
    return Duty(
        period=str(item["period"]),
        user_id=str(item["user_id"]),
        name=str(item.get("name") or item["user_id"]),
        volunteer=bool(item.get("volunteer")),
        swapped_from=item.get("swapped_from"),
        swap_to=item.get("swap_to"),
        swap_to_name=item.get("swap_to_name"),
        swap_at=datetime.fromisoformat(swap_at) if swap_at else None,
    )


def put_duty(
    table: Table,
    community_id: str,
    period: str,
    user_id: str,
    name: str,
    *,
    volunteer: bool,
    at: datetime,
    retention: timedelta = RETENTION,
) -> bool:
    """Put a member on duty for ``period``: one PutItem, refused when the period already
    has its member (a turn-over replayed or run twice picks nobody twice)."""
    return table.put(
        {
            "pk": keys.community_pk(community_id),
            "sk": keys.rota_sk(period),
            "period": period,
            "user_id": user_id,
            "name": name,
            "volunteer": volunteer,
            "at": _iso(at),
            keys.TTL_ATTRIBUTE: expires_at(at, retention),
        },
        cond=Cond.absent("pk"),
    )


def get_duty(table: Table, community_id: str, period: str) -> Duty | None:
    item = table.get(keys.community_pk(community_id), keys.rota_sk(period), consistent=True)
    return duty_of(item) if item else None


def duties(table: Table, community_id: str) -> list[Duty]:
    """Every period's duty still kept, oldest first: one Query (paged)."""
    items = table.query(keys.community_pk(community_id), prefix=keys.ROTA_PREFIX)
    return [duty_of(item) for item in items if "user_id" in item]


def add_volunteer(
    table: Table,
    community_id: str,
    period: str,
    user_id: str,
    name: str,
    at: datetime,
    retention: timedelta = RETENTION,
) -> bool:
    """One conditional PutItem; False when the member had volunteered already."""
    return table.put(
        {
            "pk": keys.community_pk(community_id),
            "sk": keys.rota_volunteer_sk(period, user_id),
            "period": period,
            "user_id": user_id,
            "name": name,
            "at": _iso(at),
            keys.TTL_ATTRIBUTE: expires_at(at, retention),
        },
        cond=Cond.absent("pk"),
    )


def volunteers(table: Table, community_id: str, period: str) -> list[str]:
    """The period's volunteers, in the order they offered: one Query."""
    items = table.query(keys.community_pk(community_id), prefix=keys.rota_volunteers_prefix(period))
    return [str(item["user_id"]) for item in sorted(items, key=lambda i: str(i.get("at", "")))]


def ask_swap(
    table: Table,
    community_id: str,
    period: str,
    on_duty: str,
    to: str,
    to_name: str,
    at: datetime,
) -> bool:
    """Record that ``on_duty`` asks ``to`` to take the period (replacing an earlier ask):
    one UpdateItem, refused unless ``on_duty`` is the member on duty for it."""
    return table.update(
        keys.community_pk(community_id),
        keys.rota_sk(period),
        set={"swap_to": to, "swap_to_name": to_name, "swap_at": _iso(at)},
        cond=Cond.eq("user_id", on_duty),
        return_new=False,
    )


def accept_swap(
    table: Table,
    community_id: str,
    period: str,
    by: str,
    by_name: str,
    now: datetime,
    window: timedelta,
) -> Duty | None:
    """``by`` takes the period over: one conditional UpdateItem, refused (None, nothing
    written) unless a swap to ``by`` is pending and was asked less than ``window`` ago by the
    member still on duty. The duty as it stands afterwards."""
    pk, sk = keys.community_pk(community_id), keys.rota_sk(period)
    item = table.get(pk, sk, consistent=True)
    if item is None or "swap_to" not in item:
        return None
    asked_by = str(item["user_id"])  # the write below holds only if they are still on duty
    stored = table.update(
        pk,
        sk,
        set={"user_id": by, "name": by_name, "swapped_from": asked_by, "swapped_at": _iso(now)},
        remove=SWAP_FIELDS,
        cond=Cond.eq("swap_to", by)
        & Cond.eq("user_id", asked_by)
        & Cond.gt("swap_at", _iso(now - window))
        & Cond.le("swap_at", _iso(now)),
    )
    return duty_of(stored) if stored else None
