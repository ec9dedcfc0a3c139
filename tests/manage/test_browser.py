"""The organiser's pages in a real browser: headless Chromium (Selenium) against
``rollcall serve`` on 127.0.0.1, with seeded data, the link made by ``rollcall manage link``.

Screenshots of each page are written under the test's tmp_path (printed at the end) so a
reviewer can look at them. Skipped, with one line on how to install a browser, where there
is none; a failure instead under CI=1 / ROLLCALL_REQUIRE_BROWSER=1 (tests/manage/conftest.py).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from chalicelib.domain.models import Community, Member, Role
from chalicelib.jobs.scheduling import schedule_community
from chalicelib.store import checkins
from chalicelib.store.manage import put_signin_link
from rollcall.cli import main
from rollcall.serve import run_server

pytestmark = pytest.mark.browser


@dataclass
class Served:
    url: str
    shots: Path

    def link(self, community_id: str, user_id: str) -> str:
        """A sign-in link, made as an operator would: ``rollcall manage link``."""
        answer = CliRunner().invoke(
            main, ["manage", "link", "--community", community_id, "--user", user_id]
        )
        assert answer.exit_code == 0, answer.output
        found = re.search(r"http://\S+", answer.stdout)
        assert found and found.group(0).startswith(self.url + "/manage/")
        return found.group(0)


def _seed(today: date, now: datetime) -> None:
    from rollcall.context import open_store

    with open_store() as store:
        store.create_community(
            Community(
                id="c1",
                name="Morning Readers",
                platform="console",
                chat_id="room-1",
                timezone="UTC",
                locale="en",
                reminder_time="21:00",
            )
        )
        store.create_community(
            Community(id="c2", name="Other", platform="console", chat_id="room-2", timezone="UTC")
        )
        people = [
            ("boss", "Olivia Owner", Role.OWNER, "red", 0),
            ("amy", "Amy", Role.MEMBER, "red", 1),
            ("bob", "Bob", Role.MEMBER, "blue", 12),
            ("cat", "Cat", Role.LEADER, "blue", 40),
            ("dan", "Dan", Role.MEMBER, "red", 3),
        ]
        store.bulk_save_members(
            [
                Member(
                    "c1",
                    uid,
                    name,
                    role=role,
                    squad=squad,
                    joined_at=date(2026, 1, 1),
                    last_active=today - timedelta(days=ago),
                    current_streak=max(0, 10 - ago),
                )
                for uid, name, role, squad, ago in people
            ]
        )
        store.save_member(Member("c2", "zed", "Zed", role=Role.ADMIN))
        # 12 weeks of check-ins: Amy every day, Dan most days, Bob now and then.
        for back in range(84):
            day = today - timedelta(days=back)
            who = ["amy"] + (["dan"] if back % 4 else []) + (["bob"] if back % 5 == 0 else [])
            for uid in who:
                checkins.record_checkin(store.table, "c1", uid, day, now)
        schedule_community(store.table, store.get_community("c1"), now)


@pytest.fixture
def served(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[Served]:
    stop = threading.Event()
    started = threading.Event()
    urls: list[str] = []
    errors: list[BaseException] = []

    def ready(url: str) -> None:
        urls.append(url)
        started.set()

    def serve() -> None:
        try:
            run_server(port=0, fresh=True, tick_seconds=3600, stop=stop, ready=ready)
        except BaseException as error:
            errors.append(error)
            started.set()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert started.wait(20), "the server did not start"
    if errors:
        raise errors[0]
    now = datetime.now(UTC)
    _seed(now.date(), now)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    try:
        yield Served(urls[0], shots)
    finally:
        stop.set()
        thread.join(15)
        with capsys.disabled():
            print(f"\nscreenshots: {shots}")


def shoot(driver, served: Served, name: str) -> None:  # type: ignore[no-untyped-def]
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1280, max(700, min(int(height) + 40, 4000)))
    assert driver.save_screenshot(str(served.shots / f"{name}.png"))


def go(driver, element) -> None:  # type: ignore[no-untyped-def]
    """Click a link or button and wait until the next page has replaced this one."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(driver, 15).until(expected_conditions.staleness_of(page))
    WebDriverWait(driver, 15).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def visit(driver, url: str) -> None:  # type: ignore[no-untyped-def]
    """Open ``url`` and wait until its page (ours: it has a <main>) is there."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    WebDriverWait(driver, 15).until(lambda d: d.find_elements(By.TAG_NAME, "main"))


def sign_in(driver, link: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    visit(driver, link)
    go(driver, driver.find_element(By.ID, "continue"))


def test_an_organiser_signs_in_reads_the_pages_and_moves_the_reminder(browser, served):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver = browser
    link = served.link("c1", "boss")
    # Opening the link (what a chat app's preview does, too) signs nobody in.
    visit(driver, link)
    assert driver.find_element(By.ID, "continue").text == "Continue"
    assert "Olivia Owner" in driver.page_source
    shoot(driver, served, "signin")
    visit(driver, served.url + "/manage/c1")
    assert "Sign in first" in driver.page_source
    sign_in(driver, link)
    assert driver.current_url == served.url + "/manage/c1"
    cookie = driver.get_cookie("rollcall_manage")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/manage"

    # Overview: tiers, today's check-ins, the 12-week heatmap, the weekly rate, next posts.
    cells = driver.find_elements(By.CSS_SELECTOR, "#heatmap rect.day")
    assert 78 <= len(cells) <= 84
    counts = [int(c.get_attribute("data-count")) for c in cells]
    assert max(counts) == 3 and min(counts) >= 1  # Amy every day; Dan and Bob on some
    assert len(driver.find_elements(By.CSS_SELECTOR, "#rate rect.week")) == 12
    today = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#today li")]
    assert today == ["Amy", "Bob"]  # day 0: Amy, Bob (0 % 5), not Dan (0 % 4)
    tier = {
        td.get_attribute("data-tier"): int(td.text)
        for td in driver.find_elements(By.CSS_SELECTOR, "td[data-tier]")
    }
    assert tier["active"] == 3 and tier["quiet"] == 1 and tier["inactive"] == 1
    assert "Daily reminder" in driver.page_source
    shoot(driver, served, "overview")

    # Members: sort, filter, search.
    go(driver, driver.find_element(By.LINK_TEXT, "Members"))

    def names() -> list[str]:
        return [td.text for td in driver.find_elements(By.CSS_SELECTOR, "#members td.name")]

    assert names() == ["Amy", "Bob", "Cat", "Dan", "Olivia Owner"]
    go(driver, driver.find_element(By.ID, "sort-streak"))
    go(driver, driver.find_element(By.ID, "sort-streak"))  # again: descending
    assert names()[:3] == ["Olivia Owner", "Amy", "Dan"]  # streaks 10, 9, 7
    Select(driver.find_element(By.ID, "squad")).select_by_value("blue")
    go(driver, driver.find_element(By.ID, "apply"))
    assert sorted(names()) == ["Bob", "Cat"]
    Select(driver.find_element(By.ID, "squad")).select_by_value("")
    Select(driver.find_element(By.ID, "tier")).select_by_value("inactive")
    go(driver, driver.find_element(By.ID, "apply"))
    assert names() == ["Cat"]
    Select(driver.find_element(By.ID, "tier")).select_by_value("")
    box = driver.find_element(By.ID, "q")
    box.clear()
    box.send_keys("o")
    go(driver, driver.find_element(By.ID, "apply"))
    assert sorted(names()) == ["Bob", "Olivia Owner"]
    visit(driver, served.url + "/manage/c1/members")
    shoot(driver, served, "members")

    go(driver, driver.find_element(By.LINK_TEXT, "Homework"))
    assert driver.find_elements(By.CSS_SELECTOR, "section.cycle")
    shoot(driver, served, "homework")

    go(driver, driver.find_element(By.LINK_TEXT, "At risk"))
    risk = {
        tr.find_element(By.CSS_SELECTOR, "td.name").text: tr.text
        for tr in driver.find_elements(By.CSS_SELECTOR, "#risk tbody tr")
    }
    assert list(risk) == ["Cat"] and "would be warned (rule silent)" in risk["Cat"]
    shoot(driver, served, "risk")

    go(driver, driver.find_element(By.LINK_TEXT, "Runs"))
    assert "No job has run yet." in driver.page_source
    shoot(driver, served, "runs")

    # Settings: a bad value comes back beside its field; a good one moves the reminder.
    go(driver, driver.find_element(By.LINK_TEXT, "Settings"))
    before = driver.find_element(By.ID, "next-reminder").text
    assert before.endswith("21:00")
    field = driver.find_element(By.ID, "reminder_time")
    field.clear()
    field.send_keys("7pm")
    go(driver, driver.find_element(By.ID, "save"))
    assert "must be HH:MM" in driver.find_element(By.ID, "reminder_time-error").text
    shoot(driver, served, "settings-refused")
    field = driver.find_element(By.ID, "reminder_time")
    field.clear()
    field.send_keys("06:45")
    go(driver, driver.find_element(By.ID, "save"))
    assert driver.find_element(By.ID, "saved").text == "Saved."
    deadline = time.monotonic() + 15
    while not driver.find_element(By.ID, "next-reminder").text.endswith("06:45"):
        # The worker reschedules on the queue message the page sent (at once, in serve).
        assert time.monotonic() < deadline, driver.find_element(By.ID, "next-reminder").text
        time.sleep(0.3)
        driver.refresh()
    shoot(driver, served, "settings")
    go(driver, driver.find_element(By.LINK_TEXT, "Audit"))
    assert "reminder_time: 21:00 → 06:45" in driver.page_source
    shoot(driver, served, "audit")

    # The other language, on request.
    go(driver, driver.find_element(By.ID, "lang"))
    assert "操作记录" in driver.page_source
    go(driver, driver.find_element(By.LINK_TEXT, "概览"))
    assert "成员活跃度" in driver.page_source
    shoot(driver, served, "overview-zh")


def test_the_browser_is_refused_what_it_must_not_open(browser, served):
    from selenium.webdriver.common.by import By

    from rollcall.context import open_store

    driver = browser
    # A link used twice.
    link = served.link("c1", "boss")
    sign_in(driver, link)
    assert driver.current_url == served.url + "/manage/c1"
    driver.delete_all_cookies()
    visit(driver, link)
    assert "used already" in driver.page_source
    assert not driver.find_elements(By.ID, "continue")
    shoot(driver, served, "refused-reused")

    # An expired link (made 16 minutes ago) and a link for someone no longer an admin.
    with open_store() as store:
        put_signin_link(
            store.table, "c1", "boss", "old-token", datetime.now(UTC) - timedelta(minutes=16)
        )
        demoted = served.link("c1", "boss")
        boss = store.get_member("c1", "boss")
        store.save_member(replace(boss, role=Role.MEMBER))
    visit(driver, served.url + "/manage/c1/signin?t=old-token")
    assert "expired" in driver.page_source
    sign_in(driver, demoted)
    assert "Only owners and admins" in driver.page_source
    assert driver.get_cookie("rollcall_manage") is None
    with open_store() as store:
        store.save_member(boss)

    # A forged cookie.
    sign_in(driver, served.link("c1", "boss"))
    value = driver.get_cookie("rollcall_manage")["value"]
    payload, signature = value.split(".")
    driver.delete_all_cookies()
    visit(driver, served.url + "/manage/c1/signin")  # on the site, to set its cookie
    forged = payload[:-3] + ("A" if payload[-3] != "A" else "B") + payload[-2:]
    driver.add_cookie(
        {"name": "rollcall_manage", "value": f"{forged}.{signature}", "path": "/manage"}
    )
    visit(driver, served.url + "/manage/c1/members")
    assert "Sign in first" in driver.page_source and "Amy" not in driver.page_source
    shoot(driver, served, "refused-forged")

    # Signed in to c1, another community's URL opens nothing.
    driver.delete_all_cookies()
    sign_in(driver, served.link("c1", "boss"))
    assert "Morning Readers" in driver.page_source
    for path in ("/manage/c2", "/manage/c2/members", "/manage/no-such"):
        visit(driver, served.url + path)
        assert "Sign in first" in driver.page_source, path
        assert "Zed" not in driver.page_source and "Other" not in driver.page_source
    shoot(driver, served, "refused-cross-community")


def test_a_chinese_communitys_settings_page_refuses_in_chinese(browser, served):
    """c2 speaks zh-CN: a bad value comes back beside its field in Chinese, never in the
    validator's English; nothing is saved."""
    from selenium.webdriver.common.by import By

    from rollcall.context import open_store

    driver = browser
    sign_in(driver, served.link("c2", "zed"))
    go(driver, driver.find_element(By.LINK_TEXT, "设置"))
    for name, typed in (("reminder_time", "晚上七点"), ("grace_days", "99")):
        field = driver.find_element(By.ID, name)
        field.clear()
        field.send_keys(typed)
    go(driver, driver.find_element(By.ID, "save"))
    assert driver.find_element(By.ID, "reminder_time-error").text.startswith("提醒时间要写成 HH:MM")
    grace = driver.find_element(By.ID, "grace_days-error").text
    assert grace == "新人宽限要写 0 到 60 之间的天数。"
    assert "must be" not in driver.page_source and "请修改下面标出的项" in driver.page_source
    shoot(driver, served, "settings-refused-zh")
    with open_store() as store:
        c2 = store.get_community("c2")
    assert c2.reminder_time != "晚上七点" and c2.grace_days != 99


def test_the_delivery_log_from_the_runs_page_and_through_its_pages(browser, served):
    """25 reminder runs, one with two refused direct messages: the runs page links a run to
    its row on the delivery log, which shows 20 a page, newest first, and pages on."""
    from selenium.webdriver.common.by import By

    from chalicelib.store import runs
    from rollcall.context import open_store

    now = datetime.now(UTC)
    job, lease = "daily-reminder", timedelta(minutes=5)
    with open_store() as store:
        t = store.table
        for back in range(25):
            period = (now.date() - timedelta(days=back)).isoformat()
            run_id = f"r-{period}"
            runs.claim_run(t, "c1", job, period, now, lease=lease, run_id=run_id)
            runs.record_part(t, "c1", job, period, 0, f"msg-{back}", run_id)
            for index in (1, 2, 3):
                if back == 3 and index != 2:
                    runs.record_refused(t, "c1", job, period, run_id, [index], at=now)
                runs.record_part(t, "c1", job, period, index, "", run_id, keep_id=False)
            runs.finish_run(t, "c1", job, period, now, run_id, parts=4)
    driver = browser
    sign_in(driver, served.link("c1", "boss"))
    go(driver, driver.find_element(By.LINK_TEXT, "Runs"))
    refused_day = (now.date() - timedelta(days=3)).isoformat()
    go(driver, driver.find_element(By.LINK_TEXT, refused_day))
    assert driver.current_url.endswith(f"/manage/c1/delivery?job=daily-reminder#run-{refused_day}")
    rows = driver.find_elements(By.CSS_SELECTOR, "#delivery tbody tr")
    assert len(rows) == 20
    assert rows[0].get_attribute("data-period") == now.date().isoformat()
    row = driver.find_element(By.ID, f"run-{refused_day}")
    assert row.find_element(By.CSS_SELECTOR, "td.direct").text == "1"
    assert row.find_element(By.CSS_SELECTOR, "td.refused").text == "2\nparts #2, #4"
    assert "msg-3" in row.find_element(By.CSS_SELECTOR, "td.group").text
    visit(driver, served.url + "/manage/c1/delivery")  # the top of the page, for the eye
    shoot(driver, served, "delivery")
    go(driver, driver.find_element(By.ID, "older"))
    assert len(driver.find_elements(By.CSS_SELECTOR, "#delivery tbody tr")) == 5
    assert not driver.find_elements(By.ID, "older")
    go(driver, driver.find_element(By.ID, "lang"))
    assert "发送记录" in driver.page_source and "群内消息" in driver.page_source
    shoot(driver, served, "delivery-zh-older")


def test_a_member_opens_their_own_page_and_nothing_else(browser, served):
    """Amy (a member) signs in with her own link (what 我的主页 / /mypage sends): her month
    of check-ins, her figures; the admin pages and another community refuse her."""
    from selenium.webdriver.common.by import By

    from chalicelib.features.manage import issue_member_link
    from rollcall.context import open_store

    with open_store() as store:
        amy = store.get_member("c1", "amy")
        token = issue_member_link(store, store.get_community("c1"), amy, datetime.now(UTC))
    driver = browser
    visit(driver, f"{served.url}/manage/c1/signin?t={token}")
    assert "your own page" in driver.page_source
    go(driver, driver.find_element(By.ID, "continue"))
    assert driver.current_url == served.url + "/manage/c1/me"
    today = datetime.now(UTC).date()
    checked = [
        td.get_attribute("data-date")
        for td in driver.find_elements(By.CSS_SELECTOR, "#calendar td.day.in")
    ]
    assert checked == [
        today.replace(day=d).isoformat() for d in range(1, today.day + 1)
    ]  # Amy checks in every day
    assert driver.find_element(By.ID, "my-streak").text.startswith("Streak:")
    assert [a.text for a in driver.find_elements(By.CSS_SELECTOR, "nav a")] == ["My page"]
    shoot(driver, served, "my-page")
    go(driver, driver.find_element(By.ID, "prev-month"))
    assert len(driver.find_elements(By.CSS_SELECTOR, "#calendar td.day.in")) >= 28
    go(driver, driver.find_element(By.ID, "lang"))
    assert "我的数据" in driver.page_source and "连续打卡" in driver.page_source
    shoot(driver, served, "my-page-zh")
    for path in ("/manage/c1", "/manage/c1/members", "/manage/c1/settings", "/manage/c2/me"):
        visit(driver, served.url + path)
        assert "Amy" not in driver.page_source and "Bob" not in driver.page_source, path
        assert "your own page only" in driver.page_source or "Sign in first" in driver.page_source


def test_an_organiser_types_the_group_rules_in_a_textarea_and_they_are_saved(browser, served):
    """The joining ritual's rules, several lines typed into the settings page's textarea
    (the browser sends them with CR LF), saved as typed with the gate switched on, audited."""
    from selenium.webdriver.common.by import By

    from rollcall.context import open_store

    driver = browser
    sign_in(driver, served.link("c1", "boss"))
    go(driver, driver.find_element(By.LINK_TEXT, "Settings"))
    rules = driver.find_element(By.ID, "group_rules")
    assert rules.tag_name == "textarea"
    rules.send_keys("1. Be kind, {name}\n2. Check in every day")
    gate = driver.find_element(By.ID, "require_rules_acceptance")
    gate.clear()
    gate.send_keys("on")
    go(driver, driver.find_element(By.ID, "save"))
    assert driver.find_element(By.ID, "saved").text == "Saved."
    shown = driver.find_element(By.ID, "group_rules").get_attribute("value")
    assert shown == "1. Be kind, {name}\n2. Check in every day"
    shoot(driver, served, "settings-group-rules")
    with open_store() as store:
        c1 = store.get_community("c1")
    assert c1.group_rules == "1. Be kind, {name}\n2. Check in every day"
    assert c1.require_rules_acceptance is True
    go(driver, driver.find_element(By.LINK_TEXT, "Audit"))
    assert "group_rules: - → 1. Be kind, {name}" in driver.page_source
