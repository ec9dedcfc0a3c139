"""The month's and the quarter's stars (打卡之星, 作业之星, 点评之星): who is ranked, how a
score is made, how ties are settled. Pure: no clock, no storage.

* **打卡之星 / check-in star**: check-ins on the period's local dates (make-ups count: the
  day was done).
* **作业之星 / homework star**: for each homework cycle whose deadline falls in the period,
  2 for work on time, 1 for late work, plus every review score (1-5) the work received.
* **点评之星 / review star**: reviews given on the period's cycles that are at least the
  community's ``review_min_chars`` long (the same bar as review points).
* **Ranked**: present members; admins and exempt members only when the community's
  ``stars_include_admins`` is on. A score of 0 wins nothing.
* **Whole periods only**: a month or quarter rollcall did not watch from its first day (the
  community was created or bound later) gets no stars.
* **Ties**: everyone tied at the top score shares the star, up to :data:`MAX_PER_AWARD`;
  when more are tied, the longest-standing members (earliest first observed, then user id)
  take the places. So a star has 1 to 3 winners, or none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

MAX_PER_AWARD = 3
HAND_AWARD_MAX_CHARS = 30


class Award(StrEnum):
    CHECKINS = "checkins"
    HOMEWORK = "homework"
    REVIEWS = "reviews"


@dataclass(frozen=True)
class Candidate:
    user_id: str
    name: str
    since: date | None  # first observed; ties go to the longest-standing


@dataclass(frozen=True)
class Winner:
    user_id: str
    name: str
    score: int


def eligible(*, present: bool, admin: bool, exempt: bool, include_admins: bool) -> bool:
    return present and (include_admins or not (admin or exempt))


def pick_winners(candidates: Iterable[Candidate], scores: Mapping[str, int]) -> list[Winner]:
    """The top score's holders (see the module's tie rule); empty when nobody scored."""
    pool = [c for c in candidates if scores.get(c.user_id, 0) > 0]
    if not pool:
        return []
    best = max(scores[c.user_id] for c in pool)
    tied = [c for c in pool if scores[c.user_id] == best]
    tied.sort(key=lambda c: (c.since or date.max, c.user_id))
    return [Winner(c.user_id, c.name, best) for c in tied[:MAX_PER_AWARD]]


def homework_scores(
    submissions: Iterable[Mapping[str, object]], reviews: Iterable[Mapping[str, object]]
) -> dict[str, int]:
    """2 a submission on time, 1 late, plus the scores of the reviews it received."""
    scores: dict[str, int] = {}
    for item in submissions:
        user = str(item["user_id"])
        scores[user] = scores.get(user, 0) + (1 if item.get("late") else 2)
    for review in reviews:
        score = review.get("score")
        if isinstance(score, int) and not isinstance(score, bool):
            user = str(review["reviewee"])
            scores[user] = scores.get(user, 0) + score
    return scores


def review_scores(reviews: Iterable[Mapping[str, object]], min_chars: int) -> dict[str, int]:
    """Reviews given that meet the length bar (spaces not counted), per reviewer."""
    scores: dict[str, int] = {}
    for review in reviews:
        text = str(review.get("text") or "")
        if len("".join(text.split())) >= min_chars:
            user = str(review["reviewer"])
            scores[user] = scores.get(user, 0) + 1
    return scores


# -- periods ---------------------------------------------------------------------------------


def quarter_of(month: str) -> str:
    """``2026-11`` -> ``2026-Q4``."""
    year, number = month.split("-")
    return f"{year}-Q{(int(number) - 1) // 3 + 1}"


def quarter_months(quarter: str) -> tuple[str, str, str]:
    year, q = quarter.split("-Q")
    first = (int(q) - 1) * 3 + 1
    return tuple(f"{year}-{m:02d}" for m in range(first, first + 3))  # type: ignore[return-value]


def clean_award_name(text: str) -> str | None:
    """A hand-picked award's name: 1-30 characters, quotes around it dropped."""
    name = text.strip().strip("\"'“”「」").strip()
    if not name or len(name) > HAND_AWARD_MAX_CHARS:
        return None
    return name
