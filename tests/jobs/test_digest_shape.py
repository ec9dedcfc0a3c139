"""The weekly digest's shape (issue 17): a scannable first post (counts first, names grouped,
long lists folded) and a second post with the full list (links, every folded name, reviews
owed, assignments). A 30-member digest reads in at most 20 lines; a 300-member one is not
600 lines; folding never loses a name.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chalicelib.jobs.plan import InThread
from chalicelib.jobs.send_weekly_digests import FOLDED_NAMES, plan_weekly_digest
from chalicelib.platforms.base import split_parts
from chalicelib.store.homework import bulk_save_assignments, save_review
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community, member
from tests.jobs.test_send_weekly_digests import DEADLINE_3, DIGEST_3, WEEK, hand_in


def _members(size: int, squads: int) -> list:
    """``size`` members; one in ten on leave; ``squads`` squads (0: none)."""
    return [
        member(
            f"m{n:03d}",
            name=f"Member {n:03d}",
            squad=f"squad-{n % squads}" if squads else None,
            leave_until=date(2026, 11, 30) if n % 10 == 9 else None,
        )
        for n in range(size)
    ]


def _world(size: int, *, squads: int = 0, locale: str = "en") -> Store:
    """Two thirds hand in cycle 3 (one in six of them late); the same two thirds handed in
    cycle 2 and were assigned one reviewer each, half of whom reviewed."""
    store = Store(MemoryTable())
    store.create_community(community(cycle_anchor=date(2026, 11, 2), locale=locale))
    store.bulk_save_members(_members(size, squads))
    workers = [f"m{n:03d}" for n in range(size) if n % 3 != 2 and n % 10 != 9]
    for i, user in enumerate(workers):
        hand_in(store, user, "C0002", DEADLINE_3 - WEEK - timedelta(hours=3), first=True)
        late = i % 6 == 5
        at = DEADLINE_3 + (timedelta(minutes=20) if late else -timedelta(hours=3))
        hand_in(store, user, "C0003", at, first=True, late=late)
    pairs = {user: [workers[(i + 1) % len(workers)]] for i, user in enumerate(workers)}
    bulk_save_assignments(store.table, "c1", "C0002", pairs, DIGEST_3 - WEEK)
    store.table.put({"pk": "C#c1", "sk": "HWC#C0002", "shown": workers})
    for reviewee in workers[::2]:
        save_review(
            store.table,
            "c1",
            "C0002",
            reviewee,
            pairs[reviewee][0],
            text="ok",
            score=4,
            at=DIGEST_3 - timedelta(days=2),
            assigned=True,
        )
    return store


def _posts(store: Store, *, direct: bool = False) -> list[str]:
    plan = plan_weekly_digest(store, store.get_community("c1"), DIGEST_3, direct=direct)
    group = [m for i, m in enumerate(plan.messages) if plan.target(i) in (None, InThread(0))]
    assert all(m.mentions == () for m in group)  # the digest @-mentions nobody: names only
    return [m.text for m in group]


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
@pytest.mark.parametrize("squads", [0, 4])
def test_a_30_member_digest_reads_in_at_most_20_lines_counts_first(locale, squads):
    first, full = _posts(_world(30, squads=squads, locale=locale))
    lines = first.splitlines()
    assert len(lines) <= 20, first
    # 27 present (3 on leave), 18 handed in, 3 of them late; 9 missing. Cycle 2: 18 pairs,
    # 9 reviewed, 9 owed.
    if locale == "en":
        assert lines[1] == "Handed in: 18/27 · on time 15 · late 3 · missing 9"
        assert lines[2].startswith("✍️ Reviews of cycle 2 work: 9 of 18 assigned done, 9 owed")
    else:
        assert lines[1] == "已交 18/27 · 按时 15 · 迟交 3 · 未交 9"
        assert lines[2].startswith("✍️ 第 2 期 作业的点评：分配的 18 份已完成 9 份，还欠 9 份")
    assert "https://" not in first  # the links are in the full list
    assert full.count("https://example.com/") == 18
    assert "Member 007⏰" in first and "Member 006⏰" not in first  # late work marked


def test_with_squads_the_names_are_grouped_one_line_per_squad():
    first, _full = _posts(_world(30, squads=4))
    grouped = [line for line in first.splitlines() if line.startswith("✅ ")]
    assert [line.split(":")[0] for line in grouped] == [f"✅ squad-{n}" for n in range(4)]
    # squad-0 is members 0, 4, 8, ...: those who handed in, in name order, late marked
    assert grouped[0] == (
        "✅ squad-0: Member 000, Member 004, Member 012, Member 016, Member 024, Member 028⏰"
    )


def test_without_squads_the_names_run_in_lines_of_several():
    first, _full = _posts(_world(30))
    grouped = [line for line in first.splitlines() if line.startswith("✅ Handed in: ")]
    assert len(grouped) == 1 and grouped[0].count("Member ") == 18


def test_a_300_member_digest_is_not_600_lines_and_folds_without_losing_a_name():
    store = _world(300, squads=10)
    first, full = _posts(store, direct=True)
    assert len(first.splitlines()) <= 40, first
    assert len(first.splitlines()) + len(full.splitlines()) < 600
    missing = [f"Member {n:03d}" for n in range(300) if n % 3 == 2 and n % 10 != 9]
    folded = next(line for line in first.splitlines() if line.startswith("❌ Missing"))
    assert folded.startswith(f"❌ Missing ({len(missing)}): Member 002, ")
    assert folded.endswith(f" …and {len(missing) - FOLDED_NAMES} more in the full list")
    assert folded.count("Member ") == FOLDED_NAMES
    # every missing member is named in the full list, not only the first ones
    for name in missing:
        assert name in full
    assert all(len(line.encode()) < 2048 for line in (first + "\n" + full).splitlines())
    for post in (first, full):
        parts = split_parts(post, [], "", 2048 // 4)
        assert "\n".join(parts) == post  # split only between lines


def test_a_short_missing_list_is_not_repeated_in_the_full_list():
    first, full = _posts(_world(30))
    assert "❌ Missing (9): Member 002, " in first and "more in the full list" not in first
    assert "Missing" not in full
