"""A signature that does not cover the body, bound to the first body it arrived with.

DingTalk signs only ``timestamp + "\\n" + secret``: anyone who saw one request's headers
could send any other body with them while the timestamp is within the hour DingTalk allows.
The first body a (timestamp, sign) pair arrives with is kept as its SHA-256 digest in
``SIG#<platform>#<timestamp>#<sign>`` / ``BODY``, by one conditional PutItem that passes
when the pair is new or comes again with the same body (a redelivery, which the event's own
de-duplication then recognises). Any other body with that pair is refused.

The item expires through the table's TTL once the pair's window is over (DynamoDB deletes
late, never early, and a pair past its window is refused by the timestamp check anyway).
"""

from __future__ import annotations

import hashlib

from chalicelib.store import keys
from chalicelib.store.table import Cond, Table


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def bind_signature(
    table: Table, platform: str, timestamp: str, signature: str, body: bytes, *, expires_at: int
) -> bool:
    """True when ``body`` is the first, or the same, body the pair came with; False when
    the pair already carried another body (nothing is written then). ``expires_at`` is
    when the pair can no longer pass the timestamp check (epoch seconds)."""
    digest = body_digest(body)
    item = {
        "pk": keys.signature_pk(platform, timestamp, signature),
        "sk": keys.SIGNATURE_SK,
        "body_sha256": digest,
        keys.TTL_ATTRIBUTE: expires_at,
    }
    return table.put(item, cond=Cond.absent("pk") | Cond.eq("body_sha256", digest))
