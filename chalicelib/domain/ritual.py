"""The joining ritual and the nickname format, the pure rules (features/ritual.py does the work).

* A community's welcome text and group rules (入群须知) are templates with three
  placeholders: ``{name}`` (the newcomer), ``{community}`` and ``{link}`` (the community's
  link setting). Anything else in braces is refused in one line (:func:`check_template`).
* An introduction is ``自我介绍 …`` / ``/intro …``, or the newcomer's first ordinary message
  after their welcome of at least :data:`INTRO_MIN_CHARS` characters (a "hi" or "👋" is a
  greeting, not an introduction).
* The nickname format is a regular expression the whole display name must match, with a
  human description (名称-地区-职业) that the prompt shows.

No storage and no clock here: times are passed in.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.models import Community, InvalidValue, Member

PLACEHOLDERS = ("name", "community", "link")
# Characters (after trimming) an ordinary message needs to count as an introduction.
INTRO_MIN_CHARS = 8
# Longest template and nickname pattern accepted: a chat message's worth, and a pattern an
# organiser can still read.
MAX_TEMPLATE_CHARS = 2000
MAX_PATTERN_CHARS = 200


def check_template(text: str, what: str) -> str:
    """``text`` when its placeholders are all known; InvalidValue naming the first that is
    not (or the brace that does not close)."""
    if len(text) > MAX_TEMPLATE_CHARS:
        raise InvalidValue(f"{what} must be at most {MAX_TEMPLATE_CHARS} characters")
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise InvalidValue(
            f"{what} has a brace that does not close; placeholders are "
            + ", ".join("{" + p + "}" for p in PLACEHOLDERS)
        ) from None
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in PLACEHOLDERS or spec or conversion:
            raise InvalidValue(
                f"{what} has an unknown placeholder {{{field}}}; placeholders are "
                + ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            )
    return text


def fill(text: str, *, name: str, community: str, link: str | None) -> str:
    """A checked template with its placeholders filled (a missing link reads as nothing)."""
    return text.format(name=name, community=community, link=link or "")


def check_nickname_pattern(pattern: str) -> str:
    """``pattern`` when it compiles (a bad one: InvalidValue with the compiler's reason)."""
    if not pattern.strip():
        raise InvalidValue("nickname pattern must not be empty")
    if len(pattern) > MAX_PATTERN_CHARS:
        raise InvalidValue(f"nickname pattern must be at most {MAX_PATTERN_CHARS} characters")
    try:
        re.compile(pattern)
    except re.error as error:
        raise InvalidValue(f"nickname pattern does not compile: {error}") from None
    return pattern


def nickname_ok(community: Community, name: str) -> bool:
    """Whether ``name`` follows the community's nickname format (no format: any name)."""
    pattern = community.nickname_pattern
    if not pattern:
        return True
    return re.fullmatch(pattern, name.strip()) is not None


def is_introduction(text: str) -> bool:
    """Whether an ordinary message is long enough to be a newcomer's introduction."""
    return len((text or "").strip()) >= INTRO_MIN_CHARS


def awaits_introduction(member: Member) -> bool:
    """Welcomed by the ritual and not introduced yet: their next long message introduces them."""
    return member.welcomed_at is not None and member.introduced_at is None


def must_accept_rules(community: Community, member: Member) -> bool:
    """The acceptance gate: a community that requires its rules accepted (and has rules)
    gives a member who has not accepted them the rules instead of a check-in. Owners and
    admins, who set the rules, are never gated."""
    return (
        community.require_rules_acceptance
        and bool(community.group_rules)
        and member.rules_accepted_at is None
        and not member.is_admin
    )


def nickname_prompt_due(member: Member, today: date) -> bool:
    """At most one prompt a day: none yet today."""
    return member.nickname_prompted_on != today


@dataclass(frozen=True)
class Pending:
    """A newcomer still owing part of the ritual: what they owe, and since when."""

    member: Member
    welcomed_at: datetime
    accepted: bool
    introduced: bool


def pending_members(
    community: Community, members: Iterable[Member], now: datetime
) -> list[Pending]:
    """Present members welcomed at least ``pending_hours`` ago who have not accepted the
    rules (when the community has rules) or not introduced themselves; oldest first."""
    cutoff = now - timedelta(hours=community.pending_hours)
    rules = bool(community.group_rules)
    found = []
    for m in members:
        if not m.is_present or m.welcomed_at is None or m.welcomed_at > cutoff:
            continue
        accepted = m.rules_accepted_at is not None or not rules
        introduced = m.introduced_at is not None
        if not (accepted and introduced):
            found.append(Pending(m, m.welcomed_at, accepted, introduced))
    return sorted(found, key=lambda p: (p.welcomed_at, p.member.user_id))


def split_nickname_setting(value: str) -> dict[str, Any]:
    """``^.+-.+-.+$ 名称-地区-职业`` (as typed in chat) → the pattern and its description;
    ``off`` clears both. The pattern is the first word (write a space as ``\\s``)."""
    text = value.strip()
    if text.lower() in ("off", "none", "-", "关", "关闭"):
        return {"nickname_pattern": "off", "nickname_format": "off"}
    pattern, _, description = text.partition(" ")
    if not description.strip():
        raise InvalidValue(
            "nickname needs a pattern and its description, e.g. ^.+-.+-.+$ 名称-地区-职业"
        )
    return {"nickname_pattern": pattern, "nickname_format": description.strip()}
