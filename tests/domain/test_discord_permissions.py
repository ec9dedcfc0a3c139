"""Who can view a Discord channel, in Discord's documented order: owner, base permissions
(@everyone then roles, ADMINISTRATOR grants all), then the @everyone overwrite, the role
overwrites together, the member's own overwrite; within each, deny then allow."""

from __future__ import annotations

from chalicelib.domain.discord_permissions import (
    ADMINISTRATOR,
    MEMBER,
    ROLE,
    VIEW_CHANNEL,
    GuildPermissions,
    Overwrite,
)

GUILD = "100"  # the @everyone role's id is the guild's
MODS, CREW, BANNED = "201", "202", "203"
SEND_MESSAGES = 1 << 11


def guild(*overwrites: Overwrite, everyone: int = VIEW_CHANNEL, owner: str | None = "1"):
    return GuildPermissions(
        guild_id=GUILD,
        owner_id=owner,
        roles={GUILD: everyone, MODS: SEND_MESSAGES, CREW: 0, BANNED: 0, "204": ADMINISTRATOR},
        overwrites=overwrites,
    )


def test_with_no_overwrites_the_everyone_role_decides():
    assert guild().can_view("7", [])
    assert not guild(everyone=0).can_view("7", [])
    assert not guild(everyone=0).can_view("7", [MODS])  # MODS carries no VIEW_CHANNEL


def test_a_role_grants_view_in_the_base_permissions():
    g = GuildPermissions(GUILD, None, {GUILD: 0, CREW: VIEW_CHANNEL})
    assert g.can_view("7", [CREW]) and not g.can_view("8", [])


def test_a_private_channel_hides_from_everyone_but_the_allowed_role():
    g = guild(Overwrite(GUILD, ROLE, deny=VIEW_CHANNEL), Overwrite(CREW, ROLE, allow=VIEW_CHANNEL))
    assert g.can_view("7", [CREW])
    assert not g.can_view("8", [])
    assert not g.can_view("9", [MODS])


def test_within_one_overwrite_allow_wins_over_deny():
    g = guild(Overwrite(GUILD, ROLE, allow=VIEW_CHANNEL, deny=VIEW_CHANNEL), everyone=0)
    assert g.can_view("7", [])


def test_role_overwrites_combine_so_any_roles_allow_beats_another_roles_deny():
    g = guild(
        Overwrite(BANNED, ROLE, deny=VIEW_CHANNEL),
        Overwrite(CREW, ROLE, allow=VIEW_CHANNEL),
    )
    assert g.can_view("7", [BANNED, CREW])  # the order of roles does not matter
    assert g.can_view("7", [CREW, BANNED])
    assert not g.can_view("8", [BANNED])


def test_a_role_overwrite_comes_after_the_everyone_overwrite():
    g = guild(
        Overwrite(CREW, ROLE, deny=VIEW_CHANNEL),
        Overwrite(GUILD, ROLE, allow=VIEW_CHANNEL),
        everyone=0,
    )
    assert not g.can_view("7", [CREW])  # listed first, applied after @everyone's
    assert g.can_view("8", [])


def test_a_member_overwrite_comes_last_deny_or_allow():
    g = guild(
        Overwrite(GUILD, ROLE, deny=VIEW_CHANNEL),
        Overwrite(CREW, ROLE, allow=VIEW_CHANNEL),
        Overwrite("7", MEMBER, deny=VIEW_CHANNEL),
        Overwrite("8", MEMBER, allow=VIEW_CHANNEL),
    )
    assert not g.can_view("7", [CREW])  # their role lets them in; their own deny wins
    assert g.can_view("8", [])  # no role lets them in; their own allow does
    assert g.can_view("9", [CREW])


def test_a_member_overwrite_is_not_a_role_overwrite_with_the_same_id():
    g = guild(Overwrite(CREW, MEMBER, deny=VIEW_CHANNEL))
    assert g.can_view("7", [CREW])  # the overwrite is for a user whose id is CREW's
    assert not g.can_view(CREW, [])


def test_an_administrator_sees_everything_whatever_the_overwrites():
    g = guild(
        Overwrite(GUILD, ROLE, deny=VIEW_CHANNEL),
        Overwrite("204", ROLE, deny=VIEW_CHANNEL),
        Overwrite("7", MEMBER, deny=VIEW_CHANNEL),
    )
    assert g.can_view("7", ["204"])
    assert not g.can_view("8", [])


def test_the_everyone_role_with_administrator_makes_everyone_an_administrator():
    g = guild(Overwrite(GUILD, ROLE, deny=VIEW_CHANNEL), everyone=ADMINISTRATOR)
    assert g.can_view("7", [])


def test_the_owner_sees_everything():
    g = guild(Overwrite(GUILD, ROLE, deny=VIEW_CHANNEL), Overwrite("1", MEMBER, deny=VIEW_CHANNEL))
    assert g.can_view("1", [])
    assert not g.can_view("2", [])
    assert not guild(Overwrite("1", MEMBER, deny=VIEW_CHANNEL), owner=None).can_view("1", [])


def test_an_unknown_role_grants_nothing():
    g = guild(everyone=0)
    assert not g.can_view("7", ["999"])
