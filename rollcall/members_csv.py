"""The member CSV: ``user_id,name,role,squad,joined_at[,username]``, header row first.
An export adds ``points``, ``level``, ``position`` (the committee position held) and
``duty_served`` (periods served on the duty rota), in that order at the end. They are
read-only: an import accepts a file with or without them and ignores them. Points and duty
are earned, never imported; a position grants admin commands, so it is given only by the
owner (``rollcall member set-position`` or chat, audited), never by a file: an import keeps each
known member's position as it is.

Parsing is pure and strict: a bad row fails the whole import with its line number, before
anything is written, so an operator never ends up with half a roster.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from chalicelib.domain import csvsafe
from chalicelib.domain.models import InvalidValue, Member, Role, parse_role

REQUIRED_COLUMNS = ("user_id", "name", "role", "squad", "joined_at")
OPTIONAL_COLUMNS = ("username",)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
EXPORT_COLUMNS = (*COLUMNS, "points", "level", "position", "duty_served")


class CsvError(ValueError):
    """A CSV the importer refuses, with the line number where it went wrong."""


@dataclass(frozen=True)
class Row:
    line: int
    user_id: str
    name: str
    role: str
    squad: str | None
    joined_at: date
    username: str | None


def parse_rows(text: str) -> list[Row]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    wanted = f"{','.join(REQUIRED_COLUMNS)} ({', '.join(OPTIONAL_COLUMNS)} optional)"
    if not header:
        raise CsvError(f"the file is empty: its first line must be the header {wanted}")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise CsvError(f"line 1: missing column(s) {', '.join(missing)}; the header is {wanted}")
    reader.fieldnames = header
    rows: list[Row] = []
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if None in record:
            raise CsvError(f"line {line}: more fields than the header has")
        if None in record.values() and any(record.values()):
            given = sum(v is not None for v in record.values())
            raise CsvError(f"line {line}: {given} fields, the header has {len(header)}")
        # Stripped, then the quote an export put before a formula-like cell removed.
        values = {k: csvsafe.uncell((v or "").strip()) for k, v in record.items()}
        if not any(values.values()):
            continue  # a blank line
        user_id = values["user_id"]
        if not user_id:
            raise CsvError(f"line {line}: user_id is empty")
        if user_id in seen:
            raise CsvError(f"line {line}: user_id {user_id!r} repeats line {seen[user_id]}")
        seen[user_id] = line
        try:
            role = parse_role(values["role"] or "member").value
        except InvalidValue as error:
            raise CsvError(f"line {line}: {error}") from None
        try:
            joined = date.fromisoformat(values["joined_at"])
        except ValueError:
            raise CsvError(
                f"line {line}: joined_at must be an ISO date like 2026-11-01, "
                f"got {values['joined_at']!r}"
            ) from None
        rows.append(
            Row(
                line=line,
                user_id=user_id,
                name=values["name"] or user_id,
                role=role,
                squad=values["squad"] or None,
                joined_at=joined,
                username=values.get("username") or None,
            )
        )
    return rows


def merge(community_id: str, rows: Iterable[Row], existing: dict[str, Member]) -> list[Member]:
    """Members to write: new ones from their row; known ones keep their history (streaks,
    strikes, activity) and take the row's name, role, squad, joined date and username."""
    out = []
    for row in rows:
        known = existing.get(row.user_id)
        role = parse_role(row.role)
        source = _role_source(known, role)
        if known is None:
            out.append(
                Member(
                    community_id=community_id,
                    user_id=row.user_id,
                    name=row.name,
                    role=role,
                    role_source=source,
                    squad=row.squad,
                    joined_at=row.joined_at,
                    username=row.username,
                )
            )
        else:
            out.append(
                replace(
                    known,
                    name=row.name,
                    role=role,
                    role_source=source,
                    squad=row.squad,
                    joined_at=row.joined_at,
                    username=row.username,
                )
            )
    return out


def _role_source(known: Member | None, role: Role) -> str | None:
    """Where the row's role comes from (domain/roles.py): the CSV when it sets one, unless it
    repeats the role the member holds (an export imported back keeps each role's source,
    so a platform admin stays the platform's); a new plain member's is left unset."""
    if known is not None and known.role is role:
        return known.role_source
    if known is None and role is Role.MEMBER:
        return None
    return "csv"


def render(
    members: Iterable[Member],
    level: Callable[[Member], str] | None = None,
    served: Mapping[str, int] | None = None,
) -> str:
    """The roster as CSV; formula-like cells are quoted (chalicelib/domain/csvsafe.py) and
    :func:`parse_rows` removes that quote again, so an export imports back unchanged.
    ``level`` names a member's level (the community's ladder); else its number. ``served``:
    member id → periods served on the duty rota (absent: 0)."""
    served = served or {}
    return csvsafe.render(
        EXPORT_COLUMNS,
        (
            (
                m.user_id,
                m.name,
                m.role.value,
                m.squad or "",
                m.joined_at.isoformat() if m.joined_at else "",
                m.username or "",
                str(m.points),
                level(m) if level else str(m.level),
                m.position or "",
                served.get(m.user_id, 0),
            )
            for m in members
        ),
    )
