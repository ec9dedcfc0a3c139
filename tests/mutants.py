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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPY = ("app.py", "pyproject.toml", ".chalice", "chalicelib", "rollcall", "tests")
FAULTS = "tests/jobs/test_claims_under_faults.py"


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


MUTANTS = (
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
        "    return ctx.member.is_admin\n",
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
    for mutant in chosen:
        killed, seconds, tail = run(mutant)
        print(f"{'killed  ' if killed else 'SURVIVED'} {mutant.name} ({seconds:.0f} s)", flush=True)
        if not killed:
            survived.append(mutant.name)
            print(f"  {tail}")
    print(f"{len(chosen) - len(survived)} of {len(chosen)} mutants killed")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
