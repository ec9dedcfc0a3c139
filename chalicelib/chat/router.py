"""Chat commands dispatch through a table: command name → handler.

A handler is a small function from a CommandContext to the replies (usually one) and
whatever change it makes through the store. Features register their handlers here.

Handlers are named, not imported: a handler's module is imported the first time its command
arrives. A Lambda cold start answering a check-in then pays for the check-in module only,
not for homework and inactivity reports (about 20 ms of imports, a tenth of a cold start).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Sequence

from chalicelib.chat.context import CommandContext
from chalicelib.platforms.base import Message

Handler = Callable[[CommandContext], Sequence[Message]]

_ADMIN = "chalicelib.chat.admin"
_CHECKINS = "chalicelib.chat.checkins"
_HOMEWORK = "chalicelib.chat.homework"
_STANDING = "chalicelib.chat.standing"
_CONFIRM = "chalicelib.chat.confirm"
_PERSONAL = "chalicelib.chat.personal"
_SETUP = "chalicelib.chat.setup"
_ROLES = "chalicelib.chat.roles"
_STARS = "chalicelib.chat.stars"
_MANAGE = "chalicelib.chat.manage"
_GOALS = "chalicelib.chat.goals"
_ROTA = "chalicelib.chat.rota"
_RITUAL = "chalicelib.chat.ritual"
_POSITIONS = "chalicelib.chat.positions"
_SESSIONS = "chalicelib.chat.sessions"
_ANNOUNCEMENTS = "chalicelib.chat.announcements"

# command name → (module, function)
HANDLERS: dict[str, tuple[str, str]] = {
    "help": (__name__, "handle_help"),
    # daily check-ins (chat/checkins.py)
    "checkin": (_CHECKINS, "handle_checkin"),
    "makeup": (_CHECKINS, "handle_makeup"),
    "me": (_CHECKINS, "handle_me"),
    "leaderboard": (_CHECKINS, "handle_leaderboard"),
    "leave": (_CHECKINS, "handle_leave"),
    "back": (_CHECKINS, "handle_back"),
    "quiet": (_CHECKINS, "handle_quiet"),
    "theme": (_CHECKINS, "handle_theme"),
    # weekly homework (chat/homework.py)
    "submit": (_HOMEWORK, "handle_submit"),
    "review": (_HOMEWORK, "handle_review"),
    "hw": (_HOMEWORK, "handle_hw"),
    # admins (chat/admin.py)
    "remind": (_ADMIN, "handle_remind"),
    "exempt": (_ADMIN, "handle_exempt"),
    # roles and squads (chat/roles.py)
    "role": (_ROLES, "handle_role"),
    "squad": (_ROLES, "handle_squad"),
    # inactivity (chat/standing.py)
    "standing": (_STANDING, "handle_standing"),
    "report": (_STANDING, "handle_report"),
    "confirm_removals": (_STANDING, "handle_confirm_removals"),
    # a held admin command's code (chat/confirm.py; the webhook takes it first)
    "confirm": (_CONFIRM, "handle_confirm"),
    # the month's and quarter's stars (chat/stars.py)
    "stars": (_STARS, "handle_stars"),
    "award": (_STARS, "handle_award"),
    # members' data rights (chat/personal.py)
    "mydata": (_PERSONAL, "handle_mydata"),
    # organisers (chat/setup.py; /setup in a group with no community: inbound.py)
    "setup": (_SETUP, "handle_setup"),
    "settings": (_SETUP, "handle_settings"),
    # the organiser's pages: a sign-in link by direct message (chat/manage.py)
    "manage": (_MANAGE, "handle_manage"),
    # the monthly goal (chat/goals.py)
    "goal": (_GOALS, "handle_goal"),
    "progress": (_GOALS, "handle_progress"),
    # the duty rota (chat/rota.py)
    "volunteer": (_ROTA, "handle_volunteer"),
    "swap": (_ROTA, "handle_swap"),
    "rota": (_ROTA, "handle_rota"),
    # the joining ritual (chat/ritual.py)
    "rules": (_RITUAL, "handle_rules"),
    "agree": (_RITUAL, "handle_agree"),
    "intro": (_RITUAL, "handle_intro"),
    "pending": (_RITUAL, "handle_pending"),
    # committee positions (chat/positions.py)
    "appoint": (_POSITIONS, "handle_appoint"),
    "dismiss": (_POSITIONS, "handle_dismiss"),
    # recurring sessions (chat/sessions.py)
    "speak": (_SESSIONS, "handle_speak"),
    "confirm_speaker": (_SESSIONS, "handle_confirm_speaker"),
    "here": (_SESSIONS, "handle_here"),
    "recording": (_SESSIONS, "handle_recording"),
    "cancel_session": (_SESSIONS, "handle_cancel_session"),
    "sessions": (_SESSIONS, "handle_sessions"),
    # announcements (chat/announcements.py)
    "announce": (_ANNOUNCEMENTS, "handle_announce"),
    "announcements": (_ANNOUNCEMENTS, "handle_announcements"),
    # the owner erases a member's data, asked then confirmed (chat/personal.py)
    "forget": (_PERSONAL, "handle_forget"),
    # a member's own page: a sign-in link by direct message (chat/manage.py)
    "mypage": (_MANAGE, "handle_mypage"),
}

# Commands whose handler de-duplicates a redelivery itself, through its own conditional
# write, and writes the member's activity itself (CommandContext.activity), so the inbound
# path claims no delivery id for them: the check-in's put records the delivery id and is
# refused for a redelivery anyway (chat/checkins.py). Every other command is claimed first.
SELF_DEDUPLICATING = frozenset({"checkin"})

# Commands too slow to answer within a platform's deadline (Slack and Discord 3 s, Feishu
# and WeCom 1-5 s), run by the queue worker instead (chalicelib/worker.py), each with its
# precheck: the refusals and usage answers that need nothing beyond the community and member
# the webhook has already read, given inline at once. The webhook answers the rest with
# "working on it" (Discord: a deferred response) and the worker posts the result.
#
# * ``remind`` runs the whole daily-reminder job: its roster Query, then one API call per
#   message part, paced by the platform (a WeCom or DingTalk robot: 3 s between parts).
#   A leader's /remind (their squad only) is this command too, answered the same way.
# * ``confirm_removals`` calls the platform once per candidate.
# * ``mydata`` reads every check-in of the community to find the member's (chat/personal.py).
# * ``setup`` and ``settings`` (a change) schedule the community's jobs, which needs every
#   job's declaration (jobs/registry.py): the worker's to reach, not the webhook's
#   (chat/setup.py). Their refusals, and /settings showing the settings, are answered inline.
#
# ``report`` is not here: it reads a report the monthly job already built and stored (one
# Query for the latest header, or one GetItem for a given month; store/reports.py) and
# composes it from that header alone, as fast as any other command. No chat command builds
# a report; that stays the job's (or ``rollcall report monthly``).
DEFERRED: dict[str, tuple[str, str]] = {
    "remind": (_ADMIN, "precheck_remind"),
    "confirm_removals": (_STANDING, "check_confirm_removals"),
    "mydata": (_PERSONAL, "precheck_mydata"),
    "setup": (_SETUP, "precheck_setup"),
    "settings": (_SETUP, "precheck_settings"),
    # /forget @x counts, then erases, the member's items: every check-in of the community
    "forget": (_PERSONAL, "precheck_forget"),
}

Precheck = Callable[[CommandContext], Sequence[Message] | None]


def handle_help(ctx: CommandContext) -> Sequence[Message]:
    """The commands; an owner or admin also gets the admin commands, a leader theirs, a
    committee member their position's."""
    if ctx.may("settings"):
        return [Message(ctx.say("help").text + "\n\n" + ctx.say("help_admin").text)]
    extra = []
    if ctx.may("remind_squad"):
        extra.append(ctx.say("help_leader").text)
    if ctx.member.position:
        from chalicelib.features.positions import position_help

        extra.extend(position_help(ctx.community, ctx.member))
    return [Message("\n\n".join([ctx.say("help").text, *extra]))]


def handle_unknown(ctx: CommandContext) -> Sequence[Message]:
    """A ``/word`` that is no command: one line naming the nearest command when there is
    one (``/chekin`` → ``/checkin``), else the help."""
    nearest = suggest(ctx.command.word)
    if nearest is not None:
        return [ctx.say("did_you_mean", command=ctx.command.word, suggestion=nearest)]
    return [ctx.say("unknown_command", command=ctx.command.word)]


def suggest(word: str) -> str | None:
    """The slash command nearest to a mistyped ``word`` (difflib's ratio of at least 0.75:
    one or two letters off in a command of six), or None."""
    import difflib

    from chalicelib.domain.commands import ALIASES

    typed = word.split("@", 1)[0].lower()
    if not typed.startswith("/"):
        return None
    known = sorted(alias for alias in ALIASES if alias.startswith("/"))
    found = difflib.get_close_matches(typed, known, n=1, cutoff=0.75)
    return found[0] if found else None


@functools.cache
def handler(name: str) -> Handler:
    """The handler of a command name (handle_unknown for none), importing its module once."""
    where = HANDLERS.get(name)
    if where is None:
        return handle_unknown
    module, function = where
    found: Handler = getattr(importlib.import_module(module), function)
    return found


@functools.cache
def precheck(name: str) -> Precheck:
    """A deferred command's inline precheck: the answer when it must not run (None: run it)."""
    module, function = DEFERRED[name]
    found: Precheck = getattr(importlib.import_module(module), function)
    return found


def dispatch(ctx: CommandContext) -> Sequence[Message]:
    return handler(ctx.command.name)(ctx)
