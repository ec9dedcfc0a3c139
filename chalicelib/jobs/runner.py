"""Run one job for one community and period: plan → claim → deliver part by part → finish.

The scheduler's worker, ``rollcall job run`` and the local runtime all come through here,
so a manual replay goes through the same claim as a scheduled run.

Exactly once, and the one window left: a part is recorded as delivered right after the
platform accepted it. A crash between the platform's acceptance and that record (one
UpdateItem) is the only way a part can be sent twice: the run is taken over after its
lease expires and resends that one part. We chose this side (at-least-once per part) over
the other (recording before sending), because a reminder that never arrives is worse for
a community than the rare duplicate of one part.

Direct messages: a plan may address a message to one member privately (``Direct``) with
what the group should see instead if that is impossible (``Direct.fallback``). Where the
platform's adapter cannot send direct messages, the fallbacks take the DMs' place from the
start. Where a DM is refused for good (``DirectRefused``: a Telegram member who never
started the bot, a Discord member who closed DMs), the part is recorded as refused
(store/runs.py), the run goes on, and after every planned part the refused
DMs' fallbacks go to the group, merged into as few messages as they allow. A resumed run
recomputes those fallback parts from the refusals it finds recorded, in part order, so it
sends the same parts at the same indices. A DM that fails otherwise (the platform
unreachable after retries) fails the run like any part: it is retried later, not turned
into a fallback.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from chalicelib.domain.models import Community
from chalicelib.jobs.plan import Direct, InThread, Plan, Planner, Target
from chalicelib.logs import metric
from chalicelib.platforms.base import (
    ChatAddress,
    DeliveryError,
    DirectMessages,
    DirectRefused,
    Message,
    ThreadRefused,
    ThreadReplies,
)
from chalicelib.store import runs
from chalicelib.store.retention import RETENTION, retention_of

log = logging.getLogger("rollcall.jobs")

# A run's lease: longer than a worker's Lambda timeout (60 s), so a live run is never taken
# over, short enough that a crashed one resumes on the next tick or SQS redelivery. Leases
# are read from the wall clock (runtime.clock), never from the run's logical ``now``.
LEASE = timedelta(minutes=5)
# A run renews its lease with every record it writes, and before a send whenever it last
# renewed longer ago than this: a worker that stalled (or whose clock lags another's by
# less than LEASE - RENEW_EVERY) learns it was taken over before it sends again.
RENEW_EVERY = timedelta(minutes=1)
# What a part refused by the platform (a direct message) is recorded as.
REFUSED = "!refused"


class RunStatus(StrEnum):
    """How a call of run_job ended (a str, so it reads and serialises as its value)."""

    SENT = "sent"
    NOTHING_TO_SEND = "nothing-to-send"
    DRY_RUN = "dry-run"
    ALREADY_DONE = "already-done"
    BUSY = "busy"  # another worker's lease is live: retry later
    PAUSED = "paused"  # stopped for lack of time; the caller queues it again
    FAILED = "failed"
    SKIPPED = "skipped"  # too late to make sense (recorded, not sent)


PAUSED = RunStatus.PAUSED
BUSY = RunStatus.BUSY
# Direct messages recorded together (see run_job): at most this many, counted, not timed.
# The count is the bound that matters (how many DMs a crash may send twice), and the ledger
# writes at most one checkpoint per CHECKPOINT_PARTS DMs, or one a minute with the lease's
# renewal when DMs go slower than that; a time rule (there was one of 2 s) made a paced
# platform's run write a checkpoint every few DMs.
CHECKPOINT_PARTS = 50
# Time kept back when ``time_left`` is given: one part's delivery with the platform's
# retries (a Retry-After of a few seconds) plus the bookkeeping after it.
TIME_RESERVE = 15.0


@dataclass
class JobResult:
    job: str
    community_id: str
    period: str
    status: str  # a RunStatus
    parts: list[str] = field(default_factory=list)
    delivered: int = 0
    summary: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "community": self.community_id,
            "period": self.period,
            "status": self.status,
            "delivered": self.delivered,
            "parts": self.parts,
            "summary": self.summary,
            "errors": self.errors,
        }

    def describe(self) -> str:
        head = f"{self.job} for {self.community_id}, period {self.period}: {self.status}"
        if self.status == RunStatus.SENT:
            head += f" ({self.delivered} message{'s' if self.delivered != 1 else ''})"
        if self.status == RunStatus.DRY_RUN and "already_ran" in self.summary:
            head += (
                f" — this period already ran ({self.summary['already_ran']}): a real run "
                "sends nothing; --force replays it"
            )
        body = "\n\n".join(self.parts)
        errors = "\n".join(f"error: {e}" for e in self.errors)
        return "\n".join(x for x in (head, body, errors) if x)


def planners() -> dict[str, Planner]:
    """Every job's planner, from the registry (whose job modules load on first use, so a
    webhook's cold start never loads the jobs)."""
    from chalicelib.jobs import registry

    return {name: spec.plan for name, spec in registry.job_specs().items()}


def run_job(
    runtime: Any,
    job: str,
    community_id: str,
    now: datetime,
    *,
    dry_run: bool = False,
    force: bool = False,
    period: str | None = None,
    time_left: Callable[[], float] | None = None,
    reserve: float = TIME_RESERVE,
    origin: str | None = None,
) -> JobResult:
    """Run ``job`` for ``community_id`` as of ``now`` (the period is derived from ``now`` in
    the community's calendar unless given): plan, render, claim, deliver what is unsent,
    the refused DMs' fallbacks, apply, finish.

    ``time_left`` (seconds, e.g. the Lambda context's remaining time): when it runs under
    ``reserve`` between two parts, the run stops with status ``paused``, its lease released
    so that the next worker takes it over at once and goes on from the next part. A run of
    thousands of direct messages then spans several invocations instead of being cut off
    by the function's timeout. Each call delivers at least one part first, so even a
    too-short function makes progress rather than pausing forever. ``origin`` names what
    asked for the run (a deferred command), kept on its record."""
    prepared = _prepare_run(runtime, job, community_id, now, period)
    plan, result, adapter = prepared.plan, prepared.result, prepared.adapter
    if plan.skip is not None:
        return _skipped_run(runtime, prepared, dry_run=dry_run)
    threads = isinstance(adapter, ThreadReplies)
    messages, targets = _addressed(plan, prepared.direct, threads=threads)
    parts, part_targets = _render(adapter, messages, targets)
    result.parts = [_describe_part(p, t) for p, t in zip(parts, part_targets, strict=True)]
    if dry_run:
        return _dry_run(runtime.store.table, result)
    if adapter is None:
        raise ValueError(f"platform {prepared.community.platform!r} is not configured here")
    ledger = _claim_for_run(runtime, prepared, force=force, origin=origin)
    if ledger is None:
        return result  # finished already, or another worker's lease is live
    delivery = _Delivery(adapter, prepared.community, ledger, time_left, reserve)
    if not delivery.deliver_all(zip(range(len(parts)), parts, part_targets, strict=True)):
        return result  # failed, taken over or paused: ``result.status`` says which
    # The refused DMs' fallbacks, after every planned part, at the indices that follow.
    extra = _refused_fallback_parts(adapter, ledger, targets)
    if not delivery.deliver_all((len(parts) + k, part, None) for k, part in enumerate(extra)):
        return result
    if plan.apply is not None:
        plan.apply()
    status = RunStatus.SENT if parts else RunStatus.NOTHING_TO_SEND
    ledger.finish(len(parts) + len(extra), status, plan.record)
    return result


@dataclass
class _PreparedRun:
    """A run planned for one community and period, before anything is claimed or sent."""

    community: Community
    adapter: Any
    direct: bool  # the adapter can send direct messages here
    retention: timedelta  # the community's: for the run's record and its refused parts
    plan: Plan
    result: JobResult


def _prepare_run(
    runtime: Any, job: str, community_id: str, now: datetime, period: str | None
) -> _PreparedRun:
    """The job's plan for the community as of ``now``; ValueError for a job not here."""
    from chalicelib.jobs import registry

    spec = registry.spec_of(job)
    if spec is None:
        raise ValueError(f"job {job!r} is not available yet")
    store = runtime.store
    community: Community = store.get_community(community_id)
    # The run's record and its refused parts are kept for the community's retention period.
    retention = retention_of(community)
    adapter = runtime.adapter(community.platform)
    direct = can_send_direct(adapter)
    reads = {"adapter": adapter} if spec.reads_platform else {}
    plan = spec.plan(store, community, now, period=period, direct=direct, **reads)
    result = JobResult(
        job, community_id, plan.period, RunStatus.DRY_RUN, summary=dict(plan.summary)
    )
    return _PreparedRun(community, adapter, direct, retention, plan, result)


def _skipped_run(runtime: Any, prepared: _PreparedRun, *, dry_run: bool) -> JobResult:
    """A plan that skips its period (too late to make sense): recorded, nothing sent."""
    result, reason = prepared.result, prepared.plan.skip or ""
    result.summary["skipped"] = reason
    if dry_run:
        return result
    runs.record_skip(
        runtime.store.table,
        result.community_id,
        result.job,
        result.period,
        runtime.clock.now(),
        reason=reason,
        retention=prepared.retention,
    )
    result.status = RunStatus.SKIPPED
    log.info("run skipped", extra={"community": result.community_id, "job": result.job})
    return result


def _claim_for_run(
    runtime: Any, prepared: _PreparedRun, *, force: bool, origin: str | None
) -> RunLedger | None:
    """Claim the run (its lease by the wall clock) and open its ledger; None when the run
    is not this call's, the result then saying why (finished already, or busy)."""
    result = prepared.result
    run_id = uuid.uuid4().hex
    claim = runs.claim_run(
        runtime.store.table,
        result.community_id,
        result.job,
        result.period,
        runtime.clock.now(),
        lease=LEASE,
        run_id=run_id,
        force=force,
        origin=origin,
        retention=prepared.retention,
    )
    if not claim.owned:
        _not_claimed(result, claim.item or {}, {"job": result.job})
        return None
    return RunLedger(
        runtime.store.table,
        runtime.clock,
        result,
        run_id,
        claim.item or {},
        retention=prepared.retention,
    )


def _refused_fallback_parts(
    adapter: Any, ledger: RunLedger, targets: Sequence[Target]
) -> list[Any]:
    """The fallbacks of the DMs the platform refused (this attempt's and those recorded by
    earlier ones), merged, rendered for the group."""
    fallbacks = merge_fallbacks(
        [f for i in dict.fromkeys(ledger.refused_dms) if (f := _fallback(targets[i])) is not None]
    )
    extra, _ = _render(adapter, fallbacks, [None] * len(fallbacks))
    return extra


class RunLedger:
    """A claimed run's bookkeeping: which parts earlier attempts settled, what this one
    delivered, its checkpoints and lease; and how it ends (paused, failed, taken over,
    finished). Every record it writes renews the lease and is conditioned on the run still
    being this attempt's (``run_id``); a False from any of them means another worker owns
    the run now and this one must not send again.

    Direct messages are recorded in checkpoints, not one write each: a run that sends
    thousands of DMs then costs a few writes per hundred members, and a crash sends again
    at most the DMs of the last checkpoint interval (the runner's side of at-least-once).
    """

    def __init__(
        self,
        table: Any,
        clock: Any,
        result: JobResult,
        run_id: str,
        claimed: dict[str, Any],
        *,
        retention: timedelta = RETENTION,
    ) -> None:
        self.table = table
        self.retention = retention  # the community's: for the refused parts' items
        self.clock = clock
        self.result = result
        self.run_id = run_id
        self.key = (result.community_id, result.job, result.period)
        self.dims = {"job": result.job}
        self.context = {
            "community": result.community_id,
            "job": result.job,
            "period": result.period,
            "run_id": run_id,
        }
        self.lease = _Lease(clock)
        self.done = runs.settled(claimed)  # parts 0..done-1 settled by earlier attempts
        self.epoch = runs.epoch_of(claimed)
        # A takeover: which of the settled parts were refused DMs (one Query), for fallbacks.
        self.refused_before = (
            runs.refused_parts(table, *self.key, self.epoch) if self.done else set()
        )
        self.refused_dms: list[int] = []  # message indices whose DM the platform refused
        # The group parts' message ids, recorded with each part as it went out (an earlier
        # attempt's from the claimed record): a reply in a thread reads its anchor's here,
        # so a resumed run replies under the message already posted, never a new one.
        self.sent_ids: dict[int, str] = runs.sent_parts(claimed)
        self.thread_refusal: str | None = None  # why a thread reply went to the group
        self._pending: list[int] = []  # DM parts settled since the last checkpoint
        self._pending_refused: list[int] = []
        metric("RunsClaimed", dimensions=self.dims)

    def record(self, index: int, message_id: str, direct: bool) -> bool:
        """Note part ``index`` settled: a group part at once (its id kept, and the
        high-water mark covers the DMs before it), a DM at the next checkpoint."""
        if not direct:
            self.sent_ids[index] = message_id
            return self._save(index, message_id, keep_id=True)
        self._pending.append(index)
        if message_id == REFUSED:
            self._pending_refused.append(index)
        due = len(self._pending) >= CHECKPOINT_PARTS
        return self.checkpoint() if due else True

    def checkpoint(self) -> bool:
        """Record the DMs settled since the last checkpoint, if any."""
        return self._save(self._pending[-1], "", keep_id=False) if self._pending else True

    def renew(self) -> bool:
        """Before a send: renew the lease when it is due (with the pending DMs, if any)."""
        if not self.lease.due():
            return True
        if self._pending:
            return self.checkpoint()
        return runs.record_part(
            self.table, *self.key, -1, "", self.run_id, lease_until=self.lease.renewing()
        )

    def _save(self, index: int, message_id: str, keep_id: bool) -> bool:
        """Parts up to ``index`` settled, the refusals since the last save first."""
        runs.record_refused(
            self.table,
            *self.key,
            self.epoch,
            self._pending_refused,
            at=self.clock.now(),
            retention=self.retention,
        )
        self._pending.clear()
        self._pending_refused.clear()
        return runs.record_part(
            self.table,
            *self.key,
            index,
            message_id,
            self.run_id,
            keep_id=keep_id,
            lease_until=self.lease.renewing(),
        )

    def pause(self, index: int) -> bool:
        """Stop for lack of time, releasing the lease so the next worker goes on at once."""
        if not self.checkpoint():
            return self.taken_over()
        runs.release_run(self.table, *self.key, self.clock.now(), self.run_id)
        self.result.status = PAUSED
        log.info("run paused", extra={**self.context, "part": index})
        metric("RunsPaused", dimensions=self.dims)
        return False

    def fail(self, index: int, error: DeliveryError) -> bool:
        """The platform down or refusing: the run fails (and releases its lease) to be
        retried later from the first part not settled."""
        log.warning("delivery failed", extra={**self.context, "part": index})
        if not self.checkpoint():
            return self.taken_over()
        self.result.errors.append(str(error))
        runs.finish_run(
            self.table,
            *self.key,
            self.clock.now(),
            self.run_id,
            status=runs.FAILED,
            error=str(error)[:500],
        )
        self.result.status = RunStatus.FAILED
        metric("RunsFailed", dimensions=self.dims)
        return False

    def taken_over(self) -> bool:
        # Another worker owns the run now (a forced replay, or a takeover after this one's
        # lease ran out): stop here, before sending anything more.
        self.result.status = RunStatus.FAILED
        self.result.errors.append("run taken over by another worker")
        return False

    def note_thread_refused(self, index: int, reason: str) -> None:
        """A thread reply posted into the group instead: kept on the run's record."""
        log.warning("thread reply refused", extra={**self.context, "part": index})
        self.thread_refusal = reason
        self.result.summary["thread_refused"] = reason

    def finish(self, total: int, status: str, record: dict[str, Any] | None = None) -> None:
        if self.thread_refusal is not None:
            record = {**(record or {}), "thread_refused": self.thread_refusal[:500]}
        refused = len(set(self.refused_dms))
        if refused:
            self.result.summary["direct_refused"] = refused
            metric("DirectMessagesRefused", refused, dimensions=self.dims)
        runs.finish_run(
            self.table, *self.key, self.clock.now(), self.run_id, parts=total, **(record or {})
        )
        self.result.status = status
        metric("MessagesSent", self.result.delivered, dimensions=self.dims)
        log.info(
            "job finished", extra={**self.context, "parts": total, "sent": self.result.delivered}
        )


class _Delivery:
    """Sends a run's parts in order, skipping what the ledger says is settled."""

    def __init__(
        self,
        adapter: Any,
        community: Community,
        ledger: RunLedger,
        time_left: Callable[[], float] | None,
        reserve: float,
    ) -> None:
        self.adapter = adapter
        self.community = community
        self.chat = ChatAddress(
            community.platform, community.chat_id, community.robot_webhook, community.robot_secret
        )
        self.ledger = ledger
        self.time_left = time_left
        self.reserve = reserve
        self.progressed = False  # a part delivered (or refused) by this call

    def deliver_all(self, numbered: Iterable[tuple[int, Any, _PartTarget]]) -> bool:
        """Deliver and record each part not yet settled; False when the run must stop
        (the result then says why)."""
        ledger, result = self.ledger, self.ledger.result
        for index, part, target in numbered:
            if index < ledger.done:
                if index in ledger.refused_before and isinstance(target, _DirectPart):
                    ledger.refused_dms.append(target.message)
                continue  # delivered (or refused) by a run that crashed after it
            if self.time_left is not None and self.progressed and self.time_left() < self.reserve:
                return ledger.pause(index)
            if not ledger.renew():
                return ledger.taken_over()
            try:
                message_id = self._deliver(index, part, target)
            except DeliveryError as error:
                return ledger.fail(index, error)
            if not ledger.record(index, message_id, isinstance(target, _DirectPart)):
                return ledger.taken_over()
            self.progressed = True
            if message_id != REFUSED:
                result.delivered += 1
        return ledger.checkpoint() or ledger.taken_over()

    def _deliver(self, index: int, part: Any, target: _PartTarget) -> str:
        """Send one part; REFUSED for a DM refused for good. DeliveryError otherwise."""
        ledger = self.ledger
        if isinstance(target, _ThreadPart):
            return self._reply_in_thread(index, part, target.anchor)
        if isinstance(target, _DirectPart):
            if target.message in ledger.refused_dms:
                return REFUSED  # an earlier part of the same DM was refused
            try:
                return str(self.adapter.deliver_direct(self.chat, target.user_id, part))
            except DirectRefused as error:
                log.info("direct message refused", extra={**ledger.context, "part": index})
                ledger.result.errors.append(f"direct message to {target.user_id}: {error}")
                ledger.refused_dms.append(target.message)
                return REFUSED
        # Another chat of the platform (an admin chat) has no group robot of its own: the
        # community's robot would post into the group, so it is never used there.
        to = self.chat if target is None else ChatAddress(self.community.platform, target)
        return str(self.adapter.deliver(to, part))

    def _reply_in_thread(self, index: int, part: Any, anchor: int) -> str:
        """A part in the thread of part ``anchor``, by the id recorded when it went out; into
        the group (the reason recorded) when there is none or the platform refuses."""
        anchor_id = self.ledger.sent_ids.get(anchor, "")
        if anchor_id in ("", "-"):
            reason = f"no message id recorded for part {anchor} to reply to"
        else:
            try:
                return str(self.adapter.reply_in_thread(self.chat, anchor_id, part))
            except ThreadRefused as error:
                reason = str(error)
        self.ledger.note_thread_refused(index, reason)
        return str(self.adapter.deliver(self.chat, part))


def _dry_run(table: Any, result: JobResult) -> JobResult:
    """What a run would send, and whether the period already ran (one GetItem): a real run
    would then send nothing, and the dry run says so rather than show it as if it would."""
    record = runs.get_run(table, result.community_id, result.job, result.period)
    if record is not None and record.get("status") in (runs.DONE, runs.SKIPPED):
        result.summary["already_ran"] = str(record.get("finished_at") or record["status"])
    return result


class _Lease:
    """When this run last renewed its lease, by the wall clock."""

    def __init__(self, clock: Any) -> None:
        self._clock = clock
        self._renewed: datetime = clock.now()

    def due(self) -> bool:
        return bool(self._clock.now() - self._renewed >= RENEW_EVERY)

    def renewing(self) -> datetime:
        """The new end of the lease, for a record being written now."""
        self._renewed = self._clock.now()
        return self._renewed + LEASE


def _not_claimed(result: JobResult, record: dict[str, Any], dims: dict[str, str]) -> JobResult:
    """Finished (or skipped) already, or another worker's lease is live: ``busy``."""
    result.parts = []
    if record.get("status") in (runs.DONE, runs.SKIPPED):
        metric("RunsAlreadyDone", dimensions=dims)
        result.status = RunStatus.ALREADY_DONE
        if record.get("origin"):
            result.summary["origin"] = record["origin"]
        return result
    metric("RunsBusy", dimensions=dims)
    result.status = BUSY
    result.errors.append(f"another worker holds this run until {record.get('lease_until')}")
    return result


@dataclass(frozen=True)
class _DirectPart:
    """A rendered part for one member privately; ``message`` is its message's index."""

    user_id: str
    message: int


@dataclass(frozen=True)
class _ThreadPart:
    """A rendered part replying in the thread of part ``anchor`` (a group part before it)."""

    anchor: int


# Where a rendered part goes: another chat's id, a member (DM), a thread, or the group (None).
_PartTarget = str | _DirectPart | _ThreadPart | None


def can_send_direct(adapter: Any) -> bool:
    """Whether the platform's adapter is set up to message members privately."""
    return isinstance(adapter, DirectMessages) and bool(adapter.direct_messages)


def _fallback(target: Target) -> Message | None:
    return target.fallback if isinstance(target, Direct) else None


def _addressed(
    plan: Plan, direct: bool, *, threads: bool = False
) -> tuple[list[Message], list[Target]]:
    """The plan's messages and targets, with every DM replaced by its (merged) fallback
    when the platform cannot send DMs here, and every thread reply a plain group post when
    it has no threads (or its anchor is not a group message)."""
    messages: list[Message] = []
    targets: list[Target] = []
    instead: list[Message] = []
    here: dict[int, int] = {}  # a plan's message index -> its index in ``messages``
    for index, message in enumerate(plan.messages):
        target = plan.target(index)
        if isinstance(target, Direct) and not direct:
            if target.fallback is not None:
                instead.append(target.fallback)
            continue
        if isinstance(target, InThread):
            anchor = here.get(target.of)
            grouped = threads and anchor is not None and targets[anchor] is None
            target = InThread(anchor) if grouped and anchor is not None else None
        here[index] = len(messages)
        messages.append(message)
        targets.append(target)
    for message in merge_fallbacks(instead):
        messages.append(message)
        targets.append(None)
    return messages, targets


def merge_fallbacks(fallbacks: Sequence[Message]) -> list[Message]:
    """Fallbacks with the same text as one message, in order of first appearance: mentions
    joined (each member once), tails one per line (each once)."""
    merged: dict[str, tuple[list[Any], list[str]]] = {}
    for message in fallbacks:
        mentions, tails = merged.setdefault(message.text, ([], []))
        for mention in message.mentions:
            if all(m.user_id != mention.user_id for m in mentions):
                mentions.append(mention)
        if message.tail and message.tail not in tails:
            tails.append(message.tail)
    return [
        Message(text, tuple(mentions), "\n".join(tails))
        for text, (mentions, tails) in merged.items()
    ]


def _render(
    adapter: Any, messages: Sequence[Message], targets: Sequence[Target]
) -> tuple[list[Any], list[_PartTarget]]:
    parts: list[Any] = []
    part_targets: list[_PartTarget] = []
    first_parts: list[int] = []  # each message's first part
    for index, (message, target) in enumerate(zip(messages, targets, strict=True)):
        rendered = adapter.render(message) if adapter else render_plain(message)
        first_parts.append(len(parts))
        parts.extend(rendered)
        where: _PartTarget
        if isinstance(target, Direct):
            where = _DirectPart(target.user_id, index)
        elif isinstance(target, InThread):
            where = _ThreadPart(first_parts[target.of])
        else:
            where = target
        part_targets.extend(where for _ in rendered)
    return parts, part_targets


def _describe_part(part: Any, target: _PartTarget) -> str:
    """A part as ``rollcall job run`` shows it: DMs marked with their recipient, thread
    replies with the part they answer."""
    text = part if isinstance(part, str) else str(part)
    if isinstance(target, _DirectPart):
        return f"[DM → {target.user_id}] {text}"
    if isinstance(target, _ThreadPart):
        return f"[↳ thread of part {target.anchor + 1}] {text}"
    return text


def render_plain(message: Message) -> list[str]:
    """How a message reads when its platform has no adapter here (dry runs only)."""
    from chalicelib.platforms.base import split_parts

    tokens = [f"@{m.username or m.name}" for m in message.mentions]
    return split_parts(message.text, tokens, message.tail, 4000)
