"""Break each guarantee on purpose and watch the suite go red: ``make mutants``.

Each mutant removes one guard from a copy of the tree (a textual edit that must match the
source exactly once, so a mutant whose code moved fails loudly instead of testing nothing)
and runs the tests that are meant to catch it. A mutant that survives (its tests pass) is
a guarantee no test proves: this exits 1.

    python -m tests.mutants            # every mutant
    python -m tests.mutants lease      # those whose name contains "lease"

The fault suites run at ROLLCALL_FUZZ_SCALE=200 here (their default is 1,000): enough to
catch each mutant, short enough for CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPY = ("app.py", "pyproject.toml", ".chalice", "chalicelib", "rollcall", "tests")
FAULTS = "tests/jobs/test_claims_under_faults.py"
ROLES = "tests/chat/test_role_commands.py"
SESSIONS = "tests/jobs/test_sessions_job.py"


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


MUTANTS = (
    Mutant(
        "local writers without the state lock",
        "rollcall/local.py",
        "fcntl.flock(handle.fileno(), fcntl.LOCK_EX)",
        "pass",
        ("tests/cli/test_first_hour.py::test_a_writer_holds_the_state_lock_until_its_save",),
    ),
    Mutant(
        "claim ignores the lease",
        "chalicelib/store/runs.py",
        '& Cond.lt("lease_until", now.isoformat())',
        "",
        (
            "tests/jobs/test_send_daily_reminders.py::"
            "test_a_running_claim_is_not_taken_over_before_its_lease_expires",
            f"{FAULTS}::test_a_late_run_holds_its_lease_by_the_wall_clock_not_by_its_logical_time",
        ),
    ),
    Mutant(
        "part record without ownership",
        "chalicelib/store/runs.py",
        'return table.update(pk, sk, set=fields, cond=Cond.eq("run_id", run_id), return_new=False)',
        "return table.update(pk, sk, set=fields, return_new=False)",
        (f"{FAULTS}::test_a_worker_that_stalls_past_its_lease_sends_nothing_after_the_takeover",),
    ),
    Mutant(
        "direct-message checkpoints off",
        "chalicelib/jobs/runner.py",
        "return self.checkpoint() if due else True",
        "return True",
        (
            "tests/jobs/test_direct_messages.py::"
            "test_dms_are_recorded_in_checkpoints_and_a_crash_resends_only_the_last_few",
        ),
    ),
    Mutant(
        "UnprocessedItems retry dropped",
        "chalicelib/store/table.py",
        'pending = response.get("UnprocessedItems") or {}',
        "pending = {}",
        ("tests/store/test_table_contract.py::test_batch_put_retries_unprocessed_items",),
    ),
    Mutant(
        "lost-answer ownership check removed",
        "chalicelib/store/claims.py",
        "if old is not None and old.get(owner_attr) == owner:",
        "if False:",
        (
            f"{FAULTS}::test_on_moto_lost_answers_in_botocore_never_drop_a_run_or_a_command",
            f"{FAULTS}::test_on_moto_a_command_whose_claim_answer_was_lost_is_answered_once",
        ),
    ),
    Mutant(
        "check-in's own lost answer read as a redelivery",
        "chalicelib/store/checkins.py",
        'if not written and written.old is not None and written.old.get("attempt") == attempt:',
        "if False:",
        (f"{FAULTS}::test_on_moto_a_check_in_whose_put_answer_was_lost_is_answered_and_counted",),
    ),
    Mutant(
        "a DingTalk signature not bound to its body",
        "chalicelib/store/replay.py",
        'return table.put(item, cond=Cond.absent("pk") | Cond.eq("body_sha256", digest))',
        "return True",
        ("tests/platforms/test_dingtalk.py::test_a_captured_signature_cannot_carry_another_body",),
    ),
    Mutant(
        "a DingTalk admin command run without its code",
        "chalicelib/chat/confirm.py",
        "    return ctx.may(command.name)\n",
        "    return False\n",
        (
            "tests/platforms/test_dingtalk_confirm.py::"
            "test_an_admin_command_waits_for_the_code_sent_privately_then_runs_once",
        ),
    ),
    Mutant(
        "a confirmation code that runs twice",
        "chalicelib/chat/confirm.py",
        'cond=Cond.exists("pk") & Cond.absent("used_by"),',
        'cond=Cond.exists("pk"),',
        (
            "tests/platforms/test_dingtalk_confirm.py::"
            "test_an_admin_command_waits_for_the_code_sent_privately_then_runs_once",
        ),
    ),
    Mutant(
        "a deferred command another worker holds read as answered",
        "chalicelib/chat/worker.py",
        'if (claim.item or {}).get("status") != deferred.DONE:',
        "if False:",
        (
            "tests/entrypoints/test_deferred_commands.py::"
            "test_a_command_another_worker_holds_is_retried_not_dropped",
        ),
    ),
    Mutant(
        "no lease renewal before a send",
        "chalicelib/jobs/runner.py",
        "if not self.lease.due():",
        "if True:",
        (f"{FAULTS}::test_a_worker_that_stalls_past_its_lease_sends_nothing_after_the_takeover",),
    ),
    Mutant(
        "records do not extend the lease",
        "chalicelib/jobs/runner.py",
        "            keep_id=keep_id,\n            lease_until=self.lease.renewing(),",
        "            keep_id=keep_id,",
        (f"{FAULTS}::test_a_long_run_renews_its_lease_and_is_never_taken_over_while_it_works",),
    ),
    Mutant(
        "lease from the logical now",
        "chalicelib/jobs/runner.py",
        "        runtime.clock.now(),\n        lease=LEASE,",
        "        now,\n        lease=LEASE,",
        (
            "tests/entrypoints/test_deferred_commands.py::"
            "test_a_remind_killed_midway_is_finished_by_the_retry_and_confirmed_once",
            f"{FAULTS}::test_a_late_run_holds_its_lease_by_the_wall_clock_not_by_its_logical_time",
        ),
    ),
    Mutant(
        "a live lease read as a finished run",
        "chalicelib/jobs/runner.py",
        'if record.get("status") in (runs.DONE, runs.SKIPPED):',
        "if True:",
        (
            f"{FAULTS}::"
            "test_lost_answers_concurrency_skew_and_crashes_lose_and_double_nothing_outside_the_window",
        ),
    ),
    Mutant(
        "an invite code's uses not counted",
        "chalicelib/store/invites.py",
        '        & Cond.gt("uses_left", 0)\n',
        "",
        (
            "tests/store/test_invites.py::test_two_groups_racing_for_the_last_use_cannot_both_win",
            "tests/entrypoints/test_setup_webhooks.py::"
            "test_telegram_setup_with_a_bad_code_answers_one_line_and_creates_nothing",
        ),
    ),
    Mutant(
        "an expired invite code accepted",
        "chalicelib/store/invites.py",
        '        & Cond.gt("valid_until", now.isoformat())\n',
        "",
        ("tests/store/test_invites.py::test_an_expired_code_is_refused_and_keeps_its_uses",),
    ),
    Mutant(
        "anyone may change settings",
        "chalicelib/chat/setup.py",
        '    if not ctx.may("settings"):\n        return [ctx.say("admin_only"',
        '    if False:\n        return [ctx.say("admin_only"',
        (
            "tests/entrypoints/test_setup_webhooks.py::"
            "test_a_member_who_is_no_admin_cannot_change_settings",
        ),
    ),
    Mutant(
        "a setup that lost the group keeps its code's use",
        "chalicelib/features/communities.py",
        "            invites.give_back(store.table, typed)\n",
        "            pass\n",
        (
            "tests/entrypoints/test_setup_webhooks.py::"
            "test_a_setup_that_loses_the_race_for_the_group_leaves_nothing_and_keeps_its_code",
        ),
    ),
    Mutant(
        "roster: the first sync welcomes everyone",
        "chalicelib/features/roster.py",
        "if arrivals and not report.first:",
        "if arrivals:",
        (
            "tests/features/test_roster_sync.py::"
            "test_the_first_sync_adds_the_silent_quietly_and_records_leaves",
        ),
    ),
    Mutant(
        "roster: absent members never leave",
        "chalicelib/domain/roster.py",
        "if member.is_present and (listed.complete or member.user_id in gone):",
        "if member.is_present and member.user_id in gone:",
        (
            "tests/features/test_roster_sync.py::"
            "test_a_synced_out_member_is_not_mentioned_in_the_next_reminder",
        ),
    ),
    Mutant(
        "roster: a chat migration told by every container",
        "chalicelib/store/repository.py",
        "        if not self.release_chat(community.id, platform, old_chat):\n"
        "            return None\n",
        "        self.release_chat(community.id, platform, old_chat)\n",
        (
            "tests/platforms/test_telegram_membership.py::"
            "test_two_containers_moving_the_same_chat_tell_it_once",
        ),
    ),
    Mutant(
        "anyone changes their own role",
        "chalicelib/domain/roles.py",
        "    if actor.user_id == target.user_id:\n        return RoleRefusal.SELF",
        "    if False:\n        return RoleRefusal.SELF",
        (f"{ROLES}::test_nobody_changes_their_own_role",),
    ),
    Mutant(
        "the owner's role changed from chat",
        "chalicelib/domain/roles.py",
        "    if target.role is Role.OWNER:\n        return RoleRefusal.OWNER_TARGET",
        "    if False:\n        return RoleRefusal.OWNER_TARGET",
        (f"{ROLES}::test_the_owners_role_is_not_changed_from_chat",),
    ),
    Mutant(
        "admins make admins",
        "chalicelib/domain/roles.py",
        "    if actor.role is not Role.OWNER and Role.ADMIN in (role, target.role):",
        "    if False:",
        (
            f"{ROLES}::test_an_admin_who_is_not_the_owner_cannot_grant_admin",
            "tests/entrypoints/test_role_webhooks.py::test_a_discord_admin_by_permission_cannot_make_admins",
        ),
    ),
    Mutant(
        "/role not held on DingTalk",
        "chalicelib/chat/confirm.py",
        '"confirm_removals", "settings", "role",',
        '"confirm_removals", "settings",',
        (
            "tests/entrypoints/test_role_webhooks.py::"
            "test_on_dingtalk_a_role_change_waits_for_the_owners_code",
        ),
    ),
    Mutant(
        "an unclaimed event refreshes the role",
        "chalicelib/inbound.py",
        "platform_admin=sender.platform_admin if claims else None,",
        "platform_admin=sender.platform_admin,",
        (
            "tests/entrypoints/test_role_webhooks.py::"
            "test_a_check_in_refreshes_no_role_so_its_replay_cannot_restore_one",
        ),
    ),
    Mutant(
        "the platform overrides an explicit role",
        "chalicelib/domain/roles.py",
        "    if member.role is Role.OWNER or is_explicit(member):",
        "    if member.role is Role.OWNER:",
        (
            "tests/features/test_platform_admins.py::"
            "test_a_refresh_promotes_platform_admins_and_demotes_the_demoted",
        ),
    ),
    Mutant(
        "a role written over a concurrent change",
        "chalicelib/store/roles.py",
        'cond=Cond.exists("pk") & Cond.eq("role", change.old.value),',
        'cond=Cond.exists("pk"),',
        (
            "tests/features/test_platform_admins.py::"
            "test_a_role_that_changed_meanwhile_is_not_overwritten",
        ),
    ),
    Mutant(
        "points: a replayed action credits again",
        "chalicelib/domain/points.py",
        "if before is not None and before == amount:",
        "if False:",
        (
            "tests/chat/test_points_commands.py::test_a_replayed_submission_adds_nothing",
            "tests/domain/test_points.py::"
            "test_a_keyed_action_replayed_adds_nothing_and_a_change_adds_the_difference",
        ),
    ),
    Mutant(
        "points: a write from a stale tally is taken",
        "chalicelib/store/points.py",
        "cond=tally_unchanged(version),",
        "cond=None,",
        (
            "tests/chat/test_points_commands.py::"
            "test_a_points_write_from_a_stale_tally_is_refused_and_computed_again",
        ),
    ),
    Mutant(
        "points: a check-in's tally written over a concurrent credit",
        "chalicelib/store/checkins.py",
        "cond = cond & tally_unchanged(member.points_v)",
        "cond = cond",
        (
            "tests/chat/test_points_commands.py::"
            "test_a_checkin_computed_before_a_review_was_credited_does_not_erase_its_points",
        ),
    ),
    Mutant(
        "points: levels bought with points alone",
        "chalicelib/domain/levels.py",
        "if facts.points < needed or not requirement(rung).met(facts):",
        "if facts.points < needed:",
        (
            "tests/domain/test_levels.py::test_points_alone_never_reach_the_third_level",
            "tests/chat/test_points_commands.py::"
            "test_a_checkin_raises_the_level_only_when_the_non_points_condition_is_met",
        ),
    ),
    Mutant(
        "points: a ladder that does not climb is accepted",
        "chalicelib/domain/levels.py",
        "if any(b <= a for a, b in pairwise(numbers)):",
        "if False:",
        ("tests/cli/test_settings.py::test_a_bad_setting_is_refused_with_one_clear_line",),
    ),
    Mutant(
        "points: a self-award is given",
        "chalicelib/chat/stars.py",
        "if recipient.user_id == ctx.member.user_id:",
        "if False:",
        ("tests/jobs/test_stars.py::test_a_self_award_is_refused_and_nothing_is_written",),
    ),
    Mutant(
        "points: a level-up announced in every later post",
        "chalicelib/jobs/send_daily_reminders.py",
        "        line = levelup_line(community, members, start, end)\n",
        "        line = levelup_line(community, members, start - timedelta(days=30), end)\n",
        (
            "tests/jobs/test_levelup_announcements.py::"
            "test_a_level_up_is_announced_once_across_replays_and_the_next_days_post",
        ),
    ),
    Mutant(
        "sign-in link used twice in a race",
        "chalicelib/store/manage.py",
        'cond=Cond.exists("pk") & Cond.absent("used_at")',
        'cond=Cond.exists("pk")',
        ("tests/manage/test_pages.py::test_two_racing_uses_of_a_link_sign_in_once",),
    ),
    Mutant(
        "expired sign-in link accepted",
        "chalicelib/store/manage.py",
        'if datetime.fromisoformat(item["valid_until"]) <= now:',
        "if False:",
        (
            "tests/manage/test_pages.py::test_a_link_expires_after_15_minutes_and_is_refused_untouched",
        ),
    ),
    Mutant(
        "session cookie signature unchecked",
        "chalicelib/manage/session.py",
        'if not hmac.compare_digest(signature, _sign(key, "session", payload)):',
        "if False:",
        ("tests/manage/test_pages.py::test_a_forged_or_expired_cookie_is_refused",),
    ),
    Mutant(
        "another community's cookie accepted",
        "chalicelib/manage/pages.py",
        "    if found is None or found.community_id != ctx.community_id:",
        "    if found is None:",
        ("tests/manage/test_pages.py::test_another_communitys_cookie_opens_nothing_here",),
    ),
    Mutant(
        "role not read again on each page",
        "chalicelib/manage/pages.py",
        "member = feature.current_admin(ctx.store, ctx.community_id, found.user_id)",
        "member = ctx.store.get_member(ctx.community_id, found.user_id)",
        ("tests/manage/test_pages.py::test_every_page_checks_the_role_again",),
    ),
    Mutant(
        "settings form without CSRF check",
        "chalicelib/manage/pages.py",
        'if not sessions.csrf_ok(ctx.key or b"", ctx.cookie, form.get("csrf", "")):',
        "if False:",
        (
            "tests/manage/test_pages.py::"
            "test_a_settings_post_without_the_sessions_token_changes_nothing",
        ),
    ),
    Mutant(
        "goal progress written twice for one delivery",
        "chalicelib/store/goals.py",
        'cond = Cond.ne("delivery", delivery) if delivery else',
        'cond = Cond.absent("pk") | Cond.exists("pk") if delivery else',
        (
            "tests/chat/test_goal_commands.py::"
            "test_the_progress_write_itself_refuses_a_second_write_of_one_delivery",
        ),
    ),
    Mutant(
        "goal increase passes the target",
        "chalicelib/store/goals.py",
        'cond = cond & (Cond.absent("value") | Cond.le("value", target - value))',
        "pass",
        (
            "tests/chat/test_goal_commands.py::"
            "test_an_increase_that_a_concurrent_report_pushed_past_the_target_is_refused",
        ),
    ),
    Mutant(
        "level-up window from the schedule, not the ledger",
        "chalicelib/jobs/send_daily_reminders.py",
        "start = announced_until(store.table, community.id, NAME, period) or start",
        "pass",
        (
            "tests/jobs/test_levelup_announcements.py::"
            "test_a_later_reminder_time_neither_drops_nor_repeats_a_level_up",
            "tests/jobs/test_levelup_announcements.py::"
            "test_an_earlier_reminder_time_announces_nothing_twice",
            "tests/jobs/test_levelup_announcements.py::"
            "test_a_reminder_skipped_for_lateness_hands_its_level_ups_on",
        ),
    ),
    Mutant(
        "a leader's /remind without its daily claim",
        "chalicelib/chat/admin.py",
        "    if not claim_squad_reminder(\n",
        "    if False and claim_squad_reminder(\n",
        (
            f"{ROLES}::test_a_leader_reminds_their_squad_once_a_day",
            f"{ROLES}::test_a_second_remind_is_refused_in_chinese",
        ),
    ),
    Mutant(
        "digest level-up window from the cycle, not the ledger",
        "chalicelib/jobs/send_weekly_digests.py",
        "start = announced_until(store.table, community.id, NAME, period) or start",
        "pass",
        (
            "tests/jobs/test_levelup_announcements.py::"
            "test_a_digest_moved_earlier_announces_nothing_twice",
        ),
    ),
    Mutant(
        "a replayed rota turn-over picks again",
        "chalicelib/jobs/turn_over_rota.py",
        "    if duty is not None:  # a replay: the member already on duty, never a second pick\n",
        "    if False:\n",
        (
            "tests/jobs/test_rota_job.py::"
            "test_a_replayed_turn_over_announces_the_member_on_duty_and_picks_no_one_else",
        ),
    ),
    Mutant(
        "the rota forgets who served recently",
        "chalicelib/domain/rota.py",
        "        and not served_recently(served.get(m.user_id), period, skip_periods)\n",
        "",
        (
            "tests/domain/test_rota.py::test_who_served_within_the_last_k_periods_sits_out",
            "tests/jobs/test_rota_job.py::"
            "test_the_rota_turns_over_once_at_the_period_start_with_the_defined_pick",
        ),
    ),
    Mutant(
        "a swap accepted by someone it was not asked of",
        "chalicelib/store/rota.py",
        'cond=Cond.eq("swap_to", by)\n        & ',
        "cond=",
        (
            "tests/entrypoints/test_rota_webhooks.py::"
            "test_a_swap_takes_effect_when_the_named_member_accepts_within_24_hours",
        ),
    ),
    Mutant(
        "a swap accepted after its 24 hours",
        "chalicelib/store/rota.py",
        '        & Cond.gt("swap_at", _iso(now - window))\n',
        "",
        (
            "tests/entrypoints/test_rota_webhooks.py::test_a_swap_not_accepted_within_24_hours_does_nothing",
        ),
    ),
    # the joining ritual (features/ritual.py)
    Mutant(
        "welcome without its claim",
        "chalicelib/store/ritual.py",
        'return claims.claim_new(table, item, owner_attr="welcomed_by", owner=owner).owned',
        'claims.claim_new(table, item, owner_attr="welcomed_by", owner=owner)\n    return True',
        (
            "tests/chat/test_ritual.py::"
            "test_a_newcomer_is_welcomed_once_shown_the_rules_and_accepts_them",
            "tests/chat/test_ritual.py::"
            "test_the_first_sync_welcomes_nobody_and_a_join_racing_the_sync_is_welcomed_once",
            # the roster's own: a second join signal (Telegram's chat_member) welcomes again
            "tests/platforms/test_telegram_membership.py::"
            "test_a_chat_member_join_is_recorded_and_welcomed_once",
        ),
    ),
    Mutant(
        "nickname prompt not once a day",
        "chalicelib/store/ritual.py",
        '| Cond.ne("nickname_prompted_on", day)',
        '| Cond.exists("nickname_prompted_on")',
        (
            "tests/chat/test_ritual.py::"
            "test_a_nickname_off_the_format_is_prompted_by_dm_at_most_once_a_day",
            "tests/chat/test_ritual.py::test_two_renames_racing_from_the_same_read_prompt_once",
        ),
    ),
    Mutant(
        "check-ins without the rules gate",
        "chalicelib/chat/checkins.py",
        "if ctx.community.require_rules_acceptance and member.rules_accepted_at is None:",
        "if False:",
        (
            "tests/chat/test_ritual.py::"
            "test_check_ins_wait_for_the_rules_when_the_community_requires_it",
        ),
    ),
    Mutant(
        "permission table: a committee position grants every command",
        "chalicelib/domain/roles.py",
        "    return held is not None and command in held.commands",
        "    return held is not None",
        (
            "tests/chat/test_positions.py::"
            "test_an_activity_officer_may_award_but_not_confirm_removals",
        ),
    ),
    Mutant(
        "permission table: /award does not ask it",
        "chalicelib/chat/stars.py",
        'if not ctx.may("award"):',
        "if False:",
        (
            "tests/chat/test_positions.py::"
            "test_an_activity_officer_may_award_but_not_confirm_removals",
        ),
    ),
    Mutant(
        "a streak freeze spent twice: the counters' condition dropped",
        "chalicelib/store/checkins.py",
        "        cond = _counters_unchanged(member)\n"
        "        if points is not None:\n"
        "            cond = cond & tally_unchanged(member.points_v)\n",
        '        cond = Cond.exists("pk")\n',
        (
            "tests/chat/test_streak_freezes.py::"
            "test_two_checkins_racing_spend_the_missed_days_freeze_once",
        ),
    ),
    Mutant(
        "the streak freeze bank's cap K",
        "chalicelib/domain/freezes.py",
        "return max(current, min(rules.bank, current + gained))",
        "return current + gained",
        (
            "tests/chat/test_streak_freezes.py::"
            "test_every_fifth_review_earns_a_freeze_once_and_never_above_the_bank",
        ),
    ),
    Mutant(
        "session attendance without its condition",
        "chalicelib/store/sessions.py",
        'return table.put(item, cond=Cond.absent("pk"))',
        "return table.put(item) or True",
        (
            f"{SESSIONS}::test_a_weekly_session_in_berlin_runs_each_phase_once_across_the_dst_change",
        ),
    ),
    Mutant(
        "session reminder sent after its start",
        "chalicelib/features/sessions.py",
        "if phase in (rules.ANNOUNCE, rules.REMIND, rules.SPEAKER_ALERT) and now >= start:",
        "if phase in (rules.ANNOUNCE, rules.SPEAKER_ALERT) and now >= start:",
        (
            f"{SESSIONS}::test_a_reminder_planned_at_or_after_the_start_is_skipped",
            f"{SESSIONS}::test_a_missed_tick_catches_up_and_the_reminder_after_the_start_is_skipped",
        ),
    ),
    Mutant(
        "session cancellation told at every phase",
        "chalicelib/features/sessions.py",
        "if instance.told_in not in (None, period):",
        "if False:",
        (
            f"{SESSIONS}::test_a_cancelled_session_tells_the_group_once_and_skips_its_later_phases",
            f"{SESSIONS}::test_an_admin_cancels_in_the_group_and_the_group_is_not_told_twice",
        ),
    ),
    Mutant(
        "announcements at the same minute share an instant",
        "chalicelib/domain/announcements.py",
        "return timedelta(microseconds=int(entry_id[1:], 16) % 1_000_000)",
        "return timedelta(0)",
        (
            "tests/jobs/test_announcements.py::test_two_announcements_at_the_same_minute_both_post_once",
        ),
    ),
    Mutant(
        "a later announcement pushes the due pointer back",
        "chalicelib/store/due.py",
        '| Cond.gt("scheduled_at", item["scheduled_at"])',
        '| Cond.exists("pk")',
        (
            "tests/jobs/test_announcements.py::"
            "test_adding_a_later_announcement_never_pushes_back_one_already_scheduled",
        ),
    ),
    Mutant(
        "cancelling leaves the announcement scheduled",
        "chalicelib/features/announcements.py",
        '_, updated = store.rewrite_community(community.id, cancelled, guard=("announcements",))',
        "updated = community",
        (
            "tests/jobs/test_announcements.py::"
            "test_a_cancelled_announcement_never_posts_even_from_a_message_already_queued",
        ),
    ),
    Mutant(
        "a queued post of a cancelled announcement is not refused",
        "chalicelib/jobs/post_announcements.py",
        "    if found is None:\n",
        "    if found is None and False:\n",
        (
            "tests/jobs/test_announcements.py::"
            "test_a_cancelled_announcement_never_posts_even_from_a_message_already_queued",
        ),
    ),
    Mutant(
        "discord activity moves its cursor before the writes",
        "chalicelib/features/channel_activity.py",
        """        table, cid = self.store.table, self.community.id
        for user_id""",
        """        table, cid = self.store.table, self.community.id
        activity_store.advance_cursor(table, cid, self.community.chat_id, self.last_id, self.now)
        for user_id""",
        (
            "tests/jobs/test_discord_activity.py::"
            "test_a_crash_midway_through_the_writes_loses_nobody",
        ),
    ),
    Mutant(
        "discord activity moves last_active back",
        "chalicelib/store/channel_activity.py",
        'cond=Cond.absent("last_active") | Cond.lt("last_active", day.isoformat()),',
        "cond=None,",
        ("tests/jobs/test_discord_activity.py::test_last_active_never_moves_back",),
    ),
    Mutant(
        "a rewritten list ignores what changed since it was read",
        "chalicelib/store/repository.py",
        "        for name in guard:\n",
        "        for name in ():\n",
        (
            "tests/features/test_rewritten_lists.py::"
            "test_a_session_added_from_an_old_copy_keeps_the_one_added_since",
            "tests/features/test_rewritten_lists.py::"
            "test_two_admins_adding_at_once_both_keep_their_session",
        ),
    ),
    Mutant(
        "forget from chat without the owner-only guard",
        "chalicelib/chat/personal.py",
        'if not ctx.may("forget"):',
        "if False:",
        (
            "tests/chat/test_forget_command.py::"
            "test_only_the_owner_may_forget_and_a_refusal_is_one_line_inline",
        ),
    ),
    Mutant(
        "check-ins written without the community's retention",
        "chalicelib/chat/checkins.py",
        "        delivery=delivery,\n        retention=retention_of(ctx.community),\n",
        "        delivery=delivery,\n",
        (
            "tests/chat/test_retention_setting.py::"
            "test_a_check_in_and_a_make_up_are_kept_for_the_communitys_retention",
        ),
    ),
    Mutant(
        "a shard's continuation dropped",
        "chalicelib/jobs/dispatch_due_jobs.py",
        "        queue.send_batch([shard_message(partition, tick_at, after=last, **again)])\n",
        "        pass\n",
        (
            "tests/jobs/test_fanout_dispatch.py::"
            "test_a_shard_with_more_than_one_message_allows_continues_until_every_run_is_enqueued",
            "tests/jobs/test_fanout_dispatch.py::test_a_continuation_starts_after_the_last_run_it_names",
        ),
    ),
    Mutant(
        "a continuation from the shard's start",
        "chalicelib/store/due.py",
        'bounds.append(after + "\\x00")',
        "pass",
        (
            "tests/jobs/test_fanout_dispatch.py::"
            "test_a_shard_with_more_than_one_message_allows_continues_until_every_run_is_enqueued",
        ),
    ),
    Mutant(
        "every tick sends every run still due again",
        "chalicelib/jobs/dispatch_due_jobs.py",
        "    return slot, until\n",
        "    return None, until\n",
        (
            "tests/jobs/test_fanout_dispatch.py::"
            "test_each_tick_reads_its_own_five_minutes_ahead_and_a_sweep_everything_still_due",
        ),
    ),
    Mutant(
        "a platform's send budget without its limit",
        "chalicelib/store/pacing.py",
        'cond=Cond.absent("pk") | Cond.lt("sent", limit),',
        "cond=None,",
        (
            "tests/store/test_pacing.py::"
            "test_many_workers_at_once_never_exceed_the_limit_in_any_second",
            "tests/store/test_pacing.py::test_a_budgeted_platforms_sends_wait_for_their_slots",
        ),
    ),
    Mutant(
        "doubled shard messages: each run message claims its run afresh",
        "chalicelib/jobs/run_queued_jobs.py",
        "runtime, job, community_id, now, period=period, time_left=time_left, reserve=reserve",
        "runtime, job, community_id, now, period=period, time_left=time_left, reserve=reserve,"
        " force=True",
        (
            "tests/jobs/test_fanout_dispatch.py::test_doubled_and_stale_shard_messages_post_nothing_twice",
        ),
    ),
    Mutant(
        "a member's own-page session opens the admin pages",
        "chalicelib/manage/pages.py",
        "    if found.role == feature.SELF:  # a member's own link opens their own page only\n",
        "    if found.role == feature.SELF and False:\n",
        (
            "tests/manage/test_pages.py::"
            "test_a_members_session_opens_no_admin_page_and_no_other_community",
        ),
    ),
    Mutant(
        "the delivery log shows another run's refusals",
        "chalicelib/features/manage.py",
        'no = sorted(refused.get((item["period"], runs.epoch_of(item)), []))',
        "no = sorted(n for found in refused.values() for n in found)",
        (
            "tests/manage/test_pages.py::"
            "test_the_delivery_log_says_what_each_run_sent_and_what_was_refused",
        ),
    ),
    Mutant(
        "a member page's reference works in any session",
        "chalicelib/manage/session.py",
        'return _sign(key, "member", f"{cookie_value}:{user_id}")[:22]',
        'return _sign(key, "member", user_id)[:22]',
        (
            "tests/manage/test_pages.py::"
            "test_an_admin_opens_a_members_page_from_the_table_by_a_session_bound_reference",
        ),
    ),
    Mutant(
        "stars range reads leave out the period's last cycle",
        "chalicelib/store/keys.py",
        'return f"{prefix}{first_cycle}#", f"{prefix}{last_cycle}$"',
        'return f"{prefix}{first_cycle}#", f"{prefix}{last_cycle}#"',
        ("tests/jobs/test_stars_periods.py::test_the_quarter_counts_its_own_cycles_only",),
    ),
    Mutant(
        "stars range reads count a paused cycle",
        "chalicelib/store/homework.py",
        "handed = [item for item in submissions if _cycle_of_sk(item) in wanted]",
        "handed = list(submissions)",
        ("tests/jobs/test_stars_periods.py::test_a_paused_cycle_in_the_range_is_left_out",),
    ),
    Mutant(
        "quarterly stars slot on every month's first",
        "chalicelib/jobs/stars.py",
        "return self.kind is PeriodKind.MONTH or int(month[5:]) in QUARTER_STARTS",
        "return True",
        (
            "tests/jobs/test_stars.py::"
            "test_the_jobs_are_scheduled_for_the_first_of_the_month_and_of_the_quarter",
        ),
    ),
    Mutant(
        "the weekly digest does not repair points lost to a crash",
        "chalicelib/jobs/send_weekly_digests.py",
        "    repair_credits(\n        table,\n        community,\n        members,\n",
        "    (lambda *_a, **_k: 0)(\n        table,\n        community,\n        members,\n",
        (
            "tests/chat/test_points_repair.py::"
            "test_the_weekly_digest_repairs_a_member_who_never_came_back",
            "tests/chat/test_points_repair.py::"
            "test_the_digest_repairs_a_review_whose_points_were_lost",
        ),
    ),
    Mutant(
        "/hw does not repair points lost to a crash",
        "chalicelib/chat/homework.py",
        "    repair_credits(\n        table,\n",
        "    (lambda *_a, **_k: 0)(\n        table,\n",
        ("tests/chat/test_points_repair.py::test_a_crash_after_the_submission_is_repaired_once",),
    ),
    Mutant(
        "the points repair re-credits a held key",
        "chalicelib/domain/points.py",
        "    credited = held.get(key)\n",
        "    credited = None\n",
        (
            "tests/chat/test_points_repair.py::"
            "test_credited_work_owes_nothing_and_forgotten_cycles_are_never_judged",
        ),
    ),
    Mutant(
        "the points repair judges a cycle whose keys may be forgotten",
        "chalicelib/domain/points.py",
        'if item.get("user_id") != user_id or cycle < oldest:',
        'if item.get("user_id") != user_id:',
        (
            "tests/chat/test_points_repair.py::"
            "test_credited_work_owes_nothing_and_forgotten_cycles_are_never_judged",
        ),
    ),
    Mutant(
        "the speaker rota's pick written unconditionally",
        "chalicelib/store/sessions.py",
        'cond=(held | Cond.eq("speaker", user_id))\n'
        '        & Cond.absent("confirmed")\n'
        '        & Cond.absent("cancelled"),',
        'cond=Cond.absent("cancelled"),',
        (f"{SESSIONS}::test_two_runs_planned_at_once_record_one_speaker",),
    ),
    Mutant(
        "the speaker rota picks again on a replay",
        "chalicelib/features/sessions.py",
        "    if instance.picked_in == period and instance.speaker:\n",
        "    if False:\n",
        (f"{SESSIONS}::test_the_speaker_rota_picks_the_least_recent_speaker_once_at_the_deadline",),
    ),
    Mutant(
        "removing a session rewrites the list unguarded",
        "chalicelib/features/sessions.py",
        'lambda read: {"sessions": rules.without_definition(read.sessions, sid)},\n'
        '        guard=("sessions",),',
        'lambda read: {"sessions": rules.without_definition(community.sessions, sid)},\n'
        "        guard=(),",
        (
            "tests/features/test_rewritten_lists.py::"
            "test_a_removal_racing_an_addition_keeps_the_added_session",
        ),
    ),
    Mutant(
        "a freeze spent by itself and again by the check-in that read the member before",
        "chalicelib/store/checkins.py",
        '"points_v": member.points_v + 1,',
        '"points_v": member.points_v,',
        (
            "tests/jobs/test_freeze_by_itself.py::"
            "test_a_checkin_that_read_the_member_before_the_spend_spends_nothing_more",
        ),
    ),
    Mutant(
        "a freeze spent by itself again on a day already frozen",
        "chalicelib/domain/freezes.py",
        "if last is None or last >= day or day.isoformat() in member.frozen_days:",
        "if last is None or last >= day:",
        (
            "tests/jobs/test_freeze_by_itself.py::"
            "test_the_reminder_tells_the_member_privately_and_spends_one_freeze_once",
        ),
    ),
    Mutant(
        "a retried freeze spend without the tally version writes over the bank",
        "chalicelib/store/checkins.py",
        """        tally_unchanged(member.points_v)
        & Cond.eq("last_checkin", member.last_checkin.isoformat())""",
        """        Cond.eq("last_checkin", member.last_checkin.isoformat())""",
        ("tests/jobs/test_freeze_by_itself.py::test_a_retried_apply_spends_the_freeze_once",),
    ),
    Mutant(
        "a swap's duties note goes to the group although the member can be messaged",
        "chalicelib/chat/rota.py",
        "if not isinstance(adapter, DirectMessages) or not adapter.direct_messages:",
        "if True:",
        (
            "tests/entrypoints/test_rota_webhooks.py::"
            "test_the_member_who_takes_a_swap_gets_the_duties_note_privately_once",
        ),
    ),
    Mutant(
        "the report CSV's cohort column left empty",
        "chalicelib/features/reports.py",
        '        cohort or "",\n',
        '        "",\n',
        (
            "tests/cli/test_report_cli.py::"
            "test_the_report_csv_of_a_cohorts_month_names_the_cohort_in_its_last_column",
        ),
    ),
    Mutant(
        "discord roster ignores the channel's permission overwrites",
        "chalicelib/platforms/discord.py",
        'overwrites = _overwrites(channel.get("permission_overwrites", []))',
        "overwrites = _overwrites([])",
        (
            "tests/platforms/test_member_lists.py::"
            "test_discord_a_private_channel_lists_only_the_role_that_sees_it_and_the_owner",
            "tests/features/test_roster_sync.py::"
            "test_a_discord_member_who_cannot_see_the_channel_leaves_the_roster",
        ),
    ),
    Mutant(
        "discord permissions ignore the member's own overwrite",
        "chalicelib/domain/discord_permissions.py",
        "own = self._overwrite(MEMBER, user_id)",
        "own = None",
        (
            "tests/domain/test_discord_permissions.py::"
            "test_a_member_overwrite_comes_last_deny_or_allow",
        ),
    ),
    Mutant(
        "settings form compares a textarea's CR LF as a change",
        "chalicelib/features/manage.py",
        'text = value.replace("\\r\\n", "\\n").replace("\\r", "\\n").strip()',
        "text = value.strip()",
        ("tests/manage/test_pages.py::test_the_whole_form_sent_back_unchanged_writes_nothing",),
    ),
    Mutant(
        "the digest's full list drops the names its first post folded",
        "chalicelib/jobs/send_weekly_digests.py",
        "    lines += _absent_lines(view, fold=False, only_folded=True)\n",
        "    pass\n",
        (
            "tests/jobs/test_digest_shape.py::"
            "test_a_300_member_digest_is_not_600_lines_and_folds_without_losing_a_name",
        ),
    ),
    Mutant(
        "the digest keeps assignments and its close for the default retention",
        "chalicelib/jobs/send_weekly_digests.py",
        "    retention = retention_of(community)  # how long the assignments and the close",
        "    retention = timedelta(days=396)  # how long the assignments and the close",
        (
            "tests/jobs/test_retention_everywhere.py::"
            "test_every_retained_kind_is_written_with_the_communitys_retention",
        ),
    ),
    Mutant(
        "job runs kept for the default retention",
        "chalicelib/jobs/runner.py",
        "    retention = retention_of(community)\n",
        "    retention = RETENTION\n",
        (
            "tests/jobs/test_retention_everywhere.py::"
            "test_every_retained_kind_is_written_with_the_communitys_retention",
        ),
    ),
    Mutant(
        "chatter rules switched on without the acknowledgement",
        "chalicelib/domain/visibility.py",
        "if blind is None or community.ack_limited_activity:",
        "if True:",
        (
            "tests/chat/test_limited_activity.py",
            "tests/cli/test_limited_activity_cli.py",
        ),
    ),
    Mutant(
        "a DingTalk scene group read stops at its first page",
        "chalicelib/platforms/dingtalk.py",
        'if not body.get("hasMore"):',
        "if True:",
        ("tests/platforms/test_dingtalk_scene_groups.py",),
    ),
    Mutant(
        "a WeCom refusal of a group's list is not named",
        "chalicelib/platforms/wecom.py",
        'return ListRefused("wecom", need, f"{path} errcode {code}")',
        "return None",
        ("tests/platforms/test_wecom_groups.py",),
    ),
    Mutant(
        "the webhook's HTTP API stage loses its throttling",
        "rollcall/infra.py",
        '            "DefaultRouteSettings": dict(self.http_throttling),\n',
        '            "DefaultRouteSettings": {},\n',
        (
            "tests/deploy/test_bootstrap.py::"
            "test_bootstrap_puts_the_http_api_in_front_of_the_webhook_once",
            "tests/deploy/test_template.py::"
            "test_the_merge_template_puts_the_http_api_in_front_of_the_webhook_function",
        ),
    ),
    Mutant(
        "the webhook's HTTP API loses its webhook route",
        "rollcall/infra.py",
        '    "POST /webhooks/{platform}",\n',
        "",
        (
            "tests/deploy/test_http_api.py::"
            "test_every_chalice_route_is_an_http_api_route_and_nothing_else",
            "tests/deploy/test_template.py::"
            "test_the_merge_template_puts_the_http_api_in_front_of_the_webhook_function",
        ),
    ),
    Mutant(
        "bootstrap stops turning on the worker's ReportBatchItemFailures",
        "rollcall/infra.py",
        '                UUID=mapping["UUID"], FunctionResponseTypes=["ReportBatchItemFailures"]\n',
        '                UUID=mapping["UUID"], FunctionResponseTypes=[]\n',
        (
            "tests/deploy/test_bootstrap.py::"
            "test_bootstrap_turns_on_partial_batch_failures_after_chalice_deploy",
        ),
    ),
    Mutant(
        "points repair ignores a lost take-back",
        "chalicelib/domain/points.py",
        "    return worth if worth < credited else None\n",
        "    return None\n",
        (
            "tests/chat/test_points_repair.py::test_a_lost_take_back_is_repaired_once",
            "tests/chat/test_points_repair.py::"
            "test_the_digest_takes_back_a_review_revised_too_short_once",
        ),
    ),
    Mutant(
        "points repair lifts the day's cap",
        "chalicelib/domain/points.py",
        "    return worth if worth < credited else None\n",
        "    return worth if worth != credited else None\n",
        (
            "tests/chat/test_points_repair.py::test_what_a_key_is_owed",
            "tests/chat/test_points_repair.py::test_a_credit_cut_by_the_cap_is_not_repaired",
        ),
    ),
    Mutant(
        "a stale delayed message runs the old time (same period)",
        "chalicelib/jobs/run_queued_jobs.py",
        "    if took == due.STALE or (\n",
        "    if (\n",
        (
            "tests/jobs/test_fanout_dispatch.py::"
            "test_a_delayed_message_whose_run_was_rescheduled_meanwhile_changes_nothing",
        ),
    ),
    Mutant(
        "a stale delayed message runs a run the pointer moved past",
        "chalicelib/jobs/run_queued_jobs.py",
        "        took == due.UNSURE\n"
        "        and runs.get_run(table, community_id, job, period) is None\n"
        "        and not _still_scheduled(community, job, period, scheduled_at)\n",
        "        False\n",
        (
            "tests/jobs/test_fanout_dispatch.py::"
            "test_a_delayed_message_whose_run_was_rescheduled_meanwhile_changes_nothing",
        ),
    ),
    Mutant(
        "a taken run's redelivery is taken for stale",
        "chalicelib/store/due.py",
        '    if old.get("taken") == taken_key(period, scheduled_at):\n'
        "        return TAKEN_BEFORE\n",
        "",
        (
            "tests/jobs/test_fanout_dispatch.py::"
            "test_a_taken_run_is_finished_even_when_the_time_moved_before_its_reschedule_ran",
        ),
    ),
    Mutant(
        "a tick's window overlaps the one before (window boundary)",
        "chalicelib/jobs/dispatch_due_jobs.py",
        "    return slot, until\n",
        "    return slot - due.TICK_SPAN, until\n",
        (
            "tests/jobs/test_fanout_dispatch.py::"
            "test_each_tick_reads_its_own_five_minutes_ahead_and_a_sweep_everything_still_due",
        ),
    ),
    Mutant(
        "a tick reads no further than its own time (no look-ahead)",
        "chalicelib/jobs/dispatch_due_jobs.py",
        "    until = slot + timedelta(minutes=due.TICK_MINUTES)\n",
        "    until = slot\n",
        (
            "tests/jobs/test_fanout_dispatch.py::"
            "test_each_tick_reads_its_own_five_minutes_ahead_and_a_sweep_everything_still_due",
        ),
    ),
    Mutant(
        "a pointer written into a window already read waits for the sweep",
        "chalicelib/store/due.py",
        "    return max(scheduled_at, written + TICK_SPAN)\n",
        "    return scheduled_at\n",
        (
            "tests/jobs/test_fanout_dispatch.py::"
            "test_a_pointer_written_into_a_window_already_read_goes_with_the_next_tick",
        ),
    ),
    Mutant(
        "a resumed run forgets the summary's recorded message id",
        "chalicelib/jobs/runner.py",
        "        self.sent_ids: dict[int, str] = runs.sent_parts(claimed)\n",
        "        self.sent_ids: dict[int, str] = {}\n",
        ("tests/jobs/test_digest_threads.py",),
    ),
    Mutant(
        "the summary's message id not kept before the thread reply",
        "chalicelib/jobs/runner.py",
        "            self.sent_ids[index] = message_id\n",
        "",
        ("tests/jobs/test_digest_threads.py",),
    ),
    Mutant(
        "discord opens a thread the second time and gives up",
        "chalicelib/platforms/discord.py",
        "            if code != THREAD_ALREADY_CREATED:\n",
        "            if True:\n",
        ("tests/jobs/test_digest_threads.py",),
    ),
    Mutant(
        "check-in counters wait for a member re-read (three rounds)",
        "chalicelib/chat/checkins.py",
        "        counted = _count_checkin(ctx, member, current, today)\n",
        "        member = load_member(table, member.community_id, member.user_id) or member\n"
        "        counted = _count_checkin(ctx, member, current, today)\n",
        ("tests/chat/test_checkin_hot_path.py",),
    ),
    Mutant(
        "check-in put no longer sent with the member read",
        "chalicelib/chat/checkins.py",
        "    item, written = at_once(read, put)\n",
        "    item = read()\n    written = put()\n",
        ("tests/chat/test_checkin_hot_path.py",),
    ),
    Mutant(
        "the rules gate keeps the check-in put before the read",
        "chalicelib/chat/checkins.py",
        "            _withdraw_early(ctx)\n            return refused\n",
        "            return refused\n",
        ("tests/chat/test_checkin_hot_path.py",),
    ),
    Mutant(
        "the check-in put sent with the read kept for the default retention",
        "chalicelib/chat/checkins.py",
        "            retention=retention_of(community),\n            attempt=attempt,\n",
        "            attempt=attempt,\n",
        (
            "tests/chat/test_retention_setting.py::"
            "test_a_warm_check_in_put_with_the_member_read_is_kept_for_the_retention_too",
        ),
    ),
    Mutant(
        "the run written with the counters is off by one",
        "chalicelib/domain/checkins.py",
        "    return {day: Link(before.last, before.current)}\n",
        "    return {day: Link(before.last, before.current + 1)}\n",
        (
            "tests/chat/test_checkin_hot_path.py::"
            "test_runs_written_with_the_counters_equal_a_recount_after_checkins_and_makeups",
        ),
    ),
    Mutant(
        "withdrawing takes back a check-in another request settled",
        "chalicelib/store/checkins.py",
        'cond=Cond.eq("attempt", attempt) & Cond.absent("adopted") & Cond.absent("streak"),\n',
        'cond=Cond.eq("attempt", attempt) & Cond.absent("streak"),\n',
        ("tests/chat/test_checkin_hot_path.py",),
    ),
    Mutant(
        "a queued nickname prompt is sent to a member renamed to the format since",
        "chalicelib/features/ritual.py",
        "    if member is None or nickname_ok(community, member.display()):\n",
        "    if member is None:\n",
        ("tests/chat/test_ritual.py::test_the_webhook_claims_the_prompt_and_the_worker_sends_it",),
    ),
    Mutant(
        "a fresh check-in settled by another message is taken for a redelivery",
        "chalicelib/chat/checkins.py",
        "ctx.checkin_delivery and not settled_for_us:\n",
        "ctx.checkin_delivery:\n",
        (
            "tests/chat/test_checkin_hot_path.py::"
            "test_a_fresh_checkin_settled_by_another_message_before_its_own_read_is_confirmed",
        ),
    ),
    Mutant(
        "a run read ahead is sent after its job was turned off",
        "chalicelib/jobs/run_queued_jobs.py",
        "    if not registry.require_spec(job).enabled(community):\n",
        "    if False:\n",
        (
            "tests/jobs/test_fanout_dispatch.py::"
            "test_a_job_turned_off_after_its_run_was_read_ahead_sends_nothing",
        ),
    ),
    Mutant(
        "a taken run whose pointer was rewritten whole is dropped as stale",
        "chalicelib/jobs/run_queued_jobs.py",
        "        and not _still_scheduled(community, job, period, scheduled_at)\n",
        "",
        (
            "tests/jobs/test_fanout_dispatch.py::"
            "test_a_run_taken_then_failed_survives_a_settings_save_that_rewrites_its_pointer",
        ),
    ),
    Mutant(
        "a worker's shard messages are read one after the other",
        "chalicelib/worker.py",
        "ThreadPoolExecutor(max_workers=len(shards))",
        "ThreadPoolExecutor(max_workers=1)",
        (
            "tests/jobs/test_fanout_dispatch.py::"
            "test_shard_messages_in_one_batch_are_read_side_by_side",
        ),
    ),
    Mutant(
        "a make-up forgets the gaps older than 30 days (one day short of the window)",
        "chalicelib/domain/checkins.py",
        "GAPS_KEPT_DAYS = 31\n",
        "GAPS_KEPT_DAYS = 30\n",
        (
            "tests/chat/test_checkin_hot_path.py::"
            "test_a_makeup_at_the_windows_far_edge_finds_the_run_its_gap_kept",
        ),
    ),
    Mutant(
        "a make-up's runs after the made-up day ignore a frozen day",
        "chalicelib/chat/checkins.py",
        "before=before, later=later, frozen=frozen)",
        "before=before, later=later, frozen=frozenset())",
        (
            "tests/chat/test_streak_freezes.py::"
            "test_a_makeup_finds_the_runs_across_a_frozen_day_after_it",
        ),
    ),
    Mutant(
        "a make-up walks back past a gap as if the days were consecutive",
        "chalicelib/domain/checkins.py",
        "        if day in gaps:\n            before = gaps[day]\n",
        "        if False:\n            before = gaps[day]\n",
        (
            "tests/domain/test_checkins.py::"
            "test_makeups_find_every_run_back_from_the_member_item_exactly",
            "tests/chat/test_checkin_hot_path.py::"
            "test_runs_written_with_the_counters_equal_a_recount_after_checkins_and_makeups",
        ),
    ),
    Mutant(
        "a duplicate counts another request's check-in without adopting it",
        "chalicelib/chat/checkins.py",
        "    if not adopt_checkin(ctx.store.table, member.community_id, member.user_id, today):\n",
        "    if False:\n",
        (
            "tests/chat/test_checkin_hot_path.py::"
            "test_a_checkin_counted_by_another_message_is_never_withdrawn_from_under_it",
        ),
    ),
    Mutant(
        "a withdrawn check-in adopted by a duplicate is counted with no item",
        "chalicelib/chat/checkins.py",
        "        _record_today(ctx, None, delivery)\n",
        "        pass\n",
        (
            "tests/chat/test_checkin_hot_path.py::"
            "test_a_checkin_counted_by_another_message_is_never_withdrawn_from_under_it",
        ),
    ),
    Mutant(
        "a late clear removes a strike's entry without its condition",
        "chalicelib/store/homework.py",
        'if table.update_entries(pk, bucket, "strikes", drop=[user_id], cond=cond):',
        'if table.update_entries(pk, bucket, "strikes", drop=[user_id], cond=None):',
        (
            "tests/jobs/test_strike_records.py::"
            "test_a_late_clear_clears_once_and_only_a_strike_that_stands",
        ),
    ),
    Mutant(
        "a replayed close re-adds a cleared strike (it does not see the entries it read)",
        "chalicelib/store/homework.py",
        '            struck |= set(item.get("strikes") or {})\n',
        "",
        (
            "tests/jobs/test_strike_records.py::"
            "test_late_work_between_the_replays_reads_keeps_its_cleared_strike",
        ),
    ),
    Mutant(
        "a replay puts a strike bucket that exists whole, dropping its other strikes",
        "chalicelib/store/homework.py",
        "        for bucket, entries in sorted(strikes.items())\n"
        "        if bucket not in existing\n",
        "        for bucket, entries in sorted(strikes.items())\n",
        (
            "tests/jobs/test_strike_records.py::"
            "test_a_replay_adds_to_a_bucket_that_exists_without_rewriting_it",
        ),
    ),
    Mutant(
        "erasure leaves the member in a strike bucket",
        "chalicelib/store/erasure.py",
        "            if _packed(item):  # a bucket of strikes: only their entry goes\n"
        "                if _holds_entry(item, user_id):\n",
        "            if _packed(item):  # a bucket of strikes: only their entry goes\n"
        "                if False:\n",
        ("tests/store/test_erasure.py::test_forgetting_leaves_no_item_that_carries_the_member",),
    ),
    Mutant(
        "readers drop the counters items written before they were packed",
        "chalicelib/store/homework.py",
        '            older[item["user_id"]] = counters_from_item(item)\n',
        "            pass\n",
        (
            "tests/jobs/test_strike_records.py::"
            "test_counters_and_a_strike_of_the_packed_items_predecessor_still_count_and_clear",
        ),
    ),
    Mutant(
        "the late round overwrites the main round's assignments",
        "chalicelib/store/keys.py",
        "{'L' if late_round else 'M'}",
        "M",
        (
            "tests/store/test_assignment_buckets.py::"
            "test_the_late_round_keeps_the_main_rounds_entries",
        ),
    ),
    Mutant(
        "a review reads the wrong assignment bucket",
        "chalicelib/store/homework.py",
        "        bucket = keys.assignment_bucket(reviewee)\n        wanted += [",
        "        bucket = 0\n        wanted += [",
        (
            "tests/store/test_assignment_buckets.py::"
            "test_a_cycle_is_a_few_bucket_items_and_each_review_reads_its_entry_by_key",
        ),
    ),
    Mutant(
        "a review no longer reads assignments stored one per reviewee",
        "chalicelib/store/homework.py",
        "        wanted.append((pk, keys.assignment_sk(assignment_cycle_id, reviewee)))",
        "",
        (
            "tests/store/test_assignment_buckets.py::"
            "test_assignments_stored_one_per_reviewee_before_packing_still_read",
        ),
    ),
    Mutant(
        "forgetting keeps the member's own entry in a packed assignment bucket",
        "chalicelib/store/erasure.py",
        "    if prefix != keys.ASSIGNMENT_BUCKET_PREFIX:\n        return fields",
        "    return fields",
        (
            "tests/store/test_erasure.py::"
            "test_a_packed_assignment_bucket_loses_the_members_entry_and_exports_only_theirs",
        ),
    ),
    Mutant(
        "a check-in judges the ladder whatever the member's points",
        "chalicelib/features/points.py",
        "    if member.level < 1:\n        return False\n",
        "    if True:\n        return False\n",
        (
            "tests/chat/test_cold_path_imports.py::"
            "test_a_cold_checkin_imports_none_of_the_modules_it_does_not_need",
        ),
    ),
    Mutant(
        "the ladder skip misses the check-in that reaches the next rung exactly",
        "chalicelib/features/points.py",
        "or member.points < thresholds[member.level]",
        "or member.points <= thresholds[member.level]",
        (
            "tests/chat/test_cold_path_imports.py::"
            "test_a_member_reaching_the_next_rungs_points_on_a_checkin_still_levels_up",
        ),
    ),
    Mutant(
        "every message imports the held-command code",
        "chalicelib/inbound.py",
        "from chalicelib.chat.context import CommandContext\n",
        "from chalicelib.chat import confirm  # noqa: F401\n"
        "from chalicelib.chat.context import CommandContext\n",
        (
            "tests/chat/test_cold_path_imports.py::"
            "test_a_cold_checkin_imports_none_of_the_modules_it_does_not_need",
        ),
    ),
    Mutant(
        "tzdata read through importlib.resources on the cold path",
        "chalicelib/domain/tz.py",
        "        return frozenset(listing.read().split())\n",
        "        from importlib.resources import files\n\n"
        '        return frozenset(files("tzdata").joinpath("zones").read_text("utf-8").split())\n',
        (
            "tests/chat/test_cold_path_imports.py::"
            "test_a_cold_checkin_imports_none_of_the_modules_it_does_not_need",
        ),
    ),
    Mutant(
        "a read evaluates every annotation of the item's dataclass",
        "chalicelib/store/records.py",
        "        base = _base_of_text(f.type, namespace) if isinstance(f.type, str) else None\n",
        "        base = None\n",
        (
            "tests/store/test_records_hints.py::"
            "test_community_and_member_are_read_without_evaluating_an_annotation",
        ),
    ),
    Mutant(
        "a cancel's next post forgets when it was written",
        "chalicelib/features/announcements.py",
        "        following.scheduled_at,\n        now=now,\n    )",
        "        following.scheduled_at,\n    )",
        (
            "tests/jobs/test_announcements.py::"
            "test_a_post_moved_up_by_a_cancel_inside_a_read_window_goes_with_the_next_tick",
        ),
    ),
    Mutant(
        "the admin refresh reads the roster a second time",
        "chalicelib/jobs/sync_rosters.py",
        "refresh_platform_admins(store, adapter, community, now, present=present)",
        "refresh_platform_admins(store, adapter, community, now, present=None)",
        (
            "tests/jobs/test_sync_rosters.py::"
            "test_the_admin_refresh_reads_the_roster_the_sync_read_with_its_changes",
        ),
    ),
    Mutant(
        "a tick short of time still reads every partition itself",
        "chalicelib/jobs/dispatch_due_jobs.py",
        "        if time_left is not None and time_left() < reserve:\n"
        "            result.shards.append(partition)\n",
        "        if False:\n            result.shards.append(partition)\n",
        (
            "tests/jobs/test_fanout_dispatch.py::"
            "test_a_tick_short_of_time_hands_the_partitions_it_has_not_read_to_the_workers",
        ),
    ),
    Mutant(
        "the digest never reads the submissions again after writing its strikes",
        "chalicelib/jobs/send_weekly_digests.py",
        "    current = _clear_strikes_of_work_since(table, cid, digest.cycle_id, holding)\n",
        "    current = None\n",
        (
            "tests/jobs/test_strike_records.py::"
            "test_late_work_after_the_digests_read_and_before_its_strike_is_cleared_by_the_digest",
        ),
    ),
    Mutant(
        "a make-up window stored wider than the kept gaps is not held to them",
        "chalicelib/chat/checkins.py",
        "    return min(community.makeup_window_days, GAPS_KEPT_DAYS)\n",
        "    return community.makeup_window_days\n",
        (
            "tests/chat/test_checkin_commands.py::"
            "test_a_window_stored_wider_than_the_kept_gaps_is_held_to_them",
        ),
    ),
    Mutant(
        "a withdraw takes back a check-in the code before adoption counted",
        "chalicelib/store/checkins.py",
        '& Cond.absent("adopted") & Cond.absent("streak"),',
        '& Cond.absent("adopted"),',
        (
            "tests/chat/test_checkin_hot_path.py::"
            "test_withdrawing_is_exactly_once_and_never_takes_another_requests_checkin",
        ),
    ),
    Mutant(
        "the digest's re-read of the submissions after its strike writes is eventually consistent",
        "chalicelib/jobs/send_weekly_digests.py",
        "    current = submissions_of(table, cid, cycle_id)\n",
        "    current = submissions_of(table, cid, cycle_id, consistent=False)\n",
        ("tests/jobs/test_strike_records.py::test_work_a_stale_plan_read_missed_keeps_no_strike",),
    ),
    Mutant(
        "the digest's re-read clears only the strikes this run wrote, not those it read",
        "chalicelib/jobs/send_weekly_digests.py",
        "    holding = struck | {change.user_id for change in writes.strikes}\n",
        "    holding = {change.user_id for change in writes.strikes}\n",
        (
            "tests/jobs/test_strike_records.py::"
            "test_a_replay_after_a_crash_before_the_re_read_clears_the_strike_of_late_work",
        ),
    ),
    Mutant(
        "a warning's clear without the condition on the rule it read",
        "chalicelib/store/reports.py",
        "put=entry, cond=Cond.exists(WARNINGS_ATTR) & held\n",
        "put=entry, cond=Cond.exists(WARNINGS_ATTR)\n",
        (
            "tests/jobs/test_warning_buckets.py::"
            "test_a_clear_refuses_once_the_entry_changed_since_it_was_read",
        ),
    ),
    Mutant(
        "the report writes every verdict's warning, not only the changed ones",
        "chalicelib/store/reports.py",
        "        if v.changed:\n            bucket = keys.member_bucket(",
        "        if True:\n            bucket = keys.member_bucket(",
        (
            "tests/jobs/test_warning_buckets.py::"
            "test_a_clear_between_the_reports_read_and_apply_is_kept_for_an_unchanged_member",
            "tests/jobs/test_warning_buckets.py::"
            "test_the_report_writes_one_update_per_bucket_touched_and_no_other_entry",
        ),
    ),
    Mutant(
        "a member's warning bucket by Python's salted hash",
        "chalicelib/store/keys.py",
        "return warning_bucket_sk(member_bucket(user_id, WARNING_BUCKETS))",
        "return warning_bucket_sk(hash(user_id) % WARNING_BUCKETS)",
        ("tests/jobs/test_warning_buckets.py::test_a_members_bucket_is_a_stable_hash_of_their_id",),
    ),
    Mutant(
        "forgetting a member leaves their warning bucket's entry",
        "chalicelib/store/erasure.py",
        "    return [*own, keys.member_warning_bucket_sk(user_id)]",
        "    return own",
        (
            "tests/store/test_erasure.py::"
            "test_the_members_entries_in_packed_items_are_in_their_data_and_erased_by_remove",
        ),
    ),
    Mutant(
        "the report reads the strikes its counters point at eventually consistent",
        "chalicelib/store/homework.py",
        "    for item in table.query(_pk(community_id), start=start, end=end, consistent=True):\n"
        "        if is_strike_bucket(item):\n",
        "    for item in table.query(_pk(community_id), start=start, end=end, consistent=False):\n"
        "        if is_strike_bucket(item):\n",
        (
            "tests/jobs/test_report_inactive_members.py::"
            "test_the_report_reads_counters_eventually_consistent_the_strikes_and_digest_strongly",
        ),
    ),
    Mutant(
        "a removal of a member warned on the member item ignores their coming back",
        "chalicelib/store/reports.py",
        '    if last_active is not None:\n        cond &= Cond.eq("last_active"',
        '    elif last_active is not None:\n        cond &= Cond.eq("last_active"',
        (
            "tests/jobs/test_warning_records.py::"
            "test_removal_of_a_member_warned_on_the_member_item_refuses_one_active_since",
        ),
    ),
    Mutant(
        "a clear of a warning read from its entry also lands when the entry is gone",
        "chalicelib/store/reports.py",
        '        held = Cond.entry_eq(WARNINGS_ATTR, member.user_id, "rule", member.warned_rule)\n',
        '        held = Cond.entry_eq(WARNINGS_ATTR, member.user_id, "rule", member.warned_rule)\n'
        "        held |= Cond.lacks_entry(WARNINGS_ATTR, member.user_id)\n",
        (
            "tests/jobs/test_warning_buckets.py::"
            "test_a_clear_never_writes_back_the_entry_of_a_member_forgotten_since_it_was_read",
        ),
    ),
    Mutant(
        "a clear of an older item's warning lands over an entry written since",
        "chalicelib/store/reports.py",
        "    return _set_entries(table, pk, bucket, entry, Cond.lacks_entry("
        "WARNINGS_ATTR, member.user_id))\n",
        "    return _set_entries(table, pk, bucket, entry)\n",
        (
            "tests/jobs/test_warning_buckets.py::"
            "test_a_clear_of_an_older_items_warning_writes_an_entry_that_overrides_it",
        ),
    ),
    Mutant(
        "/hw reads the warnings bucket it does not show",
        "chalicelib/chat/homework.py",
        "member_counters(table, community.id, member, warning=False)",
        "member_counters(table, community.id, member)",
        (
            "tests/chat/test_homework_commands.py::"
            "test_hw_reads_no_warnings_bucket_it_does_not_show",
        ),
    ),
    Mutant(
        "/forget asked in the group lists the kinds of a member's data",
        "chalicelib/chat/personal.py",
        "    if ctx.in_group:\n        return t(",
        "    if False:\n        return t(",
        (
            "tests/chat/test_forget_command.py::"
            "test_asked_in_the_group_the_counts_say_how_many_items_never_of_which_kind",
        ),
    ),
    Mutant(
        "a removal's confirmation reads its candidates eventually consistent",
        "chalicelib/features/reports.py",
        "table.batch_get(wanted, consistent=True)",
        "table.batch_get(wanted)",
        (
            "tests/jobs/test_report_inactive_members.py::"
            "test_the_candidates_are_read_strongly_consistent_before_a_removal",
        ),
    ),
    Mutant(
        "a removal's confirmation reads the strikes of its candidates eventually consistent",
        "chalicelib/features/reports.py",
        "(k for u, c in struck.items() for k in strike_keys(pk, c, u)), consistent=True",
        "(k for u, c in struck.items() for k in strike_keys(pk, c, u))",
        (
            "tests/jobs/test_report_inactive_members.py::"
            "test_the_candidates_are_read_strongly_consistent_before_a_removal",
        ),
    ),
    Mutant(
        "a leave redelivered after the member came back is handled again",
        "chalicelib/inbound.py",
        'claims = event.kind in ("member_joined", "member_left") or (',
        'claims = event.kind == "member_joined" or (',
        (
            "tests/platforms/test_membership_events.py::"
            "test_a_leave_redelivered_after_the_member_came_back_changes_nothing",
        ),
    ),
    Mutant(
        "a confirmation removes under a warning given since the report it confirms",
        "chalicelib/domain/inactivity.py",
        "    if reported_on is not None and member.warned_at is not None",
        "    if False and reported_on is not None and member.warned_at is not None",
        (
            "tests/jobs/test_warning_records.py::"
            "test_confirming_an_older_report_never_removes_under_a_warning_given_since",
        ),
    ),
    Mutant(
        "/mydata shows every line of a report's lists that names the member",
        "chalicelib/store/erasure.py",
        '"lists": _own_lines(item.get("lists") or {}, user_id)}',
        '"lists": item.get("lists")}',
        (
            "tests/chat/test_mydata.py::"
            "test_mydata_shows_the_members_own_lines_of_a_report_never_who_else_it_named",
        ),
    ),
    Mutant(
        "/confirm-removals in the group names the candidates it keeps",
        "chalicelib/chat/standing.py",
        "describe_outcome(community, outcome, kept_names=_may_name(ctx))",
        "describe_outcome(community, outcome, kept_names=True)",
        (
            "tests/chat/test_standing_commands.py::"
            "test_confirm_removals_asked_in_the_group_names_no_candidate_it_keeps",
        ),
    ),
    Mutant(
        "a removal lands on a member exempted since the candidates were read",
        "chalicelib/store/reports.py",
        '    cond = Cond.eq("status", "active") & (Cond.absent("exempt") | '
        'Cond.ne("exempt", True))\n',
        '    cond = Cond.eq("status", "active")\n',
        (
            "tests/chat/test_standing_commands.py::"
            "test_a_candidate_exempted_while_the_removals_run_is_kept",
        ),
    ),
    Mutant(
        "a removal lands on a member made an admin since the candidates were read",
        "chalicelib/store/reports.py",
        '        Cond.ne("role", Role.OWNER.value) & Cond.ne("role", Role.ADMIN.value)\n',
        '        Cond.ne("role", Role.OWNER.value)\n',
        (
            "tests/jobs/test_warning_records.py::"
            "test_removal_refuses_a_member_exempted_or_made_admin_since_on_both_tables",
        ),
    ),
    Mutant(
        "a report made while removal was off is confirmed once removal is on",
        "chalicelib/features/reports.py",
        "    if not report.summary.removal_enabled:\n        raise ListedOnly(",
        "    if False:\n        raise ListedOnly(",
        (
            "tests/chat/test_standing_commands.py::"
            "test_a_report_made_while_removal_was_off_removes_nobody_once_it_is_on",
        ),
    ),
    Mutant(
        "a removal lands on a member who took leave since the candidates were read",
        "chalicelib/store/reports.py",
        '        cond &= Cond.absent("leave_until")\n',
        "        pass\n",
        (
            "tests/chat/test_standing_commands.py::"
            "test_a_candidate_who_takes_leave_while_the_removals_run_is_kept",
        ),
    ),
    Mutant(
        "a warning given the day a member left and came back stays with the new membership",
        "chalicelib/store/reports.py",
        "and member.joined_at is not None and at <= member.joined_at:",
        "and member.joined_at is not None and at < member.joined_at:",
        (
            "tests/jobs/test_warning_records.py::"
            "test_a_warning_given_on_the_day_a_member_left_and_came_back_is_not_the_new_memberships",
        ),
    ),
    Mutant(
        "manage cookie with non-ASCII text reaches compare_digest",
        "chalicelib/manage/session.py",
        "if not payload or not signature or not value.isascii():",
        "if not payload or not signature:",
        (
            "tests/manage/test_page_inputs.py::"
            "test_a_cookie_with_non_ascii_text_is_refused_not_a_500",
        ),
    ),
    Mutant(
        "manage form token compared as str",
        "chalicelib/manage/session.py",
        "return bool(given) and same_secret(csrf_token(key, cookie_value), given)",
        "return bool(given) and hmac.compare_digest(given, csrf_token(key, cookie_value))",
        (
            "tests/manage/test_page_inputs.py::"
            "test_a_forms_token_with_non_ascii_text_is_refused_not_a_500",
        ),
    ),
    Mutant(
        "member page shows the calendar's first month",
        "chalicelib/features/manage.py",
        "and first > date.min and asked <= current else current",
        "and asked <= current else current",
        (
            "tests/manage/test_page_inputs.py::"
            "test_the_first_month_of_the_calendar_shows_the_current_month_not_a_500",
        ),
    ),
    Mutant(
        "an announcement's date at the calendar's edge is taken",
        "chalicelib/domain/announcements.py",
        "    within_calendar(day)\n    return day",
        "    return day",
        (
            "tests/entrypoints/test_announcement_webhooks.py::"
            "test_bad_announcements_get_one_line_and_write_nothing",
        ),
    ),
    Mutant(
        "a cohort at the calendar's edge is saved",
        "chalicelib/domain/announcements.py",
        "    within_calendar(start)\n    within_calendar(end)\n",
        "",
        (
            "tests/cli/test_announce_cli.py::"
            "test_a_cohort_at_the_calendars_edge_is_one_error_line_and_writes_nothing",
        ),
    ),
    Mutant(
        "a month's last day found 32 days on",
        "chalicelib/domain/calendar.py",
        "last = date(year, 12, 31) if number == 12 else date(year, number + 1, 1) - _ONE_DAY",
        "last = (first + timedelta(days=32)).replace(day=1) - _ONE_DAY",
        (
            "tests/chat/test_standing_commands.py::"
            "test_a_report_month_at_the_calendars_end_is_answered_not_a_500",
        ),
    ),
    Mutant(
        "a cycle anchor at the calendar's edge is saved",
        "chalicelib/domain/settings.py",
        "    if not low <= day <= high:\n",
        "    if False:\n",
        (
            "tests/cli/test_settings.py::"
            "test_cli_and_chat_refuse_the_same_values_with_the_same_words",
        ),
    ),
    Mutant(
        "an instant at the calendar's edge is taken",
        "chalicelib/clock.py",
        "    if not 1900 <= at.year <= 9998:\n",
        "    if False:\n",
        ("tests/cli/test_edge_dates.py::test_an_instant_at_the_calendars_edge_is_one_error_line",),
    ),
    Mutant(
        "a session anchored at the calendar's end is stored",
        "chalicelib/domain/sessions.py",
        "    if not 1900 <= anchor.year <= 9998:",
        "    if False:",
        (
            "tests/cli/test_edge_dates.py::"
            "test_a_session_anchored_at_the_calendars_end_is_refused_and_the_list_still_works",
        ),
    ),
    Mutant(
        "an invite expiring in year 9999 is issued",
        "chalicelib/domain/invites.py",
        "    if day.year > 9998:",
        "    if False:",
        (
            "tests/cli/test_edge_dates.py::"
            "test_an_invite_expiring_on_the_calendars_last_day_is_one_error_line",
        ),
    ),
    Mutant(
        "the leaderboard forgets the days a freeze kept",
        "chalicelib/chat/checkins.py",
        "live_streak(Streak.of(m), today, leave_of(m), frozen=frozen_set(m)),",
        "live_streak(Streak.of(m), today, leave_of(m)),",
        (
            "tests/jobs/test_freeze_by_itself.py::"
            "test_the_leaderboard_shows_the_streak_a_spent_freeze_kept",
        ),
    ),
    Mutant(
        "a make-up's reply forgets the days a freeze kept",
        "chalicelib/chat/checkins.py",
        "streak=live_streak(settled, today, leave_of(member), frozen=frozen_set(member)),",
        "streak=live_streak(settled, today, leave_of(member)),",
        (
            "tests/jobs/test_freeze_by_itself.py::"
            "test_the_squad_and_a_makeup_show_the_streak_a_spent_freeze_kept",
        ),
    ),
    Mutant(
        "/squad forgets the days a freeze kept",
        "chalicelib/features/squads.py",
        "live_streak(Streak.of(m), today, leave_of(m), frozen=frozen_set(m)),",
        "live_streak(Streak.of(m), today, leave_of(m)),",
        (
            "tests/jobs/test_freeze_by_itself.py::"
            "test_the_squad_and_a_makeup_show_the_streak_a_spent_freeze_kept",
        ),
    ),
    Mutant(
        "the member's own page forgets the days a freeze kept",
        "chalicelib/features/manage.py",
        "live = live_streak(streak, today, leave, freezes, frozen_set(member))",
        "live = live_streak(streak, today, leave, freezes)",
        (
            "tests/jobs/test_freeze_by_itself.py::"
            "test_the_members_own_page_shows_the_streak_a_spent_freeze_kept",
        ),
    ),
    Mutant(
        "the rota nudges a member on duty who left",
        "chalicelib/jobs/send_daily_reminders.py",
        "if nudged is not None and nudged[0] in present:",
        "if nudged is not None:",
        (
            "tests/jobs/test_rota_job.py::"
            "test_a_member_on_duty_who_left_the_group_is_no_longer_nudged",
        ),
    ),
    Mutant(
        "the local console secret is created readable by others",
        "rollcall/runtime.py",
        "os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)",
        "os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)",
        (
            "tests/cli/test_serve.py::"
            "test_the_generated_console_secret_is_private_from_its_creation",
        ),
    ),
)


def run(mutant: Mutant) -> tuple[bool, float, str]:
    """(killed, seconds, last lines of the test output)."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rollcall-mutant-") as tmp:
        tree = Path(tmp)
        for name in COPY:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, tree / name, ignore=shutil.ignore_patterns("__pycache__"))
            elif source.exists():
                shutil.copy2(source, tree / name)
        target = tree / mutant.path
        text = target.read_text()
        if text.count(mutant.old) != 1:
            raise SystemExit(
                f"mutant {mutant.name!r}: its code is not found exactly once in {mutant.path}; "
                "update tests/mutants.py"
            )
        target.write_text(text.replace(mutant.old, mutant.new))
        env = {
            **os.environ,
            "PYTHONPATH": str(tree),
            "ROLLCALL_FUZZ_SCALE": os.environ.get("ROLLCALL_MUTANT_SCALE", "200"),
        }
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *mutant.tests],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
    tail = "\n".join(done.stdout.strip().splitlines()[-3:])
    if done.returncode not in (0, 1):  # 1: tests failed; anything else: could not run them
        raise SystemExit(f"mutant {mutant.name!r}: pytest exited {done.returncode}\n{tail}")
    return done.returncode == 1, time.monotonic() - started, tail


def main(argv: list[str]) -> int:
    chosen = [m for m in MUTANTS if not argv or any(a in m.name for a in argv)]
    survived = []
    # Each mutant has its own copy of the tree: they run side by side, one per core.
    workers = max(1, min(len(chosen), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(run, chosen))
    for mutant, (killed, seconds, tail) in zip(chosen, results, strict=True):
        print(f"{'killed  ' if killed else 'SURVIVED'} {mutant.name} ({seconds:.0f} s)", flush=True)
        if not killed:
            survived.append(mutant.name)
            print(f"  {tail}")
    print(f"{len(chosen) - len(survived)} of {len(chosen)} mutants killed")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
