"""The webhook's HTTP API: chalice's app answers API Gateway v2's Lambda proxy events
(payload format 1.0) as it answers the REST API's, on the routes bootstrap and the merge
template give the HTTP API.

The events are the shape AWS documents for an HTTP API route with payload format 1.0
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html):
``resource`` and ``requestContext.resourcePath`` are the route's path template, ``path``
has the stage in front, headers are lower case, and there is a ``version`` of "1.0".
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

import app
from chalicelib.clock import FixedClock
from chalicelib.config import Settings
from chalicelib.inbound import MAX_BODY_BYTES
from chalicelib.runtime import Runtime, set_runtime
from chalicelib.store.repository import Store
from rollcall import infra
from tests.helpers import community

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
SECRET = "rollcall-webhook-secret_1"
GROUP = -1001234567890
USER = {"id": 1111111, "is_bot": False, "first_name": "Ann", "username": "ann"}


def http_api_event(
    method: str, route: str, path_parameters: dict[str, str], body: str, headers: dict[str, str]
) -> dict[str, Any]:
    """An HTTP API (API Gateway v2) Lambda proxy event, payload format 1.0."""
    path = route
    for name, value in path_parameters.items():
        path = path.replace("{" + name + "}", value)
    lowered = {key.lower(): value for key, value in headers.items()}
    return {
        "version": "1.0",
        "resource": route,
        "path": f"/{infra.HTTP_STAGE}{path}",
        "httpMethod": method,
        "headers": lowered,
        "multiValueHeaders": {key: [value] for key, value in lowered.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdef1234",
            "domainName": "abcdef1234.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abcdef1234",
            "extendedRequestId": "Ab1cDEfGhIJkLM=",
            "httpMethod": method,
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "TelegramBot"},
            "path": f"/{infra.HTTP_STAGE}{path}",
            "protocol": "HTTP/1.1",
            "requestId": "Ab1cDEfGhIJkLM=",
            "requestTime": "23/Nov/2026:12:00:00 +0000",
            "requestTimeEpoch": 1795435200000,
            "resourceId": f"{method} {route}",
            "resourcePath": route,
            "stage": infra.HTTP_STAGE,
        },
        "pathParameters": path_parameters,
        "stageVariables": None,
        "body": body,
        "isBase64Encoded": False,
    }


CONTEXT = SimpleNamespace(aws_request_id="req-1", get_remaining_time_in_millis=lambda: 9000)


@pytest.fixture
def store(dynamo_table):
    store = Store(dynamo_table)
    store.create_community(community(platform="telegram", chat_id=str(GROUP)))
    settings = Settings(
        secrets={"ROLLCALL_TELEGRAM_BOT_TOKEN": TOKEN, "ROLLCALL_TELEGRAM_SECRET_TOKEN": SECRET},
        api_bases={"telegram": "https://telegram.invalid"},
    )
    set_runtime(Runtime(settings=settings, store=store, clock=FixedClock(NOW)))
    yield store
    set_runtime(None)


def telegram_update(text: str) -> str:
    message = {
        "message_id": 1365,
        "date": 1441645532,
        "chat": {"id": GROUP, "title": "Study Group", "type": "supergroup"},
        "from": USER,
        "text": text,
    }
    return json.dumps({"update_id": 10000, "message": message})


def post_telegram(body: str, secret: str = SECRET, base64_body: bool = False) -> dict[str, Any]:
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret}
    event = http_api_event("POST", "/webhooks/{platform}", {"platform": "telegram"}, body, headers)
    if base64_body:
        event["body"] = base64.b64encode(body.encode()).decode()
        event["isBase64Encoded"] = True
    return dict(app.app(event, CONTEXT))


def test_every_chalice_route_is_an_http_api_route_and_nothing_else():
    """Chalice routes by requestContext.resourcePath, which is the route's path: the HTTP
    API needs each of chalice's routes as its own route (a catch-all {proxy+} would hand
    chalice '/{proxy+}', a path it does not know)."""
    chalice_routes = {
        f"{method} {path}" for path, methods in app.app.routes.items() for method in methods
    }
    assert set(infra.HTTP_ROUTES) == chalice_routes
    assert len(infra.HTTP_ROUTES) == len(chalice_routes)


def test_a_webhook_through_the_http_api_is_answered_and_recorded(store):
    response = post_telegram(telegram_update("/help@rollcall_bot"))
    assert response["statusCode"] == 200
    answer = json.loads(response["body"])
    assert answer["method"] == "sendMessage" and answer["chat_id"] == str(GROUP)
    assert "/checkin" in answer["text"]
    member = store.get_member("c1", "1111111")
    assert member is not None and member.last_active == NOW.date()


def test_a_base64_encoded_body_is_read_as_the_same_webhook(store):
    """API Gateway v2 may base64-encode a body (isBase64Encoded): chalice decodes it."""
    response = post_telegram(telegram_update("/help"), base64_body=True)
    assert response["statusCode"] == 200
    assert "/checkin" in json.loads(response["body"])["text"]


def test_a_forged_webhook_through_the_http_api_is_401_and_stores_nothing(store):
    response = post_telegram(telegram_update("/help"), secret="guess")
    assert response["statusCode"] == 401
    assert store.get_member("c1", "1111111") is None


def test_the_app_keeps_its_body_limit_behind_the_http_api(store):
    """An HTTP API takes bodies up to 10 MB; the app refuses more than its own limit."""
    body = json.dumps({"padding": "x" * (MAX_BODY_BYTES + 1)})
    response = post_telegram(body)
    assert response["statusCode"] == 413
    assert store.get_member("c1", "1111111") is None


def test_a_method_the_route_lacks_is_refused_by_chalice_not_run():
    event = http_api_event("DELETE", "/webhooks/{platform}", {"platform": "telegram"}, "", {})
    assert app.app(event, CONTEXT)["statusCode"] == 405


def test_the_bench_prices_webhooks_at_the_http_apis_rate():
    """bench/cost.py counts every webhook at the HTTP API's $1.00 a million (what platforms
    call), and says what the REST API would have cost: 30,000 check-ins a month."""
    from bench.cost import monthly_cost_per_1000_members

    jobs = {"daily-reminder": {"rcu": 0.0, "wcu": 0.0, "ms": 0.0}}
    cost = monthly_cost_per_1000_members(
        checkin_ms=0, checkin_rcu=0, checkin_wcu=0, jobs=jobs, dispatcher_sqs_per_message=0
    )
    assert cost["api_gateway"] == pytest.approx(0.030)
    assert cost["api_gateway_if_rest"] == pytest.approx(0.105)
    assert cost["total_usd_if_rest"] - cost["total_usd"] == pytest.approx(0.075)
