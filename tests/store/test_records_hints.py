"""Items are read back into dataclasses with each field's type taken from its annotation's
text (store/records.py), not by evaluating every annotation (which cost a cold start
several ms): the reading must give what evaluating gives, for every dataclass we have."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import types
import typing
from datetime import UTC, date, datetime

import chalicelib
from chalicelib.domain.models import Community, Member, MemberStatus, Role
from chalicelib.store import records


def _dataclasses() -> list[type]:
    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(chalicelib.__path__, "chalicelib."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if dataclasses.is_dataclass(value) and isinstance(value, type):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return list(found.values())


def _evaluated(cls: type) -> dict[str, typing.Any]:
    hints = typing.get_type_hints(cls)
    out = {}
    for f in dataclasses.fields(cls):
        base = records._base_type(hints[f.name])
        several = typing.get_origin(base) in (typing.Union, types.UnionType)
        out[f.name] = records.SEVERAL if several else base
    return out


def test_every_dataclass_field_reads_as_its_evaluated_annotation():
    checked = 0
    for cls in _dataclasses():
        try:
            expected = _evaluated(cls)
        except NameError:  # an annotation naming a type imported for type checking only
            continue
        assert records._bases(cls) == expected, cls
        checked += 1
    assert checked > 100  # the walk found the code's dataclasses (145 today)


def test_dates_enums_tuples_and_numbers_come_back_typed():
    """The fields a read must convert (ISO strings, enum values, lists, Decimals as ints)."""
    item = records.to_fields(
        Member(
            community_id="c1",
            user_id="u1",
            name="U",
            joined_at=date(2026, 1, 1),
            role=Role.ADMIN,
            status=MemberStatus.ACTIVE,
            last_checkin=date(2026, 11, 22),
            level_at=datetime(2026, 11, 1, 8, 0, tzinfo=UTC),
            points=12,
        )
    )
    item["points"] = 12.0  # what a number may come back as
    back = records.from_fields(Member, {**item, "pk": "C#c1", "sk": "M#u1"})
    assert back.joined_at == date(2026, 1, 1) and back.last_checkin == date(2026, 11, 22)
    assert back.role is Role.ADMIN and back.status is MemberStatus.ACTIVE
    assert back.level_at == datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    assert back.points == 12 and isinstance(back.points, int)
    community = Community(
        id="c1", name="N", platform="console", chat_id="x", level_points=(0, 10, 20)
    )
    again = records.from_fields(Community, records.to_fields(community))
    assert again == community and isinstance(again.level_points, tuple)


def test_community_and_member_are_read_without_evaluating_an_annotation(monkeypatch):
    """The two read on every request's path: none of their fields falls back to
    ``typing.get_type_hints`` (which compiles each annotation on a cold start)."""

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("an annotation was evaluated")

    monkeypatch.setattr(typing, "get_type_hints", refuse)
    for cls in (Community, Member):
        bases = records._bases.__wrapped__(cls)
        assert list(bases) == [f.name for f in dataclasses.fields(cls)]
