"""One claim primitive: a conditional write that carries its attempt's own token.

Inbound deliveries (``EVT#…``), job runs (``RUN#…``) and deferred replies (``…/REPLY``) are
all claimed the same way. Each attempt writes a token of its own (a run id, a request id)
into the item it claims, under a condition that says when the item is free.

Why the token: DynamoDB can apply a conditional write and lose its answer (a timeout, a
500). botocore then sends the same request again, and the retry fails its condition
against the item the first try wrote. Read naively, that refusal says "someone else owns
it": a day's reminder would be dropped as "already running" and a member's command as a
"duplicate". So a refused claim asks for the item that stood in its way in the same request
(``ReturnValuesOnConditionCheckFailure=ALL_OLD``, no extra read), and an item that carries
this attempt's own token is ownership, not a conflict.

Tokens are per attempt, never per message: two workers handed the same SQS message at the
same time must not both think they own it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.store.table import Cond, Item, Table


@dataclass(frozen=True)
class Claim:
    """The outcome of a claim: ``owned``, with the item as this attempt left it; or not,
    with the item that stood in the way (None when the write was refused with nothing there,
    which a claim condition never does). ``recovered`` marks ownership learnt from a refusal
    (the first try's answer was lost)."""

    owned: bool
    item: Item | None
    recovered: bool = False

    def __bool__(self) -> bool:
        return self.owned


def claim(
    table: Table,
    pk: str,
    sk: str,
    *,
    owner_attr: str,
    owner: str,
    cond: Cond,
    set: Mapping[str, Any] | None = None,
    set_if_absent: Mapping[str, Any] | None = None,
    add: Mapping[str, int | float] | None = None,
    remove: Iterable[str] = (),
) -> Claim:
    """Write ``set`` plus ``{owner_attr: owner}`` when ``cond`` holds; one UpdateItem."""
    fields = {**(set or {}), owner_attr: owner}
    result = table.update_or_old(
        pk, sk, set=fields, set_if_absent=set_if_absent, add=add, remove=remove, cond=cond
    )
    if result.written:
        return Claim(True, result.item)
    return _refused(result.item, owner_attr, owner)


def claim_new(table: Table, item: Item, *, owner_attr: str, owner: str) -> Claim:
    """Create ``item`` (with its token) unless an item with its key exists; one PutItem."""
    written = table.put({**item, owner_attr: owner}, cond=Cond.absent("pk"), return_old=True)
    if written.written:
        return Claim(True, {**item, owner_attr: owner})
    return _refused(written.old, owner_attr, owner)


def _refused(old: Item | None, owner_attr: str, owner: str) -> Claim:
    if old is not None and old.get(owner_attr) == owner:
        # Our own write: an earlier try of this very request was applied, its answer lost.
        return Claim(True, old, recovered=True)
    return Claim(False, old)
