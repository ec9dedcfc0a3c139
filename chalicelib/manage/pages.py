"""The pages themselves: a request in, an HttpResponse out.

Every page but the sign-in reads the signed cookie, refuses (404, the same answer as an
unknown community) when it names another community, reads the member again (still a present
owner or admin?) and only then the community's data. Forms carry a CSRF token bound to the
session. Nothing here runs at import time of the webhooks: the routes import this module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from chalicelib.domain.models import LOCALES, Community, Member
from chalicelib.features import manage as feature
from chalicelib.manage import session as sessions
from chalicelib.manage.svg import heatmap_svg, month_rates_svg, rate_svg
from chalicelib.manage.texts import TEXTS, page_text
from chalicelib.platforms.base import HttpRequest, HttpResponse
from chalicelib.store.repository import NotFound, Store

PAGES = ("overview", "members", "homework", "risk", "runs", "settings", "audit", "delivery")
HTML = "text/html; charset=utf-8"
SECURITY_HEADERS = {
    "Content-Type": HTML,
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
}


def base_path(public_url: str) -> str:
    """``https://x.example/api`` → ``/api``; a webhook URL's ``/webhooks/…`` is dropped."""
    from urllib.parse import urlsplit

    path = urlsplit(public_url).path if public_url else ""
    head, found, _ = path.rpartition("/webhooks/")
    return (head if found else path).rstrip("/")


class Ctx:
    """One request to one community's pages."""

    def __init__(self, runtime: Any, request: HttpRequest, community_id: str) -> None:
        self.runtime = runtime
        self.request = request
        self.community_id = community_id
        self.page = "overview"
        # Behind API Gateway the pages live under the stage's path (``/api``): where the
        # public URL says, so links, redirects and the cookie's Path carry it.
        self.prefix = base_path(runtime.settings.public_url)
        self.now: datetime = runtime.clock.now()
        self.store: Store = runtime.store
        self.key: bytes | None = runtime.settings.manage_key()
        self.community: Community | None = None
        self.member: Member | None = None
        self.cookie: str = ""
        asked = request.query.get("lang", "")
        self.asked_lang = asked if asked in LOCALES else ""

    @property
    def page_lang(self) -> str:
        if self.asked_lang:
            return self.asked_lang
        return self.community.locale if self.community else "en"

    def word(self, key: str, **values: Any) -> str:
        return page_text(self.page_lang, key, **values)

    def page_url(self, page: str = "", **query: str) -> str:
        path = f"{self.prefix}/manage/{self.community_id}" + (f"/{page}" if page else "")
        if self.asked_lang:
            query = {"lang": self.asked_lang, **query}
        kept = {k: v for k, v in query.items() if v}
        return path + ("?" + urlencode(kept) if kept else "")

    def posted_fields(self) -> dict[str, str]:
        fields = parse_qs(self.request.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[0] for k, v in fields.items()}


# -- answers ----------------------------------------------------------------------------------


def render_page(
    ctx: Ctx, title: str, body: str, *, status: int = 200, nav: str = "", headers: Any = None
) -> HttpResponse:
    links = ""
    if nav:
        shown = ("me",) if nav == "me" else PAGES  # a member's own session: their page only
        items = [
            f'<a href="{escape(ctx.page_url("" if p == "overview" else p))}"'
            + (' class="on"' if p == nav else "")
            + f">{escape(ctx.word('nav_' + p))}</a>"
            for p in shown
        ]
        items.append(
            f'<form method="post" action="{escape(ctx.page_url("signout"))}" class="inline">'
            f'<input type="hidden" name="csrf" value="{escape(_csrf(ctx))}">'
            f'<button type="submit" class="link">{escape(ctx.word("signout"))}</button></form>'
        )
        links = "<nav>" + "".join(items) + "</nav>"
    other = "en" if ctx.page_lang == "zh-CN" else "zh-CN"
    switch_query = {k: v for k, v in ctx.request.query.items() if k != "lang"}
    switch_query["lang"] = other
    path = ctx.page_url("" if ctx.page == "overview" else ctx.page).split("?")[0]
    switch = f'<a class="lang" id="lang" href="{escape(path + "?" + urlencode(switch_query))}">'
    switch += ("English" if other == "en" else "中文") + "</a>"
    name = escape(ctx.community.name) if ctx.community else ""
    html = (
        f'<!doctype html><html lang="{ctx.page_lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)} · {escape(ctx.word('title'))}</title><style>{CSS}</style></head>"
        f"<body><header><strong>{name or escape(ctx.word('title'))}</strong>{links}{switch}"
        f"</header><main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )
    return HttpResponse(status, html, {**SECURITY_HEADERS, **(headers or {})})


def page_not_found(ctx: Ctx) -> HttpResponse:
    """The one answer for an unknown community, another community's cookie, no such page:
    nothing says whether the community exists."""
    ctx.community = None
    return render_page(ctx, ctx.word("not_found"), "", status=404)


def notice_page(ctx: Ctx, key: str, status: int) -> HttpResponse:
    return render_page(
        ctx, ctx.word("title"), f'<p class="notice">{escape(ctx.word(key))}</p>', status=status
    )


def see_other(location: str, headers: dict[str, str] | None = None) -> HttpResponse:
    return HttpResponse(
        303, "", {"Location": location, "Cache-Control": "no-store", **(headers or {})}
    )


def _csrf(ctx: Ctx) -> str:
    return sessions.csrf_token(ctx.key, ctx.cookie) if ctx.key and ctx.cookie else ""


# -- sign-in ----------------------------------------------------------------------------------


def _load_community(ctx: Ctx) -> bool:
    try:
        ctx.community = ctx.store.get_community(ctx.community_id)
    except NotFound:
        return False
    return True


def signin_page(ctx: Ctx) -> HttpResponse:
    """GET shows a Continue button and changes nothing (chat apps fetch links to preview
    them); the POST it sends uses the link up and sets the cookie. A bad token gets the same
    answer whether or not the community exists."""
    if ctx.key is None:
        return notice_page(ctx, "not_configured", 503)
    if ctx.request.method == "GET":
        from chalicelib.store.manage import peek_signin_link

        token = ctx.request.query.get("t", "")
        item = peek_signin_link(ctx.store.table, ctx.community_id, token) if token else None
        if item is None or not _load_community(ctx):
            ctx.community = None
            return notice_page(ctx, "link_unknown", 404)
        if item.get("used_at"):
            return notice_page(ctx, "link_used", 410)
        if datetime.fromisoformat(item["valid_until"]) <= ctx.now:
            return notice_page(ctx, "link_expired", 410)
        member = ctx.store.get_member(ctx.community_id, item["user_id"])
        who = member.display() if member else item["user_id"]
        assert ctx.community is not None
        own = item.get("scope") == feature.SELF  # a member's own page (我的主页)
        intro = ctx.word(
            "signin_intro_self" if own else "signin_intro", name=who, community=ctx.community.name
        )
        body = (
            f"<p>{escape(intro)}</p>"
            f'<form method="post" action="{escape(ctx.page_url("signin"))}">'
            f'<input type="hidden" name="t" value="{escape(token)}">'
            f'<button type="submit" id="continue">{escape(ctx.word("continue"))}</button></form>'
        )
        return render_page(ctx, ctx.word("signin_title"), body, headers={"X-Robots-Tag": "noindex"})
    token = ctx.posted_fields().get("t", "")
    result = (
        feature.redeem_link(ctx.store, ctx.community_id, token, ctx.now) if token else "unknown"
    )
    if isinstance(result, str):
        if result != "unknown":  # the link was this community's: its name may show
            _load_community(ctx)
        status = {"unknown": 404, "not_admin": 403, "not_member": 403}.get(result, 410)
        return notice_page(ctx, f"link_{result}", status)
    value = sessions.make_cookie_value(
        ctx.key, result.community_id, result.user_id, result.role, ctx.now
    )
    secure = ctx.runtime.settings.stage != "local"
    cookie = sessions.cookie_header(
        value,
        secure=secure,
        max_age=int(sessions.SESSION_LIFETIME.total_seconds()),
        path=ctx.prefix + "/manage",
    )
    home = ctx.page_url("me") if result.role == feature.SELF else ctx.page_url()
    return see_other(home, {"Set-Cookie": cookie})


def signout_page(ctx: Ctx) -> HttpResponse:
    refused = _authorise_self(ctx)
    if refused is not None:
        return refused
    if not sessions.csrf_ok(ctx.key or b"", ctx.cookie, ctx.posted_fields().get("csrf", "")):
        return notice_page(ctx, "bad_form", 403)
    gone = sessions.cookie_header(
        "", secure=ctx.runtime.settings.stage != "local", max_age=0, path=ctx.prefix + "/manage"
    )
    ctx.community = None
    return render_page(ctx, ctx.word("signed_out"), "", headers={"Set-Cookie": gone})


def _session_here(ctx: Ctx) -> tuple[sessions.ManageSession, str] | HttpResponse:
    """(the session, the cookie's value) when the cookie is valid and this very
    community's, and the community (loaded on ctx) still exists; else the refusal.

    Without a valid session for this very community (none, forged, expired, another
    community's) the answer is the same whether or not the community exists; with one, a
    community deleted since is 404."""
    if ctx.key is None:
        return notice_page(ctx, "not_configured", 503)
    value = sessions.cookie_from_header(ctx.request.header("cookie"))
    found = sessions.read_cookie_value(ctx.key, value, ctx.now) if value else None
    if found is None or found.community_id != ctx.community_id:
        return notice_page(ctx, "forbidden", 403)
    if not _load_community(ctx):
        return page_not_found(ctx)
    return found, value or ""


def _authorise(ctx: Ctx) -> HttpResponse | None:
    """None when the cookie is this community's and its member still an owner or admin."""
    signed = _session_here(ctx)
    if isinstance(signed, HttpResponse):
        return signed
    found, value = signed
    if found.role == feature.SELF:  # a member's own link opens their own page only
        return notice_page(ctx, "self_only", 403)
    member = feature.current_admin(ctx.store, ctx.community_id, found.user_id)
    if member is None:
        return notice_page(ctx, "link_not_admin", 403)
    ctx.member, ctx.cookie = member, value
    return None


def _authorise_self(ctx: Ctx) -> HttpResponse | None:
    """None when the cookie is this community's (any session: a member's own or an
    admin's) and its member still present; ctx.member is then that member, and only them."""
    signed = _session_here(ctx)
    if isinstance(signed, HttpResponse):
        return signed
    found, value = signed
    member = ctx.store.get_member(ctx.community_id, found.user_id)
    if member is None or not member.is_present:
        return notice_page(ctx, "link_not_member", 403)
    ctx.member, ctx.cookie = member, value
    return None


# -- pieces the pages share ------------------------------------------------------------------


def _table(table_id: str, head: str, rows: str, *, css: str = "") -> str:
    """A table with its header row (``head``: the ``<th>`` cells) and its rows."""
    kind = f' class="{css}"' if css else ""
    return (
        f'<table id="{table_id}"{kind}><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
    )


def _headings(ctx: Ctx, columns: Sequence[str]) -> str:
    """The ``<th>`` cells naming ``columns`` (text keys) in the page's language."""
    return "".join(f"<th>{escape(ctx.word(c))}</th>" for c in columns)


def _page_note(ctx: Ctx, key: str, note_id: str = "") -> str:
    """One line of text (``key`` in the page's language), e.g. a table's empty state."""
    named = f' id="{note_id}"' if note_id else ""
    return f"<p{named}>{escape(ctx.word(key))}</p>"


def _page_link(ctx: Ctx, link_id: str, href: str, key: str) -> str:
    return f'<a id="{link_id}" href="{escape(href)}">{escape(ctx.word(key))}</a>'


def _select_option(value: str, label: str, chosen: str) -> str:
    on = " selected" if value == chosen else ""
    return f'<option value="{escape(value)}"{on}>{escape(label)}</option>'


def _filter_form(ctx: Ctx, page: str, fields: str) -> str:
    """A GET form that opens ``page`` again with the chosen filters (and the asked
    language kept)."""
    lang = f'<input type="hidden" name="lang" value="{ctx.asked_lang}">' if ctx.asked_lang else ""
    return (
        f'<form method="get" action="{escape(ctx.page_url(page))}" class="filters">'
        f"{lang}{fields}</form>"
    )


def _local(ctx: Ctx, at: datetime) -> str:
    return f"{at:%a %Y-%m-%d %H:%M}"


def _community_time(ctx: Ctx, at: datetime) -> str:
    """``at`` on the community's clock."""
    assert ctx.community is not None
    from chalicelib.domain.calendar import zone

    return _local(ctx, at.astimezone(zone(ctx.community.timezone)))


def _stored_time(ctx: Ctx, at: object, missing: str) -> str:
    """A stored ISO time on the community's clock; ``missing`` when there is none."""
    return _community_time(ctx, datetime.fromisoformat(str(at))) if at else missing


# -- the pages --------------------------------------------------------------------------------


def overview_page(ctx: Ctx) -> HttpResponse:
    assert ctx.community is not None
    data = feature.community_overview(ctx.store, ctx.community, ctx.now)
    tiers = "".join(
        f"<tr><th>{escape(ctx.word('tier_' + tier))}</th>"
        f'<td class="n" data-tier="{tier}">{n}</td></tr>'
        for tier, n in data.tiers.items()
    )
    tiers += (
        f'<tr class="total"><th>{escape(ctx.word("present"))}</th>'
        f'<td class="n">{data.present}</td></tr>'
    )
    today = (
        '<ul class="names" id="today">'
        + "".join(f"<li>{escape(n)}</li>" for n in data.checked_in_today)
        + "</ul>"
        if data.checked_in_today
        else _page_note(ctx, "nobody_yet", "today")
    )
    runs = (
        "<ul>"
        + "".join(
            f"<li>{escape(_job_name(ctx, job))}: <time>{_local(ctx, at)}</time></li>"
            for job, at in data.next_posts
        )
        + "</ul>"
        if data.next_posts
        else _page_note(ctx, "no_schedule")
    )
    cell = lambda d, n: ctx.word("heatmap_cell", date=d.isoformat(), count=n)  # noqa: E731
    week = lambda d, r: ctx.word("week_of", date=d.isoformat(), rate=f"{r:.0%}")  # noqa: E731
    theme = (
        f"<section><h2>{escape(ctx.word('theme'))}</h2><p>{escape(data.theme)}</p></section>"
        if data.theme
        else ""
    )
    body = (
        '<div class="grid">'
        f"<section><h2>{escape(ctx.word('members_by_tier'))}</h2><table>{tiers}</table></section>"
        f"<section><h2>{escape(ctx.word('today', date=data.today.isoformat()))}</h2>"
        f"{today}</section>"
        f"<section><h2>{escape(ctx.word('next_posts'))}</h2>{runs}"
        f'<p class="muted">{escape(ctx.community.timezone)}</p></section>{theme}</div>'
        f"<section><h2>{escape(ctx.word('heatmap'))}</h2>"
        f"{heatmap_svg(data.first_day, data.today, data.days, data.present, cell)}</section>"
        f"<section><h2>{escape(ctx.word('weekly_rate'))}</h2>"
        f"{rate_svg(data.weekly_rate, week)}</section>"
    )
    return render_page(ctx, ctx.word("nav_overview"), body, nav="overview")


# -- members ----------------------------------------------------------------------------------

MEMBER_COLUMNS = ("name", "role", "squad", "tier", "streak", "last_active", "warning")


def members_page(ctx: Ctx) -> HttpResponse:
    """The roster, sorted, filtered and searched as the query says (or as CSV)."""
    assert ctx.community is not None
    q = ctx.request.query
    rows = feature.member_rows(ctx.store, ctx.community, ctx.now)
    sort = q.get("sort", "name") if q.get("sort") in feature.SORTS else "name"
    desc = q.get("desc") == "1"
    filters = {k: q.get(k, "") for k in ("tier", "squad", "q")}
    shown = feature.select_rows(
        rows,
        sort=sort,
        descending=desc,
        tier=filters["tier"],
        squad=filters["squad"],
        search=filters["q"].strip(),
    )
    if q.get("format") == "csv":
        return _members_csv(ctx, shown)
    squads = sorted({r.squad for r in rows if r.squad})
    shown_text = ctx.word("shown", shown=len(shown), total=len(rows))
    body = (
        _members_filters(ctx, sort, desc, filters, squads)
        + f'<p class="muted" id="shown">{escape(shown_text)}</p>'
        + _table("members", _members_head(ctx, sort, desc, filters), _members_rows(ctx, shown))
    )
    return render_page(ctx, ctx.word("nav_members"), body, nav="members")


def _members_filters(
    ctx: Ctx, sort: str, desc: bool, filters: dict[str, str], squads: list[str]
) -> str:
    """Search, tier and squad filters (the sort kept) and the CSV link of what is shown."""
    from chalicelib.domain.inactivity import TIERS

    tier, squad = filters["tier"], filters["squad"]
    tiers = _select_option("", ctx.word("all_tiers"), tier) + "".join(
        _select_option(t.value, ctx.word("tier_" + t.value), tier) for t in TIERS
    )
    squad_options = _select_option("", ctx.word("all_squads"), squad) + "".join(
        _select_option(s, s, squad) for s in squads
    )
    csv_url = ctx.page_url("members", format="csv", sort=sort, desc="1" if desc else "", **filters)
    fields = (
        f'<input type="search" name="q" id="q" value="{escape(filters["q"])}" '
        f'placeholder="{escape(ctx.word("search"))}">'
        f'<select name="tier" id="tier">{tiers}</select>'
        f'<select name="squad" id="squad">{squad_options}</select>'
        f'<input type="hidden" name="sort" value="{sort}">'
        + ('<input type="hidden" name="desc" value="1">' if desc else "")
        + f'<button type="submit" id="apply">{escape(ctx.word("filter"))}</button> '
        + _page_link(ctx, "csv", csv_url, "export_csv")
    )
    return _filter_form(ctx, "members", fields)


def _members_head(ctx: Ctx, sort: str, desc: bool, filters: dict[str, str]) -> str:
    """Column headings that sort by their column (again: the other way)."""
    head = ""
    for column in MEMBER_COLUMNS:
        flip = "1" if column == sort and not desc else ""
        mark = (" ▼" if desc else " ▲") if column == sort else ""
        href = ctx.page_url("members", sort=column, desc=flip, **filters)
        label = escape(ctx.word("col_" + column)) + mark
        head += f'<th><a href="{escape(href)}" id="sort-{column}">{label}</a></th>'
    return head


def _members_rows(ctx: Ctx, shown: list[feature.MemberRow]) -> str:
    def member_url(user_id: str) -> str:  # a reference bound to this session, not the id
        return ctx.page_url("member", m=sessions.member_ref(ctx.key or b"", ctx.cookie, user_id))

    return "".join(
        "<tr>"
        f'<td class="name"><a href="{escape(member_url(r.user_id))}">{escape(r.name)}</a></td>'
        f"<td>{escape(ctx.word('role_' + r.role))}</td>"
        f"<td>{escape(r.squad)}</td><td>{escape(ctx.word('tier_' + r.tier))}</td>"
        f'<td class="n">{r.streak}</td>'
        f"<td>{r.last_active.isoformat() if r.last_active else '–'}</td>"
        f"<td>{escape(r.warning)}</td></tr>"
        for r in shown
    )


def _members_csv(ctx: Ctx, rows: list[feature.MemberRow]) -> HttpResponse:
    from chalicelib.domain.csvsafe import render

    header = [
        "name",
        "user_id",
        "role",
        "squad",
        "tier",
        "streak",
        "checkins",
        "last_active",
        "warning",
    ]
    document = render(
        header,
        (
            [
                r.name,
                r.user_id,
                r.role,
                r.squad,
                r.tier,
                r.streak,
                r.checkins,
                r.last_active.isoformat() if r.last_active else "",
                r.warning,
            ]
            for r in rows
        ),
    )
    return HttpResponse(
        200,
        document,
        {
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{ctx.community_id}-members.csv"',
            "Cache-Control": "no-store",
        },
    )


def _took(run: dict[str, Any]) -> str:
    try:
        seconds = (
            datetime.fromisoformat(run["finished_at"]) - datetime.fromisoformat(run["claimed_at"])
        ).total_seconds()
    except (KeyError, TypeError, ValueError):
        return "–"
    return f"{seconds:.1f} s"


RUN_COLUMNS = (
    "col_job",
    "col_period",
    "col_status",
    "col_started",
    "col_took",
    "col_parts",
    "col_split",
    "col_note",
)


def runs_page(ctx: Ctx) -> HttpResponse:
    assert ctx.community is not None
    found = feature.run_rows(ctx.store, ctx.community)
    if not found:
        return render_page(ctx, ctx.word("nav_runs"), _page_note(ctx, "no_runs"), nav="runs")

    def delivered(run: dict[str, Any]) -> str:  # the run on the delivery log
        job, period = str(run.get("job", "")), str(run.get("period", ""))
        href = ctx.page_url("delivery", job=job) + "#run-" + quote(period, safe="")
        return f'<a href="{escape(href)}">{escape(period)}</a>'

    rows = "".join(
        "<tr>"
        f"<td>{escape(_job_name(ctx, str(r.get('job', ''))))}</td>"
        f"<td>{delivered(r)}</td>"
        f'<td class="status-{escape(str(r.get("status", "")))}">'
        f"{escape(str(r.get('status', '')))}</td>"
        f"<td>{_stored_time(ctx, r.get('claimed_at') or r.get('finished_at'), '–')}</td>"
        f"<td>{_took(r)}</td>"
        f'<td class="n">{r["settled"]}/{escape(str(r.get("parts", "–")))}</td>'
        f'<td class="n">{r["group"]} / {r["direct"]} / {r["refused"]}</td>'
        f"<td>{escape(str(r.get('reason') or r.get('error') or ''))}</td></tr>"
        for r in found
    )
    body = _table("runs", _headings(ctx, RUN_COLUMNS), rows)
    return render_page(ctx, ctx.word("nav_runs"), body, nav="runs")


def _job_name(ctx: Ctx, job: str) -> str:
    return ctx.word("job_" + job) if "job_" + job in TEXTS else job


def settings_page(ctx: Ctx) -> HttpResponse:
    """The settings form; a POST saves what changed (then shows the form again, saved) or
    shows the form with each refusal next to its field (400, nothing written)."""
    assert ctx.community is not None
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if ctx.request.method == "POST":
        posted = _save_settings(ctx)
        if isinstance(posted, HttpResponse):
            return posted
        errors, values = posted
    saved = ctx.request.query.get("saved") == "1"
    data = feature.next_posts(ctx.store, ctx.community)
    reminder = next((at for job, at in data if job == "daily-reminder"), None)
    notice = ""
    if saved:
        notice = f'<p class="notice" id="saved">{escape(ctx.word("saved"))}</p>'
    if errors:
        notice = f'<p class="notice bad">{escape(ctx.word("fix_below"))}</p>'
    when = (
        f'<p id="next-reminder">{escape(ctx.word("next_reminder", when=_local(ctx, reminder)))}</p>'
        if reminder
        else ""
    )
    body = (
        notice
        + when
        + f'<form method="post" action="{escape(ctx.page_url("settings"))}" id="settings">'
        + f'<input type="hidden" name="csrf" value="{escape(_csrf(ctx))}">'
        + _settings_fields(ctx, errors, values)
        + f'<button type="submit" id="save">{escape(ctx.word("save"))}</button></form>'
    )
    return render_page(
        ctx, ctx.word("nav_settings"), body, nav="settings", status=400 if errors else 200
    )


def _save_settings(ctx: Ctx) -> HttpResponse | tuple[dict[str, str], dict[str, str]]:
    """The POSTed form applied: a redirect once saved, 403 without the session's token, or
    (the refusals by field, the values sent) to show the form again."""
    assert ctx.community is not None and ctx.member is not None
    form = ctx.posted_fields()
    if not sessions.csrf_ok(ctx.key or b"", ctx.cookie, form.get("csrf", "")):
        return notice_page(ctx, "bad_form", 403)
    try:
        feature.change_settings(
            ctx.store, ctx.runtime.queue, ctx.community, ctx.member, form, ctx.now
        )
    except feature.SettingsRefused as refused:
        return refused.reasons(ctx.page_lang), form
    return see_other(ctx.page_url("settings", saved="1"))


def _settings_fields(ctx: Ctx, errors: dict[str, str], values: dict[str, str]) -> str:
    """Every section of the form: this week's theme first, then feature.SECTIONS; a field
    shows what was sent (after a refusal) or else what is set."""
    assert ctx.community is not None
    from chalicelib.domain.checkins import THEME_MAX_CHARS

    def field(name: str, value: str, *, long: bool = False, limit: int = 0) -> str:
        return _settings_field(ctx, name, value, errors.get(name, ""), long=long, limit=limit)

    theme = values.get(feature.THEME, feature.theme_text(ctx.community, ctx.now))
    fields = (
        f'<fieldset id="section-theme"><legend>{escape(ctx.word("sec_theme"))}</legend>'
        + field(feature.THEME, theme, limit=THEME_MAX_CHARS)
        + "</fieldset>"
    )
    for section, names in feature.SECTIONS:
        fields += (
            f'<fieldset id="section-{section}"><legend>{escape(ctx.word("sec_" + section))}'
            "</legend>"
            + "".join(
                field(
                    name,
                    values.get(name, feature.setting_text(ctx.community, name)),
                    long=name in feature.TEXTAREAS,
                )
                for name in names
            )
            + "</fieldset>"
        )
    return fields


def _settings_field(
    ctx: Ctx, name: str, value: str, error: str, *, long: bool = False, limit: int = 0
) -> str:
    """One labelled input (or textarea), with its refusal next to it."""
    described = f' aria-describedby="{name}-error"' if error else ""
    if long:
        box = f'<textarea id="{name}" name="{name}" rows="5"{described}>{escape(value)}</textarea>'
    else:
        most = f' maxlength="{limit}"' if limit else ""
        box = f'<input id="{name}" name="{name}" value="{escape(value)}"{most}{described}>'
    return (
        f'<div class="field{" bad" if error else ""}">'
        f'<label for="{name}">{escape(ctx.word("set_" + name))}</label>'
        + box
        + (f'<span class="error" id="{name}-error">{escape(error)}</span>' if error else "")
        + "</div>"
    )


def homework_page(ctx: Ctx) -> HttpResponse:
    assert ctx.community is not None
    rows = feature.homework_cycles(ctx.store, ctx.community, ctx.now)
    if not rows:
        return render_page(
            ctx, ctx.word("nav_homework"), _page_note(ctx, "no_cycles"), nav="homework"
        )
    sections = ""
    for row in rows:
        missing = ctx.word("cycle_open") if row.missing is None else str(row.missing)
        figures = ctx.word(
            "cycle_figures",
            submitted=row.submitted,
            late=row.late,
            missing=missing,
            done=row.reviews_done,
            owed=row.reviews_owed,
        )

        def shown(work: str) -> str:
            if work.startswith(("https://", "http://")):
                return f'<a href="{escape(work)}" rel="noopener noreferrer">{escape(work)}</a>'
            return escape(work)

        items = "".join(
            f"<li>{escape(name)}: {shown(work)}"
            + (f" <em>({escape(ctx.word('late'))})</em>" if late else "")
            + "</li>"
            for name, work, late in row.work
        )
        title = ctx.word("cycle_title", cycle=row.cycle_id, deadline=row.deadline.isoformat())
        sections += (
            f'<section class="cycle" id="{row.cycle_id}"><h2>{escape(title)}</h2>'
            f"<p>{escape(figures)}</p>" + (f"<ul>{items}</ul>" if items else "") + "</section>"
        )
    return render_page(ctx, ctx.word("nav_homework"), sections, nav="homework")


def _last_reports(ctx: Ctx) -> str:
    """The last six monthly reports (their headers: one Query): members by tier, the
    check-in and homework rates, who confirmed the removals; a chart of the check-in rate."""
    from chalicelib.store.reports import recent_headers

    headers = recent_headers(ctx.store.table, ctx.community_id, 6)
    title = f"<h2>{escape(ctx.word('risk_reports'))}</h2>"
    if not headers:
        return title + _page_note(ctx, "risk_no_reports")

    def rate(done: int, expected: int) -> float:
        return done / expected if expected > 0 else 0.0

    chart = month_rates_svg(
        [(h.month, rate(h.checkins.done, h.checkins.expected)) for h in headers],
        "report-rates",
        lambda month, r: ctx.word("risk_report_rate", month=month, rate=f"{r:.0%}"),
    )
    tiers = ("active", "quiet", "inactive", "new", "on_leave")
    head = _headings(
        ctx, ("col_month", *(f"tier_{t}" for t in tiers), "col_checkin_rate", "col_hw_rate")
    )

    def percent(done: int, expected: int) -> str:
        return f"{done * 100 // expected}%" if expected > 0 else "–"

    body = "".join(
        f"<tr><td>{escape(h.month)}</td>"
        + "".join(f'<td class="n">{int(h.counts.get(t, 0))}</td>' for t in tiers)
        + f'<td class="n">{percent(h.checkins.done, h.checkins.expected)}</td>'
        + f'<td class="n">{percent(h.homework.done, h.homework.expected)}</td></tr>'
        for h in reversed(headers)
    )
    return title + f"<section>{chart}</section>" + _table("reports", head, body)


def risk_page(ctx: Ctx) -> HttpResponse:
    assert ctx.community is not None
    month, rows = feature.at_risk(ctx.store, ctx.community, ctx.now)
    intro = f'<p class="muted">{escape(ctx.word("risk_intro", month=month))}</p>'
    reports = _last_reports(ctx)
    if not rows:
        return render_page(
            ctx,
            ctx.word("nav_risk"),
            intro + _page_note(ctx, "no_risk") + reports,
            nav="risk",
        )
    head = _headings(
        ctx,
        ("col_name", "col_tier", "col_last_active", "col_checkins", "col_missed", "col_outcome"),
    )

    def outcome(row: Any) -> str:
        if row.candidate_rule:
            return ctx.word("outcome_remove", rule=row.candidate_rule)
        if row.newly_warned:
            return ctx.word("outcome_warn", rule=row.warned_rule or "")
        return ctx.word("outcome_warned", rule=row.warned_rule or "")

    body = "".join(
        f'<tr><td class="name">{escape(r.name)}</td>'
        f"<td>{escape(ctx.word('tier_' + r.tier.value))}</td>"
        f"<td>{r.last_active.isoformat() if r.last_active else '–'}</td>"
        f'<td class="n">{r.checkins}</td><td class="n">{r.missed_in_a_row}</td>'
        f"<td>{escape(outcome(r))}</td></tr>"
        for r in rows
    )
    table = _table("risk", head, body)
    return render_page(ctx, ctx.word("nav_risk"), intro + table + reports, nav="risk")


def audit_page(ctx: Ctx) -> HttpResponse:
    """What was done to the community and its members: settings changed on these pages
    (the latest 100), removals (who, which rule, confirmed by whom), role and committee
    position changes, and this month's make-ups with who recorded them. One Query each
    (the month's check-ins for the make-ups) and the roster for names; no per-member read."""
    assert ctx.community is not None
    names = {m.user_id: m.display() for m in ctx.store.list_members(ctx.community_id)}

    def who(user_id: object, fallback: object = "") -> str:
        key = str(user_id or "")
        return names.get(key) or str(fallback or key)

    sections = [
        _audit_settings(ctx, who),
        _audit_removals(ctx, who),
        _audit_roles(ctx, who),
        _audit_makeups(ctx, who),
    ]
    return render_page(ctx, ctx.word("nav_audit"), "".join(sections), nav="audit")


Names = Callable[..., str]  # a user id (and a name to fall back on) → the name to show


def _audit_table(
    ctx: Ctx, table_id: str, title: str, columns: tuple[str, ...], rows: Sequence[tuple[str, ...]]
) -> str:
    """One titled section of the audit page (or "none" under its title)."""
    if not rows:
        return f"<h2>{escape(title)}</h2>" + _page_note(ctx, "audit_none")
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<h2>{escape(title)}</h2>" + _table(table_id, _headings(ctx, columns), body)


def _audit_settings(ctx: Ctx, who: Names) -> str:
    from chalicelib.features.communities import audit_trail

    rows = [
        (
            _stored_time(ctx, e["at"], ""),
            who(e.get("by")),
            f"{e.get('field', '')}: {e.get('old', '')} → {e.get('new', '')}",
        )
        for e in audit_trail(ctx.store, ctx.community_id, newest_first=True, limit=100)
    ]
    columns = ("col_when", "col_who", "col_what")
    return _audit_table(ctx, "audit", ctx.word("audit_settings"), columns, rows)


def _audit_removals(ctx: Ctx, who: Names) -> str:
    from chalicelib.features.personal_data import removals

    rows = [
        (
            _stored_time(ctx, r["at"], ""),
            who(r["user_id"], r.get("name")),
            str(r.get("rule") or ""),
            str(r.get("report") or ""),
            who(r.get("confirmed_by")),
        )
        for r in reversed(removals(ctx.store, ctx.community_id))
    ]
    columns = ("col_when", "col_name", "col_rule", "col_report", "col_confirmed_by")
    return _audit_table(ctx, "removals", ctx.word("audit_removals"), columns, rows)


def _audit_roles(ctx: Ctx, who: Names) -> str:
    from chalicelib.features.personal_data import role_audit

    rows = [
        (
            _stored_time(ctx, r["at"], ""),
            who(r["user_id"], r.get("name")),
            f"{r.get('old') or '—'} → {r.get('new') or '—'}",
            who(r.get("by")),
        )
        for r in reversed(role_audit(ctx.store, ctx.community_id))
    ]
    columns = ("col_when", "col_name", "col_change", "col_who")
    return _audit_table(ctx, "roles", ctx.word("audit_roles"), columns, rows)


def _audit_makeups(ctx: Ctx, who: Names) -> str:
    assert ctx.community is not None
    from chalicelib.features.personal_data import makeups

    calendar = ctx.community.calendar
    month = calendar.month(calendar.local_date(ctx.now))
    rows = [
        (
            str(m["date"]),
            who(m["user_id"]),
            who(m.get("recorded_by")),
            _stored_time(ctx, m.get("at"), ""),
        )
        for m in makeups(ctx.store, ctx.community_id, month)
    ]
    columns = ("col_date", "col_name", "col_recorded_by", "col_when")
    return _audit_table(ctx, "makeups", ctx.word("audit_makeups", month=month), columns, rows)


DELIVERY_COLUMNS = (
    "col_period",
    "col_status",
    "col_started",
    "col_group_posts",
    "col_direct",
    "col_refused",
    "col_note",
)


def delivery_page(ctx: Ctx) -> HttpResponse:
    """What each run of one job sent (group posts, direct messages) and what the platform
    refused, newest period first, a page at a time (``before``: the cursor)."""
    assert ctx.community is not None
    jobs = [key.removeprefix("job_") for key in TEXTS if key.startswith("job_")]
    q = ctx.request.query
    job = q.get("job", "") if q.get("job") in jobs else "daily-reminder"
    before = q.get("before", "")
    if len(before) > 64 or not before.isprintable():  # a period is short text (a key part)
        before = ""
    log, older = feature.delivery_log(ctx.store, ctx.community_id, job, before)
    options = "".join(_select_option(j, _job_name(ctx, j), job) for j in jobs)
    form = (
        _filter_form(
            ctx,
            "delivery",
            f'<select name="job" id="job">{options}</select>'
            f'<button type="submit" id="show">{escape(ctx.word("show"))}</button>',
        )
        + f'<p class="muted">{escape(ctx.word("delivery_intro"))}</p>'
    )
    if not log:
        body = form + _page_note(ctx, "no_delivery", "no-delivery")
        return render_page(ctx, ctx.word("nav_delivery"), body, nav="delivery")
    rows = "".join(_delivery_row(ctx, run) for run in log)
    pager = ""
    if before:
        pager += _page_link(ctx, "newest", ctx.page_url("delivery", job=job), "newest") + " "
    if older:
        pager += _page_link(ctx, "older", ctx.page_url("delivery", job=job, before=older), "older")
    body = (
        form
        + _table("delivery", _headings(ctx, DELIVERY_COLUMNS), rows)
        + (f'<p class="pager">{pager}</p>' if pager else "")
    )
    return render_page(ctx, ctx.word("nav_delivery"), body, nav="delivery")


def _delivery_row(ctx: Ctx, run: feature.Delivery) -> str:
    """One run: its period (the anchor the runs page links to), what it sent, what the
    platform refused."""
    ids = ", ".join(f"#{n + 1}" + (f" ({mid})" if mid != "-" else "") for n, mid in run.group)
    group = f'{len(run.group)}<div class="muted">{escape(ids)}</div>' if ids else "0"
    refused = "0"
    if run.refused:
        parts = ctx.word("parts", parts=", ".join(f"#{n + 1}" for n in run.refused))
        refused = f'{len(run.refused)}<div class="muted">{escape(parts)}</div>'
    started = _community_time(ctx, run.started) if run.started else "–"
    return (
        f'<tr id="run-{escape(quote(run.period, safe=""))}" data-period="{escape(run.period)}">'
        f"<td>{escape(run.period)}</td>"
        f'<td class="status-{escape(run.status)}">{escape(run.status)}</td>'
        f"<td>{started}</td>"
        f'<td class="n group">{group}</td><td class="n direct">{run.direct}</td>'
        f'<td class="n refused">{refused}</td><td>{escape(run.note)}</td></tr>'
    )


def me_page(ctx: Ctx) -> HttpResponse:
    """The signed-in member's own page: nothing in the URL says whose (the session does),
    so no query opens another member's."""
    assert ctx.member is not None
    body = _member_body(ctx, ctx.member, "me", {})
    return render_page(ctx, ctx.word("nav_me"), body, nav="me")


def member_page(ctx: Ctx) -> HttpResponse:
    """An admin's view of one member's page, opened from the members table. The URL names
    the member by a reference bound to this session (manage/session.py member_ref), never
    by their id: a copied link opens nothing in another browser. One roster Query finds
    whom it names (as the members page reads it)."""
    assert ctx.community is not None
    ref = ctx.request.query.get("m", "")
    key = ctx.key or b""
    found = next(
        (
            m
            for m in ctx.store.list_members(ctx.community_id)
            if m.is_present and ref and sessions.member_ref(key, ctx.cookie, m.user_id) == ref
        ),
        None,
    )
    if found is None:
        return page_not_found(ctx)
    body = _member_body(ctx, found, "member", {"m": ref})
    return render_page(ctx, found.display(), body, nav="members")


def _member_body(ctx: Ctx, member: Member, page: str, query: dict[str, str]) -> str:
    """A member's month (``?month=``, else this one) as a calendar with its pager, and
    their figures; ``page`` and ``query`` make the pager's links."""
    assert ctx.community is not None
    spoken = ctx.community.with_changes(locale=ctx.page_lang)
    data = feature.member_home(
        ctx.store, spoken, member, ctx.now, month=ctx.request.query.get("month", "")
    )
    current = data.month == ctx.community.calendar.month(data.today)
    month_title = ctx.word("cal_title", month=data.month, count=len(data.checked))
    intro = ctx.word("my_intro", name=data.name) if page == "me" else ""
    return (
        f'<p class="muted">{escape(intro)}</p>'
        f'<div class="grid"><section><h2 id="month">{escape(month_title)}</h2>'
        + _month_calendar(ctx, data)
        + f'<p class="pager">{_month_pager(ctx, data, page, query, current)}</p></section>'
        f"<section><h2>{escape(ctx.word('my_figures'))}</h2>"
        f'<ul id="facts">{_member_facts(ctx, data, current)}</ul>'
        "</section></div>"
    )


def _month_calendar(ctx: Ctx, data: feature.MyPage) -> str:
    """The month's weeks, each day checked in, missed or still to come."""
    import calendar as months

    heads = "".join(f"<th>{escape(ctx.word('wd_' + str(d)))}</th>" for d in range(7))
    cells = ""
    for week in months.Calendar().monthdatescalendar(data.first.year, data.first.month):
        cells += "<tr>"
        for day in week:
            if day.month != data.first.month:
                cells += '<td class="out"></td>'
                continue
            kind = "in" if day in data.checked else "future" if day > data.today else "missed"
            label = ctx.word("cal_" + kind, date=day.isoformat())
            mark = "✓" if kind == "in" else ""
            cells += (
                f'<td class="day {kind}" data-date="{day.isoformat()}" title="{escape(label)}">'
                f'<span class="d">{day.day}</span><span class="m">{mark}</span></td>'
            )
        cells += "</tr>"
    return _table("calendar", heads, cells, css="cal")


def _month_pager(
    ctx: Ctx, data: feature.MyPage, page: str, query: dict[str, str], current: bool
) -> str:
    """Links to the month before and (unless this is the current month) the one after."""
    from datetime import timedelta

    before = (data.first - timedelta(days=1)).strftime("%Y-%m")
    pager = _page_link(ctx, "prev-month", ctx.page_url(page, **query, month=before), "prev_month")
    if not current:
        after = (data.last + timedelta(days=1)).strftime("%Y-%m")
        pager += " " + _page_link(
            ctx, "next-month", ctx.page_url(page, **query, month=after), "next_month"
        )
    return pager


def _member_facts(ctx: Ctx, data: feature.MyPage, current: bool) -> str:
    """Streaks, check-ins and make-ups left, this cycle's homework, the community's own
    lines and the month's sessions attended."""
    from chalicelib.domain.messages import cycle_label, day_count

    figures = [
        ("streak", ctx.word("my_streak", days=day_count(ctx.page_lang, data.streak))),
        ("best", ctx.word("my_best", days=day_count(ctx.page_lang, data.best))),
        ("total", ctx.word("my_total", n=data.total)),
    ]
    if current:
        figures.append(("makeups", ctx.word("my_makeups", n=data.makeups_left)))
    facts = "".join(f'<li id="my-{key}">{escape(text)}</li>' for key, text in figures)
    if data.homework is not None:
        cycle, deadline, handed, late = data.homework
        key = "my_hw_late" if late else "my_hw_done" if handed else "my_hw_missing"
        label = cycle_label(ctx.page_lang, cycle)
        line = ctx.word(key, cycle=label, deadline=deadline.isoformat())
        facts += f'<li id="my-homework">{escape(line)}</li>'
    facts += "".join(f'<li class="line">{escape(line)}</li>' for line in data.lines)
    if data.sessions:
        there = sum(1 for _day, _title, went in data.sessions if went)
        count = ctx.word("my_sessions", n=there, of=len(data.sessions))
        attended = "".join(
            f'<li class="{"went" if went else "missed"}">{day.isoformat()} {escape(title)}'
            + (" ✓" if went else "")
            + "</li>"
            for day, title, went in data.sessions
        )
        facts += f'<li id="my-sessions">{escape(count)}<ul>{attended}</ul></li>'
    return facts


VIEWS: dict[str, Callable[[Ctx], HttpResponse]] = {
    "overview": overview_page,
    "members": members_page,
    "homework": homework_page,
    "risk": risk_page,
    "runs": runs_page,
    "settings": settings_page,
    "audit": audit_page,
    "delivery": delivery_page,
    "member": member_page,
}


def handle_manage_request(
    runtime: Any, request: HttpRequest, community_id: str, name: str
) -> HttpResponse:
    ctx = Ctx(runtime, request, community_id)
    ctx.page = name
    if name == "signin":
        return signin_page(ctx)
    if name == "signout":
        return signout_page(ctx)
    if name == "me":  # the signed-in member's own page, whoever they are
        refused = _authorise_self(ctx)
        return refused if refused is not None else me_page(ctx)
    view = VIEWS.get(name)
    if view is None:
        return page_not_found(ctx)
    refused = _authorise(ctx)
    if refused is not None:
        return refused
    return view(ctx)


CSS = """
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"PingFang SC",
"Microsoft YaHei",sans-serif;color:#1d2430;background:#f6f7f9}
header{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;padding:.7rem 1.2rem;
background:#1f3a5f;color:#fff}header a,header .link{color:#dfe8f5;text-decoration:none}
nav{display:flex;gap:.9rem;flex:1;flex-wrap:wrap}nav a.on{color:#fff;font-weight:600;
border-bottom:2px solid #8fd19e}.lang{margin-left:auto}main{max-width:1100px;margin:0 auto;
padding:1rem 1.2rem}h1{font-size:1.4rem}h2{font-size:1.05rem;margin:.2rem 0 .6rem}
section{background:#fff;border:1px solid #e3e6ea;border-radius:8px;padding:.9rem 1rem;
margin-bottom:1rem}.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));
gap:1rem}table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;
padding:.35rem .6rem;border-bottom:1px solid #eceef1}th a{color:inherit}td.n{text-align:right;
font-variant-numeric:tabular-nums}.muted{color:#6b7480;font-size:.9rem}.notice{padding:.6rem .8rem;
background:#e8f5ec;border-radius:6px}.notice.bad{background:#fdecea}.filters{display:flex;
flex-wrap:wrap;gap:.5rem;margin-bottom:.6rem}input,select,button{font:inherit;padding:.3rem .5rem}
button{background:#1f3a5f;color:#fff;border:0;border-radius:5px;padding:.4rem 1rem;cursor:pointer}
.inline{display:inline}button.link{background:none;padding:0}.field{display:grid;
grid-template-columns:16rem 12rem 1fr;gap:.6rem;align-items:center;margin:.35rem 0}
.field.bad input,.field.bad textarea{border:2px solid #c0392b}.error{color:#c0392b}
.names{columns:3}fieldset{background:#fff;border:1px solid #e3e6ea;border-radius:8px;
margin-bottom:1rem}legend{font-weight:600}textarea{font:inherit;grid-column:2/4;min-height:6rem}
svg text{font-size:10px;fill:#6b7480}
.cal{width:auto}.cal td,.cal th{text-align:center;width:2.6rem;height:2.4rem;padding:.1rem}
.cal td.in{background:#7bc96f;color:#fff;font-weight:600}.cal td.missed{background:#f1f2f4}
.cal td.future{color:#b5bbc3}.cal .m{display:block;font-size:.8rem;line-height:1}
"""
