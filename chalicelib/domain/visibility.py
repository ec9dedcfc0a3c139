"""What a platform lets rollcall see of a group, the pure part.

- **Group kinds**: WeCom and DingTalk bind a community to groups of several kinds, and only
  some kinds have a member list a bot may read. ``Community.group_kind`` says which kind the
  bound group is (``rollcall community update ID --group-kind app``); None is the ordinary
  group robot's group. Roster sync reads a list only for the kinds in :data:`LISTED_KINDS`.
- **Chatter**: on DingTalk and WeCom a bot hears only commands and messages that @ it, never
  the group's ordinary chatter, so "days since last activity" (``inactive_days`` rules)
  counts silence that may be talk. Such a rule is switched on there (set explicitly, or made
  to remove people by turning removal on) only with ``ack_limited_activity`` on.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chalicelib.domain.models import Community, InvalidValue

# Every kind a platform's groups come in; the first is the default (None means it).
GROUP_KINDS: dict[str, tuple[str, ...]] = {
    "wecom": ("robot", "app", "customer"),
    "dingtalk": ("robot", "scene"),
}
# The kinds whose members an app may list (features/roster.py reads these only).
LISTED_KINDS: dict[str, frozenset[str]] = {
    "wecom": frozenset({"app", "customer"}),
    "dingtalk": frozenset({"scene"}),
}
# Platforms whose bot sees no chatter, and what it sees instead, in one sentence.
CHATTER_BLIND: dict[str, str] = {
    "dingtalk": (
        "DingTalk shows a robot only the messages that @ it, never the group's chatter, "
        "so days since last activity count only commands and @-robot messages"
    ),
    "wecom": (
        "WeCom shows an app or group robot only the messages that @ it or are sent to the "
        "app, never the group's chatter, so days since last activity count only those"
    ),
}
# The Community fields whose change may switch a chatter-based rule on.
_CHATTER_FIELDS = frozenset({"rules", "removal_enabled", "ack_limited_activity", "platform"})


def check_group_kind(platform: str, kind: str | None) -> None:
    """InvalidValue unless ``kind`` is one of ``platform``'s group kinds (None always is)."""
    if kind is None:
        return
    kinds = GROUP_KINDS.get(platform)
    if kinds is None:
        raise InvalidValue(f"group kind is for wecom and dingtalk groups, not {platform}")
    if kind not in kinds:
        raise InvalidValue(
            f"group kind on {platform} must be one of {', '.join(kinds)}, got {kind!r}"
        )


def lists_members(platform: str, kind: str | None) -> bool:
    """True when a group of this kind has a member list the app may read (platforms
    without kinds answer True: their adapter decides)."""
    if platform not in GROUP_KINDS:
        return True
    return kind in LISTED_KINDS.get(platform, frozenset())


def chatter_rules(rules: Iterable[Any]) -> list[str]:
    """The ids of the rules that measure days since last activity (Rule objects)."""
    return [rule.id for rule in rules if getattr(rule.kind, "value", rule.kind) == "inactive_days"]


def chatter_refusal(
    community: Community, rules: Iterable[Any], changed: Iterable[str]
) -> str | None:
    """Why this change may not switch a chatter-based rule on here, in one line; None when
    it may. ``rules`` are the community's effective rules (inactivity.rules_of). A change
    is judged only when it touches rules, removal, the acknowledgement or the platform."""
    blind = CHATTER_BLIND.get(community.platform)
    if blind is None or community.ack_limited_activity:
        return None
    touched = set(changed)
    if not touched & _CHATTER_FIELDS:
        return None
    chatter = chatter_rules(rules)
    if not chatter:
        return None
    explicit = bool(community.rules) and "rules" in touched
    if not (explicit or community.removal_enabled):
        return None
    return (
        f"rule {', '.join(repr(r) for r in chatter)} measures days since last activity, but "
        f"{blind}: set ack_limited_activity on to accept that (or drop the rule)"
    )
