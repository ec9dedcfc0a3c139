"""The organiser's pages through the real Chalice routes (chalice.test.Client), no browser:
sign-in by link and every refusal, the session cookie, CSRF, the pages' data and the
settings form. These run everywhere; tests/manage/test_browser.py drives a real browser.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from chalice.test import Client

import app
from chalicelib.clock import FixedClock
from chalicelib.config import Settings
from chalicelib.domain.models import MemberStatus, Role
from chalicelib.features import manage as feature
from chalicelib.jobs.scheduling import schedule_community
from chalicelib.manage import session as sessions
from chalicelib.queue import MemoryQueue
from chalicelib.runtime import set_runtime
from chalicelib.store import checkins, keys
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.chat.queued import run_worker
from tests.helpers import community, member, runtime

# 2026-11-23 13:00 in Shanghai (a Monday).
NOW = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class Site:
    def __init__(self) -> None:
        self.store = Store(MemoryTable())
        self.store.create_community(community(reminder_time="21:00"))
        self.store.create_community(community(id="c2", name="Other Group", chat_id="chat-2"))
        self.store.bulk_save_members(
            [
                member("boss", name="Boss", role=Role.OWNER),
                member(
                    "amy", name="Amy", squad="red", current_streak=5, last_active=date(2026, 11, 22)
                ),
                member(
                    "bob", name="Bob", squad="blue", current_streak=2, last_active=date(2026, 11, 1)
                ),
                member("eve", name='=HYPERLINK("http://x")', squad="red"),
            ]
        )
        self.store.save_member(member("boss2", community_id="c2", name="Boss2", role=Role.ADMIN))
        # The same person runs both: a cookie of c2 names an admin of c1 too.
        self.store.save_member(member("boss", community_id="c2", name="Boss", role=Role.ADMIN))
        for day in range(1, 15):
            checkins.record_checkin(self.store.table, "c1", "amy", date(2026, 11, day), NOW)
        checkins.record_checkin(self.store.table, "c1", "bob", date(2026, 11, 23), NOW)
        schedule_community(self.store.table, self.store.get_community("c1"), NOW)
        self.rt, self.sent = runtime(self.store, NOW)
        self.rt.queue = MemoryQueue()
        self.client = Client(app.app)

    def at(self, when: datetime) -> None:
        self.rt.clock = FixedClock(when)

    def link(self, user: str = "boss", cid: str = "c1") -> str:
        c = self.store.get_community(cid)
        return feature.issue_link(
            self.store, c, self.store.get_member(cid, user), self.rt.clock.now()
        )

    def get(self, path: str, cookie: str = ""):
        return self.client.http.get(path, headers={"Cookie": cookie} if cookie else {})

    def post(self, path: str, body: dict[str, str], cookie: str = ""):
        from urllib.parse import urlencode

        headers = {**FORM, **({"Cookie": cookie} if cookie else {})}
        return self.client.http.post(path, body=urlencode(body), headers=headers)

    def sign_in(self, user: str = "boss", cid: str = "c1") -> str:
        answer = self.post(f"/manage/{cid}/signin", {"t": self.link(user, cid)})
        assert answer.status_code == 303, answer.body
        return answer.headers["Set-Cookie"].split(";")[0]

    def open_settings(self) -> tuple[str, str, list]:
        """The owner signed in with c1's settings form open: the session cookie, the form's
        CSRF token and every item of the table as it was then (what a refusal must leave)."""
        cookie = self.sign_in()
        csrf = csrf_of(text(self.get("/manage/c1/settings", cookie)))
        return cookie, csrf, self.store.table.all_items()

    def seed_members(self, count: int) -> None:
        """``count`` more members (``m0000``…) in c1, for the tests that a page's cost does
        not grow with the roster."""
        self.store.bulk_save_members([member(f"m{i:04d}", name=f"M {i}") for i in range(count)])


@pytest.fixture
def site():
    built = Site()
    set_runtime(built.rt)
    yield built
    set_runtime(None)


def text(answer) -> str:
    return answer.body.decode()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


# -- sign-in by link ------------------------------------------------------------------------


def test_opening_the_link_shows_continue_and_uses_nothing_up(site):
    token = site.link()
    for _ in range(3):  # a chat app's preview fetch, then the admin's own click, ...
        shown = site.get(f"/manage/c1/signin?t={token}")
        assert shown.status_code == 200
        assert 'id="continue"' in text(shown) and "Set-Cookie" not in shown.headers
    stored = site.store.table.query(keys.community_pk("c1"), prefix=keys.SIGNIN_PREFIX)
    (item,) = list(stored)
    assert "used_at" not in item and token not in json.dumps(item)  # only its digest is kept
    answer = site.post("/manage/c1/signin", {"t": token})
    assert answer.status_code == 303 and answer.headers["Location"] == "/manage/c1"


def test_the_cookie_is_httponly_lax_scoped_and_secure_outside_local(site):
    answer = site.post("/manage/c1/signin", {"t": site.link()})
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/manage" in cookie
    assert "Max-Age=14400" in cookie and "Secure" not in cookie  # local: plain http
    site.rt.settings = replace(
        site.rt.settings,
        stage="prod",
        secrets={"ROLLCALL_MANAGE_SECRET": "k" * 40},
        public_url="https://rc.example/api",  # API Gateway's stage path
    )
    deployed = site.post("/manage/c1/signin", {"t": site.link()})
    assert "; Secure" in deployed.headers["Set-Cookie"]
    assert "Path=/api/manage;" in deployed.headers["Set-Cookie"]
    assert deployed.headers["Location"] == "/api/manage/c1"


def test_a_link_works_once(site):
    token = site.link()
    assert site.post("/manage/c1/signin", {"t": token}).status_code == 303
    again = site.post("/manage/c1/signin", {"t": token})
    assert again.status_code == 410 and "Set-Cookie" not in again.headers
    assert "used already" in text(again)
    assert "was used" not in text(site.get(f"/manage/c1/signin?t={token}x"))
    assert site.get(f"/manage/c1/signin?t={token}").status_code == 410


def test_two_racing_uses_of_a_link_sign_in_once(site):
    """Both read the link unused; the conditional write lets only one use it up."""
    from chalicelib.store import manage as links

    token = site.link()
    table = site.store.table
    unused = links.peek_signin_link(table, "c1", token)
    assert links.use_signin_link(table, "c1", token, NOW)[0] == "ok"

    class Stale:  # the second request read the item before the first one wrote
        def __getattr__(self, name):
            return getattr(table, name)

        def get(self, pk, sk, consistent=False):
            return dict(unused)

    assert links.use_signin_link(Stale(), "c1", token, NOW) == ("used", None)


def test_a_link_expires_after_15_minutes_and_is_refused_untouched(site):
    token = site.link()
    site.at(NOW + timedelta(minutes=15, seconds=1))
    assert site.get(f"/manage/c1/signin?t={token}").status_code == 410
    late = site.post("/manage/c1/signin", {"t": token})
    assert late.status_code == 410 and "expired" in text(late)
    assert "Set-Cookie" not in late.headers
    site.at(NOW + timedelta(minutes=14))
    assert site.post("/manage/c1/signin", {"t": site.link()}).status_code == 303


def test_only_owners_and_admins_get_a_link_and_a_demoted_admin_cannot_use_theirs(site):
    with pytest.raises(feature.NotAnAdmin):
        site.link("amy")
    token = site.link("boss")
    site.store.save_member(replace(site.store.get_member("c1", "boss"), role=Role.MEMBER))
    refused = site.post("/manage/c1/signin", {"t": token})
    assert refused.status_code == 403 and "Set-Cookie" not in refused.headers


def test_a_link_of_one_community_signs_nobody_into_another(site):
    token = site.link("boss", "c1")
    assert site.get(f"/manage/c2/signin?t={token}").status_code == 404
    assert site.post("/manage/c2/signin", {"t": token}).status_code == 404
    assert site.post("/manage/c1/signin", {"t": token}).status_code == 303  # still unused


def test_an_unknown_token_or_community_says_nothing_about_existence(site):
    known = site.get("/manage/c1/signin?t=nope")
    unknown = site.get("/manage/no-such/signin?t=nope")
    assert known.status_code == unknown.status_code == 404
    assert text(known) == text(unknown).replace("no-such", "c1")


# -- the session ------------------------------------------------------------------------------


def test_pages_without_a_session_are_refused_alike_for_any_community(site):
    for path in ("/manage/c1", "/manage/c1/members", "/manage/no-such", "/manage/no-such/runs"):
        answer = site.get(path)
        assert answer.status_code == 403, path
        assert "Study Group" not in text(answer) and "Amy" not in text(answer)
    assert text(site.get("/manage/c1")) == text(site.get("/manage/no-such")).replace(
        "no-such", "c1"
    )


def test_a_forged_or_expired_cookie_is_refused(site):
    cookie = site.sign_in()
    assert site.get("/manage/c1", cookie).status_code == 200
    name, value = cookie.split("=", 1)
    payload, signature = value.split(".")
    other = sessions.make_cookie_value(b"not the key", "c1", "boss", "owner", NOW)
    forged = [
        f"{name}={payload}.{signature[:-2]}AA",  # signature changed
        f"{name}={other}",  # signed with another key
        f"{name}={payload.replace('b', 'c', 1)}.{signature}",  # payload changed
        f"{name}=garbage",
    ]
    for bad in forged:
        answer = site.get("/manage/c1/members", bad)
        assert answer.status_code == 403 and "Amy" not in text(answer), bad
    site.at(NOW + sessions.SESSION_LIFETIME + timedelta(seconds=1))
    assert site.get("/manage/c1", cookie).status_code == 403


def test_another_communitys_cookie_opens_nothing_here(site):
    """Even for someone who is an admin of both: a session is one community's."""
    theirs = site.sign_in("boss", "c2")
    assert site.get("/manage/c2", theirs).status_code == 200
    for path in ("/manage/c1", "/manage/c1/members", "/manage/c1/members?format=csv"):
        answer = site.get(path, theirs)
        assert answer.status_code == 403 and "Amy" not in text(answer), path
    csrf = csrf_of(text(site.get("/manage/c2/settings", theirs)))
    changed = site.post("/manage/c1/settings", {"csrf": csrf, "reminder_time": "06:00"}, theirs)
    assert changed.status_code == 403
    assert site.store.get_community("c1").reminder_time == "21:00"


def test_every_page_checks_the_role_again(site):
    cookie = site.sign_in()
    site.store.save_member(replace(site.store.get_member("c1", "boss"), role=Role.MEMBER))
    answer = site.get("/manage/c1/members", cookie)
    assert answer.status_code == 403 and "Amy" not in text(answer)


def test_sign_out_needs_the_forms_token_and_clears_the_cookie(site):
    cookie = site.sign_in()
    assert site.post("/manage/c1/signout", {}, cookie).status_code == 403
    csrf = csrf_of(text(site.get("/manage/c1", cookie)))
    out = site.post("/manage/c1/signout", {"csrf": csrf}, cookie)
    assert out.status_code == 200 and "Max-Age=0" in out.headers["Set-Cookie"]


def test_without_a_key_a_deployed_stage_signs_nobody_in(site):
    site.rt.settings = Settings(stage="prod")  # no ROLLCALL_MANAGE_SECRET
    token = site.link()
    assert site.post("/manage/c1/signin", {"t": token}).status_code == 503
    assert site.get("/manage/c1").status_code == 503


# -- the pages --------------------------------------------------------------------------------


def test_overview_shows_tiers_today_heatmap_rate_and_next_posts(site):
    cookie = site.sign_in()
    site.store.table.requests.clear()
    page = text(site.get("/manage/c1", cookie))
    assert "Scan" not in site.store.table.requests
    assert site.store.table.requests.get("GetItem", 0) <= 3  # community, member: no per-member
    assert 'id="heatmap"' in page and page.count('class="day"') == 11 * 7 + 1  # Mon 23rd
    assert 'data-date="2026-11-10" data-count="1"' in page
    assert 'data-date="2026-11-23" data-count="1"' in page
    assert re.search(r'<ul class="names" id="today"><li>Bob</li></ul>', page)
    # Amy active yesterday, Bob 22 days ago, the others never: by the community's tiers
    assert 'data-tier="active">1<' in page and 'data-tier="quiet">1<' in page
    assert 'data-tier="inactive">2<' in page
    assert "Daily reminder: <time>Mon 2026-11-23 21:00</time>" in page
    assert page.count('class="week"') == 12


def test_the_pages_speak_the_communitys_language_or_the_one_asked_for(site):
    cookie = site.sign_in()
    assert "Members by tier" in text(site.get("/manage/c1", cookie))
    chinese = text(site.get("/manage/c1?lang=zh-CN", cookie))
    assert "成员活跃度" in chinese and 'lang="zh-CN"' in chinese
    assert "/manage/c1/members?lang=zh-CN" in chinese  # the choice follows the links
    site.store.update_community(site.store.get_community("c1"), locale="zh-CN")
    assert "成员活跃度" in text(site.get("/manage/c1", cookie))


def test_members_sort_filter_search(site):
    cookie = site.sign_in()

    def names(query: str) -> list[str]:
        page = text(site.get(f"/manage/c1/members{query}", cookie))
        return re.findall(r'<td class="name"><a href="[^"]*">([^<]*)</a></td>', page)

    assert names("") == ["=HYPERLINK(&quot;http://x&quot;)", "Amy", "Bob", "Boss"]
    assert names("?sort=streak&desc=1")[:2] == ["Amy", "Bob"]
    assert names("?squad=red") == ["=HYPERLINK(&quot;http://x&quot;)", "Amy"]
    assert names("?q=bo") == ["Bob", "Boss"]
    assert names("?tier=active&sort=name") == ["Amy"]
    assert names("?tier=inactive&sort=name&desc=1") == ["Boss", "=HYPERLINK(&quot;http://x&quot;)"]
    assert names("?sort=nonsense") == names("")


def test_members_csv_export_is_guarded_against_formula_injection(site):
    cookie = site.sign_in()
    answer = site.get("/manage/c1/members?format=csv&squad=red", cookie)
    assert answer.headers["Content-Type"].startswith("text/csv")
    lines = text(answer).splitlines()
    assert lines[0].startswith("name,user_id,role,squad")
    assert lines[1].startswith('"\'=HYPERLINK(""http://x"")",eve,')
    assert len(lines) == 3


def test_runs_page_lists_the_run_ledger(site):
    from chalicelib.store import runs

    runs.claim_run(
        site.store.table,
        "c1",
        "daily-reminder",
        "2026-11-22",
        NOW,
        lease=timedelta(minutes=5),
        run_id="r1",
    )
    # Four parts: the group post, two direct messages, one the platform refused.
    table = site.store.table
    runs.record_part(table, "c1", "daily-reminder", "2026-11-22", 0, "m-0", "r1")
    runs.record_part(table, "c1", "daily-reminder", "2026-11-22", 1, "", "r1", keep_id=False)
    runs.record_refused(table, "c1", "daily-reminder", "2026-11-22", "r1", [2], at=NOW)
    runs.record_part(table, "c1", "daily-reminder", "2026-11-22", 3, "", "r1", keep_id=False)
    runs.finish_run(
        table, "c1", "daily-reminder", "2026-11-22", NOW + timedelta(seconds=3), "r1", parts=4
    )
    runs.record_skip(site.store.table, "c1", "weekly-digest", "C0007", NOW, "late by 3:00:00")
    cookie = site.sign_in()
    page = text(site.get("/manage/c1/runs", cookie))
    assert "2026-11-22" in page and "3.0 s" in page and 'class="status-done"' in page
    assert "late by 3:00:00" in page and "Weekly digest" in page
    assert '<td class="n">4/4</td><td class="n">1 / 2 / 1</td>' in page


def test_homework_shows_each_cycle_with_its_work_and_reviews(site):
    from chalicelib.domain.homework import Work, cycles_of
    from chalicelib.store import homework

    c = site.store.get_community("c1")
    cycles = cycles_of(c)
    current = cycles.cycle_of(NOW)
    this, last = cycles.cycle_id(current), cycles.cycle_id(current - 1)
    work = Work("https://notes.example/amy", "")
    homework.save_submission(
        site.store.table,
        "c1",
        last,
        "amy",
        name="Amy",
        work=work,
        at=NOW,
        late=False,
        previous=None,
    )
    homework.save_submission(
        site.store.table,
        "c1",
        last,
        "bob",
        name="Bob",
        work=Work(None, "<b>my essay</b>"),
        at=NOW,
        late=True,
        previous=None,
    )
    homework.save_review(
        site.store.table, "c1", last, "amy", "bob", text="good", score=4, at=NOW, assigned=True
    )
    cookie = site.sign_in()
    page = text(site.get("/manage/c1/homework", cookie))
    assert page.index(f'id="{this}"') < page.index(f'id="{last}"')  # newest first
    section = page[page.index(f'id="{last}"') :]
    assert "submitted 2 (1 late), missing 2; reviews done 1" in section  # Boss and Eve missed
    assert '<a href="https://notes.example/amy" rel="noopener noreferrer">' in section
    assert "&lt;b&gt;my essay&lt;/b&gt; <em>(late)</em>" in section  # escaped, never markup
    assert "missing open" in page[page.index(f'id="{this}"') : page.index(f'id="{last}"')]


def test_at_risk_lists_who_the_next_report_would_warn(site):
    site.store.save_member(
        member(
            "sam", name="Silent Sam", last_active=date(2026, 10, 1), observed_since=date(2026, 1, 1)
        )
    )
    cookie = site.sign_in()
    before = site.store.table.all_items()
    page = text(site.get("/manage/c1/risk", cookie))
    assert site.store.table.all_items() == before  # a preview: nothing stored
    rows = re.findall(r'<td class="name">([^<]*)</td>.*?<td>([^<]*)</td></tr>', page)
    outcomes = dict(rows)
    # 53 days silent: past the default rule's 30 days; removal needs an earlier warning
    assert outcomes["Silent Sam"] == "would be warned (rule silent)"
    assert "Amy" not in outcomes and "Boss" not in outcomes  # active; an owner


def test_at_risk_shows_the_last_reports_with_their_rates_and_a_chart(site):
    """Issue 27: At risk ends with the last monthly reports (their headers, one Query):
    members by tier, the check-in and homework rates, and a bar per month."""
    from chalicelib.domain.inactivity import Rate, ReportSummary
    from chalicelib.store import reports

    for month, done in (("2026-09", 30), ("2026-10", 45)):
        summary = ReportSummary(
            community_id="c1",
            month=month,
            as_of=date(2026, int(month[5:]) + 1, 1),
            generated_at=NOW - timedelta(days=40 if month == "2026-09" else 10),
            counts={"active": 3, "quiet": 1, "inactive": 0, "new": 0, "on_leave": 0},
            previous_counts=None,
            checkins=Rate(done, 60),
            homework=Rate(2, 4),
            homework_cycles=1,
            lists={},
            removal_enabled=False,
        )
        site.store.table.put(reports._header_item(summary, 0))
    cookie = site.sign_in()
    page = text(site.get("/manage/c1/risk", cookie))
    table = page[page.index('id="reports"') :]
    rows = re.findall(r"<tr><td>(\d{4}-\d{2})</td>", table)
    assert rows == ["2026-10", "2026-09"]  # newest first
    assert '<td class="n">75%</td><td class="n">50%</td>' in table  # 45/60, 2/4
    bars = re.findall(r'data-month="([^"]+)" data-rate="([^"]+)"', page)
    assert bars == [("2026-09", "0.500"), ("2026-10", "0.750")]  # oldest to newest
    zh = text(site.get("/manage/c1/risk?lang=zh-CN", cookie))
    assert "最近的月度报告" in zh and "打卡率" in zh


def test_at_risk_without_a_report_says_so(site):
    cookie = site.sign_in()
    assert "No monthly report yet." in text(site.get("/manage/c1/risk", cookie))


# -- settings ---------------------------------------------------------------------------------


def test_a_setting_changed_is_validated_written_audited_and_rescheduled(site):
    cookie = site.sign_in()
    form = text(site.get("/manage/c1/settings", cookie))
    assert "Next reminder: Mon 2026-11-23 21:00" in form
    answer = site.post(
        "/manage/c1/settings", {"csrf": csrf_of(form), "reminder_time": "20:30"}, cookie
    )
    assert answer.status_code == 303
    assert site.store.get_community("c1").reminder_time == "20:30"
    (entry,) = site.store.table.query(keys.community_pk("c1"), prefix=keys.AUDIT_PREFIX)
    assert (entry["by"], entry["field"], entry["old"], entry["new"]) == (
        "boss",
        "reminder_time",
        "21:00",
        "20:30",
    )
    run_worker(site.rt, site.rt.queue, NOW)  # the worker reschedules (queued by the page)
    assert "Next reminder: Mon 2026-11-23 20:30" in text(site.get("/manage/c1/settings", cookie))
    audit = text(site.get("/manage/c1/audit", cookie))
    assert "<td>Boss</td><td>reminder_time: 21:00 → 20:30</td>" in audit


def test_the_audit_page_lists_removals_role_changes_and_the_months_make_ups(site):
    """Issue 27, Audit: removals with who confirmed them, role and position changes, and
    this month's make-ups with who recorded them, beside the settings changes."""
    from chalicelib.features.roles import set_member_role
    from chalicelib.store import reports

    table = site.store.table
    reports.record_removal(
        table,
        "c1",
        user_id="gone",
        name="Gone Gus",
        rule="silent",
        report="2026-10",
        confirmed_by="boss",
        at=NOW - timedelta(days=20),
        platform="by_hand",
    )
    set_member_role(site.store, "c1", "amy", Role.LEADER, source="chat", by="boss", now=NOW)
    checkins.record_checkin(
        table, "c1", "bob", date(2026, 11, 20), NOW, makeup=True, recorded_by="boss"
    )
    cookie = site.sign_in()
    page = text(site.get("/manage/c1/audit", cookie))
    removals = page[page.index('id="removals"') :]
    assert "<td>Gone Gus</td><td>silent</td><td>2026-10</td><td>Boss</td>" in removals
    roles = page[page.index('id="roles"') :]
    assert "<td>Amy</td><td>member → leader</td><td>Boss</td>" in roles
    makeups = page[page.index('id="makeups"') :]
    assert "<td>2026-11-20</td><td>Bob</td><td>Boss</td>" in makeups
    assert "Make-ups in 2026-11" in page
    zh = text(site.get("/manage/c1/audit?lang=zh-CN", cookie))
    assert "移除记录" in zh and "角色与班委变更" in zh and "2026-11 补卡记录" in zh


def test_a_bad_value_comes_back_next_to_its_field_and_nothing_is_written(site):
    cookie, csrf, before = site.open_settings()
    answer = site.post(
        "/manage/c1/settings",
        {"csrf": csrf, "reminder_time": "25:00", "grace_days": "3"},
        cookie,
    )
    page = text(answer)
    assert answer.status_code == 400
    assert re.search(
        r'<input id="reminder_time" name="reminder_time" value="25:00"[^>]*>'
        r'<span class="error" id="reminder_time-error">reminder time must be HH:MM',
        page,
    )
    assert site.store.table.all_items() == before and site.rt.queue.drain() == []
    # A combination the validator refuses (the last call before the reminder) too.
    combo = site.post("/manage/c1/settings", {"csrf": csrf, "last_call_time": "20:00"}, cookie)
    assert combo.status_code == 400 and 'id="last_call_time-error"' in text(combo)
    assert site.store.table.all_items() == before


def test_a_refusal_on_a_chinese_page_is_said_in_chinese(site):
    """The validator's one line is English (what the CLI prints); a zh-CN community's page
    shows, next to the field, what the setting takes in Chinese, and the English page the
    validator's own words. A combined rule names the setting it judged (the last call)."""
    c = site.store.get_community("c1")
    site.store.update_community(c, locale="zh-CN")
    cookie, csrf, before = site.open_settings()
    answer = site.post(
        "/manage/c1/settings", {"csrf": csrf, "reminder_time": "7pm", "grace_days": "99"}, cookie
    )
    page = text(answer)
    assert answer.status_code == 400
    assert (
        '<span class="error" id="reminder_time-error">提醒时间要写成 HH:MM（24 小时制），如 20:30。'
        in page
    )
    assert '<span class="error" id="grace_days-error">新人宽限要写 0 到 60 之间的天数。' in page
    assert "must be" not in page and "请修改下面标出的项" in page
    combo = site.post("/manage/c1/settings", {"csrf": csrf, "last_call_time": "20:00"}, cookie)
    combo = text(combo)
    assert '<span class="error" id="last_call_time-error">最后提醒要写成 HH:MM，并且' in combo
    # The same refusal on the page asked for in English: the validator's words.
    english = text(
        site.post("/manage/c1/settings?lang=en", {"csrf": csrf, "grace_days": "99"}, cookie)
    )
    assert "grace days must be between 0 and 60, got 99" in english
    assert site.store.table.all_items() == before


def test_a_settings_post_without_the_sessions_token_changes_nothing(site):
    cookie = site.sign_in()
    other = site.sign_in()  # another session of the same admin: another token
    csrf_other = csrf_of(text(site.get("/manage/c1/settings", other)))
    for body in ({"reminder_time": "06:00"}, {"csrf": csrf_other, "reminder_time": "06:00"}):
        assert site.post("/manage/c1/settings", body, cookie).status_code == 403
    assert site.store.get_community("c1").reminder_time == "21:00"
    assert site.rt.queue.drain() == []


def test_every_page_costs_the_same_requests_for_10_or_1000_members(site):
    """Query pages, never a read per member: the requests of each page do not grow."""

    def costs() -> dict[str, dict[str, int]]:
        cookie = site.sign_in()
        found = {}
        for page in (
            "",
            "/members",
            "/members?format=csv",
            "/homework",
            "/risk",
            "/runs",
            "/audit",
        ):
            site.store.table.requests.clear()
            assert site.get(f"/manage/c1{page}", cookie).status_code == 200, page
            found[page] = dict(site.store.table.requests)
        return found

    small = costs()
    site.store.bulk_save_members(
        [member(f"m{i:04d}", name=f"Member {i}", squad=f"s{i % 7}") for i in range(1000)]
    )
    large = costs()
    assert small == large
    assert all("Scan" not in ops for ops in large.values())
    assert large["/members"].get("GetItem", 0) <= 2  # the community, the signed-in member


def test_every_job_has_a_name_on_the_pages_in_both_languages():
    """A job added to the registry shows on the overview's next posts and the runs page."""
    from chalicelib.jobs.registry import job_names
    from chalicelib.manage.texts import TEXTS

    for job in job_names():
        assert set(TEXTS[f"job_{job}"]) == {"zh-CN", "en"}, job


# -- the delivery log -------------------------------------------------------------------------


def _run(site, job: str, period: str, *, group: int, direct: int, refused=()):
    """A finished run of ``job`` for ``period``: ``group`` posts, then ``direct`` DMs of
    which the ``refused`` part numbers the platform refused."""
    from chalicelib.store import runs

    table, run_id = site.store.table, f"r-{period}"  # the first claim: the epoch
    runs.claim_run(table, "c1", job, period, NOW, lease=timedelta(minutes=5), run_id=run_id)
    index = 0
    for _ in range(group):
        runs.record_part(table, "c1", job, period, index, f"m-{index}", run_id)
        index += 1
    for _ in range(direct):
        if index in refused:
            runs.record_refused(table, "c1", job, period, run_id, [index], at=NOW)
        runs.record_part(table, "c1", job, period, index, "", run_id, keep_id=False)
        index += 1
    runs.finish_run(table, "c1", job, period, NOW + timedelta(seconds=2), run_id, parts=index)


def test_the_delivery_log_says_what_each_run_sent_and_what_was_refused(site):
    """Per job and period, newest first: the group posts with their message ids, the direct
    messages sent and the part numbers the platform refused; another job's runs and
    refusals (and a neighbouring period's) stay out."""
    _run(site, "daily-reminder", "2026-11-21", group=1, direct=3, refused={2})
    _run(site, "daily-reminder", "2026-11-22", group=2, direct=4, refused={3, 5})
    _run(site, "weekly-digest", "C0007", group=1, direct=5, refused={1, 2, 3})
    cookie = site.sign_in()
    page = text(site.get("/manage/c1/delivery?job=daily-reminder", cookie))
    rows = re.findall(r'<tr id="run-([^"]+)" data-period="[^"]+">(.*?)</tr>', page)
    assert [period for period, _ in rows] == ["2026-11-22", "2026-11-21"]  # newest first
    newer, older = rows[0][1], rows[1][1]
    assert '<td class="n group">2<div class="muted">#1 (m-0), #2 (m-1)</div>' in newer
    assert '<td class="n direct">2</td>' in newer  # 4 DMs, 2 refused
    assert '<td class="n refused">2<div class="muted">parts #4, #6</div>' in newer
    assert '<td class="n direct">2</td>' in older and "parts #3</div>" in older
    assert "C0007" not in page
    digest = text(site.get("/manage/c1/delivery?job=weekly-digest", cookie))
    assert '<td class="n refused">3<div class="muted">parts #2, #3, #4</div>' in digest
    # The runs page links each run to its place on the log.
    runs_page = text(site.get("/manage/c1/runs", cookie))
    assert 'href="/manage/c1/delivery?job=daily-reminder#run-2026-11-22"' in runs_page


def test_the_delivery_log_pages_through_a_long_ledger_newest_first(site):
    for day in range(1, 46):
        _run(
            site,
            "daily-reminder",
            f"2026-10-{day:02d}" if day <= 31 else f"2026-11-{day - 31:02d}",
            group=1,
            direct=1,
            refused={1} if day % 10 == 0 else set(),
        )
    cookie = site.sign_in()
    seen: list[str] = []
    path = "/manage/c1/delivery?job=daily-reminder"
    pages = 0
    while path:
        page = text(site.get(path, cookie))
        pages += 1
        periods = re.findall(r'data-period="([^"]+)"', page)
        assert len(periods) <= feature.DELIVERY_PAGE
        seen += periods
        older = re.search(r'<a id="older" href="([^"]+)"', page)
        path = older.group(1).replace("&amp;", "&") if older else ""
    assert pages == 3 and len(seen) == 45 and len(set(seen)) == 45
    # A cursor no page gave (too long for a key, or not text) is the first page.
    for bad in ("x" * 2000, "%00%01"):
        odd = site.get(f"/manage/c1/delivery?job=daily-reminder&before={bad}", cookie)
        assert odd.status_code == 200 and 'data-period="2026-11-14"' in text(odd)
    assert seen == sorted(seen, reverse=True)
    assert seen[0] == "2026-11-14" and seen[-1] == "2026-10-01"


def test_the_delivery_log_in_chinese_and_when_nothing_ran(site):
    c = site.store.get_community("c1")
    site.store.update_community(c, locale="zh-CN")
    cookie = site.sign_in()
    page = text(site.get("/manage/c1/delivery?job=no-such-job", cookie))
    assert "这个任务还没有运行记录。" in page and "发送记录" in page
    _run(site, "daily-reminder", "2026-11-22", group=1, direct=2, refused={2})
    page = text(site.get("/manage/c1/delivery", cookie))
    assert "第 #3 条" in page and "群内消息" in page


def test_the_delivery_log_costs_two_queries_whatever_the_ledger_or_members(site):
    """A page of the log is two Queries (runs, their refusals), with 10 or 1,000 members
    and 3 or 60 runs: never a Scan, never a read per run or per member."""

    def cost() -> dict[str, int]:
        cookie = site.sign_in()
        site.store.table.requests.clear()
        assert site.get("/manage/c1/delivery?job=daily-reminder", cookie).status_code == 200
        return dict(site.store.table.requests)

    for day in range(1, 4):
        _run(site, "daily-reminder", f"2026-09-{day:02d}", group=1, direct=2, refused={1})
    small = cost()
    site.seed_members(1000)
    for day in range(1, 31):
        _run(site, "daily-reminder", f"2026-10-{day:02d}", group=1, direct=3, refused={2, 3})
    assert cost() == small
    assert small.get("Query") == 2 and "Scan" not in small


# -- a member's own page ----------------------------------------------------------------------


def member_sign_in(site, user: str = "amy", cid: str = "c1") -> str:
    c = site.store.get_community(cid)
    token = feature.issue_member_link(
        site.store, c, site.store.get_member(cid, user), site.rt.clock.now()
    )
    answer = site.post(f"/manage/{cid}/signin", {"t": token})
    assert answer.status_code == 303, answer.body
    assert answer.headers["Location"] == f"/manage/{cid}/me"
    return answer.headers["Set-Cookie"].split(";")[0]


def test_a_members_link_opens_their_own_month_and_figures(site):
    amy = site.store.get_member("c1", "amy")
    site.store.save_member(
        replace(amy, current_streak=5, best_streak=9, checkins=40, last_checkin=date(2026, 11, 22))
    )
    cookie = member_sign_in(site)
    page = text(site.get("/manage/c1/me", cookie))
    assert '<li id="my-streak">Streak: 5 days</li>' in page  # alive: today is not over
    assert '<li id="my-best">Best streak: 9 days</li>' in page
    assert '<li id="my-total">Check-ins in all: 40</li>' in page
    checked = re.findall(r'<td class="day in" data-date="([^"]+)"', page)
    assert checked == [f"2026-11-{d:02d}" for d in range(1, 15)]  # Amy's 14 check-ins
    assert 'class="day missed" data-date="2026-11-15"' in page
    assert 'class="day future" data-date="2026-11-30"' in page
    assert "2026-11: 14 check-ins" in page and "Amy, this page is yours alone" in page
    assert '<li id="my-makeups">' in page and '<li id="my-homework">Homework this cycle' in page
    assert "Points:" in page or "points" in page.lower()
    # Nothing in the URL chooses whose page: a query naming Bob still shows Amy's.
    assert text(site.get("/manage/c1/me?user=bob&u=bob", cookie)).count('class="day in"') == 14
    assert "Bob" not in text(site.get("/manage/c1/me?user=bob", cookie))
    # The nav offers the member's page only.
    assert 'href="/manage/c1/members"' not in page and 'href="/manage/c1/me"' in page
    # Another month: October had none; no month after the current one.
    october = text(site.get("/manage/c1/me?month=2026-10", cookie))
    assert 'class="day in"' not in october and 'id="next-month"' in october
    future = text(site.get("/manage/c1/me?month=2027-01", cookie))
    assert "2026-11: 14 check-ins" in future


def test_a_members_session_opens_no_admin_page_and_no_other_community(site):
    """A member's own link is 403 on every admin page, even for a member who is an admin
    (the link's scope decides, not the role), and opens nothing of another community."""
    cookie = member_sign_in(site)
    for page in feature_pages():
        assert site.get(f"/manage/c1{page}", cookie).status_code == 403, page
    csrf = sessions.csrf_token(site.rt.settings.manage_key(), cookie.split("=", 1)[1])
    before = site.store.get_community("c1")
    posted = site.post("/manage/c1/settings", {"csrf": csrf, "reminder_time": "06:00"}, cookie)
    assert posted.status_code == 403 and site.store.get_community("c1") == before
    boss = member_sign_in(site, "boss")  # an owner's own-page link: still their page only
    assert site.get("/manage/c1/members", boss).status_code == 403
    assert site.get("/manage/c1/me", boss).status_code == 200
    assert site.get("/manage/c2/me", cookie).status_code == 403
    assert "Boss2" not in text(site.get("/manage/c2/me", cookie))


def feature_pages() -> list[str]:
    return [
        "",
        "/members",
        "/members?format=csv",
        "/homework",
        "/risk",
        "/runs",
        "/settings",
        "/audit",
        "/delivery",
    ]


def test_a_member_gone_since_the_link_is_refused(site):
    cookie = member_sign_in(site)
    amy = site.store.get_member("c1", "amy")
    site.store.save_member(replace(amy, status=MemberStatus.LEFT))
    answer = site.get("/manage/c1/me", cookie)
    assert answer.status_code == 403 and "no longer a member" in text(answer)
    token = feature.issue_member_link(
        site.store, site.store.get_community("c1"), site.store.get_member("c1", "bob"), NOW
    )
    site.store.save_member(replace(site.store.get_member("c1", "bob"), status=MemberStatus.LEFT))
    used = site.post("/manage/c1/signin", {"t": token})
    assert used.status_code == 403 and "Set-Cookie" not in used.headers


def test_a_members_page_speaks_chinese(site):
    site.store.update_community(site.store.get_community("c1"), locale="zh-CN")
    cookie = member_sign_in(site)
    page = text(site.get("/manage/c1/me", cookie))
    assert "2026-11 打卡 14 天" in page and "我的主页" in page and "本期作业（第" in page
    assert "只有你能看到" in page and "Streak" not in page


def test_a_members_page_costs_the_same_for_10_or_1000_members(site):
    """The member item, a month of their check-in keys, their homework key and the goal's:
    never a Query of the community's members or check-ins, never a Scan."""

    def cost() -> dict[str, int]:
        cookie = member_sign_in(site)
        site.store.table.requests.clear()
        assert site.get("/manage/c1/me", cookie).status_code == 200
        return dict(site.store.table.requests)

    small = cost()
    site.seed_members(1000)
    for i in range(0, 1000, 10):
        checkins.record_checkin(site.store.table, "c1", f"m{i:04d}", date(2026, 11, 20), NOW)
    large = cost()
    assert small == large and "Scan" not in large and "Query" not in large


def test_every_bad_value_the_settings_form_takes_is_refused_in_both_languages(site):
    """The CLI's table of bad values (tests/cli/test_settings.py), for every setting the
    form edits: the English reason is the validator's own words, the Chinese one has no
    English sentence in it; nothing is written."""
    from tests.cli.test_settings import BAD_SETTINGS

    c = site.store.get_community("c1")
    boss = site.store.get_member("c1", "boss")
    before = site.store.table.all_items()
    tried = 0
    for name, value, words in BAD_SETTINGS:
        if name not in feature.EDITABLE:
            continue
        if name in feature.CLEARED_WHEN_EMPTY and not value.strip():
            continue  # on the page an emptied box clears the setting ('off' in the CLI)
        with pytest.raises(feature.SettingsRefused) as refused:
            feature.change_settings(site.store, site.rt.queue, c, boss, {name: value}, NOW)
        assert words in refused.value.reasons("en")[name], (name, value)
        chinese = refused.value.reasons("zh-CN")[name]
        assert re.search(r"[\u4e00-\u9fff]", chinese) and " must " not in chinese, (name, value)
        tried += 1
    assert tried >= 10 and site.store.table.all_items() == before


def test_a_members_page_lists_the_months_sessions_they_attended(site):
    """With a weekly Friday session: November's Fridays so far (6, 13, 20), Amy at the 13th
    only: one BatchGetItem of her attendance keys, no Query."""
    from chalicelib.domain import sessions as rules
    from chalicelib.store import sessions as session_store

    c = site.store.get_community("c1")
    friday = rules.parse_definition(
        {"id": "friday", "title": "Friday talk", "weekday": "fri", "at": "20:00"},
        c.calendar,
        date(2026, 11, 1),
    )
    site.store.update_community(c, sessions=rules.with_definition(c.sessions, friday))
    session_store.record_attendance(
        site.store.table, "c1", "friday", date(2026, 11, 13), "amy", "Amy", NOW
    )
    session_store.record_attendance(  # Bob's attendance is not Amy's
        site.store.table, "c1", "friday", date(2026, 11, 20), "bob", "Bob", NOW
    )
    cookie = member_sign_in(site)
    site.store.table.requests.clear()
    page = text(site.get("/manage/c1/me", cookie))
    assert "Sessions this month: attended 1 of 3" in page
    assert re.findall(r'<li class="(went|missed)">(2026-11-\d\d) Friday talk', page) == [
        ("missed", "2026-11-06"),
        ("went", "2026-11-13"),
        ("missed", "2026-11-20"),
    ]
    assert "Query" not in site.store.table.requests


def test_an_admin_opens_a_members_page_from_the_table_by_a_session_bound_reference(site):
    """The members table links each name to that member's page; the URL carries no member
    id, only a reference bound to this session: another session's copy of it opens nothing,
    nor does a member's own session (403), nor a made-up one."""
    cookie = site.sign_in()
    table = text(site.get("/manage/c1/members", cookie))
    links = dict(
        (name, href.replace("&amp;", "&"))
        for href, name in re.findall(r'<td class="name"><a href="([^"]+)">([^<]*)</a>', table)
    )
    amy = links["Amy"]
    assert amy.startswith("/manage/c1/member?m=") and "amy" not in amy
    page = text(site.get(amy, cookie))
    assert "<h1>Amy</h1>" in page and "2026-11: 14 check-ins" in page
    assert page.count('class="day in"') == 14
    assert 'href="/manage/c1/member?m=' in page  # the month links keep the reference
    other = site.sign_in()  # the same admin, another browser
    assert site.get(amy, other).status_code == 404
    assert site.get("/manage/c1/member?m=amy", cookie).status_code == 404
    assert site.get(amy, member_sign_in(site)).status_code == 403


# -- the settings page's other sections: theme, removal, joining, freezes, retention ---------


def _audited(site) -> list[tuple[str, str, str, str]]:
    items = site.store.table.query(keys.community_pk("c1"), prefix=keys.AUDIT_PREFIX)
    return [(i["by"], i["field"], i["old"], i["new"]) for i in items]


def _whole_form(html: str) -> dict[str, str]:
    """Every field of the settings form as a browser sends it (a textarea's new lines as
    CR LF), unchanged."""
    import html as entities

    found = {
        name: entities.unescape(value)
        for name, value in re.findall(
            r'<input (?:type="hidden" )?(?:id="[^"]*" )?name="([^"]+)" value="([^"]*)"', html
        )
    }
    for name, value in re.findall(
        r'<textarea id="[^"]+" name="([^"]+)"[^>]*>([^<]*)</textarea>', html
    ):
        found[name] = entities.unescape(value).replace("\n", "\r\n")
    return found


def test_the_weeks_theme_is_set_and_cleared_on_the_page_as_in_chat_and_audited(site):
    cookie = site.sign_in()
    form = text(site.get("/manage/c1/settings", cookie))
    assert '<input id="theme" name="theme" value="" maxlength="200">' in form
    answer = site.post(
        "/manage/c1/settings", {"csrf": csrf_of(form), "theme": "Read a poem"}, cookie
    )
    assert answer.status_code == 303
    saved = site.store.get_community("c1")
    assert (saved.theme, saved.theme_week) == ("Read a poem", "2026-W48")  # chat's week too
    assert _audited(site) == [("boss", "theme", "-", "Read a poem")]
    assert "Read a poem" in text(site.get("/manage/c1", cookie))  # the overview shows it
    form = text(site.get("/manage/c1/settings", cookie))
    assert 'name="theme" value="Read a poem"' in form
    site.at(NOW + timedelta(minutes=1))
    site.post("/manage/c1/settings", {"csrf": csrf_of(form), "theme": ""}, cookie)
    assert site.store.get_community("c1").theme is None
    assert ("boss", "theme", "Read a poem", "-") in _audited(site)


def test_a_theme_sent_with_a_bad_setting_is_not_written_either(site):
    cookie, csrf, before = site.open_settings()
    answer = site.post(
        "/manage/c1/settings", {"csrf": csrf, "theme": "Walk", "freeze_bank": "0"}, cookie
    )
    assert answer.status_code == 400 and 'value="Walk"' in text(answer)
    assert site.store.table.all_items() == before and site.rt.queue.drain() == []


def test_the_chat_theme_command_is_audited_through_the_same_use_case(site):
    from chalicelib.features.communities import set_theme

    c = site.store.get_community("c1")
    changed = set_theme(site.store, c, "x" * 250, today=date(2026, 11, 23), by="boss", now=NOW)
    assert changed.cut and len(changed.theme) <= 200 and changed.week == "2026-W48"
    later = NOW + timedelta(minutes=1)
    set_theme(site.store, changed.community, "清除", today=date(2026, 11, 23), by="boss", now=later)
    assert site.store.get_community("c1").theme is None
    assert [f for _, f, _, _ in _audited(site)] == ["theme", "theme"]


def test_removal_is_switched_on_the_page_and_a_bad_word_refused_next_to_it(site):
    cookie, csrf, before = site.open_settings()
    bad = site.post("/manage/c1/settings", {"csrf": csrf, "removal": "sometimes"}, cookie)
    assert bad.status_code == 400
    assert '<span class="error" id="removal-error">removal must be on or off' in text(bad)
    assert site.store.table.all_items() == before
    was = site.store.get_community("c1").removal_enabled
    flipped = "off" if was else "on"
    site.post("/manage/c1/settings", {"csrf": csrf, "removal": flipped}, cookie)
    assert site.store.get_community("c1").removal_enabled is (not was)
    words = {True: "on", False: "off"}
    assert _audited(site) == [("boss", "removal_enabled", words[was], words[not was])]
    assert 'id="report_day"' in text(site.get("/manage/c1/settings", cookie))


def test_the_joining_ritual_is_set_in_textareas_and_audited(site):
    cookie = site.sign_in()
    csrf = csrf_of(text(site.get("/manage/c1/settings", cookie)))
    answer = site.post(
        "/manage/c1/settings",
        {
            "csrf": csrf,
            "group_rules": "1. Be kind\r\n2. Check in daily, {name}",
            "require_rules_acceptance": "on",
            "welcome": "Welcome to {community}, {name}!\r\nSee {link}",
            "link": "https://example.org/club",
            "nickname_pattern": "^.+-.+$",
            "nickname_format": "name-city",
        },
        cookie,
    )
    assert answer.status_code == 303, text(answer)
    c = site.store.get_community("c1")
    assert c.group_rules == "1. Be kind\n2. Check in daily, {name}"  # new lines as typed
    assert c.welcome_text == "Welcome to {community}, {name}!\nSee {link}"
    assert (c.require_rules_acceptance, c.community_link) == (True, "https://example.org/club")
    assert (c.nickname_pattern, c.nickname_format) == ("^.+-.+$", "name-city")
    fields = {f for _, f, _, _ in _audited(site)}
    assert fields == {
        "group_rules",
        "require_rules_acceptance",
        "welcome_text",
        "community_link",
        "nickname_pattern",
        "nickname_format",
    }
    form = text(site.get("/manage/c1/settings", cookie))
    assert (
        '<textarea id="group_rules" name="group_rules" rows="5">'
        "1. Be kind\n2. Check in daily, {name}</textarea>"
    ) in form


def test_bad_joining_settings_are_refused_next_to_their_field_in_chinese(site):
    site.store.update_community(site.store.get_community("c1"), locale="zh-CN")
    cookie, csrf, before = site.open_settings()
    answer = site.post(
        "/manage/c1/settings",
        {"csrf": csrf, "group_rules": "Rule {0}", "link": "ftp://x.org"},
        cookie,
    )
    page = text(answer)
    assert answer.status_code == 400
    assert re.search(
        r'<textarea id="group_rules" name="group_rules" rows="5" '
        r'aria-describedby="group_rules-error">Rule \{0\}</textarea>'
        r'<span class="error" id="group_rules-error">群规只能用',
        page,
    )
    assert '<span class="error" id="link-error">' in page and "must be" not in page
    # The gate without rules: refused next to the gate, in Chinese.
    gate = text(
        site.post("/manage/c1/settings", {"csrf": csrf, "require_rules_acceptance": "on"}, cookie)
    )
    assert re.search(
        r'<span class="error" id="require_rules_acceptance-error">[^<]*[\u4e00-\u9fff]', gate
    )
    assert site.store.table.all_items() == before and site.rt.queue.drain() == []


def test_streak_freezes_and_retention_are_set_on_the_page_and_bad_values_refused(site):
    cookie, csrf, before = site.open_settings()
    for name, value, words in (
        ("freeze_bank", "11", "freeze bank must be between 1 and 10"),
        ("streak_freezes", "maybe", "streak freezes must be on or off"),
        ("retention_days", "179", "retention days must be between 180 and 1096"),
    ):
        bad = text(site.post("/manage/c1/settings", {"csrf": csrf, name: value}, cookie))
        assert f'<span class="error" id="{name}-error">{words}' in bad, name
    assert site.store.table.all_items() == before
    c = site.store.get_community("c1")
    answer = site.post(
        "/manage/c1/settings",
        {
            "csrf": csrf,
            "streak_freezes": "off" if c.streak_freezes else "on",
            "freeze_bank": "3" if c.freeze_bank != 3 else "4",
            "retention_days": "400",
        },
        cookie,
    )
    assert answer.status_code == 303
    saved = site.store.get_community("c1")
    assert saved.streak_freezes is (not c.streak_freezes) and saved.retention_days == 400
    assert saved.freeze_bank in (3, 4) and saved.freeze_bank != c.freeze_bank
    assert ("boss", "retention_days", str(c.retention_days), "400") in _audited(site)
    assert {f for _, f, _, _ in _audited(site)} == {
        "streak_freezes",
        "freeze_bank",
        "retention_days",
    }


def test_the_whole_form_sent_back_unchanged_writes_nothing(site):
    """A browser sends every field: textareas with CR LF new lines, unset texts empty.
    Nothing changed, nothing is written (only the reschedule is queued again)."""
    c = site.store.get_community("c1")
    site.store.update_community(c, group_rules="Line one\nLine two", welcome_text="Hi {name}")
    cookie = site.sign_in()
    form = _whole_form(text(site.get("/manage/c1/settings", cookie)))
    assert form["group_rules"] == "Line one\r\nLine two" and form["link"] == ""
    assert set(feature.EDITABLE) | {"theme", "csrf"} <= set(form)
    before = site.store.table.all_items()
    assert site.post("/manage/c1/settings", form, cookie).status_code == 303
    assert site.store.table.all_items() == before


def test_the_settings_page_reads_no_member(site):
    """The settings page reads the community (and the schedule), never a member's item."""

    def cost() -> dict[str, int]:
        cookie = site.sign_in()
        site.store.table.requests.clear()
        assert site.get("/manage/c1/settings", cookie).status_code == 200
        return dict(site.store.table.requests)

    small = cost()
    site.seed_members(1000)
    assert cost() == small and "Scan" not in small


def test_the_settings_page_asks_for_the_acknowledgement_before_removal_on_wecom(site):
    """On WeCom the bot sees no chatter: removal under the default silence rule is refused
    on the page as in chat and the CLI, next to the field in the page's language, until
    the acknowledgement is ticked in the same form (issue 21)."""
    c = site.store.update_community(site.store.get_community("c1"), platform="wecom")
    boss = site.store.get_member("c1", "boss")
    before = site.store.table.all_items()
    with pytest.raises(feature.SettingsRefused) as refused:
        feature.change_settings(site.store, site.rt.queue, c, boss, {"removal": "on"}, NOW)
    assert "never the group's chatter" in refused.value.reasons("en")["removal"]
    assert "看不到群里的日常聊天" in refused.value.reasons("zh-CN")["removal"]
    assert site.store.table.all_items() == before
    form = {"removal": "on", "ack_limited_activity": "on"}
    done = feature.change_settings(site.store, site.rt.queue, c, boss, form, NOW)
    assert done.removal_enabled and done.ack_limited_activity
