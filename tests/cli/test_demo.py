"""The demo is the first thing a newcomer runs: it must work and be deterministic."""

from __future__ import annotations

from click.testing import CliRunner

from rollcall.cli import main
from rollcall.demo import run_demo


def test_demo_runs_through_the_real_route_and_is_deterministic():
    first = run_demo(seed=3, weeks=1, locale="en", echo=False)
    second = run_demo(seed=3, weeks=1, locale="en", echo=False)
    assert first["members"] == 29  # two late joiners arrive in week two; the ritual's newcomer
    assert first["webhook_requests"] > first["members"]
    assert first["reminders"] == 7
    assert first["session_attendees"] == 3  # the Friday session, announced to summarised
    ignore = {"seconds"}
    assert {k: v for k, v in first.items() if k not in ignore} == {
        k: v for k, v in second.items() if k not in ignore
    }


def test_demo_command_prints_in_the_community_language():
    result = CliRunner().invoke(main, ["demo", "--weeks", "1", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "rollcall 演示" in result.stdout and "打卡提醒" in result.stdout
    # Every event is printed in time order (issue 17), the scenes after the weeks included.
    import re

    stamps = re.findall(r"^\[(\d{4}-\d{2}-\d{2} \d{2}:\d{2})", result.stdout, re.M)
    assert len(stamps) > 20 and stamps == sorted(stamps)
    # The month's goal: set on the 1st, progress reported, the board on Sunday.
    assert "本月目标 读完《原则》 300页" in result.stdout
    assert "进度 +" in result.stdout and "目标榜" in result.stdout
    # the duty rota's hand-over: the turn-over's pick, then a swap the named member accepts
    assert "的值周生是" in result.stdout and "换班成功" in result.stdout
    assert "周五分享会" in result.stdout and "出席 3 人" in result.stdout
