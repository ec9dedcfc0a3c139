"""AWS list prices (us-east-1) and the monthly cost per 1,000 active members.

Prices as published on aws.amazon.com pricing pages, read 2026-11-23; change them here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PRICES_DATE = "2026-11-23"
API_GATEWAY_REST_PER_MILLION = 3.50  # REST API requests, first 333M/month
# HTTP API requests, first 300M/month (each 512 KB of a request counts as one: a webhook's
# body is a few KB). Platforms are pointed at the HTTP API (rollcall/infra.py); chalice's
# REST API still exists but receives nothing, and costs nothing idle.
API_GATEWAY_HTTP_PER_MILLION = 1.00
LAMBDA_GB_SECOND_ARM = 0.0000133334  # arm64
LAMBDA_REQUEST_PER_MILLION = 0.20
DYNAMODB_WRITE_PER_MILLION = 0.625  # on-demand write request units
DYNAMODB_READ_PER_MILLION = 0.125  # on-demand read request units
SQS_PER_MILLION = 0.40  # standard queue requests
LAMBDA_MEMORY_GB = 0.25  # .chalice/config.json: 256 MB

MEMBERS = 1000
CHECKINS_PER_MEMBER = 30  # an active member checks in daily
# Runs a month of each job for one community: daily, weekly, monthly.
RUNS_PER_MONTH = {"daily-reminder": 30, "weekly-digest": 30 / 7, "monthly-report": 1}
TICKS_PER_MONTH = 288 * 30  # the dispatcher every 5 minutes (cron(0/5 * * * ? *))


def monthly_cost_per_1000_members(
    *,
    checkin_ms: float,
    checkin_rcu: float,
    checkin_wcu: float,
    jobs: Mapping[str, Mapping[str, float]],
    dispatcher_sqs_per_message: float,
) -> dict[str, Any]:
    """1,000 active members in a community of 1,000 check in daily and get the community's
    daily reminder, weekly digest and monthly report. ``jobs`` gives, per job, the
    measured ``rcu``, ``wcu`` and ``ms`` of one run for those 1,000 members (Lambda time is
    taken as the run's wall time on moto, an overestimate: moto is slower than DynamoDB).

    The dispatcher's ticks are shared by every community of a deployment, so their cost per
    1,000 members is negligible at any real size; they are counted as if one community of
    1,000 paid for all 43,200 ticks alone (an upper bound).
    """
    checkins = MEMBERS * CHECKINS_PER_MEMBER
    runs = {job: RUNS_PER_MONTH[job] for job in jobs}
    api = checkins * API_GATEWAY_HTTP_PER_MILLION / 1e6
    api_if_rest = checkins * API_GATEWAY_REST_PER_MILLION / 1e6
    invocations = checkins + sum(runs.values()) + TICKS_PER_MONTH
    lambda_requests = invocations * LAMBDA_REQUEST_PER_MILLION / 1e6
    seconds = checkins * checkin_ms / 1000 + sum(
        runs[job] * figures["ms"] / 1000 for job, figures in jobs.items()
    )
    compute = seconds * LAMBDA_MEMORY_GB * LAMBDA_GB_SECOND_ARM
    reads = checkins * checkin_rcu + sum(runs[j] * f["rcu"] for j, f in jobs.items())
    writes = checkins * checkin_wcu + sum(runs[j] * f["wcu"] for j, f in jobs.items())
    dynamodb = reads * DYNAMODB_READ_PER_MILLION / 1e6 + writes * DYNAMODB_WRITE_PER_MILLION / 1e6
    # per run: the dispatcher's share of a SendMessageBatch, the worker's receive and delete
    messages = sum(runs.values())
    sqs = messages * (dispatcher_sqs_per_message + 2) * SQS_PER_MILLION / 1e6
    by_job = {
        job: runs[job]
        * (f["rcu"] * DYNAMODB_READ_PER_MILLION + f["wcu"] * DYNAMODB_WRITE_PER_MILLION)
        / 1e6
        for job, f in jobs.items()
    }
    total = api + lambda_requests + compute + dynamodb + sqs
    return {
        "api_gateway": api,
        # What the same webhooks cost through chalice's REST API, for comparison.
        "api_gateway_if_rest": api_if_rest,
        "total_usd_if_rest": api_if_rest + lambda_requests + compute + dynamodb + sqs,
        "lambda_requests": lambda_requests,
        "lambda_compute": compute,
        "dynamodb": dynamodb,
        "dynamodb_checkins": (
            checkins
            * (checkin_rcu * DYNAMODB_READ_PER_MILLION + checkin_wcu * DYNAMODB_WRITE_PER_MILLION)
            / 1e6
        ),
        "dynamodb_by_job": by_job,
        "sqs": sqs,
        "total_usd": total,
        "prices_date": PRICES_DATE,
    }
