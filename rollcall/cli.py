"""The ``rollcall`` command, for community operators and ops.

Every command takes ``--json`` and fails with one line on standard error and a non-zero
exit on bad input, never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

from chalicelib.domain.models import (
    JOBS,
    Community,
    InvalidValue,
    parse_hhmm,
    parse_locale,
    parse_platform,
    parse_timezone,
)
from chalicelib.store.repository import AlreadyBound, NotFound, new_community_id

EXPECTED_ERRORS: tuple[type[Exception], ...] = (
    InvalidValue,
    NotFound,
    AlreadyBound,
    ValueError,
    OSError,
)


class Failure(click.ClickException):
    """One line, non-zero exit."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def friendly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn expected failures (bad input, unknown ids, unreachable endpoint) into one line."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        from rollcall.local import LocalStateError

        try:
            return func(*args, **kwargs)
        except click.ClickException:
            raise
        except (*EXPECTED_ERRORS, LocalStateError) as error:
            raise Failure(str(error)) from None
        except ClientError as error:
            raise Failure(f"AWS said: {error.response['Error'].get('Message', error)}") from None
        except BotoCoreError as error:
            raise Failure(f"cannot reach DynamoDB: {error}") from None

    return wrapper


def emit(data: Any, as_json: bool, text: str | None = None) -> None:
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    elif text is not None:
        click.echo(text)


json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="rollcall")
def main() -> None:
    """rollcall: daily check-ins, weekly homework and monthly reports for chat communities."""


# -- infra ------------------------------------------------------------------------------


@main.group()
def infra() -> None:
    """Create what chalice does not: the table (and queues)."""


@infra.command("bootstrap")
@click.option("--stage", default=None, help="Stage name (default: $ROLLCALL_STAGE or local).")
@json_option
@friendly
def infra_bootstrap(stage: str | None, as_json: bool) -> None:
    """Create the table when missing, on the configured endpoint. Idempotent."""
    import os

    from chalicelib.config import Settings
    from chalicelib.runtime import make_dynamodb_client
    from chalicelib.store.schema import ensure_table
    from rollcall.context import endpoint

    if stage:
        os.environ["ROLLCALL_STAGE"] = stage
    with endpoint() as url:
        settings = Settings.from_env()
        created = ensure_table(make_dynamodb_client(settings), settings.table_name)
    result = {
        "stage": settings.stage,
        "table": settings.table_name,
        "created": created,
        "endpoint": url or "aws",
    }
    verb = "created" if created else "already there"
    emit(result, as_json, f"table {settings.table_name}: {verb} ({url or 'AWS'})")


# -- communities ------------------------------------------------------------------------


def mask(secret: str) -> str:
    """Enough to recognise a secret, never enough to use it."""
    return secret[:4] + "…" if len(secret) > 8 else "…"


def community_dict(c: Community) -> dict[str, Any]:
    from chalicelib.store.records import to_fields

    data = to_fields(c)
    for name in ("robot_webhook", "robot_secret"):
        if name in data:
            data[name] = mask(data[name])
    return data


def describe(c: Community) -> str:
    return (
        f"{c.id}  {c.name}\n"
        f"  platform   {c.platform}  chat {c.chat_id}\n"
        f"  timezone   {c.timezone}  locale {c.locale}  day ends {c.day_boundary}\n"
        f"  reminder   {c.reminder_time}"
        + (f"  last call {c.last_call_time}" if c.last_call_time else "")
        + "\n"
        f"  homework   every {c.cycle_length_days} days, deadline {c.deadline_time}\n"
        f"  report     day {c.report_day} at {c.report_time}"
    )


@main.group()
def community() -> None:
    """Create, list, show, update and bind communities."""


def _settings_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--timezone", help="IANA timezone, e.g. Asia/Shanghai."),
        click.option("--locale", help="zh-CN or en."),
        click.option("--reminder-time", help="Daily reminder, HH:MM local."),
        click.option("--last-call-time", help="Optional second reminder, HH:MM local."),
        click.option("--day-boundary", help="When the community's day ends, HH:MM (00:00)."),
        click.option("--report-time", help="Monthly report time, HH:MM local."),
        click.option("--robot-webhook", help="Group robot URL (Feishu, DingTalk, WeCom)."),
        click.option("--robot-secret", help="Group robot signing secret (加签)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _setting_changes(**given: str | None) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if given.get("timezone"):
        changes["timezone"] = parse_timezone(given["timezone"])
    if given.get("locale"):
        changes["locale"] = parse_locale(given["locale"])
    for name in ("reminder_time", "last_call_time", "day_boundary", "report_time"):
        value = given.get(name)
        if value:
            parse_hhmm(value, name.replace("_", " "))
            changes[name] = value
    if given.get("robot_webhook"):
        url = given["robot_webhook"].strip()
        if not url.startswith("https://"):
            raise InvalidValue("robot webhook must be an https:// URL")
        changes["robot_webhook"] = url
    if given.get("robot_secret"):
        changes["robot_secret"] = given["robot_secret"].strip()
    return changes


@community.command("create")
@click.option("--name", required=True)
@click.option(
    "--platform",
    required=True,
    help="slack, discord, telegram, feishu (lark), dingtalk, wecom or console.",
)
@click.option("--chat-id", required=True, help="The group chat's id on that platform.")
@_settings_options
@click.option("--id", "community_id", help="Choose the id (default: generated).")
@json_option
@friendly
def community_create(
    name: str,
    platform: str,
    chat_id: str,
    community_id: str | None,
    as_json: bool,
    **settings: str | None,
) -> None:
    """Create a community for one group chat; prints its id."""
    from datetime import UTC, datetime

    from rollcall.context import open_store

    changes = _setting_changes(**settings)
    new = Community(
        id=community_id or new_community_id(),
        name=name,
        platform=parse_platform(platform),
        chat_id=chat_id,
        created_at=datetime.now(UTC).replace(microsecond=0),
        **{"timezone": "Asia/Shanghai", "locale": "zh-CN", **changes},
    )
    with open_store() as store:
        store.create_community(new)
    emit({"id": new.id}, as_json, new.id)


@community.command("list")
@json_option
@friendly
def community_list(as_json: bool) -> None:
    """All communities, oldest first."""
    from rollcall.context import open_store

    with open_store() as store:
        found = list(store.list_communities())
    lines = [f"{c.id}  {c.platform:<9} {c.timezone:<20} {c.locale:<5} {c.name}" for c in found]
    emit([community_dict(c) for c in found], as_json, "\n".join(lines) or "no communities yet")


@community.command("show")
@click.argument("community_id")
@json_option
@friendly
def community_show(community_id: str, as_json: bool) -> None:
    """One community's settings."""
    from rollcall.context import open_store

    with open_store() as store:
        found = store.get_community(community_id)
        members = sum(1 for _ in store.list_members(community_id))
    data = {**community_dict(found), "members": members}
    emit(data, as_json, describe(found) + f"\n  members    {members}")


@community.command("update")
@click.argument("community_id")
@click.option("--name")
@_settings_options
@json_option
@friendly
def community_update(
    community_id: str, name: str | None, as_json: bool, **settings: str | None
) -> None:
    """Change a community's name, timezone, language or times."""
    from rollcall.context import open_store

    changes = _setting_changes(**settings)
    if name:
        changes["name"] = name
    if not changes:
        raise Failure("nothing to change: give at least one option (see --help)")
    with open_store() as store:
        updated = store.get_community(community_id).with_changes(**changes)
        store.save_community(updated)
    emit(community_dict(updated), as_json, describe(updated))


@community.command("bind")
@click.option("--community", "community_id", required=True)
@click.option("--platform", required=True)
@click.option("--chat-id", required=True)
@json_option
@friendly
def community_bind(community_id: str, platform: str, chat_id: str, as_json: bool) -> None:
    """Connect a (new) group chat to an existing community."""
    from rollcall.context import open_store

    platform = parse_platform(platform)
    with open_store() as store:
        current = store.get_community(community_id)
        if (current.platform, current.chat_id) != (platform, chat_id):
            store.bind_chat(community_id, platform, chat_id)
            store.unbind_chat(current.platform, current.chat_id)
            store.save_community(current.with_changes(platform=platform, chat_id=chat_id))
    result = {"id": community_id, "platform": platform, "chat_id": chat_id}
    emit(result, as_json, f"{community_id} ← {platform} chat {chat_id}")


# -- members ----------------------------------------------------------------------------


@main.group()
def member() -> None:
    """Import and export a community's members (CSV)."""


@member.command("import")
@click.option("--community", "community_id", required=True)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@json_option
@friendly
def member_import(community_id: str, file: Path, as_json: bool) -> None:
    """Import members from CSV (user_id,name,role,squad,joined_at[,username]).

    Re-importing updates members in place: their history is kept.
    """
    from rollcall import members_csv
    from rollcall.context import open_store

    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise Failure(f"{file}: not UTF-8 text") from None
    try:
        rows = members_csv.parse_rows(text)
    except members_csv.CsvError as error:
        raise Failure(f"{file}: {error}") from None
    with open_store() as store:
        store.get_community(community_id)
        existing = {m.user_id: m for m in store.list_members(community_id)}
        members = members_csv.merge(community_id, rows, existing)
        created = sum(1 for m in members if m.user_id not in existing)
        show_bar = len(members) >= 500 and not as_json
        with click.progressbar(
            length=len(members), label="importing", file=sys.stderr, hidden=not show_bar
        ) as bar:
            for offset in range(0, len(members), 500):
                chunk = members[offset : offset + 500]
                store.bulk_save_members(chunk)
                bar.update(len(chunk))
    result = {"community": community_id, "created": created, "updated": len(members) - created}
    emit(result, as_json, f"{created} added, {len(members) - created} updated")


@member.command("export")
@click.option("--community", "community_id", required=True)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@json_option
@friendly
def member_export(community_id: str, output: Path | None, as_json: bool) -> None:
    """Write the members as CSV, in the format import reads."""
    from chalicelib.store.records import to_fields
    from rollcall import members_csv
    from rollcall.context import open_store

    with open_store() as store:
        store.get_community(community_id)
        members = list(store.list_members(community_id))
    if as_json:
        emit([to_fields(m) for m in members], True)
        return
    text = members_csv.render(members)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


# -- jobs -------------------------------------------------------------------------------


@main.group()
def job() -> None:
    """Run a job by hand, as the scheduler would."""


@job.command("run")
@click.argument("name", type=click.Choice(JOBS))
@click.option("--community", "community_id", required=True)
@click.option("--at", "at", help="Run as of this instant (ISO-8601 with offset; default now).")
@click.option("--dry-run", is_flag=True, help="Show what would be sent; send and record nothing.")
@click.option("--force", is_flag=True, help="Run again even if this period already ran.")
@json_option
@friendly
def job_run(
    name: str, community_id: str, at: str | None, dry_run: bool, force: bool, as_json: bool
) -> None:
    """Run one job for one community as of an instant, and print what it sent."""
    from datetime import UTC, datetime

    from chalicelib.clock import parse_instant
    from chalicelib.jobs.runner import run_job
    from rollcall.runtime import local_runtime

    now = parse_instant(at) if at else datetime.now(UTC)
    # The console "chat" is this terminal: the result below shows what was posted, once.
    with local_runtime(sink=lambda _sent: None) as runtime:
        result = run_job(runtime, name, community_id, now, dry_run=dry_run, force=force)
    emit(result.as_dict(), as_json, result.describe())


# -- local runtime ----------------------------------------------------------------------


@main.command()
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--fresh", is_flag=True, help="Start with empty local state.")
@click.option(
    "--tick",
    default=60,
    show_default=True,
    type=click.IntRange(1, 3600),
    help="Seconds between scheduler ticks.",
)
@friendly
def serve(port: int, fresh: bool, tick: int) -> None:
    """Serve the webhooks on 127.0.0.1 and fire the scheduled jobs on their real schedule."""
    from rollcall.serve import run_server

    run_server(port=port, fresh=fresh, tick_seconds=tick)


@main.command()
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--weeks", default=5, show_default=True, type=click.IntRange(1, 12))
@click.option("--locale", default="zh-CN", show_default=True, type=click.Choice(["zh-CN", "en"]))
@json_option
@friendly
def demo(seed: int, weeks: int, locale: str, as_json: bool) -> None:
    """Simulate a ~30-member community for five weeks through the real routes and jobs."""
    from rollcall.demo import run_demo

    summary = run_demo(seed=seed, weeks=weeks, locale=locale, echo=not as_json)
    if as_json:
        emit(summary, True)


def today() -> date:
    from datetime import UTC, datetime

    return datetime.now(UTC).date()


if __name__ == "__main__":  # pragma: no cover
    main()
