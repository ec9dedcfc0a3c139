"""rota: at the start of each rota period (Monday or the 1st, 09:00 local), the member on
duty is picked (domain/rota.py), announced in the group, and sent their duties privately.

Once per period: the run's claim (``RUN#rota#<period>``) and the duty's own conditional
PutItem (``ROTA#<period>``), so even a forced replay announces the member already on duty
instead of picking again. A missed tick is caught up by the next one, up to two days late.
Runs only for a community with a rota (``rota_period``): every other has no slots.

Cost: features/rota.py ``choose`` (three Queries: roster, history, volunteers), one GetItem
and one PutItem; two messages (the group's, and the direct note).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from chalicelib.domain.models import Community
from chalicelib.domain.rota import MONTH, WEEK, Pick
from chalicelib.features import rota
from chalicelib.jobs.plan import Direct, JobSpec, Plan, Slot
from chalicelib.platforms.base import Message
from chalicelib.store import rota as rota_store
from chalicelib.store.repository import Store

NAME = "rota"


def plan_rota(
    store: Store,
    community: Community,
    now: datetime,
    *,
    period: str | None = None,
    direct: bool = False,
) -> Plan:
    """``period``: ``2026-W49`` or ``2026-12``; by default the one ``now`` falls in."""
    period = period or rota.current_period(community, now)
    if community.rota_period is None:
        return Plan(period=period, messages=(), skip="no rota")
    table = store.table
    duty = rota_store.get_duty(table, community.id, period)
    if duty is not None:  # a replay: the member already on duty, never a second pick
        pick: Pick | None = Pick(duty.user_id, duty.name, duty.volunteer)
    else:
        pick = rota.choose(table, community, list(store.list_members(community.id)), period)
    if pick is None:
        text = rota.nobody_on_duty_text(community, period)
        return Plan(period=period, messages=[Message(text)], summary={"on_duty": None})
    # By name, no @mention: the member hears of it privately, with their duties.
    announce = Message(rota.announce_text(community, period, pick.name, pick.volunteer))
    note = rota.duties_note(community, period, pick.name)
    fallback = Message(note)  # no private channel: the note (no personal data) in the group
    chosen = pick

    def apply() -> None:
        if duty is None:
            rota.record_duty(table, community, period, chosen, now)

    return Plan(
        period=period,
        messages=[announce, Message(note)],
        targets=[None, Direct(pick.user_id, fallback)],
        summary={"on_duty": pick.user_id, "volunteer": pick.volunteer},
        apply=apply,
    )


def rota_slots(community: Community, after: datetime) -> Iterator[Slot]:
    kind = community.rota_period
    if kind not in (WEEK, MONTH):
        return
    calendar = community.calendar
    cursor = after
    while True:
        if kind == WEEK:
            cursor = calendar.next_weekly(cursor, 0, rota.TURNOVER_TIME)
        else:
            cursor = calendar.next_monthly(cursor, 1, rota.TURNOVER_TIME)
        yield Slot(NAME, rota.current_period(community, cursor), cursor)


SPEC = JobSpec(
    name=NAME,
    plan=plan_rota,
    slots=rota_slots,
    # A hand-over two days late still beats none; later, the period is half gone.
    max_lateness=timedelta(days=2),
    # Turned on by the community's rota setting (no slots without one), not its job list.
    always_on=True,
)
