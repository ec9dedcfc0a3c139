"""The organiser's pages' own items: single-use sign-in links.

``C#<cid> / LINK#<sha256 of the token>``: the token itself is never stored, so a copy of the
table signs nobody in. The link is used up by one conditional write (``used_at`` absent), so
two POSTs of the same link, however close, sign in once. It expires after 15 minutes (checked
on use) and the item goes with DynamoDB's TTL.

A change made on the pages is audited like one from chat or the CLI (features/communities.py
``record_changes``: ``AUD#<at>#<field>``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from chalicelib.store import keys
from chalicelib.store.table import Cond, Item, Table

LINK_LIFETIME = timedelta(minutes=15)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def put_signin_link(
    table: Table, community_id: str, user_id: str, token: str, now: datetime, scope: str = ""
) -> datetime:
    """Store a new link's digest for ``user_id``; returns when it expires. ``scope``
    ``self``: the link opens the member's own page only (``我的主页`` / ``/mypage``)."""
    valid_until = now + LINK_LIFETIME
    table.put(
        {
            "pk": keys.community_pk(community_id),
            "sk": keys.signin_sk(token_digest(token)),
            "user_id": user_id,
            **({"scope": scope} if scope else {}),
            "created_at": now.isoformat(),
            "valid_until": valid_until.isoformat(),
            keys.TTL_ATTRIBUTE: int(valid_until.timestamp()) + 3600,
        },
        cond=Cond.absent("pk"),
    )
    return valid_until


def peek_signin_link(table: Table, community_id: str, token: str) -> Item | None:
    """The link's item (used or not), None when there is none: for the GET page only."""
    return table.get(keys.community_pk(community_id), keys.signin_sk(token_digest(token)))


def use_signin_link(
    table: Table, community_id: str, token: str, now: datetime
) -> tuple[str, Item | None]:
    """Use the link up: ``("ok", item)``, or ``("unknown"|"used"|"expired", None)``.

    An expired link is refused without being touched; otherwise one conditional write marks
    it used, so only the first of any number of concurrent uses succeeds.
    """
    pk, sk = keys.community_pk(community_id), keys.signin_sk(token_digest(token))
    item = table.get(pk, sk, consistent=True)
    if item is None:
        return "unknown", None
    if item.get("used_at"):
        return "used", None
    if datetime.fromisoformat(item["valid_until"]) <= now:
        return "expired", None
    used = table.update(
        pk, sk, set={"used_at": now.isoformat()}, cond=Cond.exists("pk") & Cond.absent("used_at")
    )
    if used is None:
        return "used", None
    return "ok", used
