"""Invite codes: what an operator hands an organiser so that a group can set itself up.

A code reads ``RC-XXXX-XXXX-XXXX``: 12 characters from an alphabet without look-alikes (no
0/O, 1/I/L, no U), about 59 bits drawn by ``secrets``, so guessing one through the webhook
is hopeless and a leaked table of hashes cannot be reversed. Only the code's SHA-256 is
stored; the operator sees the code once, when it is made. Members type codes any way they
like (lower case, spaces, no dashes): :func:`normalise_code` reads them back.

Pure: no storage, no clock (``now`` is passed in).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from chalicelib.domain.models import InvalidValue, parse_platform

ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
GROUPS = 3
GROUP_SIZE = 4
PREFIX = "RC"
# The id an operator reads and revokes by: the start of the code's hash (never the code).
ID_LENGTH = 10
MAX_USES = 1000
_TYPED = re.compile(r"[^A-Z0-9]")


def new_code() -> str:
    """A fresh code, e.g. ``RC-7KQM-X2PA-9HWD``."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_SIZE))
    groups = [chars[i : i + GROUP_SIZE] for i in range(0, len(chars), GROUP_SIZE)]
    return "-".join([PREFIX, *groups])


def normalise_code(typed: str) -> str | None:
    """The code as issued from what a member typed (``rc 7kqm x2pa 9hwd``), or None when it
    cannot be one (wrong length or a character outside the alphabet)."""
    text = _TYPED.sub("", (typed or "").upper())
    if text.startswith(PREFIX) and len(text) == len(PREFIX) + GROUPS * GROUP_SIZE:
        text = text[len(PREFIX) :]
    if len(text) != GROUPS * GROUP_SIZE or any(c not in ALPHABET for c in text):
        return None
    groups = [text[i : i + GROUP_SIZE] for i in range(0, len(text), GROUP_SIZE)]
    return "-".join([PREFIX, *groups])


def setup_code_and_name(text: str) -> tuple[str, str]:
    """``/setup``'s words read as ``(code, name)``. The code is the first words only when
    they read as one (:func:`normalise_code`: any case, with spaces as members type it,
    ``rc 7kqm x2pa 9hwd``), or a first word that starts like one (``RC-…``: a mistyped code,
    answered as a bad code, never taken for a name); else there is no code and every word is
    the name (``/setup My Group`` in a workspace allowed to set up without one)."""
    words = (text or "").split()
    for count in range(1, min(len(words), 1 + GROUPS + 1) + 1):
        typed = " ".join(words[:count])
        if normalise_code(typed) is not None:
            return typed, " ".join(words[count:])
    if words and words[0].upper().startswith(PREFIX + "-"):
        return words[0], " ".join(words[1:])
    return "", " ".join(words)


def code_hash(code: str) -> str:
    """What is stored: the SHA-256 of the normalised code (hex). Codes carry ~59 random
    bits, so an unsalted hash is as strong as the code (no dictionary to try)."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def code_id(hashed: str) -> str:
    return hashed[:ID_LENGTH]


def parse_uses(value: int) -> int:
    if not isinstance(value, int) or not 1 <= value <= MAX_USES:
        raise InvalidValue(f"uses must be between 1 and {MAX_USES}, got {value!r}")
    return value


def parse_expiry(value: str, now: datetime) -> datetime:
    """``2027-01-31``: the code works through that day (UTC), so it expires at the start of
    the next. Refused when that is already past."""
    try:
        day = date.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise InvalidValue(f"expires must be a date like 2027-01-31, got {value!r}") from None
    if day.year > 9998:  # its item outlives it by a month (store/invites.py): no overflow
        raise InvalidValue(f"expires must be in a year up to 9998, got {value!r}")
    until = datetime.combine(day + timedelta(days=1), time(0), UTC)
    if until <= now:
        raise InvalidValue(f"expires {value} is already past")
    return until


@dataclass(frozen=True)
class Invite:
    """A stored code as the operator lists it (its hash, never the code)."""

    hashed: str
    uses_left: int
    uses: int
    valid_until: datetime
    platform: str | None = None
    created_at: datetime | None = None

    @property
    def id(self) -> str:
        return code_id(self.hashed)

    def usable(self, platform: str, now: datetime) -> bool:
        return (
            self.uses_left > 0
            and now < self.valid_until
            and (self.platform is None or self.platform == platform)
        )


def check_platform(value: str | None) -> str | None:
    return None if value is None else parse_platform(value)


def check_workspace(value: str) -> str:
    text = (value or "").strip()
    if not text or len(text) > 128 or "#" in text or any(c.isspace() for c in text):
        raise InvalidValue(f"workspace must be the platform's workspace/tenant id, got {value!r}")
    return text
