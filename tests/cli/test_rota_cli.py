"""The duty rota from the CLI: ``rollcall rota set|show|history``, the turn-over run by hand
(once per period), bad settings refused in one line, and duty served in the export."""

from __future__ import annotations

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
