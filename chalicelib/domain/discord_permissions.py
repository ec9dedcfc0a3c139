"""Who can see a Discord channel: a member's permissions in it, computed as Discord does.

Discord's documented order (Permissions, "Permission Overwrites"):

1. The guild owner has every permission.
2. Base permissions: the ``@everyone`` role's (its id is the guild's id) OR'd with each of
   the member's roles'. ADMINISTRATOR among them grants every permission, overwrites or not.
3. The channel's overwrites, in this order: the ``@everyone`` overwrite (deny, then allow);
   then all the member's role overwrites together (their denies OR'd and removed, then
   their allows OR'd and added, so one role's allow beats another role's deny); then the
   member's own overwrite (deny, then allow).

A member sees the channel when VIEW_CHANNEL survives. Nothing here reads or writes: the
Discord adapter (platforms/discord.py) reads the guild, the channel and the members and
asks ``can_view`` per member.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

VIEW_CHANNEL = 1 << 10
ADMINISTRATOR = 1 << 3
ALL_PERMISSIONS = (1 << 64) - 1
# An overwrite's ``type``: a role's, or one member's.
ROLE, MEMBER = 0, 1


@dataclass(frozen=True)
class Overwrite:
    """One entry of a channel's ``permission_overwrites``: ``allow`` and ``deny`` bits for
    a role (``kind`` ROLE) or a member (``kind`` MEMBER) with that id."""

    target_id: str
    kind: int
    allow: int = 0
    deny: int = 0


@dataclass(frozen=True)
class GuildPermissions:
    """What the per-member computation needs of a guild and one of its channels."""

    guild_id: str
    owner_id: str | None
    roles: Mapping[str, int]  # role id -> permission bits; the @everyone role's id is guild_id
    overwrites: tuple[Overwrite, ...] = ()

    def base(self, user_id: str, role_ids: Iterable[str]) -> int:
        """The member's guild-wide permissions, before the channel's overwrites."""
        if self.owner_id is not None and user_id == self.owner_id:
            return ALL_PERMISSIONS
        permissions = self.roles.get(self.guild_id, 0)
        for role_id in role_ids:
            permissions |= self.roles.get(role_id, 0)
        if permissions & ADMINISTRATOR:
            return ALL_PERMISSIONS
        return permissions

    def in_channel(self, user_id: str, role_ids: Iterable[str]) -> int:
        """The member's permissions in the channel: base, then the overwrites in order."""
        roles = set(role_ids)
        permissions = self.base(user_id, roles)
        if permissions & ADMINISTRATOR:
            return ALL_PERMISSIONS
        everyone = self._overwrite(ROLE, self.guild_id)
        if everyone is not None:
            permissions = (permissions & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for overwrite in self.overwrites:
            if overwrite.kind == ROLE and overwrite.target_id in roles:
                if overwrite.target_id == self.guild_id:
                    continue  # @everyone's, applied above
                allow |= overwrite.allow
                deny |= overwrite.deny
        permissions = (permissions & ~deny) | allow
        own = self._overwrite(MEMBER, user_id)
        if own is not None:
            permissions = (permissions & ~own.deny) | own.allow
        return permissions

    def can_view(self, user_id: str, role_ids: Iterable[str]) -> bool:
        return bool(self.in_channel(user_id, role_ids) & VIEW_CHANNEL)

    def _overwrite(self, kind: int, target_id: str) -> Overwrite | None:
        for overwrite in self.overwrites:
            if overwrite.kind == kind and overwrite.target_id == target_id:
                return overwrite
        return None
