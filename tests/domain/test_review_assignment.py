"""Peer-review assignment: fair, deterministic, never oneself, squads mixed.

The properties are checked with hypothesis over random cohorts of 1 to 500 submissions
(sizes skewed small so the run stays fast) plus a few explicit 500-member cases, because a
rotation that is fair for 12 people can still overload someone at 499.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections import Counter
from itertools import combinations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.review_assignment import (
    Person,
    assign_reviewers,
    max_load,
    reviewer_pool,
    same_squad,
)

# -- what every assignment must satisfy ------------------------------------------------------


def check_rules(
    subs: list[Person],
    reviewers: list[Person],
    k: int,
    result: dict[str, list[str]],
    seed: str,
) -> list[Person]:
    """Rules 1-3 of the module docstring; returns the pool that was used."""
    pool = reviewer_pool(reviewers, k, seed)
    pool_ids = {p.id for p in pool}
    assert set(result) == {s.id for s in subs}
    for author, assigned in result.items():
        assert author not in assigned, "nobody reviews their own work"
        assert len(assigned) == len(set(assigned)), "no reviewer twice on one submission"
        assert set(assigned) <= pool_ids
        assert len(assigned) == min(k, len(pool_ids - {author}))
    load = Counter(r for assigned in result.values() for r in assigned)
    assert max(load.values(), default=0) <= max_load(k, len(subs), len(pool))
    submitters = [r for r in reviewers if r.submitted]
    if len(submitters) >= k + 1:
        assert pool_ids == {r.id for r in submitters}, "non-submitters only as a fallback"
    return pool


def mutual_pairs(result: dict[str, list[str]]) -> int:
    return sum(1 for a, assigned in result.items() for r in assigned if a in result.get(r, ()))


def same_squad_reviews(result: dict[str, list[str]], people: dict[str, Person]) -> int:
    return sum(1 for a, rs in result.items() for r in rs if same_squad(people[a], people[r]))


def improving_swap(result: dict[str, list[str]], people: dict[str, Person]) -> tuple | None:
    """A swap of two reviewers between two submissions that keeps every rule, adds no mutual
    pair and lowers the number of same-squad reviews; None when there is none."""
    arcs = [(a, r) for a in sorted(result) for r in result[a]]
    before_same = same_squad_reviews(result, people)
    before_mutual = mutual_pairs(result)
    for (a, r), (b, r2) in combinations(arcs, 2):
        if a == b or r2 == a or r == b or r2 in result[a] or r in result[b]:
            continue
        trial = {x: list(v) for x, v in result.items()}
        trial[a][trial[a].index(r)] = r2
        trial[b][trial[b].index(r2)] = r
        if same_squad_reviews(trial, people) < before_same and mutual_pairs(trial) <= before_mutual:
            return (a, r, b, r2)
    return None


# -- cohorts ---------------------------------------------------------------------------------


@st.composite
def cohorts(draw) -> tuple[list[Person], list[Person], int, str]:
    """Submissions and a reviewer pool: a cycle close (the pool is the submitters plus some
    who handed in nothing) or a late round (a few submissions, the pool is the cycle's
    submitters). Squad labels come from a seeded generator: drawing 500 values one by one
    would make hypothesis slow for nothing."""
    size = draw(st.one_of(st.integers(1, 8), st.integers(9, 40), st.integers(41, 500)))
    squads = draw(st.integers(0, 7))
    rng = random.Random(draw(st.integers(0, 2**32)))
    k = draw(st.sampled_from([0, 1, 2, 2, 2, 3, 4]))

    def squad() -> str | None:
        if squads == 0 or rng.random() < 0.1:
            return None
        return f"s{rng.randrange(squads)}"

    submitters = [Person(f"m{i:03d}", squad(), True) for i in range(size)]
    idle = [Person(f"x{i:03d}", squad(), False) for i in range(draw(st.integers(0, 6)))]
    if draw(st.booleans()):
        late = rng.sample(submitters, max(1, size // 10))
        subs = [Person(p.id, p.squad) for p in late]
    else:
        subs = [Person(p.id, p.squad) for p in submitters]
    seed = f"c{draw(st.integers(0, 99))}#C{draw(st.integers(1, 9999)):04d}"
    return subs, submitters + idle, k, seed


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts(), st.randoms(use_true_random=False))
def test_assignments_keep_every_rule_for_random_cohorts(cohort, shuffler) -> None:
    subs, reviewers, k, seed = cohort
    result = assign_reviewers(subs, reviewers, k, seed)
    pool = check_rules(subs, reviewers, k, result, seed)
    # Deterministic: the same input in any order gives the same assignment.
    shuffled_subs, shuffled_reviewers = list(subs), list(reviewers)
    shuffler.shuffle(shuffled_subs)
    shuffler.shuffle(shuffled_reviewers)
    assert assign_reviewers(shuffled_subs, shuffled_reviewers, k, seed) == result
    # No pair reviews each other when that is avoidable: the pool is the submitters and
    # there are at least 2k + 1 of them.
    if {p.id for p in pool} == {s.id for s in subs} and len(subs) >= 2 * k + 1:
        assert mutual_pairs(result) == 0
    # Squads: no single exchange of reviewers gives fewer same-squad reviews (checked on
    # cohorts small enough for the quadratic search).
    if sum(len(v) for v in result.values()) <= 80:
        people = {p.id: p for p in [*reviewers, *subs]}
        assert improving_swap(result, people) is None


@pytest.mark.parametrize("squads", [0, 1, 20, 250])
def test_five_hundred_submitters_are_balanced_exactly_and_never_pair_up(squads) -> None:
    rng = random.Random(squads)
    people = [
        Person(f"m{i:03d}", f"s{rng.randrange(squads)}" if squads else None) for i in range(500)
    ]
    result = assign_reviewers(people, people, 2, "c1#C0042")
    check_rules(people, people, 2, result, "c1#C0042")
    assert set(Counter(r for rs in result.values() for r in rs).values()) == {2}
    assert mutual_pairs(result) == 0
    if squads >= 20:  # small squads spread through the rotation: nobody reviews a squadmate
        assert same_squad_reviews(result, {p.id: p for p in people}) == 0


def test_five_hundred_late_submissions_against_a_larger_pool_stay_under_the_cap() -> None:
    rng = random.Random(5)
    pool = [Person(f"m{i:03d}", f"s{rng.randrange(8)}") for i in range(520)]
    late = [Person(p.id, p.squad) for p in rng.sample(pool, 500)]
    result = assign_reviewers(late, pool, 3, "c1#C0042#late")
    check_rules(late, pool, 3, result, "c1#C0042#late")


def test_two_equal_squads_review_each_other_only() -> None:
    people = [Person(f"a{i}", "A") for i in range(6)] + [Person(f"b{i}", "B") for i in range(6)]
    result = assign_reviewers(people, people, 2, "c1#C0001")
    squad = {p.id: p.squad for p in people}
    assert all(squad[r] != squad[a] for a, rs in result.items() for r in rs)
    assert mutual_pairs(result) == 0


def test_members_without_a_squad_are_nobody_s_squadmates() -> None:
    people = [Person(f"m{i}") for i in range(5)]
    result = assign_reviewers(people, people, 2, "seed")
    assert same_squad_reviews(result, {p.id: p for p in people}) == 0


def test_submitters_review_first_and_idle_members_fill_in_only_when_too_few() -> None:
    """Two submitters cannot give each other two reviews: one idle member is drafted, not
    every idle member."""
    subs = [Person("ann"), Person("ben")]
    reviewers = [*subs, Person("cat", submitted=False), Person("dan", submitted=False)]
    result = assign_reviewers(subs, reviewers, 2, "c1#C0003")
    drafted = {r for rs in result.values() for r in rs} - {"ann", "ben"}
    assert len(drafted) == 1 and all(len(rs) == 2 for rs in result.values())
    many = [Person(f"m{i}") for i in range(5)]
    result = assign_reviewers(many, [*many, Person("idle", submitted=False)], 2, "s")
    assert all("idle" not in rs for rs in result.values())


def test_one_submission_and_nobody_else_gets_no_reviewer() -> None:
    alone = [Person("solo")]
    assert assign_reviewers(alone, alone, 2, "s") == {"solo": []}
    assert assign_reviewers([], alone, 2, "s") == {}
    assert assign_reviewers(alone, [], 2, "s") == {"solo": []}
    with pytest.raises(ValueError):
        assign_reviewers(alone, alone, -1, "s")


def test_different_cycles_rotate_differently() -> None:
    people = [Person(f"m{i:02d}") for i in range(30)]
    week1 = assign_reviewers(people, people, 2, "c1#C0001")
    week2 = assign_reviewers(people, people, 2, "c1#C0002")
    assert week1 != week2


def test_the_assignment_is_the_same_in_another_process() -> None:
    """A retried job runs in another Lambda container: no per-process hash salt may leak in."""
    code = (
        "import json\n"
        "from chalicelib.domain.review_assignment import Person, assign_reviewers\n"
        "people = [Person(f'm{i}', f's{i % 3}') for i in range(40)]\n"
        "print(json.dumps(assign_reviewers(people, people, 2, 'c1#C0007'), sort_keys=True))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    people = [Person(f"m{i}", f"s{i % 3}") for i in range(40)]
    assert json.loads(out.stdout) == assign_reviewers(people, people, 2, "c1#C0007")
