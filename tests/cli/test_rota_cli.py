"""The duty rota from the CLI: ``rollcall rota set|show|history``, the turn-over run by hand
(once per period), bad settings refused in one line, and duty served in the export."""

from __future__ import annotations

import csv
import io
import json

from tests.cli.test_cli import create

MONDAY = "2026-12-07T09:00:00+08:00"


def roster(cli, cid: str, tmp_path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(
        "user_id,name,role,squad,joined_at\n"
        "u1,王芳,owner,A,2026-12-01\n"
        "u2,李娜,member,A,2026-12-01\n",
        encoding="utf-8",
    )
    cli("member", "import", "--community", cid, str(path))


def test_a_rota_set_from_the_cli_turns_over_once_and_shows_in_history_and_export(
    cli,
    tmp_path,
):
    cid = create(cli)
    roster(cli, cid, tmp_path)
    out = cli(
        "rota", "set", "--community", cid, "--period", "week", "--duties", "开早读帖", "--json"
    )
    assert json.loads(out.stdout)["period"] == "week"
    first = json.loads(
        cli("job", "run", "rota", "--community", cid, "--at", MONDAY, "--json").stdout
    )
    assert first["period"] == "2026-W50" and first["status"] == "sent"
    texts = json.dumps(first, ensure_ascii=False)
    assert "开早读帖" in texts and "值周生" in texts
    again = json.loads(
        cli("job", "run", "rota", "--community", cid, "--at", MONDAY, "--json").stdout
    )
    assert again["status"] == "already-done"  # nobody picked twice
    history = json.loads(cli("rota", "history", "--community", cid, "--json").stdout)
    assert [(h["period"], h["user_id"]) for h in history] == [
        ("2026-W50", first["summary"]["on_duty"])
    ]
    shown = cli("rota", "show", "--community", cid, "--at", "2026-12-08T10:00:00+08:00").stdout
    assert "2026-W50 的值周生" in shown
    exported = json.loads(cli("member", "export", "--community", cid, "--json").stdout)
    served = {row["user_id"]: row["duty_served"] for row in exported}
    assert served[first["summary"]["on_duty"]] == 1 and sorted(served.values()) == [0, 1]


def test_bad_rota_settings_are_one_line_and_change_nothing(cli):
    cid = create(cli)
    bad = cli("rota", "set", "--community", cid, "--skip-periods", "99", ok=False)
    assert bad.exit_code != 0 and bad.stderr.strip().startswith("error:")
    assert len(bad.stderr.strip().splitlines()) == 1
    shown = json.loads(cli("rota", "show", "--community", cid, "--json").stdout)
    assert shown["period"] is None and shown["skip_periods"] == 2
    nothing = cli("rota", "set", "--community", cid, ok=False)
    assert nothing.exit_code != 0 and "nothing to change" in nothing.stderr


def test_the_roster_csv_ends_with_position_and_duty_served_and_imports_back(cli, tmp_path):
    """The two columns appended to the export; an import takes the file with them (and
    without them, as before) and ignores them: a file never gives a position or duty."""
    cid = create(cli)
    roster(cli, cid, tmp_path)
    cli("member", "set-position", "--community", cid, "--user", "u2", "学习委员")
    cli("rota", "set", "--community", cid, "--period", "week")
    first = json.loads(
        cli("job", "run", "rota", "--community", cid, "--at", MONDAY, "--json").stdout
    )
    on_duty = first["summary"]["on_duty"]
    text = cli("member", "export", "--community", cid).stdout
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][-2:] == ["position", "duty_served"]
    by_id = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert by_id["u2"]["position"] == "学习委员" and by_id["u1"]["position"] == ""
    assert {uid: row["duty_served"] for uid, row in by_id.items()} == {
        "u1": "1" if on_duty == "u1" else "0",
        "u2": "1" if on_duty == "u2" else "0",
    }
    # an exported file, edited to give u1 a position and more duty, imports back: both
    # columns are ignored, so nothing changes but what the import may change
    u1 = rows[1] if rows[1][0] == "u1" else rows[2]
    u1[3], u1[-2], u1[-1] = "B", "活动委员", "9"
    path = tmp_path / "back.csv"
    path.write_text("\n".join(",".join(row) for row in rows) + "\n", encoding="utf-8")
    result = json.loads(cli("member", "import", "--community", cid, str(path), "--json").stdout)
    assert (result["created"], result["updated"]) == (0, 2)
    again = list(csv.reader(io.StringIO(cli("member", "export", "--community", cid).stdout)))
    after = {row[0]: dict(zip(again[0], row, strict=True)) for row in again[1:]}
    assert after["u1"]["squad"] == "B"  # what an import may change, changed
    assert {uid: (r["position"], r["duty_served"]) for uid, r in after.items()} == {
        uid: (r["position"], r["duty_served"]) for uid, r in by_id.items()
    }
