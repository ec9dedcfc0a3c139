"""Dates and instants at the calendar's edge (years 1 and 9999), as an operator might type
them: one ``error:`` line and nothing written, never a traceback, and never a stored value
that makes a later command or run overflow."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_announce_cli import cid

__all__ = ["cid"]  # the fixture, shared with test_announce_cli.py


@pytest.mark.parametrize(
    "at",
    [
        "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
        "9999-12-31T23:59:59-12:00",  # after 9999 in UTC
        "0001-01-01T00:00:00+00:00",  # the day before it does not exist
        "9999-12-31T23:59:59+00:00",
    ],
)
def test_an_instant_at_the_calendars_edge_is_one_error_line(cli, cid, at):
    expected = f"error: instant {at!r} is out of range: give a year from 1900 to 9998"
    for args in (
        ("job", "run", "daily-reminder", "--community", cid, "--at", at),
        ("job", "run", "monthly-report", "--community", cid, "--at", at),
        ("announce", "list", "--community", cid, "--at", at),
        ("announce", "add", "--community", cid, "--when", "weekly mon 09:00", "--at", at, "x"),
    ):
        out = cli(*args, ok=False)
        assert (out.exit_code, out.stderr.strip()) == (1, expected), args
    assert json.loads(cli("announce", "list", "--community", cid, "--json").stdout) == []


def test_a_session_anchored_at_the_calendars_end_is_refused_and_the_list_still_works(cli, cid):
    """9999-12-31 is a Friday: it was stored, and every later `session list` (and the
    sessions job) overflowed counting the weeks from it."""
    out = cli(
        "session", "add", "--community", cid, "--id", "fri", "--weekday", "fri", "--at", "20:00",
        "--every", "2", "--anchor", "9999-12-31", ok=False,
    )  # fmt: skip
    assert out.exit_code == 1
    assert out.stderr.strip() == "error: anchor must be in the years 1900 to 9998, got 9999-12-31"
    listed = cli("session", "list", "--community", cid)
    assert "fri" not in listed.stdout


def test_an_invite_expiring_on_the_calendars_last_day_is_one_error_line(cli):
    """It works through that day, so it expires the next, and its item is kept a month
    more: both overflowed (a traceback)."""
    for day in ("9999-12-31", "9999-12-01"):
        out = cli("invite", "create", "--expires", day, ok=False)
        assert out.exit_code == 1
        assert out.stderr.strip() == f"error: expires must be in a year up to 9998, got {day!r}"
    assert "9999-" not in cli("invite", "list", "--json").stdout  # nothing written
    assert cli("invite", "create", "--expires", "9998-12-31").exit_code == 0
