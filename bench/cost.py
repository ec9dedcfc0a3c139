"""AWS list prices (us-east-1) and the monthly cost per 1,000 active members.

Prices as published on aws.amazon.com pricing pages, read 2026-11-23; change them here.
"""

from __future__ import annotations

from typing import Any

PRICES_DATE = "2026-11-23"
API_GATEWAY_REST_PER_MILLION = 3.50  # REST API requests, first 333M/month
LAMBDA_GB_SECOND_ARM = 0.0000133334  # arm64
LAMBDA_REQUEST_PER_MILLION = 0.20
DYNAMODB_WRITE_PER_MILLION = 0.625  # on-demand write request units
DYNAMODB_READ_PER_MILLION = 0.125  # on-demand read request units
SQS_PER_MILLION = 0.40  # standard queue requests
LAMBDA_MEMORY_GB = 0.25  # .chalice/config.json: 256 MB


def monthly_cost_per_1000_members(
    *,
    checkin_ms: float,
    checkin_rcu: float,
    checkin_wcu: float,
    reminder_rcu_per_member: float,
    reminder_wcu_per_member: float,
    reminder_ms_per_member: float,
    dispatcher_sqs_per_message: float,
) -> dict[str, Any]:
    """1,000 active members check in daily (30 a month each) and get one reminder run a day
    in communities of ~1,000 (so a reminder run's cost is shared by 1,000 members)."""
    members = 1000
    checkins = members * 30
    api = checkins * API_GATEWAY_REST_PER_MILLION / 1e6
    lambda_requests = (checkins + 30 + 30) * LAMBDA_REQUEST_PER_MILLION / 1e6
    gb_seconds = (
        checkins * checkin_ms / 1000 + 30 * members * reminder_ms_per_member / 1000
    ) * LAMBDA_MEMORY_GB
    compute = gb_seconds * LAMBDA_GB_SECOND_ARM
    reads = checkins * checkin_rcu + 30 * members * reminder_rcu_per_member
    writes = checkins * checkin_wcu + 30 * members * reminder_wcu_per_member
    dynamodb = reads * DYNAMODB_READ_PER_MILLION / 1e6 + writes * DYNAMODB_WRITE_PER_MILLION / 1e6
    # 288 ticks a day whatever the size, plus one SQS send/receive/delete per run.
    sqs = (30 * 3 * dispatcher_sqs_per_message + 288 * 30 / 1000) * SQS_PER_MILLION / 1e6
    total = api + lambda_requests + compute + dynamodb + sqs
    return {
        "api_gateway": api,
        "lambda_requests": lambda_requests,
        "lambda_compute": compute,
        "dynamodb": dynamodb,
        "sqs": sqs,
        "total_usd": total,
        "prices_date": PRICES_DATE,
    }
