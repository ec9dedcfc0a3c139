"""Who may change which role from chat, and which source wins a platform refresh.

Each guard has a case that goes red when its check is removed from domain/roles.py."""

from __future__ import annotations

import pytest

from chalicelib.domain.models import Role
from chalicelib.domain.roles import (
    RoleRefusal,
    is_explicit,
    parse_role_word,
    platform_role,
    refuse_role_change,
)
from tests.helpers import member

OWNER = member("o", role=Role.OWNER)
ADMIN = member("a", role=Role.ADMIN)
LEADER = member("l", role=Role.LEADER)
AMY = member("amy")


def test_the_owner_grants_and_revokes_admin():
    assert refuse_role_change(OWNER, AMY, Role.ADMIN) is None
    assert refuse_role_change(OWNER, ADMIN, Role.MEMBER) is None


def test_an_admin_cannot_make_an_admin():
    """Only the owner grants admin: an admin granting it would let admins multiply."""
    assert refuse_role_change(ADMIN, AMY, Role.ADMIN) is RoleRefusal.OWNER_ONLY


def test_an_admin_cannot_unmake_another_admin():
    assert refuse_role_change(ADMIN, member("b", role=Role.ADMIN), Role.MEMBER) is (
        RoleRefusal.OWNER_ONLY
    )
    assert refuse_role_change(ADMIN, member("b", role=Role.ADMIN), Role.LEADER) is (
        RoleRefusal.OWNER_ONLY
    )


def test_an_admin_makes_leaders_and_members():
    assert refuse_role_change(ADMIN, AMY, Role.LEADER) is None
    assert refuse_role_change(ADMIN, LEADER, Role.MEMBER) is None


def test_nobody_changes_their_own_role():
    assert refuse_role_change(OWNER, OWNER, Role.MEMBER) is RoleRefusal.SELF
    assert refuse_role_change(ADMIN, ADMIN, Role.LEADER) is RoleRefusal.SELF


def test_the_owners_role_is_not_changed_from_chat():
    other_owner = member("o2", role=Role.OWNER)
    assert refuse_role_change(OWNER, other_owner, Role.MEMBER) is RoleRefusal.OWNER_TARGET
    assert refuse_role_change(ADMIN, OWNER, Role.LEADER) is RoleRefusal.OWNER_TARGET


def test_nobody_is_made_owner_from_chat():
    assert refuse_role_change(OWNER, AMY, Role.OWNER) is RoleRefusal.NO_OWNER


@pytest.mark.parametrize("actor", [LEADER, AMY], ids=["leader", "member"])
def test_members_and_leaders_change_no_roles(actor):
    assert refuse_role_change(actor, member("z"), Role.LEADER) is RoleRefusal.NOT_ADMIN


def test_a_revocation_needs_the_role_it_revokes():
    assert refuse_role_change(OWNER, AMY, Role.MEMBER, Role.ADMIN) is RoleRefusal.NOT_HELD
    assert refuse_role_change(OWNER, ADMIN, Role.MEMBER, Role.ADMIN) is None


def test_role_words_in_both_languages():
    assert parse_role_word("Admin") is Role.ADMIN
    assert parse_role_word("组长") is Role.LEADER
    assert parse_role_word("成员") is Role.MEMBER
    assert parse_role_word("boss") is None


def test_a_platform_admin_becomes_an_admin_and_loses_it_when_demoted_there():
    promoted = platform_role(AMY, True)
    assert promoted is Role.ADMIN
    from_platform = member("amy", role=Role.ADMIN, role_source="platform")
    assert platform_role(from_platform, True) is None
    assert platform_role(from_platform, False) is Role.MEMBER


@pytest.mark.parametrize("source", ["csv", "cli", "chat"])
def test_an_explicit_role_wins_over_the_platform(source):
    admin = member("x", role=Role.ADMIN, role_source=source)
    plain = member("y", role=Role.MEMBER, role_source=source)
    assert is_explicit(admin) and is_explicit(plain)
    assert platform_role(admin, False) is None
    assert platform_role(plain, True) is None


def test_roles_stored_before_sources_existed_stay_unless_plain_members():
    """An admin imported before role_source existed keeps the role whatever the platform
    says; a plain member of then is the platform's to promote."""
    assert platform_role(member("x", role=Role.ADMIN), False) is None
    assert platform_role(member("x", role=Role.LEADER), True) is None
    assert platform_role(member("x"), True) is Role.ADMIN


def test_the_owner_is_never_refreshed():
    assert platform_role(member("o", role=Role.OWNER, role_source="platform"), False) is None
