"""docs/operator.md's upgrade note, as an organiser runs it: a community created before the
stars keeps its job list; `rollcall community update ID --jobs …` opts it in and schedules
the stars at once, and `rollcall community schedule --all` leaves it alone after."""

from __future__ import annotations

import json

from tests.cli.test_cli import create

OLD_JOBS = "daily-reminder,weekly-digest,monthly-report"


def test_an_older_community_opts_into_the_stars(cli):
    cid = create(cli, "--jobs", OLD_JOBS)
    runs = json.loads(cli("community", "show", cid, "--json").stdout)["next_runs"]
    assert "monthly-stars" not in runs and "quarterly-stars" not in runs
    cli("community", "update", cid, "--jobs", OLD_JOBS + ",monthly-stars,quarterly-stars")
    runs = json.loads(cli("community", "show", cid, "--json").stdout)["next_runs"]
    assert runs["monthly-stars"].endswith("T01:00:00+00:00")  # the 1st, 09:00 in Shanghai
    assert runs["quarterly-stars"].endswith("T01:05:00+00:00")
    assert json.loads(cli("community", "schedule", "--all", "--json").stdout) == {cid: False}
