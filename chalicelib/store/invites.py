"""Invite codes and allowed workspaces, in the one ``INVITE`` partition (keys.py).

Costs: issuing a code is one PutItem; listing one Query of the partition (never a Scan);
using a code one conditional UpdateItem: the use count goes down by one only while it is
above zero and the code unexpired, so two groups racing for a code's last use cannot both
have it (DynamoDB applies conditional writes to one item one after the other). A use that
turns out not to be needed (the chat was bound meanwhile) is given back with one more.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

from chalicelib.domain.invites import Invite, code_hash
from chalicelib.store import claims, keys
from chalicelib.store.table import Cond, Item, Table

# DynamoDB deletes a code this long after it expired (a used-up code lingers as long, so
# `invite list` shows it as used for a while).
KEEP_AFTER_EXPIRY = timedelta(days=30)


def _invite(item: Item) -> Invite:
    return Invite(
        hashed=item["sk"][len(keys.INVITE_CODE_PREFIX) :],
        uses_left=int(item.get("uses_left", 0)),
        uses=int(item.get("uses", 0)),
        valid_until=datetime.fromisoformat(item["valid_until"]),
        platform=item.get("platform"),
        created_at=datetime.fromisoformat(item["created_at"]) if item.get("created_at") else None,
    )


def put_invite(
    table: Table,
    code: str,
    *,
    uses: int,
    valid_until: datetime,
    platform: str | None,
    now: datetime,
) -> Invite:
    hashed = code_hash(code)
    item: Item = {
        "pk": keys.INVITE_PK,
        "sk": keys.invite_code_sk(hashed),
        "uses": uses,
        "uses_left": uses,
        "valid_until": valid_until.isoformat(),
        "created_at": now.isoformat(),
        keys.TTL_ATTRIBUTE: int((valid_until + KEEP_AFTER_EXPIRY).timestamp()),
    }
    if platform:
        item["platform"] = platform
    if not table.put(item, cond=Cond.absent("pk")):  # 59 random bits: never in practice
        raise RuntimeError("invite code collision; issue another")
    return _invite(item)


def list_invites(table: Table) -> Iterator[Invite]:
    """Every code kept, oldest hash first: one Query of the invite partition."""
    for item in table.query(keys.INVITE_PK, prefix=keys.INVITE_CODE_PREFIX):
        yield _invite(item)


def find_invites(table: Table, id_prefix: str) -> list[Invite]:
    """The codes whose id starts with ``id_prefix`` (one Query: sort keys begin with it)."""
    prefix = keys.invite_code_sk(id_prefix.strip().lower())
    return [_invite(item) for item in table.query(keys.INVITE_PK, prefix=prefix)]


def delete_invite(table: Table, hashed: str) -> bool:
    return table.delete(keys.INVITE_PK, keys.invite_code_sk(hashed), cond=Cond.exists("pk"))


def use_invite(table: Table, code: str, platform: str, now: datetime) -> Invite | None:
    """Take one use of the code: the invite as it stands after, or None when the code is
    unknown, revoked, used up, expired or for another platform (nothing changed then).

    One conditional UpdateItem decides, so that of two groups racing for the last use
    exactly one wins; the platform is checked in the same condition.
    """
    cond = (
        Cond.exists("pk")
        & Cond.gt("uses_left", 0)
        & Cond.gt("valid_until", now.isoformat())
        & (Cond.absent("platform") | Cond.eq("platform", platform))
    )
    # Marked with this attempt's own token (store/claims.py): a retry of a write whose
    # answer was lost is refused by the condition, and must still read as this use.
    taken = claims.claim(
        table,
        keys.INVITE_PK,
        keys.invite_code_sk(code_hash(code)),
        owner_attr="last_use",
        owner=uuid.uuid4().hex,
        add={"uses_left": -1},
        set={"last_used_at": now.isoformat()},
        cond=cond,
    )
    return _invite(taken.item) if taken.owned and taken.item is not None else None


def give_back(table: Table, code: str) -> None:
    """Return a use taken by :func:`use_invite` that was not needed after all."""
    table.update(
        keys.INVITE_PK,
        keys.invite_code_sk(code_hash(code)),
        add={"uses_left": 1},
        cond=Cond.exists("pk"),
        return_new=False,
    )


def allow_workspace(table: Table, platform: str, workspace: str, now: datetime) -> None:
    table.put(
        {
            "pk": keys.INVITE_PK,
            "sk": keys.invite_allow_sk(platform, workspace),
            "platform": platform,
            "workspace": workspace,
            "created_at": now.isoformat(),
        }
    )


def disallow_workspace(table: Table, platform: str, workspace: str) -> bool:
    return table.delete(
        keys.INVITE_PK, keys.invite_allow_sk(platform, workspace), cond=Cond.exists("pk")
    )


def workspace_allowed(table: Table, platform: str, workspace: str | None) -> bool:
    if not workspace:
        return False
    return table.get(keys.INVITE_PK, keys.invite_allow_sk(platform, workspace)) is not None


def list_allowed(table: Table) -> list[Item]:
    return list(table.query(keys.INVITE_PK, prefix=keys.INVITE_ALLOW_PREFIX))
