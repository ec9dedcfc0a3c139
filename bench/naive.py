"""The naive baseline: each job as a first version would write it, on the same data.

A first version talks to boto3 directly and knows two access patterns: a Scan (for the
roster, filtering in memory) and a GetItem or PutItem per member. It computes the same
answer with rollcall's own pure rules (who is missing, the review rotation, the report's
tiers), so the comparison is about access patterns only:

* **daily reminder**: Scan for the roster, then a GetItem per present member for today's
  check-in;
* **weekly digest**: Scan for the roster; a GetItem per present member for this cycle's
  submission and one for last cycle's; per last-cycle submitter a GetItem of the review
  assignment and of each assigned review; a GetItem of last cycle's close record; a Query
  per day for the check-in stars; then a PutItem per assignment and per strike, an
  UpdateItem per member whose counters change, a PutItem for the close record;
* **monthly report**: one Scan of the table for everything (roster, the month's check-ins,
  homework and strikes, filtered in memory), a GetItem per member for their row of last
  month's report (stored one item per member), then a PutItem per member for this month's
  row, an UpdateItem per changed warning and a PutItem for the header.

Nothing here claims a run or sends a message: the naive figures leave out costs ours has.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import date, timedelta
from typing import Any

from bench.capacity import Meter
from bench.seed import (
    CYCLES,
    DIGEST_CYCLE,
    DIGEST_PREVIOUS,
    MONTH_FIRST,
    MONTH_LAST,
    PREVIOUS_MONTH,
    REPORT_MONTH,
    wire,
)
from chalicelib.domain.homework import (
    close_cycle,
    cycle_dates,
    cycles_of,
    deadline_date,
    strike_changes,
)
from chalicelib.domain.inactivity import Rate, compile_report
from chalicelib.domain.models import Community, Member
from chalicelib.domain.review_assignment import Person, assign_reviewers
from chalicelib.store import keys
from chalicelib.store.records import from_fields
from chalicelib.store.table import from_dynamo_value


class Naive:
    """A first version's data access: boto3's client, item by item."""

    def __init__(self, client: Any, table: str, community: Community) -> None:
        from boto3.dynamodb.types import TypeDeserializer

        self.client = client
        self.table = table
        self.community = community
        self.pk = keys.community_pk(community.id)
        self._de = TypeDeserializer().deserialize

    def plain(self, raw: dict[str, Any]) -> dict[str, Any]:
        return {k: from_dynamo_value(self._de(v)) for k, v in raw.items()}

    def scan(self) -> list[dict[str, Any]]:
        out = []
        for page in self.client.get_paginator("scan").paginate(TableName=self.table):
            out += [self.plain(i) for i in page["Items"] if i["pk"]["S"] == self.pk]
        return out

    def roster(self, items: list[dict[str, Any]] | None = None) -> list[Member]:
        items = self.scan() if items is None else items
        return [from_fields(Member, i) for i in items if i["sk"].startswith(keys.MEMBER_PREFIX)]

    def get(self, sk: str) -> dict[str, Any] | None:
        raw = self.client.get_item(
            TableName=self.table, Key={"pk": {"S": self.pk}, "sk": {"S": sk}}
        ).get("Item")
        return self.plain(raw) if raw else None

    def put(self, item: dict[str, Any]) -> None:
        self.client.put_item(TableName=self.table, Item=wire({"pk": self.pk, **item}))

    def set(self, sk: str, values: dict[str, Any]) -> None:
        names = {f"#a{n}": k for n, k in enumerate(values)}
        self.client.update_item(
            TableName=self.table,
            Key={"pk": {"S": self.pk}, "sk": {"S": sk}},
            UpdateExpression="SET " + ", ".join(f"#a{n} = :v{n}" for n in range(len(values))),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={
                f":v{n}": wire({"v": v})["v"] for n, v in enumerate(values.values())
            },
        )

    def query_prefix(self, prefix: str) -> list[dict[str, Any]]:
        out = []
        pages = self.client.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
            ExpressionAttributeValues={":p": {"S": self.pk}, ":s": {"S": prefix}},
        )
        for page in pages:
            out += [self.plain(i) for i in page["Items"]]
        return out


def _timed(meter: Meter, run: Any) -> dict[str, Any]:
    meter.reset()
    started = time.perf_counter()
    outcome = run()
    return {"seconds": time.perf_counter() - started, "outcome": outcome, **meter.snapshot()}


def naive_reminder(naive: Naive, meter: Meter, day: date) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        roster = [m for m in naive.roster() if m.is_present]
        missing = [m for m in roster if naive.get(keys.checkin_sk(day, m.user_id)) is None]
        return {"missing": len(missing)}

    return _timed(meter, run)


def naive_digest(naive: Naive, meter: Meter) -> dict[str, Any]:
    community = naive.community
    cycles = cycles_of(community)
    assert cycles is not None

    def run() -> dict[str, Any]:
        members = naive.roster()
        present = [m for m in members if m.is_present]
        now = {
            m.user_id: s
            for m in present
            if (s := naive.get(keys.submission_sk(DIGEST_CYCLE, m.user_id)))
        }
        before = {
            m.user_id: s
            for m in present
            if (s := naive.get(keys.submission_sk(DIGEST_PREVIOUS, m.user_id)))
        }
        reviews = 0
        for reviewee in before:
            assigned = naive.get(keys.assignment_sk(DIGEST_PREVIOUS, reviewee)) or {}
            for reviewer in assigned.get("reviewers") or []:
                reviews += (
                    naive.get(keys.review_sk(DIGEST_PREVIOUS, reviewee, reviewer)) is not None
                )
        naive.get(keys.cycle_close_sk(DIGEST_PREVIOUS))
        first, _last = cycle_dates(cycles, 3)
        stars = Counter(
            c["user_id"]
            for d in range(7)
            for c in naive.query_prefix(keys.checkin_day_prefix(first + timedelta(days=d)))
        )
        due = deadline_date(cycles, 3)
        close = close_cycle(members, now, due, community.grace_days)
        squads = {m.user_id: m.squad for m in present}
        assignment = assign_reviewers(
            [Person(u, squads.get(u)) for u in now],
            [Person(m.user_id, m.squad, submitted=m.user_id in now) for m in present],
            community.reviewers_per_submission,
            seed=f"{community.id}#{DIGEST_CYCLE}",
        )
        for reviewee, reviewers in sorted(assignment.items()):
            naive.put(
                {
                    "sk": keys.assignment_sk(DIGEST_CYCLE, reviewee),
                    "kind": "assignment",
                    "cycle": DIGEST_CYCLE,
                    "reviewee": reviewee,
                    "reviewers": list(reviewers),
                }
            )
        changes = strike_changes(close)
        for change in changes:
            if change.delta > 0:
                naive.put(
                    {
                        "sk": keys.strike_sk(DIGEST_CYCLE, change.user_id),
                        "kind": "strike",
                        "cycle": DIGEST_CYCLE,
                        "user_id": change.user_id,
                        "in_a_row": change.missed_in_a_row,
                    }
                )
            naive.set(keys.member_sk(change.user_id), {"missed_in_a_row": change.missed_in_a_row})
        naive.put(
            {"sk": keys.cycle_close_sk(DIGEST_CYCLE), "kind": "cycle-close", "shown": sorted(now)}
        )
        return {"missing": len(close.missing), "reviews": reviews, "stars": len(stars)}

    return _timed(meter, run)


def naive_report(naive: Naive, meter: Meter, at: Any) -> dict[str, Any]:
    community = naive.community

    def run() -> dict[str, Any]:
        everything = naive.scan()
        members = naive.roster(everything)
        present = {m.user_id for m in members if m.is_present}
        first, last = keys.checkin_day_prefix(MONTH_FIRST), keys.checkin_day_prefix(MONTH_LAST)
        counts: Counter[str] = Counter()
        done = missed = 0
        for item in everything:
            sk = item["sk"]
            if first <= sk < last + "\uffff" and item.get("user_id") in present:
                counts[item["user_id"]] += 1
            elif item.get("cycle") in CYCLES and item.get("user_id") in present:
                done += sk.startswith(keys.SUBMISSION_PREFIX)
                missed += sk.startswith(keys.STRIKE_PREFIX)
        previous = {}
        for m in members:
            if m.is_present:
                row = naive.get(f"RPN#{PREVIOUS_MONTH}#{m.user_id}")
                if row:
                    previous[m.user_id] = row["tier"]
        report = compile_report(
            community,
            REPORT_MONTH,
            members,
            as_of=community.calendar.local_date(at),
            generated_at=at,
            checkin_counts=counts,
            checkin_window=(MONTH_FIRST, MONTH_LAST),
            homework=Rate(done, done + missed),
            homework_cycles=len(CYCLES),
            previous=None,
            previous_tiers=previous,
        )
        for row in report.rows:
            naive.put(
                {
                    "sk": f"RPN#{REPORT_MONTH}#{row.user_id}",
                    "user_id": row.user_id,
                    "name": row.name,
                    "tier": row.tier.value,
                    "last_active": row.last_active.isoformat() if row.last_active else None,
                    "checkins": row.checkins,
                    "warned_rule": row.warned_rule,
                }
            )
        changed = [v for v in report.verdicts if v.changed]
        for verdict in changed:
            naive.set(
                keys.member_sk(verdict.member.user_id),
                {
                    "warned_rule": verdict.warned_rule or "",
                    "warned_at": verdict.warned_at.isoformat() if verdict.warned_at else "",
                },
            )
        naive.put({"sk": f"RPNH#{REPORT_MONTH}", "counts": dict(report.summary.counts)})
        return {"rows": len(report.rows), "warning_changes": len(changed)}

    return _timed(meter, run)
