"""Who reviews whose homework: a fair, deterministic rotation (互评分配).

Pure: the same submissions, pool, ``k`` and seed always give the same assignment, whatever
the order they come in, so a retried digest job writes exactly what the first attempt
wrote. Randomness comes from hashing the seed (community id + cycle) with each id, never
from a global random generator.

The rules, in order of strength:

1. Never oneself; each submission gets ``min(k, pool size without its author)`` distinct
   reviewers.
2. Balanced load: nobody reviews more than ``ceil(k * submissions / pool size)``.
3. Members who handed in work are the pool; members who did not join it only when the
   submitters alone cannot give every submission ``k`` reviewers (see :func:`reviewer_pool`).
4. No pair reviews each other in the same cycle when that is avoidable. When the pool is
   exactly the submitters (the usual cycle close) it is avoidable iff there are at least
   ``2k + 1`` of them, and then it never happens: reviewers come from a rotation of
   offsets ``d`` with ``d <= (n - 1) / 2``, and ``d + d' < n`` rules out ``i -> j -> i``.
   Other pools (a late round, drafted non-submitters) are filled greedily, which avoids
   a mutual pair whenever a candidate under the load cap allows it.
5. Reviewers from another squad are preferred: the rotation order interleaves squads and
   uses the offsets that cross squads most often; then reviewers are exchanged between
   submissions while an exchange lowers the number of same-squad reviews without breaking
   rules 1-4. The result is exchange-optimal: no single swap of two reviewers between two
   submissions gives fewer same-squad reviews.
"""

from __future__ import annotations

import hashlib
from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Person", "assign_reviewers", "max_load", "reviewer_pool", "same_squad"]


@dataclass(frozen=True)
class Person:
    """A submission's author, or a candidate reviewer.

    ``squad`` None means "in no squad": such a person is never in the same squad as anyone.
    ``submitted`` matters only in the reviewer pool: whether they handed in work this cycle.
    """

    id: str
    squad: str | None = None
    submitted: bool = True


def same_squad(a: Person, b: Person) -> bool:
    return a.squad is not None and a.squad == b.squad


def _rank(seed: str, value: str) -> str:
    """A seeded, stable pseudo-random sort key (sha256: the same on every machine and run,
    unlike ``hash()``, which Python salts per process)."""
    return hashlib.sha256(f"{seed}\x1f{value}".encode()).hexdigest()


def _unique(people: Iterable[Person]) -> list[Person]:
    """Sorted by id, one entry per id (the first seen wins), so input order never matters."""
    seen: dict[str, Person] = {}
    for person in people:
        seen.setdefault(person.id, person)
    return [seen[i] for i in sorted(seen)]


def _spread(people: Sequence[Person], seed: str) -> list[Person]:
    """People in a seeded order that spreads each squad evenly along the sequence.

    Member ``j`` of a squad of ``s`` gets position ``(j + 0.5) / s``: the classic way to
    interleave groups of unequal sizes, so near neighbours tend to be of different squads.
    """
    groups: dict[str, list[Person]] = {}
    for person in people:
        groups.setdefault(person.squad or "", []).append(person)
    keyed = []
    for name, members in groups.items():
        members.sort(key=lambda p: _rank(seed, p.id))
        group_rank = _rank(seed, "squad\x1f" + name)
        for j, person in enumerate(members):
            keyed.append(((j + 0.5) / len(members), group_rank, _rank(seed, person.id), person))
    keyed.sort(key=lambda entry: entry[:3])
    return [entry[3] for entry in keyed]


def reviewer_pool(reviewers: Iterable[Person], k: int, seed: str = "") -> list[Person]:
    """The reviewers actually used: the submitters among ``reviewers`` when there are at
    least ``k + 1`` of them (then every submission can get ``k`` reviewers other than its
    author), else the submitters plus just enough non-submitters, in seeded order, to reach
    ``k + 1`` (or all of them). Sorted by id."""
    pool = _unique(reviewers)
    submitters = [p for p in pool if p.submitted]
    if len(submitters) >= k + 1:
        return submitters
    others = sorted((p for p in pool if not p.submitted), key=lambda p: _rank(seed, p.id))
    return sorted(submitters + others[: k + 1 - len(submitters)], key=lambda p: p.id)


def max_load(k: int, submissions: int, pool: int) -> int:
    """The most reviews anyone is given: ``ceil(k * submissions / pool)``."""
    return -(-k * submissions // pool) if pool else 0


def assign_reviewers(
    submissions: Iterable[Person], reviewers: Iterable[Person], k: int, seed: str
) -> dict[str, list[str]]:
    """Reviewer ids for each submission's author id (every submission is a key).

    ``seed`` should name the community and cycle (``"c1#C0042"``): the same cycle always
    rotates the same way, different cycles differently.
    """
    if k < 0:
        raise ValueError(f"reviewers per submission must be >= 0, got {k}")
    subs = _unique(submissions)
    pool = reviewer_pool(reviewers, k, seed)
    if not subs:
        return {}
    if k == 0 or not pool:
        return {s.id: [] for s in subs}
    people = {p.id: p for p in subs}
    people.update({p.id: p for p in pool})
    if {s.id for s in subs} == {p.id for p in pool}:
        assignment = _rotation(_spread(pool, seed), k)
    else:
        assignment = _greedy(subs, pool, k, seed)
    _exchange_for_squads(assignment, people)
    return {s.id: assignment[s.id] for s in subs}


# -- the usual cycle close: the pool is exactly the submitters ------------------------------


def _rotation(order: Sequence[Person], k: int) -> dict[str, list[str]]:
    """Submission ``i`` is reviewed by ``i + d`` for each offset ``d`` in ``D``: everyone
    reviews exactly ``|D|`` submissions, and nobody their own."""
    n = len(order)
    count = min(k, n - 1)
    if count == 0:
        return {p.id: [] for p in order}
    # Offsets up to (n - 1) / 2 never pair i -> j with j -> i; below 2k + 1 people mutual
    # pairs are unavoidable (k * n reviews need more than n(n-1)/2 distinct pairs).
    highest = (n - 1) // 2 if n >= 2 * count + 1 else n - 1

    def crossing(d: int) -> int:
        return sum(1 for i in range(n) if not same_squad(order[i], order[(i + d) % n]))

    scored = sorted(range(1, highest + 1), key=lambda d: (-crossing(d), d))
    offsets = sorted(scored[:count])
    return {order[i].id: [order[(i + d) % n].id for d in offsets] for i in range(n)}


# -- any other pool: late submissions, too few submitters ----------------------------------


def _greedy(
    subs: Sequence[Person], pool: Sequence[Person], k: int, seed: str
) -> dict[str, list[str]]:
    """Each slot takes the best candidate under the load cap: not a mutual pair, then of
    another squad, then the least loaded, then the next in rotation. Anyone left above the
    cap (a corner the greedy order can paint itself into) is relieved by moving reviews
    along an augmenting path, as in a flow, which keeps every other rule."""
    order = _spread(pool, seed)
    index = {p.id: i for i, p in enumerate(order)}
    cap = max_load(k, len(subs), len(pool))
    load: Counter[str] = Counter()
    assignment: dict[str, list[str]] = {}
    pointer = 0
    for sub in _spread(subs, seed + "\x1fsubmissions"):
        chosen: list[str] = []
        need = min(k, sum(1 for p in pool if p.id != sub.id))
        for _ in range(need):
            best = min(
                (p for p in order if p.id != sub.id and p.id not in chosen),
                key=lambda p: (
                    load[p.id] >= cap,
                    sub.id in assignment.get(p.id, ()),  # sub's author already reviews p
                    same_squad(p, sub),
                    load[p.id],
                    (index[p.id] - pointer) % len(order),
                ),
            )
            chosen.append(best.id)
            load[best.id] += 1
            pointer = index[best.id] + 1
        assignment[sub.id] = chosen
    _relieve_overloads(assignment, [p.id for p in order], cap)
    return assignment


def _relieve_overloads(assignment: dict[str, list[str]], pool: Sequence[str], cap: int) -> None:
    """Move reviews from anyone above ``cap`` along augmenting paths to someone below it.

    A path ``x --(a1)--> y1 --(a2)--> y2 ...`` hands ``a1``'s review from ``x`` to ``y1``,
    ``a2``'s from ``y1`` to ``y2``, and so on, until it reaches a reviewer with room; each
    hand-over keeps "not the author, not twice on one submission".
    """
    load: Counter[str] = Counter(r for reviewers in assignment.values() for r in reviewers)
    for start in pool:
        while load[start] > cap:
            path = _augmenting_path(assignment, pool, load, cap, start)
            if path is None:  # pragma: no cover - the cap leaves room by construction
                return
            for author, giver, taker in path:
                reviewers = assignment[author]
                reviewers[reviewers.index(giver)] = taker
            load[start] -= 1
            load[path[-1][2]] += 1


def _augmenting_path(
    assignment: Mapping[str, list[str]],
    pool: Sequence[str],
    load: Counter[str],
    cap: int,
    start: str,
) -> list[tuple[str, str, str]] | None:
    reviews: dict[str, list[str]] = {}
    for author in sorted(assignment):
        for reviewer in assignment[author]:
            reviews.setdefault(reviewer, []).append(author)
    parent: dict[str, tuple[str, str]] = {}
    queue = deque([start])
    seen = {start}
    while queue:
        giver = queue.popleft()
        for author in reviews.get(giver, []):
            for taker in pool:
                if taker in seen or taker == author or taker in assignment[author]:
                    continue
                seen.add(taker)
                parent[taker] = (giver, author)
                if load[taker] < cap:
                    path = []
                    node = taker
                    while node != start:
                        prev, via = parent[node]
                        path.append((via, prev, node))
                        node = prev
                    return path[::-1]
                queue.append(taker)
    return None


# -- squads: exchange reviewers while it helps --------------------------------------------


def _mutual_pairs(assignment: Mapping[str, list[str]], pairs: Iterable[tuple[str, str]]) -> int:
    count = 0
    for x, y in pairs:
        if x in assignment.get(y, ()) and y in assignment.get(x, ()):
            count += 1
    return count


def _exchange_for_squads(assignment: dict[str, list[str]], people: Mapping[str, Person]) -> None:
    """Swap reviewers between two submissions while a swap lowers the number of same-squad
    reviews and keeps: not oneself, no reviewer twice on one submission, no more mutual
    pairs than before. Loads never change (each reviewer keeps as many reviews).

    Every swap removes at least one same-squad review, so this ends; when it ends no single
    swap can improve (a swap that helps must replace a same-squad review, and every one of
    those is tried against every review in each pass).
    """

    def same(author: str, reviewer: str) -> bool:
        return same_squad(people[author], people[reviewer])

    authors = sorted(assignment)
    improved = True
    while improved:
        improved = False
        arcs = [(a, r) for a in authors for r in assignment[a]]
        outside: dict[str, list[tuple[str, str]]] = {}  # squad -> reviews by non-members
        for a, r in arcs:
            if r not in assignment[a] or not same(a, r):
                continue  # changed by an earlier swap in this pass
            squad = people[a].squad or ""
            if squad not in outside:
                outside[squad] = [(b, x) for b, x in arcs if people[x].squad != squad]
            for b, r2 in outside[squad]:
                if b == a or r2 == a or r == b:
                    continue
                if r2 not in assignment[b] or r2 in assignment[a] or r in assignment[b]:
                    continue
                if 1 + same(b, r2) - same(b, r) <= 0:
                    continue
                touched = {(min(x, y), max(x, y)) for x, y in ((a, r), (b, r2), (a, r2), (b, r))}
                before = _mutual_pairs(assignment, touched)
                ra, rb = assignment[a], assignment[b]
                ra[ra.index(r)] = r2
                rb[rb.index(r2)] = r
                if _mutual_pairs(assignment, touched) > before:
                    ra[ra.index(r2)] = r
                    rb[rb.index(r)] = r2
                    continue
                improved = True
                break
