"""The organiser's pages given input no browser of ours sends: a cookie, a form's token or a
``?month=`` a visitor typed. Each gets a refusal (403) or the page as for a plain request,
never a 500, and writes nothing. Through the real Chalice routes, as tests/manage/test_pages.py.
"""

from __future__ import annotations

import re

from tests.manage.test_pages import member_sign_in, site, text

__all__ = ["site"]  # the fixture, shared with test_pages.py


def test_a_cookie_with_non_ascii_text_is_refused_not_a_500(site):
    """Before any sign-in: compare_digest raises TypeError on non-ASCII str, so a crafted
    cookie made every page answer 500 to anyone."""
    cookie = site.sign_in()
    name, value = cookie.split("=", 1)
    payload, signature = value.split(".")
    for bad in (f"{payload}.{signature[:-1]}é", f"{payload}é.{signature}", "abc.déf"):
        for path in ("/manage/c1", "/manage/c1/members", "/manage/c1/me"):
            answer = site.get(path, f"{name}={bad}")
            assert answer.status_code == 403, (path, bad, answer.status_code)
            assert "Amy" not in text(answer)
    before = site.store.table.all_items()
    posted = site.post("/manage/c1/signout", {"csrf": "x"}, f"{name}=abc.déf")
    assert posted.status_code == 403 and site.store.table.all_items() == before


def test_a_forms_token_with_non_ascii_text_is_refused_not_a_500(site):
    """A signed-in session posting a token that is not ours (any text): 403, nothing saved."""
    cookie, csrf, before = site.open_settings()
    for bad in ("é", csrf[:-1] + "é", "令牌"):
        saved = site.post("/manage/c1/settings", {"csrf": bad, "reminder_time": "06:00"}, cookie)
        assert saved.status_code == 403, (bad, saved.status_code)
        assert site.store.table.all_items() == before
        out = site.post("/manage/c1/signout", {"csrf": bad}, cookie)
        assert out.status_code == 403 and "Set-Cookie" not in out.headers
    # The session's own token still works after them.
    assert site.post("/manage/c1/signout", {"csrf": csrf}, cookie).status_code == 200


def test_the_first_month_of_the_calendar_shows_the_current_month_not_a_500(site):
    """``?month=0001-01`` is a valid month before the current one, but has no month before
    it for the pager to link (date.min - 1 day: OverflowError). The current month shows."""
    cookie = member_sign_in(site)
    current = text(site.get("/manage/c1/me", cookie))
    answer = site.get("/manage/c1/me?month=0001-01", cookie)
    assert answer.status_code == 200, answer.status_code
    assert 'id="month">2026-11: 14 check-ins' in text(answer)
    assert re.findall(r'data-date="([^"]+)"', text(answer)) == re.findall(
        r'data-date="([^"]+)"', current
    )
    second = site.get("/manage/c1/me?month=0001-02", cookie)  # still a month shown as asked
    assert second.status_code == 200 and 'id="month">0001-02: 0 check-ins' in text(second)
    admin = site.sign_in()
    members = text(site.get("/manage/c1/members", admin))
    ref = re.search(r"member\?m=([^\"&]+)", members).group(1)
    viewed = site.get(f"/manage/c1/member?m={ref}&month=0001-01", admin)
    assert viewed.status_code == 200 and 'id="month">2026-11:' in text(viewed)
